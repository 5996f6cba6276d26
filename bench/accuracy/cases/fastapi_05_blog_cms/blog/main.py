from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from blog.config import config
from blog.database import Base, engine
from blog.routers import admin, public

Base.metadata.create_all(bind=engine)

app = FastAPI(title=config.SITE_NAME, docs_url=None, redoc_url=None, openapi_url=None)

app.add_middleware(
    SessionMiddleware,
    secret_key="f1eldn0tes-s3ss10n-k3y-2024-07",
    max_age=60 * 60 * 24 * 7,
    same_site="lax",
    https_only=True,
)


@app.middleware("http")
async def security_headers(request: Request, call_next):
    response = await call_next(request)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


app.mount("/static", StaticFiles(directory="blog/static", check_dir=False), name="static")
app.include_router(public.router)
app.include_router(admin.router)
