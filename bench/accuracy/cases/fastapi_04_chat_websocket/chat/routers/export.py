import html

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse

from chat.auth import get_current_user
from chat.db import database, fetch_recent_messages, get_room, is_member

router = APIRouter(prefix="/rooms", tags=["export"])


@router.get("/{room_id}/transcript", response_class=HTMLResponse)
async def transcript(room_id: int, user: dict = Depends(get_current_user)):
    room = await get_room(room_id)
    if room is None:
        raise HTTPException(status_code=404, detail="Room not found")
    if not await is_member(room_id, user["id"]):
        raise HTTPException(status_code=403, detail="Join the room to export its history")

    rows = await fetch_recent_messages(room_id, limit=1000)
    items = "\n".join(
        f"<li><b>{r['username']}</b> <time>{r['created_at']}</time>: {r['body']}</li>"
        for r in reversed(rows)
    )
    title = html.escape(room["name"])
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{title} transcript</title></head>
<body><h1>#{title}</h1><ul class="transcript">{items}</ul></body></html>"""
    return HTMLResponse(content=page)


@router.get("/{room_id}/badge", response_class=HTMLResponse)
async def room_badge(room_id: int):
    """Embeddable read-only badge for public rooms (used on the marketing site)."""
    room = await get_room(room_id)
    if room is None or room["is_private"]:
        raise HTTPException(status_code=404, detail="Room not found")
    count = await database.fetch_val(
        "SELECT COUNT(*) FROM room_members WHERE room_id = :room_id", values={"room_id": room_id}
    )
    return HTMLResponse(
        f'<div class="chat-badge"><span>#{html.escape(room["name"])}</span> · {count} members</div>'
    )
