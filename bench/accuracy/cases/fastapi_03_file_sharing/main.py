from fastapi import FastAPI

import db
from routers import files, shares

app = FastAPI(
    title="DropShare",
    version="0.3.0",
    debug=True,
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
)


@app.on_event("startup")
def on_startup() -> None:
    db.init_db()


app.include_router(files.router)
app.include_router(shares.router)


@app.get("/health")
def health():
    return {"status": "ok"}
