from __future__ import annotations

import ast
import re
from typing import Iterator

from secprofile.model.fastapi_app import Route
from secprofile.model.module import FunctionFacts
from secprofile.model.project import Project
from secprofile.model.values import Literal
from secprofile.rules.base import Confidence, Hit, Severity, rule

_CSRF_WORD = re.compile(r"csrf|xsrf", re.I)
# Headers whose check stops cross-site requests: Origin/Referer verification, a custom header
# that a cross-site form cannot send, Fetch Metadata.
_CSRF_HEADERS = frozenset({"origin", "referer", "referrer", "x-requested-with", "sec-fetch-site"})
_CSRF_PACKAGES = ("starlette_csrf", "fastapi_csrf_protect", "asgi_csrf", "csrf", "starlette_wtf", "fastapi_wtf")
_SAFE_SCALARS = frozenset({"builtins.int", "builtins.str", "builtins.bool", "builtins.float", "uuid.UUID", None})


def _function_checks_csrf(project: Project, function: FunctionFacts | None, depth: int = 0) -> bool:
    """The function verifies a CSRF token, the Origin/Referer, or a custom header (directly or in a helper)."""
    if function is None or depth > 2:
        return False
    if any(_CSRF_WORD.search(c.rsplit(".", 1)[-1]) for c in function.calls | function.method_calls):
        return True  # validate_csrf(...), csrf_protect.validate_csrf(request), check_csrf_token(...)
    node = project.function_node(function)
    if node is None:
        return False
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            value = child.value.lower()
            if value in _CSRF_HEADERS or _CSRF_WORD.search(value):
                return True  # request.headers.get("Origin"), request.cookies["csrftoken"]
        elif isinstance(child, ast.Compare):
            for part in ast.walk(child):
                name = part.id if isinstance(part, ast.Name) else part.attr if isinstance(part, ast.Attribute) else ""
                if name and _CSRF_WORD.search(name):
                    return True  # if x_csrf_token != session_token: ...
    for call in sorted(function.calls):
        callee = project.function(call)
        if callee is not None and callee.qualname != function.qualname and \
                _function_checks_csrf(project, callee, depth + 1):
            return True
    return False


def _middleware_protects(project: Project, middleware) -> bool:
    name = project.names.canonical(middleware.middleware) or middleware.middleware
    if name.startswith(_CSRF_PACKAGES) or _CSRF_WORD.search(name.rsplit(".", 1)[-1]):
        return True
    if middleware.is_function:
        return _function_checks_csrf(project, project.functions.get(name))
    dispatch = project.functions.get(f"{name}.dispatch") or project.functions.get(f"{name}.__call__")
    return _function_checks_csrf(project, dispatch)


def _app_protected(project: Project) -> dict[str, bool]:
    """Per app symbol: is every request checked by a CSRF middleware (or an ASGI wrapper)?"""
    wrapped = any(
        (project.names.canonical(v.call) or v.call or "").startswith(("asgi_csrf", "starlette_csrf"))
        for v in project.variables.values() if v.call
    )
    result = {}
    for app in project.fastapi.apps:
        result[app.symbol] = wrapped or any(_middleware_protects(project, m) for m in app.middleware)
    if "<unattached>" in result:  # routers never seen included: trust any app's protection
        result["<unattached>"] = wrapped or any(result.values())
    return result


def _route_protected(project: Project, route: Route) -> bool:
    handler = route.handler
    for dependency in route.dependencies:
        name = dependency.rstrip("()")
        if name.startswith("fastapi_csrf_protect"):
            if handler is not None and any(c.startswith("validate_csrf") for c in handler.method_calls):
                return True
            continue
        function = project.function(name) or project.function(f"{name}.__call__")
        if _CSRF_WORD.search(name.rsplit(".", 1)[-1]) and function is None:
            return True  # a CSRF dependency from an installed package
        if function is not None and _function_checks_csrf(project, function):
            return True
    if handler is not None and _function_checks_csrf(project, handler):
        return True
    auth = project.function(route.auth.symbol) if route.auth else None
    return _function_checks_csrf(project, auth)


def _samesite(project: Project, route: Route) -> str:
    """The SameSite attribute of the authentication cookie: strict, lax (Starlette's default) or none."""
    values: list[str] = []
    auth = project.function(route.auth.symbol) if route.auth else None
    uses_session = auth is not None and "session" in auth.reads
    for app in project.fastapi.apps:
        if app.symbol != route.app:
            continue
        for middleware in app.middleware:
            if middleware.middleware.endswith("SessionMiddleware") and uses_session:
                option = middleware.option("same_site")
                values.append(str(option.value).lower() if isinstance(option, Literal) else "lax")
    if not values:
        # set_cookie calls of the same code base (the handler's top-level folder), not of a neighbour project
        top = route.location.path.split("/", 1)[0] if "/" in route.location.path else ""
        values = [value for path, value in project.derived("csrf.set-cookie-samesite", _set_cookie_samesite)
                  if not top or path.startswith(top + "/")]
    if not values:
        return "lax"
    if "none" in values:
        return "none"
    return "strict" if all(v == "strict" for v in values) else "lax"


def _set_cookie_samesite(project: Project) -> tuple[tuple[str, str], ...]:
    """``(path, SameSite value)`` of every ``response.set_cookie(...)`` call in the project."""
    values = []
    for function in project.functions.values():
        if "set_cookie" not in function.method_calls:
            continue
        node = project.function_node(function)
        for child in ast.walk(node) if node is not None else ():
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "set_cookie":
                values.append((function.location.path, _samesite_of(child)))
    return tuple(values)


def _samesite_of(call: ast.Call) -> str:
    for keyword in call.keywords:
        if keyword.arg == "samesite":
            value = keyword.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value.lower()
            if isinstance(value, ast.Constant) and value.value is None:
                return "none"
            return "unknown"
    return "lax"


def _cors_credentials_any_origin(project: Project, app_symbol: str) -> bool:
    apps = [a for a in project.fastapi.apps if a.symbol == app_symbol or app_symbol == "<unattached>"]
    for middleware in (m for a in apps for m in a.middleware):
        if not middleware.middleware.endswith("CORSMiddleware"):
            continue
        credentials = middleware.option("allow_credentials")
        origins = middleware.option("allow_origins")
        regex = middleware.option("allow_origin_regex")
        if isinstance(credentials, Literal) and credentials.value is True and (
            (isinstance(origins, Literal) and isinstance(origins.value, (list, tuple)) and "*" in origins.value)
            or (isinstance(regex, Literal) and isinstance(regex.value, str))
        ):
            return True
    return False


def _body_kind(route: Route) -> str:
    """``form`` (form fields or no body: a cross-site form can send it) or ``json`` (a JSON model body)."""
    handler = route.handler
    if handler is None:
        return "form"
    path = set(route.path_params())
    json = False
    for param in handler.params:
        if param.marker in ("Form", "File"):
            return "form"
        if param.marker == "Body" or (param.marker is None and param.name not in path
                                      and param.annotation not in _SAFE_SCALARS
                                      and not (param.annotation or "").startswith(("starlette.", "fastapi."))):
            json = True
    if "json" in handler.method_calls or "body" in handler.method_calls:
        return "form"  # await request.json() parses a text/plain body too: a cross-site form can send it
    return "json" if json else "form"


@rule(
    code="SP301",
    slug="cookie-auth-without-csrf",
    title="Cookie-authenticated route without CSRF protection",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=352,
    control="csrf",
    kind="project",
    frameworks=("fastapi",),
    hint="Add CSRF protection for cookie-authenticated requests: `app.add_middleware(CSRFMiddleware, "
    "secret=...)` (starlette-csrf), fastapi-csrf-protect's `validate_csrf`, or an Origin check; or move to "
    "bearer tokens in the Authorization header.",
)
def cookie_auth_without_csrf(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags state-changing FastAPI/Starlette routes (POST, PUT, PATCH, DELETE) whose
    authentication comes from a cookie — `request.cookies`, `Cookie()`, `APIKeyCookie`,
    an `OAuth2` subclass that reads the cookie, Starlette's `SessionMiddleware` with
    `request.session`, fastapi-users' `CookieTransport` — when nothing checks for CSRF:
    no starlette-csrf `CSRFMiddleware`, no fastapi-csrf-protect `validate_csrf`, no
    asgi-csrf wrapper, no double-submit token comparison, no Origin/Referer or custom
    header check in a middleware, dependency or the handler. One finding per route.

    `SameSite=Strict` on the session cookie lowers the severity to medium. Routes whose
    only body is a JSON model, and PUT/PATCH/DELETE routes, get medium confidence (a
    cross-site form cannot send them without a CORS preflight) unless CORS allows
    credentials from any origin. Bearer-token APIs are not reported.

    ## Why is this bad?
    Browsers attach cookies to requests that other sites trigger. A page the user visits
    can post a form to `/cart/checkout` or `/account/email`, and the request arrives with
    a valid session cookie (CWE-352). FastAPI has no CSRF protection of its own, unlike
    Django; Starlette sets `SameSite=Lax` by default, which stops cross-site POSTs only in
    browsers that enforce it and not from sibling subdomains, and `samesite="none"`
    removes even that.

    ## Example
    ```python
    from fastapi import Cookie, Depends, FastAPI, Form, HTTPException

    app = FastAPI()

    def get_user(session: str | None = Cookie(None)):
        if session is None:
            raise HTTPException(status_code=401)
        return session

    @app.post("/account/email")
    def change_email(email: str = Form(...), user=Depends(get_user)):
        return {"email": email}
    ```

    ## Use instead
    ```python
    from fastapi import Cookie, Depends, FastAPI, Form, HTTPException
    from starlette_csrf import CSRFMiddleware

    app = FastAPI()
    app.add_middleware(CSRFMiddleware, secret="from-the-environment")

    def get_user(session: str | None = Cookie(None)):
        if session is None:
            raise HTTPException(status_code=401)
        return session

    @app.post("/account/email")
    def change_email(email: str = Form(...), user=Depends(get_user)):
        return {"email": email}
    ```

    ## Known problems
    CSRF defences outside the code (a proxy that checks Origin) are not seen; suppress with
    a reason. Any check that mentions a CSRF token, Origin, Referer, Sec-Fetch-Site or
    X-Requested-With counts as protection, whether or not it is correct. SameSite is read
    from `SessionMiddleware(same_site=...)` or from the project's `set_cookie` calls,
    without matching cookie names.

    ## References
    - https://cwe.mitre.org/data/definitions/352.html
    - https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
    - https://github.com/frankie567/starlette-csrf
    """
    routes = [r for r in project.fastapi.routes
              if r.kind == "http" and r.state_changing and r.auth is not None and r.auth.via_cookie]
    if not routes:
        return
    protected_apps = _app_protected(project)
    for route in routes:
        open_cors = _cors_credentials_any_origin(project, route.app)
        if protected_apps.get(route.app) or _route_protected(project, route):
            continue
        samesite = _samesite(project, route)
        severity = Severity.MEDIUM if samesite == "strict" else None
        notes = []
        if samesite == "strict":
            notes.append("SameSite=Strict on the cookie limits this to same-site pages")
        elif samesite == "none":
            notes.append("the cookie is SameSite=None, so every cross-site request carries it")
        confidence = None
        if not open_cors:
            if "POST" not in route.methods:
                confidence = Confidence.MEDIUM
                notes.append(f"{'/'.join(route.methods)} needs a CORS preflight cross-site")
            elif _body_kind(route) == "json":
                confidence = Confidence.MEDIUM
                notes.append("its JSON body cannot come from a cross-site form")
        else:
            notes.append("CORS allows credentialed requests from any origin")
        handler = route.handler_name.rsplit(".", 1)[-1]
        via = route.auth.symbol.rsplit(".", 1)[-1]
        yield Hit(
            route.location,
            f"{route.display} ({handler}) changes state and is authenticated by a cookie ({via}) with no CSRF "
            "token or Origin check" + (f" ({'; '.join(notes)})" if notes else ""),
            severity=severity,
            confidence=confidence,
            symbol=route.handler_name,
        )
