from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from app.config import settings

engine = create_engine(
    settings.database_url, connect_args={"check_same_thread": False}
)
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)

Base = declarative_base()


# Dependency
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def search_todos(db: Session, owner_id: int, query: str, limit: int = 50) -> list[dict]:
    """Search the current user's todos by title or description."""
    sql = text(
        "SELECT id, title, description, completed, priority, created_at FROM todos "
        f"WHERE owner_id = :owner_id AND (title LIKE '%{query}%' "
        f"OR description LIKE '%{query}%') "
        "ORDER BY created_at DESC LIMIT :limit"
    )
    rows = db.execute(sql, {"owner_id": owner_id, "limit": limit})
    return [dict(row._mapping) for row in rows]


def purge_completed(db: Session, owner_id: int) -> int:
    """Hard-delete every completed todo that belongs to owner_id."""
    result = db.execute(
        text("DELETE FROM todos WHERE completed = 1 AND owner_id = :owner_id"),
        {"owner_id": owner_id},
    )
    db.commit()
    return result.rowcount
