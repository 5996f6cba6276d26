from __future__ import annotations

import ast
import re
from typing import Iterator

from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule

_SINK_MODULES = ("fastapi.", "starlette.", "django.http", "django.shortcuts", "django.template.response",
                 "rest_framework.response", "rest_framework.exceptions", "ninja.")
_SINK_NAMES = frozenset({
    "JSONResponse", "PlainTextResponse", "HTMLResponse", "Response", "ORJSONResponse", "UJSONResponse",
    "HTTPException", "WebSocketException", "HttpResponse", "JsonResponse", "HttpResponseServerError",
    "HttpResponseBadRequest", "HttpResponseNotFound", "HttpResponseForbidden", "render", "TemplateResponse",
    "APIException", "ValidationError", "ParseError", "HttpError",
})
# Where the HTTP status sits positionally, by sink name (keywords status_code/status win).
_STATUS_POSITION = {"HTTPException": 0, "HttpError": 0, "JSONResponse": 1, "PlainTextResponse": 1, "HTMLResponse": 1,
                    "ORJSONResponse": 1, "UJSONResponse": 1, "Response": 1, "HttpResponse": 2}
_ALWAYS_5XX = frozenset({"HttpResponseServerError", "APIException"})
_TRACEBACK = frozenset({
    "traceback.format_exc", "traceback.format_exception", "traceback.format_tb", "traceback.format_stack",
    "traceback.format_exception_only", "traceback.extract_tb", "traceback.extract_stack", "sys.exc_info",
})
_STRINGIFY = frozenset({"builtins.str", "builtins.repr", "builtins.format", "builtins.vars"})
_LEAKY_ATTRIBUTES = frozenset({"args", "message", "msg", "strerror", "orig", "pgerror", "stderr", "stdout", "output",
                               "filename", "statement", "params", "__traceback__", "__cause__", "__context__"})
_BROAD = frozenset({"builtins.Exception", "builtins.BaseException"})
_INFRA_PREFIXES = ("sqlalchemy.", "psycopg", "asyncpg", "pymysql", "MySQLdb", "sqlite3.", "django.db.", "pymongo",
                   "motor.", "redis.", "requests.", "httpx.", "aiohttp.", "urllib3", "urllib.error", "botocore",
                   "boto3", "subprocess.", "socket.", "ssl.", "jinja2.", "smtplib.", "openai.", "stripe.",
                   "tortoise.", "peewee", "mongoengine", "elasticsearch", "kafka", "pika", "celery.")
_INFRA_BUILTINS = frozenset({"builtins.OSError", "builtins.IOError", "builtins.EnvironmentError",
                             "builtins.ConnectionError", "builtins.FileNotFoundError", "builtins.PermissionError",
                             "builtins.TimeoutError", "builtins.RuntimeError"})
_INFRA_SUFFIXES = ("DatabaseError", "OperationalError", "IntegrityError", "ProgrammingError", "DBAPIError",
                   "InterfaceError", "SQLAlchemyError", "RequestException", "ClientError", "CalledProcessError")
_ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "api_route", "route",
                               "websocket", "exception_handler", "api_operation"})
_VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "list", "create", "retrieve",
                           "update", "partial_update", "destroy", "dispatch", "form_valid", "process_exception"})
_HANDLER_NAME = re.compile(r"(?i)(exception|error|exc)_?handler|handle_?(exception|error|exc)|process_exception")
_EXC_PARAM_NAMES = frozenset({"exc", "exception", "error", "err", "e", "ex"})


@rule(
    code="SP704",
    slug="exception-details-in-response",
    title="Exception details returned to the client",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=209,
    control="settings-and-secrets",
    kind="node",
    node_types=(ast.Call, ast.Return),
    frameworks=("fastapi", "django"),
    hint="Log the exception (`logger.exception(\"...\")`) and return a generic message with a correlation id: "
    "`raise HTTPException(status_code=500, detail=\"Internal error\")`.",
)
def exception_details_in_response(node: ast.Call | ast.Return, ctx: FileContext) -> Iterator[Hit]:
    """
    ## What it does
    Flags exception text or tracebacks sent to the client: `str(e)`, `repr(e)`, `f"... {e}"`,
    `e.args`, `e.orig`, `traceback.format_exc()` and friends placed in a FastAPI/Starlette
    response or `HTTPException(detail=...)`, a Django `HttpResponse`/`JsonResponse`/`render`
    context, a DRF `Response` or `APIException`, or returned as the body of a route or view
    (`return {"error": str(e)}`), also through a local variable. The exception is the one caught
    by the enclosing `except ... as e:` or handled by an exception handler
    (`@app.exception_handler(Exception)`, DRF's `custom_exception_handler(exc, context)`,
    middleware `process_exception`).

    Tracebacks are always reported. Exception messages are reported when the exception is
    caught broadly (`except Exception`, bare `except`) or comes from infrastructure (database,
    HTTP client, subprocess, OS errors), or when the response is a 5xx. A specific exception
    turned into a 4xx (`except ValueError as e: raise HTTPException(400, str(e))`) is a
    deliberate user-facing message and is not reported.

    ## Why is this bad?
    Exception text is written for developers: SQL statements and constraint names, file
    paths, hostnames and ports of internal services, library versions, sometimes the values of
    secrets in the failing expression. Returned to the client it maps the system for an
    attacker and turns every error into an information leak.

    ## Example
    ```python
    from fastapi import FastAPI, HTTPException

    app = FastAPI()

    @app.post("/orders")
    def create_order(order: dict):
        try:
            return save(order)
        except Exception as e:
            raise HTTPException(status_code=500, detail=str(e))
    ```

    ## Use instead
    ```python
    import logging

    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    logger = logging.getLogger(__name__)

    @app.post("/orders")
    def create_order(order: dict):
        try:
            return save(order)
        except Exception:
            logger.exception("order creation failed")
            raise HTTPException(status_code=500, detail="Could not create the order")
    ```

    ## Known problems
    Only exceptions caught in the same function, or handled by a recognisable exception handler,
    are followed; a helper that formats an exception and returns the text is not. Returning a
    Pydantic `ValidationError`'s `errors()` (the 422 body) is by design and not reported.

    ## References
    - https://cwe.mitre.org/data/definitions/209.html
    - https://owasp.org/www-community/Improper_Error_Handling
    - https://fastapi.tiangolo.com/tutorial/handling-errors/
    """
    if isinstance(node, ast.Call):
        sink = _sink_name(node, ctx)
        if sink is None:
            return
        parts = [a for i, a in enumerate(node.args) if i != _STATUS_POSITION.get(sink, -1)]
        parts += [k.value for k in node.keywords if k.arg not in ("status_code", "status", "media_type",
                                                                 "content_type", "template_name")]
        status = _status(node, sink)
        where = f"{sink}(...)"
    else:
        if node.value is None or (isinstance(node.value, ast.Call) and _sink_name(node.value, ctx)):
            return
        function = ctx.enclosing_function()
        if function is None or not _answers_requests(function, ctx):
            return
        parts, status, where = [node.value], None, "the returned body"
    if _debug_only(node, ctx):
        return  # ``if settings.DEBUG:``: details for developers only
    exceptions = _exception_variables(ctx)
    function = ctx.enclosing_function()
    caught = _handlers(function) if function is not None else []
    if not exceptions and not caught and not _mentions_traceback(parts, ctx):
        return
    leaky_locals = _leaky_locals(ctx, function, caught, exceptions, node.lineno) if function is not None else {}
    leaks: dict[str, str] = {}  # description -> exception kind ("traceback", "broad", "infra", "specific")
    for part in parts:
        _collect_leaks(part, ctx, exceptions, leaky_locals, leaks)
    if not leaks:
        return
    kinds = set(leaks.values())
    server_error = status is not None and status >= 500
    if not kinds & {"traceback", "broad", "infra"} and not server_error:
        return  # a specific exception turned into a 4xx: a deliberate message
    shown = [d for d in leaks if f"the text of {d}" not in leaks and f"str({d})" not in leaks]
    what = " and ".join(sorted(shown))
    yield ctx.hit(
        node,
        f"{where} sends {what} to the client",
        confidence=None if kinds & {"traceback", "broad", "infra"} else Confidence.MEDIUM,
    )


def _sink_name(call: ast.Call, ctx: FileContext) -> str | None:
    func = call.func
    tail = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if tail not in _SINK_NAMES:
        return None
    qualname = ctx.resolve(func) or ""
    return tail if qualname.startswith(_SINK_MODULES) else None


def _status(call: ast.Call, sink: str) -> int | None:
    if sink in _ALWAYS_5XX:
        return 500
    node = next((k.value for k in call.keywords if k.arg in ("status_code", "status")), None)
    position = _STATUS_POSITION.get(sink)
    if node is None and position is not None and position < len(call.args):
        node = call.args[position]
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, (ast.Attribute, ast.Name)):
        text = node.attr if isinstance(node, ast.Attribute) else node.id
        match = re.search(r"(\d{3})", text)
        if match:
            return int(match.group(1))
        if text in ("INTERNAL_SERVER_ERROR", "BAD_GATEWAY", "SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT"):
            return 500
    return None


def _answers_requests(function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: FileContext) -> bool:
    """A route, a view, or an exception handler: what it returns goes to the client."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in _ROUTE_DECORATORS:
            return True
        if (ctx.resolve(target) or "").endswith((".api_view", ".action")):
            return True
    params = [a.arg for a in function.args.posonlyargs + function.args.args]
    if params[:1] == ["request"] and ctx.facts.imports_any("django", "rest_framework"):
        return True
    if params[:2] == ["self", "request"] and function.name in _VIEW_METHODS:
        return True
    return bool(_HANDLER_NAME.search(function.name))


def _exception_variables(ctx: FileContext) -> dict[str, str]:
    """Exception names in scope with their kind: ``{"e": "broad"}``; ``if isinstance(exc, Http404):``
    narrows the kind inside its body."""
    found: dict[str, str] = {}
    narrowed: dict[str, str] = {}
    for node in reversed(ctx.stack):
        if isinstance(node, ast.If):
            test = node.test
            if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance" \
                    and len(test.args) == 2 and isinstance(test.args[0], ast.Name):
                narrowed.setdefault(test.args[0].id, _kind_of(test.args[1], ctx))
        if isinstance(node, ast.ExceptHandler) and node.name and node.name not in found:
            found[node.name] = _kind_of(node.type, ctx)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for name, kind in _handler_parameters(node, ctx).items():
                found.setdefault(name, kind)
            break
    for name, kind in narrowed.items():
        if name in found and found[name] == "broad":
            found[name] = kind
    return found


def _handler_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: FileContext) -> dict[str, str]:
    """The exception parameter of an exception handler, with the kind of exception it handles."""
    handled = None
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) \
                and decorator.func.attr == "exception_handler":
            handled = _kind_of(decorator.args[0] if decorator.args else None, ctx)
    params = function.args.posonlyargs + function.args.args
    result: dict[str, str] = {}
    for param in params:
        annotation = ctx.resolve(param.annotation) if param.annotation is not None else None
        annotated = annotation is not None and (annotation in _BROAD or annotation.endswith(("Exception", "Error")))
        if handled is not None and (annotated or param.arg in _EXC_PARAM_NAMES) and param.arg != "request":
            result[param.arg] = handled if handled != "broad" or not annotated else _kind_of(param.annotation, ctx)
        elif annotated:
            result[param.arg] = _kind_of(param.annotation, ctx)
        elif param.arg in _EXC_PARAM_NAMES and _HANDLER_NAME.search(function.name):
            result[param.arg] = "broad"
    return result


def _kind_of(node: ast.AST | None, ctx: FileContext) -> str:
    if node is None:
        return "broad"
    if isinstance(node, ast.Tuple):
        kinds = {_kind_of(e, ctx) for e in node.elts}
        return "broad" if "broad" in kinds else "infra" if "infra" in kinds else "specific"
    qualname = ctx.resolve(node) or ""
    if qualname in _BROAD:
        return "broad"
    if qualname.startswith(_INFRA_PREFIXES) or qualname in _INFRA_BUILTINS or qualname.endswith(_INFRA_SUFFIXES):
        return "infra"
    return "specific"


def _mentions_traceback(parts: list[ast.AST], ctx: FileContext) -> bool:
    return any(isinstance(n, ast.Call) and ctx.resolve(n.func) in _TRACEBACK for part in parts
               for n in _walk_unguarded(part))


def _handlers(function: ast.AST) -> list[ast.ExceptHandler]:
    return [n for n in ast.walk(function) if isinstance(n, ast.ExceptHandler) and n.name]


def _leaky_locals(ctx: FileContext, function: ast.AST, caught: list[ast.ExceptHandler], exceptions: dict[str, str],
                  line: int) -> dict[str, dict[str, str]]:
    """Local names assigned exception text before ``line``: ``msg = f"failed: {e}"`` inside the
    handler, then ``return {"error": msg}`` after it."""
    handler_names = {h.name for h in caught}
    params = {k: v for k, v in exceptions.items() if k not in handler_names}  # exception-handler parameters
    scoped: list[tuple[ast.AST, dict[str, str]]] = []
    for handler in caught:
        kinds = {handler.name: _kind_of(handler.type, ctx)}
        scoped.extend((n, kinds) for n in ast.walk(handler) if isinstance(n, (ast.Assign, ast.AnnAssign)))
    scoped.extend((n, params) for n in ast.walk(function) if isinstance(n, (ast.Assign, ast.AnnAssign)))
    scoped = [(n, kinds) for n, kinds in scoped if n.value is not None and n.lineno < line]
    if not scoped:
        return {}
    scoped.sort(key=lambda item: item[0].lineno)
    leaky: dict[str, dict[str, str]] = {}
    for _ in range(2):  # a = str(e); body = {"error": a}
        for assignment, kinds in scoped:
            found: dict[str, str] = {}
            _collect_leaks(assignment.value, ctx, kinds, leaky, found)
            targets = assignment.targets if isinstance(assignment, ast.Assign) else [assignment.target]
            for target in targets:
                if isinstance(target, ast.Name) and found and target.id not in exceptions \
                        and target.id not in handler_names:
                    leaky[target.id] = found
    return leaky


def _is_debug_flag(test: ast.AST) -> bool:
    """``settings.DEBUG``, ``app.debug``, ``DEBUG is True``, ``settings.DEBUG and ...``."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.Is)) \
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is True:
        test = test.left
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_is_debug_flag(value) for value in test.values)
    name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
    return name.lower() in ("debug", "is_debug", "debug_mode", "show_errors", "expose_errors")


def _debug_only(node: ast.AST, ctx: FileContext) -> bool:
    """``node`` runs only in debug mode: inside ``if settings.DEBUG:``, or after
    ``if not settings.DEBUG: raise`` in the same block."""
    path = [*ctx.stack, node]
    for index, ancestor in enumerate(path[:-1]):
        child = path[index + 1]
        if isinstance(ancestor, ast.If) and _is_debug_flag(ancestor.test) and any(c is child for c in ancestor.body):
            return True
        for block in ("body", "orelse", "finalbody"):
            statements = getattr(ancestor, block, None)
            if not isinstance(statements, list) or not any(c is child for c in statements):
                continue
            for statement in statements:
                if statement is child:
                    break
                if isinstance(statement, ast.If) and isinstance(statement.test, ast.UnaryOp) \
                        and isinstance(statement.test.op, ast.Not) and _is_debug_flag(statement.test.operand) \
                        and statement.body and isinstance(statement.body[-1], (ast.Raise, ast.Return)):
                    return True
    return False


def _walk_unguarded(expr: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` that skips the debug branch of ``x if settings.DEBUG else "Internal error"``."""
    todo = [expr]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.IfExp) and _is_debug_flag(node.test):
            todo.extend((node.test, node.orelse))
        else:
            todo.extend(ast.iter_child_nodes(node))


def _collect_leaks(expr: ast.AST, ctx: FileContext, exceptions: dict[str, str],
                   leaky: dict[str, dict[str, str]], out: dict[str, str]) -> None:
    for node in _walk_unguarded(expr):
        if isinstance(node, ast.Call):
            qualname = ctx.resolve(node.func) or ""
            if qualname in _TRACEBACK:
                out[f"{qualname}()"] = "traceback"
            elif qualname in _STRINGIFY and node.args:
                name = _exception_ref(node.args[0], exceptions)
                if name:
                    out[f"{qualname.rsplit('.', 1)[-1]}({_text(node.args[0])})"] = exceptions[name]
            elif isinstance(node.func, ast.Attribute) and node.func.attr == "format":
                for argument in list(node.args) + [k.value for k in node.keywords]:
                    name = _exception_ref(argument, exceptions)
                    if name:
                        out[f"the text of {_text(argument)}"] = exceptions[name]
        elif isinstance(node, ast.FormattedValue):
            name = _exception_ref(node.value, exceptions)
            if name:
                out[f"the text of {_text(node.value)}"] = exceptions[name]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            items = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            for item in items:
                name = _exception_ref(item, exceptions)
                if name:
                    out[f"the text of {_text(item)}"] = exceptions[name]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in exceptions and node.attr in _LEAKY_ATTRIBUTES:
            out[_text(node)] = exceptions[node.value.id]
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in leaky:
            out.update(leaky[node.id])


def _exception_ref(node: ast.AST, exceptions: dict[str, str]) -> str | None:
    """The exception variable ``node`` stands for: ``e``, ``e.orig``, ``e.args[0]``."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute) and node.attr not in _LEAKY_ATTRIBUTES:
            return None
        node = node.value
    return node.id if isinstance(node, ast.Name) and node.id in exceptions else None


def _text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # odd nodes never break a rule
        return "the exception"
    return text if len(text) <= 40 else text[:37] + "..."
