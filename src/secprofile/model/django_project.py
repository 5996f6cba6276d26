"""The linked Django model: URLconf → views, with methods, writes and access-control evidence.

Joins per-module :class:`~secprofile.model.django.DjangoFacts` across the project:

- the URLconf tree from ``ROOT_URLCONF`` (from the settings model when there is one;
  otherwise every URLconf no other URLconf includes): ``path``/``re_path``/``url``,
  ``include`` by string, module, pattern list, ``(patterns, app_name)`` tuple and inline
  list, ``urlpatterns += ...``, DRF routers (``router.urls``), django-ninja APIs and
  routers (``api.urls``, ``add_router``) and admin sites (``admin.site.urls``);
- every view it reaches, function or class, with the HTTP methods it accepts (method
  decorators, ``request.method`` tests, handler methods, viewset actions,
  ``http_method_names``), whether it writes, and the evidence that it checks who is
  asking: decorators (also through ``method_decorator`` and in the URLconf), mixins
  (also project mixins subclassing them), project decorators and base classes, DRF
  permission classes (class, bases across modules, ``get_permissions``, settings
  defaults, DRF's own default), ninja ``auth=``, checks in the body, and Django 5.1's
  ``LoginRequiredMiddleware``;
- the project's models: fields, which ones tie a row to a user, which flag public content.

Facts only: rules decide what is a problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping

from secprofile.model.django import (
    PUBLIC_FLAGS, WRITE_CALLS, ActionDecl, ClassDecl, Decorator, DjangoFacts, FieldDecl, NinjaOperation, Query,
    RouterDecl, UrlEntry, ViewCode,
)
from secprofile.model.values import MISSING, Literal, effective
from secprofile.source.location import Location

if TYPE_CHECKING:
    from secprofile.model.project import Project

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALL_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})

# -- decorators ------------------------------------------------------------------------------------
AUTH_DECORATORS = {
    "django.contrib.auth.decorators.login_required": "login",
    "django.contrib.auth.decorators.permission_required": "permission",
    "django.contrib.auth.decorators.user_passes_test": "test",
    "django.contrib.admin.views.decorators.staff_member_required": "staff",
    "django.contrib.auth.decorators.superuser_required": "staff",
    "allauth.account.decorators.verified_email_required": "login",
    "django_otp.decorators.otp_required": "login",
    "rest_framework.decorators.permission_classes": "drf",
}
PUBLIC_DECORATORS = frozenset({"django.contrib.auth.decorators.login_not_required"})
AUTH_DECORATOR_NAME = re.compile(
    r"(^|_)(login|auth|authentication|staff|superuser|admin|permission|perm|perms|role|roles|group|member|"
    r"user|owner|verified(_email)?|otp|2fa|mfa)s?_required$|^require(s|d)?_(login|auth|staff|admin|permission|"
    r"perm|role|user|superuser|owner|group|api_key|token)s?$|^(admin|staff|superuser|moderator)_only$|"
    r"^(has|check)_(permission|perm|role)s?$|^user_passes_test$",
    re.I,
)
METHOD_DECORATORS = {
    "require_POST": frozenset({"POST"}),
    "require_GET": frozenset({"GET", "HEAD"}),
    "require_safe": frozenset({"GET", "HEAD"}),
}
# -- class-based views ----------------------------------------------------------------------------
AUTH_MIXINS = {
    "LoginRequiredMixin": "login", "PermissionRequiredMixin": "permission", "UserPassesTestMixin": "test",
    "StaffuserRequiredMixin": "staff", "SuperuserRequiredMixin": "staff", "GroupRequiredMixin": "permission",
    "MultiplePermissionsRequiredMixin": "permission", "StaffRequiredMixin": "staff", "AdminRequiredMixin": "staff",
}
AUTH_MIXIN_NAME = re.compile(r"(Login|Permission|Staff(user)?|Superuser|Group|Admin|Auth(entication)?|Role|"
                             r"Member(ship)?|Owner|Verified)s?Required(Mixin)?$|UserPassesTestMixin$|"
                             r"^(Is)?Authenticated(Only)?Mixin$")
VIEW_BASE_METHODS: dict[str, frozenset[str]] = {
    "View": frozenset(), "TemplateView": frozenset({"GET"}), "RedirectView": ALL_METHODS,
    "ListView": frozenset({"GET"}), "DetailView": frozenset({"GET"}), "BaseListView": frozenset({"GET"}),
    "BaseDetailView": frozenset({"GET"}), "ArchiveIndexView": frozenset({"GET"}), "YearArchiveView": frozenset({"GET"}),
    "MonthArchiveView": frozenset({"GET"}), "WeekArchiveView": frozenset({"GET"}), "DayArchiveView": frozenset({"GET"}),
    "TodayArchiveView": frozenset({"GET"}), "DateDetailView": frozenset({"GET"}),
    "CreateView": frozenset({"GET", "POST"}), "UpdateView": frozenset({"GET", "POST"}),
    "DeleteView": frozenset({"GET", "POST", "DELETE"}), "FormView": frozenset({"GET", "POST"}),
    "BaseCreateView": frozenset({"GET", "POST"}), "BaseUpdateView": frozenset({"GET", "POST"}),
    "BaseDeleteView": frozenset({"GET", "POST", "DELETE"}), "BaseFormView": frozenset({"GET", "POST"}),
    "ProcessFormView": frozenset({"GET", "POST"}), "DeletionMixin": frozenset({"POST", "DELETE"}),
    # DRF
    "APIView": frozenset(), "GenericAPIView": frozenset(), "CreateAPIView": frozenset({"POST"}),
    "ListAPIView": frozenset({"GET"}), "RetrieveAPIView": frozenset({"GET"}), "DestroyAPIView": frozenset({"DELETE"}),
    "UpdateAPIView": frozenset({"PUT", "PATCH"}), "ListCreateAPIView": frozenset({"GET", "POST"}),
    "RetrieveUpdateAPIView": frozenset({"GET", "PUT", "PATCH"}), "RetrieveDestroyAPIView": frozenset({"GET", "DELETE"}),
    "RetrieveUpdateDestroyAPIView": frozenset({"GET", "PUT", "PATCH", "DELETE"}),
    "ViewSet": frozenset(), "GenericViewSet": frozenset(), "ViewSetMixin": frozenset(),
    "ModelViewSet": frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"}), "ReadOnlyModelViewSet": frozenset({"GET"}),
    "CreateModelMixin": frozenset({"POST"}), "ListModelMixin": frozenset({"GET"}),
    "RetrieveModelMixin": frozenset({"GET"}), "UpdateModelMixin": frozenset({"PUT", "PATCH"}),
    "DestroyModelMixin": frozenset({"DELETE"}),
}
# Bases whose unsafe methods write by definition (they save a form or serializer, or delete).
WRITING_BASES = frozenset({
    "CreateView", "UpdateView", "DeleteView", "BaseCreateView", "BaseUpdateView", "BaseDeleteView", "DeletionMixin",
    "CreateAPIView", "DestroyAPIView", "UpdateAPIView", "ListCreateAPIView", "RetrieveUpdateAPIView",
    "RetrieveDestroyAPIView", "RetrieveUpdateDestroyAPIView", "ModelViewSet", "CreateModelMixin",
    "UpdateModelMixin", "DestroyModelMixin",
})
# Bases that read one object by its URL id (through get_object and the queryset).
DETAIL_BASES = frozenset({
    "DetailView", "UpdateView", "DeleteView", "BaseDetailView", "BaseUpdateView", "BaseDeleteView",
    "RetrieveAPIView", "DestroyAPIView", "UpdateAPIView", "RetrieveUpdateAPIView", "RetrieveDestroyAPIView",
    "RetrieveUpdateDestroyAPIView", "ModelViewSet", "ReadOnlyModelViewSet", "RetrieveModelMixin",
    "UpdateModelMixin", "DestroyModelMixin",
})
LIST_BASES = frozenset({"ListView", "BaseListView", "ListAPIView", "ListCreateAPIView", "ModelViewSet",
                        "ReadOnlyModelViewSet", "ListModelMixin"})
VIEWSET_BASES = frozenset({"ViewSet", "GenericViewSet", "ViewSetMixin", "ModelViewSet", "ReadOnlyModelViewSet"})
VIEWSET_ACTIONS = {"list": "GET", "retrieve": "GET", "create": "POST", "update": "PUT", "partial_update": "PATCH",
                   "destroy": "DELETE"}
HANDLER_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_FRAMEWORK_VIEW_PREFIXES = ("django.views.", "django.contrib.", "rest_framework.", "braces.", "guardian.",
                            "wagtail.", "ninja", "django_filters.", "allauth.")
# -- DRF -------------------------------------------------------------------------------------------
DRF_DEFAULT_PERMISSIONS: tuple[tuple[str, ...], ...] = (("rest_framework.permissions.AllowAny",),)
DRF_DEFAULT_AUTHENTICATION: tuple[tuple[str, ...], ...] = (
    ("rest_framework.authentication.SessionAuthentication",), ("rest_framework.authentication.BasicAuthentication",),
)
PERMISSION_KINDS = {
    "AllowAny": "public", "IsAuthenticated": "authenticated", "IsAuthenticatedOrReadOnly": "read-only-public",
    "IsAdminUser": "staff", "DjangoModelPermissions": "model",
    "DjangoModelPermissionsOrAnonReadOnly": "read-only-public",
    "DjangoObjectPermissions": "object", "BasePermission": "public",
}
# -- models ----------------------------------------------------------------------------------------
USER_BASES = frozenset({"AbstractUser", "AbstractBaseUser"})
OWNER_FIELD_NAMES = frozenset({"owner", "user", "author", "created_by", "creator", "customer", "uploaded_by",
                               "submitted_by", "owned_by", "account_owner", "buyer", "seller", "patient", "member",
                               "employee", "client", "sender", "recipient", "profile", "tenant"})
RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ParentalKey", "ManyToManyField"})
# A many-to-many relation to the user model gives ownership only when it lists who the row belongs to
# (``members``), not who reacted to it (``likes``, ``followers``).
MEMBER_FIELD_NAMES = frozenset({"owners", "users", "members", "participants", "collaborators", "editors", "viewers",
                                "shared_with", "allowed_users", "assignees", "admins", "managers", "employees",
                                "customers", "clients", "patients", "recipients", "user", "owner", "member"})


@dataclass(frozen=True)
class Evidence:
    """Why a view is considered to check who is asking."""

    kind: str  # login, permission, staff, test, drf, ninja, body, middleware, name
    symbol: str  # the decorator, mixin, permission class, check or middleware
    level: str  # decorator, url, mixin, class, base, method, settings, default, body, middleware, router, api
    location: Location | None = None

    @property
    def authorizes(self) -> bool:
        """More than "logged in": a permission, staff or custom test decides."""
        return self.kind in ("permission", "staff", "test")


@dataclass(frozen=True)
class Permissions:
    """DRF's effective permission (or authentication) classes and where they come from."""

    classes: tuple[tuple[str, ...], ...]  # each element: the names in one list item (``A | B`` → (A, B))
    source: str  # class, base, decorator, get_permissions, get_authenticators, action, settings, default
    location: Location | None = None
    defined_in: str | None = None
    methods: frozenset[str] | None = None  # the HTTP methods it applies to; None: all

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for element in self.classes for name in element)


@dataclass(frozen=True)
class Route:
    path: str | None  # full path from the root URLconf ("/api/posts/"), None when part of it is dynamic
    location: Location  # the path()/register() call
    root: str  # the root URLconf module
    name: str | None = None
    wrappers: tuple[Decorator, ...] = ()
    actions: tuple[tuple[str, str], ...] = ()  # viewset method → action mapping from as_view({...})
    debug_only: bool = False
    router: str | None = None  # DRF router or ninja API symbol


@dataclass(frozen=True)
class Action:
    """A viewset ``@action`` route, with what it overrides of its viewset."""

    name: str
    methods: frozenset[str]
    location: Location  # the ``@action(...)`` decorator
    detail: bool | None
    permissions: Permissions | None  # its own ``permission_classes=``; None: the viewset's apply
    authentication: Permissions | None  # its own ``authentication_classes=``; None: the viewset's apply
    permission_kind: str | None  # effective for this action (see View.permission_kind)
    writes: bool  # the action's code changes state (directly or through a helper)
    code: ViewCode | None = None


@dataclass(frozen=True)
class View:
    """A view function, class-based view, DRF view/viewset or ninja operation."""

    target: str
    kind: str  # function, class, viewset, ninja
    framework: str  # django, drf, ninja
    location: Location  # the def/class header
    routes: tuple[Route, ...]
    methods: frozenset[str]  # accepted HTTP methods (ALL_METHODS when unrestricted)
    write_methods: frozenset[str]  # the unsafe accepted methods that change state
    code: tuple[ViewCode, ...]  # the function; for classes, the methods found along the MRO
    decorators: tuple[Decorator, ...]  # function/class/dispatch decorators and URLconf wrappers
    evidence: tuple[Evidence, ...]  # access-control evidence, strongest first
    public: Evidence | None = None  # an explicit opt-out: AllowAny, login_not_required, ninja auth=None
    permissions: Permissions | None = None  # DRF
    authentication: Permissions | None = None  # DRF
    # How DRF permissions treat anonymous users: public, object (object-level only), read-only-public,
    # authenticated, staff, model, custom; None when not a DRF view.
    permission_kind: str | None = None
    object_permission: bool = False  # an object-level permission class applies (has_object_permission)
    mro: tuple[str, ...] = ()  # project classes then external bases, in order
    bases: frozenset[str] = frozenset()  # short names of external (framework) bases
    models: tuple[Query, ...] = ()  # what it reads: class queryset/model and queries in its code
    model: str | None = None  # the class's model (``model =``, ``queryset =``, serializer Meta)
    detail: bool = False  # reads one object by URL id through get_object (generic detail views, viewsets)
    lists: bool = False
    overrides: frozenset[str] = frozenset()  # methods defined by project classes in the MRO
    actions: tuple[Action, ...] = ()  # viewset @action routes

    @property
    def routed(self) -> bool:
        return bool(self.routes)

    @property
    def name(self) -> str:
        return self.target.rsplit(".", 1)[-1]

    @property
    def state_changing(self) -> bool:
        return bool(self.write_methods)

    @property
    def display(self) -> str:
        paths = sorted({r.path for r in self.routes if r.path}, key=len)
        return paths[0] if paths else self.name

    def decorator(self, *names: str) -> Decorator | None:
        """The first decorator (or URLconf wrapper) whose qualified name or tail is one of ``names``."""
        for decorator in self.decorators:
            if decorator.name in names or decorator.tail in names:
                return decorator
        return None

    def method_code(self, name: str) -> ViewCode | None:
        for code in self.code:
            if code.name == name:
                return code
        return None

    @property
    def authenticated(self) -> bool:
        return bool(self.evidence)


@dataclass(frozen=True)
class ModelInfo:
    qualname: str
    fields: tuple[FieldDecl, ...]
    owner_fields: tuple[str, ...]  # relations to the user model, or owner-like names with an unknown target
    public_flags: tuple[str, ...]  # published, is_public, status ...
    is_user_model: bool = False
    location: Location | None = None
    # Lookup paths to the user through other models (``account__owner``) when no field of its own is an owner.
    owner_paths: tuple[str, ...] = ()

    @property
    def user_owned(self) -> bool:
        return bool(self.owner_fields) or self.is_user_model

    @property
    def owned(self) -> bool:
        """Owned by a user directly, or through the rows it belongs to."""
        return self.user_owned or bool(self.owner_paths)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@dataclass(frozen=True)
class AdminMount:
    path: str | None
    location: Location
    site: str
    root: str
    debug_only: bool = False


@dataclass(frozen=True)
class DjangoModel:
    views: tuple[View, ...] = ()
    root_urlconfs: tuple[str, ...] = ()
    url_patterns: int = 0  # routes found from the roots (after expanding routers)
    admin_mounts: tuple[AdminMount, ...] = ()
    models: Mapping[str, ModelInfo] = field(default_factory=dict)
    uses_auth: bool = False  # some view checks who is asking (or login is required globally)
    login_middleware: bool = False
    drf_permissions: Permissions | None = None  # settings default (or DRF's own, source "default"/"assumed")
    drf_permission_kind: str | None = None
    drf_authentication: Permissions | None = None
    has_urlconf: bool = False

    def __bool__(self) -> bool:
        return bool(self.views or self.root_urlconfs or self.models)

    def model(self, qualname: str | None) -> ModelInfo | None:
        return self.models.get(qualname) if qualname else None

    def view(self, target: str) -> View | None:
        for view in self.views:
            if view.target == target:
                return view
        return None

    @property
    def routed_views(self) -> tuple[View, ...]:
        return tuple(v for v in self.views if v.routed)


# =================================================================================================
# settings access: through the settings model, never a second parser
# =================================================================================================
def setting(project: "Project", name: str):
    """The :class:`~secprofile.model.django_settings.Setting` in force for ``name``, or ``None``.

    The primary settings module (the deployed one, else the root) wins; other settings modules
    are asked only when it does not set ``name``.
    """
    settings = project.django_settings
    if not settings:
        return None
    primary = settings.primary
    ordered = ([primary] if primary is not None else []) + [m for m in settings.modules if m is not primary]
    for module in ordered:
        found = module.get(name)
        if found is not None:
            return found
    return None


def setting_value(project: "Project", name: str) -> object:
    """The value of a Django setting in force, or ``None`` when unknown (no settings model, not set)."""
    found = setting(project, name)
    if found is None:
        return None
    value = effective(found.value)
    return None if value is MISSING else value


def settings_available(project: "Project") -> bool:
    return bool(project.django_settings)


# =================================================================================================
# linking
# =================================================================================================
def link_django(project: "Project") -> DjangoModel:
    facts = [(f, f.django) for f in project.python_files() if f.django]
    if not facts:
        return DjangoModel()
    return _Linker(project, [d for _, d in facts]).run()


def join_route(prefix: str | None, route: str | None) -> str | None:
    if prefix is None or route is None:
        return None
    route = route.lstrip("^").rstrip("$") if route.startswith("^") or route.endswith("$") else route
    if route.startswith("\\A"):
        route = route[2:]
    if route.endswith("\\Z"):
        route = route[:-2]
    return prefix + route.lstrip("/")


class _Linker:
    def __init__(self, project: "Project", facts: list[DjangoFacts]):
        self.project = project
        self.canonical = project.names.canonical
        self.urls: dict[str, list[UrlEntry]] = {}
        self.lists: set[str] = set()
        self.routers: dict[str, RouterDecl] = {}
        self.registrations: dict[str, list] = {}
        self.operations: dict[str, list[NinjaOperation]] = {}
        self.mounts: dict[str, list] = {}
        self.codes: dict[str, ViewCode] = {}
        self.classes: dict[str, ClassDecl] = {}
        for item in facts:
            for entry in item.urls:
                self.urls.setdefault(entry.owner, []).append(entry)
            self.lists.update(item.pattern_lists)
            for router in item.routers:
                self.routers.setdefault(router.symbol, router)
            for registration in item.registrations:
                self.registrations.setdefault(self._c(registration.router), []).append(registration)
            for operation in item.ninja_operations:
                self.operations.setdefault(self._c(operation.owner), []).append(operation)
            for mount in item.ninja_mounts:
                self.mounts.setdefault(self._c(mount.parent), []).append(mount)
            for code in item.views:
                self.codes.setdefault(code.qualname, code)
            for decl in item.classes:
                self.classes.setdefault(decl.qualname, decl)
        self._mro_memo: dict[str, tuple[list[str], list[str]]] = {}
        self._decorator_memo: dict[str, str | None] = {}
        self._permission_memo: dict[str, str] = {}
        self._writes_memo: dict[str, bool] = {}

    def _c(self, name: str | None) -> str:
        return (self.canonical(name) or name) if name else ""

    # ---------------------------------------------------------------- entry
    def run(self) -> DjangoModel:
        models = self._models()
        self.user_models = frozenset(q for q, m in models.items() if m.is_user_model)
        self.drf_permissions = self._drf_default("DEFAULT_PERMISSION_CLASSES", DRF_DEFAULT_PERMISSIONS)
        self.drf_authentication = self._drf_default("DEFAULT_AUTHENTICATION_CLASSES", DRF_DEFAULT_AUTHENTICATION)
        self.login_middleware = self._login_middleware()
        roots = self._roots()
        routes: dict[str, list[Route]] = {}
        admin: list[AdminMount] = []
        ninja_routes: list[tuple[NinjaOperation, Route, tuple[str | None, ...]]] = []
        count = 0
        for root in roots:
            for target, route in self._walk(f"{root}.urlpatterns", "/", (), root, admin, ninja_routes, 0, set(),
                                            debug=False):
                count += 1
                routes.setdefault(target, []).append(route)
        views: list[View] = []
        done: set[str] = set()
        for target in sorted(routes):
            view = self._view(target, tuple(routes[target]), models)
            if view is not None:
                views.append(view)
                done.add(view.target)
        for operation, route, auths in ninja_routes:
            views.append(self._ninja_view(operation, route, auths))
            done.add(self._c(operation.handler))
        for target in sorted(self._unrouted_candidates(done)):
            view = self._view(target, (), models)
            if view is not None:
                views.append(view)
        views = [v for v in views if v is not None]
        uses_auth = self.login_middleware or any(
            v.evidence for v in views if v.routed or not roots
        ) or self._kind(self.drf_permissions) not in ("public", None)
        return DjangoModel(
            views=tuple(views), root_urlconfs=tuple(roots), url_patterns=count, admin_mounts=tuple(admin),
            models=models, uses_auth=uses_auth, login_middleware=self.login_middleware,
            drf_permissions=self.drf_permissions, drf_permission_kind=self._kind(self.drf_permissions),
            drf_authentication=self.drf_authentication,
            has_urlconf=bool(roots),
        )

    # ---------------------------------------------------------------- settings
    def _drf_default(self, key: str, fallback) -> Permissions:
        config = setting_value(self.project, "REST_FRAMEWORK")
        if isinstance(config, dict) and key in config:
            found = setting(self.project, "REST_FRAMEWORK")
            location = found.last_update(key) if found is not None else None
            value = config[key]
            if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                return Permissions(tuple((self._c(v),) for v in value), "settings", location)
            return Permissions((("?",),), "settings", location)
        # "default": DRF's own default under known settings; "assumed": no settings model to ask.
        return Permissions(fallback, "default" if settings_available(self.project) else "assumed")

    def _login_middleware(self) -> bool:
        middleware = setting_value(self.project, "MIDDLEWARE")
        if not isinstance(middleware, (list, tuple)):
            return False
        for item in middleware:
            if isinstance(item, str) and item.rsplit(".", 1)[-1] in ("LoginRequiredMiddleware",
                                                                     "LoginRequiredAccessMiddleware"):
                return True
        return False

    def _roots(self) -> list[str]:
        configured = setting_value(self.project, "ROOT_URLCONF")
        if isinstance(configured, str):
            module = self.project.names.project_module(configured)
            if module and f"{module}.urlpatterns" in self.lists:
                return [module]
        modules = sorted({owner.rsplit(".", 1)[0] for owner in self.lists if owner.endswith(".urlpatterns")})
        included: set[str] = set()
        for entries in self.urls.values():
            for entry in entries:
                if entry.include is None:
                    continue
                if entry.include_kind == "module":
                    found = self.project.names.project_module(entry.include)
                else:
                    target = self._c(entry.include)
                    found = self.project.names.project_module(target) or (
                        target.rsplit(".", 1)[0] if target.endswith(".urlpatterns") else None)
                if found:
                    included.add(found)
        return [m for m in modules if m not in included]

    # ---------------------------------------------------------------- URLconf walk
    def _walk(self, owner, prefix, wrappers, root, admin, ninja_routes, depth, seen, debug):
        if depth > 25 or owner in seen:
            return
        seen = seen | {owner}
        for entry in self.urls.get(owner, ()):
            path = join_route(prefix, entry.route)
            chain = wrappers + entry.wrappers
            entry_debug = debug or entry.debug_only
            if entry.include is not None:
                yield from self._include(entry, path, chain, root, admin, ninja_routes, depth, seen, entry_debug)
                continue
            if entry.view is None:
                continue
            target = self._view_target(entry.view, entry.view_is_class)
            yield target, Route(_display(path), entry.location, root, entry.name, chain, entry.actions, entry_debug)

    def _include(self, entry, path, wrappers, root, admin, ninja_routes, depth, seen, debug):
        names = self.project.names
        if entry.include_kind == "module":
            module = names.project_module(entry.include)
            if module:
                yield from self._walk(f"{module}.urlpatterns", path, wrappers, root, admin, ninja_routes, depth + 1,
                                      seen, debug)
            return
        if entry.include_kind == "list" and entry.include in self.urls:
            yield from self._walk(entry.include, path, wrappers, root, admin, ninja_routes, depth + 1, seen, debug)
            return
        target = self._c(entry.include)
        if target in self.lists or target in self.urls:
            yield from self._walk(target, path, wrappers, root, admin, ninja_routes, depth + 1, seen, debug)
            return
        module = names.project_module(target)
        if module and f"{module}.urlpatterns" in self.lists:
            yield from self._walk(f"{module}.urlpatterns", path, wrappers, root, admin, ninja_routes, depth + 1, seen,
                                  debug)
            return
        if not target.endswith(".urls"):
            return
        base = target[: -len(".urls")]
        router = self.routers.get(base)
        if self._is_admin_site(base):
            admin.append(AdminMount(_display(path), entry.location, base, root, debug))
            return
        if (router is not None and router.kind == "drf") or base in self.registrations:
            yield from self._router_routes(base, path, wrappers, root, entry, debug)
            return
        if (router is not None and router.kind.startswith("ninja")) or base in self.operations or base in self.mounts:
            self._ninja_routes(base, path, root, entry, ninja_routes, (router.auth if router else None,), 0, debug)

    def _router_routes(self, router: str, path, wrappers, root, entry, debug):
        for registration in self.registrations.get(router, ()):
            decl = self.routers.get(router)
            prefix = path
            if decl is not None and decl.parent_prefix is not None:
                prefix = join_route(path, decl.parent_prefix.rstrip("/") + "/{parent}/")
            full = join_route(prefix, (registration.prefix or "").strip("^$").rstrip("/") + "/") \
                if registration.prefix is not None else None
            target = self._c(registration.viewset)
            yield target, Route(_display(full), registration.location, root, registration.basename, wrappers, (),
                                debug, router)
        for nested, decl in self.routers.items():
            if decl.parent and self._c(decl.parent) == router and nested != router:
                yield from self._router_routes(nested, path, wrappers, root, entry, debug)

    def _ninja_routes(self, owner, path, root, entry, out, auths, depth, debug):
        if depth > 10:
            return
        for operation in self.operations.get(owner, ()):
            full = join_route(path, (operation.path or "").lstrip("/")) if operation.path is not None else None
            out.append((operation, Route(_display(full), operation.location, root, None, (), (), debug, owner), auths))
        for mount in self.mounts.get(owner, ()):
            child = self._c(mount.child)
            if child not in self.operations and child not in self.mounts:
                module = self.project.names.project_module(mount.child.rsplit(".", 1)[0])
                child = f"{module}.{mount.child.rsplit('.', 1)[-1]}" if module else child
            decl = self.routers.get(child)
            child_path = join_route(path, (mount.prefix or "").strip("/") + "/") if mount.prefix is not None else None
            yield_auths = auths + (mount.auth, decl.auth if decl else None)
            self._ninja_routes(child, child_path, root, entry, out, yield_auths, depth + 1, debug)

    def _is_admin_site(self, symbol: str) -> bool:
        if symbol in ("django.contrib.admin.site", "django.contrib.admin.sites.site"):
            return True
        variable = self.project.variables.get(symbol)
        if variable is not None and variable.call:
            callee = self._c(variable.call)
            if callee.rsplit(".", 1)[-1] in ("AdminSite", "OTPAdminSite") or any(
                    b.rsplit(".", 1)[-1] in ("AdminSite", "OTPAdminSite") for b in self._mro(callee)[1]):
                return True
        return False

    def _view_target(self, target: str, is_class: bool) -> str:
        name = self._c(target)
        if not is_class and name not in self.codes and name not in self.project.classes:
            variable = self.project.variables.get(name)
            if variable is not None and variable.call and variable.call.endswith(".as_view"):
                return self._c(variable.call[: -len(".as_view")])
        return name

    def _unrouted_candidates(self, done: set[str]) -> set[str]:
        """Views no URLconf reaches: decorated function views and concrete class-based views."""
        found: set[str] = set()
        used_as_base = {self._c(b) for cls in self.project.classes.values() for b in cls.bases}
        for qualname, code in self.codes.items():
            if qualname in done or code.class_name is not None or "<locals>" in qualname:
                continue
            if "request" not in code.params[:1] and "req" not in code.params[:1]:
                continue
            if code.decorators or code.responses or code.method_checks:
                found.add(qualname)
        for qualname in self.project.classes:
            if qualname in done or qualname in used_as_base:
                continue
            _, external = self._mro(qualname)
            if any(b.rsplit(".", 1)[-1] in VIEW_BASE_METHODS and b.startswith(_FRAMEWORK_VIEW_PREFIXES)
                   for b in external):
                found.add(qualname)
        return found

    # ---------------------------------------------------------------- classes
    def _mro(self, qualname: str) -> tuple[list[str], list[str]]:
        """(project classes in MRO order starting with ``qualname``, external base names)."""
        if qualname in self._mro_memo:
            return self._mro_memo[qualname]
        self._mro_memo[qualname] = ([qualname], [])
        project_classes: list[str] = []
        external: list[str] = []
        stack = [qualname]
        visited: set[str] = set()
        while stack and len(visited) < 60:
            current = stack.pop(0)
            if current in visited:
                continue
            visited.add(current)
            cls = self.project.classes.get(current)
            if cls is None:
                if current not in external:
                    external.append(current)
                continue
            project_classes.append(current)
            stack[0:0] = [self._c(b) for b in cls.bases]
        self._mro_memo[qualname] = (project_classes, external)
        return project_classes, external

    def _class_code(self, classes: list[str]) -> tuple[list[ViewCode], set[str]]:
        codes: dict[str, ViewCode] = {}
        overrides: set[str] = set()
        for cls in classes:
            facts = self.project.classes.get(cls)
            for method in facts.methods if facts else ():
                overrides.add(method)
                code = self.codes.get(f"{cls}.{method}")
                if code is not None and method not in codes:
                    codes[method] = code
        return list(codes.values()), overrides

    def _class_attribute(self, classes: list[str], name: str):
        for cls in classes:
            decl = self.classes.get(cls)
            if decl is None:
                continue
            value = getattr(decl, name)
            if value is not None:
                return value, cls
        return None, None

    # ---------------------------------------------------------------- views
    def _view(self, target: str, routes: tuple[Route, ...], models) -> View | None:
        if target in self.project.classes:
            return self._class_view(target, routes, models)
        code = self.codes.get(target)
        if code is None:
            code = self._plain_code(target) if routes else None
            if code is None:
                return None
        return self._function_view(code, routes)

    def _plain_code(self, target: str) -> ViewCode | None:
        """A routed function in a module that imports nothing of Django: what FunctionFacts know of it."""
        function = self.project.functions.get(target)
        if function is None:
            return None
        writes = tuple(sorted(function.method_calls & (WRITE_CALLS - {"add", "remove", "clear"})))
        return ViewCode(
            qualname=function.qualname, name=function.name, class_name=function.class_name,
            location=function.location, header=function.header, params=tuple(p.name for p in function.params),
            decorators=tuple(Decorator(name, function.header) for name in function.decorators), writes=writes,
            uses_user=False, reads=frozenset(r for r in function.reads),
        )

    def _function_view(self, code: ViewCode, routes: tuple[Route, ...]) -> View:
        wrappers = tuple(w for r in routes for w in r.wrappers)
        decorators = code.decorators + wrappers
        drf = any(d.tail == "api_view" and d.name.startswith("rest_framework") for d in decorators)
        methods = self._declared_methods(decorators)
        if methods is None and drf:
            api_view = next(d for d in decorators if d.tail == "api_view")
            methods = frozenset(a.upper() for a in api_view.args) or frozenset({"GET"})
        if methods is None:
            if code.method_checks:
                methods = frozenset(code.method_checks) | {"GET", "HEAD"}
            elif code.reads & {"POST", "FILES"}:
                methods = frozenset({"GET", "POST"})
            else:
                methods = ALL_METHODS
        writes = bool(code.writes) or self._calls_writer(code.qualname)
        write_methods = frozenset(methods & UNSAFE_METHODS) if writes else frozenset()
        evidence: list[Evidence] = []
        public = None
        for decorator in decorators:
            kind = self._decorator_kind(decorator)
            level = "url" if decorator in wrappers else "decorator"
            if kind == "public":
                public = Evidence("public", decorator.name, level, decorator.location)
            elif kind == "drf":
                continue
            elif kind:
                evidence.append(Evidence(kind, decorator.name, level, decorator.location))
        body = self._body_evidence(code)
        if body:
            evidence.append(body)
        permissions = authentication = None
        if drf:
            permissions = self._decorated_classes(decorators, "permission_classes") or self.drf_permissions
            authentication = self._decorated_classes(decorators, "authentication_classes") or self.drf_authentication
            self._drf_evidence(permissions, evidence)
            if self._kind(permissions) == "public" and permissions.source in ("decorator",):
                public = public or Evidence("public", "AllowAny", "decorator", permissions.location)
            drf_kind, drf_object = self._kind(permissions), self._has_object_permission(permissions)
        else:
            drf_kind, drf_object = None, False
        if self.login_middleware and public is None:
            evidence.append(Evidence("middleware", "LoginRequiredMiddleware", "middleware"))
        return View(
            target=code.qualname, kind="function", framework="drf" if drf else "django", location=code.header,
            routes=routes, methods=methods, write_methods=write_methods, code=(code,), decorators=decorators,
            evidence=tuple(evidence), public=public, permissions=permissions, authentication=authentication,
            permission_kind=drf_kind, object_permission=drf_object, models=code.queries,
        )

    def _class_view(self, target: str, routes: tuple[Route, ...], models) -> View | None:
        classes, external = self._mro(target)
        tails = {b.rsplit(".", 1)[-1] for b in external}
        framework_bases = {t for t in tails if t in VIEW_BASE_METHODS}
        codes, overrides = self._class_code(classes)
        by_name = {c.name: c for c in codes}
        is_drf = any(b.startswith("rest_framework.") for b in external) or bool(tails & {
            "APIView", "GenericAPIView", "ViewSet", "GenericViewSet", "ModelViewSet", "ReadOnlyModelViewSet"})
        is_viewset = bool(tails & VIEWSET_BASES)
        if not framework_bases and not any(m in overrides for m in HANDLER_METHODS) and not routes:
            return None
        wrappers = tuple(w for r in routes for w in r.wrappers)
        decorators: list[Decorator] = []
        for cls in classes:
            decl = self.classes.get(cls)
            if decl is not None:
                decorators.extend(decl.decorators)
        for name in ("dispatch", *HANDLER_METHODS, *VIEWSET_ACTIONS):
            code = by_name.get(name)
            if code is not None:
                decorators.extend(code.decorators)
        decorators.extend(wrappers)
        # methods
        methods: set[str] = set()
        for tail in framework_bases:
            methods |= VIEW_BASE_METHODS[tail]
        for name in HANDLER_METHODS:
            if name in by_name or name in overrides:
                methods.add(name.upper())
        if is_viewset:
            for action, verb in VIEWSET_ACTIONS.items():
                if action in overrides:
                    methods.add(verb)
            for cls in classes:
                decl = self.classes.get(cls)
                for _, verbs in (decl.actions if decl else ()):
                    methods.update(verbs)
        mapped = {m for r in routes for m, _ in r.actions}
        if mapped and all(r.actions for r in routes):
            methods = set(mapped)
        allowed, _ = self._class_attribute(classes, "http_method_names")
        if allowed is not None:
            methods &= {m.upper() for m in allowed}
        if "GET" in methods:
            methods.add("HEAD")
        # writes
        write_methods: set[str] = set()
        writing_bases = framework_bases & WRITING_BASES
        for tail in writing_bases:
            write_methods |= VIEW_BASE_METHODS[tail] & UNSAFE_METHODS
        for name in ("post", "put", "patch", "delete"):
            code = by_name.get(name)
            if code is not None and (code.writes or self._calls_writer(code.qualname)):
                write_methods.add(name.upper())
        for action, verb in VIEWSET_ACTIONS.items():
            code = by_name.get(action)
            if verb in UNSAFE_METHODS and code is not None and (code.writes or self._calls_writer(code.qualname)):
                write_methods.add(verb)
        for cls in classes:
            decl = self.classes.get(cls)
            for action, verbs in (decl.actions if decl else ()):
                code = by_name.get(action)
                if code is not None and (code.writes or self._calls_writer(code.qualname)):
                    write_methods.update(v for v in verbs if v in UNSAFE_METHODS)
        form_valid = by_name.get("form_valid")
        if form_valid is not None and (form_valid.writes or self._calls_writer(form_valid.qualname)):
            write_methods |= {m for m in methods if m in UNSAFE_METHODS}
        write_methods &= methods
        # evidence
        evidence: list[Evidence] = []
        public = None
        for base in external:
            tail = base.rsplit(".", 1)[-1]
            kind = AUTH_MIXINS.get(tail)
            if kind is None and AUTH_MIXIN_NAME.search(tail):
                kind = "name" if not base.startswith(("django.", "rest_framework.")) else None
            if kind:
                evidence.append(Evidence(kind, base, "mixin"))
        for decorator in decorators:
            kind = self._decorator_kind(decorator)
            level = "url" if decorator in wrappers else "decorator"
            if kind == "public":
                public = Evidence("public", decorator.name, level, decorator.location)
            elif kind and kind != "drf":
                evidence.append(Evidence(kind, decorator.name, level, decorator.location))
        for name in ("dispatch", "setup", "initial", "test_func"):
            code = by_name.get(name)
            body = self._body_evidence(code) if code is not None else None
            if body:
                evidence.append(body)
        handler_checks = [self._body_evidence(by_name[m.lower()]) for m in write_methods if m.lower() in by_name]
        if write_methods and handler_checks and all(handler_checks):
            evidence.extend(e for e in handler_checks if e)
        permissions = authentication = None
        if is_drf:
            permissions = self._class_permissions(classes, by_name, "permission_classes", self.drf_permissions, target)
            authentication = self._class_permissions(classes, None, "authentication_classes", self.drf_authentication,
                                                     target)
            authentication = self._authenticators(classes, by_name) or authentication
            self._drf_evidence(permissions, evidence)
            if self._kind(permissions) == "public" and permissions.source in ("class", "base"):
                public = public or Evidence("public", "AllowAny", permissions.source, permissions.location)
            drf_kind, drf_object = self._kind(permissions), self._has_object_permission(permissions)
        else:
            drf_kind, drf_object = None, False
        actions = self._actions(classes, by_name, permissions) if is_drf and is_viewset else ()
        if self.login_middleware and public is None:
            evidence.append(Evidence("middleware", "LoginRequiredMiddleware", "middleware"))
        # what it reads
        queryset, _ = self._class_attribute(classes, "queryset")
        model, _ = self._class_attribute(classes, "model")
        reads: list[Query] = []
        if queryset is not None:
            reads.append(queryset)
        for code in codes:
            reads.extend(code.queries)
        model = model or (queryset.model if queryset else None) or self._serializer_model(classes)
        detail = bool(framework_bases & DETAIL_BASES) or (is_viewset and bool(
            overrides & {"retrieve", "update", "partial_update", "destroy"}))
        lists = bool(framework_bases & LIST_BASES)
        kind = "viewset" if is_viewset else "class"
        location = self.project.classes[target].location
        header = Location(location.path, location.line, location.column, location.line)
        return View(
            target=target, kind=kind, framework="drf" if is_drf else "django", location=header, routes=routes,
            methods=frozenset(methods), write_methods=frozenset(write_methods), code=tuple(codes),
            decorators=tuple(decorators), evidence=tuple(evidence), public=public, permissions=permissions,
            authentication=authentication, permission_kind=drf_kind, object_permission=drf_object,
            mro=tuple(classes) + tuple(external), bases=frozenset(framework_bases),
            models=tuple(reads), model=self._c(model) if model else None, detail=detail, lists=lists,
            overrides=frozenset(overrides), actions=actions,
        )

    def _authenticators(self, classes: list[str], by_name: dict[str, ViewCode]) -> Permissions | None:
        """``get_authenticators()`` returning ``[]`` (for some HTTP methods): no authentication for them."""
        code = by_name.get("get_authenticators")
        if code is None or not code.empty_return_methods:
            return None
        owner = next((cls for cls in classes if code.qualname.startswith(cls + ".")), None)
        methods = frozenset(code.empty_return_methods)
        return Permissions((), "get_authenticators", code.header, owner,
                           None if methods >= ALL_METHODS else methods | ({"HEAD"} if "GET" in methods else set()))

    def _actions(self, classes: list[str], by_name: dict[str, ViewCode], permissions: Permissions | None):
        found: list[Action] = []
        seen: set[str] = set()
        for cls in classes:
            decl = self.classes.get(cls)
            for item in decl.action_decls if decl else ():
                if item.name in seen:
                    continue
                seen.add(item.name)
                code = by_name.get(item.name)
                if code is not None and not code.qualname.startswith(cls + "."):
                    code = None
                own = self._action_classes(item, "permission_classes", cls)
                authentication = self._action_classes(item, "authentication_classes", cls)
                writes = code is not None and (bool(code.writes) or self._calls_writer(code.qualname))
                found.append(Action(
                    item.name, frozenset(item.methods), item.location, item.detail, own, authentication,
                    self._kind(own or permissions), writes, code,
                ))
        return tuple(found)

    def _action_classes(self, item: ActionDecl, attribute: str, cls: str) -> Permissions | None:
        value = getattr(item, attribute)
        if value is None:
            return None
        return Permissions(tuple(tuple(self._c(n) for n in element) for element in value), "action", item.location,
                           cls)

    def _serializer_model(self, classes: list[str]) -> str | None:
        for cls in classes:
            facts = self.project.classes.get(cls)
            value = facts.attribute("serializer_class") if facts else None
            if isinstance(value, Literal) and isinstance(value.value, str):
                meta = self.project.classes.get(f"{self._c(value.value)}.Meta")
                model = meta.attribute("model") if meta else None
                if isinstance(model, Literal) and isinstance(model.value, str):
                    return model.value
        return None

    def _ninja_view(self, operation: NinjaOperation, route: Route, auths: tuple[str | None, ...]) -> View:
        handler = self._c(operation.handler)
        code = self.codes.get(handler) or self.codes.get(operation.handler)
        evidence: list[Evidence] = []
        public = None
        chain = [operation.auth, *reversed(auths)]  # the operation wins, then the innermost router
        decided = next((a for a in chain if a is not None), None)
        if decided in ("None", "[]"):
            public = Evidence("public", "auth=None", "ninja", operation.location)
        elif decided is not None:
            evidence.append(Evidence("ninja", decided, "router" if operation.auth is None else "operation",
                                     operation.location))
        body = self._body_evidence(code) if code else None
        if body:
            evidence.append(body)
        methods = frozenset(operation.methods)
        writes = code is not None and (bool(code.writes) or self._calls_writer(code.qualname))
        return View(
            target=handler, kind="ninja", framework="ninja", location=operation.location, routes=(route,),
            methods=methods, write_methods=frozenset(methods & UNSAFE_METHODS) if writes else frozenset(),
            code=(code,) if code else (), decorators=code.decorators if code else (), evidence=tuple(evidence),
            public=public, models=code.queries if code else (),
        )

    # ---------------------------------------------------------------- evidence helpers
    def _declared_methods(self, decorators: Iterable[Decorator]) -> frozenset[str] | None:
        found = None
        for decorator in decorators:
            tail = decorator.tail
            if tail in METHOD_DECORATORS and decorator.name.startswith("django."):
                allowed = METHOD_DECORATORS[tail]
            elif tail == "require_http_methods" and decorator.args:
                allowed = frozenset(a.upper() for a in decorator.args)
            else:
                continue
            found = allowed if found is None else found & allowed
        return found

    def _decorator_kind(self, decorator: Decorator) -> str | None:
        name = self._c(decorator.name)
        if name in PUBLIC_DECORATORS:
            return "public"
        if name in AUTH_DECORATORS:
            return AUTH_DECORATORS[name]
        if name.endswith(".admin_view"):  # admin.site.admin_view(view)
            return "staff"
        if decorator.tail in ("csrf_exempt", "xframe_options_exempt", "require_POST", "require_GET", "api_view",
                              "require_http_methods", "never_cache", "cache_page", "vary_on_cookie"):
            return None
        if name in self._decorator_memo:
            return self._decorator_memo[name]
        self._decorator_memo[name] = None
        result = self._analyse_decorator(name, decorator)
        self._decorator_memo[name] = result
        return result

    def _analyse_decorator(self, name: str, decorator: Decorator) -> str | None:
        project = self.project
        variable = project.variables.get(name)
        if variable is not None and variable.call:  # admin_required = user_passes_test(lambda u: u.is_staff)
            inner = self._c(variable.call)
            if inner in AUTH_DECORATORS:
                return AUTH_DECORATORS[inner]
        function = project.functions.get(name)
        if function is not None:
            for call in function.calls:
                callee = self._c(call)
                if callee in AUTH_DECORATORS and AUTH_DECORATORS[callee] != "drf":
                    return AUTH_DECORATORS[callee]
            if function.raised_statuses & {401, 403}:
                return "body"
            prefix = f"{name}.<locals>."
            for qualname, code in self.codes.items():
                if qualname.startswith(prefix) and self._body_evidence(code):
                    return self._body_evidence(code).kind  # type: ignore[union-attr]
            for qualname, inner in project.functions.items():
                if qualname.startswith(prefix) and inner.raised_statuses & {401, 403}:
                    return "body"
            if AUTH_DECORATOR_NAME.search(decorator.tail):
                return "name"
            return None
        if project.names.split(name) is None and AUTH_DECORATOR_NAME.search(decorator.tail):
            return "name"
        return None

    def _body_evidence(self, code: ViewCode | None) -> Evidence | None:
        if code is None:
            return None
        checks = code.auth_checks
        function = self.project.functions.get(code.qualname)
        statuses = function.raised_statuses if function else frozenset()
        denies = bool(checks & {"permission_denied", "HttpResponseForbidden", "redirect_to_login", "has_perm",
                                "login_required", "user_passes_test", "permission_required",
                                "staff_member_required"}) or bool(statuses & {401, 403})
        looks = bool(checks & {"is_authenticated", "is_staff", "is_superuser"})
        if denies or (looks and "redirect" in code.responses):
            kind = "staff" if checks & {"is_staff", "is_superuser"} else \
                "permission" if "has_perm" in checks else "body"
            return Evidence(kind, code.qualname, "body", code.location)
        for call in sorted(function.calls if function else ()):
            callee = self.project.functions.get(self._c(call))
            if callee is not None and callee.qualname != code.qualname and callee.raised_statuses & {401, 403}:
                return Evidence("body", callee.qualname, "body", code.location)
        return None

    def _calls_writer(self, qualname: str, depth: int = 0) -> bool:
        if qualname in self._writes_memo:
            return self._writes_memo[qualname]
        self._writes_memo[qualname] = False
        function = self.project.functions.get(qualname)
        result = False
        if function is not None and depth < 3:
            for call in function.calls:
                callee = self.project.functions.get(self._c(call))
                if callee is None or callee.qualname == qualname:
                    continue
                code = self.codes.get(callee.qualname)
                if (code is not None and code.writes) or callee.method_calls & {
                        "save", "bulk_create", "update_or_create", "get_or_create", "bulk_update"} or \
                        self._calls_writer(callee.qualname, depth + 1):
                    result = True
                    break
        self._writes_memo[qualname] = result
        return result

    def _decorated_classes(self, decorators, tail: str) -> Permissions | None:
        for decorator in decorators:
            if decorator.tail == tail and decorator.name.startswith("rest_framework"):
                return Permissions(tuple((self._c(a),) for a in decorator.args), "decorator", decorator.location)
        return None

    def _class_permissions(self, classes, by_name, attribute: str, default: Permissions, target: str) -> Permissions:
        for cls in classes:
            decl = self.classes.get(cls)
            if attribute == "permission_classes" and by_name is not None:
                code = by_name.get("get_permissions")
                if code is not None and code.qualname.startswith(cls + "."):
                    names = tuple((self._c(n),) for n in code.returned if self._looks_permission(self._c(n)))
                    return Permissions(names or (("?",),), "get_permissions", code.location, cls)
            if decl is not None and getattr(decl, attribute) is not None:
                value = tuple(tuple(self._c(n) for n in element) for element in getattr(decl, attribute))
                return Permissions(value, "class" if cls == target else "base", decl.where(attribute) or decl.location,
                                   cls)
        return default

    def _looks_permission(self, name: str) -> bool:
        tail = name.rsplit(".", 1)[-1]
        if tail in PERMISSION_KINDS or name.startswith("rest_framework.permissions."):
            return True
        if name in self.project.classes:
            return any(b.rsplit(".", 1)[-1] in ("BasePermission", "BasePermissionMetaclass")
                       for b in self._mro(name)[1]) or bool(
                {"has_permission", "has_object_permission"} & set(self.project.classes[name].methods))
        return tail.endswith(("Permission", "Permissions")) or tail.startswith(("Is", "Has", "Can"))

    def permission_kind(self, name: str) -> str:
        """public, authenticated, read-only-public, staff, model, object, custom."""
        if name in self._permission_memo:
            return self._permission_memo[name]
        self._permission_memo[name] = "custom"
        tail = name.rsplit(".", 1)[-1]
        result = "custom"
        if name == "?":
            result = "custom"
        elif tail in PERMISSION_KINDS and (name.startswith("rest_framework.") or name == tail):
            result = PERMISSION_KINDS[tail]
        elif name in self.project.classes:
            classes, external = self._mro(name)
            codes, overrides = self._class_code(classes)
            by_name = {c.name: c for c in codes}
            has_permission = by_name.get("has_permission")
            inherited = [PERMISSION_KINDS[b.rsplit(".", 1)[-1]] for b in external
                         if b.rsplit(".", 1)[-1] in PERMISSION_KINDS and b.rsplit(".", 1)[-1] != "BasePermission"]
            if has_permission is not None:
                if has_permission.returns_constant is True:
                    result = "object" if "has_object_permission" in overrides else "public"
                else:
                    result = "custom"
            elif inherited:
                result = inherited[0]
            elif "has_object_permission" in overrides:
                result = "object"
        self._permission_memo[name] = result
        return result

    def _kind(self, permissions: Permissions | None) -> str | None:
        """public when anonymous users pass every element, else the strictest element's kind."""
        if permissions is None:
            return None
        if not permissions.classes:
            return "public"
        kinds = [self._element_kind(element) for element in permissions.classes]
        if all(k == "public" for k in kinds):
            return "public"
        for kind in ("staff", "model", "custom", "authenticated", "read-only-public", "object"):
            if kind in kinds:
                return kind
        return "custom"

    def _element_kind(self, element: tuple[str, ...]) -> str:
        kinds = [self.permission_kind(name) for name in element] or ["public"]
        if all(k == "public" for k in kinds):
            return "public"
        return next(k for k in kinds if k != "public")

    def _has_object_permission(self, permissions: Permissions | None) -> bool:
        """Does an object-level permission class that looks at who is asking apply?

        A project ``has_object_permission`` that reads nothing of the request but its method (``return not
        obj.closed``) restricts the objects, not the users, and does not count.
        """
        if permissions is None:
            return False
        for name in permissions.names:
            if name in self.project.classes:
                codes, overrides = self._class_code(self._mro(name)[0])
                if "has_object_permission" in overrides:
                    code = next((c for c in codes if c.name == "has_object_permission"), None)
                    if code is None or self._checks_requester(code):
                        return True
                    continue
            if self.permission_kind(name) == "object" or name.rsplit(".", 1)[-1] == "DjangoObjectPermissions":
                return True
        return False

    def _checks_requester(self, code: ViewCode) -> bool:
        if code.returns_constant is True:
            return False
        if code.uses_user or code.auth_checks or code.request_attrs - {"method"}:
            return True
        function = self.project.functions.get(code.qualname)
        return function is None or any(self._c(call) in self.project.functions for call in function.calls)

    def _drf_evidence(self, permissions: Permissions, evidence: list[Evidence]) -> None:
        kind = self._kind(permissions)
        if kind in (None, "public", "object"):
            return
        mapped = {"staff": "staff", "model": "permission", "authenticated": "login", "custom": "drf",
                  "read-only-public": "login-write"}[kind]
        level = {"class": "class", "base": "base", "decorator": "decorator", "get_permissions": "method",
                 "settings": "settings"}.get(permissions.source, "default")
        evidence.insert(0, Evidence(mapped, ", ".join(n.rsplit(".", 1)[-1] for n in permissions.names), level,
                                    permissions.location))

    # ---------------------------------------------------------------- models
    def _models(self) -> dict[str, ModelInfo]:
        project = self.project
        found: dict[str, ModelInfo] = {}
        candidates = []
        for qualname, cls in project.classes.items():
            if qualname.endswith(".Meta"):
                continue
            classes, external = self._mro(qualname)
            tails = {b.rsplit(".", 1)[-1] for b in external}
            is_model = any(
                (b.rsplit(".", 1)[-1] in ("Model", "AbstractUser", "AbstractBaseUser", "PermissionsMixin")
                 and (b.startswith("django.") or b == "models.Model"))
                or (b.rsplit(".", 1)[-1].endswith("Model") and ".models." in b) for b in external
            )
            if not is_model:
                continue
            candidates.append((qualname, classes, tails))
        user_models = {q for q, _, tails in candidates if tails & USER_BASES}
        user_names = {q.rsplit(".", 1)[-1] for q in user_models}
        configured = setting_value(project, "AUTH_USER_MODEL")
        if isinstance(configured, str) and "." in configured:
            user_names.add(configured.rsplit(".", 1)[-1])
        for qualname, classes, tails in candidates:
            fields: list[FieldDecl] = []
            seen: set[str] = set()
            for cls in classes:
                decl = self.classes.get(cls)
                for item in decl.fields if decl else ():
                    if item.name not in seen:
                        seen.add(item.name)
                        fields.append(item)
            owners = []
            flags = []
            for item in fields:
                tail = item.callee.rsplit(".", 1)[-1]
                if tail in RELATION_FIELDS:
                    if tail == "ManyToManyField" and item.name not in MEMBER_FIELD_NAMES:
                        continue
                    if self._is_user_target(item.target, user_models, user_names):
                        owners.append(item.name)
                    elif item.name in OWNER_FIELD_NAMES and item.target is None:
                        owners.append(item.name)
                if item.name in PUBLIC_FLAGS or item.name == "visibility":
                    flags.append(item.name)
            found[qualname] = ModelInfo(
                qualname, tuple(fields), tuple(owners), tuple(flags), qualname in user_models or (
                    qualname.rsplit(".", 1)[-1] in user_names and bool(tails & USER_BASES)),
                project.classes[qualname].location,
            )
        return self._owner_paths(found)

    def _owner_paths(self, found: dict[str, ModelInfo]) -> dict[str, ModelInfo]:
        """Add ``account__owner``-style paths to models owned through a parent row (two hops at most).

        Parents that flag public content (a comment's published post) do not pass ownership on.
        """
        by_tail: dict[str, list[str]] = {}
        for qualname in found:
            by_tail.setdefault(qualname.rsplit(".", 1)[-1], []).append(qualname)
        paths: dict[str, tuple[str, ...]] = {q: i.owner_fields for q, i in found.items()
                                             if i.owner_fields and not i.public_flags}
        for _ in range(2):
            added: dict[str, tuple[str, ...]] = {}
            for qualname, info in found.items():
                if info.owner_fields or info.is_user_model or qualname in paths:
                    continue
                found_paths: list[str] = []
                for item in info.fields:
                    if item.callee.rsplit(".", 1)[-1] not in ("ForeignKey", "OneToOneField", "ParentalKey"):
                        continue
                    parent = self._model_target(item.target, qualname, found, by_tail)
                    if parent is None or parent == qualname or parent not in paths:
                        continue
                    found_paths.extend(f"{item.name}__{path}" for path in paths[parent])
                if found_paths:
                    added[qualname] = tuple(found_paths[:4])
            if not added:
                break
            paths.update(added)
        from dataclasses import replace

        return {q: (replace(i, owner_paths=paths[q]) if q in paths and not i.owner_fields else i)
                for q, i in found.items()}

    def _model_target(self, target: str | None, here: str, found: dict[str, ModelInfo],
                      by_tail: dict[str, list[str]]) -> str | None:
        """The project model a relation points to: a resolved name, ``"app.Model"``, ``"Model"`` or ``"self"``."""
        if not target:
            return None
        if target == "self":
            return here
        name = self._c(target)
        if name in found:
            return name
        candidates = by_tail.get(target.rsplit(".", 1)[-1], [])
        if len(candidates) == 1:
            return candidates[0]
        module = here.rsplit(".", 1)[0]
        local = [c for c in candidates if c.rsplit(".", 1)[0] == module]
        return local[0] if len(local) == 1 else None

    def _is_user_target(self, target: str | None, user_models: set[str], user_names: set[str]) -> bool:
        if not target:
            return False
        name = self._c(target)
        if name.endswith(("AUTH_USER_MODEL", "get_user_model()")) or name in (
                "django.contrib.auth.models.User", "auth.User", "auth.user") or name in user_models:
            return True
        if "." in target and not target.startswith(("django.", "self")) and target.count(".") == 1 \
                and target.rsplit(".", 1)[-1] in user_names:  # "accounts.User"
            return True
        variable = self.project.variables.get(name)
        if variable is not None and variable.call and variable.call.endswith("get_user_model"):
            return True
        return False


def _display(path: str | None) -> str | None:
    return path if path is None or path.startswith("/") else "/" + path
