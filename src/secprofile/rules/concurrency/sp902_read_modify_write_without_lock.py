from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.validation._common import FUNCTIONS, functions, models, names_of, source_mentions, unparse
from secprofile.source.location import Location

_WRITES = frozenset({"commit", "flush", "save", "asave", "begin", "begin_nested"})
_FETCHES = frozenset({"get", "first", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none", "scalars",
                      "last", "latest", "earliest", "aget", "afirst", "alast", "get_or_none", "exec", "execute",
                      "all", "fetch", "get_one", "unique"})
_READ_CALLS = frozenset({"django.shortcuts.get_object_or_404", "django.shortcuts.aget_object_or_404",
                         "django.shortcuts.get_list_or_404"})
_SELECTS = frozenset({"sqlalchemy.select", "sqlalchemy.future.select", "sqlalchemy.sql.select",
                      "sqlalchemy.sql.expression.select", "sqlmodel.select"})
_LOCKING = frozenset({"with_for_update", "select_for_update", "with_lockmode"})
# An attribute updated with arithmetic somewhere in the file: ``x.f -= 1`` or ``... = x.f - 1``.
_ARITHMETIC_TEXT = re.compile(rb"\w\.\w+\s*(?:[-+*/%]|//)=|=[^=\n]*\w\.\w+\s*[-+*/%]")
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_LOCK_TEXT = re.compile(r"lock|mutex|semaphore", re.I)
_MONEY = re.compile(r"balance|credit|fund|amount|point|stock|inventory|quantity|qty|seat|ticket|remaining|available|"
                    r"coin|token|quota|allowance|money|cash|price|total|deposit|withdraw|limit|capacity|reserved|"
                    r"sold|spent|debt|owed|bonus|reward|voucher|coupon|uses|redeem", re.I)
_COSMETIC = re.compile(r"view|hit|visit|click|impression|download|read_count|open|like|star|vote|share", re.I)


@dataclass
class _Row:
    """Objects read from the database by one statement."""

    var: str
    stmt: ast.AST
    model: str | None
    locked: bool
    modifies: list[tuple[ast.stmt, str, str]] = field(default_factory=list)  # (statement, variable, field)
    written: bool = False


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
      `obj.save()`, without `select_for_update()` and without `F()` expressions.

    Reads through a helper in another module (`wallet = crud.get_wallet(db, user_id)`) are
    followed. Money-like fields (balance, credits, stock, quantity ...) are high severity.
    Setting a field to a value not derived from itself (`order.status = "paid"`) is not
    reported, nor is a model with SQLAlchemy optimistic locking (`version_id_col`), nor an
    update made while holding a lock.

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
    parameter) are not followed, nor is a commit done by the caller. A database running at
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
    for function in project.functions.values():
        if not function.method_calls & _WRITES:
            continue
        if not (function.method_calls & (_FETCHES | {"query"}) or function.calls & _READ_CALLS
                or any(project.function(call) is not None for call in function.calls)):
            continue
        if not source_mentions(project, function.location.path, _ARITHMETIC_TEXT):
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
            model = f" ({row.model.rsplit('.', 1)[-1]})" if row.model else ""
            yield Hit(
                Location.of(function.location.path, stmt),
                f"`{var}.{name}`{model} is read at line {row.stmt.lineno}, changed from its own value and saved "
                f"without a row lock or an atomic update: concurrent requests lose each other's change",
                severity=severity,
                confidence=None if row.model else Confidence.MEDIUM,
                symbol=function.qualname,
            )


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
        if function is not None and (function.method_calls & (_FETCHES | {"query"}) or function.calls & _READ_CALLS):
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

    def finished(self) -> list[_Row]:
        return self.all_rows

    # -- statements
    def block(self, body, locked: bool) -> None:
        for stmt in body:
            self.statement(stmt, locked)

    def statement(self, stmt, locked: bool) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
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
        if not isinstance(target, ast.Name):
            return
        name = target.id
        self.rows.pop(name, None)
        self.derived.pop(name, None)
        self.statements.pop(name, None)
        found = self._read(value)
        if found is not None:
            self._bind(name, stmt, *found, locked)
            return
        builder = self._builder(value)
        if builder is not None:
            self.statements[name] = builder
            return
        inherited = self._inherited(value)
        if inherited is not None:
            self.rows[name] = inherited
            return
        self.arithmetic.discard(name)
        for var, row in self.rows.items():
            for sub in ast.walk(value):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == var:
                    self.derived[name] = (var, sub.attr)
                    if any(isinstance(b, ast.BinOp) and isinstance(b.op, _ARITHMETIC) for b in ast.walk(value)):
                        self.arithmetic.add(name)
                    return

    def _bind(self, name: str, stmt, model: str | None, locked: bool, context_locked: bool) -> None:
        row = _Row(name, stmt, model, locked or context_locked)
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

        def mentions(node) -> bool:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute) and sub.attr == attr and isinstance(sub.value, ast.Name) and \
                        sub.value.id == var and isinstance(sub.ctx, ast.Load):
                    return True
                if isinstance(sub, ast.Name) and self.derived.get(sub.id) == (var, attr) and \
                        sub.id in self.arithmetic:
                    return True
            return False

        if isinstance(value, ast.Name) and self.derived.get(value.id) == (var, attr) and value.id in self.arithmetic:
            return True
        for sub in ast.walk(value):
            if isinstance(sub, ast.BinOp) and isinstance(sub.op, _ARITHMETIC) and (mentions(sub.left)
                                                                                  or mentions(sub.right)):
                return True
            if isinstance(sub, ast.Name) and sub.id in self.arithmetic and self.derived.get(sub.id) == (var, attr):
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

