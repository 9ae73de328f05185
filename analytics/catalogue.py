"""The catalogue of headline measures and dimensions: what each figure is, how it is worked out from the engine's
sums, how it combines, its unit and its label.

The overview's cards, the `kpis` command (and `kpis --by`) and, next, the API and alerts read their figures from
here, so a KPI is defined once: adding one is an entry in MEASURES. The engine (analytics/engine.py) adds up the
sums in SUM_LIST over a scope, from the rollups or the lines; every measure here is a function of those sums and
of the customer counts. A measure that needs a new sum is an entry in SUM_LIST too, plus its column on the rollup
models and their migration (see Sum).

Combining: `sum` measures add up over parts of a period or a dimension; `distinct` ones (customers) do not (a
customer in two months is one customer in the quarter), so they are counted afresh for each scope; `ratio` ones
(average order value, margin) are a ratio of two sums, never an average of ratios, and have no value when the
denominator is zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

TWO_PLACES = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Sum:
    """A figure the engine adds up over a scope, and the rollup tables keep a column of.

    `column` is the sales line's column it is the sum of; the engine, the rebuild and the merge all derive their
    SQL from it, so a new summed figure is an entry here, its column on the rollup models (analytics/models.py)
    and their migration. `units` is the line's copy of that column in whole units of 10^-`scale` (SalesLine's
    `_e4` columns), which the rollups add exactly and faster; without it they add the column itself. A sum with
    no column is spelt out by the engine and the rollups by name: line and order counts, and the figures kept
    only over the lines with a cost.

    Every sales rollup keeps every sum but `orders` (kept as `orders` and `orders_first`, see OrderDay); the
    product tables keep those `by_product`, the customer tables those `by_customer`.
    """

    key: str
    column: str | None = None
    units: str | None = None
    scale: int = 4
    by_product: bool = False
    by_customer: bool = False
    integer: bool = False  # a count: summed as bigint, zero is 0

    @property
    def by_line(self) -> bool:
        """Summed from a group of lines (every sum but the order count, which needs whole orders)."""
        return self.key != "orders"


SUM_LIST = (
    Sum("lines", integer=True, by_product=True),
    Sum("quantity", "quantity", "quantity_e3", scale=3, by_product=True),
    Sum("revenue", "net_amount", "net_amount_e4", by_product=True, by_customer=True),
    Sum("costed_revenue", by_product=True, by_customer=True),
    Sum("gross_profit", by_product=True, by_customer=True),
    Sum("cgst", "cgst", "cgst_e4"),
    Sum("sgst", "sgst", "sgst_e4"),
    Sum("igst", "igst", "igst_e4"),
    Sum("discount", "discount", by_product=True),
    Sum("orders", integer=True),
)
SUM_OF = {entry.key: entry for entry in SUM_LIST}
# What the engine sums over a scope (engine.SALES_MEASURES) and the customer counts (engine.customer_counts).
SUMS = tuple(SUM_OF)
COUNTS = ("customers", "new_customers")


def sums_kept(by: Literal["sales", "product", "customer"]) -> tuple[str, ...]:
    """The sums a family of rollup tables keeps a column of, in the catalogue's order."""
    keep = {"sales": lambda s: s.by_line, "product": lambda s: s.by_product, "customer": lambda s: s.by_customer}[by]
    return tuple(entry.key for entry in SUM_LIST if keep(entry))


@dataclass(frozen=True)
class Figures:
    """A scope's sums (engine.sales_total, empty when nothing sold) and its customer counts."""

    sums: dict
    customers: int = 0
    new_customers: int = 0

    def sum(self, name: str):
        """The sum, or a zero of its type when nothing was summed (counts are int, amounts Decimal)."""
        value = self.sums.get(name)
        if value:
            return value
        return 0 if SUM_OF[name].integer else ZERO


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: Literal["money", "number", "percent"]
    combine: Literal["sum", "distinct", "ratio"]
    value: Callable[[Figures], object]
    note: str = ""
    # Shown (as an overview card) only when it has a value in the period or a period compared: a figure many
    # companies' files never give.
    optional: bool = False
    # The sums it is worked out from (none for the customer counts): a question by customer or by product reads
    # the rollups when they keep these, else the lines (analytics.queries).
    reads: tuple[str, ...] = ()


def _ratio(numerator: Decimal, denominator) -> Decimal | None:
    return (Decimal(numerator) / Decimal(denominator)) if denominator else None


def _aov(f: Figures) -> Decimal | None:
    aov = _ratio(f.sum("revenue"), f.sum("orders"))
    return aov.quantize(TWO_PLACES) if aov is not None else None


def _costed(f: Figures) -> bool:
    return bool(f.sum("costed_revenue"))


MEASURES: dict[str, Measure] = {
    measure.key: measure
    for measure in (
        Measure("revenue", "Revenue", "money", "sum", lambda f: f.sum("revenue"),
                note="the taxable (net) amount of the lines that count", reads=("revenue",)),
        Measure("orders", "Orders", "number", "sum", lambda f: int(f.sum("orders")),
                note="distinct invoices (an invoice number on one day for one customer)", reads=("orders",)),
        Measure("aov", "Average order value", "money", "ratio", _aov,
                note="revenue over orders; none when there are no orders", reads=("revenue", "orders")),
        Measure("customers", "Customers", "number", "distinct", lambda f: f.customers),
        Measure("new_customers", "New customers", "number", "distinct", lambda f: f.new_customers,
                note="customers whose first purchase ever is in the period"),
        Measure("quantity", "Quantity sold", "number", "sum", lambda f: f.sum("quantity"),
                note="units on the lines that count, as the files give them", reads=("quantity",)),
        Measure("discount", "Discount given", "money", "sum", lambda f: f.sum("discount"),
                note="the discount amounts the files give on their lines (revenue is after it)", optional=True,
                reads=("discount",)),
        Measure("lines", "Lines", "number", "sum", lambda f: int(f.sum("lines")), reads=("lines",)),
        Measure("gross_profit", "Gross profit", "money", "sum",
                lambda f: f.sum("gross_profit") if _costed(f) else None,
                note="revenue less cost, over the lines that have a cost; none when no line has one", optional=True,
                reads=("gross_profit", "costed_revenue")),
        Measure("cogs", "Cost of goods sold", "money", "sum",
                lambda f: f.sum("costed_revenue") - f.sum("gross_profit") if _costed(f) else None,
                note="the cost of the lines that have one (their revenue less their gross profit); none when no "
                "line has one", optional=True, reads=("gross_profit", "costed_revenue")),
        Measure("margin", "Margin", "percent", "ratio",
                lambda f: _ratio(f.sum("gross_profit"), f.sum("costed_revenue")),
                note="gross profit over the revenue of the lines that have a cost",
                reads=("gross_profit", "costed_revenue")),
        Measure("cgst", "CGST", "money", "sum", lambda f: f.sum("cgst"), reads=("cgst",)),
        Measure("sgst", "SGST", "money", "sum", lambda f: f.sum("sgst"), reads=("sgst",)),
        Measure("igst", "IGST", "money", "sum", lambda f: f.sum("igst"), reads=("igst",)),
    )
}  # fmt: skip

# The `kpis` command's figures (and `kpis --by`'s, and each row of an export by dimension), in order.
KPIS = (
    "revenue",
    "orders",
    "aov",
    "customers",
    "lines",
    "gross_profit",
    "cogs",
    "cgst",
    "sgst",
    "igst",
    "quantity",
    "discount",
)

# The overview's cards, in order; each compared with every period in COMPARISONS.
OVERVIEW_CARDS = (
    "revenue",
    "orders",
    "aov",
    "customers",
    "new_customers",
    "quantity",
    "discount",
    "gross_profit",
    "cogs",
)


@dataclass(frozen=True)
class Comparison:
    """A period a KPI is compared with, worked out from the period shown."""

    key: str
    label: str
    shift: Callable  # Period -> Period


COMPARISONS: dict[str, Comparison] = {
    comparison.key: comparison
    for comparison in (
        Comparison("previous", "Previous period", lambda period: period.previous()),  # as long, just before
        Comparison("year_ago", "Same period a year ago", lambda period: period.year_ago()),
    )
}


FOUR_PLACES = Decimal("0.0001")


def printed(key: str, value):
    """A measure's value as JSON gives it (the `kpis` command, the API): money as a string with two places, a
    ratio as a string with four (0.2345 is 23.45%), a count as an integer, a quantity as its exact decimal."""
    if value is None or isinstance(value, int):
        return value
    unit = MEASURES[key].unit
    if unit == "money":
        return f"{Decimal(value).quantize(TWO_PLACES)}"
    if unit == "percent":
        return f"{Decimal(value).quantize(FOUR_PLACES)}"
    return f"{Decimal(value).normalize():f}"


def values(figures: Figures, keys=None) -> dict:
    """{measure: value} for `keys` (every measure when None)."""
    return {key: MEASURES[key].value(figures) for key in (keys or MEASURES)}


@dataclass(frozen=True)
class Dimension:
    key: str  # the name people and commands use (`kpis --by salesperson`)
    label: str
    column: str  # the engine's key for it
    kind: Literal["category", "time"]
    source: str = ""  # where its values come from, for people reading an export or the API


DIMENSIONS: dict[str, Dimension] = {
    dimension.key: dimension
    for dimension in (
        Dimension("salesperson", "Salesperson", "person", "category",
                  source="the line's salesperson, else its manager; a customer master fills it in"),
        Dimension("branch", "Branch", "branch", "category",
                  source="the line's branch, else its region; a customer master fills it in"),
        Dimension("product_line", "Product line", "product_line", "category",
                  source="the line's product line or stock group; an item master fills it in"),
        Dimension("state", "State", "state", "category",
                  source="the customer's state (place of supply): the line's, its GSTIN's or a customer master's"),
        Dimension("state_code", "State code", "state_code", "category", source="the GST code of the state"),
        Dimension("country", "Country", "country", "category", source="the line's country, or a customer master's"),
        Dimension("segment", "Segment", "segment", "category", source="the line's segment, or a customer master's"),
        Dimension("customer", "Customer", "customer_key", "category",
                  source="the customer, matched by name (case, spacing, punctuation, M/s and Pvt Ltd ignored)"),
        Dimension("product", "Product", "product_key", "category",
                  source="the product's code, else its name, with case folded"),
        Dimension("day", "Day", "day", "time", source="the invoice date"),
        Dimension("week", "Week", "week", "time", source="the invoice date's week, from Monday"),
        Dimension("month", "Month", "month", "time", source="the invoice date's calendar month"),
        Dimension("quarter", "Fiscal quarter", "quarter", "time",
                  source="the invoice date's quarter of the company's fiscal year"),
        Dimension("fiscal_year", "Fiscal year", "fiscal_year", "time",
                  source="the invoice date's fiscal year, from the company's first month (April by default)"),
    )
}  # fmt: skip
