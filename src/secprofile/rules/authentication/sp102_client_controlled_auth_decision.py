from __future__ import annotations

import ast
import re
from typing import Iterator

from secprofile.rules.authentication._request_data import (
    ClientValue, FunctionScope, constant_of, forwarded_ip_header, iter_scopes, module_constants, route_handlers_of,
    words,
)
from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.source.location import Location

# A cheap look at the text first: most files never read a header, cookie or query parameter.
_SOURCE_TEXT = (".headers", ".cookies", ".COOKIES", ".META", ".GET", ".query_params", ".args", "Header(", "Cookie(",
                "Query(")


def _reads_request(text: str) -> bool:
    return any(marker in text for marker in _SOURCE_TEXT)

_FLAG_WORDS = frozenset({
    "admin", "administrator", "superuser", "staff", "internal", "bypass", "debug", "auth", "authenticated",
    "authorized", "authorised", "sudo", "trusted", "privileged", "elevated", "impersonate", "impersonation",
    "root", "godmode", "loggedin", "logged", "skipauth", "noauth", "isadmin", "issuperuser", "isstaff",
    "superadmin", "backoffice",
})
_ROLE_WORDS = frozenset({"role", "roles", "group", "groups", "permission", "permissions", "perm", "perms", "privilege",
                         "privileges", "clearance", "tier", "scope", "scopes", "usertype", "accesslevel"})
_IDENTITY_WORDS = frozenset({"user", "userid", "uid", "username", "account", "principal", "identity", "owner",
                             "customer", "member", "login", "remote"})
# A credential, not a claim: comparing it is SP103's (timing) or an API-key check; passwords are SP751's.
_CREDENTIAL_WORDS = frozenset({
    "token", "key", "apikey", "secret", "signature", "sig", "password", "passwd", "pwd", "hash", "hmac", "digest",
    "authorization", "bearer", "jwt", "session", "sessionid", "csrf", "xsrf", "nonce", "otp", "code", "pin",
})
_PRIVILEGED_VALUES = frozenset({
    "admin", "administrator", "superuser", "super", "root", "staff", "internal", "system", "sudo", "owner",
    "moderator", "manager", "support", "operator", "god", "master", "elevated", "privileged", "superadmin",
    "premium", "enterprise", "backoffice",
})
_OWNER_ATTRS = frozenset({"owner_id", "user_id", "author_id", "created_by", "created_by_id", "owner", "user",
                          "author", "account_id", "customer_id", "creator_id", "userid", "ownerid"})
_IP = re.compile(r"^(\d{1,3}(\.\d{1,3}){3}(/\d+)?|::1|localhost|10\.|192\.168\.|127\.)")
_DECISION_OPS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)
# Function-level text filter: some word of the categories below must appear.
_AUTH_TEXT = re.compile(
    r"admin|role|staff|superuser|internal|bypass|debug|auth|sudo|trusted|privileg|elevat|imperson|root|logged|"
    r"user|uid|account|principal|identity|owner|customer|member|login|remote|forwarded|real.?ip|client.?ip|"
    r"connecting|group|perm|clearance|tier|scope|level|type|godmode|backoffice",
)


def _category(value: ClientValue) -> str | None:
    if value.kind in ("param", "credential") or not value.key:
        return None
    parts = words(value.key)
    joined = "".join(parts)
    if set(parts) & _CREDENTIAL_WORDS or "apikey" in joined or "password" in joined:
        return None
    if value.kind == "header" and forwarded_ip_header(value.key):
        return None  # a client address from X-Forwarded-For, X-Real-IP ...: SP104's
    if value.kind == "header" and ("forwarded" in parts or joined in ("realip", "clientip", "trueclientip",
                                                                       "cfconnectingip", "originatingip")):
        return "ip"
    if set(parts) & _FLAG_WORDS or joined in _FLAG_WORDS:
        return "flag"
    if set(parts) & _ROLE_WORDS or joined in _ROLE_WORDS or ({"user", "account"} & set(parts) and "type" in parts) \
            or ("access" in parts and "level" in parts):
        return "role"
    if set(parts) & _IDENTITY_WORDS or joined in _IDENTITY_WORDS:
        if "agent" in parts:  # User-Agent
            return None
        return "identity"
    return None


def _privileged(value: object) -> bool:
    values = value if isinstance(value, (tuple, list, set, frozenset)) else (value,)
    for item in values:
        if isinstance(item, str) and set(words(item)) & _PRIVILEGED_VALUES:
            return True
    return False


def _ip_like(value: object) -> bool:
    values = value if isinstance(value, (tuple, list, set, frozenset)) else (value,)
    return any(isinstance(item, str) and _IP.match(item) for item in values)


def _constant(node: ast.AST, scope: FunctionScope, constants: dict) -> tuple[bool, object]:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        values = []
        for element in node.elts:
            found, value = constant_of(element, scope.names, constants)
            if not found:
                return False, None
            values.append(value)
        return True, tuple(values)
    found, value = constant_of(node, scope.names, constants)
    if found and value is None:
        return False, None  # `x is None`-like comparisons decide nothing about privileges
    return found, value


def _owner_attribute(node: ast.AST, scope: FunctionScope) -> bool:
    """``order.owner_id`` / ``str(doc.user_id)``: a stored owner, compared with a client-claimed identity."""
    while isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Name):
        node = node.args[0]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
            and str(node.slice.value).lower() in _OWNER_ATTRS:
        base = node.value  # order["user_id"]
    elif isinstance(node, ast.Attribute) and node.attr.lower() in _OWNER_ATTRS:
        base = node.value
    else:
        return False
    return not (isinstance(base, ast.Name) and (base.id in scope.params or base.id in ("request", "self")))


_FILTERS = frozenset({"where", "filter", "filter_by", "exclude", "order_by", "having", "join", "options"})


def _only_filters(block: list[ast.stmt]) -> bool:
    """``if is_admin: stmt = stmt.where(User.is_admin)``: a search filter, not an access decision."""
    if not block:
        return False
    for stmt in block:
        if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)) or not isinstance(stmt.value, ast.Call):
            return False
        func = stmt.value.func
        if not (isinstance(func, ast.Attribute) and func.attr in _FILTERS):
            return False
    return True


def _tests(scope: FunctionScope) -> Iterator[tuple[ast.AST, bool]]:
    """Expressions that decide something, with whether a bare truthiness test counts there."""
    for node in scope.nodes:
        if isinstance(node, ast.If):
            if not (_only_filters(node.body) and not node.orelse):
                yield node.test, True
        elif isinstance(node, (ast.While, ast.IfExp, ast.Assert)):
            yield node.test, True
        elif isinstance(node, ast.Return) and node.value is not None:
            yield node.value, False
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            yield node.value, False


def _parts(test: ast.AST) -> Iterator[ast.AST]:
    if isinstance(test, ast.BoolOp):
        for value in test.values:
            yield from _parts(value)
    elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        yield from _parts(test.operand)
    else:
        yield test


def _uses_authenticated_user(scope: FunctionScope) -> bool:
    """The function compares something with the authenticated user (``request.user``, a Depends user)."""
    users = {name for name, param in scope.params.items()
             if param.marker in ("Depends", "Security") and "db" not in name and "session" not in name}
    for node in scope.nodes:
        if not isinstance(node, ast.Compare):
            continue
        for side in (node.left, *node.comparators):
            for part in ast.walk(side):
                if isinstance(part, ast.Name) and part.id in users:
                    return True
                if isinstance(part, ast.Attribute) and part.attr == "user" and isinstance(part.value, ast.Name) \
                        and part.value.id in scope.requests:
                    return True
    return False


@rule(
    code="SP102",
    slug="client-controlled-auth-decision",
    title="Access decided by a client-controlled value",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=290,
    control="authentication",
    kind="file",
    frameworks=("fastapi", "django"),
    hint="Decide on the authenticated user's stored role or permissions (`Depends(get_current_admin)`, "
    "`request.user.is_staff`), never on a header, cookie or query parameter the client sets.",
)
def client_controlled_auth_decision(ctx: FileContext) -> Iterator[Hit]:
    """
    ## What it does
    Flags access decisions taken on a value the client controls: a request header, an
    unsigned cookie or a query parameter with an authorization-ish name (`X-Admin`,
    `X-Role`, `is_admin`, `internal`, `bypass_auth`, `debug`, `X-User`)
    compared with a constant (`== "true"`, `!= "admin"`, `in ("1", "yes")`) or tested for
    truthiness in an `if`. Covers FastAPI (`Header()`, `Cookie()`, `Query()` and plain query
    parameters of routes, `request.headers/cookies/query_params`) and Django/DRF
    (`request.META["HTTP_X_ROLE"]`, `request.headers`, `request.COOKIES`, `request.GET`,
    `request.query_params`), through local variables and wrappers like `.lower()`. A
    client-claimed identity (`X-User-Id`) compared with an object's owner field is reported
    too when the function never compares anything with the authenticated user.

    ## Why is this bad?
    Anyone can send `X-Admin: true`, set a `role=admin` cookie in their own browser or add
    `?is_admin=1` to a URL. A check on such a value authenticates nothing (CWE-290): it
    turns every caller into an administrator, an internal service or another user.
    Assistants write these checks as "temporary" back-office shortcuts.

    ## Example
    ```python
    from fastapi import APIRouter, Header, HTTPException

    router = APIRouter()

    @router.delete("/products/{product_id}")
    def delete_product(product_id: int, x_admin: str | None = Header(default=None)):
        if x_admin != "true":
            raise HTTPException(status_code=403, detail="Admin only")
        return {"deleted": product_id}
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter, Depends, HTTPException

    from app.security import get_current_user

    router = APIRouter()

    @router.delete("/products/{product_id}")
    def delete_product(product_id: int, user=Depends(get_current_user)):
        if not user.is_admin:
            raise HTTPException(status_code=403, detail="Admin only")
        return {"deleted": product_id}
    ```

    ## Known problems
    A header that a trusted reverse proxy sets and strips from client requests (an
    authenticating gateway's `X-User`) is safe, but the scan cannot see the proxy; suppress
    with a reason. Client addresses from `X-Forwarded-For`, `X-Real-IP` and the like are
    SP104's. Comparisons of credentials (API keys, tokens, signatures) are SP103's;
    passwords are SP751's. Values read through helpers in other modules are not followed.

    ## References
    - https://cwe.mitre.org/data/definitions/290.html
    - https://cwe.mitre.org/data/definitions/807.html
    - https://owasp.org/Top10/A01_2021-Broken_Access_Control/
    """
    text = "\n".join(ctx.lines)
    handlers = route_handlers_of(ctx.facts)
    if not handlers and not _reads_request(text):
        return
    constants = module_constants(ctx.facts)

    def wanted(source: str, is_route: bool) -> bool:
        return bool((is_route or _reads_request(source)) and _AUTH_TEXT.search(source.lower()))

    for scope in iter_scopes(ctx.tree, ctx.module, ctx.names, handlers, ctx.lines, wanted):
        reported: set[str] = set()
        trusted_user: bool | None = None
        for test, truthiness in _tests(scope):
            for part in _parts(test):
                found = None
                if isinstance(part, ast.Compare):
                    found = _compare(part, scope, constants)
                    if found is not None and found[2] == "identity-owner":
                        if trusted_user is None:
                            trusted_user = _uses_authenticated_user(scope)
                        if trusted_user:
                            found = None
                elif truthiness:
                    value = scope.client(part)
                    if value is not None and _category(value) == "flag" and value.kind != "body":
                        found = (value, "is set", "flag")
                if found is None:
                    continue
                value, how, _kind = found
                key = f"{value.kind}:{value.key.lower()}"
                if key in reported:
                    continue
                reported.add(key)
                yield Hit(
                    Location.of(ctx.relpath, part),
                    f"access decided by the client-controlled {value.described} ({how}); any caller can send it",
                    symbol=scope.qualname,
                    # An unsigned cookie trusted for a decision is CWE-565 precisely.
                    cwe=565 if value.kind == "cookie" else None,
                )


def _compare(node: ast.Compare, scope: FunctionScope, constants: dict) -> tuple[ClientValue, str, str] | None:
    left = node.left
    for op, right in zip(node.ops, node.comparators):
        if isinstance(op, _DECISION_OPS):
            for a, b in ((left, right), (right, left)):
                value = scope.client(a)
                if value is None or value.kind == "body":
                    continue
                category = _category(value)
                if category is None:
                    continue
                is_constant, constant = _constant(b, scope, constants)
                if is_constant:
                    if category == "flag" or (category == "role" and (value.kind != "query" or _privileged(constant))) \
                            or (category == "identity" and _privileged(constant)) \
                            or (category == "ip" and _ip_like(constant)):
                        return value, f"compared with {_short(b)}", category
                elif category == "identity" and _owner_attribute(b, scope):
                    return value, f"compared with the stored owner `{_short(b)}`", "identity-owner"
        left = right
    return None


def _short(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # never let an odd node break the rule
        return "a constant"
    return text if len(text) <= 40 else text[:37] + "..."
