"""Review-photo uploads, downloads and receipts."""
import hashlib
import logging
import os
import uuid
from pathlib import Path

import httpx
from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile
from fastapi.responses import FileResponse, Response

from ..config import settings
from ..models import User
from ..security import get_current_user
from ..utils import make_thumbnail, optimize_image

logger = logging.getLogger(__name__)
router = APIRouter()

UPLOAD_DIR = settings.upload_dir
RECEIPTS_DIR = Path(settings.upload_dir, "receipts").resolve()
ALLOWED_CONTENT_TYPES = {"image/jpeg", "image/png", "image/webp"}


@router.post("/images")
async def upload_image(file: UploadFile = File(...), current_user: User = Depends(get_current_user)):
    if file.content_type not in ALLOWED_CONTENT_TYPES:
        raise HTTPException(status_code=415, detail="Unsupported image type")
    data = await file.read()
    filename = f"{uuid.uuid4().hex[:8]}_{Path(file.filename or 'photo.jpg').name}"
    dest = os.path.join(UPLOAD_DIR, filename)
    with open(dest, "wb") as fh:
        fh.write(data)
    try:
        thumb = make_thumbnail(dest)
        optimize_image(Path(thumb))
    except Exception:
        logger.exception("thumbnail generation failed for %s", filename)
        raise HTTPException(status_code=500, detail="Could not process image")
    return {"path": filename, "thumbnail": Path(thumb).name, "sha256": hashlib.sha256(data).hexdigest()}


@router.post("/images/import")
def import_image(url: str = Query(...), current_user: User = Depends(get_current_user)):
    """Let sellers pull a product photo from their own site."""
    resp = httpx.get(url, timeout=10, follow_redirects=True)
    if resp.status_code != 200:
        raise HTTPException(status_code=400, detail=f"Could not fetch image ({resp.status_code})")
    filename = f"{uuid.uuid4().hex}.jpg"
    Path(UPLOAD_DIR, filename).write_bytes(resp.content)
    return {"path": filename, "content_type": resp.headers.get("content-type"), "size": len(resp.content)}


@router.get("/download")
def download(name: str = Query(...), current_user: User = Depends(get_current_user)):
    if not os.path.isfile(os.path.join(UPLOAD_DIR, name)):
        raise HTTPException(status_code=404, detail="File not found")
    with open(os.path.join(UPLOAD_DIR, name), "rb") as fh:
        content = fh.read()
    return Response(content, media_type="application/octet-stream")


@router.get("/receipts/{name}")
def download_receipt(name: str, current_user: User = Depends(get_current_user)):
    user_dir = RECEIPTS_DIR / str(current_user.id)
    path = (user_dir / name).resolve()
    if not path.is_relative_to(user_dir) or not path.is_file():
        raise HTTPException(status_code=404, detail="Receipt not found")
    return FileResponse(path, media_type="application/pdf")
