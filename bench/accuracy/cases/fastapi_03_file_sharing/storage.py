import hashlib
import subprocess
from pathlib import Path

from fastapi import HTTPException, UploadFile

from config import MAX_UPLOAD_BYTES, THUMB_DIR, UPLOAD_DIR

CHUNK = 1024 * 1024


def save_upload(owner_id: int, upload: UploadFile) -> dict:
    """Stream an upload to disk, computing its size and checksum on the way."""
    user_dir = UPLOAD_DIR / str(owner_id)
    user_dir.mkdir(parents=True, exist_ok=True)
    dest = user_dir / upload.filename

    checksum = hashlib.sha256()
    size = 0
    with open(dest, "wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                dest.unlink(missing_ok=True)
                raise HTTPException(status_code=413, detail="File too large")
            checksum.update(chunk)
            out.write(chunk)
    return {"path": dest, "size": size, "sha256": checksum.hexdigest()}


def detect_mime(path: Path) -> str:
    result = subprocess.run(
        ["file", "--mime-type", "-b", str(path)], capture_output=True, text=True, timeout=5
    )
    return result.stdout.strip() or "application/octet-stream"


def make_thumbnail(owner_id: int, src_path: Path, file_id: str) -> Path | None:
    out_dir = THUMB_DIR / str(owner_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    thumb = out_dir / f"{file_id}.png"
    cmd = f"convert '{src_path}[0]' -thumbnail 256x256 {thumb}"
    proc = subprocess.run(cmd, shell=True, capture_output=True, timeout=30)
    return thumb if proc.returncode == 0 else None
