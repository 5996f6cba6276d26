"""FastAPI/Starlette facts declared in one module, before any linking.

Everything here is a pure function of one module's AST and binding table.
Symbols are qualified names: ``app.routers.users.router`` for a module-level
router, ``app.main.create_app.<locals>.app`` for one built in a factory.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterator

from secprofile.model.module import dependency_target, marker_of, module_literal_lookup
from secprofile.model.values import Evaluator, Literal, Unknown, Value
from secprofile.source.location import Location
from secprofile.source.names import ModuleNames

APP_CLASSES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"})
ROUTER_CLASSES = frozenset({"fastapi.APIRouter", "fastapi.routing.APIRouter", "starlette.routing.Router"})
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "options", "head", "trace")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_COMPOUND = (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)


def option_of(options: tuple[tuple[str, Value], ...], name: str) -> Value | None:
    """The value of keyword ``name`` among a call's evaluated keyword arguments."""
    for key, value in options:
        if key == name:
            return value
    return None


@dataclass(frozen=True)
class AppDecl:
    """``FastAPI(...)`` (kind ``app``) or ``APIRouter(...)`` (kind ``router``)."""

    symbol: str
    kind: str
    location: Location
    options: tuple[tuple[str, Value], ...] = ()
    prefix: str = ""
    dependencies: tuple[str | None, ...] = ()

    def option(self, name: str) -> Value | None:
        return option_of(self.options, name)


@dataclass(frozen=True)
class RouteDecl:
    owner: str
    methods: tuple[str, ...]
    path: str | None
    handler: str
    location: Location
    dependencies: tuple[str | None, ...] = ()
    kind: str = "http"  # or "websocket"
    response_model: str | None = None
    options: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True)
class IncludeDecl:
    parent: str
    child: str
    location: Location
    prefix: str = ""
    dependencies: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class MountDecl:
    parent: str
    path: str
    child: str | None
    location: Location


@dataclass(frozen=True)
class MiddlewareDecl:
    owner: str
    middleware: str  # qualified class name, or the function for @app.middleware("http")
    location: Location
    options: tuple[tuple[str, Value], ...] = ()
    is_function: bool = False

    def option(self, name: str) -> Value | None:
        return option_of(self.options, name)


@dataclass(frozen=True)
class FastAPIFacts:
    apps: tuple[AppDecl, ...] = ()
    routes: tuple[RouteDecl, ...] = ()
    includes: tuple[IncludeDecl, ...] = ()
    mounts: tuple[MountDecl, ...] = ()
    middleware: tuple[MiddlewareDecl, ...] = ()
    exception_handlers: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.apps or self.routes or self.includes or self.middleware)


@dataclass
class _Collected:
    apps: list[AppDecl] = field(default_factory=list)
    routes: list[RouteDecl] = field(default_factory=list)
    includes: list[IncludeDecl] = field(default_factory=list)
    mounts: list[MountDecl] = field(default_factory=list)
    middleware: list[MiddlewareDecl] = field(default_factory=list)
    exception_handlers: list[str] = field(default_factory=list)


class _Extractor:
    def __init__(self, tree: ast.Module, module: str, path: str, names: ModuleNames):
        self.module = module
        self.path = path
        self.names = names
        self.evaluate = Evaluator(names, module_literal_lookup(tree, names))
        self.out = _Collected()

    # -- scopes: a factory's local ``app = FastAPI()`` gets a symbol of its own
    def run(self, tree: ast.Module) -> FastAPIFacts:
        self._block(tree.body, self.module, {})
        out = self.out
        return FastAPIFacts(
            apps=tuple(out.apps),
            routes=tuple(out.routes),
            includes=tuple(out.includes),
            mounts=tuple(out.mounts),
            middleware=tuple(out.middleware),
            exception_handlers=tuple(out.exception_handlers),
        )

    def _symbol(self, node: ast.AST, local: dict[str, str]) -> str | None:
        if isinstance(node, ast.Name) and node.id in local:
            return local[node.id]
        if isinstance(node, ast.Attribute):
            base = self._symbol(node.value, local)
            return f"{base}.{node.attr}" if base else None
        return self.names.resolve(node)

    def _block(self, body: list[ast.stmt], scope: str, local: dict[str, str]) -> None:
        for stmt in body:
            self._statement(stmt, scope, local)

    def _statement(self, stmt: ast.stmt, scope: str, local: dict[str, str]) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qualname = f"{scope}.{stmt.name}"
            self._decorated_function(stmt, qualname, local)
            # A factory's locals shadow nothing outside; copy so siblings stay independent.
            self._block(stmt.body, f"{qualname}.<locals>", dict(local))
            return
        if isinstance(stmt, ast.ClassDef):
            return
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    self._assignment(target.id, stmt.value, scope, local, stmt)
        if not isinstance(stmt, _COMPOUND):
            self._calls_in(stmt, local)
            return
        for block in ("body", "orelse", "finalbody"):
            self._block(getattr(stmt, block, []), scope, local)
        for handler in getattr(stmt, "handlers", []):
            self._block(handler.body, scope, local)

    def _calls_in(self, node: ast.AST, local: dict[str, str]) -> None:
        for child in ast.walk(node):
            if isinstance(child, ast.Call):
                self._call(child, local)

    def _assignment(self, name: str, value: ast.AST, scope: str, local: dict[str, str], stmt: ast.stmt) -> None:
        if not isinstance(value, ast.Call):
            return
        callee = self.names.resolve(value.func)
        if callee in APP_CLASSES or callee in ROUTER_CLASSES:
            symbol = f"{scope}.{name}"
            if scope != self.module:
                local[name] = symbol
            options = self._options(value)
            kind = "app" if callee in APP_CLASSES else "router"
            prefix = _literal_str(option_of(options, "prefix")) or ""
            self.out.apps.append(
                AppDecl(
                    symbol=symbol,
                    kind=kind,
                    location=Location.of(self.path, stmt),
                    options=options,
                    prefix=prefix,
                    dependencies=self._dependencies(value),
                )
            )
            for middleware in self._middleware_list(value, symbol):
                self.out.middleware.append(middleware)

    def _options(self, call: ast.Call) -> tuple[tuple[str, Value], ...]:
        options = []
        for keyword in call.keywords:
            if keyword.arg is None:
                options.append(("**", Unknown(ast.unparse(keyword.value))))
            elif keyword.arg not in ("dependencies", "middleware", "routes"):
                options.append((keyword.arg, self.evaluate(keyword.value)))
            else:
                options.append((keyword.arg, Literal(None, ast.unparse(keyword.value)[:200])))
        return tuple(options)

    def _dependencies(self, call: ast.Call) -> tuple[str | None, ...]:
        for keyword in call.keywords:
            if keyword.arg == "dependencies" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                result = []
                for element in keyword.value.elts:
                    found = marker_of(element, self.names)
                    result.append(found[1] if found else None)
                return tuple(result)
        return ()

    def _middleware_list(self, call: ast.Call, owner: str) -> Iterator[MiddlewareDecl]:
        for keyword in call.keywords:
            if keyword.arg == "middleware" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                for element in keyword.value.elts:
                    if isinstance(element, ast.Call) and element.args:
                        wrapper = self.names.resolve(element.func) or ""
                        if wrapper.endswith("Middleware"):
                            cls = self.names.resolve(element.args[0]) or ast.unparse(element.args[0])
                            yield MiddlewareDecl(
                                owner, cls, Location.of(self.path, element), self._options(element)
                            )

    def _call(self, call: ast.Call, local: dict[str, str]) -> None:
        if not isinstance(call.func, ast.Attribute):
            return
        method = call.func.attr
        if method not in ("include_router", "mount", "add_middleware", "add_api_route", "add_api_websocket_route"):
            return
        owner = self._symbol(call.func.value, local)
        if owner is None:
            return
        location = Location.of(self.path, call)
        if method == "include_router" and call.args:
            child = self._symbol(call.args[0], local)
            if child:
                prefix = _literal_str(option_of(self._options(call), "prefix")) or ""
                self.out.includes.append(IncludeDecl(owner, child, location, prefix, self._dependencies(call)))
        elif method == "mount":
            path_node = call.args[0] if call.args else _keyword(call, "path")
            app_node = call.args[1] if len(call.args) > 1 else _keyword(call, "app")
            path = _literal_str(self.evaluate(path_node)) if path_node is not None else ""
            child = self._symbol(app_node, local) if isinstance(app_node, (ast.Name, ast.Attribute)) else None
            self.out.mounts.append(MountDecl(owner, path or "", child, location))
        elif method == "add_middleware" and call.args:
            cls = self.names.resolve(call.args[0]) or ast.unparse(call.args[0])
            self.out.middleware.append(MiddlewareDecl(owner, cls, location, self._options(call)))
        elif method in ("add_api_route", "add_api_websocket_route") and len(call.args) >= 2:
            path = _literal_str(self.evaluate(call.args[0]))
            handler = self._symbol(call.args[1], local)
            if handler:
                options = self._options(call)
                methods = _methods_option(option_of(options, "methods")) or ("GET",)
                kind = "websocket" if method == "add_api_websocket_route" else "http"
                self.out.routes.append(
                    RouteDecl(owner, methods, path, handler, location, self._dependencies(call), kind,
                              self._response_model(call), options)
                )

    def _response_model(self, call: ast.Call) -> str | None:
        node = _keyword(call, "response_model")
        if node is None:
            return None
        if isinstance(node, ast.Subscript):  # list[UserOut]
            node = node.slice
        return self.names.resolve(node)

    def _decorated_function(self, node, qualname: str, local: dict[str, str]) -> None:
        for decorator in node.decorator_list:
            if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
                continue
            verb = decorator.func.attr
            owner = self._symbol(decorator.func.value, local)
            if owner is None:
                continue
            if verb == "middleware":
                self.out.middleware.append(
                    MiddlewareDecl(owner, qualname, Location.of(self.path, decorator), is_function=True)
                )
                continue
            if verb == "exception_handler":
                self.out.exception_handlers.append(qualname)
                continue
            options = self._options(decorator)
            if verb in HTTP_METHODS:
                methods: tuple[str, ...] = (verb.upper(),)
                kind = "http"
            elif verb in ("api_route", "route"):
                methods = _methods_option(option_of(options, "methods")) or ("GET",)
                kind = "http"
            elif verb in ("websocket", "websocket_route"):
                methods, kind = ("GET",), "websocket"
            else:
                continue
            path_node = decorator.args[0] if decorator.args else _keyword(decorator, "path")
            path = _literal_str(self.evaluate(path_node)) if path_node is not None else None
            first = node.decorator_list[0]
            header_end = node.body[0].lineno - 1 if node.body else node.lineno
            location = Location(self.path, first.lineno, node.col_offset + 1, max(node.lineno, header_end))
            self.out.routes.append(
                RouteDecl(owner, methods, path, qualname, location, self._dependencies(decorator), kind,
                          self._response_model(decorator), options)
            )


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _literal_str(value: Value | None) -> str | None:
    return value.value if isinstance(value, Literal) and isinstance(value.value, str) else None


def _methods_option(value: Value | None) -> tuple[str, ...]:
    if isinstance(value, Literal) and isinstance(value.value, (list, tuple, set)):
        return tuple(sorted(str(m).upper() for m in value.value))
    return ()


def fastapi_facts(tree: ast.Module, module: str, path: str, names: ModuleNames) -> FastAPIFacts:
    """Apps, routers, routes, includes, mounts and middleware declared in one module."""
    return _Extractor(tree, module, path, names).run(tree)


def dependency_of(node: ast.AST, names: ModuleNames) -> str | None:
    """Public for rules: the dependency a ``Depends(...)`` expression names."""
    found = marker_of(node, names)
    return found[1] if found else dependency_target(node, names)
