"""Django, DRF and django-ninja facts declared in one module (URLconfs, routers, views, classes).

A pure function of one module's AST and binding table, run in worker processes and
cached: what the module's ``urlpatterns`` lists contain, which DRF routers and
ninja APIs it declares, and a summary of every function or method that may be a
view (decorators with their arguments, HTTP methods it tests, writes, permission
checks, object lookups by id, querysets). :mod:`secprofile.model.django_project`
links these across modules.

Modules that import nothing from ``django``, ``rest_framework`` or ``ninja`` get
``None`` without any walk.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator

from secprofile.model.module import iter_classes, iter_functions, module_literal_lookup
from secprofile.model.values import Evaluator, Literal
from secprofile.source.location import Location
from secprofile.source.names import ModuleNames

FRAMEWORK_PREFIXES = ("django", "rest_framework", "ninja", "ninja_extra")
HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
_URL_FUNCTIONS = frozenset({"path", "re_path", "url"})
# Calls that change stored state when made on a model, queryset, form or serializer.
WRITE_CALLS = frozenset(
    {"save", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create",
     "set_password", "perform_create", "perform_update", "perform_destroy", "add", "remove", "clear"}
)
_QUERYSET_HINTS = frozenset({"objects", "filter", "exclude", "all", "select_for_update", "_default_manager",
                             "select_related", "prefetch_related", "order_by", "get_queryset"})
_QUERY_METHODS = frozenset({"get", "filter", "exclude", "all", "first", "last", "get_or_create", "update", "delete",
                            "raw", "values", "values_list", "select_related", "prefetch_related", "order_by",
                            "select_for_update", "only", "defer", "distinct", "annotate", "in_bulk", "iterator",
                            "update_or_create", "exists", "count", "latest", "earliest", "none", "using"})
_LOCATED_ATTRIBUTES = frozenset({"permission_classes", "authentication_classes", "queryset", "model", "fields",
                                 "exclude", "http_method_names", "serializer_class", "read_only_fields"})
# Methods of view, viewset and permission classes worth summarising (besides any taking ``request``).
VIEW_METHODS = frozenset(
    {*HTTP_VERBS, "dispatch", "setup", "get_queryset", "get_object", "get_permissions", "has_permission",
     "has_object_permission", "form_valid", "test_func", "perform_create", "perform_update", "perform_destroy",
     "list", "retrieve", "create", "update", "partial_update", "destroy", "get_authenticators", "enforce_csrf",
     "initial", "check_permissions", "check_object_permissions", "authenticate", "filter_queryset", "delete"}
)
_REQUEST_ATTRS = frozenset({"POST", "GET", "FILES", "body", "data", "query_params", "COOKIES", "session", "META",
                            "headers", "content_type", "auth"})
_REQUEST_DATA = frozenset({"POST", "GET", "data", "query_params", "FILES"})
_SAFE_METHOD_NAMES = frozenset({"SAFE_METHODS"})
# Filters that select public content: ``published=True``, ``status="published"``.
PUBLIC_FLAGS = frozenset({"published", "is_published", "public", "is_public", "visible", "is_visible", "live",
                          "is_live", "approved", "is_approved", "listed", "is_listed"})
PUBLIC_VALUES = frozenset({"published", "public", "live", "active", "approved", "visible", "listed"})
_SIGNATURE_CALLS = frozenset(
    {"hmac.compare_digest", "hmac.new", "hmac.HMAC", "secrets.compare_digest",
     "django.utils.crypto.constant_time_compare", "django.utils.crypto.salted_hmac",
     "stripe.Webhook.construct_event", "stripe.WebhookSignature.verify_header", "django.core.signing.loads",
     "nacl.signing.VerifyKey"}
)
_SIGNATURE_NAMES = ("verify_signature", "verify_webhook", "construct_event", "validate_signature",
                    "check_signature", "verify_hmac", "validate_webhook", "is_valid_signature", "verify_request")
_HTML_RESPONSES = frozenset({"render", "render_to_response", "TemplateResponse", "HttpResponse",
                             "SimpleTemplateResponse", "render_to_string"})
_JSON_RESPONSES = frozenset({"JsonResponse", "Response"})
_FILE_RESPONSES = frozenset({"FileResponse", "StreamingHttpResponse"})
_REDIRECTS = frozenset({"redirect", "HttpResponseRedirect", "HttpResponsePermanentRedirect"})
# Fields that count reactions to a row: bumping them on someone else's row (a like, a view) is normal.
COUNTER_FIELD = re.compile(
    r"^(num_|n_|total_)?(view|like|hit|click|download|vote|upvote|downvote|share|star|read|impression|play|"
    r"favou?rite|rating|reaction|bookmark|follower|visit|clap|heart|report|flag|visitor|reader|fan)s?"
    r"(_count|_total|_num)?$", re.I,
)
# ``self.<method>(...)`` calls that never hand back a looked-up object (see ViewCode.delegated).
_NOT_DELEGATED = frozenset({
    "get_serializer", "get_serializer_class", "get_serializer_context", "check_object_permissions",
    "check_permissions", "paginate_queryset", "get_paginated_response", "perform_create", "perform_update",
    "perform_destroy", "get_success_url", "get_context_data", "render_to_response", "form_valid", "form_invalid",
    "get_form", "get_form_kwargs", "dispatch", "http_method_not_allowed", "permission_denied", "get_permissions",
    "get_authenticators", "initial", "finalize_response", "handle_exception", "get_template_names",
    "get_success_message", "get_throttles", "get_renderers", "get_parsers", "get_exception_handler",
})
# Methods of view classes that look objects up for the handlers (``self.get_invoice(pk)``).
_LOOKUP_HELPER = re.compile(r"^_*(get|fetch|load|find|lookup|retrieve)_\w+$")
_ALL_VERBS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Decorator:
    """A decorator (or a URLconf wrapper such as ``login_required(views.x)``) with its arguments.

    ``method_decorator(login_required, name="dispatch")`` is recorded as the decorator it
    wraps (``login_required``) with ``wrapped=True`` and ``method="dispatch"``.
    """

    name: str  # qualified name (resolved through imports), or the dotted text
    location: Location
    args: tuple[str, ...] = ()  # literal strings and resolved names of the arguments, lists flattened
    keywords: tuple[tuple[str, str], ...] = ()
    method: str = ""  # the method a class-level method_decorator applies to
    wrapped: bool = False  # applied through method_decorator
    called: bool = False  # ``@permission_classes([...])`` as opposed to ``@login_required``

    @property
    def tail(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Query:
    """A queryset expression or object lookup: ``get_object_or_404(Post, pk=pk)``, ``Order.objects.filter(...)``."""

    model: str | None  # qualified name of the model class the chain starts from
    kind: str  # get_object_or_404, get_list_or_404, get, filter, all, raw, update, delete ...
    location: Location
    fields: tuple[str, ...] = ()  # lookup keywords (pk, id, slug, author__username ...)
    filters: tuple[tuple[str, object], ...] = ()  # keyword → literal value (or None when not a literal)
    from_request: bool = False  # a lookup value comes from the URL (view parameter, self.kwargs) or request data
    user_scoped: bool = False  # some value, or the chain's root, refers to the requesting user
    public_filter: bool = False  # selects public content (published=True, status="published")
    private_filter: bool = False  # selects non-public content (published=False, status="draft")
    owner_checked: bool = False  # the object is later compared with the requesting user (or passed with it)
    written: bool = False  # the object (or the chain) is saved, deleted or updated
    variable: str | None = None  # the local name the result is assigned to
    unknown_base: bool = False  # the queryset comes from something unanalysable (a variable, self.get_queryset())
    exposed: bool = False  # the object reaches a response: returned, rendered, serialized or put in a context dict
    counter_only: bool = False  # written, but only by bumping counters (``views += 1``, ``update(likes=F(...) + 1)``)


@dataclass(frozen=True)
class ViewCode:
    """What a function or method body does, for functions that may be views or view helpers."""

    qualname: str
    name: str
    class_name: str | None
    location: Location
    header: Location
    params: tuple[str, ...]
    decorators: tuple[Decorator, ...] = ()
    method_checks: frozenset[str] = frozenset()  # HTTP methods compared with request.method
    reads: frozenset[str] = frozenset()  # request attributes read: POST, GET, data, FILES, body, session ...
    writes: tuple[str, ...] = ()  # state-changing calls, by method name
    auth_checks: frozenset[str] = frozenset()  # is_authenticated, is_staff, has_perm, permission_denied ...
    uses_user: bool = False
    verifies_signature: bool = False
    queries: tuple[Query, ...] = ()
    responses: frozenset[str] = frozenset()  # html, json, redirect, file
    returned: tuple[str, ...] = ()  # resolved names mentioned in return statements
    returns_constant: object = None  # ``return True`` → True (permission classes)
    calls_params: bool = False  # calls one of its own parameters (a decorator's wrapper calling the view)
    # ``self.<method>(...)`` calls (``self.get_object(pk)``), as queries with ``model=None`` and ``kind``
    # ``"self.<method>"``: what happens to their result (owner compared, written, exposed) as for lookups.
    delegated: tuple[Query, ...] = ()
    # For ``get_authenticators``-style methods: the HTTP methods for which it returns an empty list.
    empty_return_methods: tuple[str, ...] = ()
    counter_writes_only: bool = False  # every state change in the body only bumps counters
    request_attrs: frozenset[str] = frozenset()  # every attribute read off ``request``/``self.request``


@dataclass(frozen=True)
class FieldDecl:
    """A class-level ``name = SomeField(...)``: model fields, form and serializer fields."""

    name: str
    callee: str
    target: str | None = None  # relation target: a resolved name or a string ("auth.User")
    options: tuple[tuple[str, object], ...] = ()  # literal keyword values

    def option(self, key: str, default: object = None) -> object:
        for name, value in self.options:
            if name == key:
                return value
        return default


@dataclass(frozen=True)
class ActionDecl:
    """A viewset ``@action``: its HTTP methods and the view attributes it overrides for its route."""

    name: str
    methods: tuple[str, ...]
    location: Location  # the decorator
    detail: bool | None = None
    permission_classes: tuple[tuple[str, ...], ...] | None = None  # None: inherits the viewset's
    authentication_classes: tuple[tuple[str, ...], ...] | None = None


@dataclass(frozen=True)
class ClassDecl:
    """Django/DRF-relevant parts of a class body that :class:`ClassFacts` does not keep."""

    qualname: str
    location: Location
    decorators: tuple[Decorator, ...] = ()
    permission_classes: tuple[tuple[str, ...], ...] | None = None  # None: not set in this class body
    authentication_classes: tuple[tuple[str, ...], ...] | None = None
    http_method_names: tuple[str, ...] | None = None
    queryset: Query | None = None
    model: str | None = None
    fields: tuple[FieldDecl, ...] = ()
    actions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # viewset @action methods and their HTTP methods
    locations: tuple[tuple[str, Location], ...] = ()  # where permission_classes, queryset ... are assigned
    action_decls: tuple[ActionDecl, ...] = ()  # viewset @action methods with their overrides

    def where(self, attribute: str) -> Location | None:
        for name, location in self.locations:
            if name == attribute:
                return location
        return None

    @property
    def header(self) -> Location:
        return Location(self.location.path, self.location.line, self.location.column, self.location.line)


@dataclass(frozen=True)
class UrlEntry:
    """One element of a URL pattern list: a route to a view, or an include."""

    owner: str  # qualname of the list it belongs to (``app.urls.urlpatterns``)
    location: Location
    route: str | None  # the literal route; None when not a literal
    regex: bool = False
    view: str | None = None  # qualified function or class (``as_view()``)
    view_is_class: bool = False
    actions: tuple[tuple[str, str], ...] = ()  # ``ViewSet.as_view({"get": "list"})``
    initkwargs: tuple[str, ...] = ()
    include: str | None = None  # module name, pattern list qualname, or ``<symbol>.urls``
    include_kind: str = ""  # module (a string), name (an expression), list (an inline or named list)
    namespace: str | None = None
    name: str | None = None
    wrappers: tuple[Decorator, ...] = ()  # decorators applied in the URLconf
    debug_only: bool = False  # inside ``if settings.DEBUG:``


@dataclass(frozen=True)
class RouterDecl:
    """``DefaultRouter()``/``SimpleRouter()`` (kind ``drf``), ``NinjaAPI()`` (``ninja-api``), ninja ``Router()``."""

    symbol: str
    kind: str
    location: Location
    auth: str | None = None  # ninja ``auth=``: None unset, "None" explicit none, else the expression
    csrf: bool | None = None
    parent: str | None = None  # nested DRF routers: the parent router
    parent_prefix: str | None = None


@dataclass(frozen=True)
class Registration:
    """``router.register(r"posts", PostViewSet)``."""

    router: str
    prefix: str | None
    viewset: str
    location: Location
    basename: str | None = None


@dataclass(frozen=True)
class NinjaOperation:
    owner: str
    methods: tuple[str, ...]
    path: str | None
    handler: str
    location: Location
    auth: str | None = None


@dataclass(frozen=True)
class NinjaMount:
    parent: str
    child: str
    prefix: str | None
    location: Location
    auth: str | None = None


@dataclass(frozen=True)
class DjangoFacts:
    urls: tuple[UrlEntry, ...] = ()
    pattern_lists: tuple[str, ...] = ()  # qualnames of module-level URL pattern lists
    routers: tuple[RouterDecl, ...] = ()
    registrations: tuple[Registration, ...] = ()
    ninja_operations: tuple[NinjaOperation, ...] = ()
    ninja_mounts: tuple[NinjaMount, ...] = ()
    views: tuple[ViewCode, ...] = ()
    classes: tuple[ClassDecl, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.urls or self.routers or self.registrations or self.ninja_operations or self.views
                    or self.classes)


def uses_framework(names: ModuleNames) -> bool:
    """Does the module import anything from Django, DRF or django-ninja (cheap, no walk)?"""
    for value in names.bindings.values():
        head = value.split(".", 1)[0]
        if head in FRAMEWORK_PREFIXES:
            return True
    return False


def django_facts(tree: ast.Module, module: str, path: str, names: ModuleNames) -> DjangoFacts | None:
    if not uses_framework(names):
        return None
    try:
        return _Extractor(tree, module, path, names).run(tree)
    except RecursionError:
        return None


def _text(node: ast.AST | None, limit: int = 160) -> str:
    if node is None:
        return ""
    try:
        text = ast.unparse(node)
    except Exception:  # odd nodes never break extraction
        return ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _arg(call: ast.Call, index: int, name: str) -> ast.AST | None:
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return _keyword(call, name)


def _is_debug_test(test: ast.AST) -> bool:
    return any(isinstance(n, (ast.Name, ast.Attribute))
               and (getattr(n, "id", None) or getattr(n, "attr", None)) == "DEBUG" for n in ast.walk(test))


def _request_expr(node: ast.AST) -> bool:
    """``request`` or ``self.request``."""
    if isinstance(node, ast.Name):
        return node.id in ("request", "req")
    return isinstance(node, ast.Attribute) and node.attr == "request" and isinstance(node.value, ast.Name) \
        and node.value.id == "self"


class _Extractor:
    def __init__(self, tree: ast.Module, module: str, path: str, names: ModuleNames):
        self.tree = tree
        self.module = module
        self.path = path
        self.names = names
        self.evaluate = Evaluator(names, module_literal_lookup(tree, names))
        self.urls: list[UrlEntry] = []
        self.pattern_lists: list[str] = []
        self.routers: list[RouterDecl] = []
        self.registrations: list[Registration] = []
        self.operations: list[NinjaOperation] = []
        self.mounts: list[NinjaMount] = []
        self._inline = 0

    def run(self, tree: ast.Module) -> DjangoFacts:
        self._module_block(tree.body, debug=False)
        class_nodes = list(iter_classes(tree.body, self.module))
        # Lookup helpers (``def get_invoice(self, pk)``) are summarised in view-like classes only.
        helpers_in = {qualname for qualname, node in class_nodes if self._view_like(node)}
        views = []
        for qualname, node, class_name in iter_functions(tree.body, self.module):
            if (class_name is not None and (node.name in VIEW_METHODS or (
                    class_name in helpers_in and _LOOKUP_HELPER.match(node.name) and len(node.args.args) > 1))) \
                    or self._may_be_view_decorated(node) or any(
                    a.arg in ("request", "req") for a in node.args.args + node.args.posonlyargs):
                views.append(self._view_code(node, qualname, class_name))
                if class_name is None and node.decorator_list:
                    self._ninja_operation(node, qualname)
        classes = [self._class(node, qualname) for qualname, node in class_nodes]
        return DjangoFacts(
            urls=tuple(self.urls), pattern_lists=tuple(self.pattern_lists), routers=tuple(self.routers),
            registrations=tuple(self.registrations), ninja_operations=tuple(self.operations),
            ninja_mounts=tuple(self.mounts), views=tuple(views), classes=tuple(c for c in classes if c is not None),
        )

    # ------------------------------------------------------------------ module level: URLconfs and routers
    def _module_block(self, body: list[ast.stmt], debug: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.If):
                inner = debug or _is_debug_test(stmt.test)
                self._module_block(stmt.body, inner)
                self._module_block(stmt.orelse, debug)
            elif isinstance(stmt, (ast.Try, ast.With)) or type(stmt).__name__ == "TryStar":
                self._module_block(stmt.body, debug)
                for handler in getattr(stmt, "handlers", []):
                    self._module_block(handler.body, debug)
                self._module_block(getattr(stmt, "orelse", []), debug)
                self._module_block(getattr(stmt, "finalbody", []), debug)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        self._assignment(target.id, stmt.value, debug)
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) and isinstance(stmt.op, ast.Add):
                owner = f"{self.module}.{stmt.target.id}"
                if owner in self.pattern_lists or stmt.target.id == "urlpatterns":
                    self._pattern_value(stmt.value, owner, debug)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                self._module_call(stmt.value, debug)

    def _assignment(self, name: str, value: ast.AST, debug: bool) -> None:
        symbol = f"{self.module}.{name}"
        if isinstance(value, ast.Call):
            callee = self.names.resolve(value.func) or ""
            head = callee.split(".", 1)[0]
            tail = callee.rsplit(".", 1)[-1]
            if head in ("rest_framework", "rest_framework_nested") and tail.endswith("Router"):
                parent = None
                parent_prefix = None
                if tail.startswith("Nested") and value.args:
                    parent = self.names.resolve(value.args[0])
                    parent_prefix = _str(_arg(value, 1, "parent_prefix"))
                self.routers.append(RouterDecl(symbol, "drf", Location.of(self.path, value), parent=parent,
                                               parent_prefix=parent_prefix))
                return
            if head in ("ninja", "ninja_extra") and tail in ("NinjaAPI", "NinjaExtraAPI", "Router"):
                auth_node = _keyword(value, "auth")
                csrf_node = _keyword(value, "csrf")
                csrf = csrf_node.value if isinstance(csrf_node, ast.Constant) \
                    and isinstance(csrf_node.value, bool) else None
                kind = "ninja-router" if tail == "Router" else "ninja-api"
                self.routers.append(RouterDecl(symbol, kind, Location.of(self.path, value), self._auth_text(auth_node),
                                               csrf))
                return
        if name == "urlpatterns" or self._looks_like_patterns(value):
            if symbol not in self.pattern_lists:
                self.pattern_lists.append(symbol)
            self._pattern_value(value, symbol, debug)

    def _auth_text(self, node: ast.AST | None) -> str | None:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and node.value is None:
            return "None"
        if isinstance(node, (ast.List, ast.Tuple)):
            return ", ".join(self._ref_text(e) for e in node.elts) or "[]"
        return self._ref_text(node)

    def _ref_text(self, node: ast.AST) -> str:
        target = node.func if isinstance(node, ast.Call) else node
        return self.names.resolve(target) or _text(node)

    def _looks_like_patterns(self, value: ast.AST) -> bool:
        elements = self._pattern_elements(value)
        return bool(elements) and any(self._url_call(e) for e in elements)

    def _pattern_elements(self, value: ast.AST) -> list[ast.AST]:
        if isinstance(value, (ast.List, ast.Tuple)):
            return list(value.elts)
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
            return self._pattern_elements(value.left) + self._pattern_elements(value.right)
        if isinstance(value, ast.Call):
            tail = (self.names.resolve(value.func) or _text(value.func)).rsplit(".", 1)[-1]
            if tail in ("i18n_patterns", "patterns"):
                return [a for a in value.args if not isinstance(a, ast.Constant)]
            if tail == "format_suffix_patterns" and value.args:
                return self._pattern_elements(value.args[0])
        return []

    def _url_call(self, node: ast.AST) -> str | None:
        """``path``/``re_path``/``url`` when ``node`` calls one of them."""
        if not isinstance(node, ast.Call):
            return None
        callee = self.names.resolve(node.func)
        if callee is None:
            return node.func.id if isinstance(node.func, ast.Name) and node.func.id in _URL_FUNCTIONS else None
        tail = callee.rsplit(".", 1)[-1]
        if tail in _URL_FUNCTIONS and callee.startswith("django."):
            return tail
        return None

    def _pattern_value(self, value: ast.AST, owner: str, debug: bool) -> None:
        """Record the entries of a pattern-list expression (list, ``+``, ``i18n_patterns``, ``router.urls``)."""
        if isinstance(value, (ast.List, ast.Tuple)):
            for element in value.elts:
                self._pattern_element(element, owner, debug)
        elif isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
            self._pattern_value(value.left, owner, debug)
            self._pattern_value(value.right, owner, debug)
        elif isinstance(value, ast.Call):
            tail = (self.names.resolve(value.func) or _text(value.func)).rsplit(".", 1)[-1]
            if tail in ("i18n_patterns", "patterns"):
                for arg in value.args:
                    self._pattern_element(arg, owner, debug)
            elif tail == "format_suffix_patterns" and value.args:
                self._pattern_value(value.args[0], owner, debug)
            elif self._url_call(value):
                self._pattern_element(value, owner, debug)
        elif isinstance(value, (ast.Name, ast.Attribute)):
            self._include_entry(value, owner, "", value, debug)

    def _include_entry(self, node: ast.AST, owner: str, route: str | None, where: ast.AST, debug: bool,
                       regex: bool = False) -> None:
        target = self.names.resolve(node)
        if target is None:
            return
        kind = "list" if isinstance(node, ast.Name) else "name"
        self.urls.append(UrlEntry(owner, Location.of(self.path, where), route, regex, include=target,
                                  include_kind=kind, debug_only=debug))

    def _module_call(self, call: ast.Call, debug: bool) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        receiver = self.names.resolve(func.value)
        if receiver is None:
            return
        lists = self.pattern_lists + [f"{self.module}.urlpatterns"]
        if func.attr in ("append", "insert", "extend") and receiver in lists:
            values = call.args[1:] if func.attr == "insert" else call.args
            for value in values:
                if func.attr == "extend":
                    self._pattern_value(value, receiver, debug)
                else:
                    self._pattern_element(value, receiver, debug)
        elif func.attr == "register":
            prefix_node = _arg(call, 0, "prefix")
            viewset_node = _arg(call, 1, "viewset")
            if isinstance(prefix_node, ast.Constant) and isinstance(prefix_node.value, str) \
                    and isinstance(viewset_node, (ast.Name, ast.Attribute)):
                viewset = self.names.resolve(viewset_node)
                if viewset:
                    self.registrations.append(Registration(receiver, prefix_node.value, viewset,
                                                           Location.of(self.path, call),
                                                           _str(_arg(call, 2, "basename"))))
        elif func.attr == "add_router":
            prefix = _str(_arg(call, 0, "prefix"))
            child_node = _arg(call, 1, "router")
            child = _str(child_node) or (self.names.resolve(child_node) if child_node is not None else None)
            if child:
                self.mounts.append(NinjaMount(receiver, child, prefix, Location.of(self.path, call),
                                              self._auth_text(_keyword(call, "auth"))))

    def _pattern_element(self, element: ast.AST, owner: str, debug: bool) -> None:
        if isinstance(element, ast.Starred):
            self._pattern_value(element.value, owner, debug)
            return
        kind = self._url_call(element)
        if kind is None:
            if isinstance(element, ast.Call):
                self._pattern_value(element, owner, debug)
            return
        assert isinstance(element, ast.Call)
        route_node = _arg(element, 0, "route") if kind == "path" else \
            _arg(element, 0, "regex") or _arg(element, 0, "route")
        route = None
        if route_node is not None:
            value = self.evaluate(route_node)
            route = value.value if isinstance(value, Literal) and isinstance(value.value, str) else None
        view_node = _arg(element, 1, "view")
        name = _str(_keyword(element, "name")) or _str(element.args[3] if len(element.args) > 3 else None)
        location = Location.of(self.path, element)
        regex = kind != "path"
        if view_node is None:
            return
        wrappers: list[Decorator] = []
        node = view_node
        for _ in range(8):  # peel URLconf-level decorators: login_required(csrf_exempt(views.x))
            peeled = self._peel_wrapper(node)
            if peeled is None:
                break
            decorator, node = peeled
            wrappers.append(decorator)
        include = self._include_target(node, owner, debug)
        if include is not None:
            target, include_kind, namespace = include
            self.urls.append(UrlEntry(owner, location, route, regex, include=target, include_kind=include_kind,
                                      namespace=namespace, name=name, wrappers=tuple(wrappers), debug_only=debug))
            return
        view, is_class, actions, initkwargs = self._view_target(node)
        self.urls.append(UrlEntry(owner, location, route, regex, view=view, view_is_class=is_class, actions=actions,
                                  initkwargs=initkwargs, name=name, wrappers=tuple(wrappers), debug_only=debug))

    def _peel_wrapper(self, node: ast.AST) -> tuple[Decorator, ast.AST] | None:
        """``login_required(x)`` → (login_required, x); ``permission_required("p")(x)`` likewise."""
        if not isinstance(node, ast.Call) or not node.args:
            return None
        if isinstance(node.func, ast.Attribute) and node.func.attr == "as_view":
            return None
        callee_node = node.func
        args: tuple[str, ...] = ()
        keywords = node.keywords
        called = False
        if isinstance(callee_node, ast.Call):  # permission_required("x")(view)
            args = self._flat_args(callee_node.args)
            keywords = callee_node.keywords
            callee_node = callee_node.func
            called = True
        name = self.names.resolve(callee_node) or _text(callee_node)
        if name.rsplit(".", 1)[-1] in ("include", "path", "re_path", "url"):
            return None
        inner = node.args[0]
        if not isinstance(inner, (ast.Name, ast.Attribute, ast.Call)):
            return None
        decorator = Decorator(name, Location.of(self.path, node), args,
                              tuple((k.arg, _text(k.value)) for k in keywords if k.arg), called=called)
        return decorator, inner

    def _include_target(self, node: ast.AST, owner: str, debug: bool) -> tuple[str, str, str | None] | None:
        if isinstance(node, ast.Call):
            callee = self.names.resolve(node.func) or _text(node.func)
            if callee.rsplit(".", 1)[-1] != "include":
                return None
            namespace = _str(_keyword(node, "namespace"))
            target = _arg(node, 0, "arg")
            if isinstance(target, ast.Tuple) and target.elts:
                if len(target.elts) > 1 and namespace is None:
                    namespace = _str(target.elts[-1])
                target = target.elts[0]
            if target is None:
                return None
            text = _str(target)
            if text is not None:
                return text, "module", namespace
            if isinstance(target, (ast.List, ast.BinOp)) or (isinstance(target, ast.Call) and not (
                    isinstance(target.func, ast.Attribute) and target.func.attr == "get_urls")):
                self._inline += 1
                inline = f"{owner}#{self._inline}"
                self._pattern_value(target, inline, debug)
                return inline, "list", namespace
            resolved = self.names.resolve(target.func if isinstance(target, ast.Call) else target)
            if resolved:
                return resolved, "name", namespace
            return None
        if isinstance(node, ast.Attribute) and node.attr == "urls":
            resolved = self.names.resolve(node)
            if resolved:
                return resolved, "name", None
        if isinstance(node, ast.Tuple) and node.elts:  # admin.site.urls as (patterns, app, namespace)
            return self._include_target(node.elts[0], owner, debug)
        return None

    def _view_target(self, node: ast.AST) -> tuple[str | None, bool, tuple[tuple[str, str], ...], tuple[str, ...]]:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "as_view":
            cls = self.names.resolve(node.func.value)
            actions: list[tuple[str, str]] = []
            mapping = _arg(node, 0, "actions")
            if isinstance(mapping, ast.Dict):
                for key, value in zip(mapping.keys, mapping.values):
                    if _str(key) and _str(value):
                        actions.append((_str(key).upper(), _str(value)))  # type: ignore[union-attr]
            return cls, True, tuple(actions), tuple(k.arg for k in node.keywords if k.arg)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self.names.resolve(node), False, (), ()
        return None, False, (), ()

    def _flat_args(self, args: list[ast.AST]) -> tuple[str, ...]:
        result: list[str] = []
        for arg in args:
            result.extend(self._flat(arg))
        return tuple(result)

    def _flat(self, node: ast.AST) -> list[str]:
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [item for element in node.elts for item in self._flat(element)]
        if isinstance(node, ast.Constant):
            return [str(node.value)]
        if isinstance(node, (ast.Name, ast.Attribute)):
            return [self.names.resolve(node) or _text(node)]
        if isinstance(node, ast.Call):
            return [self.names.resolve(node.func) or _text(node.func)]
        if isinstance(node, ast.BinOp):  # IsAuthenticated | IsAdminUser
            return self._flat(node.left) + self._flat(node.right)
        if isinstance(node, ast.BoolOp):
            return [item for value in node.values for item in self._flat(value)]
        if isinstance(node, ast.UnaryOp):
            return self._flat(node.operand)
        return [_text(node)]

    # ------------------------------------------------------------------ decorators
    def _decorators(self, nodes: list[ast.expr], on_class: bool) -> tuple[Decorator, ...]:
        result: list[Decorator] = []
        for node in nodes:
            location = Location.of(self.path, node)
            target = node.func if isinstance(node, ast.Call) else node
            name = self.names.resolve(target) or _text(target)
            if isinstance(node, ast.Call) and name.rsplit(".", 1)[-1] == "method_decorator":
                method = _str(_keyword(node, "name")) or ("dispatch" if on_class else "")
                inner = _arg(node, 0, "decorator")
                inner_nodes = list(inner.elts) if isinstance(inner, (ast.List, ast.Tuple)) else [inner] if inner else []
                for item in inner_nodes:
                    item_target = item.func if isinstance(item, ast.Call) else item
                    item_name = self.names.resolve(item_target) or _text(item_target)
                    args = self._flat_args(item.args) if isinstance(item, ast.Call) else ()
                    keywords = tuple((k.arg, _text(k.value)) for k in item.keywords if k.arg) \
                        if isinstance(item, ast.Call) else ()
                    result.append(Decorator(item_name, location, args, keywords, method=method, wrapped=True,
                                            called=isinstance(item, ast.Call)))
                continue
            if isinstance(node, ast.Call):
                result.append(Decorator(name, location, self._flat_args(node.args),
                                        tuple((k.arg, _text(k.value)) for k in node.keywords if k.arg), called=True))
            else:
                result.append(Decorator(name, location))
        return tuple(result)

    # ------------------------------------------------------------------ ninja operations
    def _ninja_operation(self, node, qualname: str) -> None:
        if not any(v.split(".", 1)[0] in ("ninja", "ninja_extra") for v in self.names.bindings.values()):
            return
        for decorator in node.decorator_list:
            if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
                continue
            verb = decorator.func.attr
            owner = self.names.resolve(decorator.func.value)
            if owner is None:
                continue
            if verb in HTTP_VERBS:
                methods: tuple[str, ...] = (verb.upper(),)
                path_node = _arg(decorator, 0, "path")
            elif verb == "api_operation":
                methods = tuple(m.upper() for m in self._flat(_arg(decorator, 0, "methods") or ast.List(elts=[])))
                path_node = _arg(decorator, 1, "path")
            else:
                continue
            first = node.decorator_list[0]
            header_end = node.body[0].lineno - 1 if node.body else node.lineno
            header = Location(self.path, first.lineno, node.col_offset + 1, max(node.lineno, header_end))
            auth_node = _keyword(decorator, "auth")
            self.operations.append(NinjaOperation(owner, methods, _str(path_node), qualname, header,
                                                  self._auth_text(auth_node)))

    # ------------------------------------------------------------------ classes
    def _class(self, node: ast.ClassDef, qualname: str) -> ClassDecl | None:
        permission = authentication = None
        methods = None
        queryset = None
        model = None
        fields: list[FieldDecl] = []
        locations: list[tuple[str, Location]] = []
        for stmt in node.body:
            if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None:
                continue
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if not isinstance(target, ast.Name):
                    continue
                name, value = target.id, stmt.value
                if name in _LOCATED_ATTRIBUTES:
                    locations.append((name, Location.of(self.path, stmt)))
                if name == "permission_classes":
                    permission = self._class_list(value)
                elif name == "authentication_classes":
                    authentication = self._class_list(value)
                elif name == "http_method_names":
                    if isinstance(value, (ast.List, ast.Tuple)):
                        methods = tuple(s.upper() for s in (_str(e) for e in value.elts) if s)
                elif name == "queryset":
                    queryset = self._query_of(value, {}, frozenset(), frozenset())
                elif name == "model" and isinstance(value, (ast.Name, ast.Attribute)):
                    model = self.names.resolve(value)
                elif isinstance(value, ast.Call):
                    field = self._field(name, value)
                    if field is not None:
                        fields.append(field)
        actions = []
        action_decls = []
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in stmt.decorator_list:
                    callee = self.names.resolve(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
                    tail = callee.rsplit(".", 1)[-1]
                    if tail in ("action", "detail_route", "list_route") and callee.startswith("rest_framework"):
                        verbs: tuple[str, ...] = ("GET",)
                        detail = True if tail == "detail_route" else False if tail == "list_route" else None
                        overrides: dict[str, tuple[tuple[str, ...], ...] | None] = {}
                        if isinstance(decorator, ast.Call):
                            methods_node = _keyword(decorator, "methods")
                            if methods_node is not None:
                                verbs = tuple(m.upper() for m in self._flat(methods_node))
                            detail_node = _keyword(decorator, "detail")
                            if isinstance(detail_node, ast.Constant) and isinstance(detail_node.value, bool):
                                detail = detail_node.value
                            for attribute in ("permission_classes", "authentication_classes"):
                                value = _keyword(decorator, attribute)
                                if value is not None:
                                    overrides[attribute] = self._class_list(value)
                        actions.append((stmt.name, verbs))
                        action_decls.append(ActionDecl(
                            stmt.name, verbs, Location.of(self.path, decorator), detail,
                            overrides.get("permission_classes"), overrides.get("authentication_classes"),
                        ))
                    elif isinstance(decorator, ast.Attribute) and isinstance(decorator.value, ast.Attribute) \
                            and decorator.value.attr == "mapping" and decorator.attr in HTTP_VERBS:
                        actions.append((stmt.name, (decorator.attr.upper(),)))
        decorators = self._decorators(node.decorator_list, on_class=True)
        if not (decorators or permission is not None or authentication is not None or methods is not None
                or queryset is not None or model is not None or fields or actions or locations):
            return None
        return ClassDecl(qualname, Location.of(self.path, node), decorators, permission, authentication, methods,
                         queryset, model, tuple(fields), tuple(actions), tuple(locations), tuple(action_decls))

    def _view_like(self, node: ast.ClassDef) -> bool:
        """A class whose bases look like views or view mixins (``APIView``, ``LoginRequiredMixin``)."""
        for base in node.bases:
            target = base.func if isinstance(base, ast.Call) else base
            name = self.names.resolve(target) or _text(target)
            if name.rsplit(".", 1)[-1].endswith(("View", "ViewSet", "APIView", "Mixin")):
                return True
        return False

    def _class_list(self, node: ast.AST) -> tuple[tuple[str, ...], ...] | None:
        if isinstance(node, (ast.List, ast.Tuple)):
            return tuple(tuple(self._flat(element)) for element in node.elts)
        resolved = self.names.resolve(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if resolved and ".api_settings." in resolved:
            return None  # explicitly the settings default
        return (("?",),)

    def _field(self, name: str, call: ast.Call) -> FieldDecl | None:
        callee = self.names.resolve(call.func) or _text(call.func)
        if not callee or callee.startswith("builtins."):
            return None
        target = None
        target_node = _arg(call, 0, "to")
        if target_node is not None:
            if isinstance(target_node, ast.Constant) and isinstance(target_node.value, str):
                target = target_node.value
            elif isinstance(target_node, ast.Call):
                target = (self.names.resolve(target_node.func) or _text(target_node.func)) + "()"
            elif isinstance(target_node, (ast.Name, ast.Attribute)):
                target = self.names.resolve(target_node) or _text(target_node)
        options = []
        for keyword in call.keywords:
            if keyword.arg and isinstance(keyword.value, ast.Constant):
                options.append((keyword.arg, keyword.value.value))
            elif keyword.arg:
                options.append((keyword.arg, _text(keyword.value, 60)))
        return FieldDecl(name, callee, target, tuple(options))

    # ------------------------------------------------------------------ function bodies
    def _may_be_view_decorated(self, node) -> bool:
        """Decorated, and not only by decorators that never make a view (properties, caches, tags)."""
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = self.names.resolve(target) or _text(target)
            if name.rsplit(".", 1)[-1] not in _NEVER_VIEW_DECORATORS:
                return True
        return False

    def _view_code(self, node, qualname: str, class_name: str | None) -> ViewCode:
        params = tuple(a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs)
        if node.args.vararg:
            params += (node.args.vararg.arg,)
        if node.args.kwarg:
            params += (node.args.kwarg.arg,)
        first = node.decorator_list[0] if node.decorator_list else node
        header_end = node.body[0].lineno - 1 if node.body else node.lineno
        header = Location(self.path, first.lineno, node.col_offset + 1, max(node.lineno, header_end))
        body = _Body(self, node, params)
        return ViewCode(
            qualname=qualname, name=node.name, class_name=class_name, location=Location.of(self.path, node),
            header=header, params=params, decorators=self._decorators(node.decorator_list, on_class=False),
            method_checks=frozenset(body.methods), reads=frozenset(body.reads), writes=tuple(sorted(body.writes)),
            auth_checks=frozenset(body.auth), uses_user=body.uses_user, verifies_signature=body.signature,
            queries=tuple(body.queries), responses=frozenset(body.responses), returned=tuple(sorted(body.returned)),
            returns_constant=body.returns_constant, calls_params=body.calls_params,
            delegated=tuple(body.delegated), counter_writes_only=body.counter_writes_only,
            empty_return_methods=_empty_return_methods(node) if node.name == "get_authenticators" else (),
            request_attrs=frozenset(body.request_attrs),
        )

    def _query_of(self, node: ast.AST, assigned: dict[str, ast.AST], user_names: frozenset[str],
                  data_names: frozenset[str], params: tuple[str, ...] = ()) -> Query | None:
        """A queryset chain rooted at ``Model.objects`` (or ``Model._default_manager``), or None."""
        chain = _chain(node)
        if chain is None:
            return None
        root, links = chain
        names = [attr for attr, _ in links]
        if not any(n in ("objects", "_default_manager", "_base_manager") for n in names) and not (
                isinstance(root, ast.Attribute) and root.attr in ("objects", "_default_manager")):
            if not (_mentions_user(root, user_names) and names and names[-1] in _QUERY_METHODS):
                return None
        model = None
        if isinstance(root, (ast.Name, ast.Attribute)) and not _mentions_user(root, user_names):
            model = self.names.resolve(root)
            if model is None or model.startswith("builtins."):
                return None
        return self._query_facts(node, model, links, root, user_names, data_names, params, kind=names[-1])

    def _query_facts(self, node, model, links, root, user_names, data_names, params, kind) -> Query:
        fields: list[str] = []
        filters: list[tuple[str, object]] = []
        from_request = user_scoped = public = private = False
        if root is not None and _mentions_user(root, user_names):
            user_scoped = True
        for attr, call in links:
            if call is None:
                if attr in PUBLIC_VALUES or attr in PUBLIC_FLAGS:  # Post.published.get(...): a custom manager
                    public = True
                continue
            if attr == "update":
                continue  # the new values, not a lookup: ``.update(handled_by=request.user)`` scopes nothing
            keywords = [k for k in call.keywords if k.arg not in ("defaults", "create_defaults")]
            values = list(call.args) + [k.value for k in keywords]
            for keyword in keywords:
                if keyword.arg is None:
                    if _from_request(keyword.value, params, user_names, data_names):
                        from_request = True
                    continue
                fields.append(keyword.arg)
                literal = keyword.value.value if isinstance(keyword.value, ast.Constant) else None
                filters.append((keyword.arg, literal))
                flag = keyword.arg.split("__", 1)[0]
                if flag in PUBLIC_FLAGS or flag in ("status", "visibility", "state"):
                    if literal is True or (isinstance(literal, str) and literal.lower() in PUBLIC_VALUES):
                        public = True
                    elif literal is False or (isinstance(literal, str) and literal.lower() in ("draft", "private",
                                                                                              "hidden", "unpublished")):
                        private = True
            for value in values:
                if _mentions_user(value, user_names):
                    user_scoped = True
                if _from_request(value, params, user_names, data_names):
                    from_request = True
        return Query(model, kind, Location.of(self.path, node), tuple(fields), tuple(filters), from_request,
                     user_scoped, public, private)


def _chain(node: ast.AST) -> tuple[ast.AST, list[tuple[str, ast.Call | None]]] | None:
    """``Post.objects.filter(a=1).get(pk=2)`` → (``Post``, [(objects, None), (filter, call), (get, call)])."""
    links: list[tuple[str, ast.Call | None]] = []
    current = node
    for _ in range(40):
        if _user_attr(current):
            break
        if isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
            links.append((current.func.attr, current))
            current = current.func.value
        elif isinstance(current, ast.Attribute):
            if current.attr in ("objects", "_default_manager", "_base_manager") or links:
                links.append((current.attr, None))
                current = current.value
            else:
                break
        else:
            break
    if not links:
        return None
    links.reverse()
    return current, links


def _user_attr(node: ast.AST) -> bool:
    """``request.user``, ``self.request.user``, ``request.auth``."""
    return isinstance(node, ast.Attribute) and node.attr in ("user", "auth") and _request_expr(node.value)


def _mentions_user(node: ast.AST | None, user_names: frozenset[str] | set[str]) -> bool:
    if node is None:
        return False
    for child in ast.walk(node):
        if _user_attr(child):
            return True
        if isinstance(child, ast.Name) and child.id in user_names:
            return True
    return False


def _from_request(node: ast.AST, params: tuple[str, ...], user_names, data_names) -> bool:
    """A value from the URL (a view parameter, ``self.kwargs[...]``) or from request data."""
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and child.id in params and child.id not in ("self", "request", "req", "cls") \
                and child.id not in user_names:
            return True
        if isinstance(child, ast.Name) and child.id in data_names:
            return True
        if isinstance(child, ast.Attribute) and child.attr == "kwargs" and isinstance(child.value, ast.Name) \
                and child.value.id == "self":
            return True
        if isinstance(child, ast.Attribute) and child.attr in _REQUEST_DATA and _request_expr(child.value):
            return True
    return False


# Decorators that never turn a function into a view: skipping them keeps library code cheap.
_NEVER_VIEW_DECORATORS = frozenset({
    "property", "cached_property", "classmethod", "staticmethod", "setter", "getter", "deleter", "wraps",
    "lru_cache", "cache", "abstractmethod", "overload", "override", "contextmanager", "asynccontextmanager",
    "filter", "simple_tag", "inclusion_tag", "tag", "register", "receiver", "total_ordering", "deconstructible",
    "keep_lazy", "keep_lazy_text", "dataclass", "singledispatch", "singledispatchmethod", "fixture",
})


class _Body:
    """One pass over a function body collecting the facts a :class:`ViewCode` keeps."""

    def __init__(self, extractor: _Extractor, node, params: tuple[str, ...]):
        self.x = extractor
        self.params = params
        self.methods: set[str] = set()
        self.reads: set[str] = set()
        self.writes: set[str] = set()
        self.auth: set[str] = set()
        self.uses_user = False
        self.signature = False
        self.queries: list[Query] = []
        self.responses: set[str] = set()
        self.returned: set[str] = set()
        self.returns_constant: object = None
        self.calls_params = False
        self.delegated: list[Query] = []
        self.request_attrs: set[str] = set()
        self.counter_writes_only = False
        self._nodes: dict[int, ast.Call] = {}  # id(query) → its call, while the body is analysed
        self._write_calls: list[tuple[str, ast.Call]] = []
        self._run(node)
        self._nodes = {}

    def _run(self, node) -> None:
        names = self.x.names
        statements = node.body
        assigned: dict[str, ast.AST] = {}
        user_names: set[str] = set()
        data_names: set[str] = set()
        everything = [n for stmt in statements for n in ast.walk(stmt)]
        for child in everything:  # names bound to the user or to request data
            if isinstance(child, ast.Assign) and len(child.targets) == 1 and isinstance(child.targets[0], ast.Name):
                target = child.targets[0].id
                assigned[target] = child.value
                if _user_attr(child.value) or (isinstance(child.value, ast.Call) and _user_attr(child.value.func)):
                    user_names.add(target)
                elif any(isinstance(n, ast.Attribute) and n.attr in _REQUEST_DATA and _request_expr(n.value)
                         for n in ast.walk(child.value)) or (
                        isinstance(child.value, ast.Subscript) and isinstance(child.value.value, ast.Attribute)
                        and child.value.value.attr == "kwargs"):
                    data_names.add(target)
        frozen_users = frozenset(user_names)
        frozen_data = frozenset(data_names)
        returns = [n for n in everything if isinstance(n, ast.Return)]
        if len(returns) == 1 and isinstance(returns[0].value, ast.Constant):
            self.returns_constant = returns[0].value.value
        for ret in returns:
            for inner in ast.walk(ret.value) if ret.value is not None else ():
                if isinstance(inner, (ast.Name, ast.Attribute)):
                    resolved = names.resolve(inner)
                    if resolved and not resolved.startswith("builtins."):
                        self.returned.add(resolved)
        seen: set[int] = set()
        variables: dict[int, str] = {}
        for child in everything:
            if isinstance(child, ast.Assign) and len(child.targets) == 1 and isinstance(child.targets[0], ast.Name):
                variables[id(child.value)] = child.targets[0].id
            if isinstance(child, ast.Attribute):
                if isinstance(child.ctx, ast.Load) and _request_expr(child.value):
                    self.request_attrs.add(child.attr)
                if _user_attr(child):
                    self.uses_user = True
                elif child.attr in _REQUEST_ATTRS and _request_expr(child.value):
                    self.reads.add(child.attr)
                elif child.attr in ("is_authenticated", "is_anonymous") and isinstance(child.ctx, ast.Load):
                    self.auth.add("is_authenticated")
                elif child.attr in ("is_staff", "is_superuser") and isinstance(child.ctx, ast.Load):
                    self.auth.add(child.attr)
            elif isinstance(child, ast.Name) and child.id in frozen_users:
                self.uses_user = True
            elif isinstance(child, ast.Compare):
                self._compare(child)
            elif isinstance(child, ast.Raise) and child.exc is not None:
                target = child.exc.func if isinstance(child.exc, ast.Call) else child.exc
                tail = (names.resolve(target) or _text(target)).rsplit(".", 1)[-1]
                if tail in ("PermissionDenied", "NotAuthenticated", "AuthenticationFailed"):
                    self.auth.add("permission_denied")
            elif isinstance(child, ast.Call):
                self._call(child, names)
                if id(child) not in seen:
                    self._maybe_query(child, assigned, frozen_users, frozen_data, seen, variables)
        self._post_process(everything, frozen_users)

    def _compare(self, node: ast.Compare) -> None:
        sides = [node.left, *node.comparators]
        if not any(isinstance(s, ast.Attribute) and s.attr == "method" and _request_expr(s.value) for s in sides):
            return
        for side in sides:
            if isinstance(side, ast.Constant) and isinstance(side.value, str):
                self.methods.add(side.value.upper())
            elif isinstance(side, (ast.Tuple, ast.List, ast.Set)):
                self.methods.update(e.value.upper() for e in side.elts
                                    if isinstance(e, ast.Constant) and isinstance(e.value, str))
            elif isinstance(side, (ast.Name, ast.Attribute)) and \
                    (getattr(side, "id", None) or getattr(side, "attr", "")) in _SAFE_METHOD_NAMES:
                self.methods.update(("GET", "HEAD", "OPTIONS"))

    def _call(self, call: ast.Call, names: ModuleNames) -> None:
        func = call.func
        resolved = names.resolve(func)
        tail = (resolved or (func.attr if isinstance(func, ast.Attribute) else "")).rsplit(".", 1)[-1]
        if isinstance(func, ast.Name) and func.id in self.params:
            self.calls_params = True
        if resolved in _SIGNATURE_CALLS or any(n in tail for n in _SIGNATURE_NAMES):
            self.signature = True
        if tail in ("has_perm", "has_perms", "has_module_perms", "check_object_permissions", "check_permissions",
                    "handle_no_permission", "permission_denied"):
            self.auth.add("has_perm" if tail.startswith("has_") else "permission_denied")
        elif tail in ("redirect_to_login", "HttpResponseForbidden", "login_required", "user_passes_test",
                      "permission_required", "staff_member_required"):
            self.auth.add(tail)
        if tail in _HTML_RESPONSES or tail == "render_to_response":
            self.responses.add("html")
        elif tail in _JSON_RESPONSES:
            self.responses.add("json")
        elif tail in _FILE_RESPONSES:
            self.responses.add("file")
        elif tail in _REDIRECTS:
            self.responses.add("redirect")
        if isinstance(func, ast.Attribute):
            attr = func.attr
            receiver = func.value
            if attr in WRITE_CALLS:
                if attr in ("add", "remove", "clear") and not _looks_related_manager(receiver):
                    return
                if attr in ("save", "delete") and _is_session(receiver):
                    return
                if attr == "create" and isinstance(receiver, ast.Name) and receiver.id in ("dict", "set", "list"):
                    return
                self.writes.add(attr)
                self._write_calls.append((attr, call))
            elif attr == "update" and _looks_like_queryset(receiver):
                self.writes.add("update")
                self._write_calls.append((attr, call))
            elif attr in ("execute", "executemany") and call.args:
                sql = call.args[0]
                text = sql.value if isinstance(sql, ast.Constant) and isinstance(sql.value, str) else _text(sql)
                if text.lstrip("\"'f( ").upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE")):
                    self.writes.add("sql")

    def _maybe_query(self, call: ast.Call, assigned, users, data, seen: set[int], variables: dict[int, str]) -> None:
        names = self.x.names
        resolved = names.resolve(call.func) or ""
        tail = resolved.rsplit(".", 1)[-1]
        query: Query | None = None
        if tail in ("get_object_or_404", "get_list_or_404") and call.args:
            base = call.args[0]
            inner = self.x._query_of(base, assigned, users, data, self.params) if isinstance(base, ast.Call) else None
            if isinstance(base, ast.Name) and base.id in assigned:
                inner = self.x._query_of(assigned[base.id], assigned, users, data, self.params)
            model = inner.model if inner else None
            if inner is None and isinstance(base, (ast.Name, ast.Attribute)) and not _mentions_user(base, users) \
                    and not (isinstance(base, ast.Name) and base.id in assigned):
                model = names.resolve(base)
            unknown_base = inner is None and model is None and not _mentions_user(base, users)
            links = [(tail, ast.Call(func=call.func, args=list(call.args[1:]), keywords=call.keywords))]
            query = self.x._query_facts(call, model, links, None, users, data, self.params, tail)
            if inner is not None:
                query = _merge(query, inner)
            elif _mentions_user(base, users):
                query = _replace(query, user_scoped=True)
            if unknown_base:
                query = _replace(query, unknown_base=True)
            for node in ast.walk(base):
                seen.add(id(node))
        elif isinstance(call.func, ast.Attribute) and call.func.attr in _QUERY_METHODS:
            query = self.x._query_of(call, assigned, users, data, self.params)
            if query is not None:
                for node in ast.walk(call):
                    seen.add(id(node))
        if query is None:
            func = call.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self" \
                    and func.attr not in _NOT_DELEGATED and _LOOKUP_HELPER.match(func.attr):
                values = list(call.args) + [k.value for k in call.keywords]
                delegated = Query(
                    None, f"self.{func.attr}", Location.of(self.x.path, call),
                    from_request=any(_from_request(v, self.params, users, data) for v in values),
                    user_scoped=any(_mentions_user(v, users) for v in values), variable=variables.get(id(call)),
                )
                self.delegated.append(delegated)
                self._nodes[id(delegated)] = call
            return
        variable = variables.get(id(call))
        written = query.kind in ("update", "delete", "update_or_create", "get_or_create")
        query = _replace(query, variable=variable, written=written)
        self.queries.append(query)
        self._nodes[id(query)] = call

    def _post_process(self, everything: list[ast.AST], users: frozenset[str]) -> None:
        """Per lookup variable: is it written, or compared with the requesting user later?"""
        if self.queries or self.delegated:
            # only these node types matter below: a smaller list to scan once per lookup
            everything = [n for n in everything if type(n) in _SETTLE_TYPES]
            exposing: list[set[int]] = []
            fresh: dict[int, ast.Call] = {}
            settled = []
            for query in self.queries:
                node = self._nodes.get(id(query))
                query = self._settle(query, everything, users, exposing)
                if node is not None:
                    fresh[id(query)] = node
                settled.append(query)
            self.delegated = [self._settle(q, everything, users, exposing) for q in self.delegated]
            self.queries = settled
            self._nodes = fresh
        self.counter_writes_only = self._only_counters()

    def _settle(self, query: Query, everything: list[ast.AST], users: frozenset[str],
                exposing: list[set[int]]) -> Query:
        name = query.variable
        node = self._nodes.get(id(query))
        written = query.written
        checked = query.owner_checked
        counter = written and query.kind == "update" and node is not None and _bumps_counters(node, self.x.names)
        bumped = counter
        exposed = name is not None and self._exposed(name, everything)
        if name is None and node is not None:
            if not exposing:
                exposing.append(self._exposing_nodes(everything))
            exposed = id(node) in exposing[0]
        if name:
            counter = True  # until a write that is not a counter bump shows up
            for child in everything:
                if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                    receiver = child.func.value
                    if isinstance(receiver, ast.Name) and receiver.id == name and child.func.attr in (
                            "save", "delete", "update", "soft_delete", "archive"):
                        written = True
                        if child.func.attr != "save":
                            counter = False
                        else:
                            fields = _update_fields(child)
                            if fields is not None:
                                if fields and all(COUNTER_FIELD.match(f) for f in fields):
                                    bumped = True
                                else:
                                    counter = False
                    uses_var = any(isinstance(a, ast.Name) and a.id == name for a in child.args) or any(
                        isinstance(k.value, ast.Name) and k.value.id == name for k in child.keywords)
                    if uses_var and (any(_mentions_user(a, users) for a in child.args)
                                     or any(_mentions_user(k.value, users) for k in child.keywords)
                                     or _mentions_user(child.func, users)
                                     or child.func.attr in ("check_object_permissions", "has_object_permission")):
                        checked = True
                    if isinstance(receiver, ast.Name) and receiver.id == name and any(
                            _mentions_user(a, users) for a in list(child.args) + [k.value for k in child.keywords]):
                        checked = True  # post.is_editable_by(request.user)
                    if uses_var and isinstance(receiver, ast.Name) and receiver.id == "self" \
                            and _CHECK_NAME.search(child.func.attr):
                        checked = True  # self.ensure_owner(invoice): the method sees self.request
                    if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name) \
                            and receiver.value.id == name and child.func.attr in _RELATED_WRITES and any(
                            _mentions_user(a, users) for a in list(child.args) + [k.value for k in child.keywords]):
                        checked = True  # article.likes.add(request.user): the user's own reaction to the row
                elif isinstance(child, ast.Call) and isinstance(child.func, ast.Name):
                    uses_var = any(isinstance(a, ast.Name) and a.id == name for a in child.args)
                    if uses_var and any(_mentions_user(a, users) or _request_expr(a) for a in child.args):
                        checked = True  # check_owner(request, post)
                elif isinstance(child, ast.Assign):
                    for target in child.targets:
                        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                                and target.value.id == name:
                            written = True
                            if COUNTER_FIELD.match(target.attr) and _mentions_f(child.value, self.x.names):
                                bumped = True
                            else:
                                counter = False
                elif isinstance(child, ast.Compare):
                    sides = [child.left, *child.comparators]
                    if any(_refers_to(s, name) for s in sides) and any(_mentions_user(s, users) for s in sides):
                        checked = True
                elif isinstance(child, ast.AugAssign):
                    target = child.target
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                            and target.value.id == name:
                        if COUNTER_FIELD.match(target.attr) and isinstance(child.value, ast.Constant):
                            bumped = True
                        else:
                            counter = False
            if not written:
                for child in everything:
                    if isinstance(child, ast.keyword) and child.arg == "instance" \
                            and isinstance(child.value, ast.Name) and child.value.id == name \
                            and "save" in self.writes:
                        written = True
                        counter = False
                    elif isinstance(child, ast.Call) and child.args and isinstance(child.args[0], ast.Name) \
                            and child.args[0].id == name and any(k.arg == "data" for k in child.keywords) \
                            and "save" in self.writes:
                        written = True
                        counter = False
        counter_only = bool(written and counter and bumped)
        return _replace(query, written=written, owner_checked=checked, exposed=exposed, counter_only=counter_only)

    def _exposing_nodes(self, everything: list[ast.AST]) -> set[int]:
        """Ids of the nodes that reach a response: return values, dict values, response and serializer arguments."""
        names = self.x.names
        found: set[int] = set()
        for child in everything:
            roots: list[ast.AST] = []
            if isinstance(child, ast.Return) and child.value is not None:
                roots = [child.value]
            elif isinstance(child, ast.Dict):
                roots = [v for v in child.values if v is not None]
            elif isinstance(child, ast.Call):
                tail = (names.resolve(child.func) or (child.func.attr if isinstance(child.func, ast.Attribute)
                                                      else getattr(child.func, "id", ""))).rsplit(".", 1)[-1]
                if tail in _HTML_RESPONSES or tail in _JSON_RESPONSES or tail.endswith("Serializer") or tail in (
                        "model_to_dict", "serialize", "get_serializer", "render_to_response", "FileResponse"):
                    roots = list(child.args) + [k.value for k in child.keywords]
            for root in roots:
                for inner in ast.walk(root):
                    found.add(id(inner))
        return found

    def _only_counters(self) -> bool:
        """Is every state change a counter bump on a looked-up row?"""
        if not self._write_calls:
            return False
        counters = [q for q in self.queries if q.counter_only]
        if not counters:
            return False
        names = {q.variable for q in counters if q.variable}
        nodes = {id(self._nodes.get(id(q))) for q in counters if q.variable is None}
        for attr, call in self._write_calls:
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            if attr == "save" and isinstance(receiver, ast.Name) and receiver.id in names:
                continue
            if attr == "update" and id(call) in nodes:
                continue
            return False
        return True

    def _exposed(self, name: str, everything: list[ast.AST]) -> bool:
        """Does ``name`` reach a response: a return, a response or render call, a serializer, a context dict?"""
        names = self.x.names
        for child in everything:
            if isinstance(child, ast.Return) and child.value is not None and _refers_to(child.value, name):
                return True
            if isinstance(child, ast.Dict) and any(v is not None and _refers_to(v, name) for v in child.values):
                return True
            if isinstance(child, ast.Call):
                tail = (names.resolve(child.func) or (child.func.attr if isinstance(child.func, ast.Attribute)
                                                       else getattr(child.func, "id", ""))).rsplit(".", 1)[-1]
                if tail in _HTML_RESPONSES or tail in _JSON_RESPONSES or tail.endswith("Serializer") or tail in (
                        "model_to_dict", "serialize", "get_serializer", "render_to_response", "FileResponse"):
                    if any(_refers_to(a, name) for a in list(child.args) + [k.value for k in child.keywords]):
                        return True
        return False


def _refers_to(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _looks_like_queryset(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute) and child.attr in _QUERYSET_HINTS:
            return True
    return False


def _looks_related_manager(node: ast.AST) -> bool:
    """``post.tags.add(...)``: an attribute of an attribute, not ``seen.add(...)``."""
    return isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Name, ast.Attribute, ast.Call)) and \
        not (isinstance(node.value, ast.Name) and node.value.id == "self") and node.attr not in (
            "session", "messages", "META", "headers", "cookies")


def _is_session(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in ("session", "cache") for n in ast.walk(node)) or (
        isinstance(node, ast.Name) and node.id in ("session", "cache"))


def _replace(query: Query, **changes) -> Query:
    from dataclasses import replace

    return replace(query, **changes)


_SETTLE_TYPES = frozenset({ast.Call, ast.Assign, ast.AugAssign, ast.Compare, ast.keyword, ast.Return, ast.Dict})
_CHECK_NAME = re.compile(r"owner|permission|access|authori[sz]e|check|ensure|verify|allowed|can_|belongs", re.I)
_RELATED_WRITES = frozenset({"add", "remove", "create", "get_or_create", "update_or_create", "set"})


def _update_fields(call: ast.Call) -> list[str] | None:
    """``obj.save(update_fields=["views"])`` → ["views"]; None when the call does not say."""
    value = _keyword(call, "update_fields")
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return None


def _mentions_f(node: ast.AST, names: ModuleNames) -> bool:
    """An ``F("field")`` expression (an increment done by the database)."""
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and (names.resolve(child.func) or "").rsplit(".", 1)[-1] == "F":
            return True
    return False


def _bumps_counters(call: ast.Call, names: ModuleNames) -> bool:
    """``.update(views=F("views") + 1)``: every new value is a counter incremented by the database."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "update") or call.args or not call.keywords:
        return False
    return all(k.arg and COUNTER_FIELD.match(k.arg) and _mentions_f(k.value, names) for k in call.keywords)


def _method_test(test: ast.AST) -> tuple[frozenset[str], bool] | None:
    """``request.method == "GET"`` → ({"GET"}, True); ``... not in SAFE_METHODS`` → ({GET, HEAD, OPTIONS}, False)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _method_test(test.operand)
        return (inner[0], not inner[1]) if inner else None
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    left, right = test.left, test.comparators[0]

    def is_method(node: ast.AST) -> bool:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("lower", "upper"):
            node = node.func.value
        return isinstance(node, ast.Attribute) and node.attr == "method" and _request_expr(node.value)

    if is_method(right):
        left, right = right, left
    if not is_method(left):
        return None
    methods: set[str] = set()
    if isinstance(right, ast.Constant) and isinstance(right.value, str):
        methods.add(right.value.upper())
    elif isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        methods.update(e.value.upper() for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    elif isinstance(right, (ast.Name, ast.Attribute)) and \
            (getattr(right, "id", None) or getattr(right, "attr", "")) in _SAFE_METHOD_NAMES:
        methods.update(("GET", "HEAD", "OPTIONS"))
    else:
        return None
    op = test.ops[0]
    if isinstance(op, (ast.Eq, ast.In, ast.Is)):
        return frozenset(methods), True
    if isinstance(op, (ast.NotEq, ast.NotIn, ast.IsNot)):
        return frozenset(methods), False
    return None


def _is_empty(node: ast.AST | None) -> bool:
    if isinstance(node, (ast.List, ast.Tuple)):
        return not node.elts
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("list", "tuple") \
        and not node.args and not node.keywords


def _ends(block: list[ast.stmt]) -> bool:
    return bool(block) and isinstance(block[-1], (ast.Return, ast.Raise))


def _empty_return_methods(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """The HTTP methods for which the function returns ``[]`` (tests of ``request.method`` followed)."""
    found: set[str] = set()

    def block(statements: list[ast.stmt], allowed: frozenset[str], depth: int) -> None:
        if depth > 20:
            return
        for stmt in statements:
            if not allowed:
                return
            if isinstance(stmt, ast.Return):
                if _is_empty(stmt.value):
                    found.update(allowed)
                return
            if isinstance(stmt, ast.If):
                tested = _method_test(stmt.test)
                if tested is None:
                    inside = outside = allowed
                else:
                    methods, positive = tested
                    inside = allowed & methods if positive else allowed - methods
                    outside = allowed - methods if positive else allowed & methods
                block(stmt.body, inside, depth + 1)
                block(stmt.orelse, outside, depth + 1)
                if _ends(stmt.body) and _ends(stmt.orelse):
                    return
                if _ends(stmt.body) and tested is not None:
                    allowed = outside
                elif _ends(stmt.orelse) and tested is not None:
                    allowed = inside
            elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
                block(stmt.body, allowed, depth + 1)
                block(getattr(stmt, "orelse", []), allowed, depth + 1)
            elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
                block(stmt.body, allowed, depth + 1)
                for handler in stmt.handlers:
                    block(handler.body, allowed, depth + 1)
                block(stmt.orelse, allowed, depth + 1)
                block(stmt.finalbody, allowed, depth + 1)

    block(node.body, _ALL_VERBS, 0)
    return tuple(sorted(found))


def _merge(outer: Query, inner: Query) -> Query:
    """``get_object_or_404(Post.objects.filter(author=u), pk=pk)``: one lookup with both sets of filters."""
    return _replace(
        outer, model=outer.model or inner.model, fields=outer.fields + inner.fields,
        filters=outer.filters + inner.filters, from_request=outer.from_request or inner.from_request,
        user_scoped=outer.user_scoped or inner.user_scoped, public_filter=outer.public_filter or inner.public_filter,
        private_filter=outer.private_filter or inner.private_filter,
    )


def iter_view_codes(facts: DjangoFacts | None) -> Iterator[ViewCode]:
    if facts:
        yield from facts.views
