from collections.abc import Iterator

import sqlalchemy as sa

from admin.config import settings

engine = sa.create_engine(settings.database_url, future=True)
metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(255), unique=True, nullable=False),
    sa.Column("full_name", sa.String(120)),
    sa.Column("role", sa.String(20), default="member"),
    sa.Column("is_active", sa.Boolean, default=True),
    sa.Column("last_login", sa.DateTime),
    sa.Column("created_at", sa.DateTime, server_default=sa.func.now()),
)


def get_connection() -> Iterator[sa.Connection]:
    with engine.begin() as conn:
        yield conn


def find_user_by_email(conn: sa.Connection, email: str):
    return conn.execute(
        sa.text("SELECT id, email, full_name, role, is_active FROM users WHERE email = :email"),
        {"email": email},
    ).mappings().first()


def export_users(conn: sa.Connection, columns: list[str], active_only: bool) -> list[dict]:
    cols = ", ".join(columns)
    query = f"SELECT {cols} FROM users"
    if active_only:
        query += " WHERE is_active = 1"
    return [dict(r) for r in conn.execute(sa.text(query)).mappings()]


def daily_metrics(conn: sa.Connection, day: str) -> dict:
    row = conn.execute(
        sa.text(
            "SELECT count(*) AS signups, "
            "sum(CASE WHEN last_login >= :day THEN 1 ELSE 0 END) AS active "
            "FROM users WHERE created_at >= :day"
        ),
        {"day": day},
    ).mappings().one()
    return {k: (v or 0) for k, v in row.items()}
