"""Invoice-level figures the rollups do not keep: sales to registered buyers (with a GSTIN, GSTR-1's B2B) against
unregistered ones (B2C), and the B2B sales per buyer GSTIN. Read from the sales lines that count, with the
dashboard's filters; a report asks once, so a scan of the period's lines is fine here."""

from __future__ import annotations

from django.db import connection
from psycopg import sql

from .engine import ORDER_RAW, RAW_SQL, Scope

_MEASURES = sql.SQL(
    "COUNT(DISTINCT {order}) AS invoices, SUM(l.net_amount) AS taxable, "
    "SUM(l.cgst) AS cgst, SUM(l.sgst) AS sgst, SUM(l.igst) AS igst"
).format(order=ORDER_RAW)


def _where(scope: Scope, params: list) -> sql.Composable:
    params.extend([scope.period.start, scope.period.end])
    conditions = [sql.SQL("l.counts"), sql.SQL("l.invoice_date BETWEEN %s AND %s")]
    for column, value in scope.filters.columns().items():
        conditions.append(sql.SQL("{} = %s").format(RAW_SQL[column]))
        params.append(value)
    return sql.SQL(" AND ").join(conditions)


def _fetch(query: sql.Composable, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def registration_split(scope: Scope) -> list[dict]:
    """Two rows at most: `registered` True (the buyer's GSTIN is on the line) and False, with their sums."""
    params: list = []
    return _fetch(
        sql.SQL(
            "SELECT (l.customer_gstin <> '') AS registered, {measures} FROM ingestion_salesline l "
            "WHERE {where} GROUP BY 1 ORDER BY 1 DESC"
        ).format(measures=_MEASURES, where=_where(scope, params)),
        params,
    )


def b2b_receivers(scope: Scope) -> list[dict]:
    """One row per buyer GSTIN, largest taxable value first, with the buyer's name as the lines give it."""
    params: list = []
    return _fetch(
        sql.SQL(
            "SELECT upper(l.customer_gstin) AS gstin, MIN(l.customer_name) AS name, {measures} "
            "FROM ingestion_salesline l WHERE l.customer_gstin <> '' AND {where} "
            "GROUP BY 1 ORDER BY taxable DESC, gstin"
        ).format(measures=_MEASURES, where=_where(scope, params)),
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
        sql.SQL(
            "SELECT l.customer_key, l.invoice_date, l.invoice_number, COUNT(*) AS lines, SUM(l.net_amount) AS taxable, "
            "SUM(l.cgst) AS cgst, SUM(l.sgst) AS sgst, SUM(l.igst) AS igst, MAX(l.customer_gstin) AS gstin "
            "FROM ingestion_salesline l WHERE {where} AND l.customer_key = ANY(%s) "
            "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ).format(where=where),
        params,
    )
