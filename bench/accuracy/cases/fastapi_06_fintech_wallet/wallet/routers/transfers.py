from decimal import Decimal

import asyncpg
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from wallet.db import record_entry
from wallet.security import Conn, CurrentUser, verify_pin

router = APIRouter(prefix="/transfers", tags=["transfers"])


class TransferIn(BaseModel):
    from_wallet_id: int
    to_wallet_id: int
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    pin: str
    reference: str | None = Field(default=None, max_length=140)


class WithdrawIn(BaseModel):
    wallet_id: int
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    iban: str = Field(pattern=r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
    pin: str


async def _check_pin(conn: asyncpg.Connection, user_id: int, pin: str) -> None:
    pin_hash = await conn.fetchval("SELECT pin_hash FROM users WHERE id = $1", user_id)
    if not pin_hash or not verify_pin(pin, pin_hash):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Invalid PIN")


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_transfer(body: TransferIn, user: CurrentUser, conn: Conn):
    if body.from_wallet_id == body.to_wallet_id:
        raise HTTPException(status_code=400, detail="Source and destination must differ")
    await _check_pin(conn, user["id"], body.pin)

    source = await conn.fetchrow(
        "SELECT id, user_id, balance, currency FROM wallets WHERE id = $1", body.from_wallet_id
    )
    if source is None or source["user_id"] != user["id"]:
        raise HTTPException(status_code=404, detail="Wallet not found")
    target = await conn.fetchrow("SELECT id, currency FROM wallets WHERE id = $1", body.to_wallet_id)
    if target is None or target["currency"] != source["currency"]:
        raise HTTPException(status_code=400, detail="Invalid destination wallet")

    if source["balance"] < body.amount:
        raise HTTPException(status_code=400, detail="Insufficient funds")
    new_balance = source["balance"] - body.amount

    try:
        async with conn.transaction():
            await conn.execute("UPDATE wallets SET balance = $1 WHERE id = $2", new_balance, source["id"])
            await conn.execute(
                "UPDATE wallets SET balance = balance + $1 WHERE id = $2", body.amount, target["id"]
            )
            await record_entry(conn, source["id"], -body.amount, "transfer_out", body.reference)
            await record_entry(conn, target["id"], body.amount, "transfer_in", body.reference)
    except asyncpg.PostgresError as exc:
        raise HTTPException(status_code=500, detail=f"Transfer failed: {exc}")

    return {"status": "completed", "balance": str(new_balance)}


@router.post("/withdrawals", status_code=status.HTTP_201_CREATED)
async def withdraw(body: WithdrawIn, user: CurrentUser, conn: Conn):
    await _check_pin(conn, user["id"], body.pin)
    async with conn.transaction():
        new_balance = await conn.fetchval(
            "UPDATE wallets SET balance = balance - $1 "
            "WHERE id = $2 AND user_id = $3 AND balance >= $1 RETURNING balance",
            body.amount,
            body.wallet_id,
            user["id"],
        )
        if new_balance is None:
            raise HTTPException(status_code=400, detail="Insufficient funds or unknown wallet")
        await record_entry(conn, body.wallet_id, -body.amount, "withdrawal", body.iban[-4:])
        await conn.execute(
            "INSERT INTO payouts (wallet_id, amount, iban, status) VALUES ($1, $2, $3, 'pending')",
            body.wallet_id,
            body.amount,
            body.iban,
        )
    return {"status": "pending", "balance": str(new_balance)}
