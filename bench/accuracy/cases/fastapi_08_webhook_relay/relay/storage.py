from collections.abc import AsyncIterator

import aiosqlite

from relay.config import DB_PATH

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, email TEXT UNIQUE, password_hash TEXT, api_key_hash TEXT UNIQUE,
    email_token TEXT, email_verified INTEGER DEFAULT 0
);
CREATE TABLE IF NOT EXISTS links (
    id INTEGER PRIMARY KEY, code TEXT UNIQUE, url TEXT NOT NULL, title TEXT,
    owner_id INTEGER, clicks INTEGER DEFAULT 0, last_country TEXT, archived INTEGER DEFAULT 0
);
CREATE TABLE IF NOT EXISTS hooks (
    id INTEGER PRIMARY KEY, slug TEXT UNIQUE, owner_id INTEGER, target_url TEXT NOT NULL,
    filter_expr TEXT, inbound_secret TEXT
);
"""


async def get_db() -> AsyncIterator[aiosqlite.Connection]:
    async with aiosqlite.connect(DB_PATH) as db:
        db.row_factory = aiosqlite.Row
        yield db


async def init_db() -> None:
    async with aiosqlite.connect(DB_PATH) as db:
        await db.executescript(SCHEMA)
        await db.commit()


async def get_link(db: aiosqlite.Connection, code: str):
    async with db.execute("SELECT * FROM links WHERE code = ?", (code,)) as cur:
        return await cur.fetchone()


async def list_links_page(db: aiosqlite.Connection, owner_id: int, after_id: int, limit: int):
    async with db.execute(
        "SELECT id, code, url, title, clicks FROM links "
        "WHERE owner_id = ? AND id > ? AND archived = 0 ORDER BY id LIMIT ?",
        (owner_id, after_id, limit),
    ) as cur:
        return [dict(r) for r in await cur.fetchall()]


async def get_hook_by_slug(db: aiosqlite.Connection, slug: str):
    async with db.execute("SELECT * FROM hooks WHERE slug = ?", (slug,)) as cur:
        return await cur.fetchone()
