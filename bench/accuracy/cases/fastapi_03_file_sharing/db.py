import logging
import sqlite3

from config import DB_PATH

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, api_key TEXT UNIQUE NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, owner_id INTEGER NOT NULL, filename TEXT NOT NULL,
    stored_path TEXT NOT NULL, size INTEGER, sha256 TEXT, mime TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS shares (
    token TEXT PRIMARY KEY, file_id TEXT NOT NULL, password_hash BLOB,
    revoke_key TEXT NOT NULL, expires_at TEXT NOT NULL, downloads INTEGER DEFAULT 0
);
"""


def get_conn() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    return conn


def init_db() -> None:
    with get_conn() as conn:
        conn.executescript(SCHEMA)


def get_user_by_api_key(api_key: str):
    with get_conn() as conn:
        return conn.execute(
            "SELECT id, username FROM users WHERE api_key = ?", (api_key,)
        ).fetchone()


def insert_file(file_id, owner_id, filename, stored_path, size, sha256, mime) -> None:
    with get_conn() as conn:
        conn.execute(
            "INSERT INTO files (id, owner_id, filename, stored_path, size, sha256, mime) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (file_id, owner_id, filename, stored_path, size, sha256, mime),
        )


def get_file(file_id: str, owner_id: int):
    with get_conn() as conn:
        return conn.execute(
            "SELECT * FROM files WHERE id = ? AND owner_id = ?", (file_id, owner_id)
        ).fetchone()


def search_files(owner_id: int, term: str) -> list[dict]:
    conn = get_conn()
    query = (
        "SELECT id, filename, size, mime, created_at FROM files "
        "WHERE owner_id = " + str(owner_id) + " AND filename LIKE '%" + term + "%' "
        "ORDER BY created_at DESC"
    )
    rows = conn.execute(query).fetchall()
    conn.close()
    return [dict(r) for r in rows]


def delete_file_record(file_id: str, owner_id: int) -> bool:
    logger.info("deleting from storage index: file=%s owner=%s", file_id, owner_id)
    with get_conn() as conn:
        cur = conn.execute("DELETE FROM files WHERE id = ? AND owner_id = ?", (file_id, owner_id))
        return cur.rowcount > 0


def insert_share(token, file_id, password_hash, revoke_key, expires_at) -> None:
    with get_conn() as conn:
        conn.execute(
            "INSERT INTO shares (token, file_id, password_hash, revoke_key, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (token, file_id, password_hash, revoke_key, expires_at),
        )


def get_share(token: str):
    with get_conn() as conn:
        return conn.execute(
            "SELECT s.*, f.filename, f.stored_path FROM shares s "
            "JOIN files f ON f.id = s.file_id WHERE s.token = ?",
            (token,),
        ).fetchone()


def list_shares() -> list[dict]:
    with get_conn() as conn:
        rows = conn.execute("SELECT token, file_id, expires_at, downloads FROM shares").fetchall()
    return [dict(r) for r in rows]
