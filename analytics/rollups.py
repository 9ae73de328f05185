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
from datetime import date, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .alongside import work_alongside
from .engine import BAND, PERSON_RAW
from .models import DAY_CUTS, SALES_CUTS, RollupState
from .periods import add_months, month_start

logger = logging.getLogger(__name__)

LOCK_KEY = 7_400_001  # pg_advisory_xact_lock key; schemas are separate, so one key per company is enough

DIMS = "branch, state, state_code, country, person, segment"


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
)
_CUSTOMER_SUMS = {
    "revenue": "SUM",
    "costed_revenue": "SUM",
    "gross_profit": "SUM",
    "orders": "SUM",
    "first_day": "MIN",
    "last_day": "MAX",
}
_PRODUCT_SUMS = {
    "product_name": "MAX",
    "product_code": "MAX",
    "lines": "SUM",
    "quantity": "SUM",
    "revenue": "SUM",
    "costed_revenue": "SUM",
    "gross_profit": "SUM",
}
# Rebuilt by calendar quarter from the monthly tables: (table, monthly table, keys, {column: aggregate}).
CUSTOMER_QUARTERS = (
    ("analytics_customer_quarter", "analytics_customer_month", f"customer_key, {DIMS}", _CUSTOMER_SUMS),
    (
        "analytics_customer_line_quarter",
        "analytics_customer_line_month",
        f"customer_key, {DIMS}, product_line",
        {**_CUSTOMER_SUMS, "orders_first": "SUM"},
    ),
)
PRODUCT_QUARTERS = (
    ("analytics_product_quarter", "analytics_product_month", "product_key, product_line", _PRODUCT_SUMS),
    (
        "analytics_product_segment_quarter",
        "analytics_product_segment_month",
        "product_key, product_line, country, segment",
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
        start, end, where, params = None, None, "", {}
    else:
        start, end = month_start(date_from), add_months(month_start(date_to), 1)
        where, params = "AND l.invoice_date >= %(start)s AND l.invoice_date < %(end)s", {"start": start, "end": end}
    # What the steps after the first read: the days just rebuilt of the daily tables.
    days = "TRUE" if full else "day >= %(start)s AND day < %(end)s"
    # The products and the fingerprints on a second connection, both cores at work; not inside a caller's
    # transaction, whose rows a second connection cannot see.
    own_transaction = not connection.in_atomic_block
    alongside = alongside and own_transaction
    with _one_at_a_time(session=own_transaction), transaction.atomic(), connection.cursor() as cursor:
        snapshot = _shared_snapshot(cursor) if alongside else None
        tune(cursor)
        read = functools.partial(_read_alongside, start=start, end=end, where=where, days=days, params=params,
                                 build_indexes_after=build_indexes_after)  # fmt: skip
        with work_alongside(read, enabled=alongside, snapshot=snapshot) as fingerprints:
            _clear(cursor, TABLES, start, end, params)
            tables = [table for table, _ in TABLES] + [quarters[0] for quarters in CUSTOMER_QUARTERS]
            with _indexes_built_after(cursor, tables, enabled=full and build_indexes_after):
                insert_order_days(cursor, where, params)
                _insert_sales(cursor, days, params)
                _insert_customers(cursor, days, params)
                _insert_orders(cursor, days, params)
                _rebuild_quarters(cursor, CUSTOMER_QUARTERS, start, end)
            rebuild_customer_first(cursor)
            rebuild_dimension_values(cursor)
            cuts = ("analytics_sales_month_cut (cut, month)", "analytics_sales_day_cut (cut, day)")
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
        cursor.execute(f"SELECT {'pg_advisory_lock' if session else 'pg_advisory_xact_lock'}(%s)", [LOCK_KEY])
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


def _read_alongside(cursor, start: date | None, end: date | None, where: str, days: str, params: dict,
                    build_indexes_after: bool = True):  # fmt: skip
    """The second connection's share: the lines' fingerprints, taken before anything reads the lines, then the
    products. Returns the fingerprints, which the main connection records with its own tables, so they are
    committed only if everything is."""
    tune(cursor)
    fingerprints = _fingerprints(cursor, start, end, params)
    _clear(cursor, PRODUCT_TABLES, start, end, params)
    tables = [table for table, _ in PRODUCT_TABLES] + [quarters[0] for quarters in PRODUCT_QUARTERS]
    with _indexes_built_after(cursor, tables, enabled=start is None and build_indexes_after):
        _insert_products(cursor, where, days, params)
        _rebuild_quarters(cursor, PRODUCT_QUARTERS, start, end)
    _analyze(cursor, PRODUCT_QUARTERS)
    return fingerprints


def _analyze(cursor, quarters, *more: str) -> None:
    """Fresh statistics for the small tables the pages read most (the quarters, and `more`), on the columns they
    pick rows by: the cheap part of an ANALYZE. The rest keep theirs until autovacuum analyzes them."""
    filters = {"month", "product_line", *DIMS.split(", ")}
    targets = [*more]
    for table, _monthly, keys, _sums in quarters:
        targets.append(f"{table} ({', '.join(['month', *(key for key in keys.split(', ') if key in filters)])})")
    cursor.execute(f"ANALYZE {', '.join(targets)}")


def tune(cursor) -> None:
    cursor.execute("SET LOCAL work_mem = '512MB'")  # the groupings below fit in memory and stay hashes
    cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves on these statements
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # the two connections already fill both cores


def _clear(cursor, tables, start: date | None, end: date | None, params: dict) -> None:
    for table, column in tables:
        if start is None:
            cursor.execute(f"TRUNCATE {table}")
        else:
            cursor.execute(f"DELETE FROM {table} WHERE {column} >= %(start)s AND {column} < %(end)s", params)


@contextlib.contextmanager
def _indexes_built_after(cursor, tables: list[str], *, enabled: bool):
    """For a full rebuild: drop the rollups' indexes, primary keys and unique keys included, and build them again
    once the tables
    are filled, one sort each instead of a million random insertions (half the time of filling a table).
    TRUNCATE already holds the tables until commit, so readers wait no longer than they would."""
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
            cursor.execute(f'DROP INDEX "{name}"')
        for table, name, _definition in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    yield
    for table, name, definition in keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in indexes:
        cursor.execute(definition)


SALES_SUMS = "lines, quantity, revenue, costed_revenue, gross_profit, cgst, sgst, igst"
SUMS = ", ".join(f"SUM({name})" for name in SALES_SUMS.split(", "))


def _exact(units: str, scale: int = 4, where: str = "") -> str:
    """SUM of a sales line's amount from its column in whole units of 10^-scale (SalesLine's `_e4` columns),
    back in rupees: exact, and far cheaper than converting or adding numerics line by line."""
    condition = f" FILTER (WHERE {where})" if where else ""
    return f"(SUM({units}){condition} * 1e-{scale})"


# The sums of a group of sales lines that every rollup keeps (the lines themselves, as `l`).
LINE_SUMS = f"""COUNT(*) AS lines, COALESCE({_exact("l.quantity_e3", 3)}, 0) AS quantity,
                {_exact("l.net_amount_e4")} AS revenue,
                COALESCE({_exact("l.net_amount_e4", where="l.gross_profit_e4 IS NOT NULL")}, 0) AS costed_revenue,
                COALESCE({_exact("l.gross_profit_e4")}, 0) AS gross_profit"""


def insert_order_days(cursor, where: str, params: dict, keep_in: str | None = None) -> None:
    """One row per order and product line: an order is an invoice number on a day for a customer, and its
    dimension values. `orders_first` is 1 in the order's first product line only, so summing it counts each
    order once; `band` is the power of ten of the whole order's value, `line_band` of the row's part of it.
    With `keep_in`, the rows are also added to that table, signed 1 (see rollup_merge)."""
    # Two statements: as one, the planner sorts the wide grouped rows on disk and takes twice as long.
    cursor.execute(
        f"""
        CREATE TEMP TABLE order_lines ON COMMIT DROP AS
        SELECT l.invoice_date AS day, l.invoice_number, l.customer_key,
               l.branch, l.product_line, l.state, l.state_code, l.country, {PERSON_RAW} AS person, l.segment,
               {LINE_SUMS},
               {_exact("l.cgst_e4")} AS cgst, {_exact("l.sgst_e4")} AS sgst, {_exact("l.igst_e4")} AS igst
        FROM ingestion_salesline l
        WHERE l.counts {where}
        GROUP BY l.invoice_date, l.invoice_number, l.customer_key, l.branch, l.product_line, l.state,
                 l.state_code, l.country, {PERSON_RAW}, l.segment
        """,
        params,
    )
    insert = f"""
        INSERT INTO analytics_order_day (day, customer_key, product_line, {DIMS}, band, line_band, orders,
                                         orders_first, {SALES_SUMS})
        SELECT g.day, g.customer_key, g.product_line, {", ".join(f"g.{d}" for d in DIMS.split(", "))},
               {BAND.format("SUM(g.revenue) OVER w")}, {BAND.format("g.revenue")}, 1,
               (g.product_line = MIN(g.product_line) OVER w)::int,
               {", ".join(f"g.{name}" for name in SALES_SUMS.split(", "))}
        FROM order_lines g
        WINDOW w AS (PARTITION BY g.day, g.invoice_number, g.customer_key, g.branch, g.state, g.state_code,
                                  g.country, g.person, g.segment)
    """
    if keep_in:
        insert = f"WITH added AS ({insert} RETURNING *) INSERT INTO {keep_in} SELECT 1, added.* FROM added"
    cursor.execute(f"{insert}; DROP TABLE order_lines")


def _insert_sales(cursor, days: str, params: dict) -> None:
    # A row of the daily table is one order in one product line, so rows are orders and first-line rows are
    # whole orders.
    cursor.execute(
        f"""
        INSERT INTO analytics_sales_month (month, product_line, {DIMS}, {SALES_SUMS}, orders, orders_first)
        SELECT date_trunc('month', day)::date, product_line, {DIMS}, {SUMS}, SUM(orders), SUM(orders_first)
        FROM analytics_order_day WHERE {days}
        GROUP BY 1, product_line, {DIMS}
        """,
        params,
    )
    for grain, full, when in (
        ("month", "analytics_sales_month", days.replace("day", "month")),
        ("day", "analytics_order_day", days),
    ):
        for cut, dims, parent in _cut_parents(grain):
            source = f"analytics_sales_{grain}_cut WHERE cut = {parent} AND" if parent else f"{full} WHERE"
            columns = ", ".join(dims)
            cursor.execute(
                f"""
                INSERT INTO analytics_sales_{grain}_cut (cut, {grain}, {columns}, {SALES_SUMS}, orders, orders_first)
                SELECT {cut}, {grain}, {columns}, {SUMS}, SUM(orders), SUM(orders_first)
                FROM {source} {when} GROUP BY {grain}, {columns}
                """,
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


def _insert_customers(cursor, days: str, params: dict) -> None:
    cursor.execute(
        f"""
        INSERT INTO analytics_customer_line_month (month, customer_key, product_line, {DIMS},
                                                   revenue, costed_revenue, gross_profit, orders, orders_first,
                                                   first_day, last_day)
        SELECT date_trunc('month', day)::date, customer_key, product_line, {DIMS},
               SUM(revenue), SUM(costed_revenue), SUM(gross_profit), SUM(orders), SUM(orders_first),
               MIN(day), MAX(day)
        FROM analytics_order_day WHERE {days} GROUP BY 1, customer_key, product_line, {DIMS}
        """,
        params,
    )
    cursor.execute(
        f"""
        INSERT INTO analytics_customer_month (month, customer_key, {DIMS}, revenue, costed_revenue,
                                              gross_profit, orders, first_day, last_day)
        SELECT month, customer_key, {DIMS}, SUM(revenue), SUM(costed_revenue),
               SUM(gross_profit), SUM(orders_first), MIN(first_day), MAX(last_day)
        FROM analytics_customer_line_month WHERE {days.replace("day", "month")}
        GROUP BY month, customer_key, {DIMS}
        """,
        params,
    )


PRODUCT_DAY_COLUMNS = f"""day, product_key, product_name, product_code, product_line, {DIMS}, lines, quantity,
                          revenue, costed_revenue, gross_profit"""


def product_days(where: str) -> str:
    """The daily products of the lines that count and match `where`, in PRODUCT_DAY_COLUMNS."""
    return f"""
        SELECT l.invoice_date AS day, lower(COALESCE(NULLIF(l.product_code, ''), l.product_name)) AS product_key,
               MAX(l.product_name) AS product_name, MAX(l.product_code) AS product_code, l.product_line,
               l.branch, l.state, l.state_code, l.country, {PERSON_RAW} AS person, l.segment,
               {LINE_SUMS}
        FROM ingestion_salesline l
        WHERE l.counts {where}
        GROUP BY 1, 2, l.product_line, l.branch, l.state, l.state_code, l.country, {PERSON_RAW}, l.segment
    """


def _insert_products(cursor, where: str, days: str, params: dict) -> None:
    cursor.execute(f"INSERT INTO analytics_product_day ({PRODUCT_DAY_COLUMNS}) {product_days(where)}", params)
    # By month: first by country and segment from the days, then the products alone from that, a quarter of the
    # rows.
    cursor.execute(
        f"""
        INSERT INTO analytics_product_segment_month (month, product_key, product_name, product_code, product_line,
                                                     country, segment, lines, quantity, revenue, costed_revenue,
                                                     gross_profit)
        SELECT date_trunc('month', day)::date, product_key, MAX(product_name), MAX(product_code), product_line,
               country, segment, SUM(lines), SUM(quantity), SUM(revenue), SUM(costed_revenue), SUM(gross_profit)
        FROM analytics_product_day WHERE {days}
        GROUP BY 1, product_key, product_line, country, segment
        """,
        params,
    )
    cursor.execute(
        f"""
        INSERT INTO analytics_product_month (month, product_key, product_name, product_code, product_line, lines,
                                             quantity, revenue, costed_revenue, gross_profit)
        SELECT month, product_key, MAX(product_name), MAX(product_code), product_line,
               SUM(lines), SUM(quantity), SUM(revenue), SUM(costed_revenue), SUM(gross_profit)
        FROM analytics_product_segment_month WHERE {days.replace("day", "month")}
        GROUP BY month, product_key, product_line
        """,
        params,
    )


def _insert_orders(cursor, days: str, params: dict) -> None:
    cursor.execute(
        f"""
        INSERT INTO analytics_order_month (month, band, {DIMS}, orders, revenue)
        SELECT date_trunc('month', day)::date, band, {DIMS}, SUM(orders_first), SUM(revenue)
        FROM analytics_order_day WHERE {days}
        GROUP BY 1, band, {DIMS}
        """,
        params,
    )


# A month's lines, their count and the sums of their ids and row versions: any insert, update or delete changes it.
# (Two updates of a line in one transaction leave one version; a refresh never runs between them.)
FINGERPRINTS = """
    SELECT date_trunc('month', invoice_date)::date AS month, COUNT(*) AS lines, SUM(id)::bigint AS id_sum,
           SUM(xmin::text::bigint)::bigint AS version_sum
    FROM ingestion_salesline {where} GROUP BY 1
"""


def _fingerprints(cursor, start: date | None, end: date | None, params: dict) -> list[tuple]:
    """The fingerprints of the months being rebuilt, taken before the rebuild reads the lines (or as of the same
    snapshot): a line committed in between makes its month differ next night and be rebuilt again, never missed."""
    where = "" if start is None else "WHERE invoice_date >= %(start)s AND invoice_date < %(end)s"
    cursor.execute(FINGERPRINTS.format(where=where), params)
    return cursor.fetchall()


def _record_fingerprints(cursor, start: date | None, end: date | None, params: dict, fingerprints) -> None:
    if start is None:
        cursor.execute("TRUNCATE analytics_rollup_month")
    else:
        cursor.execute("DELETE FROM analytics_rollup_month WHERE month >= %(start)s AND month < %(end)s", params)
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
            f"""
            SELECT month FROM ({FINGERPRINTS.format(where="")}) f FULL JOIN analytics_rollup_month r USING (month)
            WHERE (f.lines, f.id_sum, f.version_sum) IS DISTINCT FROM (r.lines, r.id_sum, r.version_sum)
            ORDER BY month
            """
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
    if start is None or end is None:
        where, params = "TRUE", {}
    else:
        first = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
        where, params = "month >= %(first)s AND month < %(end)s", {"first": first, "end": end}
    for table, monthly, keys, aggregates in quarters:
        cursor.execute(f"TRUNCATE {table}" if start is None else f"DELETE FROM {table} WHERE {where}", params)
        cursor.execute(
            f"""
            INSERT INTO {table} (month, {keys}, {", ".join(aggregates)})
            SELECT date_trunc('quarter', month)::date, {keys},
                   {", ".join(f"{how}({column})" for column, how in aggregates.items())}
            FROM {monthly} WHERE {where.replace("month", "date_trunc('quarter', month)::date")}
            GROUP BY 1, {keys}
            """,
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
            f"SELECT '{name}', {column}, SUM(revenue) FROM analytics_sales_month_cut "
            f"WHERE cut = {cut} AND {column} <> '' GROUP BY {column}"
        )
    cursor.execute(
        f"TRUNCATE analytics_dimension_value; "
        f"INSERT INTO analytics_dimension_value (dimension, value, revenue) {' UNION ALL '.join(selects)}"
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
