import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", BASE_DIR / "uploads"))
THUMB_DIR = UPLOAD_DIR / ".thumbs"
DB_PATH = os.environ.get("DB_PATH", str(BASE_DIR / "dropshare.db"))

ADMIN_TOKEN = os.environ["DROPSHARE_ADMIN_TOKEN"]
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:8000")

MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 50 * 1024 * 1024))
SHARE_TTL_HOURS = int(os.environ.get("SHARE_TTL_HOURS", 72))
