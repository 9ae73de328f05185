"""The product page: one product's history, its customers and its margin.

History and margin come from the product rollups (a month's row per product for whole months, the daily table
for edge days); the customers who bought it from its sales lines in the period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth

from ingestion.models import PRODUCT_KEY, Product
from ingestion.selectors import counted_sales_lines

from ..dashboard import Dashboard, margin
from ..filters import Filters
from ..models import ProductDay, ProductMonth
from ..pages.common import customer_names
from ..periods import Period, month_end
from ..scoped import lines_q, rollup_q
from ..tables import Column, Table
from .common import Periods, customer_url, history_figure, monthly, periods_of, whole_months

TOP_CUSTOMERS = 20
_SUMS = ("revenue", "quantity", "costed_revenue", "gross_profit")


def product_label(row: dict) -> str:
    """As the Products page names a product: its name, else its code, else its key."""
    return row.get("product_name") or row.get("product_code") or row["product_key"]


@dataclass
class ProductPage:
    key: str
    name: str
    code: str = ""
    product_line: str = ""
    unit: str = ""
    periods: Periods | None = None
    totals: dict = field(default_factory=dict)  # the period's revenue, quantity, costed revenue, gross profit
    history: Table | None = None
    figure: dict | None = None
    customers: Table | None = None
    customer_links: list = field(default_factory=list)

    @property
    def margin(self) -> Decimal | None:
        return margin(self.totals.get("gross_profit", 0), self.totals.get("costed_revenue", 0))

    @property
    def costed_share(self) -> Decimal | None:
        revenue = self.totals.get("revenue")
        return self.totals.get("costed_revenue", 0) / revenue if revenue else None


def product_page(key: str, dashboard: Dashboard) -> ProductPage | None:
    """None for a key that names no product, in the item list or in the sales."""
    found = _product(key)
    if found is None:
        return None
    periods = found.periods = periods_of(dashboard)
    if periods is None:
        return found
    found.totals = _total(month_sums(key, periods.period, periods.span, periods.filters))
    rows = monthly(month_sums(key, periods.history, periods.span, periods.filters), periods.history, _SUMS)
    found.history = Table(
        "Revenue and quantity by month",
        [
            Column("month", "Month"),
            Column("revenue", "Revenue", "money"),
            Column("quantity", "Quantity", "number"),
            Column("gross_profit", "Gross profit", "money"),
            Column("margin", "Margin", "percent"),
        ],
        [
            [
                f"{row['month']:%b %Y}",
                row["revenue"],
                row["quantity"],
                row["gross_profit"] if row["costed_revenue"] else None,
                margin(row["gross_profit"], row["costed_revenue"]),
            ]
            for row in rows
        ],
    )
    found.figure = history_figure(rows, "revenue", "quantity", "Quantity", dashboard.currency, periods.shown)
    _customers(found, periods, dashboard)
    return found


def _product(key: str) -> ProductPage | None:
    item = Product.objects.filter(key=key).first() if key else None
    if item is not None:
        return ProductPage(key, item.name or item.code or key, item.code, item.product_line, item.unit)
    # A product known to the sales only (its key folded differently from the item list's).
    sold = ProductMonth.objects.filter(product_key=key).values("product_name", "product_code", "product_line").first()
    if not key or sold is None:
        return None
    return ProductPage(key, sold["product_name"] or sold["product_code"] or key, sold["product_code"],
                       sold["product_line"])  # fmt: skip


def month_sums(key: str, period: Period, span: tuple[date, date], filters: Filters | None = None) -> list[dict]:
    """The product's sums per month of `period`: whole months from the monthly rollup, the other days from the
    daily one (both found through their key's index, which starts with the month or the day). Within a member's
    scope (`filters`) the daily one answers for every day: the monthly one keeps no salesperson, branch or state."""
    months, edges = whole_months(period, span)
    limited = rollup_q(filters) if filters is not None and filters.limits else None
    if limited is not None:
        months, edges = [], [*((month, month_end(month)) for month in months), *edges]
    sums = {name: Sum(name) for name in _SUMS}
    rows = []
    if months:
        rows += ProductMonth.objects.filter(product_key=key, month__in=months).values("month").annotate(**sums)
    if edges:
        days = Q()
        for start, end in edges:
            days |= Q(day__gte=start, day__lte=end)
        rows += (
            ProductDay.objects.filter(days, limited or Q(), product_key=key)
            .annotate(month=TruncMonth("day"))
            .values("month")
            .annotate(**sums)
        )
    return _by_month(rows)


def _by_month(rows: Iterable[dict]) -> list[dict]:
    merged: dict[date, dict] = {}
    for row in rows:
        month = row["month"]
        kept = merged.setdefault(month, {"month": month, **dict.fromkeys(_SUMS, Decimal(0))})
        for name in _SUMS:
            kept[name] += row[name] or 0
    return sorted(merged.values(), key=lambda row: row["month"])


def _total(rows: list[dict]) -> dict:
    return {name: sum((row[name] for row in rows), Decimal(0)) for name in _SUMS}


def _customers(found: ProductPage, periods: Periods, dashboard: Dashboard) -> None:
    """The customers who bought the product most in the period."""
    rows = list(
        counted_sales_lines()
        .annotate(product_key=PRODUCT_KEY)
        .filter(
            lines_q(periods.filters),
            product_key=found.key,
            invoice_date__gte=periods.period.start,
            invoice_date__lte=periods.period.end,
        )
        .values("customer_key")
        .annotate(
            revenue=Sum("net_amount"),
            quantity=Sum("quantity", default=Decimal(0)),
            lines=Count("id"),
            name=Max("customer_name"),
        )
        .order_by("-revenue", "customer_key")[:TOP_CUSTOMERS]
    )
    names = customer_names(row["customer_key"] for row in rows)
    total = found.totals.get("revenue") or Decimal(0)
    found.customers = Table(
        "Top customers",
        [
            Column("customer", "Customer"),
            Column("revenue", "Revenue", "money"),
            Column("quantity", "Quantity", "number"),
            Column("share", "Share of the product's revenue", "percent"),
        ],
        [
            [
                names.get(row["customer_key"], row["name"]),
                row["revenue"],
                row["quantity"],
                row["revenue"] / total if total else None,
            ]
            for row in rows
        ],
    )
    query = dashboard.selection.query()
    found.customer_links = [customer_url(row["customer_key"], query) if row["customer_key"] else None for row in rows]
