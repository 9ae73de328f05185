"""The catalogue answering a question: measures over a scope, against the periods a KPI is compared with, by any
dimension, or over time. The API (REST and GraphQL) reads its figures here, and so will alerts, so that every
measure and dimension of analytics.catalogue is available with no code of its own.

Each figure is worked out by catalogue.values from the engine's sums, exactly as the overview's cards and the
`kpis` command work it out, so the three agree. Sums come from the smallest rollup that keeps them; where no
rollup keeps a sum by a dimension (quantity per customer, orders per product), that dimension is read from the
sales lines that count, as `kpis --by` does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from . import catalogue, engine, selectors
from .engine import Scope
from .pages.common import customer_names
from .periods import Period

# The measures a question asks for when it names none.
DEFAULT_MEASURES = ("revenue", "orders", "aov", "customers", "gross_profit", "margin")
# Counted afresh for each scope: per value of a dimension, customers is counted; new customers only in totals and
# over time (a customer's first purchase ever is not kept by branch or product).
_NOT_BY_CATEGORY = frozenset({"new_customers"})


class QuestionError(ValueError):
    """A question the catalogue cannot answer; `parameter` names what to change."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def measures_from(names: list[str] | None) -> tuple[str, ...]:
    """Measure keys, checked against the catalogue (the defaults when none are named)."""
    if not names:
        return DEFAULT_MEASURES
    unknown = [name for name in names if name not in catalogue.MEASURES]
    if unknown:
        raise QuestionError("measures", f"Unknown measure {unknown[0]!r}: use any of {', '.join(catalogue.MEASURES)}.")
    return tuple(dict.fromkeys(names))


def dimension_from(name: str) -> catalogue.Dimension:
    dimension = catalogue.DIMENSIONS.get(name)
    if dimension is None:
        raise QuestionError("dimension", f"Unknown dimension {name!r}: use any of {', '.join(catalogue.DIMENSIONS)}.")
    return dimension


def _wants_counts(keys) -> bool:
    return any(catalogue.MEASURES[key].combine == "distinct" for key in keys)


# ---------------------------------------------------------------- totals and comparisons


def figures(scope: Scope | None, keys: tuple[str, ...]) -> dict:
    """{measure: value} over the scope; with no scope (no sales at all), each measure's value of nothing."""
    if scope is None:
        return catalogue.values(catalogue.Figures({}), keys)
    customers, new = engine.customer_counts(scope) if _wants_counts(keys) else (0, 0)
    totals = catalogue.Figures(engine.sales_total(scope), customers=customers, new_customers=new)
    return catalogue.values(totals, keys)


@dataclass(frozen=True)
class Compared:
    """Measures over a period and over each period of catalogue.COMPARISONS."""

    period: Period | None
    values: dict
    comparisons: dict[str, tuple[Period, dict]]  # {comparison key: (its period, its values)}


def compared(scope: Scope | None, keys: tuple[str, ...]) -> Compared:
    if scope is None:
        return Compared(None, figures(None, keys), {})
    others = {}
    for key, comparison in catalogue.COMPARISONS.items():
        period = comparison.shift(scope.period)
        others[key] = (period, figures(scope.shifted(period), keys))
    return Compared(scope.period, figures(scope, keys), others)


# ---------------------------------------------------------------- by a dimension


@dataclass(frozen=True)
class Row:
    """One value of a dimension (None for lines that leave it empty) or one period, with its label and measures.
    `end` is a period's last day, cut to the scope's."""

    value: str | date | None
    label: str
    values: dict
    end: date | None = None


def default_measures(dimension: str) -> tuple[str, ...]:
    """What a question by `dimension` shows when it names no measures: by product, the measures the product
    rollups keep (orders and customers are counted per order and customer, which they do not keep)."""
    if dimension == "product":
        return ("revenue", "quantity", "lines", "gross_profit", "margin")
    if dimension == "customer":
        return ("revenue", "orders", "aov", "gross_profit", "margin")
    return DEFAULT_MEASURES


def by_dimension(
    scope: Scope | None, dimension: str, keys: tuple[str, ...], *, sort: str | None = None, descending: bool = True,
    top: int | None = None, named: int | None = None, fiscal_start_month: int = 4,
) -> list[Row]:  # fmt: skip
    """The measures for each value of `dimension` with sales in the scope. Categories are ordered by `sort` (the
    first measure asked for by default), biggest first unless `descending` is False, blanks last, ties by value;
    periods in time order unless a sort is named. `top` keeps the first so many; of those, the first `named`
    (all when None) are labelled with their names, the rest with their values (a page of a long list names only
    itself)."""
    found = dimension_from(dimension)
    if sort is not None and sort not in keys:
        raise QuestionError("sort", f"Sort by one of the measures asked for: {', '.join(keys)}.")
    if scope is None:
        return []
    if found.kind == "time":
        rows = _over_time(scope, found.key, keys, fiscal_start_month)
        if sort is None:
            return rows[:top] if top else rows
        namer = None
    else:
        blocked = _NOT_BY_CATEGORY.intersection(keys)
        if blocked:
            raise QuestionError(
                "measures",
                f"{', '.join(sorted(blocked))} is counted for a whole period, not per {found.label.lower()}.",
            )
        rows, namer = _by_category(scope, found, keys)
    order = sort or keys[0]

    def key(row: Row):
        value = row.values.get(order)
        missing = value is None
        return (missing, 0 if missing else (-value if descending else value), str(row.value or "\uffff"))

    rows.sort(key=key)
    rows = rows[:top] if top else rows
    if namer is None:
        return rows
    names = namer([row.value or "" for row in rows[:named]])
    return [dataclasses.replace(row, label=names.get(row.value or "") or row.value or selectors.NOT_GIVEN)
            for row in rows]  # fmt: skip


def _by_category(scope: Scope, dimension: catalogue.Dimension, keys: tuple[str, ...]):
    """The rows (unnamed) and a function naming the values given to it: names are looked up only for the rows
    kept."""
    column = dimension.column
    counts = _wants_counts(keys)
    if column == "customer_key" and _kept(keys, (*catalogue.sums_kept("customer"), "orders")):
        sums = {row["customer_key"]: row for row in engine.customers(scope)}
        customers = {key: 1 for key in sums if key}
    elif column == "product_key" and _kept(keys, catalogue.sums_kept("product")):
        sums = {}
        for row in engine.products(scope):  # a product sold under two product lines is one product
            held = sums.setdefault(row["product_key"], {"product_name": row["product_name"]})
            for name in catalogue.sums_kept("product"):
                held[name] = (held.get(name) or 0) + (row[name] or 0)
        customers = selectors.customers_by(scope, column) if counts else {}
    else:
        if column in ("customer_key", "product_key"):
            scope = dataclasses.replace(scope, from_lines=True)
        sums = {row[column]: row for row in engine.sales(scope, (column,))}
        if not counts:
            customers = {}
        elif column == "customer_key":
            customers = {key: 1 for key in sums if key}
        else:
            customers = selectors.customers_by(scope, column)
    rows = [
        Row(value or None, "", catalogue.values(catalogue.Figures(row, customers=customers.get(value, 0)), keys))
        for value, row in sums.items()
    ]
    if column == "customer_key":
        return rows, customer_names
    if column == "product_key":
        return rows, lambda values: {value: sums[value].get("product_name") for value in values if value in sums}
    return rows, lambda values: {}


def _kept(keys, sums_kept) -> bool:
    """Every sum the measures are worked out from is kept by that family of tables."""
    return {name for key in keys for name in catalogue.MEASURES[key].reads} <= set(sums_kept)


# ---------------------------------------------------------------- over time


def _over_time(scope: Scope, grain: str, keys: tuple[str, ...], fiscal_start_month: int) -> list[Row]:
    """Each period of `grain` the scope's sales fall in, cut to the scope, with its measures; customers are
    counted within each period (and new customers are those whose first purchase ever is in it)."""
    read = "day" if grain in ("day", "week") else "month"
    sums: dict[date, dict] = {}
    spans: dict[date, tuple[date, date, str]] = {}
    for row in engine.sales(scope, (read,)):
        start, end, label = selectors.period_of(row[read], grain, fiscal_start_month)
        spans[start] = (max(start, scope.period.start), min(end, scope.period.end), label)
        held = sums.setdefault(start, {})
        for name in catalogue.SUMS:
            held[name] = (held.get(name) or 0) + (row.get(name) or 0)
    # Customers per period from one round trip; new customers, when asked for, a query per period.
    customers = selectors.customers_per_period(scope, spans) if "customers" in keys else {}
    rows = []
    for start in sorted(sums):
        first, last, label = spans[start]
        new = engine.customer_counts(scope.shifted(Period(first, last)))[1] if "new_customers" in keys else 0
        figures = catalogue.Figures(sums[start], customers=customers.get(start, 0), new_customers=new)
        rows.append(Row(start, label, catalogue.values(figures, keys), end=last))
    return rows
