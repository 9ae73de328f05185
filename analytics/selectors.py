"""Headline figures of a period, as the `kpis` command prints them; the overview's cards read the same sums.
`kpis_by()` gives the same figures for each value of a dimension (`kpis --by`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from psycopg import sql

from ingestion.selectors import sales_lines

from . import catalogue, engine
from .engine import Scope
from .filters import Filters
from .periods import Period, add_months, fiscal_year_label, fiscal_year_start, month_end, month_start, quarter_start

TWO_PLACES = catalogue.TWO_PLACES


@dataclass(frozen=True)
class Kpis:
    """The `kpis` command's figures (catalogue.KPIS), each as analytics.catalogue defines it, read as attributes
    (`figures.revenue`); and how many lines the period has, counted or not."""

    values: dict
    lines_total: int

    def __getattr__(self, name: str):
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def gst(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    def as_json(self) -> dict:
        """Money as a string with two places, counts as integers, quantities as their exact decimal; the keys in
        the catalogue's order, `lines_total` after `lines`."""
        printed = {}
        for key, value in self.values.items():
            printed[key] = catalogue.printed(key, value)
            if key == "lines":
                printed["lines_total"] = self.lines_total
        return printed


def _figures(totals: dict, customers: int, lines_total: int) -> Kpis:
    """Kpis from the engine's sales measures (an empty dict when nothing sold), each worked out as the catalogue
    defines it, so `kpis`, `kpis_by` and the overview agree."""
    figures = catalogue.values(catalogue.Figures(totals, customers=customers), catalogue.KPIS)
    return Kpis(figures, lines_total)


def _scope(
    date_from: date | None, date_to: date | None, filters: Filters | None = None, *, from_lines: bool = False
) -> Scope | None:
    """The period asked for, open ends taken from the days with sales; None when nothing sold or the period is
    empty (it ends before it starts, or lies wholly after the last day with sales without a given end)."""
    span = engine.data_span(from_lines)
    if span is None:
        return None
    start, end = date_from or span[0], date_to or span[1]
    if end < start:
        return None
    return Scope(Period(start, end), filters or Filters(), span, from_lines)


def kpis(
    *, date_from: date | None = None, date_to: date | None = None, filters: Filters | None = None,
    from_lines: bool = False,
) -> Kpis:  # fmt: skip
    """Revenue is the taxable (net) amount of the lines that count; orders are distinct invoices (per day and
    customer); `lines_total` also counts the cancelled, returned and excluded lines. `from_lines` reads the sales
    lines instead of the rollups (the oracle)."""
    totals, customers = {}, 0
    scope = _scope(date_from, date_to, filters, from_lines=from_lines)
    if scope is not None:
        totals = engine.sales_total(scope)
        customers, _ = engine.customer_counts(scope)
    all_lines = sales_lines()
    if date_from:
        all_lines = all_lines.filter(invoice_date__gte=date_from)
    if date_to:
        all_lines = all_lines.filter(invoice_date__lte=date_to)
    return _figures(totals, customers, all_lines.count())


# ---------------------------------------------------------------- the same figures by a dimension

# `kpis --by` names: the engine's key for each. `salesperson` is the salesperson, or the manager when the file
# names none (as in the filter bar); `customer` is the customer key (a customer code, or the folded name) and
# `product` the product code, or the name when there is none, lower-cased.
CATEGORIES = {d.key: d.column for d in catalogue.DIMENSIONS.values() if d.kind == "category"}
TIMES = tuple(d.key for d in catalogue.DIMENSIONS.values() if d.kind == "time")
BY_DIMENSIONS = (*CATEGORIES, *TIMES)
# No rollup keeps these with every measure: they are read from the sales lines that count.
_FROM_LINES = frozenset(("customer_key", "product_key"))
NOT_GIVEN = "(not given)"
# The customer's or the product's name, for its label; an expression over the lines `l`.
_NAMES = {"customer_key": sql.SQL("MAX(l.customer_name)"), "product_key": sql.SQL("MAX(l.product_name)")}


@dataclass(frozen=True)
class KpisOf:
    """The figures of one value of a dimension. `value` is None for lines that leave the dimension empty (labelled
    "(not given)"), and the first day of the period for a time dimension."""

    dimension: str
    value: str | date | None
    label: str
    figures: Kpis

    def as_json(self) -> dict:
        value = self.value.isoformat() if isinstance(self.value, date) else self.value
        return {self.dimension: value, "label": self.label, **self.figures.as_json()}


def kpis_by(
    dimension: str, *, date_from: date | None = None, date_to: date | None = None, fiscal_start_month: int = 4,
    from_lines: bool = False,
) -> list[KpisOf]:  # fmt: skip
    """The `kpis` figures for each value of `dimension` (one of BY_DIMENSIONS) that has lines in the period:
    categories by revenue, biggest first (ties by value), periods in time order. Revenue, lines, lines_total,
    gross profit and taxes add up to the `kpis` figures; orders and customers are counted within each value, so
    an order or a customer found under two values counts in both (a time period holds each order once). Quarters
    and fiscal years start in `fiscal_start_month`; the first and last period are cut to `date_from`/`date_to`."""
    if dimension not in BY_DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}: one of {', '.join(BY_DIMENSIONS)}")
    scope = _scope(date_from, date_to, from_lines=from_lines)
    if dimension in TIMES:
        return _by_time(dimension, scope, date_from, date_to, fiscal_start_month)
    return _by_category(dimension, scope, date_from, date_to)


def _by_category(dimension: str, scope: Scope | None, date_from: date | None, date_to: date | None) -> list[KpisOf]:
    key = CATEGORIES[dimension]
    sales, customers = {}, {}
    if scope is not None:
        if key in _FROM_LINES:
            scope = dataclasses.replace(scope, from_lines=True)
        sales = {row[key]: row for row in engine.sales(scope, (key,))}
        # A customer's own figures count one customer; walk-in sales (no customer) count none.
        customers = {v: 1 for v in sales if v} if key == "customer_key" else customers_by(scope, key)
    counted, names = _all_lines(engine.RAW_SQL[key], date_from, date_to, _NAMES.get(key))
    figures = []
    for value in sales.keys() | counted.keys():
        label = (names.get(value) or value) if value else NOT_GIVEN
        kpis_ = _figures(sales.get(value, {}), customers.get(value, 0), counted.get(value, 0))
        figures.append(KpisOf(dimension, value or None, label, kpis_))
    figures.sort(key=lambda f: (-f.figures.revenue, (f.value or "").encode()))
    return figures


def customers_by(scope: Scope, key: str) -> dict[str, int]:
    """Customers who bought, per value of `key`: a customer counts under every value it bought under, and
    walk-in sales (no customer) count none, as in `kpis`."""
    found = engine.customers_sql(scope, (key, "customer_key"), measures=())
    if found is None:
        return {}
    query, params = found
    rows = _fetch(
        sql.SQL(
            "SELECT {key} AS value, COUNT(*) FILTER (WHERE customer_key <> '') AS customers FROM ({query}) c GROUP BY 1"
        ).format(key=sql.Identifier(key), query=query),
        params,
    )
    return {row["value"]: row["customers"] for row in rows}


def _all_lines(
    key_sql: sql.Composable, date_from: date | None, date_to: date | None, name_sql: sql.Composable | None = None
) -> tuple[dict, dict]:
    """Every stored line of the period (`lines_total`, cancelled and excluded ones too) per value of `key_sql`, an
    expression over the lines `l`; and, with `name_sql`, a name for each value."""
    params: list = []
    conditions = [sql.SQL("TRUE")]
    if date_from:
        conditions.append(sql.SQL("l.invoice_date >= %s"))
        params.append(date_from)
    if date_to:
        conditions.append(sql.SQL("l.invoice_date <= %s"))
        params.append(date_to)
    rows = _fetch(
        sql.SQL(
            "SELECT {key} AS value, COUNT(*) AS lines_total, {name} AS name FROM ingestion_salesline l "
            "WHERE {conditions} GROUP BY 1"
        ).format(
            key=key_sql,
            name=sql.SQL("NULL") if name_sql is None else name_sql,
            conditions=sql.SQL(" AND ").join(conditions),
        ),
        params,
    )
    return {row["value"]: row["lines_total"] for row in rows}, {row["value"]: row["name"] for row in rows}


def _fetch(query: sql.Composable, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def period_of(day: date, dimension: str, fiscal_start_month: int) -> tuple[date, date, str]:
    """The period of a time dimension that holds `day`: (first day, last day, label)."""
    if dimension == "day":
        return day, day, f"{day:%-d %b %Y}"
    if dimension == "week":  # weeks start on Monday
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6), f"w/c {monday:%-d %b %Y}"
    if dimension == "month":
        return month_start(day), month_end(day), f"{day:%b %Y}"
    if dimension == "quarter":  # quarters of the fiscal year: with April, Q1 is April to June
        start = quarter_start(day, fiscal_start_month)
        label = f"Q{((start.month - fiscal_start_month) % 12) // 3 + 1} {fiscal_year_label(day, fiscal_start_month)}"
        return start, add_months(start, 3) - timedelta(days=1), label
    start = fiscal_year_start(day, fiscal_start_month)
    return start, add_months(start, 12) - timedelta(days=1), fiscal_year_label(day, fiscal_start_month)


# Customer counts per period are sent to the database this many periods to a query.
_PERIODS_PER_QUERY = 100


def _by_time(
    dimension: str, scope: Scope | None, date_from: date | None, date_to: date | None, fiscal_start_month: int
) -> list[KpisOf]:
    """Sales by day (or by month, for months and the periods made of them) added up per period; the customers of
    each period counted in it, from one query per hundred periods."""
    periods: dict[date, tuple[date, date, str]] = {}

    def period(day: date) -> date:
        found = period_of(day, dimension, fiscal_start_month)
        periods.setdefault(found[0], found)
        return found[0]

    sales: dict[date, dict] = {}
    customers: dict[date, int] = {}
    if scope is not None:
        grain = "day" if dimension in ("day", "week") else "month"
        for row in engine.sales(scope, (grain,)):
            totals = sales.setdefault(period(row[grain]), {})
            for measure in engine.SALES_MEASURES:
                totals[measure] = (totals.get(measure) or 0) + (row[measure] or 0)
        customers = customers_per_period(scope, {start: periods[start] for start in sales})
    counted: dict[date, int] = {}
    for day, lines in _all_lines(engine.RAW_SQL["day"], date_from, date_to)[0].items():
        start = period(day)
        counted[start] = counted.get(start, 0) + lines
    return [
        KpisOf(dimension, start, periods[start][2],
               _figures(sales.get(start, {}), customers.get(start, 0), counted.get(start, 0)))
        for start in sorted(sales.keys() | counted.keys())
    ]  # fmt: skip


def customers_per_period(scope: Scope, periods: dict[date, tuple[date, date, str]]) -> dict[date, int]:
    """Customers who bought in each period (cut to the scope's), walk-in sales counting none, as in `kpis`."""
    parts: list[tuple[sql.Composable, list]] = []
    for start, (first, last, _label) in periods.items():
        cut = Period(max(first, scope.period.start), min(last, scope.period.end))
        found = engine.customers_sql(scope.shifted(cut), measures=())
        if found is not None:
            query, params = found
            parts.append((
                sql.SQL(
                    "SELECT %s::date AS period, COUNT(*) FILTER (WHERE customer_key <> '') AS customers FROM ({}) c"
                ).format(query),
                [start, *params],
            ))  # fmt: skip
    customers = {}
    for i in range(0, len(parts), _PERIODS_PER_QUERY):
        chunk = parts[i : i + _PERIODS_PER_QUERY]
        query = sql.SQL(" UNION ALL ").join([part for part, _ in chunk])
        rows = _fetch(query, [p for _, params in chunk for p in params])
        customers.update({row["period"]: row["customers"] for row in rows})
    return customers
