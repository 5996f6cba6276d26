import hashlib
import hmac
import json
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request

from wallet.db import record_entry
from wallet.security import Conn
from wallet.settings import PSP_IP_ALLOWLIST, PSP_WEBHOOK_SECRET

router = APIRouter(prefix="/webhooks/psp", tags=["webhooks"])


def _client_ip(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else ""


@router.post("/deposits", status_code=204)
async def psp_deposit(
    request: Request,
    conn: Conn,
    x_psp_signature: Annotated[str | None, Header()] = None,
):
    raw = await request.body()
    expected = hmac.new(PSP_WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    if not x_psp_signature or not hmac.compare_digest(expected, x_psp_signature):
        raise HTTPException(status_code=401, detail="Bad signature")

    event = json.loads(raw)
    async with conn.transaction():
        inserted = await conn.fetchval(
            "INSERT INTO psp_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING event_id",
            event["id"],
        )
        if inserted is None:
            return  # already processed
        await conn.execute(
            "UPDATE wallets SET balance = balance + $1 WHERE id = $2", event["amount"], event["wallet_id"]
        )
        await record_entry(conn, event["wallet_id"], event["amount"], "deposit", event["id"])


@router.post("/payouts", status_code=204)
async def psp_payout_status(request: Request, conn: Conn):
    if _client_ip(request) not in PSP_IP_ALLOWLIST:
        raise HTTPException(status_code=403, detail="Unknown sender")

    event = await request.json()
    async with conn.transaction():
        payout = await conn.fetchrow(
            "UPDATE payouts SET status = $1 WHERE id = $2 AND status = 'pending' "
            "RETURNING wallet_id, amount",
            event["status"],
            event["payout_id"],
        )
        if payout is not None and event["status"] == "failed":
            # Money never left the PSP: return it to the wallet.
            await conn.execute(
                "UPDATE wallets SET balance = balance + $1 WHERE id = $2",
                payout["amount"],
                payout["wallet_id"],
            )
            await record_entry(conn, payout["wallet_id"], payout["amount"], "payout_reversal", None)
