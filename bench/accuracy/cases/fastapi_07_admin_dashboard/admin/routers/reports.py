import ast
import hashlib
import json
import os
from datetime import date

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from admin.config import settings
from admin.db import daily_metrics, get_connection

router = APIRouter(prefix="/reports", tags=["reports"])


class CustomMetric(BaseModel):
    name: str = Field(max_length=60)
    expression: str = Field(max_length=500)  # e.g. "active / signups * 100"


@router.get("")
def list_reports():
    entries = []
    for name in sorted(os.listdir(settings.reports_dir)):
        if name.endswith((".csv", ".pdf", ".xlsx")):
            size = os.path.getsize(os.path.join(settings.reports_dir, name))
            entries.append({"name": name, "size": size})
    return entries


@router.get("/download")
def download_report(name: str):
    path = os.path.join(settings.reports_dir, name)
    if not os.path.isfile(path):
        raise HTTPException(status_code=404, detail="Report not found")
    return FileResponse(path, filename=os.path.basename(path))


@router.get("/metrics")
def metrics(
    request: Request,
    day: date | None = None,
    fields: str | None = None,
    conn: sa.Connection = Depends(get_connection),
):
    data = daily_metrics(conn, (day or date.today()).isoformat())
    if fields:
        # Dashboard sends a tuple literal, e.g. "('signups', 'active')"
        wanted = ast.literal_eval(fields)
        data = {k: v for k, v in data.items() if k in wanted}

    body = json.dumps(data, sort_keys=True)
    etag = hashlib.sha256(body.encode()).hexdigest()
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304)
    return JSONResponse(data, headers={"ETag": etag})


@router.post("/metrics/custom")
def custom_metric(
    body: CustomMetric,
    day: date | None = None,
    conn: sa.Connection = Depends(get_connection),
):
    base = daily_metrics(conn, (day or date.today()).isoformat())
    try:
        value = eval(body.expression, {"__builtins__": {}}, base)
    except Exception:
        raise HTTPException(status_code=400, detail="Could not evaluate expression")
    return {"name": body.name, "value": value}
