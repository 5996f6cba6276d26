from urllib.parse import urlparse

import aiosqlite
import bcrypt
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, EmailStr

from relay.auth import create_session_token, current_user_from_cookie
from relay.config import ALLOWED_RETURN_HOSTS, DASHBOARD_ORIGIN, SESSION_TTL_HOURS
from relay.storage import get_db

router = APIRouter(prefix="/dashboard", tags=["dashboard"])


class LoginIn(BaseModel):
    email: EmailStr
    password: str


@router.post("/login")
async def login(body: LoginIn, db: aiosqlite.Connection = Depends(get_db)):
    async with db.execute("SELECT id, password_hash FROM users WHERE email = ?", (body.email,)) as cur:
        row = await cur.fetchone()
    if row is None or not bcrypt.checkpw(body.password.encode(), row["password_hash"].encode()):
        raise HTTPException(status_code=401, detail="Invalid email or password")

    response = JSONResponse({"ok": True})
    response.set_cookie(
        "hky_session",
        create_session_token(row["id"]),
        max_age=SESSION_TTL_HOURS * 3600,
        domain=".hky.to",
        secure=True,
        httponly=False,
        samesite="none",
    )
    return response


@router.get("/logout")
async def logout(return_to: str = DASHBOARD_ORIGIN):
    parsed = urlparse(return_to)
    if parsed.scheme != "https" or parsed.hostname not in ALLOWED_RETURN_HOSTS:
        return_to = DASHBOARD_ORIGIN
    response = RedirectResponse(return_to, status_code=303)
    response.delete_cookie("hky_session", domain=".hky.to")
    return response


@router.get("/open")
async def open_in_dashboard(path: str = "/"):
    """Deep link into the SPA, e.g. /dashboard/open?path=/links/abc123"""
    return RedirectResponse(f"{DASHBOARD_ORIGIN}{path}", status_code=302)


@router.post("/links/{code}/archive", status_code=204)
async def archive_link(
    code: str,
    user: dict = Depends(current_user_from_cookie),
    db: aiosqlite.Connection = Depends(get_db),
):
    await db.execute("UPDATE links SET archived = 1 WHERE code = ? AND owner_id = ?", (code, user["id"]))
    await db.commit()
