"""JWT call sites of a project, classified once per scan and shared by SP110-SP112.

A call site is a PyJWT, python-jose or Authlib call (``jwt.decode``, ``jose.jwt.decode``,
``jose.jws.verify``, ``jwt.get_unverified_claims``, ``JsonWebToken([...])``...) found by
name resolution, whatever the import alias. Only files that import ``jwt``, ``jose`` or
``authlib`` are parsed (again: trees are never cached across processes). The analysis
answers the questions the three rules share: is signature verification switched off,
which algorithms are accepted, is the decoded result used to identify the user.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterator

from secprofile.model.module import module_literal_lookup
from secprofile.model.project import Project
from secprofile.model.values import Evaluator, FromEnv, Literal, Unknown, Value
from secprofile.source.location import Location
from secprofile.source.names import ModuleNames

# (library, operation) by qualified name.
_FUNCTIONS: dict[str, tuple[str, str]] = {
    "jwt.decode": ("pyjwt", "decode"),
    "jwt.decode_complete": ("pyjwt", "decode"),
    "jwt.api_jwt.decode": ("pyjwt", "decode"),
    "jwt.api_jwt.decode_complete": ("pyjwt", "decode"),
    "jwt.api_jws.decode": ("pyjwt", "decode"),
    "jwt.api_jws.decode_complete": ("pyjwt", "decode"),
    "jwt.encode": ("pyjwt", "encode"),
    "jwt.api_jwt.encode": ("pyjwt", "encode"),
    "jwt.api_jws.encode": ("pyjwt", "encode"),
    "jwt.get_unverified_header": ("pyjwt", "header"),
    "jwt.api_jws.get_unverified_header": ("pyjwt", "header"),
    "jose.jwt.decode": ("jose", "decode"),
    "jose.jwt.encode": ("jose", "encode"),
    "jose.jwt.get_unverified_claims": ("jose", "claims"),
    "jose.jwt.get_unverified_header": ("jose", "header"),
    "jose.jwt.get_unverified_headers": ("jose", "header"),
    "jose.jws.verify": ("jose", "jws_verify"),
    "jose.jws.sign": ("jose", "jws_sign"),
    "jose.jws.get_unverified_claims": ("jose", "claims"),
    "jose.jws.get_unverified_header": ("jose", "header"),
    "jose.jws.get_unverified_headers": ("jose", "header"),
    "authlib.jose.jwt.decode": ("authlib", "decode"),
    "authlib.jose.jwt.encode": ("authlib", "encode"),
    "authlib.jose.JsonWebToken": ("authlib", "token_class"),
    "authlib.jose.rfc7519.JsonWebToken": ("authlib", "token_class"),
    "authlib.jose.rfc7519.jwt.JsonWebToken": ("authlib", "token_class"),
}
# Classes whose instances have decode/encode methods with the module functions' signatures.
_CLASSES: dict[str, str] = {
    "jwt.PyJWT": "pyjwt", "jwt.api_jwt.PyJWT": "pyjwt", "jwt.PyJWS": "pyjwt", "jwt.api_jws.PyJWS": "pyjwt",
    "authlib.jose.JsonWebToken": "authlib", "authlib.jose.rfc7519.JsonWebToken": "authlib",
    "authlib.jose.rfc7519.jwt.JsonWebToken": "authlib",
}
_METHODS = {"decode": "decode", "decode_complete": "decode", "encode": "encode", "get_unverified_header": "header"}
# Positional slots of each (library, operation): argument name -> position.
_SLOTS: dict[tuple[str, str], dict[str, int]] = {
    ("pyjwt", "decode"): {"jwt": 0, "key": 1, "algorithms": 2, "options": 3},
    ("jose", "decode"): {"token": 0, "key": 1, "algorithms": 2, "options": 3},
    ("pyjwt", "encode"): {"payload": 0, "key": 1, "algorithm": 2, "headers": 3},
    ("jose", "encode"): {"claims": 0, "key": 1, "algorithm": 2, "headers": 3},
    ("jose", "jws_verify"): {"token": 0, "key": 1, "algorithms": 2, "verify": 3},
    ("jose", "jws_sign"): {"payload": 0, "key": 1, "headers": 2, "algorithm": 3},
    ("authlib", "encode"): {"header": 0, "payload": 1, "key": 2},
    ("authlib", "decode"): {"s": 0, "key": 1},
    ("authlib", "token_class"): {"algorithms": 0},
    ("pyjwt", "header"): {"jwt": 0},
    ("jose", "header"): {"token": 0},
    ("jose", "claims"): {"token": 0},
}
_IMPORTS = ("jwt", "jose", "authlib")
# Claims that say who the caller is or what they may do.
IDENTITY_CLAIMS = frozenset(
    {"sub", "user_id", "userid", "uid", "user", "username", "email", "id", "identity", "account", "account_id",
     "login", "role", "roles", "scope", "scopes", "is_admin", "admin", "permissions", "groups", "is_staff",
     "is_superuser", "tenant_user", "name", "preferred_username"}
)
# Claims read before verification to choose a key or a tenant (the "peek, then verify" pattern).
PEEK_CLAIMS = frozenset({"iss", "kid", "aud", "tid", "tenant", "tenant_id", "alg", "typ", "jku", "x5u", "exp",
                         "iat", "nbf", "azp"})


@dataclass(frozen=True, eq=False)
class JwtSite:
    """One classified JWT call, with what the rules need to judge it."""

    relpath: str
    symbol: str
    library: str  # pyjwt, jose, authlib
    operation: str  # decode, encode, claims, header, jws_verify, jws_sign, token_class
    call: ast.Call
    statement: ast.stmt | None  # innermost statement holding the call
    function: ast.FunctionDef | ast.AsyncFunctionDef | None
    names: ModuleNames
    evaluate: Evaluator
    project: Project

    @property
    def location(self) -> Location:
        return Location.of(self.relpath, self.call)

    @property
    def display(self) -> str:
        """The callee as written: ``jwt.decode``, ``jose_jwt.get_unverified_claims``."""
        try:
            text = ast.unparse(self.call.func)
        except Exception:  # odd nodes never break a rule
            return self.operation
        return text if len(text) <= 60 else text[:57] + "..."

    def argument(self, name: str) -> ast.expr | None:
        """The argument bound to parameter ``name`` (keyword first, then its position)."""
        for keyword in self.call.keywords:
            if keyword.arg == name:
                return keyword.value
        position = _SLOTS.get((self.library, self.operation), {}).get(name)
        if position is None:
            return None
        args = self.call.args
        if any(isinstance(a, ast.Starred) for a in args[: position + 1]):
            return None
        if position >= 2 and self.pyjwt1_verify() is not None:
            position += 1  # PyJWT 1.x: decode(jwt, key, verify, algorithms, options)
        return args[position] if position < len(args) else None

    def has_kwargs(self) -> bool:
        return any(k.arg is None for k in self.call.keywords)

    def pyjwt1_verify(self) -> ast.expr | None:
        """PyJWT 1.x's positional ``verify`` flag: a third positional boolean."""
        if self.library != "pyjwt" or self.operation != "decode" or len(self.call.args) < 3:
            return None
        third = self.call.args[2]
        return third if isinstance(third, ast.Constant) and isinstance(third.value, bool) else None

    def value(self, node: ast.expr | None) -> Value:
        """Static value of an argument; a local name is followed to its last assignment."""
        if isinstance(node, ast.Name) and self.function is not None:
            assigned = last_assignment(self.function, node.id, self.call.lineno)
            if assigned is not None:
                return self.evaluate(assigned)
        value = self.evaluate(node)
        if isinstance(value, Unknown) and isinstance(node, (ast.Name, ast.Attribute)):
            # A constant imported from another module of the project: ``options=UNVERIFIED``.
            qualname = self.names.resolve(node)
            variable = self.project.variables.get(self.project.names.canonical(qualname) or "") if qualname else None
            if variable is not None:
                return variable.value
        return value


def jwt_sites(project: Project) -> tuple[JwtSite, ...]:
    """Every JWT call of the project (built once per scan)."""
    return project.derived("secprofile.rules.jwt.sites", _build)


def _build(project: Project) -> tuple[JwtSite, ...]:
    sites: list[JwtSite] = []
    for facts in sorted(project.python_files(), key=lambda f: f.relpath):
        if facts.names is None or not facts.imports_any(*_IMPORTS):
            continue
        tree = project.tree(facts.relpath)
        if tree is None:
            continue
        names = facts.names
        evaluate = Evaluator(names, module_literal_lookup(tree, names))
        try:
            for call, statement, function, symbol in _calls(tree, facts.module):
                found = _classify(call, names, project)
                if found is not None:
                    sites.append(JwtSite(facts.relpath, symbol, found[0], found[1], call, statement, function,
                                         names, evaluate, project))
        except RecursionError:
            continue
    return tuple(sites)


def _classify(call: ast.Call, names: ModuleNames, project: Project) -> tuple[str, str] | None:
    func = call.func
    qualname = names.resolve(func)
    if qualname in _FUNCTIONS:
        return _FUNCTIONS[qualname]
    if not isinstance(func, ast.Attribute) or func.attr not in _METHODS:
        return None
    owner = func.value
    cls = None
    if isinstance(owner, ast.Call):  # jwt.PyJWT().decode(...)
        cls = names.resolve(owner.func)
    elif qualname:  # decoder.decode(...) with a module-level ``decoder = jwt.PyJWT()``
        variable = project.variables.get(qualname.rsplit(".", 1)[0])
        cls = variable.call if variable is not None else None
    library = _CLASSES.get(cls or "")
    return (library, _METHODS[func.attr]) if library else None


def _calls(tree: ast.Module, module: str) -> Iterator[tuple[ast.Call, ast.stmt | None, ast.AST | None, str]]:
    """Calls with their innermost statement, enclosing function and symbol."""
    stack: list[tuple[ast.AST, ast.stmt | None, ast.AST | None, tuple[str, ...]]] = [(tree, None, None, ())]
    while stack:
        node, statement, function, path = stack.pop()
        if isinstance(node, ast.Call):
            yield node, statement, function, ".".join((module, *path))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            child_function, child_path = node, (*path, node.name)
        elif isinstance(node, ast.ClassDef):
            child_function, child_path = function, (*path, node.name)
        else:
            child_function, child_path = function, path
        for child in ast.iter_child_nodes(node):
            child_statement = child if isinstance(child, ast.stmt) else statement
            stack.append((child, child_statement, child_function, child_path))


def last_assignment(function: ast.AST, name: str, before_line: int) -> ast.expr | None:
    """The value last assigned to local ``name`` before ``before_line`` in ``function``."""
    best: tuple[int, ast.expr] | None = None
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and node.lineno < before_line:
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                if best is None or node.lineno >= best[0]:
                    best = (node.lineno, node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None and node.lineno < before_line:
            if isinstance(node.target, ast.Name) and node.target.id == name:
                if best is None or node.lineno >= best[0]:
                    best = (node.lineno, node.value)
    return best[1] if best else None


def truthy(value: Value) -> bool | None:
    """True/False when the value in force is known, else None."""
    if isinstance(value, Literal):
        return bool(value.value)
    if isinstance(value, FromEnv) and value.has_default:
        return bool(value.default)
    return None


def signature_check_off(site: JwtSite, pyjwt_major: int | None) -> str | None:
    """Why ``site`` accepts a token without checking its signature, or None."""
    if site.operation == "claims":
        return "reads the token's claims without verifying its signature"
    if site.operation == "jws_verify":
        verify = site.argument("verify")
        if verify is not None and truthy(site.value(verify)) is False:
            return "verify=False skips the signature check"
        return None
    if site.operation != "decode" or site.library == "authlib":
        return None
    options_node = site.argument("options")
    options = site.value(options_node)
    if isinstance(options_node, ast.Call) and site.names.resolve(options_node.func) == "builtins.dict" \
            and not options_node.args:  # options=dict(verify_signature=False)
        options = Literal({k.arg: site.value(k.value) for k in options_node.keywords if k.arg})
    if isinstance(options, Literal) and isinstance(options.value, dict):
        if _is_false(options.value.get("verify_signature", True)):
            return 'options={"verify_signature": False} skips the signature check'
        if site.library == "pyjwt" and _is_false(options.value.get("verify", True)):
            return 'options={"verify": False} skips the signature check'
    if site.library == "pyjwt" and (pyjwt_major is None or pyjwt_major < 2):
        verify = site.pyjwt1_verify()
        for keyword in site.call.keywords:
            if keyword.arg == "verify":
                verify = keyword.value
        if verify is not None and truthy(site.value(verify)) is False:
            return "verify=False skips the signature check (PyJWT 1.x)"
    return None


def _is_false(flag: object) -> bool:
    if isinstance(flag, (Literal, FromEnv)):
        return truthy(flag) is False
    return flag is False or flag == 0 or flag == ""


def pyjwt_major(project: Project) -> int | None:
    """The major version of PyJWT pinned in the project's requirements, if any."""
    version = project.pinned_versions().get("pyjwt", "")
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def claim_uses(site: JwtSite) -> tuple[set[str], bool]:
    """Claim names read from the call's result, and whether the result escapes (returned,
    passed on, unpacked) so that its use cannot be seen."""
    keys: set[str] = set()
    statement = site.statement
    if statement is None:
        return keys, True
    parent_keys = _direct_keys(statement, site.call)
    if parent_keys is not None:
        keys.update(parent_keys)
        return keys, False  # only one claim leaves the expression
    if isinstance(statement, ast.Return):
        return keys, True
    target = None
    if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is site.call:
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            target = targets[0].id
    if target is None or site.function is None:
        return keys, True
    escapes = False
    for node in ast.walk(site.function):
        if not (isinstance(node, ast.Name) and node.id == target and isinstance(node.ctx, ast.Load)):
            continue
        if getattr(node, "lineno", 0) <= site.call.lineno:
            continue
        key = _key_read(site.function, node)
        if key is not None:
            keys.add(key)
        else:
            escapes = True
    return keys, escapes


def _direct_keys(statement: ast.stmt, call: ast.Call) -> set[str] | None:
    """Claims read straight off the call: ``jwt.decode(...)["sub"]``, ``.get("sub")``."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Subscript) and node.value is call:
            key = _constant_str(node.slice)
            return {key} if key else set()
        if isinstance(node, ast.Attribute) and node.value is call and node.attr == "get":
            return set()
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.value is call \
                and node.func.attr == "get" and node.args:
            key = _constant_str(node.args[0])
            return {key} if key else set()
    return None


def _key_read(function: ast.AST, name: ast.Name) -> str | None:
    """``name["sub"]`` or ``name.get("sub")``: the key; anything else: None."""
    for node in ast.walk(function):
        if isinstance(node, ast.Subscript) and node.value is name:
            return _constant_str(node.slice) or "?"
        if isinstance(node, ast.Attribute) and node.value is name and node.attr == "get":
            for call in ast.walk(function):
                if isinstance(call, ast.Call) and call.func is node and call.args:
                    return _constant_str(call.args[0]) or "?"
            return "?"
    return None


def _constant_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def has_verified_decode(site: JwtSite, sites: tuple[JwtSite, ...], pyjwt: int | None) -> bool:
    """Another decode in the same function that does check the signature (peek, then verify)."""
    if site.function is None:
        return False
    for other in sites:
        if other is site or other.function is not site.function:
            continue
        if other.operation in ("decode", "jws_verify") and signature_check_off(other, pyjwt) is None:
            return True
    return False
