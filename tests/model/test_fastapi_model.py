"""Snippet tests of the linked FastAPI model (``project.fastapi``).

Each test writes a tiny project under ``tmp_path``, links it the way a scan
does (per-file facts, then :func:`secprofile.model.project.link`) and asserts
on the routes, dependencies, auth evidence and middleware the model reports.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from secprofile._analysis import analyze_file
from secprofile.model.fastapi_app import FastAPIModel, Route
from secprofile.model.project import Project, link
from secprofile.model.values import FromEnv, Literal
from secprofile.source.discovery import discover


def project_of(tmp_path: Path, files: dict[str, str]) -> Project:
    for relpath, source in files.items():
        target = tmp_path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source))
    found, _ = discover(tmp_path, ())
    results = [analyze_file(item, item.path.read_bytes()) for item in found]
    return link(tmp_path, [r.facts for r in results if r.facts is not None])


def apps_of(tmp_path: Path, files: dict[str, str]) -> FastAPIModel:
    return project_of(tmp_path, files).fastapi


def routes_of(tmp_path: Path, files: dict[str, str]) -> dict[str, Route]:
    """Routes keyed by ``"METHOD /full/path"`` (``WEBSOCKET /path`` for websockets)."""
    return {route.display: route for route in apps_of(tmp_path, files).routes}


SECURITY = """
    from typing import Annotated

    import jwt
    from fastapi import Cookie, Depends, HTTPException, Request, Security
    from fastapi.security import APIKeyCookie, HTTPBearer, OAuth2, OAuth2PasswordBearer, SecurityScopes

    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/token")
    bearer = HTTPBearer()
    session_cookie = APIKeyCookie(name="session")


    def get_current_user(token: str = Depends(oauth2_scheme)):
        return jwt.decode(token, "k", algorithms=["HS256"])


    def get_admin(user=Depends(get_current_user)):
        if not user.get("admin"):
            raise HTTPException(status_code=403)
        return user


    def get_scoped_user(scopes: SecurityScopes, token: str = Depends(oauth2_scheme)):
        return token


    def user_from_cookie(session: str | None = Cookie(None)):
        if session is None:
            raise HTTPException(status_code=401)
        return session


    def user_from_session(request: Request):
        user = request.session.get("user")
        if not user:
            raise HTTPException(status_code=401)
        return user


    class RoleChecker:
        def __init__(self, *roles):
            self.roles = roles

        def __call__(self, user=Depends(get_current_user)):
            return user


    class CookieBearer(OAuth2):
        async def __call__(self, request: Request):
            token = request.cookies.get("access_token")
            if not token:
                raise HTTPException(status_code=401)
            return token


    cookie_bearer = CookieBearer()

    def get_db():
        yield None


    CurrentUser = Annotated[dict, Depends(get_current_user)]
    DB = Annotated[object, Depends(get_db)]
"""


def test_include_router_chain_accumulates_prefixes_and_dependencies(tmp_path):
    routes = routes_of(tmp_path, {
        "app/__init__.py": "",
        "app/security.py": SECURITY,
        "app/api/__init__.py": "",
        "app/api/items.py": """
            from fastapi import APIRouter

            router = APIRouter(prefix="/items", tags=["items"])

            @router.get("/")
            def list_items():
                return []

            @router.delete("/{item_id}")
            def delete_item(item_id: int):
                return None
        """,
        "app/api/api.py": """
            from fastapi import APIRouter, Depends

            from app.api import items
            from app.security import get_current_user

            api_router = APIRouter()
            api_router.include_router(items.router, prefix="/v1", dependencies=[Depends(get_current_user)])
        """,
        "app/main.py": """
            from fastapi import FastAPI
            from app.api.api import api_router

            app = FastAPI()
            app.include_router(api_router, prefix="/api")
        """,
    })
    assert set(routes) == {"GET /api/v1/items", "DELETE /api/v1/items/{item_id}"}
    route = routes["DELETE /api/v1/items/{item_id}"]
    assert route.app == "app.main.app"
    assert route.attached
    assert route.dependencies == ("app.security.get_current_user",)
    assert route.auth is not None and route.auth.level == "include"
    assert route.auth.symbol == "app.security.get_current_user" and route.auth.how == "security-scheme"
    assert route.path_params() == ("item_id",)
    assert route.state_changing and not routes["GET /api/v1/items"].state_changing


def test_router_dependencies_and_app_dependencies(tmp_path):
    routes = routes_of(tmp_path, {
        "security.py": SECURITY,
        "main.py": """
            from fastapi import APIRouter, Depends, FastAPI
            from security import get_admin, get_db

            admin = APIRouter(prefix="/admin", dependencies=[Depends(get_admin)])

            @admin.post("/purge")
            def purge():
                return {}

            app = FastAPI(dependencies=[Depends(get_db)])
            app.include_router(admin)

            @app.post("/open")
            def open_route():
                return {}
        """,
    })
    purge = routes["POST /admin/purge"]
    assert purge.auth is not None and purge.auth.level == "router" and purge.auth.symbol == "security.get_admin"
    assert purge.dependencies == ("security.get_db", "security.get_admin")
    assert routes["POST /open"].auth is None


def test_mounted_sub_app_routes_get_the_mount_prefix(tmp_path):
    routes = routes_of(tmp_path, {
        "main.py": """
            from fastapi import FastAPI
            from fastapi.staticfiles import StaticFiles

            app = FastAPI()
            v2 = FastAPI()

            @v2.post("/orders")
            def create_order():
                return {}

            app.mount("/v2", v2)
            app.mount("/static", StaticFiles(directory="static"), name="static")
        """,
    })
    assert "POST /v2/orders" in routes
    assert routes["POST /v2/orders"].app == "main.app"
    model = apps_of(tmp_path, {})
    main_app = next(a for a in model.apps if a.symbol == "main.app")
    assert [m.path for m in main_app.mounts] == ["/v2", "/static"]


def test_add_api_route_and_api_route_methods(tmp_path):
    routes = routes_of(tmp_path, {
        "main.py": """
            from fastapi import APIRouter, FastAPI

            router = APIRouter(prefix="/things")

            def archive(thing_id: int):
                return {}

            router.add_api_route("/{thing_id}/archive", archive, methods=["POST", "put"])

            @router.api_route("/{thing_id}", methods=["GET", "PATCH"])
            def thing(thing_id: int):
                return {}

            @router.api_route("/default")
            def default_get():
                return {}

            app = FastAPI()
            app.include_router(router)
        """,
    })
    archive = routes["POST/PUT /things/{thing_id}/archive"]
    assert archive.methods == ("POST", "PUT") and archive.handler_name == "main.archive"
    assert archive.handler is not None and archive.handler.name == "archive"
    assert routes["GET/PATCH /things/{thing_id}"].state_changing
    assert routes["GET /things/default"].methods == ("GET",)


def test_websocket_routes(tmp_path):
    routes = routes_of(tmp_path, {
        "main.py": """
            from fastapi import FastAPI, WebSocket

            app = FastAPI()

            @app.websocket("/ws/{room}")
            async def chat(websocket: WebSocket, room: str):
                await websocket.accept()

            async def feed(websocket: WebSocket):
                await websocket.accept()

            app.add_api_websocket_route("/feed", feed)
        """,
    })
    assert routes["WEBSOCKET /ws/{room}"].kind == "websocket"
    assert routes["WEBSOCKET /feed"].kind == "websocket"
    assert not routes["WEBSOCKET /ws/{room}"].state_changing


def test_annotated_aliases_class_dependencies_and_security(tmp_path):
    routes = routes_of(tmp_path, {
        "security.py": SECURITY,
        "main.py": """
            from typing import Annotated

            from fastapi import Depends, FastAPI, Security
            from security import DB, CurrentUser, RoleChecker, bearer, get_scoped_user, get_current_user

            app = FastAPI()

            @app.post("/alias")
            def alias(user: CurrentUser, db: DB):
                return {}

            @app.post("/inline")
            def inline(user: Annotated[dict, Depends(get_current_user)]):
                return {}

            @app.post("/class", dependencies=[Depends(RoleChecker("admin"))])
            def with_class():
                return {}

            @app.post("/scoped")
            def scoped(user=Security(get_scoped_user, scopes=["items:write"])):
                return {}

            @app.post("/bearer")
            def with_bearer(credentials=Depends(bearer)):
                return {}

            @app.post("/db-only")
            def db_only(db: DB):
                return {}
        """,
    })
    assert routes["POST /alias"].auth.symbol == "security.get_current_user"
    assert routes["POST /alias"].dependencies == ("security.get_current_user", "security.get_db")
    assert routes["POST /inline"].auth.symbol == "security.get_current_user"
    assert routes["POST /class"].auth.symbol == "security.RoleChecker"
    assert routes["POST /class"].auth.level == "route"
    scoped = routes["POST /scoped"]
    assert scoped.auth.symbol == "security.get_scoped_user"
    assert scoped.handler.params[0].marker == "Security" and scoped.handler.params[0].scopes == ("items:write",)
    assert routes["POST /bearer"].auth.how == "security-scheme"
    assert routes["POST /db-only"].auth is None


def test_factory_app_with_routers_imported_under_aliases(tmp_path):
    routes = routes_of(tmp_path, {
        "shop/__init__.py": "",
        "shop/security.py": SECURITY,
        "shop/routers/orders.py": """
            from fastapi import APIRouter as Router, Depends
            from shop.security import get_current_user

            orders_router = Router(prefix="/orders")

            @orders_router.get("/{order_id}")
            def get_order(order_id: int, user=Depends(get_current_user)):
                return {}
        """,
        "shop/routers/__init__.py": "from .orders import orders_router as all_orders\n",
        "shop/app.py": """
            from fastapi import FastAPI
            from shop.routers import all_orders as order_routes
            import shop.routers.orders as orders_module

            def create_app() -> FastAPI:
                application = FastAPI()
                application.include_router(order_routes, prefix="/api")
                application.include_router(orders_module.orders_router, prefix="/legacy")

                @application.post("/api/feedback")
                def feedback():
                    return {}

                return application

            app = create_app()
        """,
    })
    assert set(routes) == {"GET /api/orders/{order_id}", "GET /legacy/orders/{order_id}", "POST /api/feedback"}
    assert routes["GET /api/orders/{order_id}"].app == "shop.app.create_app.<locals>.application"
    assert routes["GET /api/orders/{order_id}"].handler_name == "shop.routers.orders.get_order"
    assert routes["GET /api/orders/{order_id}"].attached
    assert routes["POST /api/feedback"].handler_name == "shop.app.create_app.<locals>.feedback"


def test_unattached_router_is_kept_and_marked(tmp_path):
    routes = routes_of(tmp_path, {
        "routes.py": """
            from fastapi import APIRouter

            router = APIRouter()

            @router.post("/orphan")
            def orphan():
                return {}
        """,
    })
    assert routes["POST /orphan"].attached is False
    assert routes["POST /orphan"].app == "<unattached>"


def test_middleware_via_add_middleware_and_constructor_list(tmp_path):
    model = apps_of(tmp_path, {
        "main.py": """
            from fastapi import FastAPI
            from fastapi.middleware.cors import CORSMiddleware
            from starlette.middleware import Middleware
            from starlette.middleware.sessions import SessionMiddleware
            from starlette_csrf import CSRFMiddleware

            app = FastAPI(middleware=[Middleware(SessionMiddleware, secret_key="x", same_site="strict")])
            app.add_middleware(CORSMiddleware, allow_origins=["https://a.example"], allow_credentials=True)
            app.add_middleware(CSRFMiddleware, secret="s")

            @app.middleware("http")
            async def timing(request, call_next):
                return await call_next(request)
        """,
    })
    middleware = {m.middleware: m for m in model.middleware}
    assert set(middleware) == {
        "starlette.middleware.sessions.SessionMiddleware", "fastapi.middleware.cors.CORSMiddleware",
        "starlette_csrf.CSRFMiddleware", "main.timing",
    }
    assert middleware["starlette.middleware.sessions.SessionMiddleware"].option("same_site") == Literal("strict", "'strict'")
    assert middleware["fastapi.middleware.cors.CORSMiddleware"].option("allow_credentials").value is True
    assert middleware["main.timing"].is_function


def test_authenticating_middleware_covers_routes(tmp_path):
    routes = routes_of(tmp_path, {
        "main.py": """
            from fastapi import FastAPI, Request
            from fastapi.responses import JSONResponse
            from starlette.middleware.base import BaseHTTPMiddleware

            class TokenMiddleware(BaseHTTPMiddleware):
                async def dispatch(self, request: Request, call_next):
                    if "authorization" not in request.headers:
                        return JSONResponse({"detail": "no"}, status_code=401)
                    return await call_next(request)

            app = FastAPI()
            app.add_middleware(TokenMiddleware)

            @app.post("/things")
            def create():
                return {}
        """,
    })
    assert routes["POST /things"].auth.level == "middleware"
    assert routes["POST /things"].auth.symbol == "main.TokenMiddleware.dispatch"


def test_docs_url_from_settings(tmp_path):
    project = project_of(tmp_path, {
        "config.py": """
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                docs_url: str | None = "/docs"

            settings = Settings()
        """,
        "main.py": """
            from fastapi import FastAPI
            from config import settings

            app = FastAPI(docs_url=settings.docs_url, redoc_url=None)
        """,
    })
    decl = project.fastapi.apps[0].decl
    assert decl.option("redoc_url") == Literal(None, "None")
    docs = decl.option("docs_url")
    assert project.value_of(docs.reference) == FromEnv("DOCS_URL", "/docs", "'/docs'")


def test_cookie_auth_is_detected(tmp_path):
    routes = routes_of(tmp_path, {
        "security.py": SECURITY,
        "main.py": """
            from fastapi import Depends, FastAPI
            from security import cookie_bearer, get_current_user, session_cookie, user_from_cookie, user_from_session

            app = FastAPI()

            @app.post("/cookie-param")
            def a(user=Depends(user_from_cookie)):
                return {}

            @app.post("/session")
            def b(user=Depends(user_from_session)):
                return {}

            @app.post("/api-key-cookie")
            def c(key: str = Depends(session_cookie)):
                return {}

            @app.post("/scheme-subclass")
            def d(token: str = Depends(cookie_bearer)):
                return {}

            @app.post("/bearer")
            def e(user=Depends(get_current_user)):
                return {}
        """,
    })
    for path in ("/cookie-param", "/session", "/api-key-cookie", "/scheme-subclass"):
        assert routes[f"POST {path}"].auth is not None and routes[f"POST {path}"].auth.via_cookie, path
    assert routes["POST /bearer"].auth.via_cookie is False


def test_fastapi_users_cookie_transport_is_cookie_auth(tmp_path):
    routes = routes_of(tmp_path, {
        "users.py": """
            from fastapi_users import FastAPIUsers
            from fastapi_users.authentication import AuthenticationBackend, CookieTransport, JWTStrategy

            cookie_transport = CookieTransport(cookie_name="auth", cookie_max_age=3600)

            def get_jwt_strategy():
                return JWTStrategy(secret="s", lifetime_seconds=3600)

            auth_backend = AuthenticationBackend(name="cookie", transport=cookie_transport, get_strategy=get_jwt_strategy)
            fastapi_users = FastAPIUsers(get_user_manager, [auth_backend])
            current_active_user = fastapi_users.current_user(active=True)
        """,
        "main.py": """
            from fastapi import Depends, FastAPI
            from users import current_active_user

            app = FastAPI()

            @app.post("/notes")
            def create_note(user=Depends(current_active_user)):
                return {}
        """,
    })
    assert routes["POST /notes"].auth is not None
    assert routes["POST /notes"].auth.via_cookie


def test_bearer_transport_is_not_cookie_auth(tmp_path):
    routes = routes_of(tmp_path, {
        "users.py": """
            from fastapi_users import FastAPIUsers
            from fastapi_users.authentication import AuthenticationBackend, BearerTransport

            bearer_transport = BearerTransport(tokenUrl="auth/jwt/login")
            auth_backend = AuthenticationBackend(name="jwt", transport=bearer_transport, get_strategy=None)
            fastapi_users = FastAPIUsers(get_user_manager, [auth_backend])
            current_active_user = fastapi_users.current_user(active=True)
        """,
        "main.py": """
            from fastapi import Depends, FastAPI
            from users import current_active_user

            app = FastAPI()

            @app.post("/notes")
            def create_note(user=Depends(current_active_user)):
                return {}
        """,
    })
    assert routes["POST /notes"].auth is not None
    assert not routes["POST /notes"].auth.via_cookie


def test_route_options_and_response_model(tmp_path):
    routes = routes_of(tmp_path, {
        "main.py": """
            from fastapi import FastAPI
            from pydantic import BaseModel

            class UserOut(BaseModel):
                id: int

            app = FastAPI()

            @app.get("/users/{user_id}", response_model=list[UserOut], status_code=200)
            def get_user(user_id: int):
                return []
        """,
    })
    route = routes["GET /users/{user_id}"]
    assert route.response_model == "main.UserOut"
    assert route.returns_user_data


def test_a_database_session_is_not_a_cookie_session(tmp_path):
    routes = routes_of(tmp_path, {
        "main.py": """
            import jwt
            from fastapi import Depends, FastAPI, Header, HTTPException

            from db import database

            def get_user(authorization: str = Header(...)):
                claims = jwt.decode(authorization.removeprefix("Bearer "), "k", algorithms=["HS256"])
                with database.session() as session:
                    user = session.get_user(claims["sub"])
                if user is None:
                    raise HTTPException(status_code=401)
                return user

            app = FastAPI()

            @app.post("/notes")
            def create_note(user=Depends(get_user)):
                return {}
        """,
    })
    assert routes["POST /notes"].auth is not None
    assert not routes["POST /notes"].auth.via_cookie


def test_dependency_whose_parameter_is_an_annotated_alias(tmp_path):
    routes = routes_of(tmp_path, {
        "security.py": SECURITY,
        "deps.py": """
            from fastapi import HTTPException
            from security import CurrentUser

            def get_current_active_superuser(current_user: CurrentUser):
                if not current_user.get("is_superuser"):
                    raise HTTPException(status_code=403)
                return current_user
        """,
        "main.py": """
            from fastapi import Depends, FastAPI
            from deps import get_current_active_superuser

            app = FastAPI()

            @app.patch("/users/{user_id}", dependencies=[Depends(get_current_active_superuser)])
            def update_user(user_id: int):
                return {}
        """,
    })
    route = routes["PATCH /users/{user_id}"]
    assert route.auth is not None and route.auth.symbol == "deps.get_current_active_superuser"
    assert route.auth.level == "route"
