import csv
import io
from typing import Literal

import sqlalchemy as sa
from fastapi import APIRouter, Body, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse

from admin.db import export_users, find_user_by_email, get_connection, users

router = APIRouter(prefix="/users", tags=["users"])


@router.get("")
def list_users(
    email: str | None = None,
    limit: int = Query(50, le=500),
    conn: sa.Connection = Depends(get_connection),
):
    if email:
        user = find_user_by_email(conn, email)
        return [user] if user else []
    stmt = sa.select(users.c.id, users.c.email, users.c.role, users.c.is_active).limit(limit)
    return [dict(r) for r in conn.execute(stmt).mappings()]


@router.get("/export")
def export_csv(
    columns: list[str] = Query(["id", "email", "role"]),
    active_only: bool = True,
    conn: sa.Connection = Depends(get_connection),
):
    rows = export_users(conn, columns, active_only)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return StreamingResponse(
        iter([buf.getvalue()]),
        media_type="text/csv",
        headers={"Content-Disposition": "attachment; filename=users.csv"},
    )


@router.patch("/{user_id}/role")
def change_role(
    user_id: int,
    role: Literal["member", "support", "admin"] = Body(..., embed=True),
    conn: sa.Connection = Depends(get_connection),
):
    result = conn.execute(sa.update(users).where(users.c.id == user_id).values(role=role))
    if result.rowcount == 0:
        raise HTTPException(status_code=404, detail="User not found")
    return {"id": user_id, "role": role}


@router.post("/{user_id}/deactivate")
def deactivate_user(user_id: int, conn: sa.Connection = Depends(get_connection)):
    result = conn.execute(sa.update(users).where(users.c.id == user_id).values(is_active=False))
    if result.rowcount == 0:
        raise HTTPException(status_code=404, detail="User not found")
    return {"id": user_id, "is_active": False}
