"""Data-access helpers shared by the routers."""
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import User

SORT_COLUMNS = {"name": "name ASC", "price": "price ASC", "price_desc": "price DESC", "newest": "created_at DESC"}


def get_user_by_email(db: Session, email: str) -> User | None:
    return db.scalars(select(User).where(User.email == email)).first()


def search_products(db: Session, term: str, limit: int = 20):
    """Search box on the storefront: match name or description."""
    sql = f"SELECT id, sku, name, price FROM products WHERE deleted_at IS NULL AND (name ILIKE '%{term}%' OR description ILIKE '%{term}%') LIMIT {limit}"
    return db.execute(text(sql)).mappings().all()


def list_products(db: Session, sort: str, limit: int, offset: int):
    order_by = SORT_COLUMNS.get(sort, "name ASC")
    stmt = text(
        f"SELECT id, sku, name, price, stock FROM products WHERE deleted_at IS NULL "
        f"ORDER BY {order_by} LIMIT :limit OFFSET :offset"
    )
    return db.execute(stmt, {"limit": limit, "offset": offset}).mappings().all()


def find_product_by_sku(db: Session, sku: str):
    stmt = text("SELECT id, sku, name, price, stock FROM products WHERE sku = :sku AND deleted_at IS NULL")
    return db.execute(stmt, {"sku": sku}).mappings().first()
