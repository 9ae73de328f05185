"""Merge an upload's new sales lines into the rollups, in the upload's own transaction.

Rebuilding a month costs as much as its lines; merging costs as much as the new lines. An upload that only adds
lines (no replace-period, no master rewriting older lines) is merged:

1. The orders the new lines belong to are read again whole: every (day, customer) pair they touch. Their old
   rows of the daily orders table leave it and their new rows enter it; both are kept, the old ones signed -1,
   in `merge_orders`. A new line can join an existing order, so its size band and first product line can move.
2. Every table summed from the daily orders takes the signed sum of `merge_orders` by its own keys: sums add,
   first and last days widen (an append never takes a day away), and a row whose count falls to 0 goes.
3. The product tables take the new lines' own sums: a line belongs to one product row, whatever else is in its
   order.
4. First purchases widen to the new lines' days; the small whole-company tables (customers by month, filter
   values) are rebuilt; and each month's fingerprint takes the new lines' count and sums, so the nightly still
   finds any month whose lines changed some other way (stored and actual fingerprints move by the same amount).

Every merged table has a unique key (analytics.models, a unique index), whose columns the merge names in its
ON CONFLICT. The nightly full rebuild must come out equal (tests/analytics/test_rollups_follow_changes.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.db import connection
from psycopg import sql

from . import gst, rollups
from . import models as rollup_models
from .models import DAY_CUTS, SALES_CUTS, RollupState

logger = logging.getLogger(__name__)

DIMS = ("branch", "state", "state_code", "country", "person", "segment")
# The summed columns of each family of tables, as the rebuild keeps them (from the catalogue's sums).
MONEY = rollups.CUSTOMER_SUMS
SALES = (*rollups.SALES_SUMS, "orders", "orders_first")
PRODUCT = rollups.PRODUCT_SUMS


@dataclass(frozen=True)
class Target:
    """One rollup and how a delta merges into it: its model (whose unique constraint names the keys), the key
    columns with the expressions that compute them from the delta's rows, the summed columns with theirs, and
    the column that counts rows (0 means the row is gone)."""

    model: type
    keys: dict[str, sql.Composable]
    sums: dict[str, sql.Composable]
    count: str
    source: str  # merge_orders or merge_products
    firsts: bool = False  # keeps first_day and last_day

    @property
    def table(self) -> sql.Identifier:
        return sql.Identifier(self.model._meta.db_table)

    @property
    def conflict(self) -> sql.Composable:
        """The unique key's columns, by which PostgreSQL finds its index."""
        (unique,) = (c for c in self.model._meta.constraints if c.name.endswith("_key"))
        fields = [expression.name for expression in unique.expressions]
        if set(fields) != set(self.keys):
            raise ValueError(f"{self.model.__name__}: merged by {sorted(self.keys)}, unique by {fields}")
        return sql.SQL(", ").join(map(sql.Identifier, fields))


def _col(name: str) -> sql.Composable:
    return sql.Identifier(name)


def _signed(name: str) -> sql.Composable:
    return sql.SQL("SUM(sign * {})").format(sql.Identifier(name))


def _summed(name: str) -> sql.Composable:
    return sql.SQL("SUM({})").format(sql.Identifier(name))


MONTH = sql.SQL("date_trunc('month', day)::date")
QUARTER = sql.SQL("date_trunc('quarter', day)::date")


def _dims(names=DIMS) -> dict[str, sql.Composable]:
    return {name: _col(name) for name in names}


def _order_targets() -> list[Target]:
    """The tables summed from the daily orders (see rollups._insert_sales and the rest)."""
    sales = {name: _signed(name) for name in SALES}
    targets = [
        Target(rollup_models.SalesMonth, {"month": MONTH, "product_line": _col("product_line"), **_dims()},
               sales, "lines", "merge_orders"),
    ]  # fmt: skip
    for cut, dims in SALES_CUTS.items():
        # A cut's row holds '' in the dimensions it adds up.
        kept = {"cut": sql.Literal(cut), "product_line": sql.Literal("")} | {d: sql.Literal("") for d in DIMS}
        kept |= _dims(dims)
        targets.append(Target(rollup_models.SalesMonthCut, {**kept, "month": MONTH}, sales, "lines", "merge_orders"))
        if cut in DAY_CUTS:
            targets.append(Target(rollup_models.SalesDayCut, {**kept, "day": _col("day")}, sales, "lines",
                                  "merge_orders"))  # fmt: skip
    customer = {name: _signed(name) for name in MONEY}
    for model, grain in (
        (rollup_models.CustomerLineMonth, MONTH),
        (rollup_models.CustomerLineQuarter, QUARTER),
    ):
        keys = {"month": grain, "customer_key": _col("customer_key"), "product_line": _col("product_line"), **_dims()}
        sums = {**customer, "orders": _signed("orders"), "orders_first": _signed("orders_first")}
        targets.append(Target(model, keys, sums, "orders", "merge_orders", firsts=True))
    for model, grain in ((rollup_models.CustomerMonth, MONTH), (rollup_models.CustomerQuarter, QUARTER)):
        keys = {"month": grain, "customer_key": _col("customer_key"), **_dims()}
        targets.append(Target(model, keys, {**customer, "orders": _signed("orders_first")}, "orders",
                              "merge_orders", firsts=True))  # fmt: skip
    targets.append(
        Target(rollup_models.OrderMonth, {"month": MONTH, "band": _col("band"), **_dims()},
               {"orders": _signed("orders_first"), "revenue": _signed("revenue")}, "orders", "merge_orders")
    )  # fmt: skip
    return targets


def _product_targets() -> list[Target]:
    """The product tables, from the new lines' own daily sums (`merge_products`, shaped like the daily table)."""
    sums = {name: _summed(name) for name in PRODUCT}
    names = {"product_name": sql.SQL("MAX(product_name)"), "product_code": sql.SQL("MAX(product_code)")}
    product = {"product_key": _col("product_key"), "product_line": _col("product_line")}
    segment = {"country": _col("country"), "segment": _col("segment")}
    return [
        Target(rollup_models.ProductDay, {"day": _col("day"), **product, **_dims()}, {**names, **sums}, "lines",
               "merge_products"),
        Target(rollup_models.ProductSegmentMonth, {"month": MONTH, **product, **segment}, {**names, **sums},
               "lines", "merge_products"),
        Target(rollup_models.ProductMonth, {"month": MONTH, **product}, {**names, **sums}, "lines",
               "merge_products"),
        Target(rollup_models.ProductSegmentQuarter, {"month": QUARTER, **product, **segment}, {**names, **sums},
               "lines", "merge_products"),
        Target(rollup_models.ProductQuarter, {"month": QUARTER, **product}, {**names, **sums}, "lines",
               "merge_products"),
    ]  # fmt: skip


def _hsn_target() -> Target:
    """The HSN rollup, from the new lines' own monthly sums (`merge_hsn`, shaped like the table)."""
    keys = {name: _col(name) for name in ("month", *gst.HSN_KEYS)}
    sums = {"product_name": sql.SQL("MAX(product_name)"), **{name: _summed(name) for name in gst.HSN_SUMS}}
    return Target(rollup_models.HsnMonth, keys, sums, "lines", "merge_hsn")


# How a merged value combines with the row's: sums add, names and last days take the greater, first days the less.
_COMBINE = {"product_name": "GREATEST", "product_code": "GREATEST", "first_day": "LEAST", "last_day": "GREATEST"}


def _upsert(cursor, target: Target) -> None:
    sums = dict(target.sums)
    if target.firsts:
        sums |= {"first_day": sql.SQL("MIN(day)"), "last_day": sql.SQL("MAX(day)")}
    columns = [*target.keys, *sums]
    updates = []
    for name in sums:
        how = _COMBINE.get(name)
        current, merged = (
            sql.SQL("{}.{}").format(target.table, sql.Identifier(name)),
            sql.SQL("EXCLUDED.{}").format(sql.Identifier(name)),
        )
        value = (
            sql.SQL("{}({}, {})").format(sql.SQL(how), current, merged)
            if how
            else sql.SQL("{} + {}").format(current, merged)
        )
        updates.append(sql.SQL("{} = {}").format(sql.Identifier(name), value))
    cursor.execute(
        sql.SQL(
            "WITH merged AS (INSERT INTO {table} ({columns}) SELECT {values} FROM {source} GROUP BY {groups} "
            "ON CONFLICT ({conflict}) DO UPDATE SET {updates} RETURNING id, {count}) "
            "INSERT INTO merge_emptied SELECT id FROM merged WHERE {count} = 0"
        ).format(
            table=target.table,
            columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
            values=sql.SQL(", ").join([*target.keys.values(), *sums.values()]),
            source=sql.Identifier(target.source),
            groups=sql.SQL(", ").join(sql.Literal(n) for n in range(1, len(target.keys) + 1)),
            conflict=target.conflict,
            updates=sql.SQL(", ").join(updates),
            count=sql.Identifier(target.count),
        )
    )
    cursor.execute(
        sql.SQL("DELETE FROM {table} WHERE id IN (SELECT id FROM merge_emptied); TRUNCATE merge_emptied").format(
            table=target.table
        )
    )


def merge_appended(first_new_id: int) -> float:
    """Merge the sales lines whose id is above `first_new_id`, all of them added by the caller's transaction (and
    nothing else changed), into the rollups. Returns seconds."""
    started = time.perf_counter()
    after = {"after": first_new_id}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [rollups.LOCK_KEY])
        # As a rebuild's, but the scans of the lines may use both cores: no second connection here.
        rollups.tune(cursor)
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 2")
        cursor.execute(
            """
            CREATE TEMP TABLE merge_touched ON COMMIT DROP AS
            SELECT DISTINCT invoice_date AS day, customer_key FROM ingestion_salesline WHERE id > %(after)s AND counts
            """,
            after,
        )
        cursor.execute(
            """
            ANALYZE merge_touched;
            CREATE TEMP TABLE merge_emptied (id bigint) ON COMMIT DROP;
            CREATE TEMP TABLE merge_orders ON COMMIT DROP AS
            SELECT -1 AS sign, o.* FROM analytics_order_day o WHERE false
            """
        )
        cursor.execute(
            """
            WITH gone AS (
                DELETE FROM analytics_order_day o USING merge_touched t
                WHERE o.day = t.day AND o.customer_key = t.customer_key RETURNING o.*
            )
            INSERT INTO merge_orders SELECT -1, gone.* FROM gone
            """
        )
        # The span lets the lines' BRIN index skip the blocks of other periods: a month's upload reads a month.
        cursor.execute("SELECT MIN(day), MAX(day) FROM merge_touched")
        first, last = cursor.fetchone()
        rollups.insert_order_days(
            cursor,
            sql.SQL(
                "l.invoice_date BETWEEN %(first)s AND %(last)s "
                "AND (l.invoice_date, l.customer_key) IN (SELECT day, customer_key FROM merge_touched)"
            ),
            {"first": first, "last": last},
            keep_in="merge_orders",
        )
        cursor.execute("ANALYZE merge_orders")
        for target in _order_targets():
            _upsert(cursor, target)
        new_lines = sql.SQL("l.id > %(after)s")
        cursor.execute(
            sql.SQL("CREATE TEMP TABLE merge_products ON COMMIT DROP AS {}").format(rollups.product_days(new_lines)),
            after,
        )
        for target in _product_targets():
            _upsert(cursor, target)
        hsn = rollups.hsn_months(new_lines)
        cursor.execute(sql.SQL("CREATE TEMP TABLE merge_hsn ON COMMIT DROP AS {}").format(hsn), after)
        _upsert(cursor, _hsn_target())
        cursor.execute(
            """
            INSERT INTO analytics_customer_first AS f (customer_key, first_day, last_day)
            SELECT customer_key, MIN(day), MAX(day) FROM merge_touched WHERE customer_key <> '' GROUP BY 1
            ON CONFLICT (customer_key) DO UPDATE
            SET first_day = LEAST(f.first_day, EXCLUDED.first_day), last_day = GREATEST(f.last_day, EXCLUDED.last_day)
            """
        )
        rollups.count_customers_by_month(cursor)
        rollups.rebuild_dimension_values(cursor)
        cursor.execute(
            sql.SQL(
                """
                INSERT INTO analytics_rollup_month AS r (month, lines, id_sum, version_sum)
                {fingerprints}
                ON CONFLICT (month) DO UPDATE SET lines = r.lines + EXCLUDED.lines,
                    id_sum = r.id_sum + EXCLUDED.id_sum, version_sum = r.version_sum + EXCLUDED.version_sum
                """
            ).format(fingerprints=rollups.month_fingerprints(sql.SQL("id > %(after)s"))),
            after,
        )
        # Gone now, not at commit: a caller may merge twice in one transaction (tests do).
        cursor.execute("DROP TABLE merge_touched, merge_emptied, merge_orders, merge_products, merge_hsn")
        seconds = time.perf_counter() - started
        rollups.record(cursor, seconds, full=False)
    logger.info("rollups: merged the lines above id %s in %.2f s", first_new_id, seconds)
    return seconds


def lines_added(first_new_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM ingestion_salesline WHERE id > %s", [first_new_id])
        return cursor.fetchone()[0]


# A merged line costs about five times what a rebuild spends per line it reads (bench/ingest.py and
# bench/dashboards.py --lines 10000000 on 2 cores: 10,000 or 1,000,000 lines merge at about 170 µs each, and a full
# rebuild reads 1,000,000 lines in 32 s), so merging pays while the new lines are under a fifth of all.
MERGED_LINE_COST = 5


def worth_merging(added: int) -> bool:
    """Merge unless the rollups have never been built, or so many lines are new that rebuilding costs less."""
    state = RollupState.objects.first()
    if state is None or state.rebuilt_at is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(lines), 0) FROM analytics_rollup_month")
        return added * MERGED_LINE_COST < cursor.fetchone()[0] + added
