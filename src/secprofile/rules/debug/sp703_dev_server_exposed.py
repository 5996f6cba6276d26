from __future__ import annotations

import ast
from typing import Iterator

from secprofile.model.module import module_literal_lookup
from secprofile.model.values import Evaluator
from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.rules.debug._settings_values import in_force, truthy

_UVICORN = frozenset({"uvicorn.run", "uvicorn.main.run", "uvicorn.Config", "uvicorn.config.Config"})
_ALL_INTERFACES = frozenset({"0.0.0.0", "::", "[::]", "*"})
_DEV_FLAGS = ("reload", "debug")


@rule(
    code="SP703",
    slug="dev-server-exposed",
    title="Auto-reloading development server bound to all interfaces",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    cwe=489,
    control="settings-and-secrets",
    kind="node",
    node_types=(ast.Call,),
    hint='Bind the development server to localhost (`uvicorn.run("app.main:app", host="127.0.0.1", reload=True)`) '
    "and run production without `reload` (`uvicorn app.main:app --host 0.0.0.0 --workers 4`).",
)
def dev_server_exposed(node: ast.Call, ctx: FileContext) -> Iterator[Hit]:
    """
    ## What it does
    Flags `uvicorn.run(...)` (and `uvicorn.Config(...)`) started in development mode
    (`reload=True`, or the old `debug=True`) while listening on every network interface
    (`host="0.0.0.0"` or `"::"`), typically under `if __name__ == "__main__":`. Values read
    from the environment count with their defaults (`host=os.getenv("HOST", "0.0.0.0")`).

    Not reported: the reloader on `127.0.0.1` (a local development server), and `0.0.0.0`
    without `reload` (how a server in a container must listen).

    ## Why is this bad?
    The reloader is a development tool: it watches the source tree, restarts on every change and
    runs a single process. Bound to `0.0.0.0` it puts that development server on the office or
    café network, and when the same entry point is used to start production, production runs
    the reloader too, often together with debug mode.

    ## Example
    ```python
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    if __name__ == "__main__":
        uvicorn.run("main:app", host="0.0.0.0", port=8000, reload=True)
    ```

    ## Use instead
    ```python
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    if __name__ == "__main__":
        uvicorn.run("main:app", host="127.0.0.1", port=8000, reload=True)
    ```

    ## Known problems
    Host and reload values read from settings in another module are not evaluated. Servers
    started from a shell script, a `Dockerfile` or a `Procfile` are not scanned. Django's
    `runserver 0.0.0.0:8000` is a command line, not code, and is not covered.

    ## References
    - https://www.uvicorn.org/deployment/
    - https://www.uvicorn.org/settings/#development
    - https://cwe.mitre.org/data/definitions/489.html
    """
    func = node.func
    if not node.keywords or not (isinstance(func, ast.Name) or (
            isinstance(func, ast.Attribute) and func.attr in ("run", "Config"))):
        return
    callee = ctx.resolve_call(node)
    if callee not in _UVICORN or not node.keywords:
        return
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    if "host" not in keywords or not any(flag in keywords for flag in _DEV_FLAGS):
        return
    evaluate = Evaluator(ctx.names, module_literal_lookup(ctx.tree, ctx.names))
    function = ctx.enclosing_function()
    host = in_force(keywords["host"], ctx.names, evaluate, None, function)
    if host is None or not isinstance(host.value, str) or host.value.strip() not in _ALL_INTERFACES:
        return
    for flag in _DEV_FLAGS:
        value = in_force(keywords.get(flag), ctx.names, evaluate, None, function) if flag in keywords else None
        if value is not None and truthy(value.value):
            from_env = "env" in (host.how, value.how)
            yield ctx.hit(
                node,
                f"uvicorn.{callee.rsplit('.', 1)[1]}(host={host.value!r}, {flag}=True) serves the "
                "auto-reloading development server on every network interface"
                + (" unless the environment says otherwise" if from_env else ""),
                confidence=Confidence.MEDIUM if from_env else None,
            )
            return
