from __future__ import annotations

from typing import Iterator

from secprofile.flow import flow_hits
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP604",
    slug="url-fetch-from-request-data",
    title="Server-side request to a URL from request data (SSRF)",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=918,
    control="other-injection",
    kind="project",
    hint="Fetch only fixed hosts (`f\"https://api.example.com/items/{item_id}\"`), or parse the URL and check "
    "`urlparse(url).hostname in ALLOWED_HOSTS` (and the scheme) before the request.",
)
def url_fetch_from_request_data(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Follows request data (FastAPI parameters, `Request` reads, Django/DRF request data)
    through string building and helper functions, across modules, into the URL of an
    outgoing request: `requests.get/post/...`, `httpx.get/...`, methods of an
    `httpx.Client`/`AsyncClient`, `requests.Session` or `aiohttp.ClientSession`, and
    `urllib.request.urlopen`. One finding per request reached.

    A URL whose scheme and host are a constant prefix (`f"https://api.example.com/{path}"`)
    is not reported, nor are values passed as `params=`/`json=`, nor URLs whose host is
    checked against an allow-list (`urlparse(url).hostname in ALLOWED_HOSTS`) or by a
    validator whose name says so (`is_safe_url(url)`).

    ## Why is this bad?
    The server fetches whatever the client names: cloud metadata endpoints
    (`http://169.254.169.254/`), admin services on localhost, internal networks behind the
    firewall. With redirects followed, even a checked public URL can bounce inside.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/images/import")
    def import_image(url: str):
        response = httpx.get(url, follow_redirects=True)
        return {"size": len(response.content)}
    ```

    ## Use instead
    ```python
    from urllib.parse import urlparse

    import httpx
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    ALLOWED_HOSTS = {"images.example.com", "cdn.example.com"}


    @app.post("/images/import")
    def import_image(url: str):
        if urlparse(url).hostname not in ALLOWED_HOSTS:
            raise HTTPException(status_code=400, detail="host not allowed")
        response = httpx.get(url)
        return {"size": len(response.content)}
    ```

    ## Known problems
    Host checks written another way (a regular expression, a helper with an unusual name)
    are not understood; suppress with a reason. DNS rebinding and redirects after an
    allow-list check are not modelled.

    ## References
    - https://cwe.mitre.org/data/definitions/918.html
    - https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/
    - https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html
    """
    yield from flow_hits(project, ("ssrf",))
