import hashlib
from datetime import datetime, timedelta, timezone

import aiosqlite
import jwt
from fastapi import Depends, Header, HTTPException, Request, status

from relay.config import JWT_SECRET, SESSION_TTL_HOURS
from relay.storage import get_db


def create_session_token(user_id: int) -> str:
    exp = datetime.now(timezone.utc) + timedelta(hours=SESSION_TTL_HOURS)
    return jwt.encode({"sub": str(user_id), "exp": exp}, JWT_SECRET, algorithm="HS256")


async def current_user_from_cookie(request: Request, db: aiosqlite.Connection = Depends(get_db)) -> dict:
    token = request.cookies.get("hky_session")
    if not token:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Not logged in")
    try:
        payload = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Session expired")
    async with db.execute("SELECT id, email FROM users WHERE id = ?", (int(payload["sub"]),)) as cur:
        row = await cur.fetchone()
    if row is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Unknown user")
    return dict(row)


async def current_user_from_api_key(
    x_api_key: str = Header(...), db: aiosqlite.Connection = Depends(get_db)
) -> dict:
    key_hash = hashlib.sha256(x_api_key.encode()).hexdigest()
    async with db.execute("SELECT id, email FROM users WHERE api_key_hash = ?", (key_hash,)) as cur:
        row = await cur.fetchone()
    if row is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid API key")
    return dict(row)
