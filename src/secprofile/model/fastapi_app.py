"""The linked FastAPI model: apps with their full route tables and auth evidence.

Joins per-file :class:`~secprofile.model.fastapi.FastAPIFacts` across modules:
``include_router`` chains (prefixes and ``dependencies=`` accumulate), mounted
sub-apps, and the transitive dependency tree of every route, to answer "what
establishes authentication for this route, and how?".
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from secprofile.model.fastapi import STATE_CHANGING, AppDecl, MiddlewareDecl, MountDecl, RouteDecl
from secprofile.model.module import FunctionFacts, Param
from secprofile.source.location import Location

if TYPE_CHECKING:
    from secprofile.model.project import Project

# The classes that extract a credential; the module also holds forms and value types.
SCHEME_CLASSES = frozenset(
    {"OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "OAuth2", "HTTPBearer", "HTTPBasic", "HTTPDigest",
     "HTTPBase", "APIKeyHeader", "APIKeyQuery", "APIKeyCookie", "OpenIdConnect"}
)


def is_security_scheme(qualname: str) -> bool:
    return qualname.startswith(("fastapi.security.", "fastapi.openapi.models.")) and \
        qualname.rsplit(".", 1)[-1] in SCHEME_CLASSES
# Calls that verify a credential: a token decode, a session lookup, an ID token check.
TOKEN_VERIFIERS = frozenset(
    {
        "jwt.decode", "jwt.api_jwt.decode", "jwt.PyJWT.decode", "jose.jwt.decode", "jose.jws.verify",
        "authlib.jose.jwt.decode", "jwcrypto.jwt.JWT", "firebase_admin.auth.verify_id_token",
        "google.oauth2.id_token.verify_oauth2_token", "itsdangerous.URLSafeTimedSerializer",
        "itsdangerous.URLSafeSerializer", "fastapi_jwt_auth.AuthJWT", "paseto.parse",
    }
)
AUTH_DECORATORS = frozenset({"starlette.authentication.requires"})
# Fallback when a dependency's body cannot be seen (installed package, dynamic object).
AUTH_NAME = re.compile(
    r"(^|_)(current_(active_|super)?user|get_(current_)?(active_)?user|auth(enticate|enticated|orize|orized)?|"
    r"require(s|d)?_(user|auth|login|admin|role|scope|token|api_key)|verify_(token|jwt|api_key|access)|"
    r"login_required|token_required|api_key|get_token_user|validate_token|check_auth|is_admin|admin_required)($|_)",
    re.I,
)
PUBLIC_PATH = re.compile(
    r"(^|/)(log-?in|sign-?in|sign-?up|register|token|refresh|auth|oauth|callback|health(z|check)?|ping|"
    r"status|ready|live|metrics|version|docs|openapi\.json|password[-_]?(reset|forgot|recovery)|forgot|reset|recover|"
    r"verify|confirm|webhooks?|public|robots\.txt|favicon\.ico)(/|$|\{)",
    re.I,
)
USER_DATA_PATH = re.compile(r"(^|/)(users?|me|accounts?|profiles?|admin|customers?|members?|employees?)(/|$|\{)", re.I)


@dataclass(frozen=True)
class AuthEvidence:
    """Why a route is considered authenticated."""

    level: str  # route, router, include, app, middleware, handler
    symbol: str  # the dependency, middleware or function that establishes it
    how: str  # security-scheme, token-decode, raises-401, name, middleware, decorator
    via_cookie: bool = False  # the credential is read from a cookie or the session

    @property
    def by_name_only(self) -> bool:
        return self.how == "name"


@dataclass(frozen=True)
class Route:
    app: str
    methods: tuple[str, ...]
    path: str | None  # full path with every prefix; None when a part is not a literal
    handler_name: str
    handler: FunctionFacts | None
    location: Location
    kind: str
    dependencies: tuple[str, ...]  # every dependency reaching the route, canonical, in order
    auth: AuthEvidence | None
    response_model: str | None
    attached: bool  # False when its router is never included in a known app
    decl: RouteDecl

    @property
    def state_changing(self) -> bool:
        return bool(STATE_CHANGING.intersection(self.methods))

    @property
    def display(self) -> str:
        return f"{'/'.join(self.methods) if self.kind == 'http' else 'WEBSOCKET'} {self.path or '<dynamic path>'}"

    @property
    def is_capability_url(self) -> bool:
        """``/shares/{token}``, ``/invites/{invite_token}``: knowing the secret in the path is the credential."""
        return any(p == "token" or p.endswith("_token") or p in ("signature", "secret") for p in self.path_params())

    @property
    def is_public_by_design(self) -> bool:
        if self.is_capability_url:
            return True
        return bool(self.path and PUBLIC_PATH.search(self.path)) or bool(
            PUBLIC_PATH.search("/" + self.handler_name.rsplit(".", 1)[-1].replace("_", "-"))
        )

    @property
    def returns_user_data(self) -> bool:
        model = (self.response_model or "").rsplit(".", 1)[-1].lower()
        return bool(self.path and USER_DATA_PATH.search(self.path)) or any(
            word in model for word in ("user", "account", "profile", "admin", "customer")
        )

    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{([A-Za-z_]\w*)(?::[^}]*)?\}", self.path or ""))


@dataclass(frozen=True)
class App:
    symbol: str
    decl: AppDecl | None  # None for the synthetic app holding unattached routers
    routes: tuple[Route, ...]
    middleware: tuple[MiddlewareDecl, ...]
    mounts: tuple[MountDecl, ...]


@dataclass(frozen=True)
class FastAPIModel:
    apps: tuple[App, ...] = ()

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(route for app in self.apps for route in app.routes)

    @property
    def middleware(self) -> tuple[MiddlewareDecl, ...]:
        return tuple(m for app in self.apps for m in app.middleware)

    def __bool__(self) -> bool:
        return bool(self.apps)


class AuthAnalysis:
    """Decides, with memoisation, whether a dependency or function establishes authentication."""

    def __init__(self, project: "Project"):
        self.project = project
        self._memo: dict[str, AuthEvidence | None] = {}
        self._memo_flags: dict[str, bool] = {}

    def dependency(self, target: str | None, level: str) -> AuthEvidence | None:
        if not target:
            return None
        found = self._target(target, depth=0)
        if found is None:
            return None
        return AuthEvidence(level, found.symbol, found.how, found.via_cookie)

    def _target(self, target: str, depth: int) -> AuthEvidence | None:
        if target in self._memo:
            return self._memo[target]
        self._memo[target] = None  # cycles resolve to "not auth"
        result = self._analyse(target, depth) if depth < 12 else None
        self._memo[target] = result
        return result

    def _analyse(self, target: str, depth: int) -> AuthEvidence | None:
        project = self.project
        is_factory_result = target.endswith("()")
        name = project.names.canonical(target[:-2] if is_factory_result else target) or target
        if is_security_scheme(name):
            cookie = name.endswith("APIKeyCookie")
            return AuthEvidence("", name, "security-scheme", cookie)
        if is_factory_result and name.endswith(".current_user"):  # fastapi-users
            return AuthEvidence("", name, "security-scheme", self._fastapi_users_cookie())
        variable = project.variables.get(name)
        if variable is not None:
            if variable.dependency:
                return self._target(variable.dependency, depth + 1)
            if variable.call:
                call = project.names.canonical(variable.call) or variable.call
                if is_security_scheme(call):
                    return AuthEvidence("", name, "security-scheme", call.endswith("APIKeyCookie"))
                if call.endswith(".current_user"):
                    return AuthEvidence("", name, "security-scheme", self._fastapi_users_cookie())
                if project.classes.get(call):
                    return self._class(call, depth)
            return None
        if name in project.classes:
            return self._class(name, depth)
        function = project.functions.get(name)
        if function is not None:
            return self.function(function, depth)
        last = name.rsplit(".", 1)[-1]
        if AUTH_NAME.search(last) and project.names.split(name) is None:
            return AuthEvidence("", name, "name", False)
        return None

    def _class(self, name: str, depth: int) -> AuthEvidence | None:
        cls = self.project.classes[name]
        call = self.project.functions.get(f"{name}.__call__")
        for base in cls.bases:
            base_name = self.project.names.canonical(base) or base
            if is_security_scheme(base_name):
                # ``class OAuth2PasswordBearerWithCookie(OAuth2)`` whose ``__call__`` reads the cookie.
                via_cookie = base_name.endswith("APIKeyCookie") or (call is not None and _reads_cookie(call, self.project))
                return AuthEvidence("", name, "security-scheme", via_cookie)
        found = self.function(call, depth) if call else None
        return AuthEvidence("", name, found.how, found.via_cookie) if found is not None else None

    def _fastapi_users_cookie(self) -> bool:
        """fastapi-users authenticates from a cookie when a ``CookieTransport`` backend is configured."""
        if "fastapi-users" not in self._memo_flags:
            canonical = self.project.names.canonical
            found = any(
                (canonical(v.call) or v.call or "").endswith(_COOKIE_TRANSPORTS)
                for v in self.project.variables.values() if v.call
            ) or any(
                (canonical(c) or c).endswith(_COOKIE_TRANSPORTS)
                for f in self.project.functions.values() for c in f.calls
            )
            self._memo_flags["fastapi-users"] = found
        return self._memo_flags["fastapi-users"]

    def _dependencies_of(self, function: FunctionFacts) -> list[FunctionFacts]:
        found = []
        for param in function.params:
            target = param.dependency if param.marker in ("Depends", "Security") else (
                _alias_dependency(self.project, param) if param.marker is None else None)
            callee = self.project.functions.get(self.project.names.canonical(target) or target) if target else None
            if callee is not None and callee.qualname != function.qualname:
                found.append(callee)
        return found

    def _reads_credentials(self, function: FunctionFacts, depth: int) -> bool:
        """The function, or a dependency of it, reads the session, a cookie or a header."""
        if function.reads & _CREDENTIAL_READS or any(p.marker in ("Cookie", "Header") for p in function.params):
            return True
        return depth < 6 and any(self._reads_credentials(d, depth + 1) for d in self._dependencies_of(function))

    def _reads_cookie_deep(self, function: FunctionFacts, depth: int) -> bool:
        if _reads_cookie(function, self.project):
            return True
        return depth < 6 and any(self._reads_cookie_deep(d, depth + 1) for d in self._dependencies_of(function))

    def function(self, function: FunctionFacts, depth: int = 0) -> AuthEvidence | None:
        """Evidence that calling ``function`` authenticates the caller."""
        via_cookie = _reads_cookie(function, self.project)
        for param in function.params:
            # ``user=Depends(get_user)``, or ``user: CurrentUser`` with ``CurrentUser = Annotated[User, Depends(...)]``
            target = param.dependency if param.marker in ("Depends", "Security") else (
                _alias_dependency(self.project, param) if param.marker is None else None)
            if target:
                inner = self._target(target, depth + 1)
                if inner is not None:
                    return AuthEvidence("", function.qualname, inner.how, inner.via_cookie or via_cookie)
        calls = {self.project.names.canonical(c) or c for c in function.calls}
        if calls & TOKEN_VERIFIERS or any(c.endswith((".decode_token", ".verify_token")) for c in calls):
            return AuthEvidence("", function.qualname, "token-decode", via_cookie)
        if function.raised_statuses & {401} or (
            function.raised_statuses & {403} and function.reads & {"cookies", "session", "headers"}
        ):
            return AuthEvidence("", function.qualname, "raises-401", via_cookie)
        # Server-rendered apps reject by redirecting to the login page: a dependency that reads
        # a credential (itself or through its own dependencies) and raises 401/403 or a redirect.
        rejects = function.raised_statuses & _REJECTIONS
        if rejects and self._reads_credentials(function, depth):
            return AuthEvidence("", function.qualname, "raises-401", via_cookie or self._reads_cookie_deep(function, depth))
        for call in sorted(calls):
            callee = self.project.functions.get(call)
            if callee is not None and callee.qualname != function.qualname:
                inner = self._target(callee.qualname, depth + 1)
                if inner is not None:
                    return AuthEvidence("", function.qualname, inner.how, inner.via_cookie or via_cookie)
        if AUTH_NAME.search(function.name) and not function.calls and not function.params:
            return AuthEvidence("", function.qualname, "name", via_cookie)
        return None


_REJECTIONS = frozenset({401, 403, 302, 303, 307})
_CREDENTIAL_READS = frozenset({"cookies", "session", "headers"})


_COOKIE_TRANSPORTS = ("fastapi_users.authentication.CookieTransport",
                      "fastapi_users.authentication.transport.CookieTransport",
                      "fastapi_users.authentication.transport.cookie.CookieTransport")


_REQUEST_TYPES = ("starlette.requests.Request", "fastapi.Request", "fastapi.requests.Request",
                  "starlette.requests.HTTPConnection", "fastapi.requests.HTTPConnection", "fastapi.WebSocket",
                  "starlette.websockets.WebSocket", "fastapi.websockets.WebSocket")
_REQUEST_NAMES = frozenset({"request", "req", "conn", "connection", "websocket", "ws"})


def _reads_cookie(function: FunctionFacts, project: "Project | None" = None) -> bool:
    """The function reads a cookie or the (cookie-backed) session: ``request.cookies``, ``Cookie()``.

    ``.session`` is only the Starlette session when read from the request (``db.session`` is not).
    """
    if "cookies" in function.reads or any(p.marker == "Cookie" for p in function.params):
        return True
    if "session" not in function.reads:
        return False
    if project is None:
        return True
    node = project.function_node(function)
    if node is None:
        return True
    requests = {p.name for p in function.params
                if p.name in _REQUEST_NAMES or (p.annotation or "").endswith(_REQUEST_TYPES)}
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute) and child.attr == "session":
            base = child.value
            if isinstance(base, ast.Name) and base.id in requests | _REQUEST_NAMES:
                return True
            if isinstance(base, ast.Attribute) and base.attr in ("request", "scope"):
                return True  # self.request.session, websocket.scope["session"] reads differ; accept
        elif isinstance(child, ast.Subscript) and isinstance(child.slice, ast.Constant) \
                and child.slice.value == "session" and isinstance(child.value, ast.Attribute) \
                and child.value.attr == "scope":
            return True  # request.scope["session"]
    return False


def link_fastapi(project: "Project") -> FastAPIModel:
    decls = [d for facts in project.python_files() if facts.fastapi for d in facts.fastapi.apps]
    if not decls and not any(f.fastapi and f.fastapi.routes for f in project.python_files()):
        return FastAPIModel()
    canonical = project.names.canonical
    by_symbol: dict[str, AppDecl] = {}
    for decl in decls:
        by_symbol.setdefault(decl.symbol, decl)
    routes_by_owner: dict[str, list[RouteDecl]] = {}
    includes: dict[str, list] = {}
    mounts: dict[str, list[MountDecl]] = {}
    middleware: dict[str, list[MiddlewareDecl]] = {}
    for facts in project.python_files():
        if not facts.fastapi:
            continue
        for route in facts.fastapi.routes:
            routes_by_owner.setdefault(canonical(route.owner) or route.owner, []).append(route)
        for include in facts.fastapi.includes:
            includes.setdefault(canonical(include.parent) or include.parent, []).append(include)
        for mount in facts.fastapi.mounts:
            mounts.setdefault(canonical(mount.parent) or mount.parent, []).append(mount)
        for item in facts.fastapi.middleware:
            middleware.setdefault(canonical(item.owner) or item.owner, []).append(item)

    auth = auth_analysis(project)
    apps = []
    reached: set[str] = set()
    for decl in sorted((d for d in by_symbol.values() if d.kind == "app"), key=lambda d: d.symbol):
        app_middleware = tuple(middleware.get(decl.symbol, ()))
        middleware_auth = _middleware_auth(project, auth, app_middleware)
        base = [("app", d) for d in decl.dependencies]
        routes = list(
            _collect(project, auth, decl.symbol, decl.symbol, "", base, by_symbol, routes_by_owner,
                     includes, mounts, reached, middleware_auth, attached=True)
        )
        apps.append(App(decl.symbol, decl, tuple(routes), app_middleware, tuple(mounts.get(decl.symbol, ()))))
    # Routers (and routes) never seen included still exist: keep them, marked unattached.
    orphans = []
    for owner in sorted(routes_by_owner):
        if owner in reached:
            continue
        owner_decl = by_symbol.get(owner)
        if owner_decl is not None and owner_decl.kind == "app":
            continue
        if owner_decl is None and not _looks_like_router(owner, routes_by_owner[owner]):
            continue
        orphans.extend(
            _collect(project, auth, "<unattached>", owner, "", [], by_symbol, routes_by_owner, includes,
                     mounts, reached, None, attached=False)
        )
    if orphans:
        apps.append(App("<unattached>", None, tuple(orphans), (), ()))
    return FastAPIModel(tuple(apps))


def _looks_like_router(owner: str, routes: list[RouteDecl]) -> bool:
    # An owner we never saw constructed: accept names that read like routers/apps.
    return owner.rsplit(".", 1)[-1].lower() in ("app", "router", "api", "api_router", "application") or any(
        "router" in owner.rsplit(".", 1)[-1].lower() for _ in routes
    )


def _middleware_auth(project, auth: AuthAnalysis, items: Iterable[MiddlewareDecl]) -> AuthEvidence | None:
    for item in items:
        if item.is_function:
            function = project.functions.get(item.middleware)
            found = auth.function(function) if function else None
        else:
            name = project.names.canonical(item.middleware) or item.middleware
            dispatch = project.functions.get(f"{name}.dispatch") or project.functions.get(f"{name}.__call__")
            found = auth.function(dispatch) if dispatch else None
        if found is not None and found.how != "name":
            return AuthEvidence("middleware", found.symbol, "middleware", found.via_cookie)
    return None


def _join(prefix: str | None, path: str | None) -> str | None:
    if prefix is None or path is None:
        return None
    if not prefix:
        return path or "/"
    return prefix.rstrip("/") + ("/" + path.lstrip("/") if path and path != "/" else "") or "/"


def _collect(project, auth, app_symbol, owner, prefix, inherited, by_symbol, routes_by_owner, includes, mounts,
             reached, middleware_auth, attached, depth=0):
    if depth > 20:  # include cycles
        return
    reached.add(owner)
    canonical = project.names.canonical
    router_decl = by_symbol.get(owner)
    own_prefix = router_decl.prefix if router_decl and router_decl.kind == "router" else ""
    router_deps = [("router", d) for d in router_decl.dependencies] if router_decl and router_decl.kind == "router" else []
    prefix_here = _join(prefix, own_prefix) if own_prefix else prefix
    deps_here = list(inherited) + router_deps
    for decl in routes_by_owner.get(owner, ()):
        yield _route(project, auth, app_symbol, decl, prefix_here, deps_here, middleware_auth, attached)
    for include in includes.get(owner, ()):
        child = canonical(include.child) or include.child
        if child == owner:
            continue
        yield from _collect(
            project, auth, app_symbol, child, _join(prefix_here, include.prefix),
            deps_here + [("include", d) for d in include.dependencies], by_symbol, routes_by_owner, includes,
            mounts, reached, middleware_auth, attached, depth + 1,
        )
    for mount in mounts.get(owner, ()):
        child = canonical(mount.child) if mount.child else None
        if child and child in by_symbol and child != owner:
            sub = by_symbol[child]
            yield from _collect(
                project, auth, app_symbol, child, _join(prefix_here, mount.path),
                [("app", d) for d in sub.dependencies], by_symbol, routes_by_owner, includes, mounts, reached,
                None, attached, depth + 1,
            )


def _route(project, auth: AuthAnalysis, app_symbol, decl: RouteDecl, prefix, inherited, middleware_auth, attached):
    canonical = project.names.canonical
    handler = project.functions.get(canonical(decl.handler) or decl.handler)
    dependencies: list[tuple[str, str | None]] = list(inherited) + [("route", d) for d in decl.dependencies]
    if handler is not None:
        dependencies += [("param", p.dependency) for p in handler.params if p.marker in ("Depends", "Security")]
        dependencies += [("param", _alias_dependency(project, p)) for p in handler.params if not p.marker]
    evidence = None
    for level, target in dependencies:
        evidence = auth.dependency(target, level)
        if evidence is not None and not evidence.by_name_only:
            break
    fallback = evidence
    if evidence is None or evidence.by_name_only:
        evidence = middleware_auth or _handler_auth(project, auth, handler) or fallback
    return Route(
        app=app_symbol,
        methods=decl.methods,
        path=_join(prefix, decl.path),
        handler_name=canonical(decl.handler) or decl.handler,
        handler=handler,
        location=decl.location,
        kind=decl.kind,
        dependencies=tuple(canonical(t) or t for _, t in dependencies if t),
        auth=evidence,
        response_model=canonical(decl.response_model) if decl.response_model else None,
        attached=attached,
        decl=decl,
    )


def auth_analysis(project: "Project") -> AuthAnalysis:
    """The scan's shared, memoised :class:`AuthAnalysis`."""
    return project.derived("fastapi.auth-analysis", AuthAnalysis)


def user_params(project: "Project", function: FunctionFacts) -> tuple[str, ...]:
    """Parameters of ``function`` whose dependency authenticates the caller (``current_user=Depends(...)``,
    ``user: CurrentUser``, ``Security(get_user, scopes=[...])``): they hold the authenticated user or its claims."""
    auth = auth_analysis(project)
    found = []
    for param in function.params:
        target = param.dependency if param.marker in ("Depends", "Security") else _alias_dependency(project, param)
        if target and auth.dependency(target, "param") is not None:
            found.append(param.name)
    return tuple(found)


def _alias_dependency(project, param: Param) -> str | None:
    """``user: CurrentUser`` where ``CurrentUser = Annotated[User, Depends(get_current_user)]``."""
    if not param.annotation:
        return None
    variable = project.variables.get(project.names.canonical(param.annotation) or param.annotation)
    return variable.dependency if variable is not None and variable.marker in ("Depends", "Security") else None


def _handler_auth(project, auth: AuthAnalysis, handler: FunctionFacts | None) -> AuthEvidence | None:
    if handler is None:
        return None
    for decorator in handler.decorators:
        if (project.names.canonical(decorator) or decorator) in AUTH_DECORATORS:
            return AuthEvidence("handler", decorator, "decorator")
    # Auth done inside the handler: it calls the project's auth helper, or rejects with 401 itself.
    for call in sorted(handler.calls):
        callee = project.functions.get(project.names.canonical(call) or call)
        if callee is not None and callee.qualname != handler.qualname:
            found = auth.function(callee)
            if found is not None and found.how != "name":
                return AuthEvidence("handler", callee.qualname, found.how, found.via_cookie)
    if 401 in handler.raised_statuses:
        via_cookie = _reads_cookie(handler, project)
        return AuthEvidence("handler", handler.qualname, "raises-401", via_cookie)
    return None
