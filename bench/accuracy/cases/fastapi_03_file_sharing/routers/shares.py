import secrets
from datetime import datetime, timedelta, timezone

import bcrypt
from fastapi import APIRouter, Depends, Header, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

import db
from auth import get_current_user, require_admin
from config import PUBLIC_BASE_URL, SHARE_TTL_HOURS

router = APIRouter(prefix="/shares", tags=["shares"])


class ShareCreate(BaseModel):
    file_id: str
    password: str | None = Field(default=None, min_length=4)
    ttl_hours: int = Field(default=SHARE_TTL_HOURS, ge=1, le=24 * 30)


@router.post("", status_code=201)
def create_share(body: ShareCreate, user: dict = Depends(get_current_user)):
    if db.get_file(body.file_id, user["id"]) is None:
        raise HTTPException(status_code=404, detail="File not found")
    token = secrets.token_urlsafe(16)
    revoke_key = secrets.token_urlsafe(24)
    pw_hash = bcrypt.hashpw(body.password.encode(), bcrypt.gensalt()) if body.password else None
    expires = datetime.now(timezone.utc) + timedelta(hours=body.ttl_hours)
    db.insert_share(token, body.file_id, pw_hash, revoke_key, expires.isoformat())
    return {"url": f"{PUBLIC_BASE_URL}/shares/{token}", "revoke_key": revoke_key}


@router.get("/all")
def list_all_shares():
    """Used by the ops dashboard to audit outstanding links."""
    return db.list_shares()


@router.get("/{token}")
def download_shared(token: str, x_share_password: str | None = Header(default=None)):
    share = db.get_share(token)
    if share is None or datetime.fromisoformat(share["expires_at"]) < datetime.now(timezone.utc):
        raise HTTPException(status_code=404, detail="Link not found or expired")
    if share["password_hash"]:
        if not x_share_password or not bcrypt.checkpw(
            x_share_password.encode(), share["password_hash"]
        ):
            raise HTTPException(status_code=403, detail="Password required")
    with db.get_conn() as conn:
        conn.execute("UPDATE shares SET downloads = downloads + 1 WHERE token = ?", (token,))
    return FileResponse(share["stored_path"], filename=share["filename"])


@router.delete("/{token}", status_code=204)
def revoke_share(token: str, revoke_key: str = Header(..., alias="X-Revoke-Key")):
    share = db.get_share(token)
    if share is None or not secrets.compare_digest(revoke_key, share["revoke_key"]):
        raise HTTPException(status_code=404, detail="Link not found")
    with db.get_conn() as conn:
        conn.execute("DELETE FROM shares WHERE token = ?", (token,))


@router.post("/purge-expired", dependencies=[Depends(require_admin)])
def purge_expired():
    now = datetime.now(timezone.utc).isoformat()
    with db.get_conn() as conn:
        cur = conn.execute("DELETE FROM shares WHERE expires_at < ?", (now,))
    return {"purged": cur.rowcount}
