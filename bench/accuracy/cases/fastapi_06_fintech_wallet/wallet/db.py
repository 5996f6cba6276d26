from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg

from wallet.settings import DATABASE_DSN

pool: asyncpg.Pool | None = None

LEDGER_TABLE = "ledger_entries"


async def connect() -> None:
    global pool
    pool = await asyncpg.create_pool(DATABASE_DSN, min_size=2, max_size=10)


async def disconnect() -> None:
    if pool is not None:
        await pool.close()


async def get_conn() -> AsyncIterator[asyncpg.Connection]:
    async with pool.acquire() as conn:
        yield conn


async def ledger_count(conn: asyncpg.Connection, wallet_id: int) -> int:
    return await conn.fetchval(f"SELECT COUNT(*) FROM {LEDGER_TABLE} WHERE wallet_id = $1", wallet_id)


async def record_entry(
    conn: asyncpg.Connection, wallet_id: int, amount: Decimal, kind: str, reference: str | None
) -> None:
    await conn.execute(
        f"INSERT INTO {LEDGER_TABLE} (wallet_id, amount, kind, reference) VALUES ($1, $2, $3, $4)",
        wallet_id,
        amount,
        kind,
        reference,
    )
