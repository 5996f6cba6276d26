from __future__ import annotations

import ast
import bisect
from typing import Iterator

from secprofile.flow.model import FlowFacts
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.rules.xss_flow._stored import STORED, Part, provenance
from secprofile.source.location import Location

HTML_RESPONSE_CLASSES = frozenset({"fastapi.responses.HTMLResponse", "starlette.responses.HTMLResponse"})
# Sinks of the flow engine that SP421 checks: responses served as HTML (Markup() is SP403's).
_NOT_RESPONSES = frozenset({"Markup()"})
_NOT_CONTENT = (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.DictComp, ast.Constant)
_SHOWN = 3


def _scout(ctx: FileContext) -> tuple[tuple[int, int], ...] | None:
    """Positions (line, 1-based column) of the HTML sinks whose content is not a literal.

    Runs in the worker with the tree at hand, so that the check parses again only the files
    where a response is built from something (``HttpResponse("Overridden!")``,
    ``HttpResponseForbidden()`` and ``HttpResponse(status=204)`` never need it).
    """
    flow = ctx.facts.flow if ctx.facts is not None else None
    if not isinstance(flow, FlowFacts) or not any(kind == "xss" for kind, _, _ in flow.sites):
        return None
    wanted = {(sink.line, sink.column) for function in flow.functions for sink in function.sinks
              if sink.kind == "xss" and sink.name not in _NOT_RESPONSES}
    if not wanted:
        return None
    lines = sorted({line for line, _ in wanted})
    found = []
    stack: list[ast.AST] = [ctx.tree]
    while stack:
        node = stack.pop()
        start = getattr(node, "lineno", None)
        if start is not None:  # only the statements and expressions that span a sink's line
            end = getattr(node, "end_lineno", None) or start
            decorators = getattr(node, "decorator_list", None)
            if decorators:
                start = min(start, *(d.lineno for d in decorators))
            index = bisect.bisect_left(lines, start)
            if index == len(lines) or lines[index] > end:
                continue
            if isinstance(node, ast.Call) and (start, node.col_offset + 1) in wanted:
                content = _content(node)
                if content is not None and not isinstance(content, ast.Constant):
                    found.append((start, node.col_offset + 1))
        stack.extend(ast.iter_child_nodes(node))
    return tuple(sorted(set(found))) or None


@rule(
    code="SP421",
    slug="html-built-from-unescaped-data",
    title="HTML response built from stored data that is not escaped",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    cwe=79,
    control="xss",
    kind="project",
    scout=_scout,
    frameworks=("fastapi", "django"),
    hint="Render the page with an auto-escaping template (Jinja2Templates, Django templates), or wrap every "
    "value in `html.escape(...)` before it goes into the markup.",
)
def html_built_from_unescaped_data(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags HTML responses built in code — FastAPI/Starlette `HTMLResponse(...)`,
    `Response(..., media_type="text/html")`, a route declared with `response_class=HTMLResponse`
    that returns a string, and Django `HttpResponse(...)` (HTML unless another `content_type` is
    given) — when a value interpolated into the markup comes from the database or another
    service and is not escaped: a field of an ORM object (Django, SQLAlchemy, SQLModel, Tortoise,
    Flask-SQLAlchemy), a column of a `sqlite3`/DB-API row, the signed-in user's record, or an
    HTTP API response.

    The markup may be built with an f-string, `%`, `.format()`, `+` or `"".join(...)`, through
    local variables, loops that append rows (`rows.append(f"<tr><td>{m.body}</td></tr>")`),
    comprehensions and helper functions in other modules (followed with the caller's arguments;
    a helper's parameter is followed back to its callers). Escaped values (`html.escape`,
    `markupsafe.escape`, `django.utils.html.escape`, `bleach.clean`), numbers (`{len(items)}`,
    `{order.total:.2f}`, `"%d" % n`, the index of `enumerate()`, fields a model declares as
    integer, decimal, date, boolean or slug, choice fields, the flags and dates of Django's user
    model), counts and aggregates (`.count()`, `aggregate(Count("id"))`, `annotate(n=Count(...))`,
    `values_list("id", flat=True)`, SQLAlchemy `func.count()`/`func.sum()` columns, and the
    columns of SQL such as `SELECT COUNT(*)`, `SUM(...)`, `AVG(...)`, `MAX(LENGTH(body))`, by
    position or alias), constants and settings are safe, and so is the output of auto-escaping
    templates. Escaping one value does not clear another: the message names the values left
    unescaped.

    Request data (query and path parameters, bodies, `request.GET`) reaching the same responses
    is SP420's; values that `Markup()`/`mark_safe()` marks as safe are SP403's.

    ## Why is this bad?
    A comment, a display name or a product description is written by one user and shown to
    others. Interpolated into HTML without escaping, a `<script>` stored in it runs in every
    visitor's browser with the site's origin (stored, or second-order, cross-site scripting).
    No request parameter is involved when the page is viewed, so request-taint analysis does not
    see it.

    ## Example
    ```python
    # file: app/models.py
    from sqlalchemy import Column, Integer, Text
    from sqlalchemy.orm import declarative_base

    Base = declarative_base()


    class Comment(Base):
        __tablename__ = "comments"
        id = Column(Integer, primary_key=True)
        author = Column(Text)
        body = Column(Text)
    # file: app/main.py
    from fastapi import Depends, FastAPI
    from fastapi.responses import HTMLResponse
    from sqlalchemy.orm import Session

    from app.db import get_db
    from app.models import Comment

    app = FastAPI()


    @app.get("/comments")
    def comments(db: Session = Depends(get_db)):
        rows = []
        for comment in db.query(Comment).all():
            rows.append(f"<li id='c{comment.id}'><b>{comment.author}</b>: {comment.body}</li>")
        return HTMLResponse("<ul>" + "".join(rows) + "</ul>")
    ```

    ## Use instead
    ```python
    # file: app/models.py
    from sqlalchemy import Column, Integer, Text
    from sqlalchemy.orm import declarative_base

    Base = declarative_base()


    class Comment(Base):
        __tablename__ = "comments"
        id = Column(Integer, primary_key=True)
        author = Column(Text)
        body = Column(Text)
    # file: app/main.py
    from html import escape

    from fastapi import Depends, FastAPI
    from fastapi.responses import HTMLResponse
    from sqlalchemy.orm import Session

    from app.db import get_db
    from app.models import Comment

    app = FastAPI()


    @app.get("/comments")
    def comments(db: Session = Depends(get_db)):
        rows = []
        for comment in db.query(Comment).all():
            rows.append(f"<li id='c{comment.id}'><b>{escape(comment.author)}</b>: {escape(comment.body)}</li>")
        return HTMLResponse("<ul>" + "".join(rows) + "</ul>")
    ```

    ## Known problems
    Whether stored data is attacker-controlled is not known: a field only administrators write
    is reported like a user's comment (hence medium confidence). Escaping done by a helper from
    an installed package that is not a known escaper is not understood. Objects whose origin is
    not visible (a parameter of a helper that nothing in the project calls, a value from an
    unknown library) are not reported. Responses built by writing to an existing response object
    (`response.write(...)`) are not followed. Suppress with
    `# secprofile: ignore[SP421] <reason>`.

    ## References
    - https://cwe.mitre.org/data/definitions/79.html
    - https://owasp.org/www-community/attacks/xss/#stored-xss-attacks
    - https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html
    """
    engine = provenance(project)
    seen: set[tuple[str, int, int]] = set()
    for facts in project.python_files():
        flow = facts.flow
        noted = facts.note("SP421")
        if not noted or not isinstance(flow, FlowFacts):
            continue
        noted = set(noted)
        for function_flow in flow.functions:
            sinks = [s for s in function_flow.sinks if s.kind == "xss" and s.name not in _NOT_RESPONSES
                     and (s.line, s.column) in noted]
            if not sinks:
                continue
            function = project.functions.get(function_flow.qualname)
            frame = engine.frame_for(function)
            if frame is None:
                continue
            for sink in sinks:
                call = _call_at(frame.function, sink.line, sink.column - 1)
                content = _content(call) if call is not None else None
                if content is None or isinstance(content, ast.Constant):
                    continue
                key = (facts.relpath, call.lineno, call.col_offset)
                if key in seen:
                    continue
                seen.add(key)
                hit = _report(engine, content, frame, Location.of(facts.relpath, call), sink.name,
                              function_flow.qualname)
                if hit is not None:
                    yield hit
    yield from _html_routes(project, engine, seen)


def _html_routes(project: Project, engine, seen: set) -> Iterator[Hit]:
    """``@app.get("/", response_class=HTMLResponse)`` handlers that return the markup as a string."""
    if not any(f.fastapi for f in project.python_files()):
        return
    handled: set[str] = set()
    for route in project.fastapi.routes:
        function = route.handler
        if function is None or function.qualname in handled:
            continue
        option = route.decl.options and dict(route.decl.options).get("response_class")
        reference = getattr(option, "reference", None)
        if not reference or engine.canonical(reference) not in HTML_RESPONSE_CLASSES:
            continue
        handled.add(function.qualname)
        frame = engine.frame_for(function)
        if frame is None or frame.locals is None:
            continue
        for value in frame.locals.returns:
            if isinstance(value, _NOT_CONTENT) or _is_response(value, frame, engine):
                continue
            key = (function.location.path, value.lineno, value.col_offset)
            if key in seen:
                continue
            seen.add(key)
            hit = _report(engine, value, frame, Location.of(function.location.path, value),
                          "a response_class=HTMLResponse route", function.qualname)
            if hit is not None:
                yield hit


def _report(engine, content: ast.AST, frame, location: Location, sink: str, symbol: str) -> Hit | None:
    parts = [p for p in engine.parts(content, frame) if p.origin == STORED]
    if not parts:
        return None
    parts.sort(key=lambda p: (p.path != location.path, p.path, p.line, p.text))
    message = f"{sink} serves {parts[0].describe()} without escaping it"
    rest = _distinct(parts[1:], parts[0])
    if rest:
        names = ", ".join(p.text for p in rest[:_SHOWN])
        more = f" and {len(rest) - _SHOWN} more" if len(rest) > _SHOWN else ""
        message += f"; also unescaped: {names}{more}"
    return Hit(location, message, symbol=symbol)


def _distinct(parts: list[Part], first: Part) -> list[Part]:
    seen = {first.text}
    out = []
    for part in parts:
        if part.text not in seen:
            seen.add(part.text)
            out.append(part)
    return out


def _call_at(function: ast.AST, line: int, column: int) -> ast.Call | None:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and node.lineno == line and node.col_offset == column:
            return node
    return None


def _content(call: ast.Call) -> ast.AST | None:
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg == "content":
            return keyword.value
    return None


def _is_response(value: ast.AST, frame, engine) -> bool:
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Attribute) and func.attr == "TemplateResponse":
        return True
    callee = frame.canonical(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
    return bool(callee) and callee.startswith(("fastapi.", "starlette.", "django.http", "django.template"))
