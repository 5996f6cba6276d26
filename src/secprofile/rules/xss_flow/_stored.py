"""Where the values in a piece of HTML come from (private helper for SP421, and SP403's model fields).

SP420 follows *request* data with the flow engine. Data that was stored first and rendered
later (stored XSS) never passes a request source, so this module answers a different
question for every value interpolated into an HTML string: is it escaped or provably safe,
request data (SP420's), data read from a database or another service (this module's
concern), or of unknown origin?

- :class:`ModelIndex` knows the project's ORM models (Django, SQLAlchemy, SQLModel, Tortoise,
  peewee, Flask-SQLAlchemy) and the type of their fields: ``{order.total}`` is a number
  when the model declares ``total = Column(Numeric)``.
- :class:`Provenance` evaluates an expression in a function, following local variables
  (with a simple reaching-definitions approximation, so ``title = escape(title)`` counts),
  loops that append rows, comprehensions, project helpers in other modules (called with the
  caller's arguments) and, for a parameter of a helper, the callers' arguments.

Everything is computed per scan from the linked project; nothing is written onto AST nodes.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace

from secprofile.flow import catalog as C
from secprofile.model.module import iter_functions
from secprofile.model.values import Literal
from secprofile.rules.django_views._safety import NUMERIC_SPEC, numeric_format, percent_operands
from secprofile.rules.xss_flow._aggregates import (
    NUMERIC_FUNCTIONS, PASSING_FUNCTIONS, Column, all_numeric, sql_columns,
)

STORED = "stored"
REQUEST = "request"
OPAQUE = "opaque"

MAX_FRAMES = 7  # helper → helper → ... depth
MAX_CALLERS = 12
BUDGET = 6000  # expression evaluations per sink
MAX_PARTS = 12

# --- what escapes, what is a number ------------------------------------------------------------

ESCAPERS = frozenset(
    {name for name, kinds in C.SANITIZERS.items() if "xss" in kinds} | C.CLEAN_CALLS | {
        "markupsafe.escape", "markupsafe.escape_silent", "markupsafe.Markup", "markupsafe.Markup.escape",
        "jinja2.Markup", "jinja2.escape", "jinja2.utils.Markup", "flask.Markup", "flask.escape",
        "werkzeug.utils.escape", "django.utils.safestring.mark_safe", "django.utils.safestring.SafeString",
        "django.utils.safestring.SafeText", "django.utils.html.format_html_join", "django.utils.html.json_script",
        "django.utils.html.avoid_wrapping", "django.template.loader.render_to_string",
        "django.shortcuts.render", "flask.render_template", "flask.templating.render_template",
        "django.utils.formats.date_format", "django.utils.formats.number_format", "django.urls.reverse_lazy",
        "django.templatetags.static.static", "uuid.uuid4", "uuid.uuid1", "secrets.token_hex",
        "secrets.token_urlsafe", "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.date.today",
        "time.time", "django.utils.timezone.now", "builtins.sum", "builtins.hex", "builtins.oct", "builtins.bin",
        "builtins.type", "math.sqrt", "statistics.mean",
    }
)
# Builtins whose result carries the text of their first argument.
PASS_THROUGH = frozenset({"builtins.str", "builtins.repr", "builtins.format", "builtins.next", "builtins.list",
                          "builtins.tuple", "builtins.sorted", "builtins.reversed", "builtins.set",
                          "builtins.iter", "builtins.min", "builtins.max", "builtins.dict", "builtins.filter",
                          "builtins.enumerate", "builtins.zip"})
# Library functions whose result is their argument's text (re)formatted, or markup made from it.
TEXT_FUNCTIONS = frozenset({
    "markdown.markdown", "markdown.Markdown.convert", "markdown2.markdown", "mistune.html", "mistune.markdown",
    "commonmark.commonmark", "textwrap.shorten", "textwrap.fill", "textwrap.wrap", "textwrap.dedent",
    "textwrap.indent", "re.sub", "django.utils.html.linebreaks", "django.utils.text.Truncator",
    "django.utils.encoding.force_str", "django.utils.encoding.smart_str", "json.dumps", "html.unescape",
    "string.capwords", "django.utils.text.capfirst", "django.template.defaultfilters.linebreaksbr",
    "django.template.defaultfilters.truncatechars", "django.template.defaultfilters.truncatewords",
})
STRING_METHODS = frozenset({
    "strip", "lstrip", "rstrip", "upper", "lower", "title", "capitalize", "replace", "center", "ljust", "rjust",
    "zfill", "encode", "decode", "removeprefix", "removesuffix", "casefold", "swapcase", "expandtabs", "split",
    "splitlines", "rsplit", "partition", "rpartition", "translate", "format", "format_map", "join", "getvalue",
    "get", "pop", "values", "items", "copy", "chars", "words", "convert",
})
SAFE_METHODS = frozenset({
    "isoformat", "strftime", "timestamp", "total_seconds", "count", "index", "find", "rfind", "startswith",
    "endswith", "isdigit", "isnumeric", "isalnum", "isalpha", "exists", "hexdigest", "digest", "__len__",
    "bit_length", "is_valid", "has_perm", "has_perms", "is_authenticated", "get_absolute_url_safe",
    "as_p", "as_table", "as_ul", "as_div", "render", "render_async", "TemplateResponse", "url_for", "url_path_for",
    "date", "time", "day", "month", "year",
})
DISPLAY_METHOD = re.compile(r"^get_\w+_display$")  # Django choices: the label is the developer's constant
TEMPLATE_METHODS = frozenset({"render", "render_async", "generate", "stream", "substitute", "safe_substitute"})
HTTP_RESULT_ATTRS = frozenset({"text", "content", "json", "read", "body"})
RESPONSE_CALLS = (
    "fastapi.responses.", "starlette.responses.", "django.http.", "django.template.response.",
    "django.shortcuts.", "fastapi.Response", "flask.", "werkzeug.",
)
DB_METHODS = frozenset({
    "execute", "exec", "query", "get", "scalars", "scalar", "scalar_one", "scalar_one_or_none", "fetch",
    "fetchrow", "fetchval", "fetch_all", "fetch_one", "fetch_val", "fetchone", "fetchall", "fetchmany", "iterate",
    "raw", "filter", "filter_by", "all", "first", "one", "one_or_none", "find", "find_one", "get_or_404",
    "first_or_404", "paginate", "select", "where",
})
VIEW_RECORDS = frozenset({"get_object", "get_queryset"})
VIEW_RECORD_ATTRS = frozenset({"object", "object_list"})
HTTP_FUNCTIONS = re.compile(r"^(?:requests|httpx)(?:\.api|\._api)?\.(?:get|post|put|patch|delete|request)$")

# --- ORM models and their fields -----------------------------------------------------------------

ORM_BASES = frozenset({
    "django.db.models.Model", "django.db.models.base.Model", "sqlmodel.SQLModel", "sqlmodel.main.SQLModel",
    "sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta", "sqlalchemy.orm.decl_api.DeclarativeBase",
    "tortoise.models.Model", "tortoise.Model", "peewee.Model", "mongoengine.Document", "mongoengine.DynamicDocument",
    "beanie.Document", "ormar.Model", "piccolo.table.Table", "odmantic.Model",
})
# Django's user model (django.contrib.auth's own, or a project's AbstractUser subclass): its fields.
AUTH_USER = "django.contrib.auth.models.User"
_USER_FIELDS = {
    "id": "numeric", "password": "string", "last_login": "numeric", "is_superuser": "numeric",
    "username": "string", "first_name": "string", "last_name": "string", "email": "string",
    "is_staff": "numeric", "is_active": "numeric", "date_joined": "numeric", "is_authenticated": "numeric",
    "is_anonymous": "numeric", "groups": "relation", "user_permissions": "relation",
}
_BASE_USER_FIELDS = {"id": "numeric", "password": "string", "last_login": "numeric", "is_active": "numeric",
                     "is_authenticated": "numeric", "is_anonymous": "numeric"}
KNOWN_MODELS: dict[str, dict[str, str]] = {
    AUTH_USER: _USER_FIELDS,
    "django.contrib.auth.models.AbstractUser": _USER_FIELDS,
    "django.contrib.auth.base_user.AbstractBaseUser": _BASE_USER_FIELDS,
    "django.contrib.auth.models.AbstractBaseUser": _BASE_USER_FIELDS,
    "django.contrib.auth.models.PermissionsMixin": {"is_superuser": "numeric", "groups": "relation",
                                                    "user_permissions": "relation"},
    "django.contrib.auth.models.Group": {"id": "numeric", "name": "string", "permissions": "relation"},
}
USER_MODEL_FACTORIES = frozenset({"django.contrib.auth.get_user_model"})
_KNOWN_FIELD_NAMES = frozenset(field for fields in KNOWN_MODELS.values() for field in fields)
_LAZY_LOOKUPS = 12  # attributes looked up one by one before every model is indexed
BASE_FACTORIES = ("declarative_base", "generate_base", "flask_sqlalchemy.SQLAlchemy", "flask_sqlalchemy.extension.SQLAlchemy")
_SAFE_COLUMN_TYPES = frozenset({
    "Integer", "BigInteger", "SmallInteger", "Float", "Numeric", "Boolean", "DateTime", "Date", "Time", "Interval",
    "Uuid", "UUID", "Enum", "INTEGER", "BIGINT", "SMALLINT", "FLOAT", "REAL", "NUMERIC", "DECIMAL", "BOOLEAN",
    "TIMESTAMP", "DATETIME", "DATE", "TIME", "Double", "DOUBLE", "DOUBLE_PRECISION", "Identity",
})
_SAFE_FIELD_CLASSES = frozenset({
    "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "PositiveBigIntegerField", "AutoField", "BigAutoField", "SmallAutoField", "FloatField", "DecimalField",
    "BooleanField", "NullBooleanField", "DateTimeField", "DateField", "TimeField", "DurationField", "UUIDField",
    "IntField", "BigIntField", "SmallIntField", "DatetimeField", "TimeDeltaField", "IntEnumField", "PrimaryKeyField",
    "TimestampField", "DoubleField", "BigBitField", "IntEnumFieldInstance", "SmallIntegerField",
    # Slugs are letters, digits, hyphens and underscores (validate_slug; slugify() output).
    "SlugField", "AutoSlugField",
})
_RELATION_CALLS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "ForeignKeyField", "relationship",
                             "ManyToManyRelation", "ForeignKeyRelation", "OneToOneRelation", "ReferenceField",
                             "Relationship"})
_COLUMN = re.compile(r"^(?:[\w.]+\.)?(?:Column|mapped_column)\(\s*(?:(?:'[^']*'|\"[^\"]*\")\s*,\s*)?(?:[\w.]+\.)?(\w+)")
_CALLEE = re.compile(r"^(?:[\w.]+\.)?(\w+)\(")
_SAFE_ANNOTATION = re.compile(
    r"^(?:int|float|bool|complex|Decimal|datetime|date|time|timedelta|UUID|UUID\d|PositiveInt|NegativeInt|"
    r"NonNegativeInt|NonPositiveInt|PositiveFloat|NonNegativeFloat|StrictInt|StrictFloat|StrictBool|"
    r"conint\(.*\)|confloat\(.*\)|condecimal\(.*\)|Literal\[.*\])$"
)
_STRING_ANNOTATION = re.compile(r"^(?:str|EmailStr|HttpUrl|AnyUrl|AnyHttpUrl|constr\(.*\)|Text|bytes|Any|dict|Dict\[.*\]|"
                                r"dict\[.*\]|Json|JSON)$")


def _core_annotation(text: str) -> str:
    text = text.strip().strip("'\"")
    for _ in range(4):
        match = re.match(r"^(?:[\w.]+\.)?(?:Mapped|Optional|Annotated|ClassVar|Final)\[(.*)\]$", text)
        if not match:
            break
        inner = match.group(1)
        if text.split("[", 1)[0].endswith("Annotated"):
            inner = inner.split(",", 1)[0]
        text = inner.strip().strip("'\"")
    text = re.sub(r"\s*\|\s*None$|^None\s*\|\s*", "", text)
    text = re.sub(r"^(?:typing|datetime|decimal|uuid|pydantic)\.", "", text)
    return text.strip().strip("'\"")


def annotation_kind(text: str) -> str:
    """``numeric`` (numbers, dates, booleans, UUIDs), ``string``, ``relation`` or ``unknown``."""
    core = _core_annotation(text)
    if _SAFE_ANNOTATION.match(core):
        return "numeric"
    if _STRING_ANNOTATION.match(core):
        return "string"
    if re.match(r"^(?:list|List|set|Set|Sequence|tuple|Tuple)\[", core) or re.match(r"^[A-Z]\w*$", core):
        return "relation"
    return "unknown"


def column_kind(text: str) -> str | None:
    """The kind a class attribute declares: ``Column(Integer)``, ``models.TextField()`` ... or None."""
    if not text:
        return None
    match = _COLUMN.match(text)
    if match:
        name = match.group(1)
        if name in ("ForeignKey",) or name[:1].islower():
            return None  # mapped_column(ForeignKey(...)): the annotation says
        if name in _SAFE_COLUMN_TYPES:
            return "numeric"
        return "string"
    match = _CALLEE.match(text)
    if not match:
        return None
    name = match.group(1)
    if name in _RELATION_CALLS:
        return "relation"
    if name in _SAFE_FIELD_CLASSES:
        return "numeric"
    if name.endswith("Field"):
        if "choices=" in text:
            return "numeric"  # a value from the model's own choices: the developer's constants
        return "string"
    return None


class ModelIndex:
    """The project's ORM model classes and the kind of each field they declare."""

    def __init__(self, project):
        self.project = project
        self._model: dict[str, bool] = {}
        self._fields: dict[str, dict[str, str]] = {}
        self._by_field: dict[str, set[str]] | None = None
        self._declaring_cache: dict[str, set[str]] = {}
        self._declarers: dict[str, list[str]] | None = None
        self._children: dict[str, list[str]] = {}
        self._canonical: dict[str, str] = {}

    def canonical(self, qualname: str | None) -> str | None:
        if not qualname:
            return None
        found = self._canonical.get(qualname)
        if found is None:
            found = self.project.names.canonical(qualname) or qualname
            self._canonical[qualname] = found
        return found

    def is_model(self, qualname: str | None, depth: int = 0) -> bool:
        name = self.canonical(qualname)
        if not name:
            return False
        if name in ORM_BASES or name in KNOWN_MODELS:
            return True
        if name in self._model:
            return self._model[name]
        self._model[name] = False
        cls = self.project.classes.get(name)
        found = self._user_model_variable(name)
        if cls is not None and depth < 6 and not found:
            for base in cls.bases:
                if base in ("object", "builtins.object") or base.startswith(("typing.", "enum.", "abc.")):
                    continue
                base_name = self.canonical(base) or base
                if base_name in ORM_BASES or self._is_base_variable(base_name) or self.is_model(base_name, depth + 1):
                    found = True
                    break
        self._model[name] = found
        return found

    def _user_model_variable(self, name: str) -> bool:
        """``User = get_user_model()``."""
        variable = self.project.variables.get(name)
        return variable is not None and bool(variable.call) and \
            (self.canonical(variable.call) or variable.call) in USER_MODEL_FACTORIES

    def _is_base_variable(self, name: str) -> bool:
        """``Base = declarative_base()``; ``db = SQLAlchemy()`` then ``class User(db.Model)``."""
        variable = self.project.variables.get(name)
        if variable is None and name.endswith(".Model"):
            variable = self.project.variables.get(name[: -len(".Model")])
        if variable is None or not variable.call:
            return False
        call = self.canonical(variable.call) or variable.call
        return call.endswith(BASE_FACTORIES)

    def fields(self, qualname: str, depth: int = 0) -> dict[str, str]:
        name = self.canonical(qualname) or qualname
        if name in self._fields:
            return self._fields[name]
        self._fields[name] = {}
        cls = self.project.classes.get(name)
        kinds: dict[str, str] = dict(KNOWN_MODELS.get(name, ()))
        if cls is None and not kinds and self._user_model_variable(name):
            kinds = dict(_USER_FIELDS)
        if cls is not None:
            if depth < 6:
                for base in reversed(cls.bases):
                    kinds.update(self.fields(self.canonical(base) or base, depth + 1))
            for field, text in cls.annotations:
                kinds[field] = annotation_kind(text)
            for field, value in cls.attributes:
                kind = column_kind(getattr(value, "text", "") or "")
                if kind is not None:
                    kinds[field] = kind
                elif field not in kinds and isinstance(value, Literal):
                    kinds[field] = "constant"
            for field, kind in list(kinds.items()):
                if kind == "relation" and f"{field}_id" not in kinds:
                    kinds[f"{field}_id"] = "numeric"  # Django's ForeignKey column
            if self.is_model(name) and "id" not in kinds:
                kinds["id"] = "numeric"  # Django's implicit primary key
        self._fields[name] = kinds
        return kinds

    def field_kind(self, model: str | None, attribute: str) -> str:
        """The kind of ``attribute`` on ``model``; with no model, what every project model declaring it says."""
        if attribute == "pk":
            attribute = "id"
        if model:
            kinds = self.fields(model)
            if attribute in kinds:
                return kinds[attribute]
            if self.project.classes.get(self.canonical(model) or model) is not None or \
                    (self.canonical(model) or model) in KNOWN_MODELS and model != AUTH_USER:
                return "unknown"
        declared = {self.fields(name).get(attribute) for name in self._declaring(attribute)}
        declared.discard(None)
        if declared and declared <= {"numeric", "constant"}:
            return "numeric"
        if not declared and attribute == "id":
            return "numeric"
        if not declared and _USER_FIELDS.get(attribute) == "numeric":
            return "numeric"  # user.is_staff, user.date_joined of Django's user model
        if declared == {"relation"}:
            return "relation"
        return "unknown"

    def _declaring(self, attribute: str) -> set[str]:
        """The models whose fields include ``attribute``."""
        if attribute == "id" or attribute.endswith("_id") or attribute in _KNOWN_FIELD_NAMES or \
                self._by_field is not None or len(self._declaring_cache) >= _LAZY_LOOKUPS:
            # implicit, derived or inherited from Django's models; or asked often enough to index them all
            return self._all_declaring(attribute)
        found = self._declaring_cache.get(attribute)
        if found is None:
            found = {name for name in self._inheriting(attribute) if self.is_model(name)
                     and attribute in self.fields(name)}
            self._declaring_cache[attribute] = found
        return found

    def _inheriting(self, attribute: str) -> set[str]:
        """Project classes that declare ``attribute`` in their body, and their subclasses: the only
        classes whose fields can include it (a cheap superset, without judging every class)."""
        if self._declarers is None:
            declarers: dict[str, list[str]] = {}
            children: dict[str, list[str]] = {}
            for name, cls in self.project.classes.items():
                for field, _ in cls.annotations:
                    declarers.setdefault(field, []).append(name)
                for field, _ in cls.attributes:
                    declarers.setdefault(field, []).append(name)
                for base in cls.bases:
                    children.setdefault(base.rsplit(".", 1)[-1], []).append(name)
            self._declarers, self._children = declarers, children
        found: set[str] = set()
        frontier = list(dict.fromkeys(self._declarers.get(attribute, ())))
        depth = 0
        while frontier and depth <= 6:
            found.update(frontier)
            following = []
            for parent in frontier:
                for child in self._children.get(parent.rsplit(".", 1)[-1], ()):
                    if child not in found and any(self.canonical(base) == parent
                                                  for base in self.project.classes[child].bases):
                        following.append(child)
            frontier = list(dict.fromkeys(following))
            depth += 1
        return found

    def _all_declaring(self, attribute: str) -> set[str]:
        if self._by_field is None:
            by_field: dict[str, set[str]] = {}
            for name in self.project.classes:
                if self.is_model(name):
                    for field in self.fields(name):
                        by_field.setdefault(field, set()).add(name)
            self._by_field = by_field
        return self._by_field.get(attribute, set())


def model_index(project) -> ModelIndex:
    return project.derived("xss-model-index", ModelIndex)


# --- values ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """One value that goes into the HTML unescaped."""

    origin: str  # stored, request, opaque
    text: str  # the expression as written: "comment.body"
    what: str  # "a database field"
    path: str
    line: int
    model: str | None = None
    record: bool = False  # an object, row or collection rather than a field's text
    # Of a record: the columns known to hold numbers, by name (annotate(n=Count(...)), "AS n") and by
    # position in a row (SELECT title, COUNT(*) ...).
    numeric: frozenset = frozenset()

    def describe(self) -> str:
        return f"{self.text} ({self.what}, {self.path}:{self.line})"


NOTHING: tuple[Part, ...] = ()


def _text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # never let an odd node break a rule
        return "a value"
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def _merge(*groups) -> tuple[Part, ...]:
    """The parts of several values, at most MAX_PARTS of each origin (unknown values must not crowd
    out a stored one)."""
    seen: dict[tuple, Part] = {}
    counts: dict[str, int] = {}
    for group in groups:
        for part in group:
            key = (part.origin, part.text, part.path, part.line)
            if key in seen or counts.get(part.origin, 0) >= MAX_PARTS:
                continue
            seen[key] = part
            counts[part.origin] = counts.get(part.origin, 0) + 1
    return tuple(seen.values())


@dataclass
class _Def:
    kind: str  # assign (replaces the value), add (appends to it), loop, with, element, opaque
    value: ast.AST | None
    stmt: ast.AST
    start: tuple[int, int]


class _Locals:
    """Assignments of one function, with enough structure to tell which ones reach a use."""

    _BLOCKS = ("body", "orelse", "finalbody")

    def __init__(self, function: ast.AST):
        self.defs: dict[str, list[_Def]] = {}
        self.parent: dict[int, tuple[int, int, ast.AST | None]] = {}  # stmt → (list key, index, parent stmt)
        self.owner: dict[int, ast.AST] = {}  # expression node → its statement
        self.returns: list[ast.AST] = []
        self.yields = False
        body = function.body if isinstance(function.body, list) else []
        self._block(body, None)

    def _block(self, body: list, parent: ast.AST | None) -> None:
        key = id(body)
        for index, stmt in enumerate(body):
            self.parent[id(stmt)] = (key, index, parent)
            self._statement(stmt)

    def _statement(self, stmt: ast.AST) -> None:
        kind = type(stmt)
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            self._define(stmt.name, "opaque", None, stmt)
            return
        for field in ("test", "iter", "value", "subject", "exc", "msg", "target", "targets", "items", "context_expr"):
            value = getattr(stmt, field, None)
            if isinstance(value, ast.AST):
                self._expressions(value, stmt)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self._expressions(item, stmt)
        if kind is ast.Assign:
            for target in stmt.targets:
                self._bind(target, stmt.value, stmt, "assign")
        elif kind is ast.AnnAssign and stmt.value is not None:
            self._bind(stmt.target, stmt.value, stmt, "assign")
        elif kind is ast.AugAssign:
            target = stmt.target
            if isinstance(target, ast.Name):
                self._define(target.id, "add", stmt.value, stmt)
        elif kind in (ast.For, ast.AsyncFor):
            for name in _names(stmt.target):
                self._define(name, "loop", stmt.iter, stmt)
        elif kind in (ast.With, ast.AsyncWith):
            for item in stmt.items:
                if item.optional_vars is not None:
                    for name in _names(item.optional_vars):
                        self._define(name, "with", item.context_expr, stmt)
        elif kind is ast.Return and stmt.value is not None:
            self.returns.append(stmt.value)
        elif kind is ast.Expr and isinstance(stmt.value, ast.Call):
            call = stmt.value
            func = call.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                if func.attr in ("append", "add", "appendleft", "write", "extend", "update") and call.args:
                    self._define(func.value.id, "add", call.args[0], stmt)
                elif func.attr == "insert" and len(call.args) > 1:
                    self._define(func.value.id, "add", call.args[1], stmt)
        if kind in (ast.Assign, ast.AnnAssign) and isinstance(getattr(stmt, "targets", [None])[0] if kind is ast.Assign
                                                              else stmt.target, ast.Subscript):
            target = stmt.targets[0] if kind is ast.Assign else stmt.target
            if isinstance(target.value, ast.Name) and stmt.value is not None:
                self._define(target.value.id, "add", stmt.value, stmt)  # context["title"] = post.title
        for block in self._BLOCKS:
            inner = getattr(stmt, block, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                self._block(inner, stmt)
        for handler in getattr(stmt, "handlers", None) or ():
            self.parent[id(handler)] = (id(stmt.handlers), 0, stmt)
            if handler.name:
                self._define(handler.name, "opaque", None, handler)
            self._block(handler.body, stmt)
        for case in getattr(stmt, "cases", None) or ():
            self._block(case.body, stmt)

    def _expressions(self, node: ast.AST, stmt: ast.AST) -> None:
        for child in ast.walk(node):
            self.owner[id(child)] = stmt
            if isinstance(child, ast.NamedExpr) and isinstance(child.target, ast.Name):
                self._define(child.target.id, "assign", child.value, stmt, (child.lineno, child.col_offset))
            elif isinstance(child, (ast.Yield, ast.YieldFrom)):
                self.yields = True

    def _bind(self, target: ast.AST, value: ast.AST, stmt: ast.AST, kind: str) -> None:
        if isinstance(target, ast.Name):
            self._define(target.id, kind, value, stmt)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) and \
                    not any(isinstance(e, ast.Starred) for e in target.elts + value.elts):
                for inner, item in zip(target.elts, value.elts):
                    self._bind(inner, item, stmt, kind)
            else:
                for name in _names(target):
                    self._define(name, "element", value, stmt)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, value, stmt, "element")

    def _define(self, name: str, kind: str, value, stmt, start=None) -> None:
        self.defs.setdefault(name, []).append(
            _Def(kind, value, stmt, start or (getattr(stmt, "lineno", 0), getattr(stmt, "col_offset", 0))))

    # -- which definitions reach a use
    def chain(self, stmt: ast.AST | None) -> list[ast.AST]:
        found = []
        while stmt is not None and len(found) < 64:
            found.append(stmt)
            info = self.parent.get(id(stmt))
            stmt = info[2] if info else None
        return found

    def reaching(self, name: str, use: ast.AST) -> tuple[list[_Def], bool]:
        """The definitions of ``name`` that may reach ``use``, and whether one of them always does."""
        defs = self.defs.get(name)
        if not defs:
            return [], False
        stmt = self.owner.get(id(use))
        chain = self.chain(stmt)
        ancestors = {id(s) for s in chain}
        position = (getattr(use, "lineno", 0), getattr(use, "col_offset", 0))
        loops = [s for s in chain if isinstance(s, (ast.For, ast.AsyncFor, ast.While))]
        reaching: list[_Def] = []
        killer: _Def | None = None
        for definition in defs:
            inside = id(definition.stmt) in ancestors
            if definition.kind in ("loop", "with"):
                if inside and definition.stmt is not stmt:
                    reaching.append(definition)
                    if killer is None or definition.start > killer.start:
                        killer = definition
                    continue
            end = (getattr(definition.stmt, "end_lineno", 0) or 0, getattr(definition.stmt, "end_col_offset", 0) or 0)
            precedes = end <= position and not (inside and definition.kind not in ("loop", "with"))
            if definition.kind == "assign" and inside and definition.stmt is not stmt and definition.start < position:
                precedes = True  # if (match := ...): ... uses it in the body
            carried = definition.kind == "add" and any(self._within(definition.stmt, loop) for loop in loops)
            if not precedes and not carried:
                continue
            reaching.append(definition)
            if precedes and definition.kind == "assign" and self._dominates(definition, chain, stmt):
                if killer is None or definition.start > killer.start:
                    killer = definition
        if killer is None:
            return reaching, False
        return [d for d in reaching if d is killer or d.start > killer.start], True

    def _dominates(self, definition: _Def, chain: list[ast.AST], use_stmt) -> bool:
        info = self.parent.get(id(definition.stmt))
        if info is None:
            return False
        key, index, _ = info
        for stmt in chain:
            other = self.parent.get(id(stmt))
            if other is not None and other[0] == key and other[1] > index:
                return True
            if stmt is definition.stmt and stmt is not use_stmt:
                return True
        return False

    def _within(self, stmt: ast.AST, loop: ast.AST) -> bool:
        return any(s is loop for s in self.chain(stmt)[1:])


SINGLE_ROW_METHODS = frozenset({"fetchone", "fetchrow", "first", "one", "one_or_none", "fetch_one", "get",
                                "scalar_one", "scalar_one_or_none", "first_or_404", "get_or_404", "latest",
                                "earliest", "last"})


def _single_row(value: ast.AST | None) -> bool:
    """``cursor.fetchone()``, ``query.first()``: unpacking it gives the columns of one row."""
    if isinstance(value, ast.Await):
        value = value.value
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
        value.func.attr in SINGLE_ROW_METHODS


def _position(stmt: ast.AST, name: str) -> int | None:
    """Where ``name`` sits in ``a, b = ...`` (None when nested or not a plain tuple target)."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else []
    if len(targets) != 1 or not isinstance(targets[0], (ast.Tuple, ast.List)):
        return None
    for position, element in enumerate(targets[0].elts):
        if isinstance(element, ast.Starred):
            return None
        if isinstance(element, ast.Name) and element.id == name:
            return position
    return None


def _names(target: ast.AST):
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _names(element.value if isinstance(element, ast.Starred) else element)
    elif isinstance(target, ast.Starred):
        yield from _names(target.value)


class Frame:
    """One function being evaluated, possibly with its parameters bound to a caller's arguments."""

    def __init__(self, engine, file, function, facts, bindings=None, depth=0, role=None, overlay=None):
        self.engine = engine
        self.file = file
        self.names = file.names
        self.function = function
        self.facts = facts
        self.bindings = bindings  # param → (argument node, caller frame)
        self.depth = depth
        self.role = role
        self.overlay = overlay or {}  # comprehension variables → (ast.comprehension, frame)
        self.locals = engine.locals_of(function) if function is not None else None

    def resolve(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name) and (node.id in self.overlay or (self.locals and node.id in self.locals.defs)):
            return None
        if isinstance(node, ast.Name) and self.function is not None and node.id in self.engine.param_names(self):
            return None
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and (root.id in self.overlay or (self.locals and root.id in self.locals.defs) or (
                self.function is not None and root.id in self.engine.param_names(self))):
            return None
        return self.names.resolve(node)

    def canonical(self, node: ast.AST) -> str | None:
        resolved = self.resolve(node)
        return self.engine.canonical(resolved) if resolved else None

    def with_overlay(self, extra: dict) -> "Frame":
        child = Frame.__new__(Frame)
        child.__dict__.update(self.__dict__)
        child.overlay = {**self.overlay, **extra}
        self.engine.keep(child)
        return child


class Provenance:
    """Evaluates where the values of an HTML string come from. One instance per scan (through
    :func:`provenance`); :meth:`parts` is called once per sink."""

    def __init__(self, project):
        self.project = project
        self.models = model_index(project)
        self._locals: dict[int, _Locals] = {}
        self._functions: dict[str, dict[str, tuple]] = {}
        self._callers: dict[str, list] | None = None
        self._handlers: set[str] | None = None
        self._params: dict[int, dict] = {}
        self.budget = 0
        self._memo: dict[tuple, tuple[Part, ...]] = {}
        self._active: set[tuple] = set()
        self._alive: list[Frame] = []  # memo keys hold id(frame): the frames must outlive the evaluation

    def keep(self, frame: "Frame") -> "Frame":
        self._alive.append(frame)
        return frame

    # -- project lookups
    def canonical(self, qualname: str | None) -> str | None:
        return self.models.canonical(qualname)

    def locals_of(self, function: ast.AST) -> _Locals:
        found = self._locals.get(id(function))
        if found is None:
            found = _Locals(function)
            self._locals[id(function)] = found
        return found

    def function_nodes(self, path: str) -> dict[str, tuple]:
        if path not in self._functions:
            facts = self.project.files.get(path)
            tree = self.project.tree(path) if facts is not None and facts.names is not None else None
            index: dict[str, tuple] = {}
            if tree is not None:
                for qualname, node, cls in iter_functions(tree.body, facts.module):
                    index[qualname] = (node, cls)
            self._functions[path] = index
        return self._functions[path]

    def frame_for(self, function_facts, bindings=None, depth=0, role=None) -> Frame | None:
        if function_facts is None or depth > MAX_FRAMES:
            return None
        path = function_facts.location.path
        file = self.project.files.get(path)
        if file is None or file.names is None:
            return None
        found = self.function_nodes(path).get(function_facts.qualname)
        if found is None:
            return None
        return self.keep(Frame(self, file, found[0], function_facts, bindings, depth, role))

    def handlers(self) -> set[str]:
        if self._handlers is None:
            found: set[str] = set()
            if any(f.fastapi for f in self.project.python_files()):
                for route in self.project.fastapi.routes:
                    if route.handler is not None:
                        found.add(route.handler.qualname)
            self._handlers = found
        return self._handlers

    def param_names(self, frame: Frame) -> dict:
        function = frame.function
        found = self._params.get(id(function))
        if found is None:
            found = {}
            args = function.args
            positional = args.posonlyargs + args.args
            defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
            for index, (arg, default) in enumerate(zip(positional, defaults)):
                found[arg.arg] = (index, default, arg)
            for arg, default in zip(args.kwonlyargs, args.kw_defaults):
                found[arg.arg] = (None, default, arg)
            for arg in (args.vararg, args.kwarg):
                if arg is not None:
                    found[arg.arg] = (None, None, arg)
            self._params[id(function)] = found
        return found

    def role_of(self, frame: Frame) -> str | None:
        if frame.role is not None:
            return frame.role
        facts = frame.facts
        role = "helper"
        if facts is not None:
            if facts.qualname in self.handlers():
                role = "handler"
            else:
                for param in facts.params[:2]:
                    annotation = self.canonical(param.annotation) if param.annotation else None
                    if param.name in C.REQUEST_PARAM_NAMES or annotation in C.REQUEST_TYPES:
                        role = "view"  # Django/DRF views and methods: the other parameters come from the URL
                        break
                if role == "helper" and frame.file.imports_any("flask", "quart") and any(
                        d.rsplit(".", 1)[-1] in ("route", "get", "post", "put", "patch", "delete")
                        for d in facts.decorators):
                    role = "view"
        frame.role = role
        return role

    # -- entry point
    def parts(self, node: ast.AST, frame: Frame) -> tuple[Part, ...]:
        self.budget = BUDGET
        self._memo = {}
        self._active = set()
        self._alive = [frame]
        try:
            return self.value(node, frame)
        except RecursionError:
            return NOTHING
        finally:
            self._memo = {}
            self._alive = []

    # -- the evaluation
    def value(self, node: ast.AST | None, frame: Frame) -> tuple[Part, ...]:
        if node is None:
            return NOTHING
        key = (id(node), id(frame))
        found = self._memo.get(key)
        if found is not None:
            return found
        if key in self._active:
            return NOTHING  # a cycle: judged by the other definitions
        self.budget -= 1
        if self.budget < 0:
            return (self._part(OPAQUE, node, frame, "a value not followed further"),)
        self._active.add(key)
        try:
            result = self._value(node, frame)
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _part(self, origin, node, frame, what, model=None, record=False) -> Part:
        return Part(origin, _text(node), what, frame.file.relpath, getattr(node, "lineno", 0), model, record)

    def _value(self, node: ast.AST, frame: Frame) -> tuple[Part, ...]:
        kind = type(node)
        if kind is ast.Constant:
            return NOTHING
        if kind is ast.JoinedStr:
            return _merge(*(self.value(v.value, frame) for v in node.values
                            if isinstance(v, ast.FormattedValue) and not numeric_format(v)))
        if kind is ast.FormattedValue:
            return NOTHING if numeric_format(node) else self.value(node.value, frame)
        if kind is ast.BinOp:
            return self._binop(node, frame)
        if kind is ast.BoolOp:
            return _merge(*(self.value(v, frame) for v in node.values))
        if kind is ast.IfExp:
            return _merge(self.value(node.body, frame), self.value(node.orelse, frame))
        if kind in (ast.List, ast.Tuple, ast.Set):
            return _merge(*(self.value(e.value if isinstance(e, ast.Starred) else e, frame) for e in node.elts))
        if kind is ast.Dict:
            return _merge(*(self.value(v, frame) for v in node.values))
        if kind in (ast.ListComp, ast.GeneratorExp, ast.SetComp):
            return self._comprehension(node, node.elt, frame)
        if kind is ast.DictComp:
            return self._comprehension(node, node.value, frame)
        if kind in (ast.Compare, ast.UnaryOp):
            return NOTHING  # booleans and numbers
        if kind in (ast.Await, ast.NamedExpr):
            return self.value(node.value, frame)
        if kind is ast.Starred:
            return self.value(node.value, frame)
        if kind is ast.Name:
            return self._name(node, frame)
        if kind is ast.Attribute:
            return self._attribute(node, frame)
        if kind is ast.Subscript:
            return self._subscript(node, frame)
        if kind is ast.Call:
            return self._call(node, frame)
        if kind in (ast.Lambda, ast.Slice):
            return NOTHING
        return (self._part(OPAQUE, node, frame, "a computed value"),)

    def _binop(self, node: ast.BinOp, frame: Frame) -> tuple[Part, ...]:
        op = type(node.op)
        if op is ast.Add:
            pieces = []
            current: ast.AST = node
            while isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add) and len(pieces) < 500:
                pieces.append(current.right)
                current = current.left
            pieces.append(current)
            if any(self._is_markup(p, frame) for p in pieces):
                return NOTHING  # Markup("<p>") + value: adding to a Markup escapes the str operands
            return _merge(*(self.value(p, frame) for p in reversed(pieces)))
        if op is ast.Mod:
            left = node.left
            if self._is_markup(left, frame):
                return NOTHING  # Markup("<b>%s</b>") % value escapes the value
            if isinstance(left, ast.Constant) and isinstance(left.value, str):
                return _merge(*(self.value(o, frame) for o in percent_operands(left.value, node.right)))
            return _merge(self.value(left, frame), self.value(node.right, frame))
        if op is ast.Mult:
            left, right = self.value(node.left, frame), self.value(node.right, frame)
            if isinstance(node.left, ast.Constant) or isinstance(node.right, ast.Constant):
                return left if isinstance(node.right, ast.Constant) else right
            return _merge(left, right)
        return NOTHING  # arithmetic

    def _is_markup(self, node: ast.AST, frame: Frame) -> bool:
        if not isinstance(node, ast.Call):
            return False
        callee = frame.canonical(node.func) or ""
        return callee in ("markupsafe.Markup", "jinja2.Markup", "flask.Markup", "jinja2.utils.Markup",
                          "markupsafe.escape", "markupsafe.Markup.escape")

    def _comprehension(self, node, element: ast.AST, frame: Frame) -> tuple[Part, ...]:
        current = frame
        for generator in node.generators:
            current = current.with_overlay({name: (generator, current) for name in _names(generator.target)})
        return self.value(element, current)

    def _unpack(self, target: ast.AST, iterable: ast.AST | None, name: str, frame: Frame,
                depth: int = 0) -> tuple[ast.AST | None, int | None]:
        """What ``name`` iterates over in ``for <target> in <iterable>``, and its column in each row.

        ``for i, post in enumerate(posts)``: ``i`` counts (None), ``post`` iterates ``posts``;
        ``for a, b in zip(xs, ys)``: ``b`` iterates ``ys``; ``for title, total in rows``: ``total``
        is column 1 of each row.
        """
        if not isinstance(target, (ast.Tuple, ast.List)) or iterable is None or depth > 4:
            return iterable, None
        elements = target.elts
        if any(isinstance(e, ast.Starred) for e in elements):
            return iterable, None
        if isinstance(iterable, ast.Call) and all(k.arg in ("start", "strict") for k in iterable.keywords) and \
                not any(isinstance(a, ast.Starred) for a in iterable.args):
            callee = frame.canonical(iterable.func) if isinstance(iterable.func, (ast.Name, ast.Attribute)) else None
            if callee == "builtins.enumerate" and len(elements) == 2 and iterable.args:
                if name in _names(elements[0]):
                    return None, None  # the index
                return self._unpack(elements[1], iterable.args[0], name, frame, depth + 1)
            if callee == "builtins.zip" and len(elements) == len(iterable.args):
                for element, argument in zip(elements, iterable.args):
                    if name in _names(element):
                        return self._unpack(element, argument, name, frame, depth + 1)
        for position, element in enumerate(elements):
            if isinstance(element, ast.Name) and element.id == name:
                return iterable, position
        return iterable, None

    def _element(self, parts: tuple[Part, ...], position: int | None) -> tuple[Part, ...]:
        """Column ``position`` of rows: a column the query computes as a number is no text."""
        if position is None:
            return parts
        return tuple(p for p in parts if not (p.record and p.origin == STORED and position in p.numeric))

    def _loop_value(self, target: ast.AST, iterable: ast.AST | None, node: ast.Name, frame: Frame,
                    outer: Frame) -> tuple[Part, ...]:
        source, position = self._unpack(target, iterable, node.id, outer)
        if source is None:
            return NOTHING  # a counter
        parts = self._element(self.value(source, outer), position)
        if position is not None:  # for title, body in rows: one column of each row
            return tuple(Part(STORED, node.id, "a database column value", frame.file.relpath, node.lineno)
                         if p.record and p.origin == STORED and not p.what.endswith("HTTP response") else p
                         for p in parts)
        return self._rename(parts, node, frame, element=True)

    # -- names
    def _name(self, node: ast.Name, frame: Frame) -> tuple[Part, ...]:
        name = node.id
        if name in frame.overlay:
            generator, outer = frame.overlay[name]
            return self._loop_value(generator.target, generator.iter, node, frame, outer)
        locals_ = frame.locals
        if locals_ is not None and name in locals_.defs:
            defs, certain = locals_.reaching(name, node)
            results = []
            for definition in defs:
                if definition.kind in ("assign", "add"):
                    results.append(self.value(definition.value, frame))
                elif definition.kind == "loop" and isinstance(definition.stmt, (ast.For, ast.AsyncFor)):
                    results.append(self._loop_value(definition.stmt.target, definition.value, node, frame, frame))
                elif definition.kind == "element":
                    parts = self.value(definition.value, frame)
                    if _single_row(definition.value):
                        parts = self._element(parts, _position(definition.stmt, name))
                    results.append(self._rename(parts, node, frame, element=True))
                elif definition.kind in ("loop", "with"):
                    results.append(self._rename(self.value(definition.value, frame), node, frame,
                                                element=definition.kind != "with"))
                else:
                    results.append((self._part(OPAQUE, node, frame, "a value bound elsewhere"),))
            if not certain and frame.function is not None and name in self.param_names(frame):
                results.append(self._param(node, frame))
            return self._rename(_merge(*results), node, frame)
        if frame.function is not None and name in self.param_names(frame):
            return self._param(node, frame)
        return self._global(node, frame)

    def _rename(self, parts: tuple[Part, ...], node: ast.AST, frame: Frame, element: bool = False):
        """A record reached through a variable is reported by the variable's name, where it is used."""
        out = []
        for part in parts:
            if part.record and part.origin == STORED:
                what = part.what
                numeric = part.numeric
                if element and what in ("database records", "a database query result"):
                    what = "a database record"
                elif element and what == "a database record":
                    what = "a database row value"
                    numeric = frozenset()  # the columns of a row are not rows
                out.append(Part(part.origin, _text(node), what, frame.file.relpath, getattr(node, "lineno", 0),
                                part.model, True, numeric))
            else:
                out.append(part)
        return tuple(out)

    def _global(self, node: ast.Name, frame: Frame) -> tuple[Part, ...]:
        if node.id.isupper() or node.id in ("True", "False", "None"):
            return NOTHING
        resolved = frame.names.resolve(node)
        if resolved is None:
            return (self._part(OPAQUE, node, frame, "an unknown name"),)
        if resolved.startswith(("builtins.", "django.conf.settings")):
            return NOTHING
        canonical = self.canonical(resolved)
        variable = self.project.variables.get(canonical)
        if variable is not None:
            if isinstance(variable.value, Literal):
                return NOTHING
            return (self._part(OPAQUE, node, frame, "a module variable"),)
        if canonical in self.project.classes or canonical in self.project.functions:
            return NOTHING
        if canonical.rsplit(".", 1)[-1].isupper():
            return NOTHING
        return (self._part(OPAQUE, node, frame, "an imported value"),)

    def _param(self, node: ast.Name, frame: Frame) -> tuple[Part, ...]:
        name = node.id
        index, default, arg = self.param_names(frame)[name]
        if frame.bindings is not None:
            bound = frame.bindings.get(name)
            if bound is not None:
                argument, caller = bound
                return self.value(argument, caller)
            if default is not None:
                return self.value(default, frame)
            return NOTHING if name in ("self", "cls") else (self._part(OPAQUE, node, frame, "a parameter"),)
        if name in ("self", "cls") and frame.facts is not None and frame.facts.class_name:
            return (self._part(OPAQUE, node, frame, "the instance"),)
        role = self.role_of(frame)
        param = None
        if frame.facts is not None:
            for candidate in frame.facts.params:
                if candidate.name == name:
                    param = candidate
                    break
        annotation = self.canonical(param.annotation) if param is not None and param.annotation else None
        annotation_text = param.annotation_text if param is not None else ""
        if name in C.REQUEST_PARAM_NAMES or annotation in C.REQUEST_TYPES:
            return (self._part(REQUEST, node, frame, "the request", record=True),)
        if annotation in C.SAFE_TYPES or _core_annotation(annotation_text) in ("int", "float", "bool") or \
                annotation in C.FRAMEWORK_TYPES or self._is_enum(annotation):
            return NOTHING
        marker = param.marker if param is not None else None
        if marker in ("Depends", "Security"):
            return self._dependency(node, param, frame)
        if marker in C.SOURCE_MARKERS or role in ("handler", "view", "dependency"):
            return (self._part(REQUEST, node, frame, "request data"),)
        if annotation and self.models.is_model(annotation):
            return (self._part(STORED, node, frame, "a database record", model=annotation, record=True),)
        if annotation and C.DB_TYPES_HINT.match(annotation):
            return NOTHING
        return self._from_callers(node, frame, index, default)

    def _is_enum(self, annotation: str | None) -> bool:
        if not annotation:
            return False
        cls = self.project.classes.get(annotation)
        return cls is not None and any(b.startswith("enum.") or b.endswith("Enum") for b in cls.bases)

    def _dependency(self, node: ast.Name, param, frame: Frame) -> tuple[Part, ...]:
        target = param.dependency
        if not target and param.annotation:
            target = param.annotation
        if target and C.DB_DEPENDENCY.search(target.rsplit(".", 1)[-1]):
            return NOTHING  # a database session
        function = self.project.function(target) if target and not target.endswith("()") else None
        if function is not None:
            inner = self.frame_for(function, None, frame.depth + 1, role="dependency")
            if inner is not None and inner.locals is not None and inner.locals.returns:
                found = _merge(*(self.value(r, inner) for r in inner.locals.returns))
                return self._rename(found, node, frame)
        annotation = self.canonical(param.annotation) if param.annotation else None
        if annotation and self.models.is_model(annotation):
            return (self._part(STORED, node, frame, "a database record", model=annotation, record=True),)
        return (self._part(OPAQUE, node, frame, "a dependency's value"),)

    def _from_callers(self, node: ast.Name, frame: Frame, index, default) -> tuple[Part, ...]:
        facts = frame.facts
        if facts is None or frame.depth >= MAX_FRAMES:
            return (self._part(OPAQUE, node, frame, "a parameter"),)
        results = []
        seen = 0
        for caller_facts in self.callers(facts):
            caller = self.frame_for(caller_facts, None, frame.depth + 1)
            if caller is None:
                continue
            for call in self._calls_to(caller, facts):
                argument = self._argument(call, facts, node.id, index, caller)
                if argument is None:
                    if default is not None:
                        results.append(self.value(default, frame))
                    continue
                results.append(self.value(argument, caller))
                seen += 1
                if seen >= MAX_CALLERS:
                    break
            if seen >= MAX_CALLERS:
                break
        if not seen:
            return (self._part(OPAQUE, node, frame, "a parameter"),)
        return _merge(*results)

    def _argument(self, call: ast.Call, target, name: str, index, caller: Frame) -> ast.AST | None:
        for keyword in call.keywords:
            if keyword.arg == name:
                return keyword.value
        if index is None:
            return None
        shift = 0
        if target.class_name and "builtins.staticmethod" not in target.decorators:
            shift = 1  # self/cls is not passed
        position = index - shift
        if 0 <= position < len(call.args):
            argument = call.args[position]
            if isinstance(argument, ast.Starred) or any(isinstance(a, ast.Starred) for a in call.args[:position]):
                return None
            return argument
        return None

    def callers(self, target) -> list:
        if self._callers is None:
            by_name: dict[str, list] = {}
            for function in self.project.functions.values():
                names = {c.rsplit(".", 1)[-1] for c in function.calls}
                if function.class_name:
                    names.update(function.method_calls)
                for called in names:
                    by_name.setdefault(called, []).append(function)
            self._callers = by_name
        found = []
        for function in self._callers.get(target.name, ()):
            if function.qualname == target.qualname:
                continue
            named = any(c.rsplit(".", 1)[-1] == target.name and self.canonical(c) == target.qualname
                        for c in function.calls)
            if named or (target.class_name and function.class_name == target.class_name):
                found.append(function)
        return found

    def _calls_to(self, caller: Frame, target) -> list[ast.Call]:
        found = []
        for node in ast.walk(caller.function):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
                if target.class_name and caller.facts is not None and caller.facts.class_name == target.class_name \
                        and func.attr == target.name:
                    found.append(node)
                continue
            if self.canonical(caller.names.resolve(func)) == target.qualname:
                found.append(node)
        return found

    # -- attributes and subscripts
    def _attribute(self, node: ast.Attribute, frame: Frame) -> tuple[Part, ...]:
        attr = node.attr
        if attr.isupper():
            return NOTHING
        base = node.value
        if isinstance(base, ast.Name) and base.id == "self" and self.role_of(frame) == "view" and \
                attr in VIEW_RECORD_ATTRS:
            return (self._part(STORED, node, frame, "a database record", self._view_model(frame), record=True),)
        resolved = frame.resolve(node)
        if resolved is not None:
            canonical = self.canonical(resolved)
            if resolved.startswith(("django.conf.settings", "builtins.")) or canonical in self.project.classes:
                return NOTHING
            if self.models.is_model(self.canonical(frame.resolve(base))) and attr in ("objects", "query"):
                return (self._part(STORED, node, frame, "database records", self.canonical(frame.resolve(base)),
                                   record=True),)
            variable = self.project.variables.get(canonical)
            if variable is not None and isinstance(variable.value, Literal):
                return NOTHING
            owner = self.project.value_of(canonical)
            if isinstance(owner, Literal) or is_config(canonical):
                return NOTHING  # configuration: settings.site_name
            return (self._part(OPAQUE, node, frame, "a module attribute"),)
        if attr == "user" and self._is_request_object(base, frame):
            return (self._part(STORED, node, frame, "the signed-in user's record", AUTH_USER, record=True),)
        if self._is_request_object(base, frame):
            return (self._part(REQUEST, node, frame, "request data"),)
        out = []
        for part in self.value(base, frame):
            if part.origin == STORED:
                if part.what in ("an HTTP response", "data from an HTTP response"):
                    if attr not in ("status_code", "elapsed", "is_success", "ok", "is_error"):
                        out.append(Part(STORED, _text(node), "data from an HTTP response", frame.file.relpath,
                                        node.lineno, None, True))
                    continue
                if part.record and attr in part.numeric:
                    continue  # annotate(replies=Count("reply")), SELECT COUNT(*) AS n
                kind = self.models.field_kind(part.model if part.record else None, attr)
                if kind in ("numeric", "constant"):
                    continue
                if kind == "relation":
                    out.append(Part(STORED, _text(node), "a related database record", frame.file.relpath,
                                    node.lineno, None, True))
                else:
                    out.append(Part(STORED, _text(node), "a database field", frame.file.relpath, node.lineno))
            elif part.origin == REQUEST:
                out.append(Part(REQUEST, _text(node), "request data", frame.file.relpath, node.lineno))
            else:
                out.append(part)
        return _merge(out)

    def _view_model(self, frame: Frame) -> str | None:
        facts = frame.facts
        if facts is None or not facts.class_name:
            return None
        cls = self.project.classes.get(facts.class_name)
        value = cls.attribute("model") if cls is not None else None
        reference = getattr(value, "value", None) if isinstance(value, Literal) else None
        return self.canonical(str(reference)) if isinstance(reference, str) else None

    def _is_request_object(self, node: ast.AST, frame: Frame) -> bool:
        if isinstance(node, ast.Name):
            if node.id in C.REQUEST_PARAM_NAMES and (frame.function is None or node.id in self.param_names(frame)):
                return True
            resolved = frame.names.resolve(node) if not (frame.locals and node.id in frame.locals.defs) else None
            return resolved in C.GLOBAL_REQUESTS
        if isinstance(node, ast.Attribute):
            return node.attr == "request" and isinstance(node.value, ast.Name) and node.value.id == "self"
        return False

    def _subscript(self, node: ast.Subscript, frame: Frame) -> tuple[Part, ...]:
        if self._is_request_object(node.value, frame):
            return (self._part(REQUEST, node, frame, "request data"),)
        key = node.slice
        out = []
        for part in self.value(node.value, frame):
            if part.origin == STORED:
                http = part.what in ("an HTTP response", "data from an HTTP response")
                constant = key.value if isinstance(key, ast.Constant) else None
                if not http and part.record and isinstance(constant, (str, int)) and \
                        not isinstance(constant, bool) and constant in part.numeric:
                    continue  # row[0] of SELECT COUNT(*) ..., row["total"] of SUM(...) AS total
                if not http and isinstance(constant, str) and \
                        self.models.field_kind(part.model if part.record else None, constant) in ("numeric",
                                                                                                "constant"):
                    continue
                numeric = part.numeric if isinstance(constant, int) else frozenset()  # rows[0]: a row
                out.append(Part(STORED, _text(node), "data from an HTTP response" if http else "a database row value",
                                frame.file.relpath, node.lineno, None, True, numeric))
            else:
                out.append(part)
        return _merge(out)

    # -- calls
    def _call(self, node: ast.Call, frame: Frame) -> tuple[Part, ...]:
        func = node.func
        callee = frame.canonical(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
        if callee is not None:
            if callee in ESCAPERS or callee.rsplit(".", 1)[-1] in ("escape", "conditional_escape", "quote",
                                                                    "sanitize", "sanitize_html", "clean_html"):
                return NOTHING
            if callee.startswith("builtins."):
                if callee in PASS_THROUGH:
                    return _merge(*(self.value(a, frame) for a in node.args[:1]))
                if callee in ("builtins.getattr",):
                    return (self._part(OPAQUE, node, frame, "an attribute read by name"),)
                return NOTHING  # int(), len(), round() ... and other builtins
            if callee in ("django.shortcuts.get_object_or_404", "django.shortcuts.get_list_or_404"):
                return (self._part(STORED, node, frame, "a database record", self._model_argument(node, frame),
                                   record=True),)
            if HTTP_FUNCTIONS.match(callee):
                return (self._part(STORED, node, frame, "an HTTP response", record=True),)
            if callee in TEXT_FUNCTIONS or callee.rsplit(".", 1)[-1] in ("markdown", "linebreaks"):
                return _merge(*(self.value(a, frame) for a in node.args[:1]))
            if callee.startswith(RESPONSE_CALLS):
                return NOTHING
            if self.models.is_model(callee):
                return NOTHING  # Model(...) built here: not stored data
            function = self.project.function(callee)
            if function is not None:
                return self._into(node, function, frame, bound=False)
            model = self._model_prefix(callee)
            if model is not None:
                numeric = self._orm_numeric(node, callee.rsplit(".", 1)[-1], model, frozenset(), frame)
                if numeric is None:
                    return NOTHING  # Post.objects.count(), .aggregate(...), .values_list("id", flat=True)
                return (Part(STORED, _text(node), "a database query result", frame.file.relpath, node.lineno, model,
                             True, numeric),)
            owner = callee.rpartition(".")[0]
            cls = self.project.classes.get(owner)
            if cls is not None:
                return (self._part(OPAQUE, node, frame, "a value returned by a method"),)
            if C.DB_FACTORIES.match(callee) or callee.endswith(("sessionmaker", "SessionLocal")):
                return NOTHING
            if not isinstance(func, ast.Attribute) or self._is_module(func.value, frame):
                return (self._part(OPAQUE, node, frame, "a value returned by a library call"),)
        if isinstance(func, ast.Attribute):
            return self._method(node, func, frame)
        if isinstance(func, ast.Name) and func.id in frame.overlay:
            return (self._part(OPAQUE, node, frame, "a computed value"),)
        return (self._part(OPAQUE, node, frame, "a computed value"),)

    def _model_prefix(self, callee: str) -> str | None:
        """``app.models.Post.objects.filter`` → ``app.models.Post`` (a manager, ``Model.query`` or a class method)."""
        parts = callee.split(".")
        for end in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:end])
            if self.project.classes.get(prefix) is not None or prefix in ORM_BASES or prefix in KNOWN_MODELS or \
                    prefix in self.project.variables:
                return prefix if self.models.is_model(prefix) else None
        return None

    def _is_module(self, node: ast.AST, frame: Frame) -> bool:
        resolved = frame.resolve(node)
        return resolved is not None and self.project.variables.get(self.canonical(resolved)) is None

    def _model_argument(self, node: ast.Call, frame: Frame) -> str | None:
        for argument in node.args[:1]:
            target = argument
            while isinstance(target, ast.Call) and isinstance(target.func, ast.Attribute):
                target = target.func.value
            if isinstance(target, ast.Attribute) and target.attr == "objects":
                target = target.value
            resolved = frame.canonical(target) if isinstance(target, (ast.Name, ast.Attribute)) else None
            if resolved and self.models.is_model(resolved):
                return resolved
        return None

    def _query_model(self, node: ast.Call, frame: Frame) -> str | None:
        """``db.query(Post)``, ``session.get(Post, 1)``, ``session.execute(select(Post))``."""
        for argument in list(node.args[:1]):
            for inner in ast.walk(argument):
                target = inner
                if isinstance(inner, ast.Call):
                    name = frame.canonical(inner.func) or ""
                    if name.rsplit(".", 1)[-1] in ("select", "query") and inner.args:
                        target = inner.args[0]
                    else:
                        continue
                if isinstance(target, (ast.Name, ast.Attribute)):
                    resolved = frame.canonical(target)
                    if resolved and self.models.is_model(resolved):
                        return resolved
        return None

    def _method(self, node: ast.Call, func: ast.Attribute, frame: Frame) -> tuple[Part, ...]:
        method = func.attr
        receiver = func.value
        if method in SAFE_METHODS or DISPLAY_METHOD.match(method):
            return NOTHING
        if self._is_request_object(receiver, frame) or (
                isinstance(receiver, ast.Attribute) and self._is_request_object(receiver.value, frame)
                and receiver.attr != "user"):
            return (self._part(REQUEST, node, frame, "request data"),)
        if method in ESCAPING_MARKUP and self._is_markup(receiver, frame):
            return NOTHING
        if method in TEMPLATE_METHODS:
            return self._render(node, func, frame)
        if method in ("format", "format_map") and isinstance(receiver, ast.Constant):
            return self._format(node, receiver.value if isinstance(receiver.value, str) else "", frame)
        if method == "join":
            return _merge(self.value(receiver, frame), *(self.value(a, frame) for a in node.args))
        if self._is_db(receiver, frame):
            if method in ("cursor", "connect", "begin", "connection", "acquire", "commit", "rollback", "close",
                          "add", "delete", "refresh", "flush", "merge", "add_all"):
                return NOTHING
            columns = self._query_columns(node, method, receiver, frame)
            if all_numeric(columns):
                return NOTHING  # SELECT COUNT(*) ..., select(func.sum(Order.total)), query(func.count(User.id))
            return (Part(STORED, _text(node), "a database query result", frame.file.relpath, node.lineno,
                         self._query_model(node, frame), True, _numeric_columns(columns)),)
        if self._is_http(receiver, frame) and method in C.HTTP_VERBS:
            return (self._part(STORED, node, frame, "an HTTP response", record=True),)
        if isinstance(receiver, ast.Name) and receiver.id == "self" and method in VIEW_RECORDS and \
                self.role_of(frame) == "view":
            return (self._part(STORED, node, frame, "a database record", self._view_model(frame), record=True),)
        bound = self._bound_method(receiver, method, frame)
        if bound is not None:
            return self._into(node, bound, frame, bound=True, receiver=receiver)
        parts = self.value(receiver, frame)
        args = node.args
        out = []
        for part in parts:
            if part.origin == STORED and part.record:
                if part.what in ("an HTTP response", "data from an HTTP response"):
                    out.append(Part(STORED, _text(node), "data from an HTTP response", frame.file.relpath,
                                    node.lineno, None, True))
                else:
                    model = part.model
                    numeric = self._orm_numeric(node, method, model, part.numeric, frame)
                    if numeric is None:
                        continue  # .count(), .aggregate(...), .scalar() of a count, .values_list("id", flat=True)
                    method_facts = self.project.functions.get(f"{model}.{method}") if model else None
                    if method_facts is not None:
                        out.extend(self._into(node, method_facts, frame, bound=True, receiver=receiver))
                        continue
                    record = method in DB_METHODS or method in RECORD_METHODS
                    out.append(Part(STORED, _text(node), part.what if record else "a database field",
                                    frame.file.relpath, node.lineno, model if record else None, record,
                                    numeric if record else frozenset()))
            else:
                out.append(part)
        if method in STRING_METHODS:
            extra = [self.value(a, frame) for a in args] + [self.value(k.value, frame) for k in node.keywords]
            return _merge(tuple(out), *extra)
        return _merge(tuple(out))

    # -- numbers computed by queries
    def _orm_numeric(self, node: ast.Call, method: str, model: str | None, numeric: frozenset,
                     frame: Frame) -> frozenset | None:
        """The columns known to be numbers after ``<query>.method(...)``; None when the result is a number
        (``count()``, ``aggregate()``, ``exists()``, ``scalar()`` of a count, ``values_list`` of ids)."""
        if method in SAFE_METHODS or method in ("count", "exists"):
            return None
        if method == "aggregate":  # a dict: aggregate(Count("id")) → {"id__count": 3}
            if any(k.arg is None for k in node.keywords):
                return numeric
            names = self._annotations(node, model, numeric, frame)
            if len(names) == len(node.args) + len(node.keywords):
                return None
            return frozenset(names)
        if method in FIRST_COLUMN_METHODS:
            return None if 0 in numeric else numeric
        if method in ("values", "values_list"):
            fields: list[str] = []
            for argument in node.args:
                if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                    return numeric
                fields.append(argument.value)
            names = {f for f in fields if self._orm_field_numeric(model, f, numeric)}
            expressions = [k for k in node.keywords if k.arg and k.arg not in ("flat", "named")]
            if any(k.arg is None for k in node.keywords):
                return numeric
            names.update(k.arg for k in expressions if self._orm_numeric_expression(k.value, model, numeric, frame))
            if fields and len(names) == len(fields) + len(expressions):
                return None  # only numbers: values_list("id", flat=True), values("pk", "views")
            positions = {i for i, f in enumerate(fields) if f in names} if method == "values_list" else set()
            return frozenset(names) | frozenset(positions)
        if method in ("annotate", "alias"):
            return numeric | frozenset(self._annotations(node, model, numeric, frame))
        return numeric

    def _annotations(self, node: ast.Call, model: str | None, numeric: frozenset, frame: Frame) -> set[str]:
        """The names ``annotate(...)``/``aggregate(...)`` gives to numeric expressions."""
        added = set()
        for keyword in node.keywords:
            if keyword.arg and self._orm_numeric_expression(keyword.value, model, numeric, frame):
                added.add(keyword.arg)
        for argument in node.args:  # annotate(Count("replies")) is reachable as replies__count
            if isinstance(argument, ast.Call) and argument.args and isinstance(argument.args[0], ast.Constant) \
                    and isinstance(argument.args[0].value, str) and \
                    self._orm_numeric_expression(argument, model, numeric, frame):
                name = frame.canonical(argument.func) if isinstance(argument.func, (ast.Name, ast.Attribute)) \
                    else None
                if name:
                    added.add(f"{argument.args[0].value}__{name.rsplit('.', 1)[-1].lower()}")
        return added

    def _orm_field_numeric(self, model: str | None, path: str, numeric: frozenset) -> bool:
        if path in numeric:
            return True
        segments = path.split("__")
        if len(segments) == 1:
            kind = self.models.field_kind(model, path)
        else:
            kind = self.models.field_kind(None, segments[-1])  # replies__score: the related model's field
        return kind in ("numeric", "constant")

    def _orm_numeric_expression(self, node: ast.AST, model: str | None, numeric: frozenset, frame: Frame,
                                depth: int = 0) -> bool:
        """``Count("replies")``, ``Sum("score")``, ``Max("views")``, ``F("views") + 1``: a number."""
        if depth > 6:
            return False
        if isinstance(node, ast.Constant):
            return isinstance(node.value, (int, float)) and node.value is not None
        if isinstance(node, ast.BinOp):
            return self._orm_numeric_expression(node.left, model, numeric, frame, depth + 1) and \
                self._orm_numeric_expression(node.right, model, numeric, frame, depth + 1)
        if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Name, ast.Attribute)):
            return False
        callee = frame.canonical(node.func) or ""
        if not callee.startswith("django.db.models"):
            return False
        tail = callee.rsplit(".", 1)[-1]
        for keyword in node.keywords:
            if keyword.arg == "output_field":
                return self._numeric_field_class(keyword.value, frame)
        if tail == "Cast" and len(node.args) > 1:
            return self._numeric_field_class(node.args[1], frame)
        if tail in DJANGO_NUMERIC_EXPRESSIONS or tail.startswith("Extract"):
            return True
        if tail in DJANGO_PASSING_EXPRESSIONS and node.args:
            for argument in node.args:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    if not self._orm_field_numeric(model, argument.value, numeric):
                        return False
                elif not self._orm_numeric_expression(argument, model, numeric, frame, depth + 1):
                    return False
            return True
        return False

    def _numeric_field_class(self, node: ast.AST, frame: Frame) -> bool:
        if isinstance(node, ast.Call):
            node = node.func
        callee = frame.canonical(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        return bool(callee) and callee.rsplit(".", 1)[-1] in _SAFE_FIELD_CLASSES

    def _query_columns(self, node: ast.Call, method: str, receiver: ast.AST, frame: Frame):
        """The columns a query on a connection or session returns, when its statement can be read."""
        if method == "query":  # SQLAlchemy's session.query(Post.title, func.count(Comment.id))
            return self._orm_columns(node.args, frame)
        argument = node.args[0] if node.args and not isinstance(node.args[0], ast.Starred) else None
        if argument is None:
            argument = next((k.value for k in node.keywords if k.arg in ("statement", "query", "sql", "operation")),
                            None)
        if argument is None:
            if method in FETCH_METHODS and isinstance(receiver, ast.Name):
                return self._executed_columns(receiver.id, frame)
            return None
        return self._statement_columns(argument, frame, 0)

    def _executed_columns(self, name: str, frame: Frame):
        """``cursor.execute("SELECT COUNT(*) ..."); cursor.fetchone()``: every statement the cursor runs."""
        function = frame.function
        if function is None:
            return None
        found = []
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("execute", "executemany") and isinstance(node.func.value, ast.Name) and \
                    node.func.value.id == name and node.args:
                found.append(self._statement_columns(node.args[0], frame, 0))
                if len(found) > 8:
                    return None
        return _combine(found)

    def _statement_columns(self, node: ast.AST, frame: Frame, depth: int):
        if depth > 4:
            return None
        if isinstance(node, ast.Await):
            node = node.value
        texts = self._sql_texts(node, frame, depth)
        if texts is not None:
            return _combine([sql_columns(text) for text in texts])
        if isinstance(node, ast.Name) and frame.locals is not None and node.id in frame.locals.defs:
            defs, _ = frame.locals.reaching(node.id, node)
            if not defs or any(d.kind != "assign" for d in defs):
                return None
            return _combine([self._statement_columns(d.value, frame, depth + 1) for d in defs])
        if not isinstance(node, ast.Call):
            return None
        callee = frame.canonical(node.func) if isinstance(node.func, (ast.Name, ast.Attribute)) else None
        if callee and callee.startswith(("sqlalchemy.", "sqlmodel.")) and callee.rsplit(".", 1)[-1] == "text" and \
                node.args:
            return self._statement_columns(node.args[0], frame, depth + 1)
        base = node
        while isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute) and base.func.attr in SELECT_CHAIN:
            base = base.func.value
        if isinstance(base, ast.Call) and isinstance(base.func, (ast.Name, ast.Attribute)):
            callee = frame.canonical(base.func) or ""
            if callee.startswith(("sqlalchemy.", "sqlmodel.")) and callee.rsplit(".", 1)[-1] == "select":
                columns = base.args
                if len(columns) == 1 and isinstance(columns[0], (ast.List, ast.Tuple)):
                    columns = columns[0].elts  # select([...]) before SQLAlchemy 2
                return self._orm_columns(columns, frame)
        return None

    def _sql_texts(self, node: ast.AST, frame: Frame, depth: int) -> list[str] | None:
        """The SQL a statement argument holds, with placeholders for interpolated parts."""
        if depth > 4:
            return None
        if isinstance(node, ast.Constant):
            return [node.value] if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            return ["".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else " x "
                            for v in node.values)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return self._sql_texts(node.left, frame, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self._sql_texts(node.left, frame, depth + 1)
            right = self._sql_texts(node.right, frame, depth + 1)
            if left is not None and right is not None and len(left) == 1 and len(right) == 1:
                return [left[0] + right[0]]
            return None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return self._sql_texts(node.func.value, frame, depth + 1)
        if isinstance(node, (ast.Name, ast.Attribute)):
            if isinstance(node, ast.Name) and frame.locals is not None and node.id in frame.locals.defs:
                return None  # followed as a statement by the caller
            resolved = frame.resolve(node)
            if resolved:
                variable = self.project.variables.get(self.canonical(resolved) or resolved)
                if variable is not None and isinstance(variable.value, Literal) and \
                        isinstance(variable.value.value, str):
                    return [variable.value.value]
        return None

    def _orm_columns(self, columns, frame: Frame):
        if not columns:
            return None
        return tuple(self._orm_column(c, frame, 0) for c in columns)

    def _orm_column(self, node: ast.AST, frame: Frame, depth: int) -> Column:
        """One column of ``select(...)``/``session.query(...)``: ``func.count(Post.id).label("n")``, ``Post.views``."""
        if depth > 6:
            return Column(False, None)
        if isinstance(node, ast.Constant):
            return Column(isinstance(node.value, (int, float)) and node.value is not None, None)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod,
                                                                ast.FloorDiv)):
            left, right = self._orm_column(node.left, frame, depth + 1), self._orm_column(node.right, frame, depth + 1)
            return Column(left.numeric and right.numeric, None)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "label" and \
                node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            return Column(self._orm_column(node.func.value, frame, depth + 1).numeric, node.args[0].value)
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            callee = frame.canonical(node.func) or ""
            if not callee.startswith(("sqlalchemy.", "sqlmodel.")):
                return Column(False, None)
            tail = callee.rsplit(".", 1)[-1].lower()
            if ".func." in callee or callee.startswith("sqlalchemy.sql.functions."):
                if tail in NUMERIC_FUNCTIONS:
                    return Column(True, None)
                if tail in PASSING_FUNCTIONS and node.args:
                    return Column(all(self._orm_column(a, frame, depth + 1).numeric for a in node.args), None)
                return Column(False, None)
            if tail in ("cast", "type_coerce") and len(node.args) > 1:
                kind = node.args[1].func if isinstance(node.args[1], ast.Call) else node.args[1]
                name = frame.canonical(kind) if isinstance(kind, (ast.Name, ast.Attribute)) else None
                return Column(bool(name) and name.rsplit(".", 1)[-1] in _SAFE_COLUMN_TYPES, None)
            if tail in ("distinct", "coalesce") and node.args:
                return Column(all(self._orm_column(a, frame, depth + 1).numeric for a in node.args), None)
            if tail in ("exists", "count"):
                return Column(True, None)
            return Column(False, None)
        if isinstance(node, ast.Attribute):
            resolved = frame.canonical(node)
            if resolved:
                owner, _, attr = resolved.rpartition(".")
                if self.models.is_model(owner):
                    kind = self.models.field_kind(owner, attr)
                    return Column(kind in ("numeric", "constant"), attr)
        return Column(False, None)

    def _bound_method(self, receiver: ast.AST, method: str, frame: Frame):
        if isinstance(receiver, ast.Name) and receiver.id == "self" and frame.facts is not None and \
                frame.facts.class_name:
            return self.project.functions.get(f"{frame.facts.class_name}.{method}")
        return None

    def _into(self, node: ast.Call, function, frame: Frame, bound: bool, receiver: ast.AST | None = None):
        """A call of a project function: what its return statements give, with this call's arguments."""
        if frame.depth >= MAX_FRAMES:
            return (self._part(OPAQUE, node, frame, "a value returned by a helper"),)
        inner = self.frame_for(function, {}, frame.depth + 1)
        if inner is None or inner.locals is None:
            return (self._part(OPAQUE, node, frame, "a value returned by a helper"),)
        if inner.locals.yields:
            return (self._part(OPAQUE, node, frame, "a generator"),)
        params = self.param_names(inner)
        ordered = sorted(((i, n) for n, (i, _, _) in params.items() if i is not None))
        names = [n for _, n in ordered]
        shift = 0
        if function.class_name and "builtins.staticmethod" not in function.decorators:
            shift = 1
            if bound and receiver is not None and names:
                inner.bindings[names[0]] = (receiver, frame)
        starred = False
        for position, argument in enumerate(node.args):
            if isinstance(argument, ast.Starred):
                starred = True
            if starred:
                break
            index = position + shift
            if index < len(names):
                inner.bindings[names[index]] = (argument, frame)
        for keyword in node.keywords:
            if keyword.arg and keyword.arg in params:
                inner.bindings[keyword.arg] = (keyword.value, frame)
        returns = inner.locals.returns
        if not returns:
            return NOTHING
        return _merge(*(self.value(r, inner) for r in returns))

    def _format(self, node: ast.Call, template: str, frame: Frame) -> tuple[Part, ...]:
        numeric_positions, numeric_names = _format_fields(template)
        out = []
        for position, argument in enumerate(node.args):
            if isinstance(argument, ast.Starred):
                out.append(self.value(argument.value, frame))
                continue
            if position in numeric_positions:
                continue
            out.append(self.value(argument, frame))
        for keyword in node.keywords:
            if keyword.arg is not None and keyword.arg in numeric_names:
                continue
            out.append(self.value(keyword.value, frame))
        return _merge(*out)

    def _render(self, node: ast.Call, func: ast.Attribute, frame: Frame) -> tuple[Part, ...]:
        """``template.render(...)``: escaped unless it is a Jinja2 template with autoescape off."""
        if func.attr in ("substitute", "safe_substitute"):
            return _merge(*(self.value(a, frame) for a in node.args), *(self.value(k.value, frame)
                                                                         for k in node.keywords))
        if not self._unescaped_template(func.value, frame, 0):
            return NOTHING
        found = _merge(*(self.value(a, frame) for a in node.args), *(self.value(k.value, frame)
                                                                      for k in node.keywords))
        return tuple(replace(p, what=p.what + " rendered by a Jinja2 template without autoescape")
                     if p.origin == STORED else p for p in found)

    def _unescaped_template(self, node: ast.AST, frame: Frame, depth: int) -> bool:
        if depth > 4:
            return False
        if isinstance(node, ast.Call):
            callee = frame.canonical(node.func) or ""
            if callee in ("jinja2.Template", "jinja2.environment.Template"):
                return True
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("from_string", "get_template",
                                                                         "select_template"):
                return self._environment_unescaped(node.func.value, frame, depth + 1)
            return False
        if isinstance(node, ast.Name) and frame.locals is not None and node.id in frame.locals.defs:
            defs, _ = frame.locals.reaching(node.id, node)
            return any(d.kind == "assign" and self._unescaped_template(d.value, frame, depth + 1) for d in defs)
        return False

    def _environment_unescaped(self, node: ast.AST, frame: Frame, depth: int) -> bool:
        call = None
        if isinstance(node, ast.Call):
            call = node
        elif isinstance(node, ast.Name) and frame.locals is not None and node.id in frame.locals.defs:
            defs, _ = frame.locals.reaching(node.id, node)
            call = next((d.value for d in defs if d.kind == "assign" and isinstance(d.value, ast.Call)), None)
        elif isinstance(node, (ast.Name, ast.Attribute)):
            resolved = frame.resolve(node)
            if resolved:
                variable = self.project.variables.get(self.canonical(resolved))
                if variable is not None and variable.call:
                    tree = self.project.tree(variable.location.path)
                    call = _assigned_call(tree, variable.location.line) if tree is not None else None
                    if call is not None:
                        file = self.project.files.get(variable.location.path)
                        if file is not None and file.names is not None:
                            return _jinja_env_unescaped(call, file.names.resolve(call.func) or "")
                    return False
        if call is None:
            return False
        return _jinja_env_unescaped(call, frame.canonical(call.func) or "")

    # -- handles
    def _is_db(self, node: ast.AST, frame: Frame, depth: int = 0) -> bool:
        if depth > 4:
            return False
        if isinstance(node, ast.Await):
            return self._is_db(node.value, frame, depth + 1)
        if isinstance(node, ast.Name):
            name = node.id
            if name in frame.overlay:
                return False
            locals_ = frame.locals
            if locals_ is not None and name in locals_.defs:
                defs, _ = locals_.reaching(name, node)
                return any(d.kind in ("assign", "with") and self._db_value(d.value, frame, depth + 1) for d in defs)
            if frame.function is not None and name in self.param_names(frame):
                if frame.bindings is not None and name in frame.bindings:
                    argument, caller = frame.bindings[name]
                    return self._is_db(argument, caller, depth + 1)
                param = next((p for p in frame.facts.params if p.name == name), None) if frame.facts else None
                if param is not None:
                    annotation = self.canonical(param.annotation) if param.annotation else ""
                    if annotation and C.DB_TYPES_HINT.match(annotation):
                        return True
                    if param.marker in ("Depends", "Security") and param.dependency and \
                            C.DB_DEPENDENCY.search(param.dependency.rsplit(".", 1)[-1]):
                        return True
                    if annotation:
                        return False
                return bool(C.DB_RECEIVER.search(name)) and name != "c"
            resolved = frame.names.resolve(node)
            if resolved is not None:
                if resolved.startswith("django.db.connection"):
                    return True
                variable = self.project.variables.get(self.canonical(resolved))
                if variable is not None and variable.call:
                    return self._db_callee(self.canonical(variable.call))
            return bool(C.DB_RECEIVER.search(name)) and name != "c"
        if isinstance(node, ast.Attribute):
            resolved = frame.resolve(node)
            if resolved is not None and resolved.startswith("django.db.connection"):
                return True
            return bool(C.DB_RECEIVER.search(node.attr)) and node.attr != "c"
        if isinstance(node, ast.Call):
            return self._db_value(node, frame, depth + 1)
        return False

    def _db_value(self, node: ast.AST | None, frame: Frame, depth: int) -> bool:
        if node is None:
            return False
        if isinstance(node, ast.Await):
            node = node.value
        if not isinstance(node, ast.Call):
            return isinstance(node, (ast.Name, ast.Attribute)) and self._is_db(node, frame, depth)
        callee = frame.canonical(node.func) if isinstance(node.func, (ast.Name, ast.Attribute)) else None
        if callee and self._db_callee(callee):
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr in C.DB_METHOD_RESULTS:
            return self._is_db(node.func.value, frame, depth + 1)
        if callee:
            function = self.project.function(callee)
            if function is not None and C.DB_DEPENDENCY.search(function.name):
                return True
            variable = self.project.variables.get(callee)
            if variable is not None and variable.call:
                return self._db_callee(self.canonical(variable.call))
        return False

    @staticmethod
    def _db_callee(callee: str | None) -> bool:
        if not callee:
            return False
        return bool(C.DB_FACTORIES.match(callee)) or callee.endswith(("sessionmaker", "async_sessionmaker",
                                                                        "SessionLocal", "sqlite3.connect",
                                                                        "create_engine", "create_async_engine"))

    def _is_http(self, node: ast.AST, frame: Frame) -> bool:
        if isinstance(node, ast.Name) and frame.locals is not None and node.id in frame.locals.defs:
            defs, _ = frame.locals.reaching(node.id, node)
            for definition in defs:
                value = definition.value
                if isinstance(value, ast.Call) and frame.canonical(value.func) in C.HTTP_CLIENT_TYPES:
                    return True
            return False
        if isinstance(node, ast.Call):
            return frame.canonical(node.func) in C.HTTP_CLIENT_TYPES
        resolved = frame.resolve(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if resolved is not None:
            if resolved in ("requests", "httpx"):
                return True
            variable = self.project.variables.get(self.canonical(resolved))
            return variable is not None and self.canonical(variable.call) in C.HTTP_CLIENT_TYPES
        return False


ESCAPING_MARKUP = frozenset({"format", "format_map", "join"})
RECORD_METHODS = frozenset({"values", "values_list", "order_by", "exclude", "select_related", "prefetch_related",
                            "limit", "offset", "distinct", "annotate", "alias", "only", "defer", "mappings", "unique",
                            "scalars", "iterator", "fetchmany", "group_by", "having", "join", "outerjoin",
                            "select_from", "reverse", "none", "using", "aggregate"})
# Results made of the first column of a query's rows.
FIRST_COLUMN_METHODS = frozenset({"scalar", "scalar_one", "scalar_one_or_none", "scalars", "fetchval", "fetch_val"})
# Cursor methods that return what the cursor's last execute() selected.
FETCH_METHODS = frozenset({"fetchone", "fetchall", "fetchmany", "fetch_one", "fetch_all"})
# Methods that refine a select() without changing its columns.
SELECT_CHAIN = frozenset({"where", "filter", "filter_by", "select_from", "join", "outerjoin", "group_by", "having",
                          "order_by", "limit", "offset", "distinct", "correlate", "execution_options", "options",
                          "join_from", "params", "with_for_update"})
DJANGO_NUMERIC_EXPRESSIONS = frozenset({"Count", "Sum", "Avg", "StdDev", "Variance", "Length", "Exists", "RowNumber",
                                        "Rank", "DenseRank", "Ntile", "PercentRank", "CumeDist", "Abs", "Round",
                                        "Ceil", "Floor", "Mod", "Power", "Sqrt", "Sign", "StrIndex", "Random"})
DJANGO_PASSING_EXPRESSIONS = frozenset({"Max", "Min", "Coalesce", "Greatest", "Least", "F", "Value"})


def _combine(found: list) -> tuple[Column, ...] | None:
    """The columns of one of several statements: numeric only where every statement agrees."""
    if not found or any(columns is None for columns in found):
        return None
    first = found[0]
    if all(len(columns) == len(first) for columns in found):
        return tuple(Column(all(c[i].numeric for c in found), first[i].alias if all(
            c[i].alias == first[i].alias for c in found) else None) for i in range(len(first)))
    return None


def _numeric_columns(columns: tuple[Column, ...] | None) -> frozenset:
    if not columns:
        return frozenset()
    found: set = set()
    for position, column in enumerate(columns):
        if column.numeric:
            found.add(position)
            if column.alias:
                found.add(column.alias)
    return frozenset(found)
_CONFIG_NAMES = re.compile(r"(?:^|\.)(?:settings|config|conf|cfg|SETTINGS|CONFIG)\.")


def is_config(qualname: str | None) -> bool:
    return bool(qualname and _CONFIG_NAMES.search(qualname))


def _assigned_call(tree: ast.Module, line: int) -> ast.Call | None:
    for stmt in tree.body:
        if getattr(stmt, "lineno", None) == line and isinstance(stmt, (ast.Assign, ast.AnnAssign)) and \
                isinstance(stmt.value, ast.Call):
            return stmt.value
    return None


def _jinja_env_unescaped(call: ast.Call, callee: str) -> bool:
    if callee not in ("jinja2.Environment", "jinja2.environment.Environment"):
        return False  # Starlette's Jinja2Templates and Django escape by default
    for keyword in call.keywords:
        if keyword.arg == "autoescape":
            return isinstance(keyword.value, ast.Constant) and not keyword.value.value
    return True  # jinja2.Environment() does not escape unless told to


_FORMAT_FIELD = re.compile(r"\{([^{}:!]*)(?:![rsa])?(?::([^{}]*))?\}")


def _format_fields(template: str) -> tuple[set[int], set[str]]:
    """Positions and names of ``str.format`` fields that take numbers only (``{:.2f}``, ``{total:d}``)."""
    positions: set[int] = set()
    names: set[str] = set()
    counter = 0
    textual_positions: set[int] = set()
    textual_names: set[str] = set()
    for field, spec in _FORMAT_FIELD.findall(template.replace("{{", "").replace("}}", "")):
        head = re.split(r"[.\[]", field, 1)[0] if field else ""
        numeric = bool(spec) and (spec == "," or bool(NUMERIC_SPEC.search(spec)))
        if head == "":
            index: int | str = counter
            counter += 1
        elif head.isdigit():
            index = int(head)
        else:
            index = head
        if field and field != head:
            numeric = False  # {0.name}: an attribute of the argument, judged as a whole
        if isinstance(index, int):
            (positions if numeric else textual_positions).add(index)
        else:
            (names if numeric else textual_names).add(index)
    return positions - textual_positions, names - textual_names


def provenance(project) -> Provenance:
    return project.derived("xss-provenance", Provenance)
