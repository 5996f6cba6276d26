import logging
import traceback

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from shop.routers import accounts, catalog, orders
from shop.settings import settings

logger = logging.getLogger("shop")


app = FastAPI(title="Shop API", version="1.4.0")

app.add_middleware(
    CORSMiddleware,
    allow_origins=settings.allowed_origins,
    allow_credentials=True,
    allow_methods=["GET", "POST", "PATCH", "DELETE"],
    allow_headers=["Authorization", "Content-Type"],
)


@app.exception_handler(Exception)
async def unhandled_exception_handler(request: Request, exc: Exception):
    logger.exception("Unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(
        status_code=500,
        content={
            "detail": "Internal server error",
            "error": repr(exc),
            "trace": traceback.format_exc().splitlines()[-6:],
        },
    )


app.include_router(accounts.router)
app.include_router(catalog.router)
app.include_router(orders.router)
app.include_router(orders.admin_router)
