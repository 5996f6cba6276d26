from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.model.values import Literal
from secprofile.rules.base import Confidence, Hit, Severity, rule

_DOC_OPTIONS = (("docs_url", "/docs"), ("redoc_url", "/redoc"), ("openapi_url", "/openapi.json"))


@rule(
    code="SP820",
    slug="api-docs-exposed",
    title="API docs exposed in every environment",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=200,
    control="api-docs",
    kind="project",
    frameworks=("fastapi",),
    hint="Gate the docs on the environment: `FastAPI(docs_url=None if settings.ENV == \"production\" "
    "else \"/docs\", redoc_url=None, openapi_url=...)`.",
)
def api_docs_exposed(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags a `FastAPI(...)` application whose interactive docs (`/docs`, `/redoc`) and schema
    (`/openapi.json`) are left at their defaults or set to a constant path, with no gating on
    the environment or on settings. A value computed from settings or the environment
    (`docs_url=settings.docs_url`, `None if PROD else "/docs"`) counts as gated.

    ## Why is this bad?
    The OpenAPI schema is a map of every route, parameter and model, including internal and
    admin endpoints; Swagger UI lets anyone try them. FastAPI serves all three by default,
    in production too.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI(title="Shop API")
    ```

    ## Use instead
    ```python
    import os
    from fastapi import FastAPI

    production = os.environ.get("ENV") == "production"
    app = FastAPI(
        title="Shop API",
        docs_url=None if production else "/docs",
        redoc_url=None,
        openapi_url=None if production else "/openapi.json",
    )
    ```

    ## Known problems
    Docs protected by a reverse proxy, or deliberately public (a public API), are reported;
    suppress with a reason.

    ## References
    - https://fastapi.tiangolo.com/how-to/conditional-openapi/
    - https://cwe.mitre.org/data/definitions/200.html
    """
    for app in project.fastapi.apps:
        decl = app.decl
        if decl is None or decl.kind != "app" or decl.option("**") is not None:
            continue
        if decl.symbol.rsplit(".", 1)[-1].startswith("_"):
            continue
        exposed = []
        for name, default in _DOC_OPTIONS:
            value = decl.option(name)
            if value is None:
                exposed.append(default)
            elif isinstance(value, Literal) and isinstance(value.value, str) and value.value:
                exposed.append(value.value)
        openapi = decl.option("openapi_url")
        if isinstance(openapi, Literal) and openapi.value is None:
            continue  # no schema: /docs and /redoc have nothing to show
        if exposed:
            yield Hit(
                decl.location,
                f"{', '.join(exposed)} served in every environment (no environment gating)",
                symbol=decl.symbol,
            )
