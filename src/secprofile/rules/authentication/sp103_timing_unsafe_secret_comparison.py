from __future__ import annotations

import ast
import re
from typing import Iterator

from secprofile.rules.authentication._request_data import (
    ClientValue, FunctionScope, iter_scopes, module_constants, route_handlers_of, words,
)
from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.source.location import Location

_HINTS = re.compile(r"secret|token|api_?key|apikey|signature|hmac|digest|\bsig\b|\bmac\b|\botp\b", re.I)
_HINT_WORDS = ("secret", "token", "apikey", "api_key", "signature", "hmac", "digest", "sig", "mac", "otp")
_SECRET_WORDS = frozenset({"secret", "token", "apikey", "signature", "sig", "hmac", "digest", "mac", "otp",
                           "passcode", "credential", "credentials"})
_KEY_QUALIFIERS = frozenset({"api", "access", "secret", "private", "shared", "signing", "client", "app", "auth",
                             "webhook", "master", "internal", "service", "admin", "hmac", "integration", "partner",
                             "license", "server", "sync", "warehouse", "bot", "ingest", "deploy"})
# Parts of a name that make it metadata about a secret, not the secret: token_type, api_key_header ...
_NOT_SECRET = frozenset({"type", "url", "uri", "name", "header", "prefix", "scheme", "expire", "expires", "expiry",
                         "expiration", "exp", "ttl", "lifetime", "length", "len", "count", "id", "version", "alg",
                         "algorithm", "algorithms", "field", "path", "endpoint", "issuer", "location", "format",
                         "kind", "usage", "hint", "label", "source", "env", "var", "file", "filename", "param",
                         "cookie", "status", "valid", "is", "has", "enabled", "required", "set", "present",
                         "timestamp", "created", "updated", "at", "hash", "hashed", "fingerprint", "last4",
                         "mask", "masked", "prefix", "suffix", "scope", "scopes", "audience", "aud", "pair"})
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase"})
_CONFIG_ROOTS = frozenset({"settings", "config", "conf", "cfg", "app", "current_app", "os", "env", "environ",
                           "django", "secrets", "options", "opts", "self"})
_ENV_CALLS = frozenset({"os.getenv", "os.environ.get", "decouple.config", "os.environ.__getitem__"})
# Comparisons inside these calls build queries (``User.api_key == key``), they do not compare in Python.
_QUERY_CALLS = frozenset({"where", "filter", "filter_by", "exclude", "having", "and_", "or_", "not_", "Q", "get",
                          "select", "update", "delete", "join", "outerjoin", "case", "query", "find", "find_one",
                          "get_or_none", "first", "one_or_none", "count", "exists", "expression"})
_DIGEST_FUNCTIONS = re.compile(r"(^|_)(sign|signature|hmac|digest|mac)(_|$)|sign(ed|ature)?$", re.I)
_OPS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)
_COMPARE = re.compile(r"==|!=|\bin\b")


def secret_name(name: str) -> bool:
    parts = [_singular(p) for p in words(name)]
    if not parts or set(parts) & (_NOT_SECRET | _PASSWORD_WORDS):
        return False
    joined = "".join(parts)
    if "apikey" in joined or set(parts) & _SECRET_WORDS:
        return True
    return "key" in parts and bool(set(parts) & _KEY_QUALIFIERS)


def _singular(word: str) -> str:
    return word[:-1] if word.endswith(("keys", "tokens", "secrets", "signatures", "digests")) else word


class _Secrets:
    """Classifies the server-held side of a comparison."""

    def __init__(self, scope: FunctionScope, constants: dict[str, object]):
        self.scope = scope
        self.constants = constants

    def of(self, node: ast.AST, depth: int = 0) -> tuple[str, str] | None:
        """``(text, strength)`` where strength is ``config``, ``digest`` or ``stored``."""
        if depth > 6:
            return None
        scope = self.scope
        if isinstance(node, ast.Await):
            return self.of(node.value, depth + 1)
        if isinstance(node, ast.Attribute):
            if scope.client(node.value) is not None or scope.is_request(node.value):
                return None
            if _is_model_column(node):
                return None
            if secret_name(node.attr):
                root = _root(node)
                strong = root in _CONFIG_ROOTS or node.attr.isupper() or (root or "").isupper()
                return _text(node), "config" if strong else "stored"
            return None
        if isinstance(node, ast.Subscript):
            key = node.slice.value if isinstance(node.slice, ast.Constant) else None
            if isinstance(key, str) and secret_name(key) and scope.client(node.value) is None \
                    and not scope.is_request(node.value):
                root = _root(node.value)
                return _text(node), "config" if root in _CONFIG_ROOTS else "stored"
            return None
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Name):
            return self._name(node, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            return self.of(node.left, depth + 1) or self.of(node.right, depth + 1)
        if isinstance(node, ast.JoinedStr):
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    found = self.of(value.value, depth + 1)
                    if found:
                        return _text(node), found[1]
        return None

    def _call(self, node: ast.Call, depth: int) -> tuple[str, str] | None:
        scope = self.scope
        callee = scope.names.resolve(node.func) or ""
        func = node.func
        if callee in _ENV_CALLS or callee.endswith("decouple.config"):
            key = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
            if isinstance(key, str) and secret_name(key):
                return _text(node), "config"
            return None
        if isinstance(func, ast.Attribute):
            if func.attr in ("hexdigest", "digest"):
                inner = func.value
                inner_callee = scope.names.resolve(inner.func) if isinstance(inner, ast.Call) else ""
                if (inner_callee or "").startswith("hmac."):
                    return _text(node), "digest"
                if (inner_callee or "").startswith("hashlib.") and isinstance(inner, ast.Call) and any(
                    self.of(arg, depth + 1) for arg in inner.args
                ):
                    return _text(node), "digest"  # sha256(SECRET + body): a keyed digest
                return None
            if func.attr in ("decode", "encode", "lower", "upper", "strip", "hex") or callee in (
                "base64.b64encode", "base64.urlsafe_b64encode", "binascii.hexlify",
            ):
                target = func.value if func.attr in ("decode", "encode", "lower", "upper", "strip", "hex") \
                    else (node.args[0] if node.args else None)
                return self.of(target, depth + 1) if target is not None else None
            if func.attr == "get_secret_value":  # pydantic SecretStr
                return self.of(func.value, depth + 1) or (_text(node), "config")
            if func.attr == "get" and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) and secret_name(node.args[0].value) \
                    and scope.client(func.value) is None and not scope.is_request(func.value):
                root = _root(func.value)
                return _text(node), "config" if root in _CONFIG_ROOTS else "stored"
        if callee in ("base64.b64encode", "base64.urlsafe_b64encode", "builtins.str", "builtins.bytes") and node.args:
            return self.of(node.args[0], depth + 1)
        if callee == "hmac.digest" or callee.startswith("hmac.new"):
            return _text(node), "digest"
        name = callee.rsplit(".", 1)[-1] if callee else (func.attr if isinstance(func, ast.Attribute) else "")
        if name and _DIGEST_FUNCTIONS.search(name) and not name.startswith(("verify", "check", "is_", "validate")):
            return _text(node), "digest"
        return None

    def _name(self, node: ast.Name, depth: int) -> tuple[str, str] | None:
        scope = self.scope
        if node.id in scope.params and node.id not in scope.assignments:
            return None
        assigned = scope.assignments.get(node.id)
        if assigned:
            for value in assigned:
                found = self.of(value, depth + 1)
                if found:
                    return node.id, found[1]
            if secret_name(node.id) and not any(scope.client(v) for v in assigned) \
                    and not any(_constant_value(v) for v in assigned):
                return node.id, "stored"  # expected_token = await redis.get(key)
            return None
        if node.id in self.constants:
            return (node.id, "config") if secret_name(node.id) and isinstance(self.constants[node.id], str) \
                and self.constants[node.id] else None
        if secret_name(node.id) and (node.id.isupper() or scope.names.resolve(node) not in (None, f"builtins.{node.id}")):
            return node.id, "config"  # API_KEY imported from the settings module
        return None


def _constant_value(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant)


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_model_column(node: ast.Attribute) -> bool:
    """``ApiKey.key`` / ``User.api_token``: a class attribute, i.e. a query column."""
    return isinstance(node.value, ast.Name) and node.value.id[:1].isupper() and not node.value.id.isupper()


def _text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # never let an odd node break the rule
        return "a secret"
    return text if len(text) <= 50 else text[:47] + "..."


def _query_compares(scope: FunctionScope) -> set[int]:
    inside: set[int] = set()
    for node in scope.nodes:
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _QUERY_CALLS:
                for argument in [*node.args, *(k.value for k in node.keywords)]:
                    for child in ast.walk(argument):
                        if isinstance(child, ast.Compare):
                            inside.add(id(child))
    return inside


def _mentions_password(node: ast.AST) -> bool:
    for child in ast.walk(node):
        name = child.id if isinstance(child, ast.Name) else child.attr if isinstance(child, ast.Attribute) else \
            child.value if isinstance(child, ast.Constant) and isinstance(child.value, str) else ""
        if name and set(words(name)) & _PASSWORD_WORDS:
            return True
    return False


@rule(
    code="SP103",
    slug="timing-unsafe-secret-comparison",
    title="Secret compared with == (timing attack)",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=208,
    control="authentication",
    kind="file",
    frameworks=("fastapi", "django"),
    hint="Compare secrets in constant time: `hmac.compare_digest(provided.encode(), expected.encode())` "
    "(or `secrets.compare_digest`).",
)
def timing_unsafe_secret_comparison(ctx: FileContext) -> Iterator[Hit]:
    """
    ## What it does
    Flags `==`, `!=`, `in` and `not in` between a secret the server holds (an API key, token,
    webhook secret or signature from settings, `os.environ`, a module constant, a stored
    record, or an HMAC digest computed on the spot) and a value the client sends (a header,
    query or body parameter, `request.headers[...]`, `request.META[...]`, a parameter of a
    verification helper). FastAPI and Django/DRF code alike. A credential compared with a
    hard-coded string literal is left to SP701 (hard-coded secret), whose fix brings the
    comparison back here.

    ## Why is this bad?
    `==` on strings stops at the first byte that differs, so the time a failed check takes
    depends on how many leading bytes of the guess were right. Measured over many requests
    this lets an attacker recover an API key or a valid webhook signature byte by byte
    (CWE-208). `hmac.compare_digest` takes the same time whatever the input.

    ## Example
    ```python
    from fastapi import Header, HTTPException

    from app.config import settings

    def verify_warehouse_key(x_api_key: str = Header(...)) -> None:
        if x_api_key != settings.internal_api_key:
            raise HTTPException(status_code=401, detail="Invalid API key")
    ```

    ## Use instead
    ```python
    import hmac

    from fastapi import Header, HTTPException

    from app.config import settings

    def verify_warehouse_key(x_api_key: str = Header(...)) -> None:
        if not hmac.compare_digest(x_api_key.encode(), settings.internal_api_key.encode()):
            raise HTTPException(status_code=401, detail="Invalid API key")
    ```

    ## Known problems
    Secrets are recognised by their names (`api_key`, `token`, `secret`, `signature`, `hmac`
    ...); a secret kept under an unrelated name is missed. Passwords are SP751's (plaintext
    comparison); hashed tokens compared with `==` (`stored_hash == sha256(token)`) are not
    reported, since hashing first removes the byte-by-byte signal.

    ## References
    - https://cwe.mitre.org/data/definitions/208.html
    - https://docs.python.org/3/library/hmac.html#hmac.compare_digest
    - https://codahale.com/a-lesson-in-timing-attacks/
    """
    text = "\n".join(ctx.lines).lower()
    if not any(word in text for word in _HINT_WORDS):  # substring tests: far cheaper than a regex here
        return
    # Some line must both compare and name a secret (``if x_api_key != settings.API_KEY``);
    # most files have none, and then no function needs a look.
    if not any(_compares_secret(line) for line in ctx.lines):
        return
    constants = module_constants(ctx.facts)

    def wanted(source: str, is_route: bool) -> bool:
        return any(_compares_secret(line) for line in source.split("\n"))

    for scope in iter_scopes(ctx.tree, ctx.module, ctx.names, route_handlers_of(ctx.facts), ctx.lines, wanted):
        compares = [n for n in scope.nodes if isinstance(n, ast.Compare) and any(isinstance(o, _OPS) for o in n.ops)]
        if not compares:
            continue
        secrets = _Secrets(scope, constants)
        in_queries = _query_compares(scope)
        for node in compares:
            if id(node) in in_queries or _mentions_password(node):
                continue
            found = _check(node, scope, secrets)
            if found is None:
                continue
            client, secret, strength, operator = found
            confidence = None if strength in ("config", "digest") else Confidence.MEDIUM
            where = f"`{secret}`"
            yield Hit(
                Location.of(ctx.relpath, node),
                f"the client's {client.described} is compared with {where} using `{operator}`, which is not "
                "constant-time: response timing leaks how much of a guess matches",
                confidence=confidence,
                symbol=scope.qualname,
            )


def _compares_secret(line: str) -> bool:
    return bool(("=" in line or "in" in line) and _COMPARE.search(line) and _HINTS.search(line))


def _check(node: ast.Compare, scope: FunctionScope, secrets: _Secrets):
    left = node.left
    for op, right in zip(node.ops, node.comparators):
        if isinstance(op, _OPS):
            operator = {ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in"}[type(op)]
            for a, b in ((left, right), (right, left)):
                if isinstance(op, (ast.In, ast.NotIn)) and a is right:
                    continue  # `secret in client_value` is a substring test, not a credential check
                client = scope.client(a)
                if client is None or client.kind == "path":
                    continue
                if isinstance(b, ast.Constant):
                    continue  # a hard-coded credential is SP701's root cause; once moved to settings, this rule applies
                secret = secrets.of(b)
                if secret is not None and scope.client(b) is None:
                    return _name_client(client, a), secret[0], secret[1], operator
        left = right
    return None


def _name_client(client: ClientValue, node: ast.AST) -> ClientValue:
    if client.key:
        return client
    try:
        text = ast.unparse(node)
    except Exception:  # never let an odd node break the rule
        text = ""
    return ClientValue(client.kind, text[:40], client.via)
