import hashlib
import hmac
import json
import secrets

import aiosqlite
from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, Field, HttpUrl

from relay.auth import current_user_from_api_key
from relay.config import PUBLIC_URL, WEBHOOK_SIGNING_SECRET
from relay.services.http import forward_webhook
from relay.storage import get_db, get_hook_by_slug

router = APIRouter(prefix="/hooks", tags=["hooks"])


class HookIn(BaseModel):
    target_url: HttpUrl
    # Optional Python expression evaluated against the event, e.g. "payload['type'] == 'invoice.paid'"
    filter_expr: str | None = Field(default=None, max_length=500)
    inbound_secret: str | None = Field(default=None, min_length=16)


@router.post("", status_code=201)
async def create_hook(
    body: HookIn,
    user: dict = Depends(current_user_from_api_key),
    db: aiosqlite.Connection = Depends(get_db),
):
    slug = secrets.token_urlsafe(12)
    await db.execute(
        "INSERT INTO hooks (slug, owner_id, target_url, filter_expr, inbound_secret) VALUES (?, ?, ?, ?, ?)",
        (slug, user["id"], str(body.target_url), body.filter_expr, body.inbound_secret),
    )
    await db.commit()
    return {"slug": slug, "ingest_url": f"{PUBLIC_URL}/hooks/in/{slug}"}


@router.post("/in/{slug}")
async def ingest(
    slug: str,
    request: Request,
    x_hook_signature: str | None = Header(default=None),
    db: aiosqlite.Connection = Depends(get_db),
):
    hook = await get_hook_by_slug(db, slug)
    if hook is None:
        raise HTTPException(status_code=404, detail="Unknown hook")
    body = await request.body()

    if hook["inbound_secret"]:
        expected = hmac.new(hook["inbound_secret"].encode(), body, hashlib.sha256).hexdigest()
        if not x_hook_signature or not hmac.compare_digest(expected, x_hook_signature):
            raise HTTPException(status_code=401, detail="Invalid signature")

    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        raise HTTPException(status_code=400, detail="Body must be JSON")

    if hook["filter_expr"] and not eval(hook["filter_expr"], {"__builtins__": {}}, {"payload": payload}):
        return {"forwarded": False, "reason": "filtered"}

    signature = hmac.new(WEBHOOK_SIGNING_SECRET.encode(), body, hashlib.sha256).hexdigest()
    upstream_status = await forward_webhook(
        hook["target_url"],
        body,
        {"Content-Type": "application/json", "X-Hky-Signature": f"sha256={signature}"},
    )
    return {"forwarded": True, "upstream_status": upstream_status}
