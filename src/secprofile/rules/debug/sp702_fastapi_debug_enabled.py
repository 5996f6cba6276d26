from __future__ import annotations

import ast
from typing import Iterator

from secprofile.model.fastapi import APP_CLASSES
from secprofile.model.module import module_literal_lookup
from secprofile.model.project import Project
from secprofile.model.values import Evaluator
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.debug._settings_values import in_force, truthy
from secprofile.rules.secrets._paths import is_non_production_path
from secprofile.source.location import Location


@rule(
    code="SP702",
    slug="fastapi-debug-enabled",
    title="FastAPI/Starlette debug mode enabled",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=489,
    control="settings-and-secrets",
    kind="project",
    frameworks=("fastapi",),
    hint="Leave debug off (the default) and turn it on only from the environment with a safe default: "
    "`FastAPI(debug=os.getenv(\"DEBUG\", \"false\") == \"true\")` or a settings field `debug: bool = False`.",
)
def fastapi_debug_enabled(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags FastAPI and Starlette applications whose debug mode is on when nothing is configured:
    `FastAPI(debug=True)`, `Starlette(debug=True)`, `app.debug = True`, and debug taken from
    the environment or from settings with an unsafe default: `debug=os.getenv("DEBUG", "true")
    == "true"`, or `debug=settings.debug` where the settings class declares `debug: bool = True`
    (also `Field(default=True)`, module constants and `get_settings().debug`).

    Django's `DEBUG` setting is covered by the Django settings rules.

    ## Why is this bad?
    In debug mode Starlette answers every unhandled exception with an HTML page holding the
    full traceback, local source lines and exception text: file paths, SQL, and whatever secret
    happened to be in the failing expression. A debug default of `True` means production runs
    in debug mode the day the variable is missing.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI(title="Shop API", debug=True)
    ```

    ## Use instead
    ```python
    import os

    from fastapi import FastAPI

    app = FastAPI(title="Shop API", debug=os.getenv("DEBUG", "false").lower() == "true")
    ```

    ## Known problems
    Debug values read from other sources (a YAML file, a command-line flag) are not evaluated
    and not reported. Test files and development-only settings modules are not scanned.

    ## References
    - https://www.starlette.io/applications/
    - https://fastapi.tiangolo.com/reference/fastapi/#fastapi.FastAPI--init--debug
    - https://cwe.mitre.org/data/definitions/489.html
    """
    for facts in sorted(project.python_files(), key=lambda f: f.relpath):
        if facts.names is None or not facts.imports_any("fastapi", "starlette"):
            continue
        if is_non_production_path(facts.relpath):
            continue
        tree = project.tree(facts.relpath)
        if tree is None:
            continue
        evaluate = Evaluator(facts.names, module_literal_lookup(tree, facts.names))
        try:
            yield from _check_module(project, facts, tree, evaluate)
        except RecursionError:
            continue


def _check_module(project, facts, tree, evaluate) -> Iterator[Hit]:
    names = facts.names
    stack: list[tuple[ast.AST, ast.AST | None, tuple[str, ...]]] = [(tree, None, ())]
    while stack:
        node, function, path = stack.pop()
        symbol = ".".join((facts.module, *path))
        if isinstance(node, ast.Call) and names.resolve(node.func) in APP_CLASSES:
            for keyword in node.keywords:
                if keyword.arg == "debug":
                    found = in_force(keyword.value, names, evaluate, project, function)
                    if found is not None and truthy(found.value):
                        cls = (names.resolve(node.func) or "FastAPI").rsplit(".", 1)[-1]
                        yield _hit(facts.relpath, keyword, f"{cls}(debug={_text(keyword.value)})", found, symbol)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Attribute) and target.attr == "debug" and _is_app(project, names, target.value,
                                                                                        function):
                found = in_force(node.value, names, evaluate, project, function)
                if found is not None and truthy(found.value):
                    yield _hit(facts.relpath, node, f"{_text(target)} = {_text(node.value)}", found, symbol)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner_function, inner_path = node, (*path, node.name)
        elif isinstance(node, ast.ClassDef):
            inner_function, inner_path = function, (*path, node.name)
        else:
            inner_function, inner_path = function, path
        for child in ast.iter_child_nodes(node):
            stack.append((child, inner_function, inner_path))


def _hit(relpath: str, node: ast.AST, what: str, found, symbol: str) -> Hit:
    if found.how == "literal":
        message = f"{what} turns debug mode on: unhandled errors are answered with full tracebacks"
        confidence = None
    else:
        message = (f"{what} turns debug mode on unless configured ({found.explanation}): unhandled errors "
                   "are answered with full tracebacks")
        confidence = Confidence.MEDIUM
    return Hit(Location.of(relpath, node), message, confidence=confidence, symbol=symbol)


def _is_app(project: Project, names, node: ast.AST, function: ast.AST | None) -> bool:
    """``node`` names a FastAPI/Starlette application (local, module-level or imported)."""
    if isinstance(node, ast.Name) and function is not None:
        for inner in ast.walk(function):
            if isinstance(inner, ast.Assign) and isinstance(inner.value, ast.Call) and any(
                isinstance(t, ast.Name) and t.id == node.id for t in inner.targets
            ):
                return names.resolve(inner.value.func) in APP_CLASSES
    qualname = names.resolve(node)
    if not qualname:
        return False
    variable = project.variables.get(project.names.canonical(qualname) or qualname)
    return bool(variable and variable.call and (project.names.canonical(variable.call) or variable.call) in APP_CLASSES)


def _text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # odd nodes never break a rule
        return "..."
    return text if len(text) <= 60 else text[:57] + "..."
