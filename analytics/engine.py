"""Sums over sales, read from the rollups or, where they cannot answer, from the sales lines.

Every figure on the dashboards comes through here. A period is split into whole months, read from the monthly
rollups, and edge days, read from the daily ones; `source()` picks, for each, the smallest rollup that keeps
every dimension the figure groups or filters by (a few thousand rows for most pages). A scope made with
`from_lines=True` reads the sales lines instead, explicitly: tests use it as the oracle that the rollups give the
very same figures, and the dashboard benchmark to show what the rollups save.

An order is an invoice number on one day for one customer (Tally numbers invoices afresh each year).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from . import catalogue
from .filters import Filters
from .models import DAY_CUTS, SALES_CUTS, RollupState
from .periods import Period, add_months, month_end


@dataclass(frozen=True)
class Scope:
    """What a figure covers: a period and the filter bar's filters."""

    period: Period
    filters: Filters = field(default_factory=Filters)
    # The days with sales as the page read them once (see data_span), so each figure need not read them again.
    span: tuple[date, date] | None = field(default=None, compare=False)
    # Read the sales lines instead of the rollups: the oracle the rollups are checked against.
    from_lines: bool = False

    def shifted(self, period: Period) -> Scope:
        return Scope(period, self.filters, self.span, self.from_lines)


# ---------------------------------------------------------------- the span of days with sales


def data_span(from_lines: bool = False) -> tuple[date, date] | None:
    """First and last day with sales, as of the last rollup refresh (or the lines, when reading them)."""
    if from_lines:
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


def _quarters(months: list[date]) -> tuple[list[date], list[date]]:
    """The calendar quarters all of whose months are in `months` (by their first day), and the other months."""
    given = set(months)
    quarters = [
        m for m in months if m.month % 3 == 1 and {m, add_months(m, 1), add_months(m, 2)} <= given
    ]  # fmt: skip
    covered = {add_months(q, i) for q in quarters for i in range(3)}
    return quarters, [m for m in months if m not in covered]


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


# ---------------------------------------------------------------- which table answers

ALL_DIMENSIONS = frozenset(("branch", "product_line", "state", "state_code", "country", "person", "segment"))
_CUTS = {
    grain: [
        (f"analytics_sales_{grain}_cut", f"cut = {cut}", frozenset(dims))
        for cut, dims in SALES_CUTS.items()
        if grain == "month" or cut in DAY_CUTS
    ]
    for grain in ("day", "month")
}
# For each view and grain, the rollups that can answer, smallest first: (table, condition on its rows, the
# dimensions it keeps).
_SOURCES = {
    ("sales", "month"): [*_CUTS["month"], ("analytics_sales_month", "TRUE", ALL_DIMENSIONS)],
    ("sales", "day"): [*_CUTS["day"], ("analytics_order_day", "TRUE", ALL_DIMENSIONS)],
    ("customers", "month"): [
        ("analytics_customer_month", "TRUE", ALL_DIMENSIONS - {"product_line"}),
        ("analytics_customer_line_month", "TRUE", ALL_DIMENSIONS),
    ],
    ("customers", "quarter"): [
        ("analytics_customer_quarter", "TRUE", ALL_DIMENSIONS - {"product_line"}),
        ("analytics_customer_line_quarter", "TRUE", ALL_DIMENSIONS),
    ],
    ("customers", "day"): [("analytics_order_day", "TRUE", ALL_DIMENSIONS)],
    ("products", "month"): [
        ("analytics_product_month", "TRUE", frozenset(("product_line",))),
        ("analytics_product_segment_month", "TRUE", frozenset(("product_line", "country", "segment"))),
    ],
    ("products", "quarter"): [
        ("analytics_product_quarter", "TRUE", frozenset(("product_line",))),
        ("analytics_product_segment_quarter", "TRUE", frozenset(("product_line", "country", "segment"))),
    ],
    ("products", "day"): [("analytics_product_day", "TRUE", ALL_DIMENSIONS)],
    ("orders", "month"): [("analytics_order_month", "TRUE", ALL_DIMENSIONS - {"product_line"})],
    ("orders", "day"): [("analytics_order_day", "TRUE", ALL_DIMENSIONS)],
}


def source(view: str, grain: str, dimensions: set[str]) -> tuple[str, str] | None:
    """The one place that picks a rollup: the smallest table of `view` at `grain` ('day', 'month' or 'quarter')
    that keeps every dimension a query groups or filters by, as (table, condition on its rows); None when none
    does."""
    return next(
        ((table, rows) for table, rows, kept in _SOURCES[(view, grain)] if dimensions <= kept),
        None,
    )


def _dimensions(by: tuple[str, ...], filters: Filters) -> set[str]:
    """The dimensions a query needs from a rollup: those it groups by and those it filters on."""
    return (set(by) & ALL_DIMENSIONS) | set(filters.columns())


# ---------------------------------------------------------------- SQL pieces

# The rollups are built from the lines with these same expressions (analytics.rollups imports them; a line's gross
# profit it reads from SalesLine.gross_profit_e4, the same expression kept by the database), so both ways of reading
# agree. A line's person: its salesperson, or the manager when the file names none.
PERSON_RAW = "COALESCE(NULLIF(l.salesperson, ''), l.manager)"
# A line's gross profit: its profit when the file gives one, else net minus cost; unknown without either.
GROSS_PROFIT_RAW = "COALESCE(l.profit, l.net_amount - l.cost)"
# The power of ten of an amount: digits before the point, less one (numeric log() is exact but a hundred times
# slower).
BAND = "(length(GREATEST(floor({}), 1)::bigint::text) - 1)::smallint"
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
# How a daily rollup gives the keys a monthly one keeps as columns.
DAY_COLUMNS = {"month": "date_trunc('month', day)::date"}
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


def _select(keys: tuple[str, ...], mapping: dict[str, str], measures: dict[str, str | Agg]) -> str:
    """`key AS key, ..., expression AS measure, ...`: keys through `mapping` (a key it lacks is a column)."""
    return ", ".join(
        [f"{mapping.get(key, key)} AS {key}" for key in keys]
        + [f"{expression} AS {name}" for name, expression in measures.items()]
    )


def _raw_part(
    keys: tuple[str, ...], measures: dict[str, str], ranges, filters: Filters, params: list, customers=None
) -> str:
    """A part of a query that reads the sales lines that count, on the given days, grouped by `keys`; only
    those of the `customers` (keys) when given."""
    return (
        f"SELECT {_select(keys, RAW_COLUMNS, measures)} FROM ingestion_salesline l "
        f"WHERE l.counts AND {_days('l.invoice_date', ranges, params)}{_where(filters, RAW_COLUMNS, params)}"
        f"{_of_customers('l.customer_key', customers, params)}{_group(keys)}"
    )


def _of_customers(column: str, customers: list[str] | None, params: list) -> str:
    if customers is None:
        return ""
    params.append(list(customers))
    # Not `= ANY(%s)`: the planner weighs each key of such a list against the column's statistics, which for a
    # thousand customers took longer than running the query.
    return f" AND {column} IN (SELECT unnest(%s::text[]))"


@dataclass(frozen=True)
class Agg:
    """An aggregate of one rollup column, kept as its parts so that it can be rendered at each level (a part sums
    a rollup's column, the outer query sums the parts' sums again) without editing SQL text."""

    func: str  # SUM, MIN or MAX: each adds up again by itself
    column: str
    cast: str = ""  # SUM of integers is numeric in PostgreSQL: 'bigint' brings counts back to integers

    def __str__(self) -> str:
        return f"{self.func}({self.column}){self._cast()}"

    def _cast(self) -> str:
        return f"::{self.cast}" if self.cast else ""

    def column_cast(self) -> str:
        """The column alone, cast: a single part's sum is already the total."""
        return f"{self.column}{self._cast()}"

    def uncast(self) -> Agg:
        return Agg(self.func, self.column)


@dataclass(frozen=True)
class _Part:
    """A part of a query that reads a rollup, rendered grouped by its keys, or flat (its rows as they are) when
    `_outer` adds it up with other parts anyway."""

    keys: tuple[str, ...]
    mapping: dict[str, str]  # keys the table holds under another name or computes
    measures: dict[str, Agg]
    source: str  # FROM ... WHERE ...

    def grouped(self) -> str:
        return f"SELECT {_select(self.keys, self.mapping, self.measures)} FROM {self.source}{_group(self.keys)}"

    def flat(self) -> str:
        plain = {name: agg.column for name, agg in self.measures.items()}
        return f"SELECT {_select(self.keys, self.mapping, plain)} FROM {self.source}"


def _rollup_part(
    source_: tuple[str, str], grain: str, keys: tuple[str, ...], measures: dict[str, Agg], split: _Split,
    filters: Filters, params: list, columns: dict[str, str] | None = None, customers: list[str] | None = None,
) -> _Part:  # fmt: skip
    """A part of a query that reads a rollup: its whole months (grain 'month') or its edge days ('day').
    `columns` gives keys the table holds under another name; `customers`, when given, the only customers read."""
    table, rows = source_
    if grain == "month":
        mapping, when = {}, _in_months(split.months, params)
    else:
        mapping, when = DAY_COLUMNS, _days("day", split.edges, params)
    mapping = {**mapping, **(columns or {})}
    where = f"{rows} AND {when}{_where(filters, None, params)}{_of_customers('customer_key', customers, params)}"
    return _Part(keys, mapping, measures, f"{table} WHERE {where}")


def _fetch(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _group(keys: tuple[str, ...]) -> str:
    return f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""


def _outer(keys: tuple[str, ...], sums: dict[str, Agg], parts: list[str | _Part]) -> str:
    """Add up the parts (the raw lines' part is SQL, grouped already). One part is grouped in place: grouping it
    again would only cost a second hash of every group, so its measures are just cast. Several parts are read
    flat and grouped once: grouping each first costs twice the hashing (half a customer query's time)."""
    if len(parts) == 1:
        casts = {name: agg.column_cast() for name, agg in sums.items()}
        part = parts[0].grouped() if isinstance(parts[0], _Part) else parts[0]
        return f"SELECT {_select(keys, {}, casts)} FROM ({part}) parts"
    rendered = [part if isinstance(part, str) else part.flat() for part in parts]
    return f"SELECT {_select(keys, {}, sums)} FROM ({' UNION ALL '.join(rendered)}) parts{_group(keys)}"


def _reads(
    view: str, dimensions: set[str], split: _Split, by: tuple[str, ...]
) -> list[tuple[tuple[str, str], str, _Split]]:
    """The rollups a `view` reads for `split`, as (source, grain to read it at, its part of the split): whole
    quarters from the quarterly rollup, a third of the rows (when the view has one, unless grouped by month), the
    other whole months from the monthly one and the edge days from the daily one. With no monthly rollup that
    keeps `dimensions`, the daily one answers for every day."""
    if source(view, "month", dimensions) is None:
        split = _Split([], split.ranges())
    quarterly = (view, "quarter") in _SOURCES and "month" not in by
    quarters, months = _quarters(split.months) if quarterly else ([], split.months)
    reads = [
        ("quarter", "month", _Split(quarters, [])),
        ("month", "month", _Split(months, [])),
        ("day", "day", _Split([], split.edges)),
    ]
    return [(source(view, grain, dimensions), read_as, days) for grain, read_as, days in reads if days.ranges()]


def _scope_split(scope: Scope) -> _Split | None:
    span = scope.span or data_span(scope.from_lines)
    return _split(scope.period, span) if span else None


# ---------------------------------------------------------------- sales: money, lines and orders

# What a sales query sums: the catalogue's sums, from which every headline measure is worked out.
SALES_MEASURES = catalogue.SUMS
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


def _orders_column(dimensions: set[str]) -> str:
    """Rollup rows are orders per product line: counting them per product line needs `orders`, counting whole
    orders `orders_first` (each order in its first product line only)."""
    return "orders" if "product_line" in dimensions else "orders_first"


def sales(scope: Scope, by: tuple[str, ...] = (), measures: tuple[str, ...] = SALES_MEASURES) -> list[dict]:
    """Sales `measures` grouped by dimension keys and `day` or `month`; one row per group, none without sales.
    Asking only for the measures a page shows saves most of the work on the daily tables."""
    split = _scope_split(scope)
    if split is None:
        return []
    params: list = []
    parts = []
    if scope.from_lines:
        parts.append(_raw_part(by, {m: _SALES_RAW[m] for m in measures}, split.ranges(), scope.filters, params))
    else:
        dimensions = _dimensions(by, scope.filters)
        sums = {m: Agg("SUM", _orders_column(dimensions) if m == "orders" else m) for m in measures}
        if "day" in by:  # the daily rollups answer for the whole period
            split = _Split([], split.ranges())
        for table, grain, days in _reads("sales", dimensions, split, by):
            parts.append(_rollup_part(table, grain, by, sums, days, scope.filters, params))
    counts = ("lines", "orders")  # SUM of integers is numeric in PostgreSQL: back to integers
    outer = {m: Agg("SUM", m, "bigint" if m in counts else "") for m in measures}
    return _fetch(_outer(by, outer, parts), params)


def sales_total(scope: Scope) -> dict:
    rows = sales(scope)
    return rows[0] if rows else {}


# ---------------------------------------------------------------- customers

CUSTOMER_MEASURES = ("revenue", "costed_revenue", "gross_profit", "orders", "first_day", "last_day")
_CUSTOMER_OUTER = {
    "revenue": Agg("SUM", "revenue"),
    "costed_revenue": Agg("SUM", "costed_revenue"),
    "gross_profit": Agg("SUM", "gross_profit"),
    "orders": Agg("SUM", "orders", "bigint"),
    "first_day": Agg("MIN", "first_day"),
    "last_day": Agg("MAX", "last_day"),
}
_CUSTOMER_RAW = {
    "revenue": _SALES_RAW["revenue"],
    "costed_revenue": _SALES_RAW["costed_revenue"],
    "gross_profit": _SALES_RAW["gross_profit"],
    "orders": _SALES_RAW["orders"],
    "first_day": "MIN(l.invoice_date)",
    "last_day": "MAX(l.invoice_date)",
}


def _customer_sums(table: str, dimensions: set[str]) -> dict[str, Agg]:
    """The customer measures as a rollup table holds them."""
    daily = table == "analytics_order_day"
    # The monthly and quarterly tables without product lines count each order once in `orders` already.
    orders = (
        "orders" if table in ("analytics_customer_month", "analytics_customer_quarter") else _orders_column(dimensions)
    )
    return {
        "revenue": Agg("SUM", "revenue"),
        "costed_revenue": Agg("SUM", "costed_revenue"),
        "gross_profit": Agg("SUM", "gross_profit"),
        "orders": Agg("SUM", orders),
        "first_day": Agg("MIN", "day" if daily else "first_day"),
        "last_day": Agg("MAX", "day" if daily else "last_day"),
    }


def customers_sql(
    scope: Scope,
    by: tuple[str, ...] = ("customer_key",),
    measures: tuple[str, ...] = CUSTOMER_MEASURES,
    customers: list[str] | None = None,
) -> tuple[str, list] | None:
    """SQL for `measures` per customer (and more keys, `month` among them), with its parameters; with no
    measures, just the customers (and keys) that bought. `customers` (keys) limits it to those customers."""
    split = _scope_split(scope)
    if split is None:
        return None
    params: list = []
    parts = []
    if scope.from_lines:
        raw = {m: _CUSTOMER_RAW[m] for m in measures}
        parts.append(_raw_part(by, raw, split.ranges(), scope.filters, params, customers))
    else:
        dimensions = _dimensions(by, scope.filters)
        for table, grain, days in _reads("customers", dimensions, split, by):
            held = _customer_sums(table[0], dimensions)
            sums = {m: expression for m, expression in held.items() if m in measures}
            parts.append(_rollup_part(table, grain, by, sums, days, scope.filters, params, None, customers))
    return _outer(by, {m: _CUSTOMER_OUTER[m] for m in measures}, parts), params


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
    return _fetch(f'SELECT * FROM ({sql}) c ORDER BY {order} DESC, customer_key COLLATE "C" LIMIT %s', [*params, limit])


def customer_shares(scope: Scope, dimensions: tuple[str, ...], keys: list[str], measure: str) -> dict[str, list]:
    """`measure` (revenue or gross_profit) of the customers in `keys` by each of `dimensions`, biggest first:
    {dimension: [(value, amount), ...]}, from one query."""
    if measure not in ("revenue", "gross_profit") or not set(dimensions) <= ALL_DIMENSIONS:
        raise ValueError((dimensions, measure))
    result: dict[str, list] = {dimension: [] for dimension in dimensions}
    # The customers are picked inside each part, and the parts sum by dimension values, not per customer.
    query = customers_sql(scope, dimensions, (measure,), customers=list(keys)) if keys else None
    if query is None:
        return result
    sql, params = query
    sets = ", ".join(f"({dimension})" for dimension in dimensions)
    which = ", ".join(f"GROUPING({dimension}) = 0 AS by_{dimension}" for dimension in dimensions)
    rows = _fetch(
        f"SELECT {', '.join(dimensions)}, {which}, SUM({measure}) AS amount FROM ({sql}) c "
        f"GROUP BY GROUPING SETS ({sets})",
        params,
    )
    for row in rows:
        dimension = next(dimension for dimension in dimensions if row[f"by_{dimension}"])
        result[dimension].append((row[dimension], row["amount"]))
    for pairs in result.values():  # ties by value, byte order, so both ways of reading agree
        pairs.sort(key=lambda pair: (-pair[1], pair[0].encode()))
    return result


def customer_counts(scope: Scope) -> tuple[int, int]:
    """(customers who bought in the period, those of them whose first purchase ever was in it)."""
    query = customers_sql(scope, measures=())
    if query is None:
        return 0, 0
    sql, params = query
    first = _first_purchases_sql(scope)
    rows = _fetch(
        f"SELECT COUNT(*) AS customers, COUNT(*) FILTER (WHERE f.first_day >= %s) AS new "
        f"FROM ({sql}) c JOIN {first} f USING (customer_key)",
        [scope.period.start, *params],
    )
    return rows[0]["customers"], rows[0]["new"]


def _first_purchases_sql(scope: Scope) -> str:
    if scope.from_lines:
        return (
            "(SELECT customer_key, MIN(invoice_date) AS first_day FROM ingestion_salesline "
            "WHERE counts AND customer_key <> '' GROUP BY 1)"
        )
    return "analytics_customer_first"


def new_and_returning(scope: Scope) -> list[dict]:
    """Per month: customers who bought, and how many of them bought for the first time ever."""
    split = _scope_split(scope)
    if split is None:
        return []
    if split.months and not scope.filters.columns() and not scope.from_lines:
        # Without filters, whole months were counted at refresh: only the edge days (each within one month) are
        # counted here.
        rows = _fetch(
            "SELECT month, customers, new FROM analytics_customer_month_count WHERE month = ANY(%s)", [split.months]
        )
        for start, end in split.edges:
            rows += _new_and_returning(scope.shifted(Period(start, end)))
        return sorted(rows, key=lambda row: row["month"])
    return _new_and_returning(scope)


def _new_and_returning(scope: Scope) -> list[dict]:
    query = customers_sql(scope, ("customer_key", "month"), measures=())
    if query is None:
        return []
    sql, params = query
    return _fetch(
        "SELECT c.month, COUNT(*) AS customers, "
        "COUNT(*) FILTER (WHERE date_trunc('month', f.first_day)::date = c.month) AS new "
        f"FROM ({sql}) c JOIN {_first_purchases_sql(scope)} f USING (customer_key) GROUP BY c.month ORDER BY c.month",
        params,
    )


# ---------------------------------------------------------------- products

PRODUCT_OUTER = {
    "product_name": Agg("MAX", "product_name"),
    "product_code": Agg("MAX", "product_code"),
    "lines": Agg("SUM", "lines", "bigint"),
    "quantity": Agg("SUM", "quantity"),
    "revenue": Agg("SUM", "revenue"),
    "costed_revenue": Agg("SUM", "costed_revenue"),
    "gross_profit": Agg("SUM", "gross_profit"),
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
    """Measures per product (and its product line). The monthly product rollups keep the product line, country
    and segment, so a filter on branch, state or salesperson reads the daily one for the whole period (through
    its indexes: each of those keeps a small part of the lines)."""
    split = _scope_split(scope)
    if split is None:
        return []
    by = ("product_key", "product_line")
    params: list = []
    parts = []
    if scope.from_lines:
        parts.append(_raw_part(by, _PRODUCT_RAW, split.ranges(), scope.filters, params))
    else:
        dimensions = _dimensions(by, scope.filters)
        sums = {m: agg.uncast() for m, agg in PRODUCT_OUTER.items()}
        for table, grain, days in _reads("products", dimensions, split, by):
            parts.append(_rollup_part(table, grain, by, sums, days, scope.filters, params))
    return _fetch(_outer(by, PRODUCT_OUTER, parts), params)


# ---------------------------------------------------------------- orders by size


def order_sizes(scope: Scope) -> list[dict]:
    """Orders and their revenue by `band`, the power of ten of the order's value. With a product line filter,
    an order's value is what it sold of that product line."""
    split = _scope_split(scope)
    if split is None:
        return []
    params: list = []
    parts = []
    if scope.from_lines:
        dims = ", ".join(RAW_COLUMNS[key] for key in DIMENSION_KEYS if key != "product_line")
        parts.append(
            "SELECT band, COUNT(*) AS orders, SUM(value) AS revenue FROM ("
            f"SELECT SUM(l.net_amount) AS value, "
            f"{BAND.format('SUM(l.net_amount)')} AS band "
            f"FROM ingestion_salesline l WHERE l.counts AND {_days('l.invoice_date', split.ranges(), params)}"
            f"{_where(scope.filters, RAW_COLUMNS, params)} "
            f"GROUP BY l.invoice_number, l.invoice_date, l.customer_key, {dims}) orders GROUP BY 1"
        )
    else:
        # A row of the daily table is an order's part in one product line: `band` is the whole order's,
        # `line_band` the part's. The monthly table keeps whole orders only, so a product line reads the days.
        dimensions = _dimensions((), scope.filters)
        for table, grain, days in _reads("orders", dimensions, split, ("band",)):
            if grain == "month":
                band, sums = {}, {"orders": Agg("SUM", "orders"), "revenue": Agg("SUM", "revenue")}
            else:
                band = {"band": "line_band"} if scope.filters.product_line else {}
                sums = {"orders": Agg("SUM", _orders_column(dimensions)), "revenue": Agg("SUM", "revenue")}
            parts.append(_rollup_part(table, grain, ("band",), sums, days, scope.filters, params, band))
    outer = {"orders": Agg("SUM", "orders", "bigint"), "revenue": Agg("SUM", "revenue")}
    return _fetch(_outer(("band",), outer, parts), params)
