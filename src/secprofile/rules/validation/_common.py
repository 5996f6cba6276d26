"""Shared analyses for the input-validation rules (SP801–SP803) and SP902 (not a rule module).

- :class:`Models` classifies the project's classes: Pydantic schemas, ORM models (SQLAlchemy
  declarative, SQLModel ``table=True``, Django, Tortoise and friends), with their fields
  across inheritance and modules.
- :class:`Functions` finds a summarised function's AST (one walk per file, lazily).
- :class:`RequestFlow` follows request data through one function: raw body reads
  (``await request.json()``), dict-typed bodies, Pydantic dumps, Django's ``request.POST``;
  where it is validated, signature-checked, splatted into an ORM model, or used raw.

Everything is built per scan through ``project.derived``; nothing is written onto AST nodes.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Iterator

from secprofile.model.module import ClassFacts, FunctionFacts
from secprofile.model.values import Literal
from secprofile.source.location import Location
from secprofile.source.names import ModuleNames
from secprofile.source.parsing import Unreadable, decode_source

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)

PYDANTIC_ROOTS = frozenset(
    {"pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel", "pydantic.v1.main.BaseModel",
     "pydantic.RootModel", "pydantic.root_model.RootModel", "pydantic.generics.GenericModel",
     "ninja.Schema", "ninja.schema.Schema", "ninja.ModelSchema"}
)
SQLMODEL_ROOTS = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
ORM_ROOTS = frozenset(
    {"sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta",
     "sqlalchemy.orm.decl_api.DeclarativeBase", "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
     "django.db.models.Model", "django.db.models.base.Model",
     "django.contrib.auth.models.AbstractUser", "django.contrib.auth.models.AbstractBaseUser",
     "django.contrib.auth.base_user.AbstractBaseUser", "django.contrib.auth.models.User",
     "django.contrib.auth.models.PermissionsMixin",
     "tortoise.models.Model", "tortoise.Model", "ormar.Model", "peewee.Model", "piccolo.table.Table",
     "beanie.Document", "odmantic.Model", "mongoengine.Document", "pony.orm.core.Entity"}
)
DECLARATIVE_FACTORIES = frozenset(
    {"sqlalchemy.orm.declarative_base", "sqlalchemy.ext.declarative.declarative_base",
     "sqlalchemy.orm.decl_api.declarative_base", "sqlalchemy.ext.declarative.api.declarative_base"}
)
REQUEST_TYPES = frozenset(
    {"fastapi.Request", "fastapi.requests.Request", "starlette.requests.Request", "starlette.requests.HTTPConnection"}
)
REQUEST_NAMES = frozenset({"request", "req"})
RAW_READS = frozenset({"json", "body", "form"})
DJANGO_DATA = frozenset({"POST", "GET", "data", "query_params"})
JSON_LOADS = frozenset({"json.loads", "orjson.loads", "ujson.loads", "simplejson.loads", "rapidjson.loads"})
COPIES = frozenset({"builtins.dict", "copy.copy", "copy.deepcopy", "collections.OrderedDict"})
DUMPS = frozenset({"dict", "model_dump", "to_dict"})
DUMP_FUNCTIONS = frozenset({"fastapi.encoders.jsonable_encoder", "builtins.dict", "builtins.vars"})
VALIDATE_METHODS = frozenset(
    {"model_validate", "model_validate_json", "model_validate_strings", "parse_obj", "parse_raw", "parse_obj_as",
     "validate", "validate_python", "validate_json", "validate_strings", "load", "loads", "is_valid", "iter_errors",
     "from_dict"}
)
VALIDATE_FUNCTIONS = frozenset(
    {"pydantic.parse_obj_as", "pydantic.TypeAdapter", "pydantic.type_adapter.TypeAdapter", "jsonschema.validate",
     "fastjsonschema.validate", "pydantic.tools.parse_obj_as", "cattrs.structure", "dacite.from_dict",
     "msgspec.convert", "msgspec.json.decode"}
)
VALIDATOR_NAME = re.compile(r"^_*(validate|check|verify|parse|clean|sanitize|sanitise|coerce|deserialize|load)", re.I)
SIGNATURE_FUNCTIONS = frozenset(
    {"hmac.new", "hmac.HMAC", "hmac.digest", "hmac.compare_digest", "secrets.compare_digest",
     "stripe.Webhook.construct_event", "stripe.WebhookSignature.verify_header", "svix.webhooks.Webhook.verify",
     "svix.Webhook.verify", "nacl.signing.VerifyKey"}
)
SIGNATURE_NAME = re.compile(r"signature|hmac|webhook|construct_event|compare_digest|^verify$|verify_header|"
                            r"verify_request|valid_request|verify_payload", re.I)
# Deserialisers, not validators (``yaml.load`` is someone else's finding).
NOT_VALIDATORS = ("json.", "orjson.", "ujson.", "simplejson.", "yaml.", "pickle.", "marshal.", "toml.", "tomllib.",
                  "urllib.", "builtins.")
# Installed classes that validate what they are built from.
VALIDATING_LIBRARIES = ("rest_framework.", "django.forms", "wtforms", "marshmallow", "msgspec", "cerberus",
                        "voluptuous", "schema.", "attrs", "cattrs", "pydantic")
# Fields a client must not set on itself (roles, flags, money, ownership, credentials).
PRIVILEGED_FIELD = re.compile(
    r"^(is_)?(admin|superuser|super_user|superadmin|staff|moderator|verified|email_verified|email_confirmed|"
    r"approved|active|premium|paid|banned|locked)$|^(role|roles|user_role|user_type|permissions|perms|scopes|"
    r"groups|privileges|access_level|plan|tier|subscription_tier|balance|wallet_balance|account_balance|credit|"
    r"credits|points|owner|owner_id|created_by|created_by_id|tenant_id|org_id|organization_id|account_id|"
    r"hashed_password|password_hash|stripe_customer_id|discount|discount_rate)$",
    re.I,
)
ADMIN_DEPENDENCY = re.compile(r"admin|superuser|staff|require_role|role_required|requires_role|permission|RoleChecker",
                              re.I)


def unparse(node: ast.AST | None, limit: int = 80) -> str:
    if node is None:
        return ""
    try:
        text = ast.unparse(node)
    except Exception:  # never let an odd node break a rule
        return ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def keyword(call: ast.Call, name: str) -> ast.AST | None:
    for item in call.keywords:
        if item.arg == name:
            return item.value
    return None


def call_root(node: ast.AST) -> ast.AST:
    """The innermost receiver of a method chain: ``db.query(User).filter(x).first()`` → ``db``."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Await):
            node = node.value
        else:
            return node


def chain_methods(node: ast.AST) -> list[str]:
    """Method names called along a chain, outermost first: ``a.b(x).c()`` → ``["c", "b"]``."""
    names = []
    while True:
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                names.append(node.func.attr)
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return names


def chain_calls(node: ast.AST) -> Iterator[ast.Call]:
    """Every call along a chain (and the arguments' calls are *not* included)."""
    while True:
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Call):
            yield node
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return


def names_in(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


# --------------------------------------------------------------------------------------------
# Functions and classes by AST


class Functions:
    """Finds the AST of summarised functions and classes.

    Only the definition's own lines are parsed (far cheaper than the whole file, which matters
    for big framework modules); line numbers are shifted back and columns kept, so locations
    are the file's. An odd snippet falls back to the whole file's tree.
    """

    def __init__(self, project):
        self.project = project
        self._lines: dict[str, list[str] | None] = {}
        self._index: dict[str, dict[tuple[int, str], ast.AST]] = {}
        self._nodes: dict[tuple[str, int, str], ast.AST | None] = {}

    def _file_lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            root = self.project.root
            try:
                text = decode_source((root / path if root.is_dir() else root).read_bytes())
                self._lines[path] = text.splitlines(keepends=True)
            except (OSError, Unreadable):
                self._lines[path] = None
        return self._lines[path]

    def _file(self, path: str) -> dict[tuple[int, str], ast.AST]:
        index = self._index.get(path)
        if index is None:
            index = {}
            tree = self.project.tree(path)
            if tree is not None:
                for node in ast.walk(tree):
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        index[(node.lineno, node.name)] = node
            self._index[path] = index
        return index

    def _snippet(self, path: str, line: int, end: int, name: str) -> ast.AST | None:
        lines = self._file_lines(path)
        if not lines or line < 1 or end < line or end > len(lines):
            return None
        chunk = lines[line - 1:end]
        indented = chunk[0][:1] in (" ", "\t")
        source = ("if 1:\n" if indented else "") + "".join(chunk)
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        body = tree.body[0].body if indented and tree.body and isinstance(tree.body[0], ast.If) else tree.body
        node = body[0] if body else None
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or node.name != name:
            return None
        ast.increment_lineno(node, line - node.lineno)
        return node if node.lineno == line else None

    def node(self, facts: FunctionFacts | ClassFacts):
        location = facts.location
        key = (location.path, location.line, facts.name)
        if key not in self._nodes:
            found = self._snippet(location.path, location.line, location.last_line, facts.name)
            if found is None:
                found = self._file(location.path).get((location.line, facts.name))
            self._nodes[key] = found
        return self._nodes[key]


def functions(project) -> Functions:
    return project.derived("validation:functions", Functions)


class _SourceText:
    """Cheap textual pre-filters over a file's bytes (far cheaper than parsing it again)."""

    def __init__(self, project):
        self.project = project
        self._memo: dict[tuple[str, str], bool] = {}

    def mentions(self, path: str, pattern: "re.Pattern[bytes]") -> bool:
        key = (path, pattern.pattern.decode("latin-1"))
        if key not in self._memo:
            root = self.project.root
            try:
                data = (root / path if root.is_dir() else root).read_bytes()
            except OSError:
                data = b""
            self._memo[key] = pattern.search(data) is not None
        return self._memo[key]


def source_mentions(project, path: str, pattern: "re.Pattern[bytes]") -> bool:
    return project.derived("validation:source-text", _SourceText).mentions(path, pattern)


def names_of(project, facts: FunctionFacts | ClassFacts) -> ModuleNames | None:
    file = project.files.get(facts.location.path)
    return file.names if file is not None else None


# --------------------------------------------------------------------------------------------
# Models: Pydantic schemas and ORM classes


@dataclass(frozen=True)
class FieldInfo:
    name: str
    annotation: str  # annotation text ("" for a plain ``x = Column(...)``)
    value: str  # the default's text
    owner: str  # qualified name of the class that declares it


class Models:
    """Classifies project classes (memoised per scan)."""

    def __init__(self, project):
        self.project = project
        self._kinds: dict[str, str | None] = {}
        self._fields: dict[str, tuple[FieldInfo, ...]] = {}

    def canonical(self, name: str | None) -> str | None:
        return self.project.names.canonical(name) if name else None

    def kind(self, qualname: str | None, depth: int = 0) -> str | None:
        """``"pydantic"``, ``"orm"``, ``"table"`` (SQLModel ``table=True``: both), or ``None``."""
        name = self.canonical(qualname)
        if not name:
            return None
        if name in self._kinds:
            return self._kinds[name]
        self._kinds[name] = None  # cycles
        result = self._classify(name, depth) if depth < 16 else None
        self._kinds[name] = result
        return result

    def _classify(self, name: str, depth: int) -> str | None:
        if name in PYDANTIC_ROOTS or name in SQLMODEL_ROOTS:
            return "pydantic"
        if name in ORM_ROOTS:
            return "orm"
        project = self.project
        variable = project.variables.get(name)
        if variable is not None and variable.call:
            call = self.canonical(variable.call) or variable.call
            if call in DECLARATIVE_FACTORIES or call.endswith(".generate_base"):
                return "orm"
        owner, _, attribute = name.rpartition(".")
        if attribute == "Model":  # flask-sqlalchemy: db = SQLAlchemy(); class User(db.Model)
            holder = project.variables.get(owner)
            if holder is not None and holder.call and (self.canonical(holder.call) or "").startswith("flask_sqlalchemy"):
                return "orm"
        cls = project.classes.get(name)
        if cls is None:
            return None
        result = None
        sqlmodel = False
        for base in cls.bases:
            base_name = self.canonical(base) or base
            kind = self.kind(base_name, depth + 1)
            if base_name in SQLMODEL_ROOTS or kind == "table":
                sqlmodel = True
            if kind in ("orm", "table"):
                return kind
            if kind == "pydantic":
                result = "pydantic"
        if sqlmodel and self._table_keyword(cls):
            return "table"
        if result is None and any(key == "__tablename__" for key, _ in cls.attributes):
            return "orm"
        return result

    def _table_keyword(self, cls: ClassFacts) -> bool:
        node = functions(self.project).node(cls)
        if not isinstance(node, ast.ClassDef):
            return False
        value = keyword(node, "table")  # type: ignore[arg-type]
        return isinstance(value, ast.Constant) and value.value is True

    def is_orm(self, qualname: str | None) -> bool:
        return self.kind(qualname) in ("orm", "table")

    def is_schema(self, qualname: str | None) -> bool:
        """Serialised field by field like a Pydantic model (SQLModel tables too)."""
        return self.kind(qualname) in ("pydantic", "table")

    def fields(self, qualname: str | None, depth: int = 0) -> tuple[FieldInfo, ...]:
        """Declared fields, base classes first, later declarations overriding earlier ones."""
        name = self.canonical(qualname)
        if not name:
            return ()
        if name in self._fields:
            return self._fields[name]
        self._fields[name] = ()
        cls = self.project.classes.get(name)
        if cls is None or depth > 16:
            return ()
        ordered: dict[str, FieldInfo] = {}
        for base in cls.bases:
            for info in self.fields(self.canonical(base) or base, depth + 1):
                ordered[info.name] = info
        values = {key: getattr(value, "text", "") for key, value in cls.attributes}
        for key, annotation in cls.annotations:
            if key.startswith("_") or key == "model_config" or annotation.startswith(("ClassVar", "typing.ClassVar")):
                continue
            ordered.pop(key, None)
            ordered[key] = FieldInfo(key, annotation, values.get(key, ""), name)
        annotated = {key for key, _ in cls.annotations}
        for key, value in cls.attributes:
            text = getattr(value, "text", "") or ""
            if key in annotated or key.startswith("_"):
                continue
            if re.search(r"(^|\.)(Column|mapped_column|\w*Field|ForeignKey|OneToOneField|ManyToManyField|fields\.\w+)\(",
                         text):
                ordered.pop(key, None)
                ordered[key] = FieldInfo(key, "", text, name)
        result = tuple(ordered.values())
        self._fields[name] = result
        return result

    def field_location(self, info: FieldInfo) -> Location | None:
        cls = self.project.classes.get(info.owner)
        if cls is None:
            return None
        node = functions(self.project).node(cls)
        if not isinstance(node, ast.ClassDef):
            return cls.location
        for stmt in node.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(
                stmt, ast.AnnAssign) else []
            if any(isinstance(t, ast.Name) and t.id == info.name for t in targets):
                return Location.of(cls.location.path, stmt)
        return Location(cls.location.path, cls.location.line, cls.location.column, cls.location.line)

    def has_version_counter(self, qualname: str | None) -> bool:
        """SQLAlchemy optimistic locking: ``__mapper_args__ = {"version_id_col": ...}``."""
        name = self.canonical(qualname)
        seen = 0
        while name and seen < 16:
            cls = self.project.classes.get(name)
            if cls is None:
                return False
            value = cls.attribute("__mapper_args__")
            if value is not None and "version_id_col" in (getattr(value, "text", "") or ""):
                return True
            name = self.canonical(cls.bases[0]) if cls.bases else None
            seen += 1
        return False


def models(project) -> Models:
    return project.derived("validation:models", Models)


# --------------------------------------------------------------------------------------------
# Request data through one function


@dataclass
class Origin:
    """Where a value came from. ``kind``: raw (a body read), dict (a dict-typed body parameter),
    django (request.POST/data/GET), schema (a Pydantic model dump)."""

    kind: str
    node: ast.AST  # the read, the parameter, or the dump call
    text: str
    schema: str | None = None
    fields: frozenset[str] = frozenset()  # schema fields still present (after include/exclude/pop)
    via: str | None = None  # helper function that performed the read
    stmt: ast.AST | None = None  # the statement holding the read
    validated: bool = False
    verified: bool = False
    mass_assigned: bool = False
    used: bool = False
    returned: bool = False
    uses: list[ast.AST] = field(default_factory=list)


@dataclass(frozen=True)
class Sink:
    """Request data splatted into an ORM model or an update."""

    stmt: ast.AST
    origin: Origin
    what: str  # ``Order(**data)``, ``setattr loop``, ``query.update(data)``
    target: str | None  # ORM class qualname when known
    explicit: frozenset[str] = frozenset()  # keywords set explicitly at the sink


class RequestFlow:
    """One forward pass over a function's statements, in source order."""

    def __init__(self, node, names: ModuleNames, project, helpers: frozenset[str] = frozenset(),
                 django: bool = False, fastapi: bool = True):
        self.node = node
        self.names = names
        self.project = project
        self.models = models(project)
        self.helpers = helpers
        self.django = django
        self.fastapi = fastapi
        self.env: dict[str, Origin] = {}
        self.schema_vars: dict[str, str] = {}  # local name → Pydantic class of a validated object
        self.request_names: set[str] = set()
        self.origins: list[Origin] = []
        self.sinks: list[Sink] = []
        self._seen_reads: dict[int, Origin] = {}
        self._stmt: ast.AST | None = None
        self._params()

    # -- setup
    def _params(self) -> None:
        args = self.node.args
        for arg in args.posonlyargs + args.args + args.kwonlyargs:
            annotation = self._annotation_type(arg.annotation)
            if arg.arg in REQUEST_NAMES or (annotation and annotation in REQUEST_TYPES):
                self.request_names.add(arg.arg)
                continue
            if not self.fastapi or arg.arg in ("self", "cls"):
                continue
            default = self._default_of(arg)
            marker = self._marker(default) or self._annotated_marker(arg.annotation)
            if marker == "Depends" and self.helpers:
                # ``body: dict = Depends(read_json)`` where the dependency returns the raw body
                target = self._dependency(default) or self._dependency(self._annotated_depends(arg.annotation))
                if target in self.helpers:
                    origin = Origin("raw", arg, f"Depends({target.rsplit('.', 1)[-1]})", via=target, stmt=arg)
                    self.env[arg.arg] = origin
                    self.origins.append(origin)
                continue
            if marker not in (None, "Body"):
                continue
            if annotation in ("builtins.dict", "typing.Dict", "typing.Mapping", "typing.Any", "builtins.object",
                              "collections.abc.Mapping", "typing.MutableMapping"):
                origin = Origin("dict", arg, f"{arg.arg}: {unparse(arg.annotation)}")
                self.env[arg.arg] = origin
                self.origins.append(origin)
            elif annotation and self.models.kind(annotation) == "pydantic":
                self.schema_vars[arg.arg] = self.models.canonical(annotation) or annotation

    def _dependency(self, call: ast.AST | None) -> str | None:
        if not isinstance(call, ast.Call):
            return None
        target = call.args[0] if call.args else keyword(call, "dependency")
        name = self.names.resolve(target) if isinstance(target, (ast.Name, ast.Attribute)) else None
        return (self.project.names.canonical(name) or name) if name else None

    def _annotated_depends(self, annotation: ast.AST | None) -> ast.AST | None:
        if isinstance(annotation, ast.Subscript) and (self.names.resolve(annotation.value) or "").endswith("Annotated"):
            elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
            for extra in elements[1:]:
                if self._marker(extra) == "Depends":
                    return extra
        return None

    def _default_of(self, arg: ast.arg) -> ast.AST | None:
        args = self.node.args
        positional = args.posonlyargs + args.args
        if arg in positional:
            index = positional.index(arg) - (len(positional) - len(args.defaults))
            return args.defaults[index] if index >= 0 else None
        if arg in args.kwonlyargs:
            return args.kw_defaults[args.kwonlyargs.index(arg)]
        return None

    def _marker(self, node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Call):
            name = self.names.resolve(node.func) or ""
            if name.startswith("fastapi."):
                return name.rsplit(".", 1)[-1]
        return None

    def _annotated_marker(self, annotation: ast.AST | None) -> str | None:
        if isinstance(annotation, ast.Subscript) and (self.names.resolve(annotation.value) or "").endswith("Annotated"):
            elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
            for extra in elements[1:]:
                marker = self._marker(extra)
                if marker:
                    return marker
        return None

    def _annotation_type(self, annotation: ast.AST | None) -> str | None:
        if annotation is None:
            return None
        if isinstance(annotation, ast.Subscript):
            head = self.names.resolve(annotation.value) or ""
            if head.endswith("Annotated"):
                inner = annotation.slice.elts[0] if isinstance(annotation.slice, ast.Tuple) else annotation.slice
                return self._annotation_type(inner)
            if head.endswith("Optional"):
                return self._annotation_type(annotation.slice)
            return head or None  # dict[str, Any] → builtins.dict
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            left = self._annotation_type(annotation.left)
            return left if left and left != "builtins.None" else self._annotation_type(annotation.right)
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                return self._annotation_type(ast.parse(annotation.value, mode="eval").body)
            except SyntaxError:
                return None
        name = self.names.resolve(annotation)
        return self.project.names.canonical(name) if name else None

    # -- expressions
    def is_request(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.request_names
        return (isinstance(node, ast.Attribute) and node.attr == "request" and isinstance(node.value, ast.Name)
                and node.value.id == "self")

    def raw_read(self, node: ast.AST) -> str | None:
        """``await request.json()`` → ``"json"``; an awaited helper that reads the body → ``"helper"``."""
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            call = node.value
            if isinstance(call.func, ast.Attribute) and call.func.attr in RAW_READS and self.is_request(call.func.value):
                return call.func.attr
        call = node.value if isinstance(node, ast.Await) else node
        if isinstance(call, ast.Call) and self.helpers:
            callee = self.names.resolve(call.func)
            if callee and (self.project.names.canonical(callee) or callee) in self.helpers:
                return "helper"
        return None

    def origin_of(self, node: ast.AST | None, depth: int = 0) -> Origin | None:
        if node is None or depth > 12:
            return None
        kind = self.raw_read(node)
        if kind is not None:
            return self._read_origin(node, kind)
        if isinstance(node, ast.Await):
            return self.origin_of(node.value, depth + 1)
        if isinstance(node, ast.Name):
            return self.env.get(node.id)
        if isinstance(node, ast.Subscript):
            return self.origin_of(node.value, depth + 1)
        if isinstance(node, ast.Attribute):
            if self.django and node.attr in DJANGO_DATA and self.is_request(node.value):
                return self._read_origin(node, "django")
            if self.django and node.attr == "body" and self.is_request(node.value):
                return self._read_origin(node, "django-body")
            if node.attr == "__dict__" and isinstance(node.value, ast.Name) and node.value.id in self.schema_vars:
                return self._schema_origin(node, node.value.id, None)
            return None
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                found = self.origin_of(value, depth + 1)
                if found is not None:
                    return found
            return None
        if isinstance(node, ast.IfExp):
            return self.origin_of(node.body, depth + 1) or self.origin_of(node.orelse, depth + 1)
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if key is None:
                    found = self.origin_of(value, depth + 1)
                    if found is not None:
                        return found
            return None
        if isinstance(node, ast.DictComp):
            generator = node.generators[0] if node.generators else None
            if generator is None:
                return None
            key = node.key.id if isinstance(node.key, ast.Name) else None
            if key is None or any(key_guard(sub, key) for test in generator.ifs for sub in ast.walk(test)):
                return None  # filtered by an allow-list: not blind
            iterable = generator.iter
            if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and \
                    iterable.func.attr == "items":
                return self.origin_of(iterable.func.value, depth + 1)
            return None
        if isinstance(node, ast.Call):
            return self._call_origin(node, depth)
        return None

    def _call_origin(self, node: ast.Call, depth: int) -> Origin | None:
        callee = self.names.resolve(node.func)
        first = node.args[0] if node.args else None
        if callee in JSON_LOADS and first is not None:
            return self.origin_of(first, depth + 1)
        if callee in DUMP_FUNCTIONS and isinstance(first, ast.Name) and first.id in self.schema_vars:
            return self._schema_origin(node, first.id, None)
        if callee in COPIES:
            if first is not None:
                return self.origin_of(first, depth + 1)
            for item in node.keywords:
                if item.arg is None:
                    return self.origin_of(item.value, depth + 1)
            return None
        if isinstance(node.func, ast.Attribute):
            method = node.func.attr
            receiver = node.func.value
            if method in DUMPS and isinstance(receiver, ast.Name) and receiver.id in self.schema_vars:
                return self._schema_origin(node, receiver.id, node)
            if method in ("copy", "dict", "get", "to_dict", "json", "pop"):
                found = self.origin_of(receiver, depth + 1)
                if found is not None and method == "json" and found.kind not in ("django",):
                    return None  # response.json() of something else
                return found
        return None

    def _read_origin(self, node: ast.AST, kind: str) -> Origin:
        key = id(node)
        if key in self._seen_reads:
            return self._seen_reads[key]
        via = None
        if kind == "helper":
            call = node.value if isinstance(node, ast.Await) else node
            via = self.names.resolve(call.func) if isinstance(call, ast.Call) else None
        origin = Origin("django" if kind.startswith("django") else "raw", node, unparse(node, 60), via=via,
                        stmt=self._stmt)
        self._seen_reads[key] = origin
        self.origins.append(origin)
        return origin

    def _schema_origin(self, node: ast.AST, variable: str, dump: ast.Call | None) -> Origin:
        key = id(node)
        if key in self._seen_reads:
            return self._seen_reads[key]
        schema = self.schema_vars[variable]
        fields = {info.name for info in self.models.fields(schema)}
        if dump is not None:
            include = _literal_names(keyword(dump, "include"), self.names)
            exclude = _literal_names(keyword(dump, "exclude"), self.names)
            if include is not None:
                fields &= include
            if exclude is not None:
                fields -= exclude
        origin = Origin("schema", node, unparse(node, 60), schema=schema, fields=frozenset(fields), stmt=self._stmt)
        self._seen_reads[key] = origin
        self.origins.append(origin)
        return origin

    # -- statements
    def run(self) -> "RequestFlow":
        try:
            self._block(self.node.body)
        except RecursionError:
            pass
        return self

    def _block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self._statement(stmt)

    def _statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        self._stmt = stmt
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            looped = self._loop_origin(stmt.iter)
            self._expressions(stmt, [stmt.iter], propagate=looped is not None)
            self._for(stmt)
            if looped is not None:  # ``for item in data["items"]``: each item is request data too
                for name in _target_names(stmt.target):
                    self.env[name] = looped
            self._block(stmt.body)
            self._block(stmt.orelse)
            return
        if isinstance(stmt, (ast.If, ast.While)):
            self._expressions(stmt, [stmt.test])
            self._block(stmt.body)
            self._block(stmt.orelse)
            return
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            self._expressions(stmt, [item.context_expr for item in stmt.items])
            self._block(stmt.body)
            return
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self._block(stmt.body)
            for handler in stmt.handlers:
                self._block(handler.body)
            self._block(stmt.orelse)
            self._block(stmt.finalbody)
            return
        if isinstance(stmt, ast.Match):
            self._expressions(stmt, [stmt.subject])
            for case in stmt.cases:
                self._block(case.body)
            return
        if isinstance(stmt, ast.Return):
            if stmt.value is not None:
                direct = self.origin_of(stmt.value)
                if direct is not None and self._is_passthrough(stmt.value):
                    direct.returned = True
                    self._expressions(stmt, [stmt.value], passthrough=True)
                    return
            self._expressions(stmt, [stmt.value] if stmt.value is not None else [])
            return
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            self._assign(stmt)
            return
        if isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                self._drop_key(target)
            return
        if isinstance(stmt, ast.Expr):
            if self.raw_read(stmt.value) is not None:  # ``await request.body()`` read and dropped
                self.origin_of(stmt.value)
                return
            self._expressions(stmt, [stmt.value])
            return
        if isinstance(stmt, ast.AugAssign):
            self._expressions(stmt, [stmt.value])
            return
        children = [child for child in ast.iter_child_nodes(stmt) if isinstance(child, ast.expr)]
        self._expressions(stmt, children)

    def _loop_origin(self, iterable: ast.AST) -> Origin | None:
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and \
                iterable.func.attr in ("items", "values", "keys"):
            return self.origin_of(iterable.func.value)
        return self.origin_of(iterable)

    def _is_passthrough(self, value: ast.AST) -> bool:
        if isinstance(value, ast.Name):
            return True
        return self.raw_read(value) is not None or (
            isinstance(value, ast.Call) and self.names.resolve(value.func) in JSON_LOADS)

    def _assign(self, stmt: ast.Assign | ast.AnnAssign) -> None:
        value = stmt.value
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        origin = self.origin_of(value)
        # A validated object: ``item = Item(**data)`` / ``Item.model_validate(data)``.
        schema = self._validated_class(value)
        into_names = all(isinstance(t, ast.Name) for t in targets)
        self._expressions(stmt, [value], propagate=into_names and origin is not None and self._propagates(value))
        for target in targets:
            if isinstance(target, ast.Name):
                self.env.pop(target.id, None)
                self.schema_vars.pop(target.id, None)
                if origin is not None and self._propagates(value):
                    self.env[target.id] = origin
                elif schema:
                    self.schema_vars[target.id] = schema
            elif isinstance(target, (ast.Subscript, ast.Attribute)):
                self._expressions(stmt, [target])

    def _propagates(self, value: ast.AST) -> bool:
        """Is ``x = value`` a copy of request data (not a use of it)?"""
        if isinstance(value, (ast.Name, ast.Subscript, ast.Await, ast.Dict, ast.DictComp, ast.BoolOp, ast.IfExp)):
            return True
        if isinstance(value, ast.Attribute):
            return True
        if isinstance(value, ast.Call):
            callee = self.names.resolve(value.func)
            if callee in JSON_LOADS or callee in COPIES or callee in DUMP_FUNCTIONS or self.raw_read(value):
                return True
            return isinstance(value.func, ast.Attribute) and value.func.attr in (
                "copy", "dict", "get", "to_dict", "pop", "model_dump")
        return False

    def _validated_class(self, value: ast.AST) -> str | None:
        call = value.value if isinstance(value, ast.Await) else value
        if not isinstance(call, ast.Call):
            return None
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in VALIDATE_METHODS:
            func = func.value
        name = self.names.resolve(func)
        if name and self.models.kind(name) == "pydantic":
            return self.models.canonical(name) or name
        return None

    def _drop_key(self, target: ast.AST) -> None:
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            origin = self.env.get(target.value.id)
            key = target.slice
            if origin is not None and origin.kind == "schema" and isinstance(key, ast.Constant):
                origin.fields = origin.fields - {key.value}

    # -- uses, validators, sinks
    def _expressions(self, stmt: ast.stmt, nodes: list[ast.AST], propagate: bool = False,
                     passthrough: bool = False) -> None:
        for node in nodes:
            if node is None:
                continue
            consumed: set[int] = set()
            for sub in ast.walk(node):
                if isinstance(sub, ast.Call):
                    self._call(stmt, sub, consumed)
            if propagate or passthrough:
                continue
            self._presence_checks(node, consumed)
            if isinstance(stmt, (ast.If, ast.While)) and node is stmt.test and isinstance(node, ast.Name):
                consumed.add(id(node))  # ``if body:``
            for sub in ast.walk(node):
                if id(sub) in consumed:
                    continue
                origin = self.source_here(sub)
                if origin is not None:
                    origin.used = True
                    origin.uses.append(stmt)
                    for inner in ast.walk(sub):
                        consumed.add(id(inner))

    def _presence_checks(self, node: ast.AST, consumed: set[int]) -> None:
        """``if not body``, ``body is None``, ``len(body)``, ``isinstance(data, dict)``: tests, not uses."""
        for sub in ast.walk(node):
            checked: list[ast.AST] = []
            if isinstance(sub, ast.UnaryOp) and isinstance(sub.op, ast.Not):
                checked.append(sub.operand)
            elif isinstance(sub, ast.Compare) and all(isinstance(op, (ast.Is, ast.IsNot)) for op in sub.ops):
                checked.append(sub.left)
            elif isinstance(sub, ast.Call) and self.names.resolve(sub.func) in ("builtins.len", "builtins.isinstance",
                                                                                 "builtins.bool", "builtins.type"):
                checked.extend(sub.args[:1])
            elif isinstance(sub, (ast.If, ast.While, ast.IfExp)):
                checked.append(sub.test)
            for item in checked:
                if isinstance(item, ast.Name):
                    consumed.add(id(item))

    def source_here(self, node: ast.AST) -> Origin | None:
        """The origin when ``node`` itself reads request data (not through a variable)."""
        if isinstance(node, ast.Name):
            return self.env.get(node.id) if isinstance(node.ctx, ast.Load) else None
        if isinstance(node, ast.Await):
            return self.origin_of(node) if self.raw_read(node) is not None else None
        if isinstance(node, ast.Attribute):
            if self.django and node.attr in DJANGO_DATA | {"body"} and self.is_request(node.value):
                return self.origin_of(node)
            if node.attr == "__dict__" and isinstance(node.value, ast.Name) and node.value.id in self.schema_vars:
                return self.origin_of(node)
            return None
        if isinstance(node, ast.Call):
            if self.raw_read(node) is not None:
                return self.origin_of(node)
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in DUMPS and isinstance(func.value, ast.Name) and \
                    func.value.id in self.schema_vars:
                return self.origin_of(node)
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Name) and first.id in self.schema_vars and \
                    self.names.resolve(func) in DUMP_FUNCTIONS:
                return self.origin_of(node)
        return None

    def _mentioned(self, nodes: list[ast.AST], consumed: set[int]) -> list[Origin]:
        found: list[Origin] = []
        for node in nodes:
            for sub in ast.walk(node):
                origin = self.source_here(sub)
                if origin is not None:
                    consumed.add(id(sub))
                    for inner in ast.walk(sub):
                        consumed.add(id(inner))
                    if origin not in found:
                        found.append(origin)
        return found

    def _call(self, stmt: ast.stmt, call: ast.Call, consumed: set[int]) -> None:
        arguments = list(call.args) + [item.value for item in call.keywords]
        if not arguments:
            return
        callee = self.names.resolve(call.func)
        canonical = self.project.names.canonical(callee) if callee else None
        func = call.func
        method = func.attr if isinstance(func, ast.Attribute) else None
        # Signature verification over the raw bytes: the payload is authenticated.
        if self._is_signature(callee, canonical, method):
            for origin in self._mentioned(arguments, consumed):
                origin.verified = True
            return
        # ORM sinks: SP802's root cause.
        sink = self._sink(call, callee, canonical, method)
        if sink is not None:
            what, target, splatted = sink
            explicit = set(item.arg for item in call.keywords if item.arg)
            update = keyword(call, "update")  # ``Item.model_validate(item_in, update={"owner_id": ...})``
            if isinstance(update, ast.Dict):
                explicit |= {k.value for k in update.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            explicit = frozenset(explicit)
            found = self._mentioned(splatted, consumed)
            for arg in splatted:  # a validated object passed whole: ``Hero.model_validate(hero_in)``
                if isinstance(arg, ast.Name) and arg.id in self.schema_vars and arg.id not in self.env:
                    found.append(self._schema_origin(arg, arg.id, None))
            for origin in found:
                origin.mass_assigned = True
                self.sinks.append(Sink(stmt, origin, what, target, explicit))
            return
        if self._is_validator(call, callee, canonical, method):
            for origin in self._mentioned(arguments, consumed):
                origin.validated = True
            return
        # ``data.update(request_data)``: the receiver now holds request data too.
        if method == "update" and isinstance(func.value, ast.Name) and call.args:
            origin = self.origin_of(call.args[0])
            if origin is not None and func.value.id not in self.env:
                self.env[func.value.id] = origin
                self._mentioned([call.args[0]], consumed)
        if method == "pop" and isinstance(func.value, ast.Name) and call.args:
            origin = self.env.get(func.value.id)
            key = call.args[0]
            if origin is not None and origin.kind == "schema" and isinstance(key, ast.Constant):
                origin.fields = origin.fields - {key.value}
            if origin is not None:
                consumed.add(id(func.value))

    def _is_signature(self, callee: str | None, canonical: str | None, method: str | None) -> bool:
        if (callee or "") in SIGNATURE_FUNCTIONS or (canonical or "") in SIGNATURE_FUNCTIONS:
            return True
        tail = (canonical or callee or method or "").rsplit(".", 1)[-1]
        return bool(SIGNATURE_NAME.search(tail))

    def _is_validator(self, call: ast.Call, callee: str | None, canonical: str | None, method: str | None) -> bool:
        if (callee or "") in VALIDATE_FUNCTIONS or (canonical or "") in VALIDATE_FUNCTIONS:
            return True
        target = canonical or callee
        if (callee or "").startswith(NOT_VALIDATORS):
            return False
        if method in VALIDATE_METHODS:
            return True
        if target:
            kind = self.models.kind(target)
            if kind == "pydantic":
                return True
            if kind is None and target in self.project.classes:
                return True  # a project class built from the data (a dataclass, a form): consumed into a type
            if target.startswith(VALIDATING_LIBRARIES):
                return True
        function = self.project.functions.get(target or "") if target else None
        if function is None:
            return False
        if VALIDATOR_NAME.search(function.name):
            return True  # a hand-written check: ``validate_payload(data)``
        if function.calls & VALIDATE_FUNCTIONS or function.method_calls & {
                "model_validate", "parse_obj", "validate_python", "validate", "model_validate_json"}:
            return True
        return False

    def _sink(self, call: ast.Call, callee: str | None, canonical: str | None, method: str | None):
        """``(what, target model, splatted expressions)`` when the call assigns a mapping to model fields."""
        starred = [item.value for item in call.keywords if item.arg is None]
        target_name = canonical or callee
        if starred and target_name and self.models.is_orm(target_name):
            short = target_name.rsplit(".", 1)[-1]
            return f"{short}(**{unparse(starred[0], 30)})", target_name, starred
        if method is None:
            return None
        receiver = call.func.value  # type: ignore[union-attr]
        root = call_root(receiver)
        root_name = self.names.resolve(root) if isinstance(root, (ast.Name, ast.Attribute)) else None
        root_model = (self.project.names.canonical(root_name) or root_name) if root_name else None
        root_is_model = bool(root_model and self.models.is_orm(root_model))
        chain = chain_methods(receiver)
        receiver_text = unparse(receiver, 40)
        if method in ("create", "get_or_create", "update_or_create", "acreate", "aget_or_create",
                      "aupdate_or_create", "bulk_create"):
            manager = root_is_model or ".objects" in unparse(receiver, 200) or "_default_manager" in receiver_text
            if manager:
                splatted = starred + [v for k, v in ((i.arg, i.value) for i in call.keywords) if k == "defaults"]
                if splatted:
                    return f"{receiver_text}.{method}(**...)", root_model if root_is_model else None, splatted
            return None
        if method in ("update", "aupdate"):
            if isinstance(receiver, ast.Attribute) and receiver.attr == "__dict__":
                return f"{unparse(receiver.value, 30)}.__dict__.update(...)", None, list(call.args)
            queryish = root_is_model or any(m in ("query", "filter", "filter_by", "where", "objects", "all", "exclude")
                                            for m in chain) or ".objects" in unparse(receiver, 200)
            if queryish:
                splatted = starred + list(call.args[:1])
                if splatted:
                    return f"{receiver_text}.update(...)", root_model if root_is_model else self._queried(receiver), \
                        splatted
            return None
        if method == "values":
            for inner in chain_calls(receiver):
                name = self.names.resolve(inner.func) or ""
                if name in ("sqlalchemy.update", "sqlalchemy.insert", "sqlalchemy.sql.expression.update",
                            "sqlalchemy.sql.expression.insert", "sqlalchemy.sql.update", "sqlalchemy.sql.insert",
                            "sqlalchemy.dialects.postgresql.insert", "sqlmodel.update", "sqlmodel.insert"):
                    model = inner.args[0] if inner.args else None
                    model_name = self.names.resolve(model) if model is not None else None
                    splatted = starred + list(call.args[:1])
                    if splatted:
                        return f"{name.rsplit('.', 1)[-1]}({unparse(model, 20)}).values(...)", \
                            self.project.names.canonical(model_name) if model_name else None, splatted
            return None
        if method in ("sqlmodel_update", "update_from_dict", "populate_obj", "set"):
            if method == "set" and not root_is_model:
                return None
            return f"{receiver_text}.{method}(...)", None, list(call.args[:1]) + starred
        if method in ("save", "asave") and starred:
            return f"{receiver_text}.{method}(**...)", None, starred
        if method in ("model_validate", "from_orm", "parse_obj") and root_is_model and \
                self.models.kind(root_model) == "table":
            return f"{root_model.rsplit('.', 1)[-1]}.{method}(...)", root_model, list(call.args[:1])
        return None

    def _queried(self, receiver: ast.AST) -> str | None:
        """The model of ``db.query(Item).filter(...)``."""
        for inner in chain_calls(receiver):
            if isinstance(inner.func, ast.Attribute) and inner.func.attr == "query" and inner.args:
                name = self.names.resolve(inner.args[0])
                name = self.project.names.canonical(name) if name else None
                if name and self.models.is_orm(name):
                    return name
        return None

    def _for(self, stmt: ast.For | ast.AsyncFor) -> None:
        """``for k, v in data.items(): setattr(obj, k, v)`` (or ``for k in data: setattr(obj, k, data[k])``)."""
        iterable = stmt.iter
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and \
                iterable.func.attr in ("items", "keys"):
            source = iterable.func.value
        else:
            source = iterable
        origin = self.origin_of(source)
        if origin is None:
            return
        target = stmt.target
        key = None
        if isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
            key = target.elts[0].id
        elif isinstance(target, ast.Name):
            key = target.id
        if key is None:
            return
        setter = None
        for sub in ast.walk(ast.Module(body=stmt.body, type_ignores=[])):
            if isinstance(sub, ast.Call) and self.names.resolve(sub.func) == "builtins.setattr" and len(sub.args) >= 2 \
                    and isinstance(sub.args[1], ast.Name) and sub.args[1].id == key:
                setter = sub
                break
        if setter is None:
            return
        obj = setter.args[0]
        if self._guarded(stmt.body, key, obj):
            return
        origin.mass_assigned = True
        self.sinks.append(Sink(stmt, origin, f"setattr({unparse(obj, 20)}, {key}, ...) loop", None))

    def _guarded(self, body: list[ast.stmt], key: str, obj: ast.AST | None) -> bool:
        """An allow-list (or a real deny-list) test on the key: ``if k in ALLOWED``; ``hasattr`` is not one."""
        return any(key_guard(sub, key, obj) for sub in ast.walk(ast.Module(body=body, type_ignores=[])))


def key_guard(node: ast.AST, key: str, obj: ast.AST | None = None) -> bool:
    """Does ``node`` test the key against a list? ``k in ALLOWED``, ``k not in PROTECTED``,
    ``k in ("name", "bio")``. Not: ``k in obj.__dict__`` / ``__table__.columns`` (every column is
    allowed), nor ``k != "csrfmiddlewaretoken"`` (a deny-list without a privileged name)."""
    if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == key):
        return False
    if not any(isinstance(op, (ast.In, ast.NotIn, ast.Eq, ast.NotEq)) for op in node.ops):
        return False
    comparators = node.comparators
    obj_names = names_in(obj)
    if obj_names and any(names_in(c) & obj_names for c in comparators):
        return False
    text = " ".join(unparse(c, 200) for c in comparators)
    if re.search(r"__table__|\.columns|__dict__|model_fields|__fields__|_meta|__mapper__", text):
        return False
    if all(isinstance(op, (ast.NotIn, ast.NotEq)) for op in node.ops):
        literals = [e for c in comparators for e in (c.elts if isinstance(c, (ast.Tuple, ast.List, ast.Set)) else [c])]
        if literals and all(isinstance(e, ast.Constant) for e in literals) and not any(
                isinstance(e.value, str) and PRIVILEGED_FIELD.match(e.value) for e in literals):
            return False
    return True


def _target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)


def _literal_names(node: ast.AST | None, names: ModuleNames) -> set[str] | None:
    if node is None:
        return None
    if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return None


def privileged(fields) -> list[str]:
    return sorted(name for name in fields if PRIVILEGED_FIELD.match(name))


def literal_set(value) -> set[str] | None:
    """The names of a ``response_model_exclude={"a", "b"}``-style option value."""
    if isinstance(value, Literal):
        payload = value.value
        if isinstance(payload, (list, tuple, set, frozenset)):
            return {str(v) for v in payload}
        if isinstance(payload, dict):
            return {str(k) for k in payload}
    return None


# --------------------------------------------------------------------------------------------
# The request flows of a project (shared by SP801 and SP802)

_DJANGO_DATA_TEXT = re.compile(rb"request\.(POST|GET|data|body|query_params)\b")
_DICT_ANNOTATION = re.compile(r"^(Annotated\[\s*)?(typing\.)?(dict|Dict|Mapping|MutableMapping|Any|object)\b")
_SINK_METHODS = frozenset({"create", "get_or_create", "update_or_create", "update", "values", "save", "bulk_create",
                           "acreate", "aupdate", "asave", "aget_or_create", "aupdate_or_create", "sqlmodel_update",
                           "update_from_dict", "populate_obj", "set", "model_validate"})


@dataclass
class Flows:
    """Every analysed function: ``(function facts, flow)``, and the raw-body helper functions."""

    items: list[tuple[FunctionFacts, RequestFlow]]
    helpers: frozenset[str]


def _framework(project, function: FunctionFacts) -> tuple[bool, bool]:
    def build(project) -> dict[str, tuple[bool, bool]]:
        return {
            path: (facts.imports_any("fastapi", "starlette"), facts.imports_any("django", "rest_framework", "ninja"))
            for path, facts in project.files.items() if facts.kind == "python"
        }

    return project.derived("validation:frameworks", build).get(function.location.path, (False, False))


def _sink_evidence(project, function: FunctionFacts) -> bool:
    if function.method_calls & _SINK_METHODS or "builtins.setattr" in function.calls:
        return True
    kinds = models(project)
    return any(kinds.is_orm(call) for call in function.calls if not call.startswith("builtins."))


def _candidate(project, function: FunctionFacts, helpers: frozenset[str]) -> tuple[bool, bool] | None:
    fastapi, django = _framework(project, function)
    if not (fastapi or django):
        return None
    if fastapi:
        if function.method_calls & RAW_READS:
            return fastapi, django
        if helpers and (any((project.names.canonical(c) or c) in helpers for c in function.calls) or any(
                (project.names.canonical(p.dependency) or p.dependency) in helpers for p in function.params
                if p.dependency)):
            return fastapi, django
        if _sink_evidence(project, function) and any(
                _DICT_ANNOTATION.match(p.annotation_text or "") or (p.annotation and models(project).is_schema(p.annotation))
                for p in function.params):
            return fastapi, django
    if django and (any(p.name in REQUEST_NAMES for p in function.params) or function.class_name) and \
            source_mentions(project, function.location.path, _DJANGO_DATA_TEXT) and _sink_evidence(project, function):
        return fastapi, django
    return None


def _analyse(project, function: FunctionFacts, helpers: frozenset[str], fastapi: bool, django: bool):
    node = functions(project).node(function)
    names = names_of(project, function)
    if not isinstance(node, FUNCTIONS) or names is None:
        return None
    return RequestFlow(node, names, project, helpers=helpers, django=django, fastapi=fastapi).run()


def _build_flows(project) -> Flows:
    helpers: frozenset[str] = frozenset()
    items: list[tuple[FunctionFacts, RequestFlow]] = []
    for _ in range(3):  # helpers of helpers
        items = []
        found = set(helpers)
        for function in project.functions.values():
            which = _candidate(project, function, helpers)
            if which is None:
                continue
            flow = _analyse(project, function, helpers, *which)
            if flow is None:
                continue
            items.append((function, flow))
            if any(o.kind == "raw" and o.returned and not o.validated and not o.used for o in flow.origins):
                found.add(function.qualname)
        if frozenset(found) == helpers:
            break
        helpers = frozenset(found)
    return Flows(items, helpers)


def request_flows(project) -> Flows:
    return project.derived("validation:request-flows", _build_flows)


def routes_by_handler(project) -> dict[str, list]:
    def build(project):
        table: dict[str, list] = {}
        if project.fastapi:
            for route in project.fastapi.routes:
                table.setdefault(route.handler_name, []).append(route)
        return table

    return project.derived("validation:routes-by-handler", build)


def admin_only(project, qualname: str) -> bool:
    """A route whose dependencies (route, router, include, app or parameters) require an admin or a role."""
    routes = routes_by_handler(project).get(qualname, [])
    return bool(routes) and all(
        any(ADMIN_DEPENDENCY.search(dep.rsplit(".", 1)[-1] if not dep.endswith("()") else dep) for dep in r.dependencies)
        for r in routes
    )


def statement_location(path: str, stmt: ast.AST, node: ast.AST) -> Location:
    """A simple statement's span; for a compound one (an ``if`` test), just the expression."""
    if isinstance(stmt, (ast.If, ast.While, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.Try, ast.Match)):
        return Location.of(path, node)
    return Location.of(path, stmt)
