"""Invoice-level figures the rollups do not keep: sales to registered buyers (with a GSTIN, GSTR-1's B2B) against
unregistered ones (B2C), and the B2B sales per buyer GSTIN. Read from the sales lines that count, with the
dashboard's filters; a report asks once, so a scan of the period's lines is fine here."""

from __future__ import annotations

from django.db import connection

from .engine import ORDER_RAW, RAW_COLUMNS, Scope

_MEASURES = (
    f"COUNT(DISTINCT {ORDER_RAW}) AS invoices, SUM(l.net_amount) AS taxable, "
    "SUM(l.cgst) AS cgst, SUM(l.sgst) AS sgst, SUM(l.igst) AS igst"
)


def _where(scope: Scope, params: list) -> str:
    params.extend([scope.period.start, scope.period.end])
    clauses = ["l.counts", "l.invoice_date BETWEEN %s AND %s"]
    for column, value in scope.filters.columns().items():
        clauses.append(f"{RAW_COLUMNS[column]} = %s")
        params.append(value)
    return " AND ".join(clauses)


def _fetch(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def registration_split(scope: Scope) -> list[dict]:
    """Two rows at most: `registered` True (the buyer's GSTIN is on the line) and False, with their sums."""
    params: list = []
    return _fetch(
        f"SELECT (l.customer_gstin <> '') AS registered, {_MEASURES} FROM ingestion_salesline l "
        f"WHERE {_where(scope, params)} GROUP BY 1 ORDER BY 1 DESC",
        params,
    )


def b2b_receivers(scope: Scope) -> list[dict]:
    """One row per buyer GSTIN, largest taxable value first, with the buyer's name as the lines give it."""
    params: list = []
    return _fetch(
        f"SELECT upper(l.customer_gstin) AS gstin, MIN(l.customer_name) AS name, {_MEASURES} "
        f"FROM ingestion_salesline l WHERE l.customer_gstin <> '' AND {_where(scope, params)} "
        "GROUP BY 1 ORDER BY taxable DESC, gstin",
        params,
    )


def invoices_for(scope: Scope, customer_keys: list[str]) -> list[dict]:
    """Each invoice of these customers in the scope, oldest first: the lines of a customer statement."""
    if not customer_keys:
        return []
    params: list = []
    where = _where(scope, params)
    params.append(list(customer_keys))
    return _fetch(
        "SELECT l.customer_key, l.invoice_date, l.invoice_number, COUNT(*) AS lines, SUM(l.net_amount) AS taxable, "
        "SUM(l.cgst) AS cgst, SUM(l.sgst) AS sgst, SUM(l.igst) AS igst, MAX(l.customer_gstin) AS gstin "
        f"FROM ingestion_salesline l WHERE {where} AND l.customer_key = ANY(%s) "
        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        params,
    )
