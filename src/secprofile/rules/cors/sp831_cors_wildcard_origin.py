from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.cors._common import cors_configs


@rule(
    code="SP831",
    slug="cors-wildcard-origin",
    title="CORS allows any origin",
    severity=Severity.INFO,
    confidence=Confidence.HIGH,
    cwe=942,
    control="cors",
    kind="project",
    frameworks=("fastapi",),
    hint="Fine for a public, read-only API without cookies; otherwise list the front-end origins: "
    "`allow_origins=[\"https://app.example.com\"]`.",
)
def cors_wildcard_origin(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Reports, for information, a FastAPI/Starlette `CORSMiddleware` that allows any origin
    (`allow_origins=["*"]`, a match-all `allow_origin_regex`, or an environment default of
    `*`) *without* credentials. With `allow_credentials=True` the same configuration is
    SP830 instead. When `allow_credentials` cannot be evaluated statically, the finding
    says so.

    ## Why is this bad?
    Without credentials a browser sends no cookies or HTTP auth on cross-origin calls, so a
    wildcard is the normal setting for a public API. It becomes a problem when the API
    trusts something else the browser has: a bearer token read from `localStorage` by the
    page is not at risk, but an API reachable only from an internal network is now readable
    by any website a user on that network visits. Record the decision.

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["https://docs.example.com"], allow_methods=["GET"])
    ```

    ## Known problems
    Whether the API is public by design is not something a static scan can tell; suppress
    with a reason (`# secprofile: ignore[SP831] public read-only API`).

    ## References
    - https://www.starlette.io/middleware/#corsmiddleware
    - https://cwe.mitre.org/data/definitions/942.html
    - https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS
    """
    for config in cors_configs(project):
        if not config.wildcard or config.credentials == "yes":
            continue
        message = f"CORSMiddleware {config.how}: any website can read the responses"
        if config.credentials == "unknown":
            message += " (allow_credentials could not be evaluated; with credentials this is SP830)"
        else:
            message += " (no credentials: acceptable for a public API)"
        yield Hit(
            config.location,
            message,
            confidence=Confidence.MEDIUM if config.wildcard_from_env or config.credentials == "unknown" else None,
            symbol=config.decl.owner,
        )
