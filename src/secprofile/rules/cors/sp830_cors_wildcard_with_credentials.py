from __future__ import annotations

import ast
import re
from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.cors._common import cors_configs
from secprofile.rules.validation._common import functions
from secprofile.source.location import Location

_ALLOW_ORIGIN = "access-control-allow-origin"
_ALLOW_CREDENTIALS = "access-control-allow-credentials"


@rule(
    code="SP830",
    slug="cors-wildcard-with-credentials",
    title="CORS allows any origin with credentials",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=942,
    control="cors",
    kind="project",
    frameworks=("fastapi",),
    hint="List the front-end origins explicitly: `allow_origins=[\"https://app.example.com\"]` "
    "(from settings, with no `*` default), or drop `allow_credentials=True`.",
)
def cors_wildcard_with_credentials(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags a FastAPI/Starlette `CORSMiddleware` that allows any origin, with
    `allow_origins=["*"]` or an `allow_origin_regex` that matches every site (`.*`,
    `https?://.*`), together with `allow_credentials=True`. Values are followed into
    module constants and settings, and an origin list read from the environment whose
    *default* is `*` (`os.getenv("CORS_ORIGINS", "*").split(",")`) counts too, with medium
    confidence.

    Also flags a custom middleware that copies the request's `Origin` header into
    `Access-Control-Allow-Origin` without checking it against an allow-list, while sending
    `Access-Control-Allow-Credentials: true`.

    ## Why is this bad?
    Browsers refuse `*` with credentials, so Starlette answers a credentialed request by
    echoing the caller's `Origin`: every website the user visits can then call the API with
    the user's cookies and read the responses (account data, CSRF tokens), CWE-942.

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=True,
        allow_methods=["*"],
    )
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["https://shop.example.com"],
        allow_credentials=True,
        allow_methods=["GET", "POST"],
    )
    ```

    ## Known problems
    Origins built at run time (a comprehension over settings, a database) are not judged.
    A regex is judged by trying it on unrelated origins, so a too-loose regex that only
    admits look-alike domains (`https://.*example.com`) is not reported.

    ## References
    - https://www.starlette.io/middleware/#corsmiddleware
    - https://cwe.mitre.org/data/definitions/942.html
    - https://portswigger.net/web-security/cors
    """
    for config in cors_configs(project):
        if not config.wildcard or config.credentials != "yes":
            continue
        from_env = [v for v in (config.wildcard_from_env, config.credentials_from_env) if v]
        message = f"CORSMiddleware {config.how} with allow_credentials=True: any website can send " \
                  "credentialed requests and read the responses"
        if from_env:
            message += f" (the default when {' and '.join(from_env)} {'is' if len(from_env) == 1 else 'are'} not set)"
        yield Hit(
            config.location,
            message,
            confidence=Confidence.MEDIUM if from_env else None,
            symbol=config.decl.owner,
        )
    yield from _reflecting_middleware(project)


def _reflecting_middleware(project: Project) -> Iterator[Hit]:
    """A hand-written CORS middleware echoing any ``Origin`` with credentials."""
    if not project.fastapi:
        return
    targets = []
    for facts in project.python_files():
        if not facts.fastapi:
            continue
        for decl in facts.fastapi.middleware:
            if decl.is_function:
                function = project.functions.get(project.names.canonical(decl.middleware) or decl.middleware)
                if function is not None:
                    targets.append(function)
            else:
                name = project.names.canonical(decl.middleware) or decl.middleware
                for method in ("dispatch", "__call__"):
                    function = project.functions.get(f"{name}.{method}")
                    if function is not None:
                        targets.append(function)
    seen = set()
    for function in targets:
        if function.qualname in seen or "headers" not in function.reads:
            continue
        seen.add(function.qualname)
        node = functions(project).node(function)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        found = _reflection(node)
        if found is not None:
            yield Hit(
                Location.of(function.location.path, found),
                f"{function.name} copies the request's Origin header into Access-Control-Allow-Origin for any "
                "origin, with Access-Control-Allow-Credentials: true",
                symbol=function.qualname,
            )


def _header_name(node: ast.AST) -> str | None:
    return node.value.lower() if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _reads_origin(node: ast.AST | None) -> bool:
    """``request.headers.get("origin")`` / ``request.headers["Origin"]``."""
    if node is None:
        return False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "get" and \
                sub.args and _header_name(sub.args[0]) == "origin" and "headers" in ast.unparse(sub.func.value):
            return True
        if isinstance(sub, ast.Subscript) and _header_name(sub.slice) == "origin" and \
                "headers" in ast.unparse(sub.value):
            return True
    return False


def _reflection(function: ast.AST) -> ast.stmt | None:
    origin_names: set[str] = set()
    statements = [n for n in ast.walk(function) if isinstance(n, ast.stmt)]
    for stmt in statements:
        if isinstance(stmt, ast.Assign) and _reads_origin(stmt.value):
            origin_names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    allow_origin = None
    credentials = False
    for stmt in statements:
        for name, value in _header_writes(stmt):
            if name == _ALLOW_ORIGIN and (_reads_origin(value) or (
                    isinstance(value, ast.Name) and value.id in origin_names)):
                allow_origin = allow_origin or stmt
            elif name == _ALLOW_CREDENTIALS and isinstance(value, ast.Constant) and \
                    str(value.value).lower() == "true":
                credentials = True
    if allow_origin is None or not credentials:
        return None
    # An allow-list check on the origin (``if origin in ALLOWED``) makes the echo safe.
    for sub in ast.walk(function):
        if isinstance(sub, ast.Compare):
            operands = [sub.left, *sub.comparators]
            mentions = any(isinstance(o, ast.Name) and o.id in origin_names for o in operands) or any(
                _reads_origin(o) for o in operands)
            if mentions and any(isinstance(op, (ast.In, ast.NotIn, ast.Eq, ast.NotEq)) for op in sub.ops):
                return None
        if isinstance(sub, ast.Call):
            text = ast.unparse(sub.func)
            args = [*sub.args, *(k.value for k in sub.keywords)]
            on_origin = any(isinstance(a, ast.Name) and a.id in origin_names for a in args) or (
                isinstance(sub.func, ast.Attribute) and isinstance(sub.func.value, ast.Name)
                and sub.func.value.id in origin_names)
            if on_origin and re.search(r"match|search|fullmatch|endswith|startswith|allowed|is_valid|check|verify",
                                       text, re.I):
                return None
    return allow_origin


def _header_writes(stmt: ast.stmt):
    """``(header name, value)`` pairs a statement writes to a response's headers."""
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Subscript) and "headers" in ast.unparse(target.value):
                name = _header_name(target.slice)
                if name:
                    yield name, stmt.value
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        if isinstance(call.func, ast.Attribute) and "headers" in ast.unparse(call.func.value):
            if call.func.attr in ("update",) and call.args and isinstance(call.args[0], ast.Dict):
                for key, value in zip(call.args[0].keys, call.args[0].values):
                    name = _header_name(key) if key is not None else None
                    if name:
                        yield name, value
            elif call.func.attr in ("append", "setdefault", "__setitem__") and len(call.args) >= 2:
                name = _header_name(call.args[0])
                if name:
                    yield name, call.args[1]
