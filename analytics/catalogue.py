"""The catalogue of headline measures and dimensions: what each figure is, how it is worked out from the engine's
sums, how it combines, its unit and its label.

The overview's cards, the `kpis` command (and `kpis --by`) and, next, the API and alerts read their figures from
here, so a KPI is defined once: adding one is an entry in MEASURES (and its sum in the engine when it needs a new
one). The engine (analytics/engine.py) sums the columns in SUMS over a scope; every measure here is a function of
those sums and of the customer counts.

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

# What the engine sums over a scope (it reads this as engine.SALES_MEASURES, with a formula for each over the lines
# and over the rollups) and the customer counts (engine.customer_counts).
SUMS = ("lines", "quantity", "revenue", "costed_revenue", "gross_profit", "cgst", "sgst", "igst", "orders")
COUNTS = ("customers", "new_customers")


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
        return 0 if name in ("lines", "orders") else ZERO


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: Literal["money", "number", "percent"]
    combine: Literal["sum", "distinct", "ratio"]
    value: Callable[[Figures], object]
    note: str = ""


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
                note="the taxable (net) amount of the lines that count"),
        Measure("orders", "Orders", "number", "sum", lambda f: int(f.sum("orders")),
                note="distinct invoices (an invoice number on one day for one customer)"),
        Measure("aov", "Average order value", "money", "ratio", _aov,
                note="revenue over orders; none when there are no orders"),
        Measure("customers", "Customers", "number", "distinct", lambda f: f.customers),
        Measure("new_customers", "New customers", "number", "distinct", lambda f: f.new_customers,
                note="customers whose first purchase ever is in the period"),
        Measure("quantity", "Quantity sold", "number", "sum", lambda f: f.sum("quantity"),
                note="units on the lines that count, as the files give them"),
        Measure("lines", "Lines", "number", "sum", lambda f: int(f.sum("lines"))),
        Measure("gross_profit", "Gross profit", "money", "sum",
                lambda f: f.sum("gross_profit") if _costed(f) else None,
                note="revenue less cost, over the lines that have a cost; none when no line has one"),
        Measure("margin", "Margin", "percent", "ratio",
                lambda f: _ratio(f.sum("gross_profit"), f.sum("costed_revenue")),
                note="gross profit over the revenue of the lines that have a cost"),
        Measure("cgst", "CGST", "money", "sum", lambda f: f.sum("cgst")),
        Measure("sgst", "SGST", "money", "sum", lambda f: f.sum("sgst")),
        Measure("igst", "IGST", "money", "sum", lambda f: f.sum("igst")),
    )
}  # fmt: skip

# The overview's cards, in order; each compared with every period in COMPARISONS.
OVERVIEW_CARDS = ("revenue", "orders", "aov", "customers", "new_customers", "quantity", "gross_profit")


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
