import base64
import hashlib
import pickle

import aiosqlite
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field, HttpUrl

from relay.auth import current_user_from_api_key
from relay.config import PUBLIC_URL
from relay.services.http import fetch_title, geolocate
from relay.storage import get_db, get_link, list_links_page

router = APIRouter(tags=["links"])


class LinkIn(BaseModel):
    url: HttpUrl
    title: str | None = Field(default=None, max_length=200)


def _short_code(url: str, owner_id: int) -> str:
    return hashlib.md5(f"{owner_id}:{url}".encode()).hexdigest()[:7]


@router.post("/api/links", status_code=201)
async def create_link(
    body: LinkIn,
    user: dict = Depends(current_user_from_api_key),
    db: aiosqlite.Connection = Depends(get_db),
):
    url = str(body.url)
    code = _short_code(url, user["id"])
    title = body.title or await fetch_title(url)
    await db.execute(
        "INSERT OR IGNORE INTO links (code, url, title, owner_id) VALUES (?, ?, ?, ?)",
        (code, url, title, user["id"]),
    )
    await db.commit()
    return {"code": code, "short_url": f"{PUBLIC_URL}/{code}", "title": title}


@router.get("/api/links")
async def list_links(
    cursor: str | None = None,
    limit: int = Query(20, ge=1, le=100),
    user: dict = Depends(current_user_from_api_key),
    db: aiosqlite.Connection = Depends(get_db),
):
    after_id = 0
    if cursor:
        state = pickle.loads(base64.urlsafe_b64decode(cursor))
        after_id = int(state["after_id"])
    items = await list_links_page(db, user["id"], after_id, limit)
    next_cursor = None
    if len(items) == limit:
        next_cursor = base64.urlsafe_b64encode(pickle.dumps({"after_id": items[-1]["id"]})).decode()
    return {"items": items, "next_cursor": next_cursor}


@router.get("/api/links/preview")
async def preview_link(url: HttpUrl, user: dict = Depends(current_user_from_api_key)):
    return {"url": str(url), "title": await fetch_title(str(url))}


@router.delete("/api/links/{code}", status_code=204)
async def delete_link(code: str, db: aiosqlite.Connection = Depends(get_db)):
    await db.execute("DELETE FROM links WHERE code = ?", (code,))
    await db.commit()


@router.get("/{code}/info", response_class=HTMLResponse)
async def link_info(code: str, db: aiosqlite.Connection = Depends(get_db)):
    link = await get_link(db, code)
    if link is None or link["archived"]:
        raise HTTPException(status_code=404, detail="Link not found")
    return HTMLResponse(
        f"""<!doctype html><html><head><title>hky.to/{code}</title></head><body>
<h2>{link['title'] or 'Untitled link'}</h2>
<p>hky.to/{code} &rarr; <a href="{link['url']}" rel="nofollow noopener">{link['url']}</a></p>
<p>{link['clicks']} clicks</p></body></html>"""
    )


@router.get("/{code}")
async def follow(code: str, request: Request, db: aiosqlite.Connection = Depends(get_db)):
    link = await get_link(db, code)
    if link is None or link["archived"]:
        raise HTTPException(status_code=404, detail="Link not found")
    country = (await geolocate(request.client.host)).get("country") if request.client else None
    await db.execute(
        "UPDATE links SET clicks = clicks + 1, last_country = ? WHERE code = ?", (country, code)
    )
    await db.commit()
    return RedirectResponse(link["url"], status_code=307)
