"""Rebuild the rollups (analytics.models) from the sales lines, for some months or for everything.

Whole months are rebuilt at a time, so the monthly tables never hold half a month. The steps read one staging
table of invoice cells (one row per invoice, day and dimension values), so the million lines are read twice in
all: once for it and once for the products. One transaction with a per-company lock: readers see the old
rollups until the new ones are committed, and two refreshes never interleave.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from .models import RollupState
from .periods import add_months, month_start

logger = logging.getLogger(__name__)

LOCK_KEY = 7_400_001  # pg_advisory_xact_lock key; schemas are separate, so one key per company is enough

PERSON = "COALESCE(NULLIF(l.salesperson, ''), l.manager)"
# A line's gross profit: its profit when the file gives one, else net minus cost; unknown without either.
GROSS_PROFIT = "COALESCE(l.profit, l.net_amount - l.cost)"
DIMS = "branch, state, state_code, country, person, segment"


def refresh(date_from: date | None = None, date_to: date | None = None) -> float:
    """Rebuild the months from `date_from` to `date_to` (all of them when either is None); returns seconds."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if date_from is None or date_to is None:
            start, end = None, None
            where, params = "", {}
        else:
            start, end = month_start(date_from), add_months(month_start(date_to), 1)
            where, params = "AND l.invoice_date >= %(start)s AND l.invoice_date < %(end)s", {"start": start, "end": end}
        _stage_cells(cursor, where, params)
        for table, column in (
            ("analytics_sales_day", "day"),
            ("analytics_sales_month", "month"),
            ("analytics_customer_month", "month"),
            ("analytics_customer_line_month", "month"),
            ("analytics_product_month", "month"),
            ("analytics_order_month", "month"),
        ):
            if start is None:
                cursor.execute(f"TRUNCATE {table}")
            else:
                cursor.execute(f"DELETE FROM {table} WHERE {column} >= %(start)s AND {column} < %(end)s", params)
        _insert_sales(cursor)
        _insert_customers(cursor)
        _insert_products(cursor, where, params)
        _insert_orders(cursor)
        _rebuild_customer_first(cursor)
        _rebuild_dimension_values(cursor)
        cursor.execute("DROP TABLE cells")
        seconds = time.perf_counter() - started
        _record(cursor, seconds)
    logger.info("rollups refreshed for %s..%s in %.2f s", date_from, date_to, seconds)
    return seconds


def _stage_cells(cursor, where: str, params: dict) -> None:
    """One row per order and product line: an order is an invoice number on a day for a customer, and its
    dimension values. `is_first` marks the order's first product line, so counting those rows counts each order
    once, and `band` is the power of ten of the whole order's value."""
    cursor.execute("SET LOCAL work_mem = '512MB'")  # the groupings below fit in memory and stay hashes
    # Two statements: as one, the planner sorts the wide grouped rows on disk and takes twice as long.
    cursor.execute(
        f"""
        CREATE TEMP TABLE order_lines ON COMMIT DROP AS
        SELECT l.invoice_date AS day, l.invoice_number, l.customer_key,
               l.branch, l.product_line, l.state, l.state_code, l.country, {PERSON} AS person, l.segment,
               COUNT(*) AS lines, COALESCE(SUM(l.quantity), 0) AS quantity, SUM(l.net_amount) AS revenue,
               COALESCE(SUM(l.net_amount) FILTER (WHERE {GROSS_PROFIT} IS NOT NULL), 0) AS costed_revenue,
               COALESCE(SUM({GROSS_PROFIT}), 0) AS gross_profit,
               SUM(l.cgst) AS cgst, SUM(l.sgst) AS sgst, SUM(l.igst) AS igst
        FROM ingestion_salesline l
        WHERE l.counts {where}
        GROUP BY l.invoice_date, l.invoice_number, l.customer_key, l.branch, l.product_line, l.state,
                 l.state_code, l.country, {PERSON}, l.segment
        """,
        params,
    )
    cursor.execute(
        """
        CREATE TEMP TABLE cells ON COMMIT DROP AS
        SELECT g.*, g.product_line = MIN(g.product_line) OVER w AS is_first,
               -- digits before the point, less one: numeric log() is exact but a hundred times slower
               (length(GREATEST(floor(SUM(g.revenue) OVER w), 1)::bigint::text) - 1)::smallint AS band
        FROM order_lines g
        WINDOW w AS (PARTITION BY g.day, g.invoice_number, g.customer_key, g.branch, g.state, g.state_code,
                                  g.country, g.person, g.segment);
        DROP TABLE order_lines;
        ANALYZE cells;
        """
    )


SALES_SUMS = "lines, quantity, revenue, costed_revenue, gross_profit, cgst, sgst, igst"
SUMS = ", ".join(f"SUM({name})" for name in SALES_SUMS.split(", "))


def _insert_sales(cursor) -> None:
    # A cell row is one order in one product line, so rows are orders and first-line rows are whole orders.
    cursor.execute(
        f"""
        INSERT INTO analytics_sales_day (day, product_line, {DIMS}, {SALES_SUMS}, orders, orders_first)
        SELECT day, product_line, {DIMS}, {SUMS}, COUNT(*), COUNT(*) FILTER (WHERE is_first)
        FROM cells GROUP BY day, product_line, {DIMS}
        """
    )
    # Months from the days just written, a third fewer rows than the cells.
    cursor.execute(
        f"""
        INSERT INTO analytics_sales_month (month, product_line, {DIMS}, {SALES_SUMS}, orders, orders_first)
        SELECT date_trunc('month', day)::date, product_line, {DIMS}, {SUMS}, SUM(orders), SUM(orders_first)
        FROM analytics_sales_day
        WHERE day >= (SELECT MIN(day) FROM cells) AND day <= (SELECT MAX(day) FROM cells)
        GROUP BY 1, product_line, {DIMS}
        """
    )


def _insert_customers(cursor) -> None:
    cursor.execute(
        f"""
        INSERT INTO analytics_customer_line_month (month, customer_key, product_line, {DIMS},
                                                   revenue, costed_revenue, gross_profit, orders, orders_first,
                                                   first_day, last_day)
        SELECT date_trunc('month', day)::date, customer_key, product_line, {DIMS},
               SUM(revenue), SUM(costed_revenue), SUM(gross_profit), COUNT(*),
               COUNT(*) FILTER (WHERE is_first),
               MIN(day), MAX(day)
        FROM cells GROUP BY 1, customer_key, product_line, {DIMS}
        """
    )
    cursor.execute(
        f"""
        INSERT INTO analytics_customer_month (month, customer_key, {DIMS}, revenue, costed_revenue,
                                              gross_profit, orders, first_day, last_day)
        SELECT month, customer_key, {DIMS}, SUM(revenue), SUM(costed_revenue),
               SUM(gross_profit), SUM(orders_first), MIN(first_day), MAX(last_day)
        FROM analytics_customer_line_month
        WHERE month BETWEEN (SELECT date_trunc('month', MIN(day))::date FROM cells) AND (SELECT MAX(day) FROM cells)
        GROUP BY month, customer_key, {DIMS}
        """
    )


def _insert_products(cursor, where: str, params: dict) -> None:
    cursor.execute(
        f"""
        INSERT INTO analytics_product_month (month, product_key, product_name, product_code, product_line, lines,
                                             quantity, revenue, costed_revenue, gross_profit)
        SELECT date_trunc('month', l.invoice_date)::date, lower(COALESCE(NULLIF(l.product_code, ''), l.product_name)),
               MAX(l.product_name), MAX(l.product_code), l.product_line, COUNT(*), COALESCE(SUM(l.quantity), 0),
               SUM(l.net_amount), COALESCE(SUM(l.net_amount) FILTER (WHERE {GROSS_PROFIT} IS NOT NULL), 0),
               COALESCE(SUM({GROSS_PROFIT}), 0)
        FROM ingestion_salesline l
        WHERE l.counts {where}
        GROUP BY 1, 2, l.product_line
        """,
        params,
    )


def _insert_orders(cursor) -> None:
    cursor.execute(
        f"""
        INSERT INTO analytics_order_month (month, band, {DIMS}, orders, revenue)
        SELECT date_trunc('month', day)::date, band, {DIMS}, COUNT(*) FILTER (WHERE is_first), SUM(revenue)
        FROM cells GROUP BY 1, band, {DIMS}
        """
    )


def _rebuild_customer_first(cursor) -> None:
    cursor.execute(
        """
        TRUNCATE analytics_customer_first;
        INSERT INTO analytics_customer_first (customer_key, first_day, last_day)
        SELECT customer_key, MIN(first_day), MAX(last_day) FROM analytics_customer_month GROUP BY customer_key;
        """
    )


def _rebuild_dimension_values(cursor) -> None:
    selects = " UNION ALL ".join(
        f"SELECT '{name}', {column}, SUM(revenue) FROM analytics_sales_month WHERE {column} <> '' GROUP BY {column}"
        for name, column in (
            ("branch", "branch"),
            ("product_line", "product_line"),
            ("state", "state"),
            ("country", "country"),
            ("salesperson", "person"),
            ("segment", "segment"),
        )
    )
    cursor.execute(
        f"TRUNCATE analytics_dimension_value; "
        f"INSERT INTO analytics_dimension_value (dimension, value, revenue) {selects}"
    )


def _record(cursor, seconds: float) -> None:
    cursor.execute("SELECT MIN(day), MAX(day) FROM analytics_sales_day")
    first_day, last_day = cursor.fetchone()
    state = RollupState.objects.select_for_update().first() or RollupState()
    state.refreshed_at = timezone.now()
    state.first_day, state.last_day, state.seconds = first_day, last_day, seconds
    state.version += 1
    state.save()
