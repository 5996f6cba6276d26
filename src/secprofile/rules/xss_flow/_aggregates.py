"""Which columns of a query are numbers (private helper for SP421's provenance).

``SELECT COUNT(*) FROM notes`` returns a number, not text someone stored: interpolated into
HTML it cannot carry markup. :func:`sql_columns` reads the select list of a SQL string and
says, column by column, whether the value is numeric (an aggregate such as ``COUNT``/``SUM``/
``AVG``, ``LENGTH(...)``, a number literal, ``EXISTS (...)``, a ``CAST`` to a number type,
arithmetic of those, or ``MIN``/``MAX``/``COALESCE`` of numeric arguments) and which alias
it carries. Anything it does not understand is not numeric, so a mistake only ever keeps a
finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Functions whose result is a number whatever their argument (COUNT(DISTINCT title) counts text).
NUMERIC_FUNCTIONS = frozenset({
    "count", "sum", "avg", "total", "length", "char_length", "character_length", "octet_length", "bit_length",
    "abs", "round", "ceil", "ceiling", "floor", "sign", "stddev", "stddev_pop", "stddev_samp", "variance",
    "var_pop", "var_samp", "mod", "power", "sqrt", "exp", "ln", "log", "log10", "random", "extract", "date_part",
    "instr", "position", "strpos", "unixepoch", "julianday", "row_number", "rank", "dense_rank", "ntile",
    "percent_rank", "cume_dist", "count_big", "changes", "last_insert_rowid", "total_changes", "bool_and",
    "bool_or", "every",
})
# Functions whose result is one of their arguments: numeric when every argument is.
PASSING_FUNCTIONS = frozenset({"min", "max", "coalesce", "ifnull", "nullif", "greatest", "least", "nvl",
                               "isnull"})
NUMERIC_TYPES = frozenset({"integer", "int", "bigint", "smallint", "tinyint", "real", "numeric", "decimal",
                           "float", "double", "boolean", "bool", "int2", "int4", "int8", "float4", "float8",
                           "unsigned", "signed", "serial", "bigserial", "money", "number"})

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)"
    r"|(?P<name>[A-Za-z_][\w$]*)"
    r"|(?P<quoted>\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\])"
    r"|(?P<string>'(?:[^']|'')*')"
    r"|(?P<param>\?|%s|%\(\w+\)s|:\w+|\$\d+)"
    r"|(?P<op>\|\||::|<=|>=|<>|!=|[-+*/%(),.=<>]))"
)
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_CLAUSE_END = frozenset({"from", "where", "group", "order", "having", "limit", "union", "intersect", "except",
                         "into", "window", "fetch", "offset", "for", "returning"})
_MAX_SQL = 20000


@dataclass(frozen=True)
class Column:
    numeric: bool
    alias: str | None


def sql_columns(sql: str) -> tuple[Column, ...] | None:
    """The columns of a ``SELECT``'s result, or None when ``sql`` is not a select this can read."""
    if not isinstance(sql, str) or len(sql) > _MAX_SQL:
        return None
    tokens = _tokens(_COMMENT.sub(" ", sql))
    if not tokens or tokens[0] != ("name", "select"):
        return None
    position = 1
    while position < len(tokens) and tokens[position] in (("name", "distinct"), ("name", "all")):
        position += 1
    columns: list[list[tuple[str, str]]] = [[]]
    depth = 0
    for kind, text in tokens[position:]:
        if depth == 0 and kind == "name" and text in _CLAUSE_END:
            break
        if kind == "bad":
            return None
        if kind == "op" and text == "(":
            depth += 1
        elif kind == "op" and text == ")":
            depth -= 1
            if depth < 0:
                return None
        if depth == 0 and kind == "op" and text == ",":
            columns.append([])
            continue
        columns[-1].append((kind, text))
    if depth != 0 or any(not column for column in columns):
        return None
    return tuple(_column(column) for column in columns)


def all_numeric(columns: tuple[Column, ...] | None) -> bool:
    return bool(columns) and all(column.numeric for column in columns)


def _tokens(sql: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    length = len(sql)
    while position < length:
        match = _TOKEN.match(sql, position)
        if match is None or match.end() == position:
            if sql[position:].strip() not in ("", ";"):
                out.append(("bad", sql[position:position + 1]))  # fine past the select list, fatal in it
            break
        position = match.end()
        kind = match.lastgroup or "op"
        text = match.group(kind)
        if kind == "name":
            text = text.lower()
        elif kind == "quoted":
            kind, text = "name", text[1:-1].lower()
        out.append((kind, text))
    return out


def _column(tokens: list[tuple[str, str]]) -> Column:
    alias = None
    if len(tokens) >= 3 and tokens[-2] == ("name", "as") and tokens[-1][0] == "name":
        alias = tokens[-1][1]
        tokens = tokens[:-2]
    elif len(tokens) >= 2 and tokens[-1][0] == "name" and tokens[-2][0] in ("op", "number") and \
            tokens[-2][1] not in (".", "::") and not (tokens[-2][0] == "op" and tokens[-2][1] in "+-*/%,(=<>|"):
        alias = tokens[-1][1]  # COUNT(*) n
        tokens = tokens[:-1]
    elif len(tokens) == 2 and tokens[0][0] == "name" and tokens[1][0] == "name":
        alias = tokens[1][1]  # id post_id
        tokens = tokens[:-1]
    parser = _Parser(tokens)
    try:
        numeric = parser.expression() and parser.done()
    except (IndexError, ValueError):
        numeric = False
    if alias is None and len(tokens) == 1 and tokens[0][0] == "name":
        alias = tokens[0][1]
    elif alias is None and len(tokens) == 3 and tokens[1] == ("op", ".") and tokens[2][0] == "name":
        alias = tokens[2][1]  # t.title comes back as "title"
    return Column(numeric, alias)


class _Parser:
    """expression := term (operator term)*; a term is numeric or the whole column is not."""

    _OPERATORS = frozenset({"+", "-", "*", "/", "%"})

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def done(self) -> bool:
        return self.position == len(self.tokens)

    def expression(self) -> bool:
        if not self.term():
            return False
        while self.peek() is not None and self.peek()[0] == "op" and self.peek()[1] in self._OPERATORS:
            self.take()
            if not self.term():
                return False
        if self.peek() == ("op", "::"):  # COUNT(*)::int
            self.take()
            kind, text = self.take()
            return kind == "name" and text in NUMERIC_TYPES
        return True

    def term(self) -> bool:
        kind, text = self.take()
        if kind == "op" and text in ("-", "+"):
            return self.term()
        if kind == "number":
            return True
        if kind == "op" and text == "(":
            if self.peek() == ("name", "select"):
                return False  # a scalar subquery: its column decides, not read here
            inner = self.expression()
            return inner and self.take() == ("op", ")")
        if kind != "name":
            return False
        if text == "null":
            return True
        if text in ("true", "false"):
            return True
        if self.peek() != ("op", "("):
            if self.peek() == ("op", ".") and self.position + 1 < len(self.tokens):
                self.take()
                text = self.take()[1]  # t.id
            return text == "id"
        self.take()
        if text == "exists":
            return self._skip_group()
        if text == "cast":
            return self._cast()
        if text in NUMERIC_FUNCTIONS:
            if not self._skip_group():
                return False
            self._window()
            return True
        if text in PASSING_FUNCTIONS:
            return self._arguments()
        return False

    def _skip_group(self) -> bool:
        depth = 1
        while depth:
            kind, text = self.take()
            if kind == "op" and text == "(":
                depth += 1
            elif kind == "op" and text == ")":
                depth -= 1
        return True

    def _window(self) -> None:
        if self.peek() == ("name", "over") and self.position + 1 < len(self.tokens):
            self.take()
            if self.peek() == ("op", "("):
                self.take()
                self._skip_group()
            elif self.peek() is not None and self.peek()[0] == "name":
                self.take()
        if self.peek() == ("name", "filter") and self.position + 1 < len(self.tokens) and \
                self.tokens[self.position + 1] == ("op", "("):
            self.take()
            self.take()
            self._skip_group()

    def _arguments(self) -> bool:
        if self.peek() == ("op", ")"):
            self.take()
            return False
        while True:
            if self.peek() == ("name", "distinct"):
                self.take()
            if not self.expression():
                return False
            kind, text = self.take()
            if (kind, text) == ("op", ")"):
                self._window()
                return True
            if (kind, text) != ("op", ","):
                return False

    def _cast(self) -> bool:
        depth = 1
        target: list[str] = []
        seen_as = False
        while depth:
            kind, text = self.take()
            if kind == "op" and text == "(":
                depth += 1
            elif kind == "op" and text == ")":
                depth -= 1
            elif depth == 1 and (kind, text) == ("name", "as"):
                seen_as = True
                target = []
            elif depth == 1 and seen_as and kind == "name":
                target.append(text)
        return seen_as and bool(target) and target[0] in NUMERIC_TYPES
