"""Framework-neutral facts about one module: its functions, classes and variables.

These summaries are what the link step and the rules use to reason across
modules without re-parsing: a dependency's parameters, which calls a function
makes, which HTTP statuses it raises, whether it reads cookies or the session.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator

from secprofile.model.values import SCHEME_KEY, Evaluator, Literal, Value, environ_scheme
from secprofile.source.location import Location
from secprofile.source.names import ModuleNames, iter_module_level

# FastAPI parameter markers, by the name they resolve to.
_MARKER_PREFIXES = ("fastapi.", "fastapi.params.", "fastapi.param_functions.")
MARKERS = frozenset({"Depends", "Security", "Query", "Path", "Body", "Header", "Cookie", "Form", "File"})
_REQUEST_READS = frozenset({"cookies", "session", "headers", "query_params", "path_params", "META", "COOKIES"})
_STATUS_NAME = re.compile(r"HTTP_(\d{3})")


@dataclass(frozen=True)
class Param:
    """A function parameter; for FastAPI handlers, ``marker`` says where its value comes from."""

    name: str
    annotation: str | None = None  # qualified name of the (Annotated-unwrapped) type
    annotation_text: str = ""
    marker: str | None = None  # Depends, Security, Query, Path, Body, Header, Cookie, Form, File
    dependency: str | None = None  # what Depends()/Security() calls, qualified
    has_default: bool = False
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FunctionFacts:
    qualname: str
    name: str
    location: Location  # the def statement, whole body
    header: Location  # first decorator through the ``def`` line: where route findings point
    is_async: bool
    params: tuple[Param, ...]
    decorators: tuple[str, ...]  # qualified names of decorators (call decorators by their callee)
    calls: frozenset[str]  # qualified names of resolvable calls in the body
    method_calls: frozenset[str]  # attribute names called on anything: .commit, .filter ...
    raised_statuses: frozenset[int]  # HTTP statuses constructed in the body
    reads: frozenset[str]  # request attributes read: cookies, session, headers ...
    class_name: str | None = None


@dataclass(frozen=True)
class ClassFacts:
    qualname: str
    name: str
    location: Location
    bases: tuple[str, ...]  # qualified names where resolvable, else the dotted text
    decorators: tuple[str, ...]
    attributes: tuple[tuple[str, Value], ...]  # class-level assignments, in order
    annotations: tuple[tuple[str, str], ...]  # annotated fields: (name, annotation text)
    methods: tuple[str, ...]

    def attribute(self, name: str) -> Value | None:
        for key, value in reversed(self.attributes):
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class VariableFacts:
    """A module-level assignment ``name = <expr>``."""

    qualname: str
    location: Location
    value: Value
    call: str | None = None  # what the right-hand side calls, when it is a call
    marker: str | None = None  # for ``X = Annotated[T, Depends(dep)]`` aliases
    dependency: str | None = None


@dataclass(frozen=True)
class ModuleFacts:
    functions: tuple[FunctionFacts, ...]
    classes: tuple[ClassFacts, ...]
    variables: tuple[VariableFacts, ...]


def marker_of(call: ast.AST, names: ModuleNames) -> tuple[str, str | None, tuple[str, ...]] | None:
    """``(marker, dependency, scopes)`` when ``call`` is ``Depends(...)``, ``Query(...)`` and the like."""
    if not isinstance(call, ast.Call):
        return None
    qualname = names.resolve(call.func) or ""
    marker = qualname.rsplit(".", 1)[-1]
    if marker not in MARKERS or not qualname.startswith(_MARKER_PREFIXES):
        return None
    dependency = None
    scopes: tuple[str, ...] = ()
    if marker in ("Depends", "Security"):
        target = call.args[0] if call.args else None
        for keyword in call.keywords:
            if keyword.arg == "dependency":
                target = keyword.value
            elif keyword.arg == "scopes" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                scopes = tuple(
                    e.value for e in keyword.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )
        dependency = dependency_target(target, names)
    return marker, dependency, scopes


def dependency_target(node: ast.AST | None, names: ModuleNames) -> str | None:
    """What a dependency expression names: a function, a class, or a factory's result."""
    if node is None:
        return None
    if isinstance(node, ast.Call):
        # Depends(RoleChecker(["admin"])) or Depends(fastapi_users.current_user(active=True))
        callee = names.resolve(node.func)
        return f"{callee}()" if callee else None
    return names.resolve(node)


def _unwrap_annotated(annotation: ast.AST | None, names: ModuleNames) -> tuple[ast.AST | None, list[ast.AST]]:
    if isinstance(annotation, ast.Subscript) and (names.resolve(annotation.value) or "").endswith("Annotated"):
        elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        return (elements[0] if elements else None), list(elements[1:])
    return annotation, []


def _type_name(annotation: ast.AST | None, names: ModuleNames) -> str | None:
    if annotation is None:
        return None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Subscript):  # Optional[User], list[Item]
        inner = annotation.slice
        if isinstance(inner, ast.Tuple) and inner.elts:
            inner = inner.elts[0]
        return _type_name(inner, names)
    if isinstance(annotation, ast.BinOp):  # User | None
        return _type_name(annotation.left, names)
    return names.resolve(annotation)


def params_of(node: ast.FunctionDef | ast.AsyncFunctionDef, names: ModuleNames) -> tuple[Param, ...]:
    arguments = node.args
    positional = arguments.posonlyargs + arguments.args
    defaults: list[ast.AST | None] = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    pairs = list(zip(positional, defaults)) + list(zip(arguments.kwonlyargs, arguments.kw_defaults))
    params = []
    for arg, default in pairs:
        core, extras = _unwrap_annotated(arg.annotation, names)
        marker = None
        found = marker_of(default, names) if default is not None else None
        for extra in extras:
            found = found or marker_of(extra, names)
        dependency = None
        scopes: tuple[str, ...] = ()
        if found:
            marker, dependency, scopes = found
            if marker in ("Depends", "Security") and dependency is None:
                dependency = _type_name(core, names)  # Depends() with the class as the annotation
        params.append(
            Param(
                name=arg.arg,
                annotation=_type_name(core, names),
                annotation_text=_unparse(arg.annotation),
                marker=marker,
                dependency=dependency,
                has_default=default is not None,
                scopes=scopes,
            )
        )
    return tuple(params)


def _status_of(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    text = _unparse(node)
    match = _STATUS_NAME.search(text)
    return int(match.group(1)) if match else None


_AUTH_ERRORS = {"PermissionDenied": 403, "NotAuthenticated": 401, "AuthenticationFailed": 401}
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_STATEMENTS = (ast.stmt, ast.excepthandler, ast.match_case)
BodyFacts = tuple  # (calls, method_calls, raised_statuses, reads), each a frozenset


def index_module(tree: ast.Module, names: ModuleNames) -> tuple[dict[int, BodyFacts], frozenset[str]]:
    """One pass over a module: each function's body facts (keyed by ``id(node)``, a side
    table), and every module imported anywhere in it.

    A function's facts include those of functions nested in it, as a walk of its
    subtree would, but every node is visited once.
    """
    facts: dict[int, tuple[set, set, set, set]] = {}
    parent_of: dict[int, int | None] = {}
    order: list[int] = []
    imports: set[str] = set()
    stack: list[tuple[ast.AST, int | None]] = [(tree, None)]
    resolve = names.resolve
    while stack:
        node, owner = stack.pop()
        kind = type(node)
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            key = id(node)
            facts[key] = (set(), set(), set(), set())
            parent_of[key] = owner
            order.append(key)
            owner = key
        elif owner is not None:
            if kind is ast.Call:
                calls, methods, statuses, _ = facts[owner]
                func = node.func
                qualname = resolve(func)
                if qualname:
                    calls.add(qualname)
                attr = func.attr if type(func) is ast.Attribute else ""
                if attr:
                    methods.add(attr)
                tail = (qualname or attr).rsplit(".", 1)[-1]
                if tail.endswith(("Exception", "Response", "Error")) or tail == "abort":
                    _collect_statuses(node, tail, statuses)
                if tail in _AUTH_ERRORS:
                    statuses.add(_AUTH_ERRORS[tail])
            elif kind is ast.Attribute:
                if node.attr in _REQUEST_READS:
                    facts[owner][3].add(node.attr.lower())
            elif kind is ast.Name:
                if node.id in _AUTH_ERRORS:
                    facts[owner][2].add(_AUTH_ERRORS[node.id])
        if kind is ast.Import:
            imports.update(alias.name for alias in node.names)
        elif kind is ast.ImportFrom and node.module and not node.level:
            imports.add(node.module)
        # Outside functions only statements matter (imports, defs, the blocks holding them);
        # class attributes and module-level expressions are most of a models module.
        wanted = ast.AST if owner is not None else _STATEMENTS
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, wanted):
                        stack.append((item, owner))
            elif isinstance(value, wanted):
                stack.append((value, owner))
    for key in reversed(order):  # children were opened after their parents
        parent = parent_of[key]
        if parent is not None:
            for mine, theirs in zip(facts[parent], facts[key]):
                mine |= theirs
    frozen = {key: tuple(frozenset(part) for part in value) for key, value in facts.items()}
    return frozen, frozenset(imports)


def _collect_statuses(call: ast.Call, tail: str, statuses: set) -> None:
    for keyword in call.keywords:
        if keyword.arg in ("status_code", "status"):
            status = _status_of(keyword.value)
            if status:
                statuses.add(status)
    if call.args and tail.endswith("Exception"):
        status = _status_of(call.args[0])
        if status:
            statuses.add(status)


def _decorator_names(node, names: ModuleNames) -> tuple[str, ...]:
    result = []
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        result.append(names.resolve(target) or _unparse(target))
    return tuple(result)


def function_facts(
    node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, path: str, names: ModuleNames,
    body: BodyFacts, class_name: str | None = None,
) -> FunctionFacts:
    first = node.decorator_list[0] if node.decorator_list else node
    header_end = node.body[0].lineno - 1 if node.body else node.lineno
    header = Location(path, first.lineno, node.col_offset + 1, max(node.lineno, header_end))
    calls, methods, statuses, reads = body
    return FunctionFacts(
        qualname=qualname,
        name=node.name,
        location=Location.of(path, node),
        header=header,
        is_async=isinstance(node, ast.AsyncFunctionDef),
        params=params_of(node, names),
        decorators=_decorator_names(node, names),
        calls=calls,
        method_calls=methods,
        raised_statuses=statuses,
        reads=reads,
        class_name=class_name,
    )


def iter_functions(
    body: list[ast.stmt], prefix: str
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef, str | None]]:
    """Every function and method with its qualified name (nested ones under ``<locals>``)."""
    for stmt in body:
        for node in _defs_in(stmt):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = f"{prefix}.{node.name}"
                yield qualname, node, None
                yield from iter_functions(node.body, f"{qualname}.<locals>")
            elif isinstance(node, ast.ClassDef):
                class_qualname = f"{prefix}.{node.name}"
                for method in node.body:
                    if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        yield f"{class_qualname}.{method.name}", method, class_qualname
                        yield from iter_functions(method.body, f"{class_qualname}.{method.name}.<locals>")


def _defs_in(stmt: ast.stmt) -> Iterator[ast.stmt]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield stmt
    elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.While)):
        for block in ("body", "orelse", "finalbody"):
            for inner in getattr(stmt, block, []):
                yield from _defs_in(inner)
        for handler in getattr(stmt, "handlers", []):
            for inner in handler.body:
                yield from _defs_in(inner)


def iter_classes(body: list[ast.stmt], prefix: str) -> Iterator[tuple[str, ast.ClassDef]]:
    for stmt in body:
        for node in _defs_in(stmt):
            if isinstance(node, ast.ClassDef):
                qualname = f"{prefix}.{node.name}"
                yield qualname, node
                yield from iter_classes(node.body, qualname)


def class_facts(node: ast.ClassDef, qualname: str, path: str, names: ModuleNames, evaluate: Evaluator) -> ClassFacts:
    attributes: list[tuple[str, Value]] = []
    annotations: list[tuple[str, str]] = []
    for stmt in node.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    attributes.append((target.id, _class_value(stmt.value, names, evaluate)))
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            annotations.append((stmt.target.id, _unparse(stmt.annotation)))
            if stmt.value is not None:
                attributes.append((stmt.target.id, _class_value(stmt.value, names, evaluate)))
    return ClassFacts(
        qualname=qualname,
        name=node.name,
        location=Location.of(path, node),
        bases=tuple(names.resolve(base) or _unparse(base) for base in node.bases),
        decorators=_decorator_names(node, names),
        attributes=tuple(attributes),
        annotations=tuple(annotations),
        methods=tuple(
            stmt.name for stmt in node.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
        ),
    )


def _class_value(node: ast.AST, names: ModuleNames, evaluate: Evaluator) -> Value:
    """Class attributes keep references resolved: ``[IsAuthenticated]`` → qualified names."""
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts and all(
        isinstance(e, (ast.Name, ast.Attribute)) for e in node.elts
    ):
        resolved = [names.resolve(e) or _unparse(e) for e in node.elts]
        return Literal(tuple(resolved) if isinstance(node, ast.Tuple) else resolved, _unparse(node))
    if isinstance(node, (ast.Name, ast.Attribute)):
        resolved = names.resolve(node)
        if resolved and not resolved.startswith("builtins."):
            return Literal(_Reference(resolved), _unparse(node))
    return evaluate(node)


class _Reference(str):
    """A class attribute that names something (a model, a permission class), qualified."""


def module_facts(tree: ast.Module, module: str, path: str, names: ModuleNames,
                 bodies: dict[int, BodyFacts]) -> ModuleFacts:
    """``bodies`` is the first result of :func:`index_module` for the same tree."""
    evaluate = Evaluator(names, module_literal_lookup(tree, names))
    functions = tuple(
        function_facts(node, qualname, path, names, bodies[id(node)], class_name)
        for qualname, node, class_name in iter_functions(tree.body, module)
    )
    classes = tuple(
        class_facts(node, qualname, path, names, evaluate) for qualname, node in iter_classes(tree.body, module)
    )
    variables = []
    for stmt in iter_module_level(tree.body):
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    variables.append(_variable(stmt, target.id, module, path, names, evaluate))
    return ModuleFacts(functions=functions, classes=classes, variables=tuple(variables))


def _variable(stmt, name, module, path, names, evaluate) -> VariableFacts:
    value_node = stmt.value
    marker = dependency = None
    core, extras = _unwrap_annotated(value_node, names)
    for extra in extras:
        found = marker_of(extra, names)
        if found:
            marker, dependency, _ = found
            if dependency is None:
                dependency = _type_name(core, names)
    call = names.resolve(value_node.func) if isinstance(value_node, ast.Call) else None
    return VariableFacts(
        qualname=f"{module}.{name}",
        location=Location.of(path, stmt),
        value=evaluate(value_node),
        call=call,
        marker=marker,
        dependency=dependency,
    )


def module_literal_lookup(tree: ast.Module, names: ModuleNames):
    """A lookup of module-level names for :class:`Evaluator`: constants and ``env = environ.Env()``."""
    assigned: dict[str, ast.AST] = {}
    counts: dict[str, int] = {}
    for stmt in iter_module_level(tree.body):
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    assigned[target.id] = stmt.value
                    counts[target.id] = counts.get(target.id, 0) + 1
    names_cache: dict[str, Value | None] = {}

    def lookup(name: str) -> Value | None:
        if name.startswith("__call__:"):
            node = assigned.get(name.split(":", 1)[1])
            if isinstance(node, ast.Call):
                return Literal(names.resolve(node.func) or "")
            return None
        if name.startswith(SCHEME_KEY):  # env = environ.Env(DEBUG=(bool, False))
            node = assigned.get(name[len(SCHEME_KEY):])
            return environ_scheme(node, names) if isinstance(node, ast.Call) else None
        if counts.get(name) != 1 or name in names_cache:
            return names_cache.get(name)
        names_cache[name] = None  # guards against self-reference
        node = assigned[name]
        if isinstance(node, (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set)):
            names_cache[name] = Evaluator(ModuleNames(""), lookup)(node)
        return names_cache[name]

    return lookup


def _unparse(node: ast.AST | None) -> str:
    if node is None:
        return ""
    try:
        return ast.unparse(node)
    except Exception:  # never let an odd node break extraction
        return ""
