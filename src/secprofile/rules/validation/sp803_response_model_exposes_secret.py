from __future__ import annotations

import ast
import re
from typing import Iterator

from secprofile.model.project import Project
from secprofile.model.values import Literal
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.validation._common import (
    FUNCTIONS,
    FieldInfo,
    call_root,
    functions,
    literal_set,
    models,
    names_of,
)

# Never meant for a client: credentials' hashes, passwords, personal secrets.
_PASSWORDS = frozenset(
    {"password", "passwd", "pwd", "pass_hash", "hashed_password", "password_hash", "password_hashed",
     "encrypted_password", "password_digest", "pwd_hash", "hashed_pwd", "password_salt", "salt", "ssn",
     "social_security_number", "card_number", "credit_card", "credit_card_number", "cvv", "cvc", "pin", "pin_code",
     "security_answer", "secret_answer"}
)
# Credentials a route may hand out on purpose (a login returns a token, a key is shown once on creation).
_CREDENTIALS = frozenset(
    {"token", "api_key", "apikey", "secret", "client_secret", "secret_key", "private_key", "signing_key",
     "api_secret", "otp", "otp_secret", "otp_code", "totp_secret", "mfa_secret", "two_factor_secret",
     "recovery_codes", "backup_codes", "session_key"}
)
_NOT_SECRET_AFFIX = re.compile(
    r"^(has|is|needs|must|can|show|use|uses|requires?|allow|enable|last|num|count|min|max)_|"
    r"_(at|on|date|time|type|expires|expiry|expires_at|expire|length|set|changed|changed_at|policy|hint|url|uri|id|ids|"
    r"count|enabled|required|last4|last_four|prefix|masked|preview|name|label|version|strength|updated|rotated|"
    r"configured|exists|present|hint|ttl|lifetime|scope|scopes)$",
    re.I,
)
_ISSUING = re.compile(
    r"log-?in|sign-?in|sign-?up|register|token|refresh|(^|/|_)auth($|/|_|-|\{)|oauth|authenticat|authoriz|session|"
    r"api[-_]?keys?|(^|/|_)keys?($|/|_|\{)|"
    r"credential|secret|invit|reset|activat|verif|confirm|otp|2fa|mfa|totp|webhook|client",
    re.I,
)
_SEQUENCES = ("list", "List", "Sequence", "Iterable", "set", "Set", "tuple", "Tuple", "Optional", "Annotated",
              "Union", "Page", "AsyncIterator", "Iterator")


def secret_kind(name: str) -> str | None:
    """``"password"`` (never for a client), ``"credential"`` (fine where it is issued), or ``None``."""
    lowered = name.lower()
    if lowered in _PASSWORDS:
        return "password"
    if lowered in _CREDENTIALS:
        return "credential"
    if _NOT_SECRET_AFFIX.search(lowered):
        return None
    if lowered.endswith(("_password", "password_hash", "_passwd")) or lowered.startswith("hashed_password"):
        return "password"
    if lowered.endswith(("_token", "_secret", "_api_key", "_private_key", "_secret_key", "_apikey")):
        return "credential"
    return None


def _masked(info: FieldInfo) -> bool:
    """``SecretStr`` serialises as ``**********``; ``Field(exclude=True)`` is never serialised."""
    return bool(re.search(r"Secret(Str|Bytes)", info.annotation)) or bool(
        re.search(r"exclude\s*=\s*True", info.value))


@rule(
    code="SP803",
    slug="response-model-exposes-secret",
    title="Response model exposes a secret field",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=200,
    control="input-validation",
    kind="project",
    frameworks=("fastapi",),
    hint="Return a response schema without the secret (`class UserOut(BaseModel): id: int; email: str`), "
    "or exclude it: `response_model_exclude={\"hashed_password\"}` / `Field(exclude=True)`.",
)
def response_model_exposes_secret(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags a field named like a password, password hash, secret, token, API key, OTP seed,
    SSN or card number in the Pydantic model a FastAPI route serialises to its clients: the
    `response_model` (including `list[...]`) or, when there is none, the handler's return
    annotation. Fields are collected through inheritance across modules and one level of
    nested models. One finding per exposed field, at its declaration, naming the routes
    that send it.

    Also flags, with medium severity, a route with no response model whose handler returns
    an ORM object (`db.get(User, id)`, `db.query(User).first()`) when that model has such
    columns: FastAPI then serialises every loaded column.

    Tokens, API keys and secrets returned by the routes that issue them (login, token,
    refresh, register, API-key or 2FA setup paths) are not reported; `SecretStr` fields,
    `Field(exclude=True)` and `response_model_exclude={...}` hide a field.

    ## Why is this bad?
    Whatever the response model declares is sent. A `UserInDB` schema reused as a response
    model hands out every user's password hash (crackable offline) and reset tokens; one
    `response_model=list[UserInDB]` on an admin listing leaks them all at once.

    ## Example
    ```python
    from fastapi import APIRouter
    from pydantic import BaseModel

    router = APIRouter()

    class UserInDB(BaseModel):
        id: int
        email: str
        hashed_password: str

    @router.get("/users/{user_id}", response_model=UserInDB)
    def read_user(user_id: int):
        return load_user(user_id)
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter
    from pydantic import BaseModel

    router = APIRouter()

    class UserOut(BaseModel):
        id: int
        email: str

    class UserInDB(UserOut):
        hashed_password: str

    @router.get("/users/{user_id}", response_model=UserOut)
    def read_user(user_id: int):
        return load_user(user_id)
    ```

    ## Known problems
    Fields are judged by their names: a secret stored under an innocent name is missed, and a
    field such as `token` on a non-credential route is reported (suppress with a reason).
    Custom serializers (`@field_serializer`) that mask a value are not recognised.

    ## References
    - https://fastapi.tiangolo.com/tutorial/response-model/
    - https://cwe.mitre.org/data/definitions/200.html
    - https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/
    """
    if not project.fastapi:
        return
    kinds = models(project)
    exposures: dict[tuple[str, str], tuple[FieldInfo, str, list[str]]] = {}
    for route in project.fastapi.routes:
        if route.kind != "http":
            continue
        handler = route.handler
        options = dict(route.decl.options)
        explicit = options.get("response_model")
        disabled = isinstance(explicit, Literal) and explicit.value is None
        model = route.response_model if not disabled else None
        if model is None and not disabled and explicit is None and handler is not None:
            model = _return_annotation(project, handler)
        if model and kinds.is_schema(model):
            exclude = literal_set(options.get("response_model_exclude")) or set()
            include = literal_set(options.get("response_model_include"))
            issuing = _issuing(route)
            for path, info in _secret_fields(project, model, depth=0):
                top = path.split(".", 1)[0]
                if top in exclude or (include is not None and top not in include):
                    continue
                kind = secret_kind(info.name)
                if kind == "credential" and issuing:
                    continue
                key = (info.owner, info.name)
                entry = exposures.setdefault(key, (info, model, []))
                if route.display not in entry[2]:
                    entry[2].append(route.display)
        elif handler is not None and not (model and explicit is not None and not disabled):
            found = _orm_returned(project, handler)
            if found:
                orm, fields = found
                yield Hit(
                    route.location,
                    f"{route.display} returns {orm.rsplit('.', 1)[-1]} ORM objects with no response_model: "
                    f"every column is serialised, including {', '.join(fields)}",
                    severity=Severity.MEDIUM,
                    confidence=Confidence.MEDIUM,
                    symbol=route.handler_name,
                )
    for (owner, name), (info, model, routes) in sorted(exposures.items()):
        location = kinds.field_location(info)
        if location is None:
            continue
        owner_short, model_short = owner.rsplit(".", 1)[-1], model.rsplit(".", 1)[-1]
        where = owner_short if owner == model else f"{owner_short} (in response model {model_short})"
        shown = ", ".join(routes[:3]) + (f" and {len(routes) - 3} more" if len(routes) > 3 else "")
        yield Hit(
            location,
            f"`{name}` of {where} is sent to clients by {shown}",
            symbol=f"{owner}.{name}",
        )


def _issuing(route) -> bool:
    return issuing(route.path, route.handler_name)


def issuing(path: str | None, handler_name: str) -> bool:
    """Does the route (by path or handler name) hand out credentials: login, token, API-key, 2FA setup?
    Shared with SP804."""
    return bool(_ISSUING.search(path or "")) or bool(_ISSUING.search(handler_name.rsplit(".", 1)[-1]))


def _secret_fields(project, model: str, depth: int) -> Iterator[tuple[str, FieldInfo]]:
    kinds = models(project)
    for info in kinds.fields(model):
        if _masked(info):
            continue
        if secret_kind(info.name):
            yield info.name, info
        elif depth < 1:
            nested = _annotation_class(project, info)
            if nested and nested != model and kinds.is_schema(nested):
                for path, inner in _secret_fields(project, nested, depth + 1):
                    yield f"{info.name}.{path}", inner


def _annotation_class(project, info: FieldInfo) -> str | None:
    cls = project.classes.get(info.owner)
    if cls is None or not info.annotation:
        return None
    names = names_of(project, cls)
    if names is None:
        return None
    try:
        node = ast.parse(info.annotation, mode="eval").body
    except SyntaxError:
        return None
    return _unwrap(project, node, names)


def _unwrap(project, node: ast.AST, names) -> str | None:
    for _ in range(6):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
            continue
        if isinstance(node, ast.Subscript):
            head = (names.resolve(node.value) or "").rsplit(".", 1)[-1]
            if head not in _SEQUENCES:
                return None
            inner = node.slice
            node = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left = node.left
            node = node.right if isinstance(left, ast.Constant) and left.value is None else left
            continue
        name = names.resolve(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        return project.names.canonical(name) if name else None
    return None


def _return_annotation(project, handler) -> str | None:
    node = functions(project).node(handler)
    names = names_of(project, handler)
    if not isinstance(node, FUNCTIONS) or node.returns is None or names is None:
        return None
    return _unwrap(project, node.returns, names)


def _orm_returned(project, handler) -> tuple[str, list[str]] | None:
    """An ORM model whose objects the handler returns, with its secret-named columns."""
    node = functions(project).node(handler)
    names = names_of(project, handler)
    if not isinstance(node, FUNCTIONS) or names is None:
        return None
    kinds = models(project)
    assigned: dict[str, ast.AST] = {}
    returns: list[ast.AST] = []
    stack: list[ast.AST] = list(node.body)
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(current, ast.Assign) and len(current.targets) == 1 and isinstance(current.targets[0], ast.Name):
            assigned[current.targets[0].id] = current.value
        elif isinstance(current, ast.Return) and current.value is not None:
            returns.append(current.value)
        stack.extend(ast.iter_child_nodes(current))
    for value in returns:
        candidates = [value]
        if isinstance(value, (ast.Dict, ast.List, ast.Tuple)):
            candidates = list(value.values if isinstance(value, ast.Dict) else value.elts)
        for candidate in candidates:
            if isinstance(candidate, ast.Name):
                candidate = assigned.get(candidate.id, candidate)
            orm = _read_model(project, candidate, names)
            if orm is None:
                continue
            exposed = [f.name for f in kinds.fields(orm) if secret_kind(f.name)]
            if exposed:
                return orm, exposed
    return None


_SELECTS = frozenset({"sqlalchemy.select", "sqlalchemy.future.select", "sqlalchemy.sql.select",
                      "sqlalchemy.sql.expression.select", "sqlmodel.select"})


def _read_model(project, node: ast.AST, names) -> str | None:
    """The ORM class a database read returns objects of: ``db.get(User, 1)``, ``select(User)``, ``User.get(...)``."""
    kinds = models(project)

    def orm(expr: ast.AST | None) -> str | None:
        name = names.resolve(expr) if isinstance(expr, (ast.Name, ast.Attribute)) else None
        name = project.names.canonical(name) if name else None
        return name if name and kinds.is_orm(name) else None

    if isinstance(node, ast.Await):
        node = node.value
    if not isinstance(node, ast.Call):
        return None
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Call):
            continue
        func = sub.func
        callee = names.resolve(func) or ""
        if callee in _SELECTS and len(sub.args) == 1:
            return orm(sub.args[0])
        if isinstance(func, ast.Attribute) and func.attr in ("get", "query", "get_one") and sub.args:
            found = orm(sub.args[0])
            if found:
                return found
    root = call_root(node)
    found = orm(root)
    if found and isinstance(node.func, ast.Attribute) and node.func.attr in (
            "get", "get_or_none", "first", "all", "filter", "get_or_404"):
        return found
    return None


# Shared with SP804 (whole database records in responses), which stays quiet where SP803 reports.
orm_returned = _orm_returned
read_model = _read_model
