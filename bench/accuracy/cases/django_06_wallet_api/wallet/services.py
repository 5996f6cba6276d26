from django.db import connection


def statement_rows(account_id, date_from=None, date_to=None):
    sql = f"SELECT id, kind, amount, counterparty, created_at FROM wallet_transaction WHERE account_id = {account_id}"
    if date_from:
        sql += f" AND created_at >= '{date_from}'"
    if date_to:
        sql += f" AND created_at < '{date_to}'"
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY created_at DESC")
        columns = [col[0] for col in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def monthly_totals(account_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_trunc('month', created_at) AS month, kind, SUM(amount) "
            "FROM wallet_transaction WHERE account_id = %s GROUP BY 1, 2 ORDER BY 1",
            [account_id],
        )
        return [{"month": m.isoformat(), "kind": k, "total": str(t)} for m, k, t in cursor.fetchall()]
