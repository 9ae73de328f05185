"""Sums over sales, read from the rollups or, where they cannot answer, from the sales lines.

Every figure on the dashboards comes through here. A period is split into whole months, read from the monthly
rollups, and edge days, read from the daily rollup (or the lines, for the customer, product and order-size
views). `computed_from_raw_lines()` makes every query read the sales lines instead: tests use it to check that
the rollups give the very same figures, and the dashboard benchmark to show what the rollups save.

An order is an invoice number on one day for one customer (Tally numbers invoices afresh each year).
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from .filters import Filters
from .models import RollupState
from .periods import Period, month_end

_raw = contextvars.ContextVar("analytics_raw", default=False)


@contextlib.contextmanager
def computed_from_raw_lines():
    token = _raw.set(True)
    try:
        yield
    finally:
        _raw.reset(token)


def reading_raw_lines() -> bool:
    return _raw.get()


@dataclass(frozen=True)
class Scope:
    """What a figure covers: a period and the filter bar's filters."""

    period: Period
    filters: Filters = field(default_factory=Filters)

    def shifted(self, period: Period) -> Scope:
        return Scope(period, self.filters)


# ---------------------------------------------------------------- the span of days with sales


def data_span() -> tuple[date, date] | None:
    """First and last day with sales, as of the last rollup refresh (or the lines, when reading them)."""
    if reading_raw_lines():
        with connection.cursor() as cursor:
            cursor.execute("SELECT MIN(invoice_date), MAX(invoice_date) FROM ingestion_salesline WHERE counts")
            first, last = cursor.fetchone()
    else:
        state = RollupState.objects.first()
        first, last = (state.first_day, state.last_day) if state else (None, None)
    return (first, last) if first else None


@dataclass(frozen=True)
class _Split:
    months: list[date]  # months whose days with sales all fall in the period
    edges: list[tuple[date, date]]  # the other days of the period, as ranges

    def ranges(self) -> list[tuple[date, date]]:
        """Every day of the split as ranges: for reading the lines or the daily rollup instead of the months."""
        return [(month, month_end(month)) for month in self.months] + self.edges


def _split(period: Period, span: tuple[date, date]) -> _Split | None:
    """Whole months and edge days of `period`, after clipping it to the days with sales; None if none left."""
    first, last = span
    start, end = max(period.start, first), min(period.end, last)
    if end < start:
        return None
    months, edges = [], []
    for month in Period(start, end).months():
        # A month is whole for this period when the period covers all its days that have (or can have) sales.
        lo, hi = max(month, first), min(month_end(month), last)
        if start <= lo and hi <= end:
            months.append(month)
        else:
            edges.append((max(month, start), min(month_end(month), end)))
    return _Split(months, edges)


# ---------------------------------------------------------------- SQL pieces

PERSON_RAW = "COALESCE(NULLIF(l.salesperson, ''), l.manager)"
GROSS_PROFIT_RAW = "COALESCE(l.profit, l.net_amount - l.cost)"
RAW_COLUMNS = {
    "branch": "l.branch",
    "product_line": "l.product_line",
    "state": "l.state",
    "state_code": "l.state_code",
    "country": "l.country",
    "person": PERSON_RAW,
    "segment": "l.segment",
    "customer_key": "l.customer_key",
    "day": "l.invoice_date",
    "month": "date_trunc('month', l.invoice_date)::date",
    "product_key": "lower(COALESCE(NULLIF(l.product_code, ''), l.product_name))",
}
ORDER_RAW = "(l.invoice_number, l.invoice_date, l.customer_key)"
DIMENSION_KEYS = ("branch", "product_line", "state", "state_code", "country", "person", "segment")


def _where(filters: Filters, columns: dict[str, str] | None, params: list) -> str:
    clauses = []
    for column, value in filters.columns().items():
        clauses.append(f"{columns[column] if columns else column} = %s")
        params.append(value)
    return "".join(f" AND {clause}" for clause in clauses)


def _days(column: str, ranges: list[tuple[date, date]], params: list) -> str:
    parts = []
    for start, end in ranges:
        parts.append(f"{column} BETWEEN %s AND %s")
        params.extend([start, end])
    return "(" + " OR ".join(parts) + ")"


def _in_months(months: list[date], params: list) -> str:
    params.append(list(months))
    return "month = ANY(%s)"


def _raw_part(keys: tuple[str, ...], measures: dict[str, str], ranges, filters: Filters, params: list) -> str:
    """A part of a query that reads the sales lines that count, on the given days, grouped by `keys`."""
    selected = ", ".join(f"{expression} AS {name}" for name, expression in measures.items())
    return (
        f"SELECT {_select_keys(keys, RAW_COLUMNS)}{selected} FROM ingestion_salesline l "
        f"WHERE l.counts AND {_days('l.invoice_date', ranges, params)}{_where(filters, RAW_COLUMNS, params)}"
        f"{_group(keys)}"
    )


def _fetch(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _select_keys(keys: tuple[str, ...], mapping: dict[str, str] | None) -> str:
    return "".join(f"{mapping[key] if mapping else key} AS {key}, " for key in keys)


def _group(keys: tuple[str, ...]) -> str:
    return f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""


def _outer(keys: tuple[str, ...], sums: dict[str, str], parts: list[str]) -> str:
    measures = ", ".join(f"{expression} AS {name}" for name, expression in sums.items())
    keys_sql = "".join(f"{key}, " for key in keys)
    return f"SELECT {keys_sql}{measures} FROM ({' UNION ALL '.join(parts)}) parts{_group(keys)}"


# ---------------------------------------------------------------- sales: money, lines and orders

SALES_MEASURES = ("lines", "quantity", "revenue", "costed_revenue", "gross_profit", "cgst", "sgst", "igst", "orders")
_SALES_RAW = {
    "lines": "COUNT(*)",
    "quantity": "COALESCE(SUM(l.quantity), 0)",
    "revenue": "SUM(l.net_amount)",
    "costed_revenue": f"COALESCE(SUM(l.net_amount) FILTER (WHERE {GROSS_PROFIT_RAW} IS NOT NULL), 0)",
    "gross_profit": f"COALESCE(SUM({GROSS_PROFIT_RAW}), 0)",
    "cgst": "SUM(l.cgst)",
    "sgst": "SUM(l.sgst)",
    "igst": "SUM(l.igst)",
    "orders": f"COUNT(DISTINCT {ORDER_RAW})",
}


def sales(scope: Scope, by: tuple[str, ...] = ()) -> list[dict]:
    """Sales measures grouped by dimension keys and `day` or `month`; one row per group, none without sales."""
    span = data_span()
    split = _split(scope.period, span) if span else None
    if split is None:
        return []
    params: list = []
    parts = []
    if reading_raw_lines():
        parts.append(_raw_part(by, _SALES_RAW, split.ranges(), scope.filters, params))
    else:
        orders = "orders" if "product_line" in by or scope.filters.product_line else "orders_first"
        sums = ", ".join(f"SUM({m}) AS {m}" for m in SALES_MEASURES[:-1]) + f", SUM({orders}) AS orders"
        if "day" in by:  # the daily rollup answers for the whole period
            ranges = split.ranges()
            split = _Split([], ranges)
        if split.months:
            keys = _select_keys(by, {**{k: k for k in by}, "month": "month"})
            parts.append(
                f"SELECT {keys}{sums} FROM analytics_sales_month WHERE {_in_months(split.months, params)}"
                f"{_where(scope.filters, None, params)}{_group(by)}"
            )
        if split.edges:
            keys = _select_keys(by, {**{k: k for k in by}, "month": "date_trunc('month', day)::date"})
            days = _days("day", split.edges, params)
            parts.append(
                f"SELECT {keys}{sums} FROM analytics_sales_day WHERE {days}"
                f"{_where(scope.filters, None, params)}{_group(by)}"
            )
    counts = ("lines", "orders")  # SUM of integers is numeric in PostgreSQL: back to integers
    outer = {m: f"SUM({m})::bigint" if m in counts else f"SUM({m})" for m in SALES_MEASURES}
    return _fetch(_outer(by, outer, parts), params)


def sales_total(scope: Scope) -> dict:
    rows = sales(scope)
    return rows[0] if rows else {}


# ---------------------------------------------------------------- customers

CUSTOMER_MEASURES = ("revenue", "costed_revenue", "gross_profit", "orders", "first_day", "last_day")
_CUSTOMER_OUTER = {
    "revenue": "SUM(revenue)",
    "costed_revenue": "SUM(costed_revenue)",
    "gross_profit": "SUM(gross_profit)",
    "orders": "SUM(orders)::bigint",
    "first_day": "MIN(first_day)",
    "last_day": "MAX(last_day)",
}
_CUSTOMER_RAW = {
    "revenue": _SALES_RAW["revenue"],
    "costed_revenue": _SALES_RAW["costed_revenue"],
    "gross_profit": _SALES_RAW["gross_profit"],
    "orders": _SALES_RAW["orders"],
    "first_day": "MIN(l.invoice_date)",
    "last_day": "MAX(l.invoice_date)",
}


def customers_sql(scope: Scope, by: tuple[str, ...] = ("customer_key",)) -> tuple[str, list] | None:
    """SQL for measures per customer (and more keys, `month` among them), with its parameters."""
    span = data_span()
    split = _split(scope.period, span) if span else None
    if split is None:
        return None
    params: list = []
    parts = []
    raw_ranges = split.edges
    if reading_raw_lines():
        raw_ranges = split.ranges()
    elif split.months:
        by_line = "product_line" in by or bool(scope.filters.product_line)
        table = "analytics_customer_line_month" if by_line else "analytics_customer_month"
        sums = ", ".join(f"{expression} AS {name}" for name, expression in _CUSTOMER_OUTER.items())
        parts.append(
            f"SELECT {_select_keys(by, None)}{sums} FROM {table} WHERE {_in_months(split.months, params)}"
            f"{_where(scope.filters, None, params)}{_group(by)}"
        )
    if raw_ranges:
        parts.append(_raw_part(by, _CUSTOMER_RAW, raw_ranges, scope.filters, params))
    return _outer(by, _CUSTOMER_OUTER, parts), params


def customers(scope: Scope, by: tuple[str, ...] = ("customer_key",)) -> list[dict]:
    query = customers_sql(scope, by)
    return _fetch(*query) if query else []


def top_customers(scope: Scope, limit: int, order: str = "revenue") -> list[dict]:
    """The `limit` customers with the most `order` (revenue or gross_profit), ties by key so pages are stable."""
    if order not in ("revenue", "gross_profit"):
        raise ValueError(order)
    query = customers_sql(scope)
    if query is None:
        return []
    sql, params = query
    return _fetch(f"SELECT * FROM ({sql}) c ORDER BY {order} DESC, customer_key LIMIT %s", [*params, limit])


def customer_counts(scope: Scope) -> tuple[int, int]:
    """(customers who bought in the period, those of them whose first purchase ever was in it)."""
    query = customers_sql(scope)
    if query is None:
        return 0, 0
    sql, params = query
    first = _first_purchases_sql()
    rows = _fetch(
        f"SELECT COUNT(*) AS customers, COUNT(*) FILTER (WHERE f.first_day >= %s) AS new "
        f"FROM ({sql}) c JOIN {first} f USING (customer_key)",
        [scope.period.start, *params],
    )
    return rows[0]["customers"], rows[0]["new"]


def _first_purchases_sql() -> str:
    if reading_raw_lines():
        return "(SELECT customer_key, MIN(invoice_date) AS first_day FROM ingestion_salesline WHERE counts GROUP BY 1)"
    return "analytics_customer_first"


def new_and_returning(scope: Scope) -> list[dict]:
    """Per month: customers who bought, and how many of them bought for the first time ever."""
    query = customers_sql(scope, ("customer_key", "month"))
    if query is None:
        return []
    sql, params = query
    return _fetch(
        "SELECT c.month, COUNT(*) AS customers, "
        "COUNT(*) FILTER (WHERE date_trunc('month', f.first_day)::date = c.month) AS new "
        f"FROM ({sql}) c JOIN {_first_purchases_sql()} f USING (customer_key) GROUP BY c.month ORDER BY c.month",
        params,
    )


# ---------------------------------------------------------------- products

PRODUCT_OUTER = {
    "product_name": "MAX(product_name)",
    "product_code": "MAX(product_code)",
    "lines": "SUM(lines)::bigint",
    "quantity": "SUM(quantity)",
    "revenue": "SUM(revenue)",
    "costed_revenue": "SUM(costed_revenue)",
    "gross_profit": "SUM(gross_profit)",
}
_PRODUCT_RAW = {
    "product_name": "MAX(l.product_name)",
    "product_code": "MAX(l.product_code)",
    "lines": "COUNT(*)",
    "quantity": _SALES_RAW["quantity"],
    "revenue": _SALES_RAW["revenue"],
    "costed_revenue": _SALES_RAW["costed_revenue"],
    "gross_profit": _SALES_RAW["gross_profit"],
}


def products(scope: Scope) -> list[dict]:
    """Measures per product (and its product line). The product rollup has no customer dimensions, so a filter
    on branch, state, country, salesperson or segment reads the lines."""
    span = data_span()
    split = _split(scope.period, span) if span else None
    if split is None:
        return []
    by = ("product_key", "product_line")
    params: list = []
    parts = []
    raw_ranges = split.edges
    if reading_raw_lines() or scope.filters.without("product_line"):
        raw_ranges = split.ranges()
    elif split.months:
        sums = ", ".join(f"{expression} AS {name}" for name, expression in PRODUCT_OUTER.items())
        parts.append(
            f"SELECT product_key, product_line, {sums} FROM analytics_product_month "
            f"WHERE {_in_months(split.months, params)}"
            f"{_where(scope.filters, None, params)} GROUP BY 1, 2"
        )
    if raw_ranges:
        parts.append(_raw_part(by, _PRODUCT_RAW, raw_ranges, scope.filters, params))
    return _fetch(_outer(by, PRODUCT_OUTER, parts), params)


# ---------------------------------------------------------------- orders by size


def order_sizes(scope: Scope) -> list[dict]:
    """Orders and their revenue by `band`, the power of ten of the order's value. With a product line filter,
    an order's value is what it sold of that product line."""
    span = data_span()
    split = _split(scope.period, span) if span else None
    if split is None:
        return []
    params: list = []
    parts = []
    raw_ranges = split.edges
    if reading_raw_lines() or scope.filters.product_line:
        raw_ranges = split.ranges()
    elif split.months:
        parts.append(
            "SELECT band, SUM(orders) AS orders, SUM(revenue) AS revenue FROM analytics_order_month "
            f"WHERE {_in_months(split.months, params)}{_where(scope.filters, None, params)} GROUP BY 1"
        )
    if raw_ranges:
        dims = ", ".join(RAW_COLUMNS[key] for key in DIMENSION_KEYS if key != "product_line")
        parts.append(
            "SELECT band, COUNT(*) AS orders, SUM(value) AS revenue FROM ("
            f"SELECT SUM(l.net_amount) AS value, "
            f"(length(GREATEST(floor(SUM(l.net_amount)), 1)::bigint::text) - 1)::smallint AS band "
            f"FROM ingestion_salesline l WHERE l.counts AND {_days('l.invoice_date', raw_ranges, params)}"
            f"{_where(scope.filters, RAW_COLUMNS, params)} "
            f"GROUP BY l.invoice_number, l.invoice_date, l.customer_key, {dims}) orders GROUP BY 1"
        )
    return _fetch(_outer(("band",), {"orders": "SUM(orders)::bigint", "revenue": "SUM(revenue)"}, parts), params)
