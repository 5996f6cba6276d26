import json
from collections import defaultdict

import jwt
from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect, status

from chat.auth import decode_ws_token
from chat.config import MAX_MESSAGE_LENGTH
from chat.db import get_room, resolve_mentions, save_message

router = APIRouter()


class ConnectionManager:
    def __init__(self) -> None:
        self.rooms: dict[int, set[WebSocket]] = defaultdict(set)

    async def connect(self, room_id: int, websocket: WebSocket) -> None:
        await websocket.accept()
        self.rooms[room_id].add(websocket)

    def disconnect(self, room_id: int, websocket: WebSocket) -> None:
        self.rooms[room_id].discard(websocket)

    async def broadcast(self, room_id: int, message: dict) -> None:
        payload = json.dumps(message, default=str)
        for connection in list(self.rooms[room_id]):
            try:
                await connection.send_text(payload)
            except RuntimeError:
                self.disconnect(room_id, connection)


manager = ConnectionManager()


@router.websocket("/ws/rooms/{room_id}")
async def room_socket(websocket: WebSocket, room_id: int, token: str = Query(...)):
    try:
        claims = decode_ws_token(token)
    except jwt.PyJWTError:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return

    user_id = int(claims["sub"])
    username = claims.get("name", "anonymous")
    if await get_room(room_id) is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return

    await manager.connect(room_id, websocket)
    try:
        while True:
            data = await websocket.receive_json()
            body = str(data.get("body", ""))[:MAX_MESSAGE_LENGTH]
            if not body.strip():
                continue
            message_id = await save_message(room_id, user_id, body)
            mentioned = await resolve_mentions(body)
            await manager.broadcast(
                room_id,
                {"id": message_id, "user": username, "body": body, "mentions": mentioned},
            )
    except WebSocketDisconnect:
        manager.disconnect(room_id, websocket)
