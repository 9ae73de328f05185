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
from psycopg import sql

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
            cursor.execute(sql.SQL("SELECT MIN(invoice_date), MAX(invoice_date) FROM ingestion_salesline WHERE counts"))
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
# Every row of a table: the condition of the rollups that hold one cut only.
_EVERY_ROW = sql.SQL("TRUE")
# The cut tables hold all the cuts of their grain, each row marked with its cut's number.
_CUT_TABLES = {"day": "analytics_sales_day_cut", "month": "analytics_sales_month_cut"}


def _cut(cut: int) -> sql.Composable:
    return sql.SQL("{} = {}").format(sql.Identifier("cut"), sql.Literal(cut))


_CUTS = {
    grain: [
        (_CUT_TABLES[grain], _cut(cut), frozenset(dims))
        for cut, dims in SALES_CUTS.items()
        if grain == "month" or cut in DAY_CUTS
    ]
    for grain in ("day", "month")
}
# For each view and grain, the rollups that can answer, smallest first: (table, condition on its rows, the
# dimensions it keeps).
_SOURCES = {
    ("sales", "month"): [*_CUTS["month"], ("analytics_sales_month", _EVERY_ROW, ALL_DIMENSIONS)],
    ("sales", "day"): [*_CUTS["day"], ("analytics_order_day", _EVERY_ROW, ALL_DIMENSIONS)],
    ("customers", "month"): [
        ("analytics_customer_month", _EVERY_ROW, ALL_DIMENSIONS - {"product_line"}),
        ("analytics_customer_line_month", _EVERY_ROW, ALL_DIMENSIONS),
    ],
    ("customers", "quarter"): [
        ("analytics_customer_quarter", _EVERY_ROW, ALL_DIMENSIONS - {"product_line"}),
        ("analytics_customer_line_quarter", _EVERY_ROW, ALL_DIMENSIONS),
    ],
    ("customers", "day"): [("analytics_order_day", _EVERY_ROW, ALL_DIMENSIONS)],
    ("products", "month"): [
        ("analytics_product_month", _EVERY_ROW, frozenset(("product_line",))),
        ("analytics_product_segment_month", _EVERY_ROW, frozenset(("product_line", "country", "segment"))),
    ],
    ("products", "quarter"): [
        ("analytics_product_quarter", _EVERY_ROW, frozenset(("product_line",))),
        ("analytics_product_segment_quarter", _EVERY_ROW, frozenset(("product_line", "country", "segment"))),
    ],
    ("products", "day"): [("analytics_product_day", _EVERY_ROW, ALL_DIMENSIONS)],
    ("orders", "month"): [("analytics_order_month", _EVERY_ROW, ALL_DIMENSIONS - {"product_line"})],
    ("orders", "day"): [("analytics_order_day", _EVERY_ROW, ALL_DIMENSIONS)],
}


def source(view: str, grain: str, dimensions: set[str]) -> tuple[str, sql.Composable] | None:
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
#
# Every statement is composed with psycopg's sql module: names are sql.Identifier, fixed text sql.SQL, values
# always parameters (%s). Pieces are sql.Composable, put together with .format() and .join(), never as text.

_AND = sql.SQL(" AND ")
_COMMA = sql.SQL(", ")
_NOTHING = sql.SQL("")


def _line(column: str) -> sql.Identifier:
    """A column of the sales line `l`."""
    return sql.Identifier("l", column)


# The sales lines, as `l`.
_LINES = sql.SQL("{} AS {}").format(sql.Identifier("ingestion_salesline"), sql.Identifier("l"))
_INVOICE_DATE = _line("invoice_date")

# The rollups are built from the lines with these same expressions (analytics.rollups imports them; a line's gross
# profit it reads from SalesLine.gross_profit_e4, the same expression kept by the database), so both ways of reading
# agree. A line's person: its salesperson, or the manager when the file names none.
PERSON = sql.SQL("COALESCE(NULLIF({}, ''), {})").format(_line("salesperson"), _line("manager"))
# A line's gross profit: its profit when the file gives one, else net minus cost; unknown without either.
GROSS_PROFIT_RAW = sql.SQL("COALESCE({}, {} - {})").format(_line("profit"), _line("net_amount"), _line("cost"))


def band_of(amount: sql.Composable) -> sql.Composable:
    """The power of ten of an amount: digits before the point, less one (numeric log() is exact but a hundred times
    slower)."""
    return sql.SQL("(length(GREATEST(floor({}), 1)::bigint::text) - 1)::smallint").format(amount)


def _month_of(day: sql.Composable) -> sql.Composable:
    return sql.SQL("date_trunc('month', {})::date").format(day)


# What each key is over the lines `l`.
RAW_SQL: dict[str, sql.Composable] = {
    "branch": _line("branch"),
    "product_line": _line("product_line"),
    "state": _line("state"),
    "state_code": _line("state_code"),
    "country": _line("country"),
    "person": PERSON,
    "segment": _line("segment"),
    "customer_key": _line("customer_key"),
    "day": _INVOICE_DATE,
    "month": _month_of(_INVOICE_DATE),
    "product_key": sql.SQL("lower(COALESCE(NULLIF({}, ''), {}))").format(_line("product_code"), _line("product_name")),
}
# How a daily rollup gives the keys a monthly one keeps as columns.
DAY_COLUMNS = {"month": _month_of(sql.Identifier("day"))}
# What makes a line's order (see the module's docstring).
_ORDER_KEY = (_line("invoice_number"), _INVOICE_DATE, _line("customer_key"))
ORDER_RAW = sql.SQL("({})").format(_COMMA.join(_ORDER_KEY))
DIMENSION_KEYS = ("branch", "product_line", "state", "state_code", "country", "person", "segment")


def where(filters: Filters, columns: dict[str, sql.Composable] | None, params: list) -> list[sql.Composable]:
    """A condition for each filter, on its expression in `columns` (on the column of its name without them). A
    dimension a member's scope allows several values of is `= ANY(...)` (none: nothing matches); one value is
    `=`, as a filter is, so a scoped member's queries are planned as the same filter's are."""
    conditions = []
    for column, value in filters.columns().items():
        expression = columns[column] if columns else sql.Identifier(column)
        if isinstance(value, tuple):
            conditions.append(sql.SQL("{} = ANY(%s)").format(expression))
            params.append(list(value))
        else:
            conditions.append(sql.SQL("{} = %s").format(expression))
            params.append(value)
    return conditions


def _days(column: sql.Composable, ranges: list[tuple[date, date]], params: list) -> sql.Composable:
    parts = []
    for start, end in ranges:
        parts.append(sql.SQL("{} BETWEEN %s AND %s").format(column))
        params.extend([start, end])
    return sql.SQL("({})").format(sql.SQL(" OR ").join(parts))


def _in_months(months: list[date], params: list) -> sql.Composable:
    params.append(list(months))
    return sql.SQL("{} = ANY(%s)").format(sql.Identifier("month"))


def _select(
    keys: tuple[str, ...], mapping: dict[str, sql.Composable], measures: dict[str, sql.Composable]
) -> sql.Composable:
    """`key AS key, ..., expression AS measure, ...`: keys through `mapping` (a key it lacks is a column)."""
    return _COMMA.join(
        [sql.SQL("{} AS {}").format(mapping.get(key, sql.Identifier(key)), sql.Identifier(key)) for key in keys]
        + [sql.SQL("{} AS {}").format(expression, sql.Identifier(name)) for name, expression in measures.items()]
    )


def _raw_part(
    keys: tuple[str, ...], measures: dict[str, sql.Composable], ranges, filters: Filters, params: list,
    customers=None,
) -> sql.Composable:  # fmt: skip
    """A part of a query that reads the sales lines that count, on the given days, grouped by `keys`; only
    those of the `customers` (keys) when given."""
    conditions = [
        _line("counts"),
        _days(_INVOICE_DATE, ranges, params),
        *where(filters, RAW_SQL, params),
        *_of_customers(_line("customer_key"), customers, params),
    ]
    return sql.SQL("SELECT {} FROM {} WHERE {}{}").format(
        _select(keys, RAW_SQL, measures), _LINES, _AND.join(conditions), _group(keys)
    )


def _of_customers(column: sql.Composable, customers: list[str] | None, params: list) -> list[sql.Composable]:
    """The condition that reads only the `customers` (keys), when given: none, or one."""
    if customers is None:
        return []
    params.append(list(customers))
    # Not `= ANY(%s)`: the planner weighs each key of such a list against the column's statistics, which for a
    # thousand customers took longer than running the query.
    return [sql.SQL("{} IN (SELECT unnest(%s::text[]))").format(column)]


@dataclass(frozen=True)
class Agg:
    """An aggregate of one rollup column, kept as its parts so that it can be rendered at each level (a part sums
    a rollup's column, the outer query sums the parts' sums again) without editing SQL text."""

    func: str  # SUM, MIN or MAX: each adds up again by itself
    column: str
    cast: str = ""  # SUM of integers is numeric in PostgreSQL: 'bigint' brings counts back to integers

    def aggregate(self) -> sql.Composable:
        return sql.SQL("{}({}){}").format(sql.SQL(self.func), sql.Identifier(self.column), self._cast())

    def _cast(self) -> sql.Composable:
        # A type name, not an identifier: quoted, "bigint" would name no type.
        return sql.SQL("::{}").format(sql.SQL(self.cast)) if self.cast else _NOTHING

    def column_cast(self) -> sql.Composable:
        """The column alone, cast: a single part's sum is already the total."""
        return sql.SQL("{}{}").format(sql.Identifier(self.column), self._cast())

    def uncast(self) -> Agg:
        return Agg(self.func, self.column)


def _aggregates(sums: dict[str, Agg]) -> dict[str, sql.Composable]:
    return {name: agg.aggregate() for name, agg in sums.items()}


@dataclass(frozen=True)
class _Part:
    """A part of a query that reads a rollup, rendered grouped by its keys, or flat (its rows as they are) when
    `_outer` adds it up with other parts anyway."""

    keys: tuple[str, ...]
    mapping: dict[str, sql.Composable]  # keys the table holds under another name or computes
    measures: dict[str, Agg]
    source: sql.Composable  # FROM ... WHERE ...

    def grouped(self) -> sql.Composable:
        return sql.SQL("SELECT {} FROM {}{}").format(
            _select(self.keys, self.mapping, _aggregates(self.measures)), self.source, _group(self.keys)
        )

    def flat(self) -> sql.Composable:
        plain = {name: sql.Identifier(agg.column) for name, agg in self.measures.items()}
        return sql.SQL("SELECT {} FROM {}").format(_select(self.keys, self.mapping, plain), self.source)


def _rollup_part(
    source_: tuple[str, sql.Composable], grain: str, keys: tuple[str, ...], measures: dict[str, Agg],
    split: _Split, filters: Filters, params: list, columns: dict[str, sql.Composable] | None = None,
    customers: list[str] | None = None,
) -> _Part:  # fmt: skip
    """A part of a query that reads a rollup: its whole months (grain 'month') or its edge days ('day').
    `columns` gives keys the table holds under another name; `customers`, when given, the only customers read."""
    table, rows = source_
    if grain == "month":
        mapping, when = {}, _in_months(split.months, params)
    else:
        mapping, when = DAY_COLUMNS, _days(sql.Identifier("day"), split.edges, params)
    mapping = {**mapping, **(columns or {})}
    conditions = [
        rows,
        when,
        *where(filters, None, params),
        *_of_customers(sql.Identifier("customer_key"), customers, params),
    ]
    return _Part(keys, mapping, measures, sql.SQL("{} WHERE {}").format(sql.Identifier(table), _AND.join(conditions)))


def fetch(query: sql.Composable, params: list) -> list[dict]:
    """Rows of a query composed from the engine's (`sales_sql`, `customers_sql`, `products_sql`), as dicts."""
    return _fetch(query, params)


def _fetch(query: sql.Composable, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _group(keys: tuple[str, ...]) -> sql.Composable:
    """GROUP BY the first columns, one for each key, by position; nothing without keys."""
    if not keys:
        return _NOTHING
    return sql.SQL(" GROUP BY {}").format(_COMMA.join([sql.Literal(i + 1) for i in range(len(keys))]))


def _outer(keys: tuple[str, ...], sums: dict[str, Agg], parts: list[sql.Composable | _Part]) -> sql.Composable:
    """Add up the parts (the raw lines' part is composed and grouped already). One part is grouped in place:
    grouping it again would only cost a second hash of every group, so its measures are just cast. Several parts
    are read flat and grouped once: grouping each first costs twice the hashing (half a customer query's time)."""
    if len(parts) == 1:
        casts = {name: agg.column_cast() for name, agg in sums.items()}
        part = parts[0].grouped() if isinstance(parts[0], _Part) else parts[0]
        return sql.SQL("SELECT {} FROM ({}) parts").format(_select(keys, {}, casts), part)
    flat = [part.flat() if isinstance(part, _Part) else part for part in parts]
    return sql.SQL("SELECT {} FROM ({}) parts{}").format(
        _select(keys, {}, _aggregates(sums)), sql.SQL(" UNION ALL ").join(flat), _group(keys)
    )


def _reads(
    view: str, dimensions: set[str], split: _Split, by: tuple[str, ...]
) -> list[tuple[tuple[str, sql.Composable], str, _Split]]:
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


def scope_split(scope: Scope) -> _Split | None:
    """The scope's period as the engine reads it: `months` whose days with sales all fall in it (read from the
    monthly tables) and `edges`, the other days (read from the daily ones); None when nothing was sold. A month
    the period cuts after its last sale is whole: "this month" to today reads as one month."""
    return _scope_split(scope)


# ---------------------------------------------------------------- sales: money, lines and orders


def _sum(column: str) -> sql.Composable:
    """The sum of a column of the lines."""
    return sql.SQL("SUM({})").format(_line(column))


# What a sales query sums: the catalogue's sums, from which every headline measure is worked out. Over the lines a
# sum with a column adds that column up; the others are spelt out here.
SALES_MEASURES = catalogue.SUMS
_SALES_RAW = {
    "lines": sql.SQL("COUNT(*)"),
    "costed_revenue": sql.SQL("COALESCE({} FILTER (WHERE {} IS NOT NULL), 0)").format(
        _sum("net_amount"), GROSS_PROFIT_RAW
    ),
    "gross_profit": sql.SQL("COALESCE(SUM({}), 0)").format(GROSS_PROFIT_RAW),
    "orders": sql.SQL("COUNT(DISTINCT {})").format(ORDER_RAW),
} | {entry.key: sql.SQL("COALESCE({}, 0)").format(_sum(entry.column)) for entry in catalogue.SUM_LIST if entry.column}
_SALES_RAW = {key: _SALES_RAW[key] for key in SALES_MEASURES}  # every sum, in the catalogue's order
_INTEGER_SUMS = {entry.key for entry in catalogue.SUM_LIST if entry.integer}


def _orders_column(dimensions: set[str]) -> str:
    """Rollup rows are orders per product line: counting them per product line needs `orders`, counting whole
    orders `orders_first` (each order in its first product line only)."""
    return "orders" if "product_line" in dimensions else "orders_first"


def sales(scope: Scope, by: tuple[str, ...] = (), measures: tuple[str, ...] = SALES_MEASURES) -> list[dict]:
    """Sales `measures` grouped by dimension keys and `day` or `month`; one row per group, none without sales.
    Asking only for the measures a page shows saves most of the work on the daily tables."""
    found = sales_sql(scope, by, measures)
    return _fetch(*found) if found else []


def sales_sql(
    scope: Scope, by: tuple[str, ...] = (), measures: tuple[str, ...] = SALES_MEASURES
) -> tuple[sql.Composable, list] | None:
    """sales()'s query and its parameters, to compose into a bigger one; None when the scope has no sales days."""
    split = _scope_split(scope)
    if split is None:
        return None
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
    # SUM of integers is numeric in PostgreSQL: back to integers.
    outer = {m: Agg("SUM", m, "bigint" if m in _INTEGER_SUMS else "") for m in measures}
    return _outer(by, outer, parts), params


def sales_total(scope: Scope) -> dict:
    rows = sales(scope)
    return rows[0] if rows else {}


# ---------------------------------------------------------------- customers

# What a customer query sums (the catalogue's sums the customer tables keep), with orders and first and last days.
_CUSTOMER_SUMS = catalogue.sums_kept("customer")
CUSTOMER_MEASURES = (*_CUSTOMER_SUMS, "orders", "first_day", "last_day")
_CUSTOMER_OUTER = {
    **{m: Agg("SUM", m) for m in _CUSTOMER_SUMS},
    "orders": Agg("SUM", "orders", "bigint"),
    "first_day": Agg("MIN", "first_day"),
    "last_day": Agg("MAX", "last_day"),
}
_CUSTOMER_RAW = {
    **{m: _SALES_RAW[m] for m in _CUSTOMER_SUMS},
    "orders": _SALES_RAW["orders"],
    "first_day": sql.SQL("MIN({})").format(_INVOICE_DATE),
    "last_day": sql.SQL("MAX({})").format(_INVOICE_DATE),
}


def _customer_sums(table: str, dimensions: set[str]) -> dict[str, Agg]:
    """The customer measures as a rollup table holds them."""
    daily = table == "analytics_order_day"
    # The monthly and quarterly tables without product lines count each order once in `orders` already.
    orders = (
        "orders" if table in ("analytics_customer_month", "analytics_customer_quarter") else _orders_column(dimensions)
    )
    return {
        **{m: Agg("SUM", m) for m in _CUSTOMER_SUMS},
        "orders": Agg("SUM", orders),
        "first_day": Agg("MIN", "day" if daily else "first_day"),
        "last_day": Agg("MAX", "day" if daily else "last_day"),
    }


def customers_sql(
    scope: Scope,
    by: tuple[str, ...] = ("customer_key",),
    measures: tuple[str, ...] = CUSTOMER_MEASURES,
    customers: list[str] | None = None,
) -> tuple[sql.Composable, list] | None:
    """SQL for `measures` per customer (and more keys, `month` among them), with its parameters; with no
    measures, just the customers (and keys) that bought. `customers` (keys) limits it to those customers. None
    when the scope has no days with sales."""
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


def customers(
    scope: Scope, by: tuple[str, ...] = ("customer_key",), measures: tuple[str, ...] = CUSTOMER_MEASURES
) -> list[dict]:
    query = customers_sql(scope, by, measures)
    return _fetch(*query) if query else []


def top_customers(scope: Scope, limit: int, order: str = "revenue") -> list[dict]:
    """The `limit` customers with the most `order` (revenue or gross_profit), ties by key so pages are stable."""
    if order not in ("revenue", "gross_profit"):
        raise ValueError(order)
    found = customers_sql(scope, ("customer_key",), CUSTOMER_MEASURES)
    if found is None:
        return []
    query, params = found
    return _fetch(
        sql.SQL('SELECT * FROM ({}) c ORDER BY {} DESC, {} COLLATE "C" LIMIT %s').format(
            query, sql.Identifier(order), sql.Identifier("customer_key")
        ),
        [*params, limit],
    )


def customer_shares(scope: Scope, dimensions: tuple[str, ...], keys: list[str], measure: str) -> dict[str, list]:
    """`measure` (revenue or gross_profit) of the customers in `keys` by each of `dimensions`, biggest first:
    {dimension: [(value, amount), ...]}, from one query."""
    if measure not in ("revenue", "gross_profit") or not set(dimensions) <= ALL_DIMENSIONS:
        raise ValueError((dimensions, measure))
    result: dict[str, list] = {dimension: [] for dimension in dimensions}
    # The customers are picked inside each part, and the parts sum by dimension values, not per customer.
    found = customers_sql(scope, dimensions, (measure,), customers=list(keys)) if keys else None
    if found is None:
        return result
    query, params = found
    columns = [sql.Identifier(dimension) for dimension in dimensions]
    # by_<dimension> tells which grouping set a row sums.
    which = [
        sql.SQL("GROUPING({}) = 0 AS {}").format(column, sql.Identifier(f"by_{dimension}"))
        for column, dimension in zip(columns, dimensions, strict=True)
    ]
    sets = [sql.SQL("({})").format(column) for column in columns]
    rows = _fetch(
        sql.SQL(
            "SELECT {columns}, {which}, SUM({measure}) AS amount FROM ({query}) c GROUP BY GROUPING SETS ({sets})"
        ).format(
            columns=_COMMA.join(columns),
            which=_COMMA.join(which),
            measure=sql.Identifier(measure),
            query=query,
            sets=_COMMA.join(sets),
        ),
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
    found = customers_sql(scope, ("customer_key",), ())
    if found is None:
        return 0, 0
    query, params = found
    rows = _fetch(
        sql.SQL(
            "SELECT COUNT(*) AS customers, COUNT(*) FILTER (WHERE f.first_day >= %s) AS new "
            "FROM ({query}) c JOIN {first} f USING (customer_key)"
        ).format(query=query, first=_first_purchases(scope)),
        [scope.period.start, *params],
    )
    return rows[0]["customers"], rows[0]["new"]


def _first_purchases(scope: Scope) -> sql.Composable:
    """Each customer's first day with a purchase ever, as a table (customer_key, first_day)."""
    if scope.from_lines:
        return sql.SQL(
            "(SELECT customer_key, MIN(invoice_date) AS first_day FROM ingestion_salesline "
            "WHERE counts AND customer_key <> '' GROUP BY 1)"
        )
    return sql.Identifier("analytics_customer_first")


def new_and_returning(scope: Scope) -> list[dict]:
    """Per month: customers who bought, and how many of them bought for the first time ever."""
    split = _scope_split(scope)
    if split is None:
        return []
    if split.months and not scope.filters.columns() and not scope.from_lines:
        # Without filters, whole months were counted at refresh: only the edge days (each within one month) are
        # counted here.
        rows = _fetch(
            sql.SQL("SELECT month, customers, new FROM analytics_customer_month_count WHERE month = ANY(%s)"),
            [split.months],
        )
        for start, end in split.edges:
            rows += _new_and_returning(scope.shifted(Period(start, end)))
        return sorted(rows, key=lambda row: row["month"])
    return _new_and_returning(scope)


def _new_and_returning(scope: Scope) -> list[dict]:
    found = customers_sql(scope, ("customer_key", "month"), ())
    if found is None:
        return []
    query, params = found
    return _fetch(
        sql.SQL(
            "SELECT c.month, COUNT(*) AS customers, "
            "COUNT(*) FILTER (WHERE date_trunc('month', f.first_day)::date = c.month) AS new "
            "FROM ({query}) c JOIN {first} f USING (customer_key) GROUP BY c.month ORDER BY c.month"
        ).format(query=query, first=_first_purchases(scope)),
        params,
    )


# ---------------------------------------------------------------- products

_PRODUCT_SUMS = catalogue.sums_kept("product")
PRODUCT_OUTER = {
    "product_name": Agg("MAX", "product_name"),
    "product_code": Agg("MAX", "product_code"),
} | {m: Agg("SUM", m, "bigint" if m in _INTEGER_SUMS else "") for m in _PRODUCT_SUMS}
_PRODUCT_RAW = {
    "product_name": sql.SQL("MAX({})").format(_line("product_name")),
    "product_code": sql.SQL("MAX({})").format(_line("product_code")),
} | {m: _SALES_RAW[m] for m in _PRODUCT_SUMS}


def products(
    scope: Scope, by: tuple[str, ...] = ("product_key", "product_line"), measures: tuple[str, ...] | None = None
) -> list[dict]:
    """Measures per product (and its product line, unless `by` says otherwise; all of PRODUCT_OUTER unless
    `measures` names some). The monthly product rollups keep the product line, country and segment, so a filter on
    branch, state or salesperson reads the daily one for the whole period (through its indexes: each of those
    keeps a small part of the lines)."""
    found = products_sql(scope, by, measures)
    return _fetch(*found) if found else []


def products_sql(
    scope: Scope, by: tuple[str, ...] = ("product_key", "product_line"), measures: tuple[str, ...] | None = None
) -> tuple[sql.Composable, list] | None:
    """products()'s query and its parameters, to compose into a bigger one; None when the scope has no sales."""
    split = _scope_split(scope)
    if split is None:
        return None
    outer = PRODUCT_OUTER if measures is None else {m: PRODUCT_OUTER[m] for m in measures}
    params: list = []
    parts = []
    if scope.from_lines:
        parts.append(_raw_part(by, {m: _PRODUCT_RAW[m] for m in outer}, split.ranges(), scope.filters, params))
    else:
        dimensions = _dimensions(by, scope.filters)
        sums = {m: agg.uncast() for m, agg in outer.items()}
        for table, grain, days in _reads("products", dimensions, split, by):
            parts.append(_rollup_part(table, grain, by, sums, days, scope.filters, params))
    return _outer(by, outer, parts), params


PRODUCT_MONTH_COLUMNS = ("product_key", "product_line", "month", "product_name", "product_code", "revenue", "quantity")


def product_months_sql(scope: Scope) -> tuple[sql.Composable, list] | None:
    """The monthly product rollup's rows as they are (PRODUCT_MONTH_COLUMNS, one row per product, product line and
    month), when they alone answer: the rollups, whole months only, and no filter but the product line. Grouping
    them again, as products_sql(scope, (..., "month")) does, costs two thirds of its time. None otherwise: then
    products_sql answers."""
    split = None if scope.from_lines else _scope_split(scope)
    if split is None or split.edges or not split.months:
        return None
    table, rows, kept = _SOURCES[("products", "month")][0]  # the smallest: one row per product and month
    if not _dimensions((), scope.filters) <= kept:
        return None
    params: list = []
    conditions = [rows, _in_months(split.months, params), *where(scope.filters, None, params)]
    query = sql.SQL("SELECT {} FROM {} WHERE {}").format(
        _COMMA.join(sql.Identifier(column) for column in PRODUCT_MONTH_COLUMNS),
        sql.Identifier(table),
        _AND.join(conditions),
    )
    return query, params


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
        # An order apart for each value of the dimensions the order rollups keep (all but the product line), as there.
        order = [*_ORDER_KEY, *(RAW_SQL[key] for key in DIMENSION_KEYS if key != "product_line")]
        conditions = [_line("counts"), _days(_INVOICE_DATE, split.ranges(), params)]
        conditions += where(scope.filters, RAW_SQL, params)
        value = _sum("net_amount")
        parts.append(
            sql.SQL(
                "SELECT band, COUNT(*) AS orders, SUM(value) AS revenue FROM ("
                "SELECT {value} AS value, {band} AS band FROM {lines} WHERE {conditions} GROUP BY {order}"
                ") orders GROUP BY 1"
            ).format(
                value=value,
                band=band_of(value),
                lines=_LINES,
                conditions=_AND.join(conditions),
                order=_COMMA.join(order),
            )
        )
    else:
        # A row of the daily table is an order's part in one product line: `band` is the whole order's,
        # `line_band` the part's. The monthly table keeps whole orders only, so a product line reads the days.
        dimensions = _dimensions((), scope.filters)
        for table, grain, days in _reads("orders", dimensions, split, ("band",)):
            if grain == "month":
                band, sums = {}, {"orders": Agg("SUM", "orders"), "revenue": Agg("SUM", "revenue")}
            else:
                band = {"band": sql.Identifier("line_band")} if scope.filters.product_line else {}
                sums = {"orders": Agg("SUM", _orders_column(dimensions)), "revenue": Agg("SUM", "revenue")}
            parts.append(_rollup_part(table, grain, ("band",), sums, days, scope.filters, params, band))
    outer = {"orders": Agg("SUM", "orders", "bigint"), "revenue": Agg("SUM", "revenue")}
    return _fetch(_outer(("band",), outer, parts), params)
