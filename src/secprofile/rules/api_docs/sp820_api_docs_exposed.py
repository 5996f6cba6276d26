from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.model.values import FromEnv, Literal, Unknown, effective
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
    the environment. Values from settings are followed: `docs_url=settings.docs_url` where a
    pydantic `BaseSettings` field defaults to `"/docs"`, or `os.getenv("DOCS_URL", "/docs")`,
    are docs that stay on unless the deployment sets the variable (medium confidence). A
    conditional (`None if PROD else "/docs"`) or a setting with no default counts as gated.

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
        exposed, by_default = [], []
        for name, default in _DOC_OPTIONS:
            value = decl.option(name)
            if isinstance(value, Unknown):  # docs_url=settings.docs_url: look at the setting
                value = project.value_of(value.reference) or value
            if value is None:
                exposed.append(default)
            elif isinstance(value, Literal) and isinstance(value.value, str) and value.value:
                exposed.append(value.value)
            elif isinstance(value, FromEnv) and isinstance(value.default, str) and value.default \
                    and (name != "openapi_url" or by_default):  # a schema alone, with the UIs gated, is a choice
                by_default.append(f"{value.default} (unless {value.variable} is set)")
        openapi = decl.option("openapi_url")
        openapi = project.value_of(openapi.reference) or openapi if isinstance(openapi, Unknown) else openapi
        if effective(openapi) is None and openapi is not None and not isinstance(openapi, Unknown):
            continue  # no schema: /docs and /redoc have nothing to show
        if exposed:
            yield Hit(
                decl.location,
                f"{', '.join(exposed + by_default)} served in every environment (no environment gating)",
                symbol=decl.symbol,
            )
        elif by_default:
            yield Hit(
                decl.location,
                f"{', '.join(by_default)}: docs are on unless the deployment turns them off",
                confidence=Confidence.MEDIUM,
                symbol=decl.symbol,
            )
