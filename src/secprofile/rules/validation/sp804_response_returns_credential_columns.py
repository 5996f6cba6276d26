from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from typing import Iterator

from secprofile.model.project import Project
from secprofile.model.values import Literal
from secprofile.rules.base import Confidence, FlowStep, Hit, Severity, rule
from secprofile.rules.validation._common import (
    FUNCTIONS,
    admin_only,
    call_root,
    functions,
    keyword,
    literal_set,
    models,
    names_of,
)
from secprofile.rules.validation.sp803_response_model_exposes_secret import (
    issuing,
    orm_returned,
    read_model,
    secret_kind,
)
from secprofile.source.location import Location

# --------------------------------------------------------------------------------------------
# What the analysis tracks through a function: whole records, model instances, SQL text.


@dataclass(frozen=True)
class Source:
    """Where whole records come from: a query, a Django/ORM serialisation of a model."""

    kind: str  # sql, django, orm
    table: str
    columns: tuple[str, ...]  # the credential columns each record carries
    what: str  # ``SELECT * FROM users WHERE id = ?``, ``User.objects.values()``
    location: Location | None
    learned: str = ""  # how columns of ``*`` were learnt when the project declares no schema


@dataclass(frozen=True)
class Rows:
    """Whole records (one, or many), possibly with some columns removed since."""

    source: Source
    many: bool | None
    removed: frozenset[str] = frozenset()
    kept: frozenset[str] | None = None  # only these keys survive (a class built from the record)
    response: str | None = None  # wrapped in this response class

    def exposed(self) -> tuple[str, ...]:
        return tuple(c for c in self.source.columns
                     if c.lower() not in self.removed and (self.kept is None or c.lower() in self.kept))


@dataclass(frozen=True)
class Instance:
    """ORM model objects (a Django queryset or instance, SQLAlchemy/Tortoise/SQLModel objects)."""

    model: str
    django: bool
    many: bool | None
    location: Location | None = None
    what: str = ""  # the read that produced them: ``db.get(Account, account_id)``


@dataclass(frozen=True)
class Sql:
    """SQL text held by a variable or parameter."""

    text: str
    location: Location | None


# Calls that run a query given as their first argument; the value says whether the result is
# many rows (a cursor, a result, a list) or one.
_RUNNERS = {"execute": True, "exec_driver_sql": True, "fetch": True, "fetch_all": True, "iterate": True,
            "execute_fetchall": True, "fetchrow": False, "fetch_one": False}
_FETCH_ONE = frozenset({"fetchone", "first", "one", "one_or_none", "fetchrow", "fetch_one"})
_FETCH_MANY = frozenset({"fetchall", "fetchmany", "all", "mappings", "fetch", "fetch_all", "unique", "partitions"})
_ROW_PRESERVING = frozenset({"_asdict", "copy", "items", "values", "as_dict", "_mapping", "model_dump", "dict"})
_QS_MANY = frozenset({"all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "distinct",
                      "annotate", "only", "defer", "using", "reverse", "alias", "filter_by", "where", "limit",
                      "offset", "scalars", "unique"})
_QS_ONE = frozenset({"get", "first", "last", "latest", "earliest", "aget", "afirst", "alast", "alatest",
                     "aearliest", "get_or_none", "one", "one_or_none", "scalar_one", "scalar_one_or_none",
                     "scalar", "get_or_404", "first_or_404", "in_bulk"})
_PRESERVE_CALLS = frozenset({"builtins.dict", "builtins.list", "builtins.tuple", "builtins.sorted", "builtins.reversed",
                             "builtins.iter", "copy.copy", "copy.deepcopy", "json.loads", "json.dumps", "orjson.dumps",
                             "orjson.loads", "ujson.dumps", "simplejson.dumps", "collections.OrderedDict"})
_ENCODERS = frozenset({"fastapi.encoders.jsonable_encoder", "dataclasses.asdict"})
_SQL_TEXT = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "sqlmodel.text",
                       "sqlalchemy.sql.elements.TextClause"})
_MODEL_TO_DICT = frozenset({"django.forms.models.model_to_dict", "django.forms.model_to_dict"})
_SERIALIZE = frozenset({"django.core.serializers.serialize"})
_GET_OBJECT = {"django.shortcuts.get_object_or_404": False, "django.shortcuts.get_list_or_404": True,
               "django.shortcuts.aget_object_or_404": False}
_RESPONSE_TAILS = frozenset({"JSONResponse", "ORJSONResponse", "UJSONResponse", "Response", "JsonResponse",
                             "HttpResponse"})
_RESPONSE_PREFIXES = ("fastapi.", "starlette.", "django.http", "rest_framework.response")
_DJANGO_USER = "django.contrib.auth.models.User"
_DJANGO_USER_FIELDS = ("id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
                       "email", "is_staff", "is_active", "date_joined")
_OPEN_TYPES = frozenset({"builtins.dict", "builtins.list", "builtins.tuple", "builtins.set", "builtins.object",
                         "typing.Any", "typing.Dict", "typing.List", "typing.Mapping", "typing.Sequence",
                         "typing.Tuple", "typing.Iterable", "typing.MutableMapping", "collections.abc.Mapping",
                         "collections.abc.Sequence", "collections.abc.Iterable", "builtins.None"})
_ORM_READS = _QS_ONE | _QS_MANY | frozenset({"query", "execute", "get_one", "fetchall"})
_CONTAINERS = frozenset({"list", "List", "Sequence", "Iterable", "tuple", "Tuple", "set", "Set", "Optional", "Union",
                         "Annotated", "FrozenSet", "frozenset"})
_REQUEST_NAMES = frozenset({"request", "req"})
_INTERESTING_METHODS = frozenset(_RUNNERS) | _FETCH_ONE | _FETCH_MANY | frozenset(
    {"values", "values_list", "model_dump", "_asdict"})
_MAX_DEPTH = 4
_MISSING = object()


def _tail(name: str | None) -> str:
    return (name or "").rsplit(".", 1)[-1]


def _text(node: ast.AST, limit: int = 60) -> str:
    try:
        text = " ".join(ast.unparse(node).split())
    except Exception:  # never let an odd node break the rule
        return "..."
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------------
# SQL: a small reader for the statements AI-written handlers send (SELECT lists, RETURNING).

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_SELECT_HEAD = re.compile(r"^\(?\s*SELECT\s+(?:DISTINCT\s+(?:ON\s*\([^)]*\)\s*)?|ALL\s+|TOP\s+\d+\s+)?", re.I)
_WRITE_HEAD = re.compile(r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+([\w.\"`\[\]]+)", re.I)
_FROM_END = re.compile(r"\b(WHERE|GROUP\s+BY|ORDER\s+BY|LIMIT|HAVING|UNION|EXCEPT|INTERSECT|OFFSET|FETCH|FOR\s+UPDATE|"
                       r"FOR\s+SHARE|WINDOW|RETURNING)\b|;", re.I)
_JOIN = re.compile(r",|\b(?:NATURAL\s+)?(?:(?:LEFT|RIGHT|FULL|INNER|CROSS)\s+)?(?:OUTER\s+)?JOIN\b", re.I)
_ON = re.compile(r"\b(ON|USING)\b", re.I)
_TABLE_REF = re.compile(r"^([\w.\"`\[\]]+)(?:\s+(?:AS\s+)?([A-Za-z_]\w*))?$", re.I)
_ITEM = re.compile(r"^(?:([\w\"`]+)\.)?(\*|[\w\"`]+)(?:\s+(?:AS\s+)?[\w\"`]+)?$", re.I)
_KEYWORDS = frozenset({"on", "using", "where", "join", "left", "right", "inner", "outer", "cross", "full", "natural",
                       "group", "order", "limit", "having", "union", "offset", "for", "window"})
_CREATE = re.compile(r"CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.\"`\[\]]+)\s*\(", re.I)
_CREATE_BYTES = re.compile(rb"CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE", re.I)
_CONSTRAINTS = frozenset({"primary", "foreign", "unique", "check", "constraint", "key", "index", "exclude", "fulltext"})


def _mask(text: str) -> str:
    """Same length, with everything inside parentheses or quotes replaced: top-level search."""
    out = []
    depth = 0
    quote = ""
    for char in text:
        if quote:
            out.append("_")
            if char == quote:
                quote = ""
            continue
        if char in "'\"`":
            quote = char
            out.append("_" if depth else char)
            continue
        if char == "(":
            depth += 1
            out.append("(" if depth == 1 else "_")
            continue
        if char == ")":
            depth = max(0, depth - 1)
            out.append(")" if depth == 0 else "_")
            continue
        out.append("_" if depth else char)
    return "".join(out)


def _split(text: str, pattern: re.Pattern) -> list[str]:
    masked = _mask(text)
    parts, start = [], 0
    for match in pattern.finditer(masked):
        parts.append(text[start:match.start()])
        start = match.end()
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _table_name(raw: str) -> str:
    return raw.strip("\"`[]").rsplit(".", 1)[-1].strip("\"`[]").lower()


def parse_query(sql: str) -> tuple[list[tuple[str, str]], dict[str, str]] | None:
    """``(select items as (qualifier, column), {alias: table})`` of a SELECT or a write with
    RETURNING; ``None`` for anything else."""
    flat = " ".join(_COMMENTS.sub(" ", sql).split())
    head = _SELECT_HEAD.match(flat)
    tables: dict[str, str] = {}
    if head:
        rest = flat[head.end():]
        found = re.search(r"\bFROM\b", _mask(rest), re.I)
        if found is None:
            return None
        columns = rest[:found.start()]
        source = rest[found.end():]
        end = _FROM_END.search(_mask(source))
        if end:
            source = source[:end.start()]
        for segment in _split(source, _JOIN):
            on = _ON.search(_mask(segment))
            if on:
                segment = segment[:on.start()].strip()
            ref = _TABLE_REF.match(segment)
            if not ref:
                continue
            table = _table_name(ref.group(1))
            alias = ref.group(2)
            tables[table] = table
            if alias and alias.lower() not in _KEYWORDS:
                tables[alias.lower()] = table
    else:
        write = _WRITE_HEAD.match(flat)
        if not write:
            return None
        found = re.search(r"\bRETURNING\b", _mask(flat), re.I)
        if found is None:
            return None
        table = _table_name(write.group(1))
        tables[table] = table
        columns = flat[found.end():].strip().rstrip(";")
    items = []
    for item in _split(columns, re.compile(",")):
        match = _ITEM.match(item)
        if match:
            qualifier = (match.group(1) or "").strip("\"`").lower()
            items.append((qualifier, match.group(2).strip("\"`")))
    return items, tables


def create_tables(text: str) -> Iterator[tuple[str, list[str]]]:
    """``CREATE TABLE name (...)`` statements in a text: table names with their column names."""
    for match in _CREATE.finditer(text):
        start = match.end() - 1
        depth = 0
        end = None
        for index in range(start, min(len(text), start + 20000)):
            char = text[index]
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    end = index
                    break
        if end is None:
            continue
        columns = []
        for item in _split(text[start + 1:end], re.compile(",")):
            first = item.split(None, 1)[0].strip("\"`[]") if item.split() else ""
            if first and first.lower() not in _CONSTRAINTS and re.match(r"^\w+$", first):
                columns.append(first)
        yield _table_name(match.group(1)), columns


def _compact(sql: str, limit: int = 70) -> str:
    flat = " ".join(_COMMENTS.sub(" ", sql).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# Column names a project's own SQL statements reveal for one table (a lower bound of the table):
# SELECT lists, ``UPDATE t SET a = ...``, ``INSERT INTO t (a, b)``, RETURNING lists and
# ``WHERE a = ...`` comparisons, in statements that name a single table.
_SQL_BYTES = re.compile(rb"\b(?:SELECT|UPDATE|INSERT|select|update|insert)\s")
_TRIPLE_LITERAL = re.compile(r"(\"\"\"|''')\s*((?:SELECT|UPDATE|INSERT|DELETE)\s.*?)\1", re.I | re.S)
_SINGLE_LITERAL = re.compile(r"([\"'])\s*((?:SELECT|UPDATE|INSERT|DELETE)\s[^\n]*?)\1", re.I)
_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")
_NOT_COLUMNS = frozenset({"null", "true", "false", "default", "current_timestamp", "current_date", "now", "and",
                          "or", "not", "exists", "select", "case", "when", "then", "else", "end", "distinct"})
_SET_END = re.compile(r"\b(?:WHERE|RETURNING|FROM)\b|;", re.I)
_WHERE = re.compile(r"\bWHERE\b", re.I)
_WHERE_END = re.compile(r"\b(?:GROUP\s+BY|ORDER\s+BY|LIMIT|HAVING|UNION|EXCEPT|INTERSECT|OFFSET|FETCH|RETURNING|"
                        r"FOR\s+UPDATE|FOR\s+SHARE|WINDOW)\b|;", re.I)
_COMPARED = re.compile(r"(?:^|[\s(,])(?:([A-Za-z_]\w*)\.)?([A-Za-z_]\w*)\s*(?:=|!=|<>|\bIS\b|\bIN\b|\bLIKE\b|\bILIKE\b)",
                       re.I)


def _plain(column: str) -> str | None:
    name = column.strip().strip("\"`[]")
    return name if _IDENTIFIER.match(name) and name.lower() not in _NOT_COLUMNS else None


def _where_columns(flat: str, qualifiers: frozenset[str]) -> list[str]:
    masked = _mask(flat)
    found = _WHERE.search(masked)
    if found is None:
        return []
    end = _WHERE_END.search(masked, found.end())
    part = masked[found.end():end.start() if end else len(masked)]
    names = []
    for match in _COMPARED.finditer(part):
        qualifier = (match.group(1) or "").lower()
        if qualifier and qualifier not in qualifiers:
            continue
        name = _plain(match.group(2))
        if name:
            names.append(name)
    return names


def named_columns(sql: str) -> tuple[str, list[str]] | None:
    """``(table, column names)`` a single-table SQL statement names; ``None`` when the statement
    names several tables or cannot be read."""
    flat = " ".join(_COMMENTS.sub(" ", sql).split())
    names: list[str] = []
    write = _WRITE_HEAD.match(flat)
    if write:
        table = _table_name(write.group(1))
        if not _IDENTIFIER.match(table):
            return None
        rest = flat[write.end():]
        masked = _mask(rest)
        if re.match(r"^\s*INSERT", flat, re.I):
            if not rest.lstrip().startswith("("):
                return None
            start = rest.index("(")
            close = masked.find(")", start)
            if close < 0:
                return None
            for item in rest[start + 1:close].split(","):
                name = _plain(item)
                if name is None:
                    return None  # not a plain column list
                names.append(name)
        elif re.match(r"^\s*UPDATE", flat, re.I):
            found = re.match(r"^\s*(?:AS\s+)?(?:[A-Za-z_]\w*\s+)?SET\b", masked, re.I)
            if found is None:
                return None
            end = _SET_END.search(masked, found.end())
            for item in _split(rest[found.end():end.start() if end else len(rest)], re.compile(",")):
                target = re.match(r"^(?:[\w\"`]+\.)?([\w\"`]+)\s*=", item)
                name = _plain(target.group(1)) if target else None
                if name:
                    names.append(name)
        if not re.search(r"\b(?:FROM|USING)\b", masked, re.I):  # no second table in the WHERE
            names += _where_columns(flat, frozenset({table}))
        parsed = parse_query(flat) if re.search(r"\bRETURNING\b", masked, re.I) else None
        if parsed is not None:
            names += [c for q, c in parsed[0] if c != "*" and _plain(c)]
        return table, names
    parsed = parse_query(flat)
    if parsed is None:
        return None
    items, tables = parsed
    distinct = set(tables.values())
    if len(distinct) != 1:
        return None
    table = next(iter(distinct))
    if not _IDENTIFIER.match(table):
        return None
    qualifiers = frozenset(tables)
    for qualifier, column in items:
        if column == "*" or (qualifier and qualifier not in qualifiers):
            continue
        name = _plain(column)
        if name:
            names.append(name)
    names += _where_columns(flat, qualifiers)
    return table, names


def sql_columns(text: str) -> Iterator[tuple[str, str, int]]:
    """``(table, column, line)`` for the columns the SQL string literals of a Python file name."""
    spans: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    for match in _TRIPLE_LITERAL.finditer(text):
        spans.append(match.span())
        found.append((match.start(2), match.group(2)))
    for match in _SINGLE_LITERAL.finditer(text):
        if not any(start <= match.start() < end for start, end in spans):
            found.append((match.start(2), match.group(2)))
    line, position = 1, 0
    for offset, sql in sorted(found):
        line += text.count("\n", position, offset)
        position = offset
        parsed = named_columns(sql)
        if parsed is None:
            continue
        table, columns = parsed
        for column in columns:
            yield table, column, line


# --------------------------------------------------------------------------------------------
# Per-scan analysis: table schemas, model columns, function bodies (memoised).


class _Analysis:
    def __init__(self, project: Project):
        self.project = project
        self.kinds = models(project)
        self._schema: dict[str, tuple[str, ...]] | None = None
        self._named: dict[tuple[str, str], str] = {}  # (table, column) -> "path:line" of the SQL naming it
        self._sources: dict[tuple[str, Location | None], Source | None] = {}
        self._calls: dict[tuple, object] = {}
        self._active: set[str] = set()
        self._bodies: dict[str, _Body | None] = {}
        self._user_model: str | None = None
        self._django_files: dict[str, bool] = {}

    # -- names
    def canonical(self, name: str | None) -> str | None:
        return self.project.names.canonical(name) if name else None

    def is_django_file(self, path: str) -> bool:
        if path not in self._django_files:
            facts = self.project.files.get(path)
            self._django_files[path] = bool(facts and facts.imports_any("django", "rest_framework"))
        return self._django_files[path]

    # -- Django and ORM models
    def django_models(self):
        django = self.project.django
        return django.models if django else {}

    def user_model(self) -> str:
        if self._user_model is None:
            found = sorted(q for q, info in self.django_models().items() if info.is_user_model)
            self._user_model = found[0] if found else _DJANGO_USER
        return self._user_model

    def model_columns(self, model: str, django: bool) -> tuple[str, ...]:
        if model == _DJANGO_USER:
            return _DJANGO_USER_FIELDS
        info = self.django_models().get(model)
        if info is not None:
            names = list(info.field_names)
            if info.is_user_model:  # AbstractBaseUser's columns come first
                names = ["password", "last_login"] + [n for n in names if n not in ("password", "last_login")]
            return tuple(names)
        if django:
            return ()
        return tuple(self._orm_columns(model))

    def _orm_columns(self, model: str) -> list[str]:
        names = []
        for info in self.kinds.fields(model):
            if re.search(r"Secret(Str|Bytes)", info.annotation) or re.search(r"exclude\s*=\s*True", info.value):
                continue
            names.append(info.name)
            named = re.match(r"^\s*(?:\w+\.)*(?:Column|mapped_column)\(\s*[\"'](\w+)[\"']", info.value)
            if named and named.group(1) != info.name:
                names.append(named.group(1))
        return names

    def credentials(self, columns) -> tuple[str, ...]:
        seen: list[str] = []
        for column in columns:
            if secret_kind(column) and column not in seen:
                seen.append(column)
        return tuple(seen)

    def class_fields(self, qualname: str) -> frozenset[str] | None:
        """The keys a project class built from a record keeps (Pydantic model, dataclass, SQLModel)."""
        cls = self.project.classes.get(qualname)
        if cls is None:
            return None
        names = [info.name.lower() for info in self.kinds.fields(qualname)
                 if not re.search(r"Secret(Str|Bytes)", info.annotation)
                 and not re.search(r"exclude\s*=\s*True", info.value)]
        if not names and not cls.annotations:
            return None
        return frozenset(names)

    # -- table schemas for raw SQL
    def schema(self) -> dict[str, tuple[str, ...]]:
        if self._schema is None:
            self._schema = self._build_schema()
        return self._schema

    def _build_schema(self) -> dict[str, tuple[str, ...]]:
        tables: dict[str, list[str]] = {}

        def add(table: str, columns) -> None:
            bucket = tables.setdefault(table.lower(), [])
            for column in columns:
                if column not in bucket:
                    bucket.append(column)

        project = self.project
        for qualname, cls in project.classes.items():
            value = cls.attribute("__tablename__")
            if isinstance(value, Literal) and isinstance(value.value, str):
                add(value.value, self._orm_columns(qualname))
        for facts in project.python_files():
            if facts.imports_any("sqlmodel") and facts.module_facts is not None:
                for cls in facts.module_facts.classes:
                    if cls.attribute("__tablename__") is None and self.kinds.kind(cls.qualname) == "table":
                        add(cls.name.lower(), self._orm_columns(cls.qualname))
        for qualname, info in self.django_models().items():
            meta = project.classes.get(f"{qualname}.Meta")
            db_table = meta.attribute("db_table") if meta is not None else None
            if isinstance(db_table, Literal) and isinstance(db_table.value, str):
                table = db_table.value
            else:
                parts = qualname.split(".")
                app = parts[parts.index("models") - 1] if "models" in parts[1:] else (
                    parts[-3] if len(parts) >= 3 else parts[0])
                table = f"{app}_{parts[-1].lower()}"
            add(table, self.model_columns(qualname, True))
        add("auth_user", _DJANGO_USER_FIELDS)
        for variable in project.variables.values():
            if variable.call and _tail(variable.call) == "Table" and (
                    self.canonical(variable.call) or "").startswith("sqlalchemy"):
                found = self._core_table(variable)
                if found:
                    add(*found)
        root = project.root
        named: dict[str, dict[str, str]] = {}
        for facts in project.python_files():
            path = root / facts.relpath if root.is_dir() else root
            try:
                data = path.read_bytes()
            except OSError:
                continue
            create = _CREATE_BYTES.search(data)
            statements = _SQL_BYTES.search(data)
            if not create and not statements:
                continue
            text = data.decode("utf-8", "replace")
            if create:
                for table, columns in create_tables(text):
                    add(table, columns)
            if statements:
                for table, column, line in sql_columns(text):
                    named.setdefault(table, {}).setdefault(column, f"{facts.relpath}:{line}")
        # Tables declared nowhere in the project's Python: the columns its own SQL names.
        for table, columns in named.items():
            if table not in tables:
                add(table, columns)
                for column, where in columns.items():
                    self._named[(table, column)] = where
        return {table: tuple(columns) for table, columns in tables.items()}

    def _core_table(self, variable) -> tuple[str, list[str]] | None:
        """``users = Table("users", metadata, Column("id", ...), Column("password_hash", ...))``."""
        tree = self.project.tree(variable.location.path)
        if tree is None:
            return None
        for stmt in tree.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.lineno == variable.location.line \
                    and isinstance(stmt.value, ast.Call) and stmt.value.args:
                first = stmt.value.args[0]
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    return None
                columns = [arg.args[0].value for arg in stmt.value.args[1:]
                           if isinstance(arg, ast.Call) and arg.args and isinstance(arg.args[0], ast.Constant)
                           and isinstance(arg.args[0].value, str)]
                return first.value, columns
        return None

    def sql_source(self, sql: Sql) -> Source | None:
        key = (sql.text, sql.location)
        if key not in self._sources:
            self._sources[key] = self._parse_source(sql)
        return self._sources[key]

    def _parse_source(self, sql: Sql) -> Source | None:
        if not re.search(r"\b(SELECT|RETURNING)\b", sql.text, re.I):
            return None
        parsed = parse_query(sql.text)
        if parsed is None:
            return None
        items, tables = parsed
        exposed: list[str] = []
        involved: list[str] = []
        learned: list[str] = []
        for qualifier, column in items:
            if column == "*":
                if qualifier:
                    targets = [tables[qualifier]] if qualifier in tables else []
                else:
                    targets = list(dict.fromkeys(tables.values()))
                for table in targets:
                    for name in self.credentials(self.schema().get(table, ())):
                        if name not in exposed:
                            exposed.append(name)
                            involved.append(table)
                            where = self._named.get((table, name))
                            if where:
                                learned.append(f"`{table}.{name}` at {where}")
            elif secret_kind(column) and column not in exposed:
                exposed.append(column)
                involved.append(tables.get(qualifier) or next(iter(dict.fromkeys(tables.values())), "?"))
        if not exposed:
            return None
        table = ", ".join(dict.fromkeys(involved))
        return Source("sql", table, tuple(exposed), _compact(sql.text), sql.location, ", ".join(learned))

    # -- functions
    def body(self, function) -> "_Body | None":
        """A route handler's body, analysed once."""
        if function.qualname not in self._bodies:
            self._bodies[function.qualname] = self._run(function, {}, 0)
        return self._bodies[function.qualname]

    def _run(self, function, bound: dict, depth: int) -> "_Body | None":
        node = functions(self.project).node(function)
        names = names_of(self.project, function)
        if not isinstance(node, FUNCTIONS) or names is None:
            return None
        body = _Body(self, function, names, dict(bound), depth)
        body.bind_dependencies(node)
        body.block(node.body)
        return body

    def call(self, function, bound: dict, depth: int):
        """What calling a project function returns (whole records, instances), given its arguments."""
        key = (function.qualname, tuple(sorted(bound.items(), key=lambda item: item[0])))
        if key in self._calls:
            return self._calls[key]
        if function.qualname in self._active or depth > _MAX_DEPTH:
            return None
        self._active.add(function.qualname)
        try:
            body = self._run(function, bound, depth)
        finally:
            self._active.discard(function.qualname)
        result = None
        if body is not None:
            values = [value for _, value in body.returns if value is not None]
            rows = [v for v in values if isinstance(v, Rows)]
            exposing = [v for v in rows if v.exposed()]
            instances = [v for v in values if isinstance(v, Instance)]
            result = (exposing or rows or instances or [None])[0]
        self._calls[key] = result
        return result

    def worth(self, function) -> bool:
        """Cheap test before parsing a handler: it reads the database, calls a project helper or
        takes a dependency."""
        if function.method_calls & _INTERESTING_METHODS:
            return True
        project = self.project
        if any(p.marker in ("Depends", "Security") or (
                p.marker is None and p.annotation and (self.canonical(p.annotation) or "") in project.variables)
               for p in function.params):
            return True
        calls = function.calls
        if calls & (_MODEL_TO_DICT | _SERIALIZE | _ENCODERS | frozenset(_GET_OBJECT)):
            return True
        return any((self.canonical(c) or c) in project.functions for c in calls if not c.startswith("builtins."))


class _Body:
    """One forward pass over a function's statements, in source order."""

    def __init__(self, analysis: _Analysis, function, names, env: dict, depth: int):
        self.a = analysis
        self.project = analysis.project
        self.function = function
        self.names = names
        self.path = function.location.path
        self.env: dict[str, object] = env
        self.literals: dict[str, frozenset[str]] = {}
        self.returns: list[tuple[ast.stmt, object]] = []
        self.responses: list[tuple[ast.stmt, Rows]] = []
        self.depth = depth
        self.stmt: ast.stmt | None = None
        self.django = analysis.is_django_file(self.path)

    # -- setup
    def bind_dependencies(self, node) -> None:
        """FastAPI ``Depends(...)`` parameters hold what their dependency returns (or yields)."""
        if self.depth >= _MAX_DEPTH:
            return
        for param in self.function.params:
            if param.name in self.env:
                continue
            target = param.dependency if param.marker in ("Depends", "Security") else None
            if target is None and param.marker is None and param.annotation:
                variable = self.project.variables.get(self.a.canonical(param.annotation) or param.annotation)
                if variable is not None and variable.marker in ("Depends", "Security"):
                    target = variable.dependency
            if not target or target.endswith("()"):
                continue
            dependency = self.project.functions.get(self.a.canonical(target) or target)
            if dependency is None:
                continue
            value = self.a.call(dependency, {}, self.depth + 1)
            if value is not None:
                self.env[param.name] = value

    # -- statements
    def block(self, statements: list[ast.stmt]) -> None:
        for stmt in statements:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        kind = type(stmt)
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            return
        self.stmt = stmt
        if kind is ast.Assign:
            self._effects(stmt.value)
            value = self.eval(stmt.value)
            sql = self._sql(stmt.value)
            for target in stmt.targets:
                self._bind(target, value if value is not None else sql)
        elif kind is ast.AnnAssign:
            if stmt.value is not None:
                self._effects(stmt.value)
                value = self.eval(stmt.value)
                self._bind(stmt.target, value if value is not None else self._sql(stmt.value))
        elif kind is ast.AugAssign:
            if isinstance(stmt.target, ast.Name):
                value = self.eval(stmt.value)
                if isinstance(value, (Rows, Instance)):
                    self.env[stmt.target.id] = replace(value, many=True)
        elif kind is ast.Expr:
            value = stmt.value
            if isinstance(value, (ast.Yield, ast.YieldFrom)):
                self.returns.append((stmt, self.eval(value.value) if value.value is not None else None))
                return
            self._effects(value)
            self.eval(value)
        elif kind is ast.Return:
            self.returns.append((stmt, self.eval(stmt.value) if stmt.value is not None else None))
        elif kind is ast.Delete:
            for target in stmt.targets:
                if isinstance(target, ast.Subscript):
                    self._remove(target.value, target.slice)
        elif kind in (ast.If, ast.While):
            self.eval(stmt.test)
            self.block(stmt.body)
            self.block(stmt.orelse)
        elif kind in (ast.For, ast.AsyncFor):
            self._for(stmt)
        elif kind in (ast.With, ast.AsyncWith):
            for item in stmt.items:
                self._effects(item.context_expr)
                value = self.eval(item.context_expr)
                if item.optional_vars is not None:
                    self._bind(item.optional_vars, value)
            self.block(stmt.body)
        elif kind is ast.Try or type(stmt).__name__ == "TryStar":
            self.block(stmt.body)
            for handler in stmt.handlers:
                self.block(handler.body)
            self.block(stmt.orelse)
            self.block(stmt.finalbody)
        elif type(stmt).__name__ == "Match":
            for case in stmt.cases:
                self.block(case.body)

    def _bind(self, target: ast.AST, value) -> None:
        if isinstance(target, ast.Name):
            if value is None:
                self.env.pop(target.id, None)
            else:
                self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind(element.value if isinstance(element, ast.Starred) else element, None)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            holder = target.value.id
            current = self.env.get(holder)
            if isinstance(value, (Rows, Instance)) and not isinstance(value, Sql):
                if current is None:
                    self.env[holder] = value  # result["user"] = dict(row)
            elif isinstance(current, Rows):
                self._remove(target.value, target.slice)  # row["password_hash"] = "***"

    def _effects(self, expr: ast.AST) -> None:
        """Statement-level effects: ``cur.execute(sql)`` fills ``cur``; ``out.append(row)`` fills
        ``out``; ``row.pop("password_hash")`` removes a column."""
        if isinstance(expr, ast.Await):
            expr = expr.value
        for call in self._calls_in(expr):
            func = call.func
            if not isinstance(func, ast.Attribute):
                continue
            receiver = func.value
            if isinstance(receiver, ast.Await):
                receiver = receiver.value
            method = func.attr
            if method == "pop" and call.args:
                self._remove(receiver, call.args[0])
                continue
            if not isinstance(receiver, ast.Name):
                continue
            if method in ("execute", "exec_driver_sql", "executescript") and call.args:
                sql = self._sql(call.args[0]) if method != "executescript" else None
                source = self.a.sql_source(sql) if isinstance(sql, Sql) else None
                if source is not None:
                    self.env[receiver.id] = Rows(source, True)
                elif isinstance(self.env.get(receiver.id), Rows):
                    del self.env[receiver.id]  # the cursor now holds another query's rows
            elif method in ("append", "extend", "add", "insert", "update", "setdefault") and call.args:
                value = self.eval(call.args[-1])
                if isinstance(value, (Rows, Instance)) and receiver.id not in self.env:
                    self.env[receiver.id] = value if method == "update" else replace(value, many=True)

    def _calls_in(self, expr: ast.AST) -> Iterator[ast.Call]:
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.Lambda, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)):
                continue
            if isinstance(node, ast.Call):
                yield node
            stack.extend(ast.iter_child_nodes(node))

    def _remove(self, receiver: ast.AST, key: ast.AST) -> None:
        if not isinstance(receiver, ast.Name):
            return
        current = self.env.get(receiver.id)
        if not isinstance(current, Rows):
            return
        names: frozenset[str] = frozenset()
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names = frozenset({key.value.lower()})
        elif isinstance(key, ast.Name) and key.id in self.literals:
            names = self.literals[key.id]
        if names:
            self.env[receiver.id] = replace(current, removed=current.removed | names)

    def _for(self, stmt: ast.For | ast.AsyncFor) -> None:
        iterable = self.eval(stmt.iter)
        target = stmt.target
        literal = self._literal_names(stmt.iter)
        if isinstance(target, ast.Name):
            if literal:
                self.literals[target.id] = frozenset(n.lower() for n in literal)
            self._bind(target, self._element(iterable))
        elif isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(stmt.iter, ast.Call) \
                and self.names.resolve(stmt.iter.func) == "builtins.enumerate" and stmt.iter.args:
            self._bind(target.elts[0], None)
            self._bind(target.elts[1], self._element(self.eval(stmt.iter.args[0])))
        else:
            self._bind(target, None)
        self.block(stmt.body)
        if isinstance(target, ast.Name) and isinstance(stmt.iter, ast.Name):
            element, whole = self.env.get(target.id), self.env.get(stmt.iter.id)
            if isinstance(element, Rows) and isinstance(whole, Rows) and element.removed - whole.removed:
                self.env[stmt.iter.id] = replace(whole, removed=whole.removed | element.removed)
        self.block(stmt.orelse)
        if isinstance(target, ast.Name):
            self.literals.pop(target.id, None)

    @staticmethod
    def _element(value):
        if isinstance(value, Rows):
            return replace(value, many=False) if value.many else None
        if isinstance(value, Instance):
            return replace(value, many=False) if value.many is not False else None
        return None

    # -- expressions
    def eval(self, node: ast.AST | None):
        if node is None:
            return None
        kind = type(node)
        if kind is ast.Name:
            value = self.env.get(node.id)
            return value if isinstance(value, (Rows, Instance)) else None
        if kind is ast.Await:
            return self.eval(node.value)
        if kind is ast.Call:
            return self._call(node)
        if kind is ast.Attribute:
            return self._attribute(node)
        if kind is ast.Subscript:
            return self._subscript(node)
        if kind is ast.Dict:
            return self._dict(node)
        if kind in (ast.List, ast.Tuple, ast.Set):
            for element in node.elts:
                value = self.eval(element.value if isinstance(element, ast.Starred) else element)
                if value is not None:
                    return replace(value, many=True)
            return None
        if kind in (ast.ListComp, ast.GeneratorExp, ast.SetComp):
            return self._comprehension(node)
        if kind is ast.DictComp:
            return self._dict_comprehension(node)
        if kind is ast.IfExp:
            return self.eval(node.body) or self.eval(node.orelse)
        if kind is ast.BoolOp:
            for value in node.values:
                found = self.eval(value)
                if found is not None:
                    return found
            return None
        if kind is ast.NamedExpr:
            value = self.eval(node.value)
            self._bind(node.target, value)
            return value
        if kind is ast.Starred:
            return self.eval(node.value)
        return None

    def _attribute(self, node: ast.Attribute):
        attr = node.attr
        if attr == "_mapping":
            base = self.eval(node.value)
            return base if isinstance(base, Rows) else None
        if attr in ("objects", "_default_manager"):
            model = self._model_of(node.value)
            return Instance(model, True, True, Location.of(self.path, node), _text(node)) if model else None
        if attr == "user" and self.django and self._is_request(node.value):
            return Instance(self.a.user_model(), True, False, Location.of(self.path, node), _text(node))
        return None

    def _is_request(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in _REQUEST_NAMES and node.id not in self.env
        return isinstance(node, ast.Attribute) and node.attr == "request" and isinstance(node.value, ast.Name) \
            and node.value.id == "self"

    def _subscript(self, node: ast.Subscript):
        base = self.eval(node.value)
        if base is None:
            return None
        if isinstance(node.slice, ast.Slice):
            return base if base.many else None
        if base.many is True:
            index = node.slice
            if isinstance(index, ast.Constant) and isinstance(index.value, str):
                return None
            return replace(base, many=False)
        return None

    def _dict(self, node: ast.Dict):
        result = None
        spread = False
        overridden: set[str] = set()
        for key, value_node in zip(node.keys, node.values):
            value = self.eval(value_node)
            if key is None:
                if isinstance(value, Rows) and not value.many:
                    result, spread, overridden = value, True, set()
                elif value is not None and result is None:
                    result = value
                continue
            if spread and isinstance(key, ast.Constant) and isinstance(key.value, str) and value is None:
                overridden.add(key.value.lower())
            if value is not None and result is None:
                result = value
        if spread and isinstance(result, Rows) and overridden:
            return replace(result, removed=result.removed | frozenset(overridden))
        return result

    def _comprehension(self, node):
        saved = self._bind_generators(node.generators)
        try:
            value = self.eval(node.elt)
        finally:
            self._restore(saved)
        return replace(value, many=True) if value is not None else None

    def _bind_generators(self, generators) -> dict:
        saved: dict[str, object] = {}
        for generator in generators:
            element = self._element(self.eval(generator.iter))
            targets = [generator.target] if isinstance(generator.target, ast.Name) else [
                e for e in getattr(generator.target, "elts", []) if isinstance(e, ast.Name)]
            for target in targets:
                saved.setdefault(target.id, self.env.get(target.id, _MISSING))
            if isinstance(generator.target, ast.Name):
                self._bind(generator.target, element)
            else:
                for target in targets:
                    self.env.pop(target.id, None)
        return saved

    def _restore(self, saved: dict) -> None:
        for name, value in saved.items():
            if value is _MISSING:
                self.env.pop(name, None)
            else:
                self.env[name] = value

    def _dict_comprehension(self, node: ast.DictComp):
        """``{k: v for k, v in row.items() if k != "password_hash"}`` drops a column;
        ``if k in ALLOWED`` (an allow-list) or any other test keeps only what it names."""
        if len(node.generators) == 1:
            generator = node.generators[0]
            source = generator.iter
            if isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute) and \
                    source.func.attr in ("items", "keys") and not source.args:
                source = source.func.value
            whole = self.eval(source)
            if isinstance(whole, Rows) and not whole.many:
                target = generator.target
                key = target.elts[0] if isinstance(target, ast.Tuple) and target.elts else target
                value_name = target.elts[1] if isinstance(target, ast.Tuple) and len(target.elts) > 1 else None
                if not (isinstance(key, ast.Name) and isinstance(node.key, ast.Name) and node.key.id == key.id):
                    return None
                passthrough = (isinstance(value_name, ast.Name) and isinstance(node.value, ast.Name)
                               and node.value.id == value_name.id) or (
                    isinstance(node.value, ast.Subscript) and isinstance(node.value.slice, ast.Name)
                    and node.value.slice.id == key.id)
                if not passthrough:
                    return None  # values transformed (masked): not judged
                removed: set[str] = set()
                for test in generator.ifs:
                    excluded = self._excluded(test, key.id)
                    if excluded is None:
                        return None  # an allow-list or a test we cannot read: treated as a filter
                    removed |= excluded
                return replace(whole, removed=whole.removed | frozenset(removed))
        saved = self._bind_generators(node.generators)
        try:
            value = self.eval(node.value)
        finally:
            self._restore(saved)
        return replace(value, many=True) if value is not None else None

    def _excluded(self, test: ast.AST, key: str) -> set[str] | None:
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            found: set[str] = set()
            for value in test.values:
                part = self._excluded(value, key)
                if part is None:
                    return None
                found |= part
            return found
        if isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == key \
                and len(test.ops) == 1:
            op, other = test.ops[0], test.comparators[0]
            if isinstance(op, ast.NotEq) and isinstance(other, ast.Constant) and isinstance(other.value, str):
                return {other.value.lower()}
            if isinstance(op, ast.NotIn):
                names = self._literal_names(other)
                return {n.lower() for n in names} if names is not None else None
        return None

    def _literal_names(self, node: ast.AST | None) -> frozenset[str] | None:
        """String names of a literal collection, or of a module-level constant holding one."""
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            if all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                return frozenset(e.value for e in node.elts)
            return None
        if isinstance(node, (ast.Name, ast.Attribute)):
            if isinstance(node, ast.Name) and node.id in self.env:
                return None
            name = self.names.resolve(node)
            variable = self.project.variables.get(self.a.canonical(name) or "") if name else None
            if variable is not None:
                names = literal_set(variable.value)
                return frozenset(names) if names is not None else None
            cls_attr = self._class_constant(node)
            if cls_attr is not None:
                return cls_attr
        if isinstance(node, ast.Call) and self.names.resolve(node.func) in ("builtins.set", "builtins.frozenset") \
                and len(node.args) == 1:
            return self._literal_names(node.args[0])
        return None

    def _class_constant(self, node: ast.AST) -> frozenset[str] | None:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls") \
                and self.function.class_name:
            cls = self.project.classes.get(self.function.class_name)
            value = cls.attribute(node.attr) if cls is not None else None
            names = literal_set(value) if value is not None else None
            return frozenset(names) if names is not None else None
        return None

    # -- SQL text
    def _sql(self, node: ast.AST | None) -> Sql | None:
        text = self._sql_text(node, 0)
        if text is None:
            return None
        value, where = text
        return Sql(value, where)

    def _sql_text(self, node: ast.AST | None, depth: int) -> tuple[str, Location | None] | None:
        if node is None or depth > 6:
            return None
        if isinstance(node, ast.Constant):
            return (node.value, Location.of(self.path, node)) if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "?" for v in node.values]
            return "".join(parts), Location.of(self.path, node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self._sql_text(node.left, depth + 1)
            right = self._sql_text(node.right, depth + 1)
            if left is None and right is None:
                return None
            return (left[0] if left else "?") + (right[0] if right else "?"), (left or right)[1]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return self._sql_text(node.left, depth + 1)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "format":
                return self._sql_text(func.value, depth + 1)
            callee = self.a.canonical(self.names.resolve(func)) or ""
            if callee in _SQL_TEXT or _tail(callee) == "text" and callee.startswith(("sqlalchemy", "sqlmodel")):
                return self._sql_text(node.args[0] if node.args else keyword(node, "text"), depth + 1)
            return None
        if isinstance(node, ast.Name) and node.id in self.env:
            value = self.env[node.id]
            return (value.text, value.location) if isinstance(value, Sql) else None
        if isinstance(node, (ast.Name, ast.Attribute)):
            name = self.names.resolve(node)
            variable = self.project.variables.get(self.a.canonical(name) or "") if name else None
            if variable is not None and isinstance(variable.value, Literal) and isinstance(variable.value.value, str):
                return variable.value.value, variable.location
        return None

    def _query(self, call: ast.Call) -> Source | None:
        argument = call.args[0] if call.args else (
            keyword(call, "query") or keyword(call, "sql") or keyword(call, "statement") or keyword(call, "operation"))
        sql = self._sql(argument)
        return self.a.sql_source(sql) if sql is not None else None

    # -- calls
    def _call(self, node: ast.Call):
        func = node.func
        method = func.attr if isinstance(func, ast.Attribute) else None
        local = isinstance(func, ast.Name) and func.id in self.env
        callee = None if local else self.names.resolve(func)
        canonical = self.a.canonical(callee) if callee else None
        tail = _tail(canonical)

        if canonical and tail in _RESPONSE_TAILS and canonical.startswith(_RESPONSE_PREFIXES):
            content = node.args[0] if node.args else (keyword(node, "content") or keyword(node, "data"))
            value = self.eval(content)
            if isinstance(value, Rows):
                wrapped = replace(value, response=tail)
                self.responses.append((self.stmt, wrapped))
                return wrapped
            return None
        if method in _RUNNERS and not (isinstance(func, ast.Attribute) and self._model_of(func.value)):
            source = self._query(node)
            if source is not None:
                return Rows(source, _RUNNERS[method])
        if canonical in _MODEL_TO_DICT and node.args:
            return self._model_to_dict(node)
        if canonical in _SERIALIZE and len(node.args) >= 2:
            return self._serialize(node)
        if canonical in _GET_OBJECT and node.args:
            model = self._model_of(node.args[0]) or self._model_of(call_root(node.args[0]))
            return Instance(model, True, _GET_OBJECT[canonical], Location.of(self.path, node),
                            _text(node)) if model else None
        if method is not None:
            found = self._method(node, func, method)
            if found is not _MISSING:
                return found
        if canonical in _PRESERVE_CALLS or canonical in _ENCODERS or canonical in ("builtins.zip", "builtins.map"):
            return self._preserving(node, canonical)
        if canonical and canonical in self.project.classes:
            return self._constructed(node, canonical)
        target = self._function_target(func, canonical)
        if target is not None:
            return self._call_project(node, target, func)
        return None

    def _method(self, node: ast.Call, func: ast.Attribute, method: str):
        """Methods on tracked values; ``_MISSING`` when the receiver is not one of ours."""
        base = self.eval(func.value)
        if isinstance(base, Rows):
            if method in _FETCH_ONE:
                return replace(base, many=False)
            if method in _FETCH_MANY:
                return replace(base, many=True)
            if method in _ROW_PRESERVING:
                return base
            return None
        if isinstance(base, Instance):
            if method in ("values", "values_list"):
                return self._values(node, base, method)
            if method in ("model_dump", "dict") and self.a.kinds.is_schema(base.model):
                return self.instance_rows(base, f"{_tail(base.model)}.{method}()", node)
            if method in _QS_ONE:
                return replace(base, many=False)
            if method in _QS_MANY:
                return replace(base, many=True if base.django else base.many)
            return None
        model = self._model_of(func.value)
        if model is not None:
            django = model in self.a.django_models() or model == _DJANGO_USER
            location = Location.of(self.path, node)
            if method in ("values", "values_list"):
                return self._values(node, Instance(model, django, True, location, _text(node)), method)
            if method in _QS_ONE:
                return Instance(model, django, False, location, _text(node))
            if method in _QS_MANY:
                return Instance(model, django, True, location, _text(node))
        orm = read_model(self.project, node, self.names) if method in _ORM_READS else None
        if orm is not None:
            many = True if method in ("all", "fetchall") else False if method in _QS_ONE else None
            return Instance(orm, orm in self.a.django_models(), many, Location.of(self.path, node), _text(node))
        return _MISSING

    def _model_of(self, node: ast.AST | None) -> str | None:
        """The model class an expression names: ``User``, ``get_user_model()``, ``User = get_user_model()``."""
        if node is None:
            return None
        if isinstance(node, ast.Call):
            callee = self.names.resolve(node.func) or ""
            return self.a.user_model() if _tail(callee) == "get_user_model" else None
        if not isinstance(node, (ast.Name, ast.Attribute)) or (isinstance(node, ast.Name) and node.id in self.env):
            return None
        name = self.a.canonical(self.names.resolve(node))
        if not name:
            return None
        if name == _DJANGO_USER or name in self.a.django_models():
            return name
        variable = self.project.variables.get(name)
        if variable is not None and variable.call and _tail(variable.call) == "get_user_model":
            return self.a.user_model()
        if name in self.project.classes and self.a.kinds.is_orm(name):
            return name
        return None

    def _names_argument(self, node: ast.AST | None) -> frozenset[str] | None:
        names = self._literal_names(node)
        return frozenset(n.lower() for n in names) if names is not None else None

    def _values(self, node: ast.Call, base: Instance, method: str):
        columns = self.a.credentials(self.a.model_columns(base.model, base.django))
        if not columns:
            return None
        kept = None
        if node.args or node.keywords:
            fields = []
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    fields.append(arg.value.lower())
                elif isinstance(arg, ast.Starred):
                    names = self._names_argument(arg.value)
                    if names is None:
                        return None
                    fields.extend(names)
            fields.extend(k.arg.lower() for k in node.keywords if k.arg and k.arg != "flat" and k.arg != "named")
            kept = frozenset(fields)
        source = Source("django" if base.django else "orm", _tail(base.model), columns,
                        f"{_tail(base.model)}.objects.{method}()" if base.django else f"{_tail(base.model)}.{method}()",
                        Location.of(self.path, node))
        rows = Rows(source, True, kept=kept)
        return rows if rows.exposed() else None

    def instance_rows(self, instance: Instance, what: str, node: ast.AST, kept=None, removed=frozenset()):
        columns = self.a.credentials(self.a.model_columns(instance.model, instance.django))
        if not columns:
            return None
        location = instance.location if what == instance.what and instance.location else Location.of(self.path, node)
        source = Source("django" if instance.django else "orm", _tail(instance.model), columns, what, location)
        rows = Rows(source, bool(instance.many), removed=removed, kept=kept)
        return rows if rows.exposed() else None

    def _model_to_dict(self, node: ast.Call):
        instance = self.eval(node.args[0])
        if not isinstance(instance, Instance):
            return None
        fields = node.args[1] if len(node.args) > 1 else keyword(node, "fields")
        exclude = node.args[2] if len(node.args) > 2 else keyword(node, "exclude")
        kept = removed = None
        if fields is not None and not (isinstance(fields, ast.Constant) and fields.value is None):
            kept = self._names_argument(fields)
            if kept is None:
                return None
        if exclude is not None and not (isinstance(exclude, ast.Constant) and exclude.value is None):
            removed = self._names_argument(exclude)
            if removed is None:
                return None
        rows = self.instance_rows(replace(instance, many=False), f"model_to_dict({ast.unparse(node.args[0])[:30]})",
                                   node, kept=kept, removed=removed or frozenset())
        return rows

    def _serialize(self, node: ast.Call):
        instance = self.eval(node.args[1])
        if not isinstance(instance, Instance):
            return None
        fields = keyword(node, "fields")
        kept = None
        if fields is not None:
            kept = self._names_argument(fields)
            if kept is None:
                return None
        fmt = node.args[0].value if isinstance(node.args[0], ast.Constant) else "..."
        return self.instance_rows(replace(instance, many=True), f"serializers.serialize({fmt!r}, ...)", node,
                                   kept=kept)

    def _preserving(self, node: ast.Call, canonical: str):
        if canonical == "builtins.map":
            if len(node.args) >= 2 and self.names.resolve(node.args[0]) in ("builtins.dict", "builtins.tuple"):
                return self.eval(node.args[1])
            return None
        if canonical == "builtins.zip":
            for arg in node.args:
                value = self.eval(arg)
                if isinstance(value, Rows):
                    return value
            return None
        if not node.args:
            return None
        value = self.eval(node.args[0])
        if isinstance(value, Rows):
            return value
        if isinstance(value, Instance) and canonical in _ENCODERS:
            return self.instance_rows(value, f"{_tail(canonical)}({ast.unparse(node.args[0])[:30]})", node)
        if isinstance(value, Instance) and canonical in ("builtins.list", "builtins.tuple", "builtins.sorted"):
            return replace(value, many=True)
        return None

    def _constructed(self, node: ast.Call, cls: str):
        """A class built from a record keeps only its own fields (``UserOut(**row)``)."""
        source = None
        for item in node.keywords:
            if item.arg is None:
                source = self.eval(item.value)
        if source is None and len(node.args) == 1:
            source = self.eval(node.args[0])
        if not isinstance(source, Rows):
            return None
        fields = self.a.class_fields(cls)
        if fields is None:
            return None
        kept = fields if source.kept is None else fields & source.kept
        rows = replace(source, kept=kept, many=False if not source.many else source.many)
        return rows if rows.exposed() else None

    def _function_target(self, func: ast.AST, canonical: str | None):
        project = self.project
        if canonical and canonical in project.functions:
            return project.functions[canonical]
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls") \
                and self.function.class_name:
            return project.functions.get(f"{self.function.class_name}.{func.attr}")
        if isinstance(func, ast.Attribute) and func.attr in ("model_validate", "parse_obj", "from_orm",
                                                             "model_construct"):
            return None
        return None

    def _call_project(self, node: ast.Call, function, func: ast.AST):
        if self.depth >= _MAX_DEPTH:
            return None
        params = function.params
        offset = 1 if function.class_name and params and params[0].name in ("self", "cls") and isinstance(
            func, ast.Attribute) else 0
        bound: dict[str, object] = {}
        for index, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred):
                break
            position = index + offset
            if position < len(params):
                value = self.eval(arg) or self._sql(arg)
                if value is not None:
                    bound[params[position].name] = value
        for item in node.keywords:
            if item.arg:
                value = self.eval(item.value) or self._sql(item.value)
                if value is not None:
                    bound[item.arg] = value
        return self.a.call(function, bound, self.depth + 1)


# --------------------------------------------------------------------------------------------
# Which FastAPI routes serialise what the handler returns without a filtering model.


def _open_type(node: ast.AST | None, names, analysis: _Analysis, depth: int = 0) -> bool:
    """Does this response model / return annotation let every key of a record through?"""
    if node is None or depth > 6:
        return True
    if isinstance(node, ast.Constant):
        if node.value is None:
            return True
        if isinstance(node.value, str):
            try:
                return _open_type(ast.parse(node.value, mode="eval").body, names, analysis, depth + 1)
            except SyntaxError:
                return False
        return False
    if isinstance(node, ast.Subscript):
        head = names.resolve(node.value) or ""
        inner = node.slice
        elements = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
        if _tail(head) in ("dict", "Dict", "Mapping", "MutableMapping", "OrderedDict"):
            return True
        if _tail(head) == "Annotated":
            return _open_type(elements[0] if elements else None, names, analysis, depth + 1)
        if _tail(head) in _CONTAINERS:
            return any(_open_type(e, names, analysis, depth + 1) for e in elements
                       if not (isinstance(e, ast.Constant) and e.value is Ellipsis))
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [s for s in (node.left, node.right) if not (isinstance(s, ast.Constant) and s.value is None)]
        return any(_open_type(s, names, analysis, depth + 1) for s in sides) if sides else True
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = names.resolve(node) or ""
        if name in _OPEN_TYPES:
            return True
        canonical = analysis.canonical(name) or name
        if _tail(canonical).endswith("Response") and canonical.startswith(("fastapi", "starlette")):
            return True  # a Response annotation: FastAPI uses no response model
        return False
    return False


def _unfiltered(project: Project, route, analysis: _Analysis) -> bool:
    options = dict(route.decl.options)
    explicit = options.get("response_model")
    names = project.module_names(route.decl.location.path)
    if names is None:
        return False
    if explicit is not None:
        if isinstance(explicit, Literal) and explicit.value is None:
            return True
        text = getattr(explicit, "text", "") or ""
        try:
            node = ast.parse(text, mode="eval").body
        except SyntaxError:
            return False
        return _open_type(node, names, analysis)
    handler = route.handler
    node = functions(project).node(handler) if handler is not None else None
    if not isinstance(node, FUNCTIONS):
        return False
    handler_names = names_of(project, handler) or names
    return node.returns is None or _open_type(node.returns, handler_names, analysis)


# --------------------------------------------------------------------------------------------


@rule(
    code="SP804",
    slug="response-returns-credential-columns",
    title="Whole database records with credential columns sent to clients",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=200,
    control="input-validation",
    kind="project",
    frameworks=("fastapi", "django"),
    hint="Select only the columns the client needs (`SELECT id, email FROM users ...`, `.values(\"id\", \"email\")`), "
    "or send the record through a response model / serializer with explicit safe fields.",
)
def response_returns_credential_columns(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags a route that sends whole database records to the client when those records carry
    credential columns: password hashes, TOTP/OTP seeds, API keys, secrets, tokens, PINs,
    SSNs. The records come from raw SQL (`SELECT * FROM users`, `SELECT u.*, ...`,
    `INSERT/UPDATE ... RETURNING *`, or a column list naming a credential) run through
    sqlite3, aiosqlite, psycopg, asyncpg, `databases` or SQLAlchemy `text()`; from Django's
    `Model.objects.values()` / `values_list()` without a field list, `model_to_dict(obj)` and
    `serializers.serialize("json", qs)` without `fields=`; or from ORM objects turned into
    dicts (`jsonable_encoder(user)`, `model_dump()`).

    The columns of `*` are learnt from the project: SQLAlchemy/SQLModel/Django models
    (`__tablename__`, `Meta.db_table` or Django's `<app>_<model>` name, Django's `auth_user`),
    SQLAlchemy Core `Table(...)` definitions, and `CREATE TABLE` statements in Python files.
    For a table declared none of those ways (asyncpg/aiosqlite/sqlite3 apps whose schema is in
    a migration), the columns are the ones the project's own single-table SQL literals name:
    `SELECT id, password_hash FROM users`, `UPDATE users SET pin = ...`, `INSERT INTO users
    (email, password_hash)`, RETURNING lists, and `WHERE api_key = ?` comparisons (a column a
    WHERE clause names exists, so `*` returns it). The message says where the column was named.
    The records are followed through `dict(row)`, `row._mapping`, `[dict(r) for r in rows]`,
    `dict(zip(columns, row))`, containers, helper functions in other modules and FastAPI
    dependencies, to where they leave: a FastAPI handler's return value when no response
    model filters it (no `response_model`, `response_model=None`/`dict`, or a return
    annotation such as `dict` or `list[dict]`), or a `JSONResponse`/`JsonResponse`/DRF
    `Response`/`HttpResponse(json.dumps(...))`, which bypasses any response model.

    Not reported: explicit safe column lists, records copied into a Pydantic model or
    dataclass without the secret fields, columns removed on the way (`row.pop("password_hash")`,
    `del row[...]`, `{k: v for k, v in row.items() if k != "password_hash"}`, an allow-list
    comprehension), rows that only an internal helper reads (a login check), and tokens or API
    keys returned by the routes that issue them (login, token, API-key creation). Admin-only
    routes are still reported, at medium severity. ORM objects returned straight from a
    handler with no response model are SP803's finding.

    ## Why is this bad?
    `SELECT *` returns every column, and so does `dict(row)`: the password hash, the TOTP seed
    and the API key go to the browser along with the name and email. Hashes are cracked
    offline, a TOTP seed defeats the second factor for good, and an API key is a login. The
    leak is silent: the page shows only what it needs, the JSON carries the rest. One listing
    route leaks every user's record at once.

    ## Example
    ```python
    import sqlite3

    from fastapi import FastAPI

    app = FastAPI()

    SCHEMA = '''
    CREATE TABLE IF NOT EXISTS users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL,
        password_hash TEXT NOT NULL
    )
    '''

    def get_db():
        conn = sqlite3.connect("app.db")
        conn.row_factory = sqlite3.Row
        return conn

    @app.get("/users/{user_id}")
    def read_user(user_id: int):
        row = get_db().execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return dict(row)
    ```

    ## Use instead
    ```python
    import sqlite3

    from fastapi import FastAPI

    app = FastAPI()

    SCHEMA = '''
    CREATE TABLE IF NOT EXISTS users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL,
        password_hash TEXT NOT NULL
    )
    '''

    def get_db():
        conn = sqlite3.connect("app.db")
        conn.row_factory = sqlite3.Row
        return conn

    @app.get("/users/{user_id}")
    def read_user(user_id: int):
        row = get_db().execute("SELECT id, email FROM users WHERE id = ?", (user_id,)).fetchone()
        return dict(row)
    ```

    ## Known problems
    Columns are judged by their names (as in SP803). `.sql` migration files are not read:
    without a model, `Table` or `CREATE TABLE` string in Python, the columns of `*` are only
    those other SQL literals in the project name for that table alone (joins, f-string
    columns and SQL split across concatenated literals teach nothing), so a credential
    column no Python query mentions is missed. SQL built at run time from pieces, queries in stored procedures and ORM
    queries through repository objects (`self.repo.get(...)`) are not followed. Values masked
    in place (`row["password_hash"] = None`) count as removed; masking by a custom
    serializer function is not seen, so the record is treated as filtered. django-ninja
    return values are not judged.

    ## References
    - https://cwe.mitre.org/data/definitions/200.html
    - https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/
    - https://fastapi.tiangolo.com/tutorial/response-model/
    - https://docs.djangoproject.com/en/stable/ref/models/querysets/#values
    """
    analysis: _Analysis = project.derived("sp804:analysis", _Analysis)
    reported: set[tuple[str, int]] = set()
    fastapi = project.fastapi
    if fastapi:
        by_handler: dict[str, list] = {}
        for route in fastapi.routes:
            if route.kind == "http" and route.handler is not None:
                by_handler.setdefault(route.handler.qualname, []).append(route)
        for qualname, routes in sorted(by_handler.items()):
            handler = routes[0].handler
            if not analysis.worth(handler):
                continue
            body = analysis.body(handler)
            if body is None:
                continue
            open_routes = [r for r in routes if _unfiltered(project, r, analysis)]
            display = ", ".join(sorted({r.display for r in routes}))
            path = " ".join(r.path or "" for r in routes)
            admin = admin_only(project, qualname)
            excluded: frozenset[str] = frozenset()
            for r in open_routes:
                names = literal_set(dict(r.decl.options).get("response_model_exclude"))
                if names:
                    excluded |= frozenset(n.lower() for n in names)
            sinks: list[tuple[ast.stmt, object, str]] = []
            for stmt, rows in body.responses:
                sinks.append((stmt, rows, f"through {rows.response}, which bypasses any response model"))
            for stmt, value in body.returns:
                if isinstance(value, Rows) and value.response:
                    sinks.append((stmt, value, f"through {value.response}, which bypasses any response model"))
                elif isinstance(value, Rows) and open_routes:
                    sinks.append((stmt, replace(value, removed=value.removed | excluded),
                                  "with no response model to filter them"))
                elif isinstance(value, Instance) and open_routes and not value.django:
                    rows = body.instance_rows(value, value.what or f"{_tail(value.model)} objects", stmt)
                    if rows is not None:
                        sinks.append((stmt, replace(rows, removed=rows.removed | excluded),
                                      "with no response model: FastAPI serialises every loaded column"))
            if any(isinstance(rows, Rows) and rows.source.kind == "orm" for _, rows, _ in sinks) \
                    and orm_returned(project, handler) is not None:
                # SP803 already reports this handler's ORM objects (one finding per root cause).
                sinks = [sink for sink in sinks if not (isinstance(sink[1], Rows) and sink[1].source.kind == "orm")]
            for stmt, rows, how in sinks:
                hit = _hit(handler, qualname, display, path, stmt, rows, how, admin, reported)
                if hit is not None:
                    yield hit
    django = project.django
    if django:
        for view in django.views:
            if not view.routed:
                continue
            admin = any(e.authorizes for e in view.evidence)
            for code in view.code:
                function = project.functions.get(code.qualname)
                if function is None or not analysis.worth(function):
                    continue
                body = analysis.body(function)
                if body is None:
                    continue
                sinks = [(stmt, rows) for stmt, rows in body.responses]
                sinks += [(stmt, value) for stmt, value in body.returns if isinstance(value, Rows) and value.response]
                for stmt, rows in sinks:
                    hit = _hit(function, function.qualname, view.display, view.display, stmt, rows,
                               f"through {rows.response}", admin, reported)
                    if hit is not None:
                        yield hit


def _hit(function, symbol: str, display: str, path: str, stmt: ast.stmt, rows: Rows, how: str, admin: bool,
         reported: set) -> Hit | None:
    if stmt is None:
        return None
    location = Location.of(function.location.path, stmt)
    key = (location.path, location.line)
    if key in reported:
        return None
    hands_out = issuing(path, function.name)
    exposed = [c for c in rows.exposed() if not (hands_out and secret_kind(c) == "credential")]
    if not exposed:
        return None
    reported.add(key)
    source = rows.source
    where = f" ({source.location.path}:{source.location.line})" if source.location else ""
    noun = "rows" if source.kind == "sql" else "records"
    columns = ", ".join(f"`{c}`" for c in exposed)
    message = (f"{display} sends whole `{source.table}` {noun} from `{source.what}`{where} to the client {how}, "
               f"including {columns}")
    if source.learned:
        message += f" (columns learnt from the project's own SQL, no schema in Python: {source.learned})"
    severity = None
    if admin:
        message += " (admin-only route: still reported, credentials are never needed by a client)"
        severity = Severity.MEDIUM
    flow = []
    if source.location is not None:
        flow.append(FlowStep(source.location, f"whole records: {source.what}"))
    flow.append(FlowStep(location, "sent to the client"))
    return Hit(location, message, severity=severity, symbol=symbol, flow=tuple(flow))
