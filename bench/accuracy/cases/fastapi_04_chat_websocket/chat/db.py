import re

import databases
import sqlalchemy

from chat.config import DATABASE_URL, HISTORY_PAGE_SIZE

database = databases.Database(DATABASE_URL)
metadata = sqlalchemy.MetaData()

users = sqlalchemy.Table(
    "users",
    metadata,
    sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True),
    sqlalchemy.Column("username", sqlalchemy.String(40), unique=True, nullable=False),
    sqlalchemy.Column("email", sqlalchemy.String(255), nullable=False),
    sqlalchemy.Column("password_hash", sqlalchemy.String(100), nullable=False),
    sqlalchemy.Column("avatar_url", sqlalchemy.String(500)),
)

rooms = sqlalchemy.Table(
    "rooms",
    metadata,
    sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True),
    sqlalchemy.Column("name", sqlalchemy.String(80), nullable=False),
    sqlalchemy.Column("is_private", sqlalchemy.Boolean, default=False),
    sqlalchemy.Column("owner_id", sqlalchemy.ForeignKey("users.id")),
)

room_members = sqlalchemy.Table(
    "room_members",
    metadata,
    sqlalchemy.Column("room_id", sqlalchemy.ForeignKey("rooms.id"), primary_key=True),
    sqlalchemy.Column("user_id", sqlalchemy.ForeignKey("users.id"), primary_key=True),
)

messages = sqlalchemy.Table(
    "messages",
    metadata,
    sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True),
    sqlalchemy.Column("room_id", sqlalchemy.ForeignKey("rooms.id"), index=True),
    sqlalchemy.Column("user_id", sqlalchemy.ForeignKey("users.id")),
    sqlalchemy.Column("body", sqlalchemy.Text, nullable=False),
    sqlalchemy.Column("created_at", sqlalchemy.DateTime, server_default=sqlalchemy.func.now()),
)


async def get_room(room_id: int):
    return await database.fetch_one(rooms.select().where(rooms.c.id == room_id))


async def is_member(room_id: int, user_id: int) -> bool:
    query = room_members.select().where(
        (room_members.c.room_id == room_id) & (room_members.c.user_id == user_id)
    )
    return await database.fetch_one(query) is not None


async def fetch_recent_messages(room_id: int, limit: int = HISTORY_PAGE_SIZE):
    query = """
        SELECT m.id, m.body, m.created_at, u.username
        FROM messages m JOIN users u ON u.id = m.user_id
        WHERE m.room_id = :room_id
        ORDER BY m.created_at DESC
        LIMIT :limit
    """
    return await database.fetch_all(query=query, values={"room_id": room_id, "limit": limit})


async def get_room_members(room_id: int):
    query = (
        "SELECT u.* FROM users u JOIN room_members rm ON rm.user_id = u.id "
        "WHERE rm.room_id = :room_id ORDER BY u.username"
    )
    return await database.fetch_all(query=query, values={"room_id": room_id})


async def save_message(room_id: int, user_id: int, body: str) -> int:
    return await database.execute(messages.insert().values(room_id=room_id, user_id=user_id, body=body))


async def resolve_mentions(body: str) -> list[int]:
    """Turn @username mentions in a message into user ids for notifications."""
    names = set(re.findall(r"@(\S+)", body))
    if not names:
        return []
    in_list = ", ".join(f"'{name}'" for name in names)
    rows = await database.fetch_all(f"SELECT id FROM users WHERE username IN ({in_list})")
    return [row["id"] for row in rows]
