import os
import uuid
from pathlib import Path
from urllib.parse import urlparse

import requests
from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, HttpUrl

import db
from auth import get_current_user
from config import MAX_UPLOAD_BYTES, THUMB_DIR, UPLOAD_DIR
from storage import detect_mime, make_thumbnail, save_upload

router = APIRouter(prefix="/files", tags=["files"])


class ImportRequest(BaseModel):
    url: HttpUrl


def _register(user: dict, saved: dict, filename: str) -> dict:
    file_id = uuid.uuid4().hex
    mime = detect_mime(saved["path"])
    if mime.startswith("image/"):
        make_thumbnail(user["id"], saved["path"], file_id)
    db.insert_file(
        file_id, user["id"], filename, str(saved["path"]), saved["size"], saved["sha256"], mime
    )
    return {"id": file_id, "filename": filename, "size": saved["size"], "sha256": saved["sha256"]}


@router.post("", status_code=201)
def upload_file(file: UploadFile = File(...), user: dict = Depends(get_current_user)):
    saved = save_upload(user["id"], file)
    return _register(user, saved, file.filename)


@router.post("/import", status_code=201)
def import_from_url(body: ImportRequest, user: dict = Depends(get_current_user)):
    resp = requests.get(str(body.url), timeout=20, stream=True)
    if resp.status_code != 200:
        raise HTTPException(status_code=502, detail="Remote server returned an error")
    if int(resp.headers.get("content-length", 0)) > MAX_UPLOAD_BYTES:
        raise HTTPException(status_code=413, detail="File too large")

    filename = os.path.basename(urlparse(str(body.url)).path) or "download.bin"
    upload = UploadFile(file=resp.raw, filename=filename)
    saved = save_upload(user["id"], upload)
    return _register(user, saved, filename)


@router.get("/search")
def search(q: str = Query(..., min_length=2), user: dict = Depends(get_current_user)):
    return db.search_files(user["id"], q)


@router.get("/raw/{file_path:path}")
def download_raw(file_path: str, user: dict = Depends(get_current_user)):
    full_path = os.path.join(UPLOAD_DIR, str(user["id"]), file_path)
    if not os.path.isfile(full_path):
        raise HTTPException(status_code=404, detail="File not found")
    return FileResponse(full_path)


@router.get("/thumbs/{name}")
def get_thumbnail(name: str, user: dict = Depends(get_current_user)):
    thumb_root = (THUMB_DIR / str(user["id"])).resolve()
    candidate = (thumb_root / name).resolve()
    if not candidate.is_relative_to(thumb_root) or not candidate.is_file():
        raise HTTPException(status_code=404, detail="Thumbnail not found")
    return FileResponse(candidate, media_type="image/png")


@router.delete("/{file_id}", status_code=204)
def delete_file(file_id: str, user: dict = Depends(get_current_user)):
    row = db.get_file(file_id, user["id"])
    if row is None:
        raise HTTPException(status_code=404, detail="File not found")
    Path(row["stored_path"]).unlink(missing_ok=True)
    db.delete_file_record(file_id, user["id"])
