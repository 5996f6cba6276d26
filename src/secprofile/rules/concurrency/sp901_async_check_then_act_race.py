from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Iterator

from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.source.location import Location
from secprofile.source.names import iter_module_level

_CONTAINER_CALLS = frozenset(
    {"builtins.dict", "builtins.set", "builtins.list", "collections.defaultdict", "collections.Counter",
     "collections.OrderedDict", "collections.deque", "typing.DefaultDict", "weakref.WeakValueDictionary",
     "weakref.WeakKeyDictionary", "cachetools.TTLCache", "cachetools.LRUCache"}
)
_LOCK_CALLS = frozenset(
    {"asyncio.Lock", "asyncio.Semaphore", "asyncio.BoundedSemaphore", "asyncio.Condition", "anyio.Lock",
     "anyio.Semaphore", "anyio.CapacityLimiter", "trio.Lock", "trio.Semaphore", "threading.Lock", "threading.RLock",
     "asyncio.locks.Lock", "asyncio.locks.Semaphore"}
)
_LOCK_TEXT = re.compile(r"lock|mutex|semaphore|(^|_|\.)sem($|_|\()", re.I)
_MUTATORS = frozenset(
    {"add", "append", "appendleft", "extend", "extendleft", "insert", "pop", "popitem", "popleft", "remove",
     "discard", "clear", "update", "setdefault", "__setitem__", "__delitem__", "rotate", "difference_update",
     "intersection_update", "symmetric_difference_update"}
)
_MAX_INLINE = 2
_COMPOUND = (ast.If, ast.While, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.Try, ast.Match)


@dataclass
class _Event:
    kind: str  # check, await, mutate, read
    node: ast.AST
    locks: frozenset[int]
    owner: str
    name: str | None = None
    stmt: ast.AST | None = None
    start: int = -1  # for a check through a local: where the state was read
    test: ast.AST | None = None  # for a check: the if/while statement
    from_await: bool = False  # for a mutation: stores a value produced by an await (a cache fill)
    set_item: bool = False
    value_names: frozenset[str] = frozenset()
    anchor: ast.AST | None = None  # the statement of the analysed function this happens in


@dataclass
class _Timeline:
    ctx: FileContext
    state: dict[str, str]  # name → kind (container, counter)
    functions: dict[str, ast.AST]
    lock_names: frozenset[str]
    events: list[_Event] = field(default_factory=list)
    derived: dict[str, tuple[str, int]] = field(default_factory=dict)  # local → (state name, read index)
    awaited: set[str] = field(default_factory=set)  # locals holding an await's result
    current: ast.AST | None = None  # the simple statement being evaluated
    anchor: ast.AST | None = None  # the analysed function's own statement (helpers are inlined under it)

    def __post_init__(self) -> None:
        self.events = _Events(self)

    # -- statements
    def block(self, body, locks: frozenset[int], owner: str, depth: int, scope: frozenset[str]) -> None:
        for stmt in body:
            self.statement(stmt, locks, owner, depth, scope)

    def statement(self, stmt, locks, owner, depth, scope) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        self.current = None if isinstance(stmt, _COMPOUND) else stmt
        if depth == 0:
            self.anchor = stmt
        if isinstance(stmt, (ast.If, ast.While)):
            self.expr(stmt.test, locks, owner, depth, scope)
            self._check(stmt, locks, owner, scope)
            self.block(stmt.body, locks, owner, depth, scope)
            self.block(stmt.orelse, locks, owner, depth, scope)
            return
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.expr(stmt.iter, locks, owner, depth, scope)
            if isinstance(stmt, ast.AsyncFor):
                self.events.append(_Event("await", stmt, locks, owner))
            self.block(stmt.body, locks, owner, depth, scope)
            self.block(stmt.orelse, locks, owner, depth, scope)
            return
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            inner = set(locks)
            for item in stmt.items:
                self.expr(item.context_expr, locks, owner, depth, scope)
                if self._is_lock(item.context_expr):
                    inner.add(id(stmt))
            if isinstance(stmt, ast.AsyncWith):
                self.events.append(_Event("await", stmt, locks, owner))
            self.block(stmt.body, frozenset(inner), owner, depth, scope)
            if isinstance(stmt, ast.AsyncWith):
                self.events.append(_Event("await", stmt, locks, owner))
            return
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self.block(stmt.body, locks, owner, depth, scope)
            for handler in stmt.handlers:
                self.block(handler.body, locks, owner, depth, scope)
            self.block(stmt.orelse, locks, owner, depth, scope)
            self.block(stmt.finalbody, locks, owner, depth, scope)
            return
        if isinstance(stmt, ast.Match):
            self.expr(stmt.subject, locks, owner, depth, scope)
            for case in stmt.cases:
                self.block(case.body, locks, owner, depth, scope)
            return
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if stmt.value is None:
                return
            self.expr(stmt.value, locks, owner, depth, scope)
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                self._store(stmt, target, stmt.value, locks, owner, scope, augmented=isinstance(stmt, ast.AugAssign))
            return
        if isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                name = _root_name(target)
                if isinstance(target, ast.Subscript) and name in scope:
                    self._mutate(stmt, name, None, locks, owner)
            return
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.expr):
                self.expr(child, locks, owner, depth, scope)

    def _store(self, stmt, target, value, locks, owner, scope, augmented: bool) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._store(stmt, element, value, locks, owner, scope, augmented)
            return
        name = _root_name(target)
        if isinstance(target, ast.Subscript) and name in scope:
            self._mutate(stmt, name, value, locks, owner, set_item=not augmented)
            return
        if isinstance(target, ast.Name):
            if target.id in scope and self.state.get(target.id) == "counter":
                self._mutate(stmt, target.id, value, locks, owner)
                return
            self.derived.pop(target.id, None)
            self.awaited.discard(target.id)
            read = _names(value) & scope
            if read:
                self.events.append(_Event("read", stmt, locks, owner, name=sorted(read)[0], stmt=stmt))
                self.derived[target.id] = (sorted(read)[0], len(self.events) - 1)
            elif _has_await(value) or _names(value) & self.awaited:
                self.awaited.add(target.id)

    def _mutate(self, stmt, name, value, locks, owner, set_item: bool = False) -> None:
        if isinstance(stmt, ast.expr) and self.current is not None:
            stmt = self.current
        from_await = value is not None and (_has_await(value) or bool(_names(value) & self.awaited))
        self.events.append(_Event("mutate", stmt, locks, owner, name=name, stmt=stmt, from_await=from_await,
                                  set_item=set_item, value_names=frozenset(_names(value)) if value is not None
                                  else frozenset()))

    def _check(self, stmt, locks, owner, scope) -> None:
        used = _names(stmt.test)
        for name in sorted(used & scope):
            self.events.append(_Event("check", stmt.test, locks, owner, name=name, stmt=stmt, test=stmt,
                                      start=len(self.events)))
        for local in sorted(used & set(self.derived)):
            name, index = self.derived[local]
            self.events.append(_Event("check", stmt.test, locks, owner, name=name, stmt=stmt, test=stmt, start=index))

    # -- expressions, in evaluation order
    def expr(self, node, locks, owner, depth, scope) -> None:
        if node is None or isinstance(node, (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
            if node is not None:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.comprehension):
                        self.expr(child.iter, locks, owner, depth, scope)
            return
        if isinstance(node, ast.Await):
            inner = node.value
            callee = self._inlinable(inner, depth)
            if callee is not None and isinstance(callee, ast.AsyncFunctionDef):
                self.expr(inner, locks, owner, depth, scope)  # the callee's own awaits stand for this one
                return
            self.expr(inner, locks, owner, depth, scope)
            self.events.append(_Event("await", node, locks, owner))
            return
        if isinstance(node, ast.Call):
            for child in [node.func, *node.args, *(k.value for k in node.keywords)]:
                self.expr(child, locks, owner, depth, scope)
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _MUTATORS:
                name = _root_name(func.value)
                if name in scope:
                    value = node.args[-1] if node.args else None
                    self._mutate(node, name, value, locks, owner, set_item=func.attr in ("setdefault", "update"))
            callee = self._inlinable(node, depth)
            if callee is not None:
                saved = (dict(self.derived), set(self.awaited), self.current)
                self.derived, self.awaited = {}, set()
                self.block(callee.body, locks, callee.name, depth + 1, self._scope(callee))
                self.derived, self.awaited, self.current = saved
            return
        for child in ast.iter_child_nodes(node):
            self.expr(child, locks, owner, depth, scope)

    def _inlinable(self, node, depth):
        if depth >= _MAX_INLINE or not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            return None
        return self.functions.get(node.func.id)

    def _scope(self, function) -> frozenset[str]:
        return state_scope(function, self.state)

    def _is_lock(self, expr) -> bool:
        target = expr.func if isinstance(expr, ast.Call) else expr
        if isinstance(target, ast.Name) and target.id in self.lock_names:
            return True
        resolved = self.ctx.resolve(target) or ""
        if resolved in _LOCK_CALLS:
            return True
        text = ast.unparse(expr)
        return bool(_LOCK_TEXT.search(text)) and "session" not in text.lower()


class _Events(list):
    """The timeline's events; each is stamped with the analysed function's statement on the way in."""

    def __init__(self, timeline: "_Timeline"):
        super().__init__()
        self._timeline = timeline

    def append(self, event: _Event) -> None:  # type: ignore[override]
        event.anchor = self._timeline.anchor
        super().append(event)


def _root_name(node) -> str | None:
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _names(node) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _has_await(node) -> bool:
    return node is not None and any(isinstance(n, ast.Await) for n in ast.walk(node))


def module_state(ctx: FileContext) -> tuple[dict[str, str], frozenset[str], dict[str, ast.AST]]:
    """Module-level mutable containers and counters, module-level locks, module-level functions."""
    state: dict[str, str] = {}
    locks: set[str] = set()
    functions: dict[str, ast.AST] = {}
    for stmt in iter_module_level(ctx.tree.body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[stmt.name] = stmt
            continue
        if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None:
            continue
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        value = stmt.value
        kind = None
        if isinstance(value, (ast.Dict, ast.Set, ast.List, ast.DictComp, ast.SetComp, ast.ListComp)):
            kind = "container"
        elif isinstance(value, ast.Call):
            callee = ctx.resolve(value.func) or ""
            if callee in _CONTAINER_CALLS:
                kind = "container"
            elif callee in _LOCK_CALLS:
                locks.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(value, ast.Constant) and type(value.value) in (int, float):
            kind = "counter"
        if kind:
            for target in targets:
                if isinstance(target, ast.Name) and target.id != "__all__":
                    state[target.id] = kind
    return state, frozenset(locks), functions


def state_scope(function, state: dict[str, str]) -> frozenset[str]:
    """The module-level state names a function sees: containers it does not shadow, counters it declares global."""
    declared: set[str] = set()
    local: set[str] = set()
    args = function.args
    local.update(a.arg for a in args.posonlyargs + args.args + args.kwonlyargs)
    if args.vararg:
        local.add(args.vararg.arg)
    if args.kwarg:
        local.add(args.kwarg.arg)
    stack = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Global):
            declared.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    scope = set()
    for name, kind in state.items():
        if name in declared:
            scope.add(name)
        elif kind == "container" and name not in local:
            scope.add(name)
    return frozenset(scope)


@rule(
    code="SP901",
    slug="async-check-then-act-race",
    title="Check-then-act on shared state across an await",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=362,
    control="concurrency",
    kind="node",
    node_types=(ast.AsyncFunctionDef,),
    hint="Hold an `asyncio.Lock` around the check and the update (`async with lock: ...`), or move the state "
    "into the database and use an atomic conditional update or a unique constraint.",
)
def async_check_then_act_race(node: ast.AsyncFunctionDef, ctx: FileContext) -> Iterator[Hit]:
    """
    ## What it does
    Flags an `async def` (a handler, or a helper it calls in the same module) that checks
    module-level mutable state (a dict, set, list or counter), then `await`s, then changes
    that state on the strength of the check, with no `asyncio.Lock` held around both: a
    coupon checked against a `used` set, then a network call, then `used.add(code)`; stock
    reserved in a dict; a rate-limit counter read before an await and written after it.
    The finding points at the update and names the check and the await.

    A cache filled with the awaited result (`if key not in cache: cache[key] = await load()`)
    is not reported: two fills store the same value.

    ## Why is this bad?
    An `await` hands control to the event loop. Every concurrent request that arrives while
    the first one waits passes the same check, so a single-use coupon is redeemed ten times,
    the last item in stock is sold twice and a rate limit lets a burst through (CWE-362).
    Module-level state is also per process: with several workers the check is wrong anyway.

    ## Example
    ```python
    import httpx
    from fastapi import APIRouter, HTTPException

    router = APIRouter()
    redeemed: set[str] = set()

    @router.post("/coupons/{code}/redeem")
    async def redeem(code: str):
        if code in redeemed:
            raise HTTPException(status_code=409, detail="already used")
        async with httpx.AsyncClient() as client:
            await client.post("https://billing.internal/credit", json={"code": code})
        redeemed.add(code)
        return {"ok": True}
    ```

    ## Use instead
    ```python
    import asyncio

    import httpx
    from fastapi import APIRouter, HTTPException

    router = APIRouter()
    redeemed: set[str] = set()
    redeem_lock = asyncio.Lock()

    @router.post("/coupons/{code}/redeem")
    async def redeem(code: str):
        async with redeem_lock:
            if code in redeemed:
                raise HTTPException(status_code=409, detail="already used")
            async with httpx.AsyncClient() as client:
                await client.post("https://billing.internal/credit", json={"code": code})
            redeemed.add(code)
        return {"ok": True}
    ```

    ## Known problems
    Only state defined in the same module is followed (not state imported from another
    module, nor attributes of a shared object), and helpers are followed two calls deep
    within the module. A lock held by every caller in the same module counts; a lock held
    by callers elsewhere does not.

    ## References
    - https://cwe.mitre.org/data/definitions/362.html
    - https://docs.python.org/3/library/asyncio-sync.html#asyncio.Lock
    - https://owasp.org/www-community/vulnerabilities/Race_Conditions
    """
    if not any(isinstance(n, (ast.Await, ast.AsyncWith, ast.AsyncFor)) for n in ast.walk(node)):
        return
    state, lock_names, functions = module_state(ctx)
    if not state:
        return
    scope = state_scope(node, state)
    if not scope:
        return
    timeline = _Timeline(ctx, state, functions, lock_names)
    timeline.block(node.body, frozenset(), node.name, 0, scope)
    events = timeline.events
    reported: set[int] = set()
    for index, check in enumerate(events):
        if check.kind not in ("check", "read"):
            continue
        mutation = next((j for j in range(index + 1, len(events))
                         if events[j].kind == "mutate" and events[j].name == check.name), None)
        if mutation is None or id(events[mutation].node) in reported:
            continue
        act = events[mutation]
        if check.kind == "read" and not _uses_read(events, index, act):
            continue
        start = check.start if check.kind == "check" and check.start >= 0 else index
        waits = [e for e in events[start + 1:mutation] if e.kind == "await"]
        if not waits:
            continue
        if check.locks & act.locks:
            continue  # one lock held around both
        if check.owner == act.owner and check.owner != node.name:
            continue  # entirely inside a helper: reported where the helper is analysed
        if act.set_item and act.from_await:
            continue  # a cache filled with the awaited value
        if check.test is not None and _returns_state(check.test, check.name, timeline):
            continue  # ``if key in cache: return cache[key]``
        if check.test is not None and not _gates(check.test, act):
            continue  # the update happens whatever the check said
        if _callers_hold_lock(node, ctx, timeline):
            return
        reported.add(id(act.node))
        wait = waits[0]
        check_line = _line(events[start] if check.kind == "read" else check, node.name)
        verb = "read" if check.kind == "read" else "checked"
        inlined = act.owner != node.name
        where = f" (in {act.owner})" if inlined else ""
        place = act.anchor if inlined and act.anchor is not None else act.stmt or act.node
        yield Hit(
            Location.of(ctx.relpath, place),
            f"`{check.name}` is {verb} at line {check_line}, then awaited at line {_line(wait, node.name)}, then "
            f"changed here{where}: concurrent requests can all pass the check (no asyncio.Lock around both)",
            confidence=Confidence.MEDIUM if act.owner != node.name or check.owner != node.name else None,
            symbol=f"{ctx.module}.{node.name}",
        )


def _line(event: _Event, root: str) -> int:
    """Where an event shows in the analysed function: its own line, or the call that led to it."""
    if event.anchor is not None and event.owner != root:
        return event.anchor.lineno
    return getattr(event.node, "lineno", 0)


def _uses_read(events: list[_Event], index: int, act: _Event) -> bool:
    """A lost update: a local read from the state before the await is written back after it."""
    stmt = events[index].stmt
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
    return any(isinstance(t, ast.Name) and t.id in act.value_names for t in targets)


_EXITS = (ast.Raise, ast.Return, ast.Continue, ast.Break)


def _gates(test: ast.AST, act: _Event) -> bool:
    """The check decides whether the update runs: the update is inside the ``if``, or a branch exits."""
    branches = list(getattr(test, "body", [])) + list(getattr(test, "orelse", []))
    inside = {id(n) for stmt in branches for n in ast.walk(stmt)}
    if any(id(n) in inside for n in (act.node, act.stmt, act.anchor) if n is not None):
        return True
    return any(isinstance(stmt, _EXITS) for stmt in branches)


def _returns_state(test_stmt: ast.AST, name: str | None, timeline: _Timeline) -> bool:
    body = getattr(test_stmt, "body", [])
    related = {name} | {local for local, (source, _) in timeline.derived.items() if source == name}
    for stmt in body:
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Return) and sub.value is not None and _names(sub.value) & related:
                return True
    return False


def _callers_hold_lock(function: ast.AsyncFunctionDef, ctx: FileContext, timeline: _Timeline) -> bool:
    """Every call of this helper in the module is made with a lock held."""
    calls: list[bool] = []

    def visit(node: ast.AST, locked: bool) -> None:
        if isinstance(node, (ast.With, ast.AsyncWith)):
            inner = locked or any(timeline._is_lock(item.context_expr) for item in node.items)
            for item in node.items:
                visit(item.context_expr, locked)
            for stmt in node.body:
                visit(stmt, inner)
            return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function.name:
            calls.append(locked)
        for child in ast.iter_child_nodes(node):
            visit(child, locked)

    try:
        visit(ctx.tree, False)
    except RecursionError:
        return False
    return bool(calls) and all(calls)
