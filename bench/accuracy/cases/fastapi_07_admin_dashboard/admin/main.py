from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from admin.auth import require_admin
from admin.db import engine, metadata
from admin.routers import reports, system, users

metadata.create_all(engine)

app = FastAPI(
    title="Ops Admin API",
    version="2.3.0",
    description="Internal API used by the ops dashboard.",
)

app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://ops.internal.example.com"],
    allow_methods=["GET", "POST", "PATCH"],
    allow_headers=["X-Admin-Token", "Content-Type"],
)

app.include_router(users.router, dependencies=[Depends(require_admin)])
app.include_router(reports.router, dependencies=[Depends(require_admin)])
app.include_router(system.router)
