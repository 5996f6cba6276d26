from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP101",
    slug="route-without-authentication",
    title="Route without authentication",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=306,
    control="authentication",
    kind="project",
    frameworks=("fastapi",),
    hint="Add an authentication dependency to the route, its router (APIRouter(dependencies=[...])) "
    "or the include_router call, e.g. `user: User = Depends(get_current_user)`.",
)
def route_without_authentication(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags FastAPI routes that change state (POST, PUT, PATCH, DELETE) or return user or
    admin data, when no authentication is established for them at any level: a dependency
    of the route or of its parameters, of its `APIRouter`, of the `include_router` call,
    of the `FastAPI` app, an authenticating middleware, or a check in the handler itself.
    One finding per route.

    A dependency establishes authentication when it is a `fastapi.security` scheme, a
    fastapi-users `current_user`, or a function or callable class that (transitively)
    depends on one, decodes a token, or rejects the request with 401 (or 403 after reading
    credentials). Paths that are public by design (login, register, token, health, webhooks)
    are not reported.

    ## Why is this bad?
    FastAPI has no authentication by default: every route is public until a dependency says
    otherwise. Code assistants add `Depends(get_current_user)` to the routes they were asked
    about and forget the rest, so a `DELETE /items/{id}` beside protected routes is open to
    anyone on the network.

    ## Example
    ```python
    from fastapi import APIRouter, Depends
    from fastapi.security import OAuth2PasswordBearer

    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
    router = APIRouter()

    @router.get("/items")
    def list_items(token: str = Depends(oauth2_scheme)):
        return []

    @router.delete("/items/{item_id}")
    def delete_item(item_id: int):
        return {"deleted": item_id}
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter, Depends
    from fastapi.security import OAuth2PasswordBearer

    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
    router = APIRouter(dependencies=[Depends(oauth2_scheme)])

    @router.delete("/items/{item_id}")
    def delete_item(item_id: int):
        return {"deleted": item_id}
    ```

    ## Known problems
    Authentication enforced outside the code (an API gateway, a reverse proxy) is invisible
    to a static scan; suppress with `# secprofile: ignore[SP101] gateway enforces auth`.
    Dependencies from installed packages are judged by their name.

    ## References
    - https://fastapi.tiangolo.com/tutorial/security/
    - https://cwe.mitre.org/data/definitions/306.html
    - https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/
    """
    routes = [r for r in project.fastapi.routes if r.kind == "http"]
    project_uses_auth = any(r.auth is not None for r in routes)
    for route in routes:
        if route.auth is not None or route.is_public_by_design:
            continue
        if not (route.state_changing or route.returns_user_data):
            continue
        why = "changes state" if route.state_changing else "returns user data"
        handler = route.handler_name.rsplit(".", 1)[-1]
        confident = project_uses_auth and route.attached
        yield Hit(
            route.location,
            f"{route.display} ({handler}) {why} but has no authentication dependency at route, "
            "router or app level",
            confidence=None if confident else Confidence.MEDIUM,
            symbol=route.handler_name,
        )
