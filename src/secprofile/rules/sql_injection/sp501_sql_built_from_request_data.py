from __future__ import annotations

from typing import Iterator

from secprofile.flow import flow_hits
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP501",
    slug="sql-built-from-request-data",
    title="SQL query built from request data",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=89,
    control="sql-injection",
    kind="project",
    hint="Pass values as bound parameters: `cursor.execute(\"... WHERE name = %s\", (name,))`, "
    "`text(\"... WHERE name = :name\")` with `{\"name\": name}`, or use the ORM; allow-list identifiers.",
)
def sql_built_from_request_data(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Follows request data (FastAPI path, query, body, header, cookie and form parameters,
    values a `Depends` returns from them, `Request` reads, Django/DRF `request.GET`,
    `request.POST`, `request.body`, `request.data`, cookies and headers) through assignments,
    string formatting, containers, helper functions and their return values, across modules,
    to the text of a raw SQL query: DB-API `cursor.execute`/`executemany` (sqlite3, psycopg,
    pymysql, aiosqlite), asyncpg `fetch`/`fetchrow`/`fetchval`/`execute`, `databases`,
    SQLAlchemy `text()`, `exec_driver_sql` and `session.execute(<string>)`, Django
    `Manager.raw`, `QuerySet.extra` and `RawSQL`. One finding per query reached, naming the
    source and the path.

    Bound parameters are not the query text, so `execute("... %s", (q,))`, `?`, `:name` and
    `$1` placeholders are clean. So are values cast to numbers (`int(q)`, an `int`-typed
    parameter or Pydantic field), values checked against a literal allow-list
    (`if sort not in {"name", "price"}: raise ...`, `x if x in ALLOWED else "name"`,
    `COLUMNS[sort]`), and SQL-looking text that never reaches a query (log lines, error
    messages).

    ## Why is this bad?
    Text from the request becomes SQL: `' OR 1=1 --` reads every row, stacked queries or
    `UNION SELECT` read other tables, and on some drivers change or drop data. F-strings
    around `text()` and `cursor.execute` are the most common injection assistants write.

    ## Example
    ```python
    import sqlite3

    from fastapi import FastAPI

    app = FastAPI()
    conn = sqlite3.connect("shop.db")


    @app.get("/products")
    def search_products(q: str):
        cursor = conn.cursor()
        cursor.execute(f"SELECT id, name FROM products WHERE name LIKE '%{q}%'")
        return cursor.fetchall()
    ```

    ## Use instead
    ```python
    import sqlite3

    from fastapi import FastAPI

    app = FastAPI()
    conn = sqlite3.connect("shop.db")


    @app.get("/products")
    def search_products(q: str):
        cursor = conn.cursor()
        cursor.execute("SELECT id, name FROM products WHERE name LIKE ?", (f"%{q}%",))
        return cursor.fetchall()
    ```

    ## Known problems
    Queries built from a function's parameters in a library-style helper that no route
    in the scanned code calls are not reported: without a source there is no evidence the
    text is attacker-controlled, and reporting every string-built query floods framework
    and migration code (Django's own database backends build thousands). Data stored
    in the database and read back (second-order injection) is not a source. Receivers of
    `.execute` are recognised by what they were created from (a DB-API `connect()`,
    `cursor()`, a SQLAlchemy `Session`) or, failing that, by their name (`cursor`, `conn`,
    `db`, `session`); the latter findings have medium confidence. Validation in a helper
    whose name does not say so (`check(x)`) is not understood; suppress with
    `# secprofile: ignore[SP501] <reason>`.

    ## References
    - https://cwe.mitre.org/data/definitions/89.html
    - https://owasp.org/www-community/attacks/SQL_Injection
    - https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.text
    - https://docs.djangoproject.com/en/5.0/topics/db/sql/#passing-parameters-into-raw
    """
    yield from flow_hits(project, ("sql",))
