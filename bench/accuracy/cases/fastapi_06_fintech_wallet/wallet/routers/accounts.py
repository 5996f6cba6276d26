from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, EmailStr, Field

from wallet.db import ledger_count
from wallet.security import Conn, CurrentUser, create_access_token, hash_pin, pwd_context

router = APIRouter(tags=["accounts"])


class RegisterIn(BaseModel):
    email: EmailStr
    full_name: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=10)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")


class PinIn(BaseModel):
    pin: str = Field(pattern=r"^\d{6}$")


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
async def register(body: RegisterIn, conn: Conn):
    try:
        async with conn.transaction():
            user_id = await conn.fetchval(
                "INSERT INTO users (email, full_name, password_hash) VALUES ($1, $2, $3) RETURNING id",
                body.email,
                body.full_name,
                pwd_context.hash(body.password),
            )
            await conn.execute(
                "INSERT INTO wallets (user_id, currency, balance) VALUES ($1, $2, 0)", user_id, body.currency
            )
    except asyncpg.UniqueViolationError:
        raise HTTPException(status_code=409, detail="Email already registered")
    return {"id": user_id}


@router.post("/auth/token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], conn: Conn):
    row = await conn.fetchrow("SELECT id, password_hash FROM users WHERE email = $1", form.username)
    if row is None or not pwd_context.verify(form.password, row["password_hash"]):
        raise HTTPException(status_code=401, detail="Incorrect email or password")
    return {"access_token": create_access_token(row["id"]), "token_type": "bearer"}


@router.get("/users/me")
async def read_profile(user: CurrentUser, conn: Conn):
    row = await conn.fetchrow("SELECT * FROM users WHERE id = $1", user["id"])
    return dict(row)


@router.put("/users/me/pin", status_code=204)
async def set_pin(body: PinIn, user: CurrentUser, conn: Conn):
    await conn.execute("UPDATE users SET pin_hash = $1 WHERE id = $2", hash_pin(body.pin), user["id"])


@router.get("/wallets")
async def my_wallets(user: CurrentUser, conn: Conn):
    rows = await conn.fetch("SELECT id, currency, balance FROM wallets WHERE user_id = $1", user["id"])
    return [dict(r) for r in rows]


@router.get("/wallets/{wallet_id}/transactions")
async def wallet_transactions(
    wallet_id: int,
    user: CurrentUser,
    conn: Conn,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
):
    rows = await conn.fetch(
        "SELECT id, amount, kind, reference, created_at FROM ledger_entries "
        "WHERE wallet_id = $1 ORDER BY created_at DESC LIMIT $2",
        wallet_id,
        limit,
    )
    return {"total": await ledger_count(conn, wallet_id), "items": [dict(r) for r in rows]}
