from __future__ import annotations

from typing import Iterator

from secprofile.flow import flow_hits
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP602",
    slug="code-eval-of-request-data",
    title="Request data evaluated as Python code",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    cwe=95,
    control="other-injection",
    kind="project",
    hint="Never evaluate request data: parse it (`json.loads`, `ast.literal_eval` for literals) or map "
    "allowed names to functions in a dict.",
)
def code_eval_of_request_data(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Follows request data (FastAPI parameters, `Request` reads, Django/DRF request data,
    cookies, headers) through string building and helper functions, across modules, into
    `eval()`, `exec()` or `compile()`. One finding per call reached.

    ## Why is this bad?
    `eval` runs whatever Python it is given: `__import__("os").system("...")` in a
    "calculator" parameter is remote code execution.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/calc")
    def calculate(expr: str):
        return {"result": eval(expr)}
    ```

    ## Use instead
    ```python
    import ast

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/calc")
    def calculate(expr: str):
        return {"result": ast.literal_eval(expr)}
    ```

    ## Known problems
    `eval` of a string that only *contains* request data after an allow-list check in a
    helper with an unusual name is still reported; suppress with a reason.

    ## References
    - https://cwe.mitre.org/data/definitions/95.html
    - https://docs.python.org/3/library/functions.html#eval
    """
    yield from flow_hits(project, ("code",))
