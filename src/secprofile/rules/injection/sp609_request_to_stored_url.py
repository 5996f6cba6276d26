from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator

from secprofile.flow import catalog as C
from secprofile.flow import flow_graph
from secprofile.model.module import iter_functions
from secprofile.model.project import Project
from secprofile.model.values import Literal
from secprofile.rules.base import Confidence, FlowStep, Hit, Severity, rule
from secprofile.source.location import Location

# --- vocabulary ------------------------------------------------------------------------------

# Field names that hold a destination: url, target_url, callback, webhook, endpoint, host ...
_URL_NAME = re.compile(
    r"^(?:\w+_)?(?:url|uri|endpoint|callback|webhook|href|host|hostname|domain)s?$|^(?:callback|webhook|endpoint)_\w+$",
    re.I,
)
# Pydantic models whose name says they carry client input (when no route shows it).
_REQUEST_MODEL_NAME = re.compile(
    r"(?:Create|Update|Patch|In|Input|Request|Payload|Body|Upsert|Form|Submit|Register|Registration|Edit|"
    r"Command|Params)$"
)
_PYDANTIC_BASES = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel",
                             "sqlmodel.SQLModel", "sqlmodel.main.SQLModel", "ninja.Schema", "ninja.schema.Schema",
                             "ninja.ModelSchema"})
_ORM_BASES = frozenset({"django.db.models.Model", "django.db.models.base.Model", "sqlalchemy.orm.DeclarativeBase",
                        "sqlalchemy.orm.decl_api.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta",
                        "sqlmodel.SQLModel", "sqlmodel.main.SQLModel", "tortoise.models.Model",
                        "peewee.Model", "django.contrib.auth.models.AbstractUser",
                        "django.contrib.auth.models.AbstractBaseUser", "django.contrib.auth.base_user.AbstractBaseUser"})
_DECLARATIVE_FACTORIES = ("declarative_base", "as_declarative")
_STR_TYPES = frozenset({"builtins.str", "str", "StrictStr", "constr"})
_URL_TYPES = frozenset({"HttpUrl", "AnyUrl", "AnyHttpUrl", "Url", "HttpUrlString", "AnyUrlStr", "HttpUrlStr",
                        "UrlStr"})
_VALIDATOR_WRAPPERS = frozenset({"AfterValidator", "BeforeValidator", "PlainValidator", "WrapValidator"})
_FIELD_VALIDATORS = frozenset({"field_validator", "validator"})
_MODEL_VALIDATORS = frozenset({"model_validator", "root_validator"})
# Django form and DRF serializer fields that take a destination from the client.
_URL_FIELDS = frozenset({"URLField"})
_TEXT_FIELDS = frozenset({"CharField", "TextField"})
_SERIALIZER_PREFIX = "rest_framework."
_SERIALIZER_TAILS = frozenset({"Serializer", "ModelSerializer", "HyperlinkedModelSerializer"})
_FORM_PREFIX = "django.forms"
_FORM_TAILS = frozenset({"Form", "ModelForm", "BaseForm", "BaseModelForm"})
_READ_ONLY_FIELDS = frozenset({"ReadOnlyField", "SerializerMethodField", "HiddenField", "HyperlinkedIdentityField"})
# ORM writes that take field values as keywords: Model(url=...), objects.create(url=...), .values(url=...).
_WRITE_METHODS = frozenset({"create", "update", "update_or_create", "get_or_create", "save", "values"})
# request.<attribute> that is client data (``request.user`` is a stored record, not client data).
_REQUEST_DATA = frozenset(C.REQUEST_ATTRIBUTES) | {"path_params", "query_params"}
_STORED_REQUEST_ATTRIBUTES = frozenset({"user"})
_CONFIG_NAME = re.compile(r"(?:settings|config|conf$|^conf|environ|getenv|(?:^|_)env(?:$|_)|secret|vault)", re.I)
_NETWORK_PREFIXES = ("requests.", "httpx.", "aiohttp.", "urllib.", "urllib3.", "os.", "decouple.", "environ.")
# Calls whose result is (a wrapper of) their first argument as far as the destination goes.
_URL_WRAPPERS = frozenset({"builtins.str", "urllib.parse.urljoin", "urllib.request.Request", "httpx.URL", "yarl.URL",
                           "furl.furl", "requests.Request", "requests.models.Request", "typing.cast"})
_STRING_METHODS = frozenset({"strip", "rstrip", "lstrip", "lower", "casefold", "encode", "decode", "replace",
                             "removesuffix", "removeprefix", "unicode_string"})
# Calls that carry their arguments' data (a constructor, a decoder): a request value stays one.
_PASS_THROUGH = frozenset({"builtins.str", "builtins.dict", "builtins.list", "builtins.tuple", "builtins.iter",
                           "builtins.next", "builtins.sorted", "builtins.reversed", "json.loads", "copy.copy",
                           "copy.deepcopy", "typing.cast", "urllib.parse.urljoin", "urllib.parse.parse_qs",
                           "fastapi.encoders.jsonable_encoder", "django.utils.encoding.force_str"})
# Background dispatch: the callable, then its arguments.
_DISPATCH_METHODS = frozenset({"add_task", "enqueue", "submit", "run_in_threadpool", "to_thread", "start_soon",
                               "spawn"})
_DISPATCH_FUNCTIONS = frozenset({"asyncio.to_thread", "starlette.background.BackgroundTask",
                                 "fastapi.background.BackgroundTasks.add_task", "starlette.concurrency.run_in_threadpool",
                                 "fastapi.concurrency.run_in_threadpool", "anyio.to_thread.run_sync"})
_TASK_METHODS = frozenset({"delay", "s", "si", "send", "apply_async", "send_with_options"})
_THREADS = frozenset({"threading.Thread", "multiprocessing.Process"})
# Raw SQL writes: the methods that run a statement, and the statements that set a column.
_SQL_EXECUTE = frozenset({"execute", "executemany", "execute_fetchall", "fetch", "fetchrow", "fetchval",
                          "fetch_one", "fetch_all", "fetch_val", "exec_driver_sql"})
_SQL_PARAM_KEYWORDS = ("parameters", "params", "values", "args", "parameters_", "vars")
_SQL_QUERY_KEYWORDS = ("query", "statement", "sql", "operation")
_SQL_WRITE_HINT = re.compile(r"\b(?:INSERT|UPDATE|REPLACE)\b", re.I)
_SQL_INSERT = re.compile(
    r"^\s*(?:INSERT(?:\s+OR\s+\w+)?|REPLACE)\s+INTO\s+([\w.\"`\[\]]+)\s*\(([^)]*)\)\s*VALUES\s*\((.*)\)",
    re.I | re.S)
_SQL_UPDATE = re.compile(r"^\s*UPDATE\s+(?:OR\s+\w+\s+)?([\w.\"`\[\]]+)\s+SET\s+(.*?)(?:\s+(?:WHERE|RETURNING|FROM)\b.*)?$",
                         re.I | re.S)
_SQL_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|\?|\$(\d+)|(?<![:\w]):(\w+)")

# --- what counts as checking the destination ----------------------------------------------------

_IP_PROPERTIES = frozenset({"is_private", "is_global", "is_loopback", "is_link_local", "is_reserved", "is_multicast",
                            "is_unspecified", "is_site_local"})
_HOST_PARTS = frozenset({"hostname", "netloc", "host"})
_VALIDATOR_VERB = re.compile(
    r"(?:valid|verif|check|ensure|assert|guard|reject|block|deny|forbid|restrict|saniti|safe|allow|whitelist|trust|"
    r"permit|public|private|internal|loopback|reserved|egress|outbound)", re.I)
_VALIDATOR_OBJECT = re.compile(
    r"(?:url|uri|host|domain|webhook|callback|endpoint|destination|dest|target|address|netloc|(?:^|_)ips?(?:_|$)|"
    r"network)", re.I)
# Format checks that let http://169.254.169.254/ and http://localhost through: not a defence.
_NOT_DEFENCES = frozenset({"django.core.validators.URLValidator", "django.core.validators.validate_ipv4_address",
                           "django.core.validators.validate_ipv6_address",
                           "django.core.validators.validate_ipv46_address", "validators.url", "validators.domain",
                           "pydantic.HttpUrl", "pydantic.AnyUrl", "pydantic.AnyHttpUrl", "rfc3987.match"})


# Names that look like checks ("url" + "safe") but make or encode tokens.
_NOT_VALIDATOR_NAMES = frozenset({"token_urlsafe", "urlsafe_b64encode", "urlsafe_b64decode"})


def _validator_name(name: str) -> bool:
    """``validate_webhook_url``, ``is_safe_url``, ``ensure_public_host``, ``url_has_allowed_host_and_scheme``."""
    lowered = name.lower()
    if lowered in _NOT_VALIDATOR_NAMES:
        return False
    return "ssrf" in lowered or bool(_VALIDATOR_VERB.search(lowered) and _VALIDATOR_OBJECT.search(lowered))


def _tail(name: str | None) -> str:
    return (name or "").rsplit(".", 1)[-1]


def _const_str(node) -> str | None:
    return node.value if type(node) is ast.Constant and isinstance(node.value, str) else None


def _text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # an odd node must not break the rule
        return "…"
    return text if len(text) <= 60 else text[:57] + "..."


def _fixed_prefix(prefix: str) -> bool:
    """A constant start that fixes the host (``https://api.example.com/``) or keeps the URL relative."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://[^/?#{}\s@]+[/?#]", prefix):
        return True
    return len(prefix) > 1 and prefix[0] == "/" and prefix[1] not in "/\\"


def _own_nodes(root: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function body (or lambda), not descending into nested defs, classes or lambdas."""
    if isinstance(root, ast.Lambda):
        start: list[ast.AST] = [root.body]
    elif isinstance(root, (ast.FunctionDef, ast.AsyncFunctionDef)):
        start = list(root.body)
    else:
        start = [root]
    stack = list(reversed(start))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _hostish(node, assigned: dict, depth: int = 0) -> bool:
    """``urlparse(url).hostname``, ``parsed.netloc.lower()``, or a variable holding one."""
    if depth > 4:
        return False
    kind = type(node)
    if kind is ast.Attribute:
        return node.attr in _HOST_PARTS
    if kind is ast.Call and type(node.func) is ast.Attribute and node.func.attr in ("lower", "strip", "rstrip",
                                                                                     "casefold"):
        return _hostish(node.func.value, assigned, depth + 1)
    if kind is ast.Name and node.id in assigned:
        return _hostish(assigned[node.id], assigned, depth + 1)
    return False


def _defends(function: ast.AST, names, before_line: int | None = None) -> bool:
    """Does the body check the destination: resolved-address properties (``.is_private``, ``.is_global``),
    a host allow-list (``urlparse(u).hostname in ALLOWED_HOSTS``, ``host.endswith(".example.com")``), or a
    call to a validator named like one (``validate_webhook_url(u)``, ``is_safe_url(u)``)?"""
    nodes = list(_own_nodes(function))
    assigned: dict[str, ast.AST] = {}
    for node in nodes:
        if type(node) is ast.Assign and len(node.targets) == 1 and type(node.targets[0]) is ast.Name:
            assigned[node.targets[0].id] = node.value
    for node in nodes:
        line = getattr(node, "lineno", None)
        if before_line is not None and line is not None and line >= before_line:
            continue
        kind = type(node)
        if kind is ast.Attribute and node.attr in _IP_PROPERTIES:
            return True
        if kind is ast.Call:
            func = node.func
            callee = names.resolve(func) if names is not None else None
            if callee in _NOT_DEFENCES:
                continue
            tail = _tail(callee) if callee else func.attr if type(func) is ast.Attribute else \
                func.id if type(func) is ast.Name else ""
            if tail and _validator_name(tail):
                return True
            if type(func) is ast.Attribute and func.attr == "endswith" and node.args and \
                    _hostish(func.value, assigned):
                return True
        elif kind is ast.Compare and len(node.ops) == 1 and type(node.ops[0]) in (ast.In, ast.NotIn):
            if _hostish(node.left, assigned) and _const_str(node.comparators[0]) is None:
                return True
    return False


# --- findings' parts -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Acceptor:
    """Where clients set a field: a request model, serializer or form field, or an assignment from request data."""

    field: str
    label: str
    location: Location
    validated: bool
    model: str | None = None  # the ORM class the field belongs to, when known
    rank: int = 0  # schemas (0) are cited before assignments (1)

    def describe(self) -> str:
        return f"{self.label} in {self.location.path}:{self.location.line}"


@dataclass(frozen=True)
class _Read:
    """A field of a stored record used as (the host part of) a URL: ``hook.target_url``, ``row["url"]``."""

    field: str
    text: str
    node: ast.AST
    model: str | None


@dataclass(frozen=True)
class _Fetch:
    """A function parameter that reaches an outgoing request's URL."""

    sink_name: str
    sink_path: str
    sink_line: int
    sink_column: int

    @property
    def key(self) -> tuple[str, int, int]:
        return self.sink_path, self.sink_line, self.sink_column


# --- the analysis ------------------------------------------------------------------------------------

class _Analysis:
    """State for one run of the rule over one project (never shared between scans)."""

    def __init__(self, project: Project):
        self.project = project
        self.graph = flow_graph(project)
        self._orm: dict[str, bool] = {}
        self._pydantic: dict[str, bool] = {}
        self._indexes: dict[str, dict] = {}
        self._class_nodes: dict[str, ast.ClassDef | None] = {}
        self._scopes: dict[str, _Scope | None] = {}
        self._children: dict[str, list[str]] | None = None
        self._handlers: set[str] | None = None
        self._route_models: dict[str, list] | None = None

    # -- classes
    def mro(self, qualname: str) -> tuple[str, ...]:
        return self.project.ancestors(qualname)

    def canonical(self, name: str | None) -> str | None:
        return (self.project.names.canonical(name) or name) if name else None

    def is_orm(self, qualname: str | None) -> bool:
        if not qualname:
            return False
        found = self._orm.get(qualname)
        if found is None:
            found = False
            for name in self.mro(qualname):
                if name in _ORM_BASES or (name.startswith("django.") and name.endswith(".Model")):
                    found = True
                    break
                cls = self.project.classes.get(name)
                if cls is not None and cls.attribute("__tablename__") is not None:
                    found = True
                    break
                variable = self.project.variables.get(name)
                if variable is not None and _tail(variable.call) in _DECLARATIVE_FACTORIES:
                    found = True
                    break
            self._orm[qualname] = found
        return found

    def is_pydantic(self, qualname: str | None) -> bool:
        if not qualname or qualname not in self.project.classes:
            return False
        found = self._pydantic.get(qualname)
        if found is None:
            found = any(name in _PYDANTIC_BASES for name in self.mro(qualname))
            self._pydantic[qualname] = found
        return found

    def is_input_class(self, qualname: str | None) -> bool:
        """A pydantic model, DRF serializer or Django form: client input with its own validation."""
        if not qualname or qualname not in self.project.classes:
            return False
        if self.is_pydantic(qualname) and not self.is_orm(qualname):
            return True
        return any((n.startswith(_SERIALIZER_PREFIX) and _tail(n) in _SERIALIZER_TAILS) or
                   (n.startswith(_FORM_PREFIX) and _tail(n) in _FORM_TAILS) for n in self.mro(qualname)[1:])

    def class_fields(self, qualname: str) -> set[str] | None:
        """Column/field names of a class along its project MRO (None when a base is outside the project
        and could add fields we cannot see)."""
        names: set[str] = set()
        for name in self.mro(qualname):
            cls = self.project.classes.get(name)
            if cls is None:
                if name in _ORM_BASES or name.startswith(("django.db.", "sqlalchemy.", "sqlmodel.", "pydantic.")) \
                        or name in ("builtins.object", "object"):
                    continue
                if self.project.variables.get(name) is not None:
                    continue  # Base = declarative_base()
                return None
            names.update(n for n, _ in cls.annotations)
            names.update(n for n, _ in cls.attributes)
        info = self.project.django.model(qualname) if self._has_django() else None
        if info is not None:
            names.update(info.field_names)
        return names

    def _has_django(self) -> bool:
        return any(f.django for f in self.project.python_files())

    def related(self, a: str | None, b: str | None) -> bool:
        if not a or not b:
            return True
        return a == b or a in self.mro(b) or b in self.mro(a)

    def children(self, qualname: str) -> list[str]:
        if self._children is None:
            children: dict[str, list[str]] = {}
            for name, cls in self.project.classes.items():
                for base in cls.bases:
                    children.setdefault(self.canonical(base) or base, []).append(name)
            self._children = children
        return self._children.get(qualname, [])

    def descendants(self, qualname: str) -> list[str]:
        found = [qualname]
        index = 0
        while index < len(found) and len(found) < 200:
            for child in self.children(found[index]):
                if child not in found:
                    found.append(child)
            index += 1
        return found

    # -- trees
    def index(self, path: str) -> dict:
        found = self._indexes.get(path)
        if found is None:
            found = {}
            facts = self.project.files.get(path)
            tree = self.project.tree(path) if facts is not None and facts.module else None
            if tree is not None:
                for qualname, node, cls in iter_functions(tree.body, facts.module):
                    found[qualname] = (node, cls)
            self._indexes[path] = found
        return found

    def function_node(self, function) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        entry = self.index(function.location.path).get(function.qualname)
        return entry[0] if entry else None

    def class_node(self, qualname: str) -> ast.ClassDef | None:
        if qualname in self._class_nodes:
            return self._class_nodes[qualname]
        found = None
        cls = self.project.classes.get(qualname)
        tree = self.project.tree(cls.location.path) if cls is not None else None
        if tree is not None:
            for node in ast.walk(tree):
                if type(node) is ast.ClassDef and node.lineno == cls.location.line and node.name == cls.name:
                    found = node
                    break
        self._class_nodes[qualname] = found
        return found

    def names_of(self, path: str):
        return self.project.module_names(path)

    def scope(self, function) -> "_Scope | None":
        if function.qualname in self._scopes:
            return self._scopes[function.qualname]
        self._scopes[function.qualname] = None
        node = self.function_node(function)
        names = self.names_of(function.location.path)
        found = _Scope(self, function, node, names) if node is not None and names is not None else None
        self._scopes[function.qualname] = found
        return found

    @property
    def handlers(self) -> set[str]:
        if self._handlers is None:
            handlers: set[str] = set()
            if any(f.fastapi for f in self.project.python_files()):
                for route in self.project.fastapi.routes:
                    if route.handler is not None:
                        handlers.add(route.handler.qualname)
            self._handlers = handlers
        return self._handlers

    @property
    def route_models(self) -> dict[str, list]:
        """Request-body model classes of FastAPI routes → the handlers taking them."""
        if self._route_models is None:
            found: dict[str, list] = {}
            if any(f.fastapi for f in self.project.python_files()):
                for route in self.project.fastapi.routes:
                    handler = route.handler
                    if handler is None:
                        continue
                    for param in handler.params:
                        if param.marker not in (None, "Body", "Form") or not param.annotation:
                            continue
                        model = self.canonical(param.annotation)
                        if self.is_pydantic(model):
                            found.setdefault(model, [])
                            if handler not in found[model]:
                                found[model].append(handler)
            self._route_models = found
        return self._route_models

    # -- validators referenced by name
    def callable_defends(self, node: ast.AST, names) -> bool:
        """A validator given by reference (``AfterValidator(ensure_public)``, ``validators=[check_host]``)."""
        if type(node) is ast.Lambda:
            return _defends(node, names)
        if type(node) is ast.Call:  # a validator instance: SafeURLValidator(), URLValidator(schemes=...)
            node = node.func
        qualname = names.resolve(node) if names is not None else None
        if qualname in _NOT_DEFENCES:
            return False
        tail = _tail(qualname) if qualname else node.attr if type(node) is ast.Attribute else \
            node.id if type(node) is ast.Name else ""
        if tail and _validator_name(tail):
            return True
        function = self.project.function(qualname)
        if function is not None:
            body = self.function_node(function)
            return body is not None and _defends(body, self.names_of(function.location.path))
        cls = self.project.classes.get(self.canonical(qualname) or "")
        if cls is not None:
            for method in ("__call__", "validate"):
                function = self.project.functions.get(f"{cls.qualname}.{method}")
                body = self.function_node(function) if function is not None else None
                if body is not None and _defends(body, self.names_of(function.location.path)):
                    return True
        return False


class _Scope:
    """One function: its parameters, what its local names are assigned from, and what kind of data
    an expression holds there: ``"request"`` (client data in this request, SP604's domain),
    ``"stored"`` (a record read back from storage) or ``None`` (configuration, constants, unknown)."""

    def __init__(self, analysis: _Analysis, function, node, names):
        self.analysis = analysis
        self.function = function
        self.node = node
        self.names = names
        self.path = function.location.path
        self.params = {p.name: p for p in function.params}
        self.handler = function.qualname in analysis.handlers
        self.is_method = function.class_name is not None
        self.orm_class = function.class_name if analysis.is_orm(function.class_name) else None
        self.assigned: dict[str, list[tuple[str, ast.AST]]] = {}
        self.request_names: set[str] = set()
        for name, param in self.params.items():
            annotation = analysis.canonical(param.annotation)
            if name in C.REQUEST_PARAM_NAMES or annotation in C.REQUEST_TYPES:
                self.request_names.add(name)
        self.nodes = list(_own_nodes(node))
        for item in self.nodes:
            kind = type(item)
            if kind is ast.Assign:
                for target in item.targets:
                    self._bind(target, item.value, "value")
            elif kind is ast.AnnAssign and item.value is not None:
                self._bind(item.target, item.value, "value")
            elif kind is ast.NamedExpr:
                self._bind(item.target, item.value, "value")
            elif kind in (ast.For, ast.AsyncFor):
                self._bind(item.target, item.iter, "iter")
            elif kind is ast.comprehension:
                self._bind(item.target, item.iter, "iter")
            elif kind in (ast.With, ast.AsyncWith):
                for with_item in item.items:
                    if with_item.optional_vars is not None:
                        self._bind(with_item.optional_vars, with_item.context_expr, "with")
        for name, sources in self.assigned.items():
            if any(how == "value" and self.is_request_object(value) for how, value in sources):
                self.request_names.add(name)

    def _bind(self, target, value, how: str) -> None:
        kind = type(target)
        if kind is ast.Name:
            self.assigned.setdefault(target.id, []).append((how, value))
        elif kind in (ast.Tuple, ast.List):
            if how == "value" and type(value) in (ast.Tuple, ast.List) and len(value.elts) == len(target.elts):
                for element, part in zip(target.elts, value.elts):
                    self._bind(element, part, how)
            else:
                for element in target.elts:
                    self._bind(element, value, "part" if how == "value" else how)
        elif kind is ast.Starred:
            self._bind(target.value, value, "part")

    def resolve(self, node) -> str | None:
        """Qualified name of a global reference (never of a local or parameter)."""
        root = node
        while type(root) is ast.Attribute:
            root = root.value
        if type(root) is ast.Name and (root.id in self.params or root.id in self.assigned):
            return None
        return self.names.resolve(node)

    def is_request_object(self, node) -> bool:
        kind = type(node)
        if kind is ast.Name:
            return node.id in self.request_names
        if kind is ast.Attribute:
            return node.attr == "request" and type(node.value) is ast.Name and node.value.id == "self"
        return False

    # -- kinds of data
    def kind(self, node, depth: int = 0, seen: frozenset = frozenset()) -> str | None:
        if depth > 16:
            return None
        kind = type(node)
        if kind is ast.Await or kind is ast.Starred or kind is ast.FormattedValue:
            return self.kind(node.value, depth + 1, seen)
        if kind is ast.Name:
            return self._name_kind(node.id, depth, seen)
        if kind is ast.Attribute:
            value = node.value
            if self.is_request_object(value):
                if node.attr in _REQUEST_DATA:
                    return "request"
                return "stored" if node.attr in _STORED_REQUEST_ATTRIBUTES else None
            if type(value) is ast.Name and value.id == "self" and self.is_method:
                return "stored" if self.orm_class else None
            return self.kind(value, depth + 1, seen)
        if kind is ast.Subscript:
            return self.kind(node.value, depth + 1, seen)
        if kind is ast.Call:
            return self._call_kind(node, depth, seen)
        if kind is ast.IfExp:
            return _strongest(self.kind(node.body, depth + 1, seen), self.kind(node.orelse, depth + 1, seen))
        if kind is ast.BoolOp:
            return _strongest(*(self.kind(v, depth + 1, seen) for v in node.values))
        if kind in (ast.List, ast.Tuple, ast.Set):
            return _strongest(*(self.kind(v, depth + 1, seen) for v in node.elts))
        if kind is ast.Dict:
            return _strongest(*(self.kind(v, depth + 1, seen) for v in node.values))
        if kind is ast.JoinedStr:
            return _strongest(*(self.kind(v, depth + 1, seen) for v in node.values))
        if kind is ast.BinOp:
            return _strongest(self.kind(node.left, depth + 1, seen), self.kind(node.right, depth + 1, seen))
        return None

    def _name_kind(self, name: str, depth: int, seen: frozenset) -> str | None:
        if name in seen:
            return None
        seen = seen | {name}
        if name in ("self", "cls") and self.is_method and name in self.params:
            return "stored" if self.orm_class else None
        if name in self.request_names:
            return None  # the request object itself; its attributes say what they are
        found = None
        if name in self.params:
            found = self._param_kind(self.params[name])
        for how, value in self.assigned.get(name, ()):
            if how == "with":
                continue
            found = _strongest(found, self.kind(value, depth + 1, seen))
        return found

    def _param_kind(self, param) -> str | None:
        annotation = self.analysis.canonical(param.annotation)
        if annotation in C.SAFE_TYPES:
            return None
        if self.handler:
            if param.marker in ("Depends", "Security"):
                return "stored"  # current_user, a record loaded by a dependency
            if annotation in C.FRAMEWORK_TYPES:
                return None
            return "request"
        return "stored"

    def _call_kind(self, node: ast.Call, depth: int, seen: frozenset) -> str | None:
        func = node.func
        if type(func) is ast.Attribute:
            receiver = func.value
            method = func.attr
            if self.is_request_object(receiver):
                return "request" if method in C.REQUEST_METHODS else None
            if method == "json":
                return None  # a response body
            if method in C.KEYED_READS and type(receiver) is ast.Attribute and self.is_request_object(receiver.value):
                return "request" if receiver.attr in _REQUEST_DATA else None
            receiver_kind = self.kind(receiver, depth + 1, seen)
            if receiver_kind == "request":
                return "request"  # payload.model_dump(), form.save(), serializer.save()
            qualname = self.resolve(func)
            if qualname and qualname.startswith(_NETWORK_PREFIXES):
                return None
            owner = self.analysis.canonical(self.resolve(receiver))
            if owner and self.analysis.is_pydantic(owner):
                return self._arguments_kind(node, depth, seen)  # HookCreate.model_validate(await request.json())
            root = receiver
            while type(root) in (ast.Attribute, ast.Call, ast.Subscript):
                root = root.func if type(root) is ast.Call else root.value
            root_name = root.id if type(root) is ast.Name else ""
            if _CONFIG_NAME.search(method) or (_CONFIG_NAME.search(root_name) and root_name not in self.params
                                               and root_name not in self.assigned):
                return None
            if _CONFIG_NAME.search(root_name) and receiver_kind is None:
                return None
            return "stored"
        qualname = self.resolve(func)
        if qualname is None:
            if type(func) is ast.Name and func.id in self.params:
                return "stored"
            return "stored" if type(func) is ast.Name else self.kind(func, depth + 1, seen)
        qualname = self.analysis.canonical(qualname)
        tail = _tail(qualname)
        if qualname.startswith(_NETWORK_PREFIXES) or _CONFIG_NAME.search(tail):
            return None
        if qualname in _PASS_THROUGH or qualname.startswith("builtins.") or (
                tail[:1].isupper() and qualname in self.analysis.project.classes):
            return self._arguments_kind(node, depth, seen)
        return "stored"  # a lookup: get_object_or_404(Hook, pk=pk), crud.get_hook(db, hook_id)

    def _arguments_kind(self, node: ast.Call, depth: int, seen: frozenset) -> str | None:
        found = None
        for argument in node.args:
            found = _strongest(found, self.kind(argument, depth + 1, seen))
        for keyword in node.keywords:
            found = _strongest(found, self.kind(keyword.value, depth + 1, seen))
        return found

    def via_schema(self, node, depth: int = 0, seen: frozenset = frozenset()) -> bool:
        """Does the value come through a request model, serializer or form (whose fields are judged as
        acceptors themselves) rather than straight from the request?"""
        analysis = self.analysis
        for child in ast.walk(node):
            kind = type(child)
            if kind is ast.Name:
                name = child.id
                if name in seen:
                    continue
                param = self.params.get(name)
                if param is not None and analysis.is_input_class(analysis.canonical(param.annotation)):
                    return True
                if depth < 6:
                    for how, value in self.assigned.get(name, ()):
                        if how != "with" and self.via_schema(value, depth + 1, seen | {name}):
                            return True
            elif kind is ast.Call:
                if analysis.is_input_class(analysis.canonical(self.resolve(child.func))):
                    return True
        return False

    def mentions(self, node, names: set[str], depth: int = 0, seen: frozenset = frozenset()) -> bool:
        """Does the expression use one of ``names`` (directly or through local assignments)?"""
        for child in ast.walk(node):
            if type(child) is ast.Name and child.id not in seen:
                if child.id in names:
                    return True
                if depth < 6:
                    for how, value in self.assigned.get(child.id, ()):
                        if how != "with" and self.mentions(value, names, depth + 1, seen | {child.id}):
                            return True
        return False

    # -- which ORM class a record is
    def model_of(self, node, depth: int = 0) -> str | None:
        if depth > 6:
            return None
        kind = type(node)
        if kind is ast.Await:
            return self.model_of(node.value, depth + 1)
        if kind is ast.Name:
            if node.id in ("self", "cls") and self.is_method:
                return self.orm_class
            if node.id in self.params and node.id not in self.assigned:
                annotation = self.analysis.canonical(self.params[node.id].annotation)
                return annotation if self.analysis.is_orm(annotation) else None
            for how, value in self.assigned.get(node.id, ()):
                if how != "with":
                    found = self.model_of(value, depth + 1)
                    if found:
                        return found
            return None
        if kind is ast.Subscript:
            return self.model_of(node.value, depth + 1)
        if kind is ast.Call:
            func = node.func
            if type(func) is ast.Attribute and func.attr == "save" and type(func.value) is ast.Name:
                found = self._saved_model(func.value.id)  # form.save(), serializer.save()
                if found:
                    return found
            for child in ast.walk(node):
                if type(child) in (ast.Name, ast.Attribute):
                    qualname = self.analysis.canonical(self.resolve(child))
                    if qualname and qualname in self.analysis.project.classes and self.analysis.is_orm(qualname):
                        return qualname
            return None
        return None

    def _saved_model(self, name: str) -> str | None:
        """The ``Meta.model`` of the ModelForm/ModelSerializer a local was built from."""
        analysis = self.analysis
        for how, value in self.assigned.get(name, ()):
            if how != "value" or type(value) is not ast.Call:
                continue
            cls = analysis.canonical(self.resolve(value.func))
            if not cls or not analysis.is_input_class(cls):
                continue
            for owner in analysis.mro(cls):
                meta = analysis.project.classes.get(f"{owner}.Meta")
                model = meta.attribute("model") if meta is not None else None
                if isinstance(model, Literal) and isinstance(model.value, str):
                    model = analysis.canonical(model.value)
                    return model if analysis.is_orm(model) else None
        return None

    # -- where a URL comes from
    def url_sources(self, node, depth: int = 0, seen: frozenset = frozenset()) -> list[tuple]:
        """What decides the destination: ``("stored", _Read)`` (a field of a record read back from storage),
        ``("fresh", _Read)`` (a field of a record built from this request), ``("param", name)`` or
        ``("request",)`` (request data itself: SP604's case)."""
        if depth > 12 or node is None:
            return []
        kind = type(node)
        if kind is ast.Await:
            return self.url_sources(node.value, depth + 1, seen)
        if kind is ast.JoinedStr:
            prefix = ""
            for part in node.values:
                if type(part) is ast.Constant:
                    prefix += str(part.value)
                    continue
                if _fixed_prefix(prefix) or "?" in prefix or "#" in prefix:
                    return []
                return self.url_sources(part.value, depth + 1, seen)
            return []
        if kind is ast.BinOp:
            if type(node.op) is ast.Add:
                pieces = []
                current = node
                while type(current) is ast.BinOp and type(current.op) is ast.Add:
                    pieces.append(current.right)
                    current = current.left
                pieces.append(current)
                prefix = ""
                for piece in reversed(pieces):
                    text = _const_str(piece)
                    if text is not None:
                        prefix += text
                        continue
                    if _fixed_prefix(prefix) or "?" in prefix or "#" in prefix:
                        return []
                    return self.url_sources(piece, depth + 1, seen)
                return []
            fmt = _const_str(node.left)
            if type(node.op) is ast.Mod and fmt is not None:
                if _fixed_prefix(fmt.split("%", 1)[0]):
                    return []
                first = node.right.elts[0] if type(node.right) is ast.Tuple and node.right.elts else node.right
                return self.url_sources(first, depth + 1, seen)
            return []
        if kind is ast.Call:
            func = node.func
            if type(func) is ast.Attribute:
                method = func.attr
                template = _const_str(func.value)
                if method == "format" and template is not None:
                    if _fixed_prefix(template.split("{", 1)[0]):
                        return []
                    return self.url_sources(node.args[0], depth + 1, seen) if node.args else []
                if method in _STRING_METHODS:
                    return self.url_sources(func.value, depth + 1, seen)
                key = _const_str(node.args[0]) if node.args else None
                if method == "get" and key is not None:
                    return self._stored_read(func.value, key, node)
            qualname = self.analysis.canonical(self.resolve(func))
            if qualname in _URL_WRAPPERS:
                first = node.args[0] if node.args else next(
                    (k.value for k in node.keywords if k.arg in ("url", "base", "object")), None)
                return self.url_sources(first, depth + 1, seen)
            if qualname == "builtins.getattr" and len(node.args) >= 2 and _const_str(node.args[1]) is not None:
                return self._stored_read(node.args[0], _const_str(node.args[1]), node)
            return []
        if kind is ast.Name:
            name = node.id
            if name in seen:
                return []
            seen = seen | {name}
            found: list[tuple] = []
            if name in self.params and not (name in ("self", "cls") and self.is_method):
                found.append(("param", name))
            for how, value in self.assigned.get(name, ()):
                if how == "value":
                    found.extend(self.url_sources(value, depth + 1, seen))
                elif how in ("iter", "part"):
                    found.extend(self._column_reads(value))
            return found
        if kind is ast.Attribute:
            return self._stored_read(node.value, node.attr, node)
        if kind is ast.Subscript:
            key = _const_str(node.slice)
            return self._stored_read(node.value, key, node) if key is not None else []
        if kind is ast.IfExp:
            return self.url_sources(node.body, depth + 1, seen) + self.url_sources(node.orelse, depth + 1, seen)
        if kind is ast.BoolOp:
            found = []
            for value in node.values:
                found.extend(self.url_sources(value, depth + 1, seen))
            return found
        return []

    def _stored_read(self, base, field: str, node) -> list[tuple]:
        data = self.kind(base)
        if data == "request":
            # ``hook = Webhook(target_url=payload.target_url)`` then ``hook.target_url``: a record built from
            # this request and saved; reported only where SP604 does not already report the request.
            model = self.model_of(base) if type(base) is ast.Name else None
            if model is not None and self.analysis.is_orm(model):
                return [("fresh", _Read(field, _text(node), node, model))]
            return [("request",)]
        if data == "stored":
            return [("stored", _Read(field, _text(node), node, self.model_of(base)))]
        return []

    def _column_reads(self, iterable, depth: int = 0) -> list[tuple]:
        """``for url in Hook.objects.values_list("url", flat=True)`` / ``session.scalars(select(Hook.url))``."""
        if self.kind(iterable) == "request":
            return [("request",)]
        if type(iterable) is ast.Name and depth < 4:
            found: list[tuple] = []
            for how, value in self.assigned.get(iterable.id, ()):
                if how == "value":
                    found.extend(self._column_reads(value, depth + 1))
            return found
        for child in ast.walk(iterable):
            if type(child) is not ast.Call:
                continue
            func = child.func
            if type(func) is ast.Attribute and func.attr == "values_list" and len(child.args) == 1:
                field = _const_str(child.args[0])
                flat = any(k.arg == "flat" and type(k.value) is ast.Constant and k.value.value is True
                           for k in child.keywords)
                if field and flat:
                    return [("stored", _Read(field, f"values_list({field!r}, flat=True)", child,
                                             self.model_of(child)))]
            qualname = self.resolve(func) or ""
            if _tail(qualname) == "select" and qualname.startswith(("sqlalchemy", "sqlmodel")) and \
                    len(child.args) == 1 and type(child.args[0]) is ast.Attribute:
                column = child.args[0]
                owner = self.analysis.canonical(self.resolve(column.value))
                if owner and self.analysis.is_orm(owner):
                    return [("stored", _Read(column.attr, _text(column), column, owner))]
        return []

    def defended_before(self, line: int) -> bool:
        return _defends(self.node, self.names, line)


def _strongest(*kinds) -> str | None:
    if "request" in kinds:
        return "request"
    if "stored" in kinds:
        return "stored"
    return None


# --- the fetch side ----------------------------------------------------------------------------------

def _url_argument(call: ast.Call, sink_name: str) -> ast.AST | None:
    position = 1 if sink_name.endswith((".request()", "aiohttp.request()")) else 0
    for keyword in call.keywords:
        if keyword.arg == "url":
            return keyword.value
    if position < len(call.args) and type(call.args[position]) is not ast.Starred:
        return call.args[position]
    return None


def _find_call(node: ast.AST, line: int, column: int) -> ast.Call | None:
    for child in _own_nodes(node):
        if type(child) is ast.Call and child.lineno == line and child.col_offset + 1 == column:
            return child
    return None


def _client_base_url(scope: _Scope, call: ast.Call) -> ast.AST | None:
    """``httpx.AsyncClient(base_url=hook.target_url)`` then ``client.post("/events")``: the base decides."""
    func = call.func
    if type(func) is not ast.Attribute:
        return None
    receiver = func.value
    constructors = [receiver] if type(receiver) is ast.Call else [
        value for _, value in scope.assigned.get(receiver.id, ())] if type(receiver) is ast.Name else []
    for constructor in constructors:
        if type(constructor) is ast.Call:
            for keyword in constructor.keywords:
                if keyword.arg == "base_url":
                    return keyword.value
    return None


def _relative(node: ast.AST | None) -> bool:
    if node is None:
        return True
    text = _const_str(node)
    if text is None and type(node) is ast.JoinedStr and node.values:
        text = _const_str(node.values[0])
    return text is not None and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:", text)


def _dispatched(scope: _Scope, call: ast.Call, fetchers: dict) -> tuple[str, list[tuple[object, ast.AST]]] | None:
    """The fetching function a call runs (directly, as a background task, a Celery task or in a thread),
    with the arguments it passes: ``[(position or keyword, expression)]``."""
    analysis = scope.analysis
    func = call.func

    def target(node) -> str | None:
        qualname = analysis.canonical(scope.resolve(node)) if type(node) in (ast.Name, ast.Attribute) else None
        return qualname if qualname in fetchers else None

    def pass_on(args, keywords) -> list[tuple[object, ast.AST]]:
        passed: list[tuple[object, ast.AST]] = []
        for index, argument in enumerate(args):
            if type(argument) is ast.Starred:
                break
            passed.append((index, argument))
        for keyword in keywords:
            if keyword.arg:
                passed.append((keyword.arg, keyword.value))
        return passed

    direct = target(func)
    if direct:
        return direct, pass_on(call.args, call.keywords)
    if type(func) is ast.Attribute:
        method = func.attr
        if method in _TASK_METHODS:
            task = target(func.value)
            if task is None:
                return None
            if method == "apply_async":
                args: list = []
                keywords: list = []
                for keyword in call.keywords:
                    if keyword.arg == "args" and type(keyword.value) in (ast.List, ast.Tuple):
                        args = list(keyword.value.elts)
                    elif keyword.arg == "kwargs" and type(keyword.value) is ast.Dict:
                        keywords = [ast.keyword(arg=_const_str(k), value=v)
                                    for k, v in zip(keyword.value.keys, keyword.value.values) if _const_str(k)]
                if not args and call.args and type(call.args[0]) in (ast.List, ast.Tuple):
                    args = list(call.args[0].elts)
                return task, pass_on(args, keywords)
            return task, pass_on(call.args, call.keywords)
        if method in _DISPATCH_METHODS and call.args:
            task = target(call.args[0])
            return (task, pass_on(call.args[1:], call.keywords)) if task else None
        if method == "run_in_executor" and len(call.args) >= 2:
            task = target(call.args[1])
            return (task, pass_on(call.args[2:], ())) if task else None
    qualname = analysis.canonical(scope.resolve(func))
    if qualname in _DISPATCH_FUNCTIONS and call.args:
        task = target(call.args[0])
        return (task, pass_on(call.args[1:], call.keywords)) if task else None
    if qualname in _THREADS:
        task = None
        args = []
        for keyword in call.keywords:
            if keyword.arg == "target":
                task = target(keyword.value)
            elif keyword.arg == "args" and type(keyword.value) in (ast.List, ast.Tuple):
                args = list(keyword.value.elts)
        return (task, pass_on(args, ())) if task else None
    return None


# --- the accepting side ---------------------------------------------------------------------------

class _Acceptors:
    """Where the project lets clients set fields named in ``wanted``."""

    def __init__(self, analysis: _Analysis, wanted: set[str]):
        self.analysis = analysis
        self.project = analysis.project
        self.wanted = wanted
        self.found: dict[str, list[_Acceptor]] = {}

    def collect(self) -> dict[str, list[_Acceptor]]:
        for qualname, cls in list(self.project.classes.items()):
            if qualname.endswith(".Meta"):
                continue
            annotated = {n for n, _ in cls.annotations} & self.wanted
            if annotated and self.analysis.is_pydantic(qualname):
                self._pydantic(qualname, annotated)
            if f"{qualname}.Meta" in self.project.classes or {n for n, _ in cls.attributes} & self.wanted:
                chain = self.analysis.mro(qualname)
                if any(n.startswith(_SERIALIZER_PREFIX) and _tail(n) in _SERIALIZER_TAILS for n in chain[1:]):
                    self._django_input(qualname, chain, "serializer")
                elif any(n.startswith(_FORM_PREFIX) and _tail(n) in _FORM_TAILS for n in chain[1:]):
                    self._django_input(qualname, chain, "form")
        self._assignments(self.wanted)
        self._raw_sql(self.wanted)
        return self.found

    def _add(self, acceptor: _Acceptor) -> None:
        self.found.setdefault(acceptor.field, []).append(acceptor)

    # -- pydantic request models
    def _pydantic(self, qualname: str, fields: set[str]) -> None:
        analysis = self.analysis
        users = []
        route_models = analysis.route_models
        for candidate in analysis.descendants(qualname):
            cls = self.project.classes.get(candidate)
            if cls is None or not analysis.is_pydantic(candidate):
                continue
            if candidate in route_models or _REQUEST_MODEL_NAME.search(cls.name):
                users.append(candidate)
        if not users:
            return
        cls = self.project.classes[qualname]
        node = analysis.class_node(qualname)
        names = analysis.names_of(cls.location.path)
        if node is None or names is None:
            return
        for stmt in node.body:
            if type(stmt) is not ast.AnnAssign or type(stmt.target) is not ast.Name or stmt.target.id not in fields:
                continue
            field = stmt.target.id
            kind, defended = self._type_info(stmt.annotation, names, 0)
            if kind is None or (kind == "str" and not _URL_NAME.match(field)):
                continue
            validated = defended or all(self._model_validates(user, field) for user in users)
            label = sorted(users, key=lambda u: (u not in route_models, u))[0].rsplit(".", 1)[-1]
            model = qualname if analysis.is_orm(qualname) else self._schema_target(users, field)
            self._add(_Acceptor(field, label, Location.of(cls.location.path, stmt), validated, model, 0))

    def _schema_target(self, users: list[str], field: str) -> str | None:
        """The ORM model the routes taking a request model write ``field`` into
        (``Webhook(target_url=str(payload.target_url))``, ``Webhook(**payload.model_dump())``)."""
        analysis = self.analysis
        for user in users:
            for handler in analysis.route_models.get(user, ()):
                scope = analysis.scope(handler)
                if scope is None:
                    continue
                params = {p.name for p in handler.params if analysis.canonical(p.annotation) == user}
                for node in scope.nodes:
                    for _, value, _, model in self._writes(scope, node, {field}):
                        if model and scope.mentions(value, params):
                            return model
        return None

    def _type_info(self, node, names, depth: int) -> tuple[str | None, bool]:
        """(``"url"``/``"str"``/None, whether a validator on the type checks the destination)."""
        if depth > 4 or node is None:
            return None, False
        kind = type(node)
        if kind is ast.Constant:
            if isinstance(node.value, str):
                try:
                    return self._type_info(ast.parse(node.value, mode="eval").body, names, depth + 1)
                except SyntaxError:
                    return None, False
            return None, False
        if kind is ast.BinOp and type(node.op) is ast.BitOr:
            return _combine([self._type_info(part, names, depth + 1) for part in (node.left, node.right)
                             if not (type(part) is ast.Constant and part.value is None)])
        if kind is ast.Subscript:
            head = _tail(names.resolve(node.value) or (node.value.id if type(node.value) is ast.Name else ""))
            elements = node.slice.elts if type(node.slice) is ast.Tuple else [node.slice]
            if head == "Annotated" and elements:
                core, defended = self._type_info(elements[0], names, depth + 1)
                for extra in elements[1:]:
                    if type(extra) is ast.Call and _tail(names.resolve(extra.func) or _text(extra.func)) in \
                            _VALIDATOR_WRAPPERS and extra.args:
                        defended = defended or self.analysis.callable_defends(extra.args[0], names)
                return core, defended
            if head == "Optional" and elements:
                return self._type_info(elements[0], names, depth + 1)
            if head == "Union":
                return _combine([self._type_info(e, names, depth + 1) for e in elements
                                 if not (type(e) is ast.Constant and e.value is None)])
            return None, False
        if kind is ast.Call:
            tail = _tail(names.resolve(node.func) or _text(node.func))
            return ("str", False) if tail in ("constr",) else ("url", False) if tail in ("stricturl",) else (None, False)
        if kind in (ast.Name, ast.Attribute):
            resolved = names.resolve(node)
            qualname = self.analysis.canonical(resolved) or ""
            tail = _tail(qualname or _text(node))
            if qualname in _STR_TYPES or tail in ("StrictStr",):
                return "str", False
            if tail in _URL_TYPES and (qualname.startswith(("pydantic", "pydantic_core")) or not resolved):
                return "url", False
            variable = self.project.variables.get(qualname)
            if variable is not None:  # PublicUrl = Annotated[HttpUrl, AfterValidator(ensure_public)]
                tree = self.project.tree(variable.location.path)
                alias_names = self.analysis.names_of(variable.location.path)
                if tree is not None and alias_names is not None:
                    for stmt in tree.body:
                        if type(stmt) in (ast.Assign, ast.AnnAssign) and stmt.lineno == variable.location.line and \
                                stmt.value is not None:
                            return self._type_info(stmt.value, alias_names, depth + 1)
                return None, False
            cls = self.project.classes.get(qualname)
            if cls is not None:  # class SafeUrl(str) / class PublicHttpUrl(AnyHttpUrl)
                chain = self.analysis.mro(qualname)
                base_kind = "url" if any(_tail(n) in _URL_TYPES for n in chain[1:]) else \
                    "str" if any(n in _STR_TYPES for n in chain[1:]) else None
                if base_kind is None:
                    return None, False
                defended = _validator_name(cls.name)
                for method in cls.methods:
                    function = self.project.functions.get(f"{qualname}.{method}")
                    body = self.analysis.function_node(function) if function is not None else None
                    if body is not None and _defends(body, self.analysis.names_of(function.location.path)):
                        defended = True
                return base_kind, defended
        return None, False

    def _model_validates(self, qualname: str, field: str) -> bool:
        """A validator on the field somewhere along the model's MRO, or every route taking the model checks it."""
        analysis = self.analysis
        for name in analysis.mro(qualname):
            cls = self.project.classes.get(name)
            node = analysis.class_node(name) if cls is not None else None
            names = analysis.names_of(cls.location.path) if cls is not None else None
            if node is None or names is None:
                continue
            for stmt in node.body:
                if type(stmt) not in (ast.FunctionDef, ast.AsyncFunctionDef):
                    continue
                for decorator in stmt.decorator_list:
                    target = decorator.func if type(decorator) is ast.Call else decorator
                    tail = _tail(names.resolve(target) or _text(target))
                    if tail in _FIELD_VALIDATORS and type(decorator) is ast.Call:
                        covered = {_const_str(a) for a in decorator.args}
                        if (field in covered or "*" in covered) and _defends(stmt, names):
                            return True
                    elif tail in _MODEL_VALIDATORS and _defends(stmt, names):
                        return True
        handlers = analysis.route_models.get(qualname)
        if handlers:
            for handler in handlers:
                node = analysis.function_node(handler)
                if node is None or not _defends(node, analysis.names_of(handler.location.path)):
                    return False
            return True
        return False

    # -- DRF serializers and Django forms
    def _django_input(self, qualname: str, chain: list[str], what: str) -> None:
        analysis = self.analysis
        project = self.project
        declared: dict[str, tuple] = {}  # field → (FieldDecl, owner class)
        for name in chain:
            for item in self._decls(name):
                declared.setdefault(item.name, (item, name))
        label = qualname.rsplit(".", 1)[-1]
        done: set[str] = set()
        for field in self.wanted:
            entry = declared.get(field)
            if entry is None:
                continue
            item, owner = entry
            tail = _tail(item.callee)
            if item.option("read_only") is True or item.option("disabled") is True or tail in _READ_ONLY_FIELDS:
                done.add(field)
                continue
            if not (tail in _URL_FIELDS or (tail in _TEXT_FIELDS and _URL_NAME.match(field))):
                continue
            done.add(field)
            location, validators = self._declared_field(owner, field)
            validated = validators or self._method_validates(chain, field, what)
            self._add(_Acceptor(field, label, location or project.classes[owner].location, validated,
                                self._meta_model(chain), 0))
        meta_owner, meta = None, None
        for name in chain:
            meta = project.classes.get(f"{name}.Meta")
            if meta is not None:
                meta_owner = name
                break
        if meta is None:
            return
        model_value = meta.attribute("model")
        if not (isinstance(model_value, Literal) and isinstance(model_value.value, str)):
            return
        model = analysis.canonical(model_value.value)
        info = project.django.model(model) if analysis._has_django() else None
        if info is None:
            return
        fields_value = meta.attribute("fields")
        exclude = _strings(meta.attribute("exclude")) or ()
        listed = _strings(fields_value)
        model_fields = {item.name: item for item in info.fields}
        if isinstance(fields_value, Literal) and fields_value.value == "__all__":
            chosen = set(model_fields) - set(exclude)
        elif listed is not None:
            chosen = set(listed)
        elif fields_value is None and exclude:
            chosen = set(model_fields) - set(exclude)
        else:
            return
        read_only = set(_strings(meta.attribute("read_only_fields")) or ())
        extra = meta.attribute("extra_kwargs")
        if isinstance(extra, Literal) and isinstance(extra.value, dict):
            for name, options in extra.value.items():
                if isinstance(options, dict) and options.get("read_only") is True:
                    read_only.add(str(name))
        for field in (chosen & self.wanted) - done - read_only:
            item = model_fields.get(field)
            if item is None:
                continue
            tail = _tail(item.callee)
            if item.option("editable") is False:
                continue
            if not (tail in _URL_FIELDS or (tail in _TEXT_FIELDS and _URL_NAME.match(field))):
                continue
            _, model_validators = self._declared_field(model, field)
            validated = model_validators or self._method_validates(chain, field, what)
            location = self._meta_location(meta_owner) or meta.location
            self._add(_Acceptor(field, label, location, validated, model, 0))

    def _meta_model(self, chain: list[str]) -> str | None:
        for name in chain:
            meta = self.project.classes.get(f"{name}.Meta")
            model = meta.attribute("model") if meta is not None else None
            if isinstance(model, Literal) and isinstance(model.value, str):
                return self.analysis.canonical(model.value)
        return None

    def _decls(self, qualname: str):
        facts = self.project.file_of(qualname)
        if facts is None or not facts.django:
            return ()
        for decl in facts.django.classes:
            if decl.qualname == qualname:
                return decl.fields
        return ()

    def _meta_location(self, owner: str | None) -> Location | None:
        if owner is None:
            return None
        facts = self.project.file_of(owner)
        if facts is None or not facts.django:
            return None
        for decl in facts.django.classes:
            if decl.qualname == f"{owner}.Meta":
                return decl.where("fields") or decl.where("exclude")
        return None

    def _declared_field(self, owner: str, field: str) -> tuple[Location | None, bool]:
        """Where ``field = SomeField(...)`` is in ``owner``, and whether its ``validators=`` check the host."""
        cls = self.project.classes.get(owner)
        node = self.analysis.class_node(owner) if cls is not None else None
        names = self.analysis.names_of(cls.location.path) if cls is not None else None
        if node is None or names is None:
            return None, False
        for stmt in node.body:
            if type(stmt) is ast.Assign and any(type(t) is ast.Name and t.id == field for t in stmt.targets):
                validated = False
                if type(stmt.value) is ast.Call:
                    for keyword in stmt.value.keywords:
                        if keyword.arg == "validators" and type(keyword.value) in (ast.List, ast.Tuple):
                            validated = any(self.analysis.callable_defends(e, names) for e in keyword.value.elts)
                return Location.of(cls.location.path, stmt), validated
        return None, False

    def _method_validates(self, chain: list[str], field: str, what: str) -> bool:
        """DRF ``validate_<field>``/``validate``, Django form ``clean_<field>``/``clean`` that check the host."""
        methods = (f"validate_{field}", "validate") if what == "serializer" else (f"clean_{field}", "clean")
        for name in chain:
            for method in methods:
                function = self.project.functions.get(f"{name}.{method}")
                node = self.analysis.function_node(function) if function is not None else None
                if node is not None and _defends(node, self.analysis.names_of(function.location.path)):
                    return True
        return False

    # -- ORM fields assigned from request data
    def _assignments(self, wanted: set[str]) -> None:
        analysis = self.analysis
        project = self.project
        for function in list(project.functions.values()):
            if function.qualname not in analysis.handlers and not any(
                    p.name in C.REQUEST_PARAM_NAMES or (analysis.canonical(p.annotation) in C.REQUEST_TYPES)
                    for p in function.params):
                continue
            scope = analysis.scope(function)
            if scope is None:
                continue
            for node in scope.nodes:
                for field, value, target, model in self._writes(scope, node, wanted):
                    if scope.kind(value) != "request" or scope.via_schema(value):
                        continue  # not request data, or it came through a model/serializer/form judged above
                    if target is not None and scope.kind(target) == "request":
                        continue
                    validated = scope.defended_before(node.lineno)
                    self._add(_Acceptor(field, f"{function.name}() from request data",
                                        Location.of(scope.path, node), validated, model, 1))

    def _writes(self, scope: _Scope, node, wanted: set[str]) -> Iterator[tuple]:
        """``(field, value, record, model)`` for the field writes a statement or call makes."""
        kind = type(node)
        if kind is ast.Assign:
            for target in node.targets:
                if type(target) is ast.Attribute and target.attr in wanted:
                    yield target.attr, node.value, target.value, scope.model_of(target.value)
            return
        if kind is not ast.Call:
            return
        func = node.func
        qualname = scope.analysis.canonical(scope.resolve(func))
        if qualname == "builtins.setattr" and len(node.args) == 3:
            field = _const_str(node.args[1])
            if field in wanted:
                yield field, node.args[2], node.args[0], scope.model_of(node.args[0])
            elif field is None:
                model = scope.model_of(node.args[0])
                for name in self._model_fields(model, wanted):
                    yield name, node.args[2], node.args[0], model
            return
        model = None
        if qualname and qualname in self.project.classes and not self.analysis.is_input_class(qualname):
            model = qualname if self.analysis.is_orm(qualname) else None
            writer = True
        elif type(func) is ast.Attribute and func.attr in _WRITE_METHODS:
            model = scope.model_of(node)
            writer = True
        else:
            writer = False
        if not writer:
            return
        for keyword in node.keywords:
            if keyword.arg in wanted:
                yield keyword.arg, keyword.value, None, model
            elif keyword.arg is None and model is not None:
                for name in self._model_fields(model, wanted):
                    yield name, keyword.value, None, model

    # -- raw SQL writes: INSERT INTO t (col) VALUES (?), UPDATE t SET col = :value
    def _raw_sql(self, wanted: set[str]) -> None:
        analysis = self.analysis
        for function in list(self.project.functions.values()):
            if function.method_calls.isdisjoint(_SQL_EXECUTE):
                continue
            scope = analysis.scope(function)
            if scope is None:
                continue
            for node in scope.nodes:
                if type(node) is not ast.Call or type(node.func) is not ast.Attribute or \
                        node.func.attr not in _SQL_EXECUTE:
                    continue
                for table, column, value in self._sql_writes(scope, node, wanted):
                    if scope.kind(value) != "request" or scope.via_schema(value):
                        continue  # not client data, or a request-model field judged as one above
                    validated = scope.defended_before(node.lineno)
                    self._add(_Acceptor(column, f"{function.name}() into {table}.{column} from request data",
                                        Location.of(scope.path, node), validated, None, 1))

    def _sql_text(self, scope: _Scope, node, depth: int = 0) -> str | None:
        """The SQL of a literal, ``text("...")`` or a local/module constant."""
        if node is None or depth > 4:
            return None
        text = _const_str(node)
        if text is not None:
            return text
        kind = type(node)
        if kind is ast.Call:
            if _tail(scope.resolve(node.func) or (node.func.id if type(node.func) is ast.Name else "")) == "text" \
                    and len(node.args) == 1:
                return self._sql_text(scope, node.args[0], depth + 1)
            return None
        if kind is ast.Name:
            values = scope.assigned.get(node.id)
            if values is not None:
                if len(values) == 1 and values[0][0] == "value":
                    return self._sql_text(scope, values[0][1], depth + 1)
                return None
            if node.id in scope.params:
                return None
        if kind in (ast.Name, ast.Attribute):
            qualname = scope.resolve(node)
            value = self.project.value_of(qualname) if qualname else None
            if isinstance(value, Literal) and isinstance(value.value, str):
                return value.value
        return None

    def _sql_writes(self, scope: _Scope, call: ast.Call, wanted: set[str]) -> Iterator[tuple]:
        """``(table, column, value expression)`` for the wanted columns a raw SQL statement sets."""
        query = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg in _SQL_QUERY_KEYWORDS), None)
        sql = self._sql_text(scope, query)
        if not sql or not _SQL_WRITE_HINT.search(sql):
            return
        columns: list[tuple[str, str, int]] = []  # (column, value text, positional placeholders before it)
        match = _SQL_INSERT.match(sql)
        if match:
            table = match.group(1)
            names = [_sql_name(c) for c in _split_top(match.group(2))]
            values = _split_top(match.group(3))
            if len(names) != len(values):
                return
            before = _positional_count(sql[:match.start(3)])
            for name, value in zip(names, values):
                columns.append((name, value, before))
                before += _positional_count(value)
        else:
            match = _SQL_UPDATE.match(sql)
            if not match:
                return
            table = match.group(1)
            before = _positional_count(sql[:match.start(2)])
            for assignment in _split_top(match.group(2)):
                name, equals, value = assignment.partition("=")
                if equals:
                    columns.append((_sql_name(name), value.strip(), before))
                before += _positional_count(value)
        if not any(name in wanted for name, _, _ in columns):
            return
        table = _sql_name(table)
        params = self._sql_params(scope, call)
        for name, value_text, index in columns:
            if name not in wanted:
                continue
            placeholder = _SQL_PLACEHOLDER.fullmatch(value_text)
            if placeholder is None:
                continue
            token = placeholder.group(0)
            if token in ("?", "%s"):
                value = params[0][index] if index < len(params[0]) else None
            elif placeholder.group(2):
                index = int(placeholder.group(2)) - 1
                value = params[0][index] if 0 <= index < len(params[0]) else None
            else:
                value = params[1].get(placeholder.group(1) or placeholder.group(3))
            if value is not None:
                yield table, name, value

    def _sql_params(self, scope: _Scope, call: ast.Call) -> tuple[list, dict]:
        """The statement's parameters: positional values and named values."""
        extra = list(call.args[1:])
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        given = extra[0] if len(extra) == 1 else next(
            (keywords[k] for k in _SQL_PARAM_KEYWORDS if k in keywords), None) if not extra else None
        positional: list = []
        named: dict = {}
        if len(extra) > 1:
            positional = extra  # asyncpg: conn.fetchrow(sql, a, b)
        elif given is not None:
            value = self._local_value(scope, given)
            if call.func.attr == "executemany" and type(value) in (ast.List, ast.Tuple) and value.elts:
                value = self._local_value(scope, value.elts[0])
            if type(value) in (ast.Tuple, ast.List):
                positional = list(value.elts)
            elif type(value) is ast.Dict:
                named = {_const_str(k): v for k, v in zip(value.keys, value.values) if _const_str(k) is not None}
            elif type(value) is ast.Call and scope.analysis.canonical(scope.resolve(value.func)) == "builtins.dict":
                named = {k.arg: k.value for k in value.keywords if k.arg is not None}
            else:
                positional = [given]  # asyncpg: conn.fetchrow(sql, value)
        for key, value in keywords.items():
            if key not in _SQL_PARAM_KEYWORDS and key not in _SQL_QUERY_KEYWORDS:
                named.setdefault(key, value)
        return positional, named

    def _local_value(self, scope: _Scope, node):
        if type(node) is ast.Name:
            values = scope.assigned.get(node.id, ())
            if len(values) == 1 and values[0][0] == "value":
                return values[0][1]
        return node

    def _model_fields(self, model: str | None, wanted: set[str]) -> set[str]:
        if not model:
            return set()
        fields = self.analysis.class_fields(model) or set()
        return {name for name in fields & wanted if _URL_NAME.match(name)}


def _split_top(text: str) -> list[str]:
    """Split SQL on the commas outside parentheses and quotes."""
    parts: list[str] = []
    depth = 0
    quote = ""
    current = ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def _positional_count(text: str) -> int:
    return sum(1 for found in _SQL_PLACEHOLDER.finditer(text) if found.group(0) in ("?", "%s"))


def _sql_name(text: str) -> str:
    return text.strip().strip('"`[]').rsplit(".", 1)[-1].strip('"`[]')


def _combine(parts: list[tuple[str | None, bool]]) -> tuple[str | None, bool]:
    accepted = [part for part in parts if part[0] is not None]
    if not accepted:
        return None, False
    kind = "url" if any(k == "url" for k, _ in accepted) else "str"
    return kind, all(defended for _, defended in accepted)


def _strings(value) -> tuple[str, ...] | None:
    if isinstance(value, Literal) and isinstance(value.value, (list, tuple, set)):
        return tuple(str(v) for v in value.value)
    return None


# --- the rule ------------------------------------------------------------------------------------------

@rule(
    code="SP609",
    slug="request-to-stored-url",
    title="Server-side request to a stored URL that clients set (second-order SSRF)",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    cwe=918,
    control="other-injection",
    kind="project",
    hint="Check the destination where it is fetched (and where it is accepted): resolve the host and refuse "
    "private, loopback and link-local addresses (`ipaddress.ip_address(addr).is_global`), or allow only known "
    "hosts (`urlparse(url).hostname in ALLOWED_HOSTS`); `HttpUrl`/`URLField` alone accept http://169.254.169.254/.",
)
def request_to_stored_url(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Finds outgoing HTTP requests (`requests.get/post/request`, `httpx.get/post`, methods of an
    `httpx.Client`/`AsyncClient`, `requests.Session` or `aiohttp.ClientSession`,
    `urllib.request.urlopen`) whose URL is a field of a stored record — an ORM object attribute
    or a row column (`hook.target_url`, `sub.callback_url`, `row["url"]`,
    `values_list("url", flat=True)`, `self.homepage` in a model method) — when the project
    also lets clients set a field of that name:

    - a Pydantic request model field (a route's body model or a model named like one:
      `HookCreate`, `ProfileUpdate`) typed `str`/`HttpUrl`/`AnyUrl`;
    - a DRF serializer or Django form field (`URLField`, or a `CharField` named like a URL:
      `url`, `*_url`, `endpoint`, `callback`, `webhook`, `host`), declared or listed in `Meta.fields`
      of a `ModelSerializer`/`ModelForm`;
    - an ORM field assigned from request data in a handler (`hook.url = payload.url`,
      `Webhook.objects.create(url=request.POST["url"])`, `setattr(hook, key, value)`);
    - a column set from request data by raw SQL: `INSERT INTO t (cols) VALUES (...)` (also
      `INSERT OR ...`, `REPLACE INTO`) or `UPDATE t SET col = ...`, written as a literal,
      `text("...")` or a local/module constant, run with `execute`/`executemany`/`fetchrow`/
      `fetch_one`/`exec_driver_sql`..., with `?`, `%s`, `$1`, `:name` or `%(name)s` placeholders
      and the parameters as a tuple, list, dict, keywords or separate arguments (asyncpg).

    Rows read back by raw SQL (`cursor.fetchone()`, `conn.fetchrow(...)`, a helper returning one)
    are followed to `row["col"]`.

    Requests made by a helper in another module that takes the URL as a parameter are followed
    (the finding is on the call passing the stored field), also through
    `BackgroundTasks.add_task`, Celery `.delay()`/`.apply_async()` and threads. The message names
    both places: where clients set the field and where it is fetched.

    Not reported: a destination checked on the way — a schema validator (`@field_validator`,
    `AfterValidator`, DRF `validate_<field>`, form `clean_<field>`, `validators=[...]`) or a check
    before the fetch that resolves the host and rejects private addresses (`.is_private`,
    `.is_global`, `.is_loopback`), compares the host with an allow-list
    (`urlparse(url).hostname in ALLOWED_HOSTS`) or calls a helper whose name says it checks the
    destination (a name with `valid`/`safe`/`allow`/`check`/`verify`/`ensure`/`public`/`private`...
    and `url`/`host`/`webhook`/`callback`/`endpoint`/`target`/`address`..., or `ssrf`:
    `validate_webhook_url`, `is_safe_url`). URLs from settings, the environment or constants are
    not stored records. Request data reaching a request directly is SP604's finding.

    ## Why is this bad?
    Webhooks, callbacks, "import from URL", avatars and link previews store a URL the user typed
    and fetch it later — from a worker, a "send test event" button, a relay. The server then
    calls whatever the user registered: `http://169.254.169.254/` (cloud credentials),
    `http://localhost:6379/`, the admin service on the internal network. Pydantic's `HttpUrl` and
    Django's `URLField` check the syntax only and accept all of these.

    ## Example
    ```python
    import httpx
    from fastapi import Depends, FastAPI
    from pydantic import BaseModel, HttpUrl
    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    from app.database import get_db

    app = FastAPI()


    class Base(DeclarativeBase):
        pass


    class Webhook(Base):
        __tablename__ = "webhooks"
        id: Mapped[int] = mapped_column(primary_key=True)
        target_url: Mapped[str] = mapped_column(String(2000))


    class HookCreate(BaseModel):
        target_url: HttpUrl


    @app.post("/hooks")
    def create_hook(payload: HookCreate, db: Session = Depends(get_db)):
        hook = Webhook(target_url=str(payload.target_url))
        db.add(hook)
        db.commit()
        return {"id": hook.id}


    @app.post("/hooks/{hook_id}/test")
    def test_hook(hook_id: int, db: Session = Depends(get_db)):
        hook = db.get(Webhook, hook_id)
        response = httpx.post(hook.target_url, json={"event": "ping"}, timeout=5)
        return {"status": response.status_code}
    ```

    ## Use instead
    ```python
    import ipaddress
    import socket

    import httpx
    from fastapi import Depends, FastAPI
    from pydantic import BaseModel, HttpUrl, field_validator
    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    from app.database import get_db

    app = FastAPI()


    class Base(DeclarativeBase):
        pass


    class Webhook(Base):
        __tablename__ = "webhooks"
        id: Mapped[int] = mapped_column(primary_key=True)
        target_url: Mapped[str] = mapped_column(String(2000))


    class HookCreate(BaseModel):
        target_url: HttpUrl

        @field_validator("target_url")
        @classmethod
        def public_destination(cls, value):
            for info in socket.getaddrinfo(value.host, value.port):
                if not ipaddress.ip_address(info[4][0]).is_global:
                    raise ValueError("webhooks must point to a public address")
            return value


    @app.post("/hooks")
    def create_hook(payload: HookCreate, db: Session = Depends(get_db)):
        hook = Webhook(target_url=str(payload.target_url))
        db.add(hook)
        db.commit()
        return {"id": hook.id}


    @app.post("/hooks/{hook_id}/test")
    def test_hook(hook_id: int, db: Session = Depends(get_db)):
        hook = db.get(Webhook, hook_id)
        response = httpx.post(hook.target_url, json={"event": "ping"}, timeout=5)
        return {"status": response.status_code}
    ```

    ## Known problems
    The two halves are joined by field name (and by model class when both sides name it), so a
    stored `url` that only administrators write can be matched with a client-facing schema that
    has an unrelated `url` field. Checks are recognised by shape and by name: a validator named
    like one is trusted without reading what it does, and a check written another way (a regular
    expression on the host, an egress proxy, a transport that pins addresses) is not understood;
    suppress with a reason. Validating at write time does not stop DNS rebinding or redirects to
    internal addresses at fetch time. Raw SQL writes and reads are matched by column name only
    (not by table); SQL built at run time (f-strings, concatenation) is not followed, nor are
    rows read by position (`row[0]`). URLs fetched by methods of a client class
    (`self.http.post(...)`) or built by a helper function that returns them are not followed.

    ## References
    - https://cwe.mitre.org/data/definitions/918.html
    - https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/
    - https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html
    - https://portswigger.net/web-security/ssrf
    """
    analysis = _Analysis(project)
    graph = analysis.graph
    sinks = []
    for flow in list(graph.flows.values()):
        for sink in flow.sinks:
            if sink.kind == "ssrf":
                sinks.append((flow, sink))
    if not sinks:
        return
    direct_ssrf = {(f.function.path, f.sink.line, f.sink.column) for f in graph.findings() if f.sink.kind == "ssrf"}

    # 1. Requests whose URL is a stored field, and functions whose parameter is the URL.
    candidates: list[tuple] = []  # (read, scope, location, how, fetch)
    fetchers: dict[str, dict[str, _Fetch]] = {}
    for flow, sink in sinks:
        function = project.functions.get(flow.qualname)
        scope = analysis.scope(function) if function is not None else None
        if scope is None:
            continue
        call = _find_call(scope.node, sink.line, sink.column)
        if call is None:
            continue
        url = _url_argument(call, sink.name)
        if _relative(url):
            base = _client_base_url(scope, call)
            if base is None:
                continue
            url = base
        sources = scope.url_sources(url)
        if any(source[0] == "request" for source in sources):
            continue
        reads = [source[1] for source in sources if source[0] in ("stored", "fresh")]
        if reads and (flow.path, sink.line, sink.column) not in direct_ssrf and not scope.defended_before(sink.line):
            location = Location(flow.path, sink.line, sink.column, sink.end_line)
            fetch = _Fetch(sink.name, flow.path, sink.line, sink.column)
            candidates.append((reads, scope, location, None, fetch))
        if function.class_name is None:
            for source in sources:
                if source[0] == "param":
                    _add_fetcher(analysis, fetchers, function, source[1])
    _grow_fetchers(analysis, fetchers)

    # 2. Calls that pass a stored field to such a function (directly or as a background task).
    if fetchers:
        tails = {qualname.rsplit(".", 1)[-1] for qualname in fetchers}
        for function in list(project.functions.values()):
            if not _may_call(function, tails):
                continue
            scope = analysis.scope(function)
            if scope is None:
                continue
            for node in scope.nodes:
                if type(node) is not ast.Call:
                    continue
                found = _dispatched(scope, node, fetchers)
                if found is None:
                    continue
                target, passed = found
                callee = project.functions.get(target)
                if callee is None:
                    continue
                params = [p.name for p in callee.params]
                for position, argument in passed:
                    param = params[position] if isinstance(position, int) and position < len(params) else \
                        position if isinstance(position, str) else None
                    fetch = fetchers[target].get(param) if param else None
                    if fetch is None:
                        continue
                    sources = scope.url_sources(argument)
                    if any(source[0] == "request" for source in sources):
                        continue
                    if any(source[0] == "fresh" for source in sources) and fetch.key in direct_ssrf:
                        continue  # SP604 reports that request already
                    reads = [source[1] for source in sources if source[0] in ("stored", "fresh")]
                    if reads and not scope.defended_before(node.lineno):
                        candidates.append((reads, scope, Location.of(scope.path, node), callee.name, fetch))
    if not candidates:
        return

    # 3. Where clients set those fields.
    wanted = {read.field for reads, *_ in candidates for read in reads}
    acceptors = _Acceptors(analysis, wanted).collect()
    reported: set[tuple] = set()
    for reads, scope, location, helper, fetch in candidates:
        key = (location.path, location.line, location.column)
        if key in reported:
            continue
        for read in reads:
            if read.model is not None:
                fields = analysis.class_fields(read.model)
                if fields is not None and read.field not in fields:
                    continue  # a property or method of the model, not a stored column
            matching = sorted((a for a in _relevant(analysis, acceptors.get(read.field, ()), read) if not a.validated),
                              key=lambda a: (a.rank, a.location.path, a.location.line))
            if not matching:
                continue
            first = matching[0]
            more = f" (and {len(matching) - 1} other place{'s' if len(matching) > 2 else ''})" \
                if len(matching) > 1 else ""
            if helper is None:
                message = (f"{read.field} accepted by {first.describe()}{more} is fetched here with {fetch.sink_name} "
                           f"({read.text})")
            else:
                message = (f"{read.field} accepted by {first.describe()}{more} is passed here to {helper}(), which "
                           f"fetches it with {fetch.sink_name} in {fetch.sink_path}:{fetch.sink_line} ({read.text})")
            steps = (
                FlowStep(first.location, f"clients set '{read.field}' here"),
                FlowStep(Location.of(scope.path, read.node), f"read back from storage: {read.text}"),
                FlowStep(Location(fetch.sink_path, fetch.sink_line), f"fetched with {fetch.sink_name}"),
            )
            reported.add(key)
            yield Hit(location, message, symbol=scope.function.qualname, flow=steps)
            break


def _relevant(analysis: _Analysis, acceptors, read: _Read) -> list[_Acceptor]:
    """The acceptors that can have written the record read: those known to write the read's model when
    there are any (their validation decides), else those whose model is unknown (matched by name)."""
    if read.model is None:
        return list(acceptors)
    specific = [a for a in acceptors if a.model is not None and analysis.related(a.model, read.model)]
    return specific or [a for a in acceptors if a.model is None]


def _add_fetcher(analysis: _Analysis, fetchers: dict, function, param: str) -> None:
    """Record ``function`` as fetching its parameter ``param`` when the flow engine sees it reach a request
    unchecked (its allow-list and validator narrowing apply)."""
    if param in fetchers.get(function.qualname, {}):
        return
    flow = analysis.graph.flow_of(function)
    if flow is None:
        return
    for reach in analysis.graph.reaches(flow, ("p", param, "")):
        if reach.sink.kind != "ssrf" or "ssrf" in reach.sanitized or reach.field:
            continue
        holder = analysis.project.functions.get(reach.function.qualname)
        node = analysis.function_node(holder) if holder is not None else None
        if node is not None and _defends(node, analysis.names_of(holder.location.path), reach.sink.line):
            continue
        fetchers.setdefault(function.qualname, {})[param] = _Fetch(reach.sink.name, reach.function.path,
                                                                     reach.sink.line, reach.sink.column)
        return


def _grow_fetchers(analysis: _Analysis, fetchers: dict, levels: int = 3) -> None:
    """Functions that pass their own parameter on to a fetching function fetch it too."""
    frontier = set(fetchers)
    for _ in range(levels):
        if not frontier:
            return
        tails = {qualname.rsplit(".", 1)[-1] for qualname in frontier}
        added: set[str] = set()
        for function in list(analysis.project.functions.values()):
            if function.qualname in fetchers or function.class_name is not None or not _may_call(function, tails):
                continue
            if not any(analysis.canonical(c) in frontier for c in function.calls):
                continue
            for param in function.params:
                _add_fetcher(analysis, fetchers, function, param.name)
            if function.qualname in fetchers:
                added.add(function.qualname)
        frontier = added


def _may_call(function, tails: set[str]) -> bool:
    """Cheap test before parsing: does the function name one of ``tails`` or dispatch background work?"""
    for call in function.calls:
        parts = call.rsplit(".", 2)
        if parts[-1] in tails or (len(parts) > 1 and parts[-1] in _TASK_METHODS and parts[-2] in tails):
            return True
        if call in _DISPATCH_FUNCTIONS or call in _THREADS:
            return True
    return not function.method_calls.isdisjoint(_DISPATCH_METHODS) or "run_in_executor" in function.method_calls
