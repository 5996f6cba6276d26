from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.rules.validation._common import FUNCTIONS, functions, models, names_of, unparse
from secprofile.source.location import Location

_WRITES = frozenset({"commit", "flush", "save", "asave", "begin", "begin_nested"})
_FETCHES = frozenset({"get", "first", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none", "scalars",
                      "last", "latest", "earliest", "aget", "afirst", "alast", "get_or_none", "exec", "execute",
                      "all", "fetch", "get_one", "unique", "fetchone", "fetchrow", "fetchval"})
_FETCHES_OR_QUERY = _FETCHES | {"query"}
# Calls that run SQL text: DB-API cursors and connections, SQLAlchemy, asyncpg, databases, aiosqlite.
_SQL_RUN = frozenset({"execute", "executemany", "exec_driver_sql", "fetch", "fetchrow", "fetchval", "fetch_one",
                      "fetch_all", "fetch_val"})
# Writes that are statements of their own: raw UPDATE, Django ``.update()``, SQLAlchemy ``update().values()``.
_STATEMENT_WRITES = _SQL_RUN | frozenset({"update", "values"})
_SCALARS = frozenset({"scalar", "scalar_one", "scalar_one_or_none", "fetchval", "fetch_val"})
_ROW_METHODS = frozenset({"get", "keys", "values", "items", "copy", "pop"})
_CORE_UPDATES = frozenset({"sqlalchemy.update", "sqlalchemy.sql.update", "sqlalchemy.sql.expression.update",
                           "sqlmodel.update"})
_F_EXPRESSIONS = frozenset({"django.db.models.F", "django.db.models.expressions.F"})
_READ_CALLS = frozenset({"django.shortcuts.get_object_or_404", "django.shortcuts.aget_object_or_404",
                         "django.shortcuts.get_list_or_404"})
_SELECTS = frozenset({"sqlalchemy.select", "sqlalchemy.future.select", "sqlalchemy.sql.select",
                      "sqlalchemy.sql.expression.select", "sqlmodel.select"})
_LOCKING = frozenset({"with_for_update", "select_for_update", "with_lockmode"})
# An attribute updated with arithmetic somewhere in the file: ``x.f -= 1``, ``... = x.f - 1``,
# ``x.f = local - 1``.
_ARITHMETIC_TEXT = re.compile(r"\w\.\w+\s*(?:[-+*/%]|//)=|=[^=\n]*\w\.\w+\s*[-+*/%]|\w\.\w+\s*=[^=\n]*\s[-+*/%]\s")
# In one function's text: a SELECT then an UPDATE ... SET, or a bulk ``.update(f=...)``/``.values(f=...)``
# next to arithmetic.
_STATEMENT_FILE = re.compile(r"(?i:\bupdate\s+\S+\s+set\b)|\.(?:update|values)\(\s*(?:\w+\s*=|\{)")
_OPERATOR = re.compile(r"[-+*/%]")
_SQL_WRITE_TEXT = re.compile(r"[\"']\s*\(?\s*select\s.+[\"']\s*update\s+\S+\s+set\b", re.I | re.S)
_BULK_WRITE_TEXT = re.compile(r"\.(?:update|values)\(\s*(?:\w+\s*=|\{)")
_ORM_READ_TEXT = re.compile(r"\.objects\b|_default_manager|get_object_or_404|\bselect\(|\.get\(\s*[A-Z]\w*\s*,|\.query\(")
_ARITHMETIC_LINE = re.compile(r"[\w)\]]\s*[-+*/]\s*[\w(]")
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_LOCK_TEXT = re.compile(r"lock|mutex|semaphore", re.I)
_MONEY = re.compile(r"balance|credit|fund|amount|point|stock|inventory|quantity|qty|seat|ticket|remaining|available|"
                    r"coin|token|quota|allowance|money|cash|price|total|deposit|withdraw|limit|capacity|reserved|"
                    r"sold|spent|debt|owed|bonus|reward|voucher|coupon|uses|redeem", re.I)
_COSMETIC = re.compile(r"view|hit|visit|click|impression|download|read_count|open|like|star|vote|share", re.I)
# Raw SQL: what a SELECT reads and an UPDATE writes.
_SELECT = re.compile(r"^\s*\(?\s*select\s+(?P<cols>.+?)\s+from\s+(?P<table>[\w.\"`\[\]]+)", re.I | re.S)
_UPDATE = re.compile(r"^\s*update\s+(?P<table>[\w.\"`\[\]]+)\s+set\s+(?P<set>.+?)(?:\s+where\s+(?P<where>.+?))?"
                     r"(?:\s+returning\s+.*)?\s*;?\s*$", re.I | re.S)
_SQL_LOCK = re.compile(r"\bfor\s+(?:no\s+key\s+)?update\b|\bfor\s+share\b|\block\s+in\s+share\s+mode\b", re.I)
# Statements after which the function's reads are serialised: SQLite's write transaction, table locks,
# SERIALIZABLE isolation, advisory locks.
_SERIALISE = re.compile(r"^\s*(?:begin\s+(?:immediate|exclusive)|lock\s+(?:table|tables)\b|set\s+(?:session\s+)?"
                        r"transaction\s+isolation\s+level\s+serializable)|pg_advisory_(?:xact_)?lock|\bget_lock\s*\(",
                        re.I)
_PLACEHOLDER = re.compile(r"\?|%s|\$(\d+)|(?<![:\w]):(\w+)|%\((\w+)\)s")


@dataclass
class _Row:
    """Objects read from the database by one statement."""

    var: str
    stmt: ast.AST
    model: str | None
    locked: bool
    modifies: list[tuple[ast.stmt, str, str]] = field(default_factory=list)  # (statement, variable, field)
    written: bool = False
    table: str | None = None  # raw SQL: the table a SELECT read (lower case)
    columns: tuple[str, ...] = ()  # ... and its columns ("*" for all)


def _scout(ctx: FileContext) -> tuple[bool, bool] | None:
    """Whether the file has a save next to in-place arithmetic, and a raw or bulk UPDATE: the
    textual tests the project check needs, run in the worker while the text is at hand."""
    module = ctx.facts.module_facts if ctx.facts is not None else None
    if module is None:
        return None
    saves = statements = False
    for function in module.functions:
        # the project check's own pre-filter, with any call standing in for a project helper
        if function.method_calls & _FETCHES_OR_QUERY or function.calls:
            saves = saves or bool(function.method_calls & _WRITES)
            statements = statements or bool(function.method_calls & _STATEMENT_WRITES)
    if not saves and not statements:
        return None
    # Every form of the arithmetic needs an operator and a dot on one line: test those cheaply first.
    arithmetic = saves and any(_ARITHMETIC_TEXT.search(line) for line in ctx.lines
                               if "." in line and _OPERATOR.search(line))
    statement = statements and _mentions_statement("\n".join(ctx.lines))
    return (arithmetic, statement) if arithmetic or statement else None


def _mentions_statement(text: str) -> bool:
    """``_STATEMENT_FILE.search(text)``, anchored at the literals it needs (several times faster)."""
    for literal in (".update(", ".values("):
        start = text.find(literal)
        while start != -1:
            if _STATEMENT_FILE.match(text, start):
                return True
            start = text.find(literal, start + 1)
    lowered = text.lower()
    start = lowered.find("update")
    while start != -1:
        if _STATEMENT_FILE.match(lowered, start):
            return True
        start = lowered.find("update", start + 1)
    return False


@rule(
    code="SP902",
    slug="read-modify-write-without-lock",
    title="Read-modify-write of a row without a lock or atomic update",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=362,
    control="concurrency",
    kind="project",
    frameworks=("fastapi", "django"),
    scout=_scout,
    hint="Lock the row when reading it (`select(...).with_for_update()`, "
    "`Model.objects.select_for_update().get(...)` inside `transaction.atomic()`), or update atomically: "
    "`update(Wallet).values(balance=Wallet.balance - x)` / `.update(balance=F(\"balance\") - x)`.",
)
def read_modify_write_without_lock(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags a row that is read from the database, changed in Python from its own value and
    written back, with nothing stopping two requests from doing it at once:

    - SQLAlchemy / SQLModel: `obj = db.get(...)`, `db.query(...).first()`,
      `db.scalars(select(...)).one()` then `obj.balance -= amount` (or
      `obj.balance = obj.balance - amount`) and `commit()`, without `.with_for_update()` on
      the read and without an atomic `update(...).values(balance=Model.balance - amount)`;
    - Django: `obj = Model.objects.get(...)` / `get_object_or_404(...)`, `obj.field -= x`,
      `obj.save()`, without `select_for_update()` and without `F()` expressions (the
      check-then-act `if event.seats_left > 0: event.seats_left -= 1; event.save()` too);
    - a value read into a local and written back as an absolute value:
      `balance = account.balance` ... `account.balance = balance - amount`, or
      `Model.objects.filter(pk=pk).update(seats_left=event.seats_left - qty)`, or SQLAlchemy
      `update(Wallet).values(balance=balance - amount)` after `select(Wallet.balance)`;
    - raw SQL (sqlite3, DB-API cursors, SQLAlchemy `text()`, asyncpg): a `SELECT balance FROM
      accounts ...` whose value (`row["balance"]`, `row[0]`, `fetchval`, `scalar_one()`) is
      changed in Python and written back by `UPDATE accounts SET balance = ? ...` with the
      computed value, in sync and async handlers alike.

    Reads through a helper in another module (`wallet = crud.get_wallet(db, user_id)`) are
    followed. Money-like fields (balance, credits, stock, quantity ...) are high severity.
    Setting a field to a value not derived from itself (`order.status = "paid"`) is not
    reported, nor is a model with SQLAlchemy optimistic locking (`version_id_col`), nor an
    update made while holding a lock, nor SQL that does the arithmetic itself
    (`SET balance = balance - ? WHERE id = ? AND balance >= ?`), a compare-and-set
    (`... WHERE id = ? AND balance = ?` with the old value), a `SELECT ... FOR UPDATE` read, or
    reads after `BEGIN IMMEDIATE`, `LOCK TABLE` or an advisory lock. Objects changed but never
    saved (a counter adjusted for display) are not reported. Module-level state shared by
    async handlers is SP901's.

    ## Why is this bad?
    Two concurrent requests both read balance 100, both subtract 80 and both save 20: the
    account paid out 160 from 100 (a double spend), or one of two deposits is lost. The
    database cannot help, because it only sees two plain writes of the value computed in
    Python (CWE-362, lost update).

    ## Example
    ```python
    # file: app/models.py
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Wallet(Base):
        __tablename__ = "wallets"
        id: Mapped[int] = mapped_column(primary_key=True)
        balance: Mapped[int]

    # file: app/api.py
    from fastapi import HTTPException
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.models import Wallet

    def withdraw(db: Session, wallet_id: int, amount: int) -> Wallet:
        wallet = db.scalars(select(Wallet).where(Wallet.id == wallet_id)).one()
        if wallet.balance < amount:
            raise HTTPException(status_code=400, detail="Insufficient balance")
        wallet.balance -= amount
        db.commit()
        return wallet
    ```

    ## Use instead
    ```python
    # file: app/models.py
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Wallet(Base):
        __tablename__ = "wallets"
        id: Mapped[int] = mapped_column(primary_key=True)
        balance: Mapped[int]

    # file: app/api.py
    from fastapi import HTTPException
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.models import Wallet

    def withdraw(db: Session, wallet_id: int, amount: int) -> Wallet:
        wallet = db.scalars(select(Wallet).where(Wallet.id == wallet_id).with_for_update()).one()
        if wallet.balance < amount:
            raise HTTPException(status_code=400, detail="Insufficient balance")
        wallet.balance -= amount
        db.commit()
        return wallet
    ```

    ## Known problems
    Objects that reach the function already loaded (a dependency's `current_user`, a
    parameter) are not followed, nor is a commit done by the caller. Raw SQL is matched by
    table and column name from literal SQL text (literals, `text(...)`, constants); SQL built
    at run time and an UPDATE of a column the SELECT did not name are not followed. A database running at
    `SERIALIZABLE` isolation makes the pattern safe (one transaction fails); that setting is
    not read. `select_for_update()` is taken as a lock even outside `transaction.atomic()`
    (Django raises at run time there).

    ## References
    - https://cwe.mitre.org/data/definitions/362.html
    - https://docs.sqlalchemy.org/en/20/orm/queryguide/query.html#sqlalchemy.orm.Query.with_for_update
    - https://docs.djangoproject.com/en/5.0/ref/models/expressions/#avoiding-race-conditions-using-f
    - https://docs.djangoproject.com/en/5.0/ref/models/querysets/#select-for-update
    """
    kinds = models(project)
    helpers = _Helpers(project)
    texts = project.derived("sp902:texts", _Texts)
    for function in project.functions.values():
        saves = function.method_calls & _WRITES
        statements = function.method_calls & _STATEMENT_WRITES
        if not saves and not statements:
            continue
        facts = project.files.get(function.location.path)
        note = facts.note("SP902") if facts is not None else None
        if note is None:
            continue
        if not (function.method_calls & _FETCHES_OR_QUERY or function.calls & _READ_CALLS
                or any(project.function(call) is not None for call in function.calls)):
            continue
        arithmetic, statement = note
        if not (saves and arithmetic) and not (statements and statement and texts.statement_write(function)):
            continue
        node = functions(project).node(function)
        names = names_of(project, function)
        if not isinstance(node, FUNCTIONS) or names is None:
            continue
        analysis = _Analysis(project, names, helpers)
        try:
            analysis.block(node.body, locked=False)
        except RecursionError:
            continue
        for row in analysis.finished():
            if row.locked or not row.modifies or not row.written:
                continue
            if row.model and kinds.has_version_counter(row.model):
                continue
            stmt, var, name = row.modifies[0]
            severity = Severity.HIGH if _MONEY.search(name) else Severity.LOW if _COSMETIC.search(name) else None
            if row.table is not None:
                message = (f"`{row.table}.{name}` is read by the SELECT at line {row.stmt.lineno}, changed in Python "
                           f"and written back as an absolute value without a row lock (`SELECT ... FOR UPDATE`) or an "
                           f"atomic `SET {name} = {name} - ?`: concurrent requests lose each other's change")
            elif row.model and var.startswith("<"):  # balance = db.scalar(select(Wallet.balance) ...)
                message = (f"`{row.model.rsplit('.', 1)[-1]}.{name}` is read at line {row.stmt.lineno}, changed in "
                           f"Python and written back as an absolute value without a row lock or an atomic update: "
                           f"concurrent requests lose each other's change")
            else:
                model = f" ({row.model.rsplit('.', 1)[-1]})" if row.model else ""
                message = (f"`{var}.{name}`{model} is read at line {row.stmt.lineno}, changed from its own value and "
                           f"saved without a row lock or an atomic update: concurrent requests lose each other's change")
            yield Hit(
                Location.of(function.location.path, stmt),
                message,
                severity=severity,
                confidence=None if row.model or row.table is not None else Confidence.MEDIUM,
                symbol=function.qualname,
            )


class _Texts:
    """Cheap textual tests on one function's source lines (memoised per file; read only for
    files whose scout found an UPDATE in their text)."""

    def __init__(self, project):
        self.project = project
        self._lines: dict[str, list[str]] = {}

    def statement_write(self, function) -> bool:
        """A raw SELECT then UPDATE, or a bulk update next to arithmetic, in the function's own text."""
        location = function.location
        lines = self._lines.get(location.path)
        if lines is None:
            root = self.project.root
            try:
                data = (root / location.path if root.is_dir() else root).read_bytes()
            except OSError:
                data = b""
            lines = data.decode("utf-8", "replace").splitlines()
            self._lines[location.path] = lines
        if not lines:
            return False
        text = "\n".join(lines[location.line - 1:location.last_line])
        if _SQL_WRITE_TEXT.search(text):
            return True
        return bool(_BULK_WRITE_TEXT.search(text) and _ORM_READ_TEXT.search(text) and _ARITHMETIC_LINE.search(text))


class _Helpers:
    """Project functions that return a database read (``get_wallet(db, id)``), memoised."""

    def __init__(self, project):
        self.project = project
        self._memo: dict[str, tuple[str | None, bool] | None] = {}

    def read(self, qualname: str) -> tuple[str | None, bool] | None:
        if qualname in self._memo:
            return self._memo[qualname]
        self._memo[qualname] = None
        function = self.project.functions.get(qualname)
        result = None
        if function is not None and (function.method_calls & _FETCHES_OR_QUERY or function.calls & _READ_CALLS):
            node = functions(self.project).node(function)
            names = names_of(self.project, function)
            if isinstance(node, FUNCTIONS) and names is not None:
                analysis = _Analysis(self.project, names, self, depth=1)
                try:
                    analysis.block(node.body, locked=False)
                    result = analysis.returned
                except RecursionError:
                    result = None
        self._memo[qualname] = result
        return result


class _Analysis:
    def __init__(self, project, names, helpers: _Helpers, depth: int = 0):
        self.project = project
        self.names = names
        self.helpers = helpers
        self.depth = depth
        self.kinds = models(project)
        self.rows: dict[str, _Row] = {}
        self.all_rows: list[_Row] = []
        self.statements: dict[str, tuple[str | None, bool]] = {}  # ``stmt = select(W).with_for_update()``
        self.derived: dict[str, tuple[str, str]] = {}  # ``new = wallet.balance - x`` → (wallet, balance)
        self.arithmetic: set[str] = set()  # derived locals computed with arithmetic
        self.returned: tuple[str | None, bool] | None = None
        self.sql: dict[str, str] = {}  # locals holding SQL text: ``query = "SELECT ..."``
        self.serialised = False  # BEGIN IMMEDIATE, LOCK TABLE, an advisory lock: later reads are serialised
        self.current: ast.stmt | None = None  # the simple statement being analysed
        self.locked_here = False  # whether a lock is held around it

    def finished(self) -> list[_Row]:
        return self.all_rows

    # -- statements
    def block(self, body, locked: bool) -> None:
        for stmt in body:
            self.statement(stmt, locked)

    def statement(self, stmt, locked: bool) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        self.current, self.locked_here = stmt, locked
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            inner = locked or any(_LOCK_TEXT.search(unparse(i.context_expr, 200)) for i in stmt.items)
            begins = any(isinstance(i.context_expr, ast.Call) and isinstance(i.context_expr.func, ast.Attribute)
                         and i.context_expr.func.attr in ("begin", "begin_nested") for i in stmt.items)
            for item in stmt.items:
                self._calls(item.context_expr)
            self.block(stmt.body, inner)
            if begins:
                self._write()
            return
        if isinstance(stmt, (ast.If, ast.While)):
            self._calls(stmt.test)
            self.block(stmt.body, locked)
            self.block(stmt.orelse, locked)
            return
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._calls(stmt.iter)
            found = self._read(stmt.iter, many=True)
            if found is not None and isinstance(stmt.target, ast.Name):
                self._bind(stmt.target.id, stmt, *found, locked)
            self.block(stmt.body, locked)
            self.block(stmt.orelse, locked)
            return
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self.block(stmt.body, locked)
            for handler in stmt.handlers:
                self.block(handler.body, locked)
            self.block(stmt.orelse, locked)
            self.block(stmt.finalbody, locked)
            return
        if isinstance(stmt, ast.Return):
            if stmt.value is not None and self.depth:
                found = self._read(stmt.value)
                if found is None and isinstance(stmt.value, ast.Name) and stmt.value.id in self.rows:
                    row = self.rows[stmt.value.id]
                    found = (row.model, row.locked)
                if found is not None and self.returned is None:
                    self.returned = found
            if stmt.value is not None:
                self._calls(stmt.value)
            return
        if isinstance(stmt, ast.AugAssign):
            self._calls(stmt.value)
            target = stmt.target
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and \
                    target.value.id in self.rows and isinstance(stmt.op, (ast.Add, ast.Sub, ast.Mult, ast.Div,
                                                                            ast.FloorDiv, ast.Mod)):
                self._modify(target.value.id, target.attr, stmt, locked)
            return
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            self._calls(stmt.value)
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                self._assign(stmt, target, stmt.value, locked)
            return
        if isinstance(stmt, ast.Expr):
            self._calls(stmt.value)
            self._cursor_select(stmt, stmt.value, locked)
            return
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.expr):
                self._calls(child)

    def _assign(self, stmt, target, value, locked: bool) -> None:
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in self.rows:
            var, attr = target.value.id, target.attr
            if self._self_derived(value, var, attr):
                self._modify(var, attr, stmt, locked)
            return
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
            for element, part in zip(target.elts, value.elts):
                self._assign(stmt, element, part, locked)
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(stmt, target, value, locked)
            return
        if not isinstance(target, ast.Name):
            return
        name = target.id
        self.rows.pop(name, None)
        self.derived.pop(name, None)
        self.statements.pop(name, None)
        self.sql.pop(name, None)
        text = self._sql_text(value)
        if text is not None:
            self.sql[name] = text
            return
        selected = self._sql_read(value, stmt, locked)
        if selected is not None:
            row, column = selected
            if column is None:
                self.rows[name] = row
            else:
                self.derived[name] = (row.var, column)
            return
        found = self._read(value)
        if found is not None:
            self._bind(name, stmt, *found, locked)
            return
        builder = self._builder(value)
        if builder is not None:
            self.statements[name] = builder
            return
        column = self._sql_value(value)
        if column is not None:
            self.derived[name] = column
            return
        inherited = self._inherited(value)
        if inherited is not None:
            self.rows[name] = inherited
            return
        self.arithmetic.discard(name)
        arithmetic = any(isinstance(b, ast.BinOp) and isinstance(b.op, _ARITHMETIC) for b in ast.walk(value))
        for sub in ast.walk(value):
            found = self._field(sub)
            if found is None and isinstance(sub, ast.Name) and sub.id != name and sub.id in self.derived:
                found = self.derived[sub.id]  # ``new = balance - amount`` where ``balance = account.balance``
                arithmetic = arithmetic or sub.id in self.arithmetic
            if found is not None:
                self.derived[name] = found
                if arithmetic:
                    self.arithmetic.add(name)
                return

    def _field(self, node) -> tuple[str, str] | None:
        """``row.balance``, ``row["balance"]``, ``row[0]``, ``row.get("balance")`` on a row held in a local."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in self.rows:
            if node.attr in _ROW_METHODS and self.rows[node.value.id].table is not None:
                return None
            return node.value.id, node.attr
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in self.rows:
            row = self.rows[node.value.id]
            column = _column(row, node.slice)
            return (node.value.id, column) if column is not None else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and \
                isinstance(node.func.value, ast.Name) and node.func.value.id in self.rows and node.args:
            row = self.rows[node.func.value.id]
            if row.table is not None:
                column = _column(row, node.args[0])
                return (node.func.value.id, column) if column is not None else None
        return None

    def _unpack(self, stmt, target, value, locked: bool) -> None:
        """``(balance,) = cur.fetchone()``, ``balance, status = row``: columns by position."""
        for element in target.elts:
            if isinstance(element, ast.Name):
                self.rows.pop(element.id, None)
                self.derived.pop(element.id, None)
        node = value.value if isinstance(value, ast.Await) else value
        row = None
        selected = self._sql_read(value, stmt, locked, positional=True)
        if selected is not None:
            row = selected[0]
        elif isinstance(node, ast.Name) and node.id in self.rows:
            row = self.rows[node.id]
        else:
            inherited = self._inherited(value)
            if inherited is not None and inherited.table is not None:
                row = inherited
        if row is None or row.table is None:
            return
        self.rows.setdefault(row.var, row)
        for index, element in enumerate(target.elts):
            if isinstance(element, ast.Name):
                column = row.columns[index] if index < len(row.columns) and row.columns != ("*",) else "*"
                self.derived[element.id] = (row.var, column)

    def _bind(self, name: str, stmt, model: str | None, locked: bool, context_locked: bool) -> None:
        row = _Row(name, stmt, model, locked or context_locked or self.serialised)
        self.rows[name] = row
        self.all_rows.append(row)

    def _inherited(self, value) -> _Row | None:
        """``sender = wallets.get(uid)``, ``wallet = rows[0]``: the same rows under another name."""
        node = value
        if isinstance(node, ast.Await):
            node = node.value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("get", "pop", "first", "one", "one_or_none", "scalar", "scalar_one",
                                   "scalar_one_or_none", "scalars", "unique", "all", "fetchone"):
            node = node.func.value
        if isinstance(node, ast.Subscript):
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.rows:
            return self.rows[node.id]
        return None

    def _self_derived(self, value, var: str, attr: str) -> bool:
        """``obj.f - x``, ``max(0, obj.f - x)``, ``new`` where ``new = obj.f + x``: arithmetic on the old value.
        A toggle (``not obj.f``) or a normalisation (``obj.f.strip()``) is not a lost update worth a finding."""

        def same(found) -> bool:
            return found is not None and found[0] == var and (found[1] == attr or found[1] == "*")

        def mentions(node) -> bool:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute) and sub.attr == attr and isinstance(sub.value, ast.Name) and \
                        sub.value.id == var and isinstance(sub.ctx, ast.Load):
                    return True
                if isinstance(sub, (ast.Subscript, ast.Call)) and same(self._field(sub)):
                    return True
                if isinstance(sub, ast.Name) and same(self.derived.get(sub.id)):
                    return True  # ``balance = account.balance`` ... ``account.balance = balance - amount``
            return False

        if isinstance(value, ast.Name) and same(self.derived.get(value.id)) and value.id in self.arithmetic:
            return True
        for sub in ast.walk(value):
            if isinstance(sub, ast.BinOp) and isinstance(sub.op, _ARITHMETIC) and (mentions(sub.left)
                                                                                  or mentions(sub.right)):
                return True
            if isinstance(sub, ast.Name) and sub.id in self.arithmetic and same(self.derived.get(sub.id)):
                return True
        return False

    def _modify(self, var: str, attr: str, stmt, locked: bool) -> None:
        row = self.rows[var]
        if locked:
            row.locked = True
            return
        row.modifies.append((stmt, var, attr))

    def _write(self) -> None:
        for row in self.all_rows:
            if row.modifies:
                row.written = True

    def _calls(self, node) -> None:
        """Writes (``commit()``, ``save()``) and late locks (``db.refresh(obj, with_for_update=True)``)."""
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Call) or not isinstance(sub.func, ast.Attribute):
                continue
            method = sub.func.attr
            if method in ("commit", "flush", "save", "asave", "bulk_update"):
                self._write()
            elif method == "refresh" and any(k.arg == "with_for_update" for k in sub.keywords):
                for arg in sub.args[:1]:
                    if isinstance(arg, ast.Name) and arg.id in self.rows:
                        self.rows[arg.id].locked = True
            elif method in _SQL_RUN:
                self._sql_write(sub)
            elif method == "update" and sub.keywords:
                self._orm_update(sub)
            elif method == "values" and (sub.keywords or sub.args):
                self._core_update(sub)

    # -- writes that are statements of their own
    def _written_back(self, pairs, model: str | None = None, table: str | None = None) -> None:
        """``(column, expression)`` pairs written as absolute values: a lost update when the expression is
        computed in Python from an unlocked read of the same column."""
        statement = self.current
        if statement is None:
            return
        for column, values in pairs:
            for name, row in list(self.rows.items()):
                if table is not None:
                    if row.table != table or not (column in row.columns or "*" in row.columns):
                        continue
                elif model is not None:
                    if row.model is not None and row.model != model:
                        continue
                else:
                    continue
                if any(self._self_derived(value, name, column) for value in values):
                    row.written = True
                    if self.locked_here:
                        row.locked = True
                    elif not row.locked:
                        row.modifies.append((statement, name, column))

    def _sql_write(self, call: ast.Call) -> None:
        """``cursor.execute("UPDATE accounts SET balance = ? WHERE id = ?", (balance - amount, id))``."""
        text = self._sql_text(call.args[0]) if call.args else None
        if text is None:
            return
        if _SERIALISE.search(text):
            self.serialised = True
            return
        match = _UPDATE.match(text)
        if match is None:
            return
        table = _table(match.group("table"))
        where = match.group("where") or ""
        pairs = []
        for column, expression, start in _assignments(match.group("set"), match.start("set")):
            placeholder = _PLACEHOLDER.fullmatch(expression)
            if placeholder is None:
                continue  # ``balance = balance - ?`` is atomic; ``status = 'paid'`` is not derived
            if re.search(rf"\b{re.escape(column)}\b", where, re.I):
                continue  # compare-and-set: ``... WHERE id = ? AND balance = ?`` (the old value)
            pairs.append((column, _parameters(call, text, placeholder, start)))
        if pairs:
            self._written_back(pairs, table=table)

    def _orm_update(self, call: ast.Call) -> None:
        """``Event.objects.filter(pk=pk).update(seats_left=event.seats_left - qty)``: a value computed in Python."""
        model = self._orm(_root(call))
        if model is None:
            return
        pairs = []
        for item in call.keywords:
            if item.arg is None or self._uses_f(item.value):
                continue
            pairs.append((item.arg, [item.value]))
        if pairs:
            self._written_back(pairs, model=model)

    def _core_update(self, call: ast.Call) -> None:
        """``update(Account).where(...).values(balance=new_balance)`` with ``new_balance`` computed in Python."""
        node = call.func.value if isinstance(call.func, ast.Attribute) else None
        model = None
        while node is not None:
            if isinstance(node, ast.Call):
                callee = self.names.resolve(node.func) or ""
                if callee in _CORE_UPDATES and node.args:
                    model = self._orm(node.args[0])
                    break
                node = node.func
            elif isinstance(node, (ast.Attribute, ast.Subscript)):
                node = node.value
            else:
                node = None
        if model is None:
            return
        pairs = [(item.arg, [item.value]) for item in call.keywords if item.arg is not None]
        for argument in call.args:
            if isinstance(argument, ast.Dict):
                for key, value in zip(argument.keys, argument.values):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        pairs.append((key.value, [value]))
        if pairs:
            self._written_back(pairs, model=model)

    def _uses_f(self, node) -> bool:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and (self.names.resolve(sub.func) or "") in _F_EXPRESSIONS:
                return True
        return False

    # -- raw SQL reads
    def _sql_text(self, node) -> str | None:
        """The text of a SQL statement: a literal, ``text("...")``, or a local holding one."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
        elif isinstance(node, ast.Name):
            if node.id in self.sql:
                return self.sql[node.id]
            qualname = self.names.resolve(node)  # a module-level constant, here or imported
            variable = self.project.variables.get(self.project.names.canonical(qualname) or qualname) \
                if qualname else None
            value = getattr(getattr(variable, "value", None), "value", None)
            if not isinstance(value, str):
                return None
            text = value
        elif isinstance(node, ast.Call) and len(node.args) == 1 and \
                (self.names.resolve(node.func) or "").rsplit(".", 1)[-1] in ("text", "TextClause"):
            return self._sql_text(node.args[0])
        else:
            return None
        return text if re.match(r"\s*\(?\s*(?:select|update|begin|lock|set|with)\b", text, re.I) else None

    def _sql_read(self, value, stmt, locked: bool, positional: bool = False) -> tuple[_Row, str | None] | None:
        """A SELECT run in ``value``: the row it yields, and the column when ``value`` is one value already
        (``fetchval``, ``.scalar_one()``, ``.fetchone()[0]``, ``db.scalar(select(Account.balance))``)."""
        node = value.value if isinstance(value, ast.Await) else value
        key = None
        if isinstance(node, ast.Subscript) and not positional:
            key, node = node.slice, node.value
            node = node.value if isinstance(node, ast.Await) else node
        if not isinstance(node, ast.Call):
            return None
        scalar = False
        current = node
        while True:
            if isinstance(current, ast.Await):
                current = current.value
            if not isinstance(current, ast.Call) or not isinstance(current.func, ast.Attribute):
                return self._orm_select(node, stmt, locked, key)
            method = current.func.attr
            if method in _SCALARS:
                scalar = True
            if method in _SQL_RUN and current.args:
                text = self._sql_text(current.args[0])
                match = _SELECT.match(text) if text else None
                if match is None:
                    return self._orm_select(node, stmt, locked, key) if text is None else None
                row = _Row(f"<select:{stmt.lineno}:{current.col_offset}>", stmt, None,
                           locked or self.serialised or bool(_SQL_LOCK.search(text)),
                           table=_table(match.group("table")), columns=_columns(match.group("cols")))
                self.all_rows.append(row)
                self.rows[row.var] = row
                if key is not None:
                    column = _column(row, key)
                    return (row, column) if column is not None else None
                if scalar or method in ("fetchval", "fetch_val"):
                    return row, row.columns[0] if row.columns and row.columns != ("*",) else "*"
                return row, None
            current = current.func.value

    def _orm_select(self, node: ast.Call, stmt, locked: bool, key) -> tuple[_Row, str | None] | None:
        """``db.scalar(select(Account.balance).where(...))``: one column of a model, read without the object."""
        if key is not None:
            return None
        methods = set(_chain(node))
        if isinstance(node.func, ast.Attribute):
            methods.add(node.func.attr)
        if not methods & _SCALARS:
            return None
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and (self.names.resolve(sub.func) or "") in _SELECTS and len(sub.args) == 1:
                column = sub.args[0]
                if isinstance(column, ast.Attribute) and (model := self._orm(column.value)) is not None:
                    row = _Row(f"<select:{stmt.lineno}:{sub.col_offset}>", stmt, model,
                               locked or self.serialised or self._locks(node), columns=(column.attr,))
                    self.all_rows.append(row)
                    self.rows[row.var] = row
                    return row, column.attr
        return None

    def _sql_value(self, value) -> tuple[str, str] | None:
        """``result.scalar_one()`` / ``cursor.fetchone()[0]`` on a SELECT's result held in a local."""
        node = value.value if isinstance(value, ast.Await) else value
        key = None
        if isinstance(node, ast.Subscript):
            key, node = node.slice, node.value
            node = node.value if isinstance(node, ast.Await) else node
        if isinstance(node, ast.Name) and key is not None:
            row = self.rows.get(node.id)
            column = _column(row, key) if row is not None and row.table is not None else None
            return (node.id, column) if column is not None else None
        if key is None and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "get" and node.args:
            found = self._field(node)
            if found is not None:
                return found
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            return None
        receiver = node.func.value
        if not isinstance(receiver, ast.Name) or receiver.id not in self.rows:
            return None
        row = self.rows[receiver.id]
        if row.table is None and not (row.columns and row.model):
            return None
        first = row.columns[0] if row.columns and row.columns != ("*",) else "*"
        if key is not None:
            column = _column(row, key)
            return (receiver.id, column) if column is not None else None
        if node.func.attr in _SCALARS:
            return receiver.id, first
        return None

    def _cursor_select(self, stmt, value, locked: bool) -> None:
        """``cursor.execute("SELECT balance FROM accounts ...")``: the cursor now holds the row."""
        node = value.value if isinstance(value, ast.Await) else value
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SQL_RUN
                and isinstance(node.func.value, ast.Name)):
            return
        selected = self._sql_read(value, stmt, locked)
        if selected is not None and selected[1] is None:
            self.rows[node.func.value.id] = selected[0]

    # -- reads
    def _orm(self, node) -> str | None:
        name = self.names.resolve(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        name = self.project.names.canonical(name) if name else None
        return name if name and self.kinds.is_orm(name) else None

    def _locks(self, node) -> bool:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                if isinstance(sub.func, ast.Attribute) and sub.func.attr in _LOCKING:
                    return True
                if any(k.arg == "with_for_update" and not (isinstance(k.value, ast.Constant) and not k.value.value)
                       for k in sub.keywords):
                    return True
            if isinstance(sub, ast.Name) and sub.id in self.statements and self.statements[sub.id][1]:
                return True
        return False

    def _builder(self, value) -> tuple[str | None, bool] | None:
        """``select(W).where(...)`` / ``W.objects.select_for_update().filter(...)`` kept in a variable."""
        model = None
        for sub in ast.walk(value):
            if isinstance(sub, ast.Call):
                callee = self.names.resolve(sub.func) or ""
                if callee in _SELECTS and sub.args:
                    model = self._orm(sub.args[0]) or model
        text = unparse(value, 400)
        if model is None and ".objects" not in text:
            return None
        return model, self._locks(value)

    def _read(self, value, many: bool = False) -> tuple[str | None, bool] | None:
        """``(model, locked)`` when the expression fetches rows."""
        node = value.value if isinstance(value, ast.Await) else value
        if not isinstance(node, ast.Call):
            return None
        model = None
        fetch = False
        stored = None
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Call):
                if isinstance(sub, ast.Name) and sub.id in self.statements:
                    stored = self.statements[sub.id]
                continue
            func = sub.func
            callee = self.names.resolve(func) or ""
            canonical = self.project.names.canonical(callee) if callee else None
            if callee in _READ_CALLS and sub.args:
                first = sub.args[0]
                return self._orm(first) or self._orm(_root(first)), self._locks(sub)
            if callee in _SELECTS and sub.args:
                model = self._orm(sub.args[0]) or model
            if isinstance(func, ast.Attribute):
                if func.attr in _FETCHES:
                    fetch = True
                if func.attr in ("get", "get_one") and sub.args and self._orm(sub.args[0]):
                    return self._orm(sub.args[0]), self._locks(node)
                if func.attr == "query" and sub.args:
                    model = self._orm(sub.args[0]) or model
            if canonical and sub is node and self.depth == 0 and canonical in self.project.functions:
                found = self.helpers.read(canonical)
                if found is not None:
                    return found
        if stored is not None and fetch:
            return stored[0] or model, stored[1] or self._locks(node)
        chain = _chain(node)
        root_model = self._orm(_root(node))
        if root_model and (".objects" in unparse(node, 400) or "_default_manager" in unparse(node, 400)):
            if chain and (chain[0] in _FETCHES or many):
                return root_model, self._locks(node)
            return None
        if root_model and chain and chain[0] in ("get", "get_or_none", "first") and many is False:
            return root_model, self._locks(node)  # Tortoise: await Wallet.get(id=...)
        if model is not None and (fetch or many):
            return model, self._locks(node)
        return None


def _table(text: str) -> str:
    return text.strip("\"`[]").rsplit(".", 1)[-1].strip("\"`[]").lower()


def _split(text: str) -> list[tuple[str, int]]:
    """Top-level comma-separated parts of SQL text, with their offsets."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append((text[start:index], start))
            start = index + 1
    parts.append((text[start:], start))
    return parts


def _columns(text: str) -> tuple[str, ...]:
    """``balance, a.status AS s, COUNT(*)`` → ``("balance", "s", "count")``."""
    found = []
    for part, _ in _split(text):
        part = part.strip()
        if part == "*" or part.endswith(".*"):
            found.append("*")
            continue
        match = re.search(r"(\w+)[\"`\]]?\s*$", part)
        found.append(match.group(1).lower() if match else "")
    return tuple(found)


def _column(row: _Row, key) -> str | None:
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value.lower() if row.table is not None else key.value
    if isinstance(key, ast.Constant) and isinstance(key.value, int) and not isinstance(key.value, bool):
        index = key.value
        if row.columns and row.columns != ("*",) and -len(row.columns) <= index < len(row.columns):
            return row.columns[index]
        return "*"
    return None


def _assignments(text: str, offset: int) -> Iterator[tuple[str, str, int]]:
    """``SET balance = ?, updated_at = now()`` → ``(column, expression, offset of the expression)``."""
    for part, start in _split(text):
        column, equals, expression = part.partition("=")
        if not equals:
            continue
        name = _table(column.strip())
        lead = len(expression) - len(expression.lstrip())
        yield name, expression.strip(), offset + start + len(column) + 1 + lead


def _parameters(call: ast.Call, text: str, placeholder: "re.Match[str]", position: int) -> list[ast.AST]:
    """The expressions bound to one placeholder of ``call``'s SQL (all of them when that is not clear)."""
    values = list(call.args[1:]) + [k.value for k in call.keywords if k.arg in ("params", "parameters", "args",
                                                                                   "vars", "values")]
    number, name, pyformat = placeholder.group(1), placeholder.group(2), placeholder.group(3)
    name = name or pyformat
    if name:
        for value in values:
            if isinstance(value, ast.Dict):
                for key, item in zip(value.keys, value.values):
                    if isinstance(key, ast.Constant) and key.value == name:
                        return [item]
        for item in call.keywords:
            if item.arg == name:
                return [item.value]
        return values
    if number:
        index = int(number) - 1
    else:
        index = sum(1 for m in _PLACEHOLDER.finditer(text[:position]) if m.group(0) in ("?", "%s"))
    if len(values) == 1 and isinstance(values[0], (ast.Tuple, ast.List)):
        elements = values[0].elts
        return [elements[index]] if 0 <= index < len(elements) else values
    if len(values) > 1 and not any(isinstance(v, ast.Starred) for v in values):
        return [values[index]] if 0 <= index < len(values) else values  # asyncpg: execute(sql, a, b)
    return values


def _root(node) -> ast.AST:
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Await):
            node = node.value
        else:
            return node


def _chain(node) -> list[str]:
    names = []
    while True:
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                names.append(node.func.attr)
            node = node.func
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        else:
            return names

