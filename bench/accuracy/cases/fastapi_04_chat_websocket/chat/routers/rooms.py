from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from chat.auth import get_current_user
from chat.db import (
    database,
    fetch_recent_messages,
    get_room,
    get_room_members,
    is_member,
    room_members,
    rooms,
)

router = APIRouter(prefix="/rooms", tags=["rooms"])


class RoomCreate(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    is_private: bool = False


async def _ensure_can_read(room_id: int, user: dict):
    room = await get_room(room_id)
    if room is None:
        raise HTTPException(status_code=404, detail="Room not found")
    if room["is_private"] and not await is_member(room_id, user["id"]):
        raise HTTPException(status_code=403, detail="You are not a member of this room")
    return room


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_room(body: RoomCreate, user: dict = Depends(get_current_user)):
    async with database.transaction():
        room_id = await database.execute(
            rooms.insert().values(name=body.name, is_private=body.is_private, owner_id=user["id"])
        )
        await database.execute(room_members.insert().values(room_id=room_id, user_id=user["id"]))
    return {"id": room_id, "name": body.name, "is_private": body.is_private}


@router.get("")
async def list_rooms(user: dict = Depends(get_current_user)):
    query = """
        SELECT r.id, r.name, r.is_private FROM rooms r
        WHERE r.is_private = 0
           OR r.id IN (SELECT room_id FROM room_members WHERE user_id = :uid)
        ORDER BY r.name
    """
    rows = await database.fetch_all(query=query, values={"uid": user["id"]})
    return [dict(r._mapping) for r in rows]


@router.post("/{room_id}/join", status_code=204)
async def join_room(room_id: int, user: dict = Depends(get_current_user)):
    room = await get_room(room_id)
    if room is None or room["is_private"]:
        raise HTTPException(status_code=404, detail="Room not found")
    if not await is_member(room_id, user["id"]):
        await database.execute(room_members.insert().values(room_id=room_id, user_id=user["id"]))


@router.get("/{room_id}/messages")
async def room_history(
    room_id: int,
    limit: int = Query(50, ge=1, le=200),
    user: dict = Depends(get_current_user),
):
    await _ensure_can_read(room_id, user)
    rows = await fetch_recent_messages(room_id, limit)
    return [dict(r._mapping) for r in rows]


@router.get("/{room_id}/members")
async def room_members_list(room_id: int, user: dict = Depends(get_current_user)):
    await _ensure_can_read(room_id, user)
    rows = await get_room_members(room_id)
    return [dict(r._mapping) for r in rows]
