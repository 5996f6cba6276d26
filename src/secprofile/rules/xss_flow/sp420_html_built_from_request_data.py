from __future__ import annotations

from typing import Iterator

from secprofile.flow import flow_hits
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP420",
    slug="html-built-from-request-data",
    title="HTML response built from request data",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=79,
    control="xss",
    kind="project",
    hint="Render HTML with an auto-escaping template engine (Jinja2Templates, Django templates), or escape "
    "every value with `html.escape(value)` before it goes into markup.",
)
def html_built_from_request_data(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Follows request data (FastAPI parameters and `Request` reads, Django/DRF `request.GET`,
    `request.POST`, cookies, headers) through string building and helper functions, across
    modules, into HTML that no template engine escapes: FastAPI/Starlette `HTMLResponse`,
    `Response(..., media_type="text/html")`, Django `HttpResponse` and its error
    subclasses (HTML unless another `content_type` is given) and `markupsafe.Markup`. The
    output of Jinja2 templates rendered with autoescaping off (`jinja2.Template(...).render(...)`,
    `Environment()` without `autoescape`) carries its context unescaped into those responses.
    One finding per response reached.

    `html.escape`, `markupsafe.escape` and `django.utils.html.escape` sanitise, as do numeric
    casts and allow-lists. `mark_safe`, `SafeString` and `format_html` misuse, and
    templates marked `|safe`, are reported by the SP40x rules.

    ## Why is this bad?
    A `<script>` in a query parameter runs in the victim's browser with the site's
    origin: it reads the page, its cookies (unless `HttpOnly`) and acts as the user.
    Building HTML with f-strings skips the escaping a template engine would do.

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI()


    @app.get("/hello")
    def hello(name: str = "world"):
        return HTMLResponse(f"<h1>Hello {name}</h1>")
    ```

    ## Use instead
    ```python
    import html

    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI()


    @app.get("/hello")
    def hello(name: str = "world"):
        return HTMLResponse(f"<h1>Hello {html.escape(name)}</h1>")
    ```

    ## Known problems
    Data that is stored first and rendered later (stored XSS through the database) is not
    followed. Escaping done by a helper that is not one of the known escape functions is
    not understood; suppress with `# secprofile: ignore[SP420] <reason>`. A Django
    `HttpResponse` whose content type is set through a variable is treated as HTML.

    ## References
    - https://cwe.mitre.org/data/definitions/79.html
    - https://owasp.org/www-community/attacks/xss/
    - https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html
    """
    yield from flow_hits(project, ("xss",))
