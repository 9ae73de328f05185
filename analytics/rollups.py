"""Rebuild the rollups (analytics.models) from the sales lines, for some months, for the months that changed, or
for everything.

Whole months are rebuilt at a time, so the monthly tables never hold half a month. The lines are read twice:
once for the daily table of orders (one row per order and product line, with its dimensions), from which every
sales, customer and order-size table is summed, and once for the daily products, from which the monthly
products are summed. The products are rebuilt on a second connection at the same time (`alongside`), which
halves a full rebuild on two cores. One transaction per connection, both reading the lines as of one snapshot,
under a per-company lock: readers see the old rollups until the new ones are committed (the products a moment
earlier), and two refreshes never interleave.

Each rebuild records a fingerprint of every month it read (`RollupMonth`), so an upload's task and the nightly
(`refresh_changed`, `refresh_nightly`) rebuild just the months whose lines changed since: after an upload, a
failed refresh, an edit in the admin, a remark of exclusions or a customer master's new states.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg import sql

from . import catalogue, gst
from .alongside import work_alongside
from .engine import PERSON, RAW_SQL, band_of
from .models import DAY_CUTS, SALES_CUTS, RollupState
from .periods import add_months, month_start

logger = logging.getLogger(__name__)

LOCK_KEY = 7_400_001  # pg_advisory_xact_lock key; schemas are separate, so one key per company is enough

# ---------------------------------------------------------------- SQL pieces
#
# Statements are composed with psycopg's sql module, as in analytics.engine: names are sql.Identifier, fixed text
# sql.SQL, values always parameters. The months a refresh rebuilds are bound as %(start)s and %(end)s.

_AND = sql.SQL(" AND ")
_COMMA = sql.SQL(", ")
_NOTHING = sql.SQL("")
# Every row: what a full rebuild replaces.
_EVERY_ROW = sql.SQL("TRUE")


def _line(column: str) -> sql.Identifier:
    """A column of the sales line `l`."""
    return sql.Identifier("l", column)


def _names(names: Iterable[str], of: str | None = None) -> sql.Composable:
    """Columns by name, each of the table (alias) `of` when given."""
    return _COMMA.join([sql.Identifier(of, name) if of else sql.Identifier(name) for name in names])


def _rebuilt(column: sql.Composable, start: str = "start", end: str = "end") -> sql.Composable:
    """`column`, a date, in the months rebuilt: from the parameter `start` up to, not including, `end`."""
    return sql.SQL("{column} >= {start} AND {column} < {end}").format(
        column=column, start=sql.Placeholder(start), end=sql.Placeholder(end)
    )


def _counting(lines: sql.Composable | None) -> sql.Composable:
    """The sales lines that count, of those matching the condition `lines` when given."""
    counts = _line("counts")
    return counts if lines is None else _AND.join([counts, lines])


DIMS = ("branch", "state", "state_code", "country", "person", "segment")
_DIMS = _names(DIMS)


TABLES = (  # every rollup rebuilt by month from the daily orders, with its date column
    ("analytics_order_day", "day"),
    ("analytics_sales_day_cut", "day"),
    ("analytics_sales_month", "month"),
    ("analytics_sales_month_cut", "month"),
    ("analytics_customer_line_month", "month"),
    ("analytics_customer_month", "month"),
    ("analytics_order_month", "month"),
)
PRODUCT_TABLES = (  # rebuilt by month from their own read of the lines
    ("analytics_product_day", "day"),
    ("analytics_product_month", "month"),
    ("analytics_product_segment_month", "month"),
    ("analytics_hsn_month", "month"),
)
# The catalogue's sums each family of tables keeps (see catalogue.Sum).
SALES_SUMS = catalogue.sums_kept("sales")
CUSTOMER_SUMS = catalogue.sums_kept("customer")
PRODUCT_SUMS = catalogue.sums_kept("product")
_CUSTOMER_SUMS = {
    **dict.fromkeys(CUSTOMER_SUMS, "SUM"),
    "orders": "SUM",
    "first_day": "MIN",
    "last_day": "MAX",
}
_PRODUCT_SUMS = {"product_name": "MAX", "product_code": "MAX", **dict.fromkeys(PRODUCT_SUMS, "SUM")}
# Rebuilt by calendar quarter from the monthly tables: (table, monthly table, keys, {column: aggregate}).
CUSTOMER_QUARTERS = (
    ("analytics_customer_quarter", "analytics_customer_month", ("customer_key", *DIMS), _CUSTOMER_SUMS),
    (
        "analytics_customer_line_quarter",
        "analytics_customer_line_month",
        ("customer_key", *DIMS, "product_line"),
        {**_CUSTOMER_SUMS, "orders_first": "SUM"},
    ),
)
PRODUCT_QUARTERS = (
    ("analytics_product_quarter", "analytics_product_month", ("product_key", "product_line"), _PRODUCT_SUMS),
    (
        "analytics_product_segment_quarter",
        "analytics_product_segment_month",
        ("product_key", "product_line", "country", "segment"),
        _PRODUCT_SUMS,
    ),
)


def refresh(
    date_from: date | None = None, date_to: date | None = None, *, alongside: bool = True, build_indexes_after=True
) -> float:
    """Rebuild the months from `date_from` to `date_to` (all of them when either is None); returns seconds.
    `alongside` and `build_indexes_after` are the two tunings of a full rebuild; bench/rollup_tuning.py turns
    them off to measure what each saves."""
    started = time.perf_counter()
    full = date_from is None or date_to is None
    if full:
        start, end, lines, params = None, None, None, {}
        days = months = _EVERY_ROW
    else:
        start, end = month_start(date_from), add_months(month_start(date_to), 1)
        lines, params = _rebuilt(_line("invoice_date")), {"start": start, "end": end}
        # What the steps after the first read: the days and months just rebuilt of the daily and monthly tables.
        days, months = _rebuilt(sql.Identifier("day")), _rebuilt(sql.Identifier("month"))
    # The products and the fingerprints on a second connection, both cores at work; not inside a caller's
    # transaction, whose rows a second connection cannot see.
    own_transaction = not connection.in_atomic_block
    alongside = alongside and own_transaction
    with _one_at_a_time(session=own_transaction), transaction.atomic(), connection.cursor() as cursor:
        snapshot = _shared_snapshot(cursor) if alongside else None
        tune(cursor)
        read = functools.partial(_read_alongside, start=start, end=end, lines=lines, days=days, months=months,
                                 params=params, build_indexes_after=build_indexes_after)  # fmt: skip
        with work_alongside(read, enabled=alongside, snapshot=snapshot) as fingerprints:
            _clear(cursor, TABLES, start, end, params)
            tables = [table for table, _ in TABLES] + [quarters[0] for quarters in CUSTOMER_QUARTERS]
            with _indexes_built_after(cursor, tables, enabled=full and build_indexes_after):
                insert_order_days(cursor, lines, params)
                _insert_sales(cursor, days, months, params)
                _insert_customers(cursor, days, months, params)
                _insert_orders(cursor, days, params)
                _rebuild_quarters(cursor, CUSTOMER_QUARTERS, start, end)
            rebuild_customer_first(cursor)
            rebuild_dimension_values(cursor)
            cuts = (("analytics_sales_month_cut", ("cut", "month")), ("analytics_sales_day_cut", ("cut", "day")))
            _analyze(cursor, CUSTOMER_QUARTERS, *cuts)
        _record_fingerprints(cursor, start, end, params, fingerprints.result)
        seconds = time.perf_counter() - started
        record(cursor, seconds, full=full)
    logger.info("rollups refreshed for %s..%s in %.2f s", date_from, date_to, seconds)
    return seconds


@contextlib.contextmanager
def _one_at_a_time(*, session: bool):
    """Refreshes of a company never interleave. Inside a caller's transaction, it holds the lock. Otherwise the
    lock is the session's, taken before the refresh's transaction starts: a repeatable-read transaction takes
    its snapshot at its first statement, which must come after the previous refresh's commit (or it would not
    see the rows it deletes)."""
    with connection.cursor() as cursor:
        lock = "SELECT pg_advisory_lock(%s)" if session else "SELECT pg_advisory_xact_lock(%s)"
        cursor.execute(lock, [LOCK_KEY])
    try:
        yield
    finally:
        if session:
            # A broken connection has lost the lock with the session already.
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _shared_snapshot(cursor) -> str:
    """Make this transaction read as of one snapshot and export it for the second connection: both then read
    the very same lines, and the fingerprints describe exactly what was read."""
    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    cursor.execute("SELECT pg_export_snapshot()")
    return cursor.fetchone()[0]


def _read_alongside(cursor, start: date | None, end: date | None, lines: sql.Composable | None,
                    days: sql.Composable, months: sql.Composable, params: dict,
                    build_indexes_after: bool = True):  # fmt: skip
    """The second connection's share: the lines' fingerprints, taken before anything reads the lines, then the
    products. Returns the fingerprints, which the main connection records with its own tables, so they are
    committed only if everything is."""
    tune(cursor)
    fingerprints = _fingerprints(cursor, start, end, params)
    _clear(cursor, PRODUCT_TABLES, start, end, params)
    tables = [table for table, _ in PRODUCT_TABLES] + [quarters[0] for quarters in PRODUCT_QUARTERS]
    with _indexes_built_after(cursor, tables, enabled=start is None and build_indexes_after):
        _insert_products(cursor, lines, days, months, params)
        _rebuild_quarters(cursor, PRODUCT_QUARTERS, start, end)
        cursor.execute(
            sql.SQL("INSERT INTO analytics_hsn_month ({}) {}").format(HSN_COLUMNS, hsn_months(lines)), params
        )
    _analyze(cursor, PRODUCT_QUARTERS)
    return fingerprints


def _analyze(cursor, quarters, *more: tuple[str, tuple[str, ...]]) -> None:
    """Fresh statistics for the small tables the pages read most (the quarters, and `more`: (table, columns)), on
    the columns they pick rows by: the cheap part of an ANALYZE. The rest keep theirs until autovacuum analyzes
    them."""
    filters = {"month", "product_line", *DIMS}
    targets = [*more]
    for table, _monthly, keys, _sums in quarters:
        targets.append((table, ("month", *(key for key in keys if key in filters))))
    columns = [sql.SQL("{} ({})").format(sql.Identifier(table), _names(names)) for table, names in targets]
    cursor.execute(sql.SQL("ANALYZE {}").format(_COMMA.join(columns)))


def tune(cursor) -> None:
    cursor.execute("SET LOCAL work_mem = '512MB'")  # the groupings below fit in memory and stay hashes
    cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves on these statements
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # the two connections already fill both cores


def _clear(cursor, tables, start: date | None, end: date | None, params: dict) -> None:
    for table, column in tables:
        if start is None:
            cursor.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))
        else:
            rows = _rebuilt(sql.Identifier(column))
            cursor.execute(sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(table), rows), params)


@contextlib.contextmanager
def _indexes_built_after(cursor, tables: list[str], *, enabled: bool):
    """For a full rebuild: drop the rollups' indexes, primary keys and unique keys included, and build them again
    once the tables
    are filled, one sort each instead of a million random insertions (half the time of filling a table).
    TRUNCATE already holds the tables until commit, so readers wait no longer than they would. The definitions
    come from PostgreSQL's own catalog (pg_get_constraintdef, pg_indexes), so they run again as they are."""
    keys, indexes = [], []
    if enabled:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype IN ('p', 'u') AND conrelid = ANY(%s::regclass[])",
            [tables],
        )
        keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND indexname <> ALL(%s)",
            [tables, [name for _, name, _ in keys]],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        for table, name, _definition in keys:
            cursor.execute(_alter(table, sql.SQL("DROP CONSTRAINT {}").format(sql.Identifier(name))))
    yield
    for table, name, definition in keys:
        add = sql.SQL("ADD CONSTRAINT {} {}").format(sql.Identifier(name), sql.SQL(definition))
        cursor.execute(_alter(table, add))
    for _name, definition in indexes:
        cursor.execute(sql.SQL(definition))


def _alter(table: str, change: sql.Composable) -> sql.Composable:
    # `table` as regclass gave it: a bare name, the table having just been found through the search path.
    return sql.SQL("ALTER TABLE {} {}").format(sql.Identifier(table), change)


def _sums(names: Iterable[str]) -> sql.Composable:
    """SUM(name), ... for each column name."""
    return _COMMA.join([sql.SQL("SUM({})").format(sql.Identifier(name)) for name in names])


# 10^-3 and 10^-4 as numeric constants, so that the sums below stay exact.
_SCALES = {3: sql.SQL("1e-3"), 4: sql.SQL("1e-4")}


def _exact(units: str, scale: int = 4, where: sql.Composable | None = None) -> sql.Composable:
    """SUM of a sales line's amount from its column `units` in whole units of 10^-scale (SalesLine's `_e4`
    columns), back in rupees: exact, and far cheaper than converting or adding numerics line by line."""
    condition = _NOTHING if where is None else sql.SQL(" FILTER (WHERE {})").format(where)
    return sql.SQL("(SUM({}){} * {})").format(_line(units), condition, _SCALES[scale])


# How a group of sales lines (as `l`) adds up the sums spelt out by name (see catalogue.Sum); the others add up
# their column.
_LINE_SUMS_BY_NAME = {
    "lines": sql.SQL("COUNT(*)"),
    "costed_revenue": _exact("net_amount_e4", where=sql.SQL("l.gross_profit_e4 IS NOT NULL")),
    "gross_profit": _exact("gross_profit_e4"),
}


def line_sums(keys: Iterable[str]) -> sql.Composable:
    """The sums `keys` of a group of sales lines (as `l`), each named after its key and 0 when nothing adds up."""
    sums = []
    for key in keys:
        entry = catalogue.SUM_OF[key]
        if not entry.column:
            total = _LINE_SUMS_BY_NAME[key]
        elif entry.units:
            total = _exact(entry.units, entry.scale)
        else:
            total = sql.SQL("SUM({})").format(_line(entry.column))
        sums.append(sql.SQL("COALESCE({}, 0) AS {}").format(total, sql.Identifier(key)))
    return _COMMA.join(sums)


def insert_order_days(cursor, lines: sql.Composable | None, params: dict, keep_in: str | None = None) -> None:
    """One row per order and product line of the lines that count (those matching the condition `lines`, when
    given): an order is an invoice number on a day for a customer, and its dimension values. `orders_first` is 1
    in the order's first product line only, so summing it counts each order once; `band` is the power of ten of
    the whole order's value, `line_band` of the row's part of it. With `keep_in`, the rows are also added to that
    table, signed 1 (see rollup_merge)."""
    # Two statements: as one, the planner sorts the wide grouped rows on disk and takes twice as long.
    cursor.execute(
        sql.SQL(
            """
            CREATE TEMP TABLE order_lines ON COMMIT DROP AS
            SELECT l.invoice_date AS day, l.invoice_number, l.customer_key,
                   l.branch, l.product_line, l.state, l.state_code, l.country, {person} AS person, l.segment,
                   {line_sums}
            FROM ingestion_salesline l
            WHERE {lines}
            GROUP BY l.invoice_date, l.invoice_number, l.customer_key, l.branch, l.product_line, l.state,
                     l.state_code, l.country, {person}, l.segment
            """
        ).format(
            person=PERSON,
            line_sums=line_sums(SALES_SUMS),
            lines=_counting(lines),
        ),
        params,
    )
    insert = sql.SQL(
        """
        INSERT INTO analytics_order_day (day, customer_key, product_line, {dims}, band, line_band, orders,
                                         orders_first, {sales})
        SELECT g.day, g.customer_key, g.product_line, {g_dims},
               {band}, {line_band}, 1,
               (g.product_line = MIN(g.product_line) OVER w)::int,
               {g_sales}
        FROM order_lines g
        WINDOW w AS (PARTITION BY g.day, g.invoice_number, g.customer_key, g.branch, g.state, g.state_code,
                                  g.country, g.person, g.segment)
        """
    ).format(
        dims=_DIMS,
        sales=_names(SALES_SUMS),
        g_dims=_names(DIMS, of="g"),
        band=band_of(sql.SQL("SUM(g.revenue) OVER w")),
        line_band=band_of(sql.SQL("g.revenue")),
        g_sales=_names(SALES_SUMS, of="g"),
    )
    if keep_in:
        insert = sql.SQL("WITH added AS ({} RETURNING *) INSERT INTO {} SELECT 1, added.* FROM added").format(
            insert, sql.Identifier(keep_in)
        )
    cursor.execute(sql.SQL("{}; DROP TABLE order_lines").format(insert))


# The sales columns of the daily orders (or of another sales rollup) summed again, by coarser keys.
_SALES_RESUMMED = sql.SQL("{}, SUM(orders), SUM(orders_first)").format(_sums(SALES_SUMS))


def _insert_sales(cursor, days: sql.Composable, months: sql.Composable, params: dict) -> None:
    # A row of the daily table is one order in one product line, so rows are orders and first-line rows are
    # whole orders.
    cursor.execute(
        sql.SQL(
            """
            INSERT INTO analytics_sales_month (month, product_line, {dims}, {sales}, orders, orders_first)
            SELECT date_trunc('month', day)::date, product_line, {dims}, {sums}
            FROM analytics_order_day WHERE {days}
            GROUP BY 1, product_line, {dims}
            """
        ).format(dims=_DIMS, sales=_names(SALES_SUMS), sums=_SALES_RESUMMED, days=days),
        params,
    )
    for grain, table, full, when in (
        ("month", "analytics_sales_month_cut", "analytics_sales_month", months),
        ("day", "analytics_sales_day_cut", "analytics_order_day", days),
    ):
        for cut, dims, parent in _cut_parents(grain):
            if parent:
                source, rows = table, [sql.SQL("cut = {}").format(sql.Literal(parent)), when]
            else:
                source, rows = full, [when]
            cursor.execute(
                sql.SQL(
                    """
                    INSERT INTO {table} (cut, {grain}, {columns}, {sales}, orders, orders_first)
                    SELECT {cut}, {grain}, {columns}, {sums}
                    FROM {source} WHERE {rows} GROUP BY {grain}, {columns}
                    """
                ).format(
                    table=sql.Identifier(table),
                    grain=sql.Identifier(grain),
                    columns=_names(dims),
                    sales=_names(SALES_SUMS),
                    cut=sql.Literal(cut),
                    sums=_SALES_RESUMMED,
                    source=sql.Identifier(source),
                    rows=_AND.join(rows),
                ),
                params,
            )


def _cut_parents(grain: str) -> list[tuple[int, tuple[str, ...], int | None]]:
    """The cuts kept at `grain` in the order they are built, biggest first, each with the smallest cut built
    before it that keeps its dimensions (None: the full table), which it is summed from: a few thousand rows
    instead of a few hundred thousand."""
    kept = [(cut, dims) for cut, dims in SALES_CUTS.items() if grain == "month" or cut in DAY_CUTS]
    order, built = [], set()
    for cut, dims in reversed(kept):
        parent = next((other for other, more in kept if other in built and set(dims) <= set(more)), None)
        order.append((cut, dims, parent))
        built.add(cut)
    return order


def _insert_customers(cursor, days: sql.Composable, months: sql.Composable, params: dict) -> None:
    cursor.execute(
        sql.SQL(
            """
            INSERT INTO analytics_customer_line_month (month, customer_key, product_line, {dims}, {money}, orders,
                                                       orders_first, first_day, last_day)
            SELECT date_trunc('month', day)::date, customer_key, product_line, {dims}, {sums}, SUM(orders),
                   SUM(orders_first), MIN(day), MAX(day)
            FROM analytics_order_day WHERE {days} GROUP BY 1, customer_key, product_line, {dims}
            """
        ).format(dims=_DIMS, money=_names(CUSTOMER_SUMS), sums=_sums(CUSTOMER_SUMS), days=days),
        params,
    )
    cursor.execute(
        sql.SQL(
            """
            INSERT INTO analytics_customer_month (month, customer_key, {dims}, {money}, orders, first_day, last_day)
            SELECT month, customer_key, {dims}, {sums}, SUM(orders_first), MIN(first_day), MAX(last_day)
            FROM analytics_customer_line_month WHERE {months}
            GROUP BY month, customer_key, {dims}
            """
        ).format(dims=_DIMS, money=_names(CUSTOMER_SUMS), sums=_sums(CUSTOMER_SUMS), months=months),
        params,
    )


PRODUCT_DAY_COLUMNS = _names(
    ("day", "product_key", "product_name", "product_code", "product_line", *DIMS, *PRODUCT_SUMS)
)


def product_days(lines: sql.Composable | None) -> sql.Composable:
    """The daily products of the lines that count (those matching the condition `lines`, when given), in
    PRODUCT_DAY_COLUMNS."""
    return sql.SQL(
        """
        SELECT l.invoice_date AS day, {product_key} AS product_key,
               MAX(l.product_name) AS product_name, MAX(l.product_code) AS product_code, l.product_line,
               l.branch, l.state, l.state_code, l.country, {person} AS person, l.segment,
               {line_sums}
        FROM ingestion_salesline l
        WHERE {lines}
        GROUP BY 1, 2, l.product_line, l.branch, l.state, l.state_code, l.country, {person}, l.segment
        """
    ).format(
        product_key=RAW_SQL["product_key"], person=PERSON, line_sums=line_sums(PRODUCT_SUMS), lines=_counting(lines)
    )


def _insert_products(
    cursor, lines: sql.Composable | None, days: sql.Composable, months: sql.Composable, params: dict
) -> None:
    cursor.execute(
        sql.SQL("INSERT INTO analytics_product_day ({}) {}").format(PRODUCT_DAY_COLUMNS, product_days(lines)), params
    )
    # By month: first by country and segment from the days, then the products alone from that, a quarter of the
    # rows.
    cursor.execute(
        sql.SQL(
            """
            INSERT INTO analytics_product_segment_month (month, product_key, product_name, product_code,
                                                         product_line, country, segment, {columns})
            SELECT date_trunc('month', day)::date, product_key, MAX(product_name), MAX(product_code), product_line,
                   country, segment, {sums}
            FROM analytics_product_day WHERE {days}
            GROUP BY 1, product_key, product_line, country, segment
            """
        ).format(columns=_names(PRODUCT_SUMS), sums=_sums(PRODUCT_SUMS), days=days),
        params,
    )
    cursor.execute(
        sql.SQL(
            """
            INSERT INTO analytics_product_month (month, product_key, product_name, product_code, product_line,
                                                 {columns})
            SELECT month, product_key, MAX(product_name), MAX(product_code), product_line, {sums}
            FROM analytics_product_segment_month WHERE {months}
            GROUP BY month, product_key, product_line
            """
        ).format(columns=_names(PRODUCT_SUMS), sums=_sums(PRODUCT_SUMS), months=months),
        params,
    )


HSN_COLUMNS = _names(("month", *gst.HSN_KEYS, "product_name", *gst.HSN_SUMS))


def hsn_months(lines: sql.Composable | None) -> sql.Composable:
    """The HSN rollup's rows (analytics.models.HsnMonth, in HSN_COLUMNS) of the lines that count (those matching
    the condition `lines`, when given): a third read of the lines, about a second at 1,000,000 of them."""
    keys = [sql.SQL("{} AS {}").format(expression, sql.Identifier(key)) for key, expression in gst.HSN_KEYS.items()]
    return sql.SQL(
        """
        SELECT date_trunc('month', l.invoice_date)::date AS month, {keys}, {name} AS product_name, {sums}
        FROM ingestion_salesline l
        WHERE {lines}
        GROUP BY {groups}
        """
    ).format(
        keys=_COMMA.join(keys),
        name=gst.HSN_NAME,
        sums=line_sums(gst.HSN_SUMS),
        lines=_counting(lines),
        groups=_COMMA.join(sql.Literal(n) for n in range(1, len(gst.HSN_KEYS) + 2)),
    )


def _insert_orders(cursor, days: sql.Composable, params: dict) -> None:
    cursor.execute(
        sql.SQL(
            """
            INSERT INTO analytics_order_month (month, band, {dims}, orders, revenue)
            SELECT date_trunc('month', day)::date, band, {dims}, SUM(orders_first), SUM(revenue)
            FROM analytics_order_day WHERE {days}
            GROUP BY 1, band, {dims}
            """
        ).format(dims=_DIMS, days=days),
        params,
    )


def month_fingerprints(lines: sql.Composable | None = None) -> sql.Composable:
    """A fingerprint of each month of the lines (those matching the condition `lines`, when given): the month's
    lines, their count and the sums of their ids and row versions, which any insert, update or delete changes.
    (Two updates of a line in one transaction leave one version; a refresh never runs between them.)"""
    where = _NOTHING if lines is None else sql.SQL("WHERE {}").format(lines)
    return sql.SQL(
        """
        SELECT date_trunc('month', invoice_date)::date AS month, COUNT(*) AS lines, SUM(id)::bigint AS id_sum,
               SUM(xmin::text::bigint)::bigint AS version_sum
        FROM ingestion_salesline {where} GROUP BY 1
        """
    ).format(where=where)


def _fingerprints(cursor, start: date | None, end: date | None, params: dict) -> list[tuple]:
    """The fingerprints of the months being rebuilt, taken before the rebuild reads the lines (or as of the same
    snapshot): a line committed in between makes its month differ next night and be rebuilt again, never missed."""
    cursor.execute(month_fingerprints(None if start is None else _rebuilt(sql.Identifier("invoice_date"))), params)
    return cursor.fetchall()


def _record_fingerprints(cursor, start: date | None, end: date | None, params: dict, fingerprints) -> None:
    if start is None:
        cursor.execute("TRUNCATE analytics_rollup_month")
    else:
        rows = _rebuilt(sql.Identifier("month"))
        cursor.execute(sql.SQL("DELETE FROM analytics_rollup_month WHERE {}").format(rows), params)
    if fingerprints:
        cursor.executemany(
            "INSERT INTO analytics_rollup_month (month, lines, id_sum, version_sum) VALUES (%s, %s, %s, %s)",
            fingerprints,
        )


def changed_months() -> tuple[list[date], tuple[date, date] | None]:
    """The months whose lines differ from what the rollups last read, and the first and last month the rollups
    have read (None when they have read none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                """
                SELECT month FROM ({}) f FULL JOIN analytics_rollup_month r USING (month)
                WHERE (f.lines, f.id_sum, f.version_sum) IS DISTINCT FROM (r.lines, r.id_sum, r.version_sum)
                ORDER BY month
                """
            ).format(month_fingerprints())
        )
        changed = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT MIN(month), MAX(month) FROM analytics_rollup_month")
        first, last = cursor.fetchone()
        return changed, (first, last) if first else None


def refresh_changed() -> list[date]:
    """Rebuild the months whose lines changed since the rollups read them; returns them. Changes cluster in a few
    recent months, so one rebuild from the first changed month to the last does them all; when that spans every
    month (or the rollups were never fingerprinted), the full rebuild does it faster."""
    changed, read = changed_months()
    if not changed:
        logger.info("rollups: no month changed")
        RollupState.objects.update(refreshed_at=timezone.now())  # checked: current as of now
        return []
    if read is None or (changed[0] <= read[0] and changed[-1] >= read[1]):
        refresh()
    else:
        refresh(changed[0], changed[-1])
    return changed


def follow(appended_after: int | None = None) -> str:
    """Bring the rollups up to date with a change of the sales lines, inside the change's transaction: merge the
    new lines when the change only added lines numbered above `appended_after` (and merging beats rebuilding),
    else rebuild the months that changed. Returns which."""
    from . import rollup_merge

    if appended_after is not None:
        added = rollup_merge.lines_added(appended_after)
        if not added:  # a file of duplicates: the pages' caches stay good
            return "unchanged"
        if rollup_merge.worth_merging(added):
            rollup_merge.merge_appended(appended_after)
            return "merged"
    refresh_changed()
    return "rebuilt"


def refresh_nightly() -> str:
    """The nightly: the months that changed, and everything once every ROLLUP_FULL_REBUILD_DAYS days (a safety
    net for whatever a fingerprint cannot see, such as a rollup edited by hand). Returns what it did."""
    state = RollupState.objects.first()
    every = timedelta(days=settings.ROLLUP_FULL_REBUILD_DAYS)
    if state is None or state.rebuilt_at is None or timezone.now() - state.rebuilt_at >= every:
        refresh()
        return "full rebuild"
    changed = refresh_changed()
    if not changed:
        return "no month changed"
    return f"{len(changed)} changed month{'s' if len(changed) > 1 else ''} rebuilt"


def _rebuild_quarters(cursor, quarters, start: date | None, end: date | None) -> None:
    """The `quarters` tables, for every quarter the rebuilt months touch (all of them when None)."""
    quarter = sql.SQL("date_trunc('quarter', month)::date")
    if start is None or end is None:
        quarters_rebuilt, months_read, params = _EVERY_ROW, _EVERY_ROW, {}
    else:
        first = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
        quarters_rebuilt = _rebuilt(sql.Identifier("month"), start="first")
        months_read, params = _rebuilt(quarter, start="first"), {"first": first, "end": end}
    for table, monthly, keys, aggregates in quarters:
        if start is None:
            cursor.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)), params)
        else:
            cursor.execute(sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(table), quarters_rebuilt), params)
        sums = [sql.SQL("{}({})").format(sql.SQL(how), sql.Identifier(column)) for column, how in aggregates.items()]
        cursor.execute(
            sql.SQL(
                """
                INSERT INTO {table} (month, {keys}, {columns})
                SELECT {quarter}, {keys}, {sums}
                FROM {monthly} WHERE {months}
                GROUP BY 1, {keys}
                """
            ).format(
                table=sql.Identifier(table),
                keys=_names(keys),
                columns=_names(aggregates),
                quarter=quarter,
                sums=_COMMA.join(sums),
                monthly=sql.Identifier(monthly),
                months=months_read,
            ),
            params,
        )


def rebuild_customer_first(cursor) -> None:
    """Rebuilt whole: an upload of older sales can make any later month's customers returning. Walk-in sales
    (customer key '') are left out here, and so out of every count of customers, which joins this table."""
    cursor.execute(
        """
        TRUNCATE analytics_customer_first;
        INSERT INTO analytics_customer_first (customer_key, first_day, last_day)
        SELECT customer_key, MIN(first_day), MAX(last_day) FROM analytics_customer_month
        WHERE customer_key <> '' GROUP BY customer_key;
        """
    )
    count_customers_by_month(cursor)


def count_customers_by_month(cursor) -> None:
    """Customers and new customers by month, from the monthly customers and their first purchases."""
    cursor.execute(
        """
        TRUNCATE analytics_customer_month_count;
        INSERT INTO analytics_customer_month_count (month, customers, new)
        SELECT c.month, COUNT(*), COUNT(*) FILTER (WHERE f.first_day >= c.month)
        FROM (SELECT DISTINCT month, customer_key FROM analytics_customer_month) c
        JOIN analytics_customer_first f USING (customer_key)
        GROUP BY c.month;
        """
    )


def rebuild_dimension_values(cursor) -> None:
    selects = []
    for name, column in (
        ("branch", "branch"),
        ("product_line", "product_line"),
        ("state", "state"),
        ("country", "country"),
        ("salesperson", "person"),
        ("segment", "segment"),
    ):
        cut = next(cut for cut, dims in SALES_CUTS.items() if column in dims)
        selects.append(
            sql.SQL(
                "SELECT {name}, {column}, SUM(revenue) FROM analytics_sales_month_cut "
                "WHERE cut = {cut} AND {column} <> '' GROUP BY {column}"
            ).format(name=sql.Literal(name), column=sql.Identifier(column), cut=sql.Literal(cut))
        )
    cursor.execute(
        sql.SQL(
            "TRUNCATE analytics_dimension_value; INSERT INTO analytics_dimension_value (dimension, value, revenue) {}"
        ).format(sql.SQL(" UNION ALL ").join(selects))
    )


def record(cursor, seconds: float, *, full: bool) -> None:
    cursor.execute("SELECT MIN(day), MAX(day) FROM analytics_order_day")
    first_day, last_day = cursor.fetchone()
    state = RollupState.objects.select_for_update().first() or RollupState()
    state.refreshed_at = timezone.now()
    if full:
        state.rebuilt_at = state.refreshed_at
    state.first_day, state.last_day, state.seconds = first_day, last_day, seconds
    state.version += 1
    state.save()
