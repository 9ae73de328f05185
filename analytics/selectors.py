"""Headline figures of a period, as the `kpis` command prints them; the overview's cards read the same sums."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ingestion.selectors import sales_lines

from . import engine
from .engine import Scope
from .filters import Filters
from .periods import Period

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Kpis:
    revenue: Decimal
    orders: int
    aov: Decimal
    customers: int
    lines: int
    lines_total: int
    gross_profit: Decimal | None
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def gst(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    def as_json(self) -> dict:
        def money(value):
            return None if value is None else f"{value.quantize(TWO_PLACES)}"

        return {
            "revenue": money(self.revenue), "orders": self.orders, "aov": money(self.aov),
            "customers": self.customers, "lines": self.lines, "lines_total": self.lines_total,
            "gross_profit": money(self.gross_profit), "cgst": money(self.cgst), "sgst": money(self.sgst),
            "igst": money(self.igst),
        }  # fmt: skip


def kpis(*, date_from: date | None = None, date_to: date | None = None, filters: Filters | None = None) -> Kpis:
    """Revenue is the taxable (net) amount of the lines that count; orders are distinct invoices (per day and
    customer); `lines_total` also counts the cancelled, returned and excluded lines."""
    zero = Decimal(0)
    span = engine.data_span()
    totals, customers = {}, 0
    if span is not None:
        scope = Scope(Period(date_from or span[0], date_to or span[1]), filters or Filters())
        if scope.period.start <= scope.period.end:
            totals = engine.sales_total(scope)
            customers, _ = engine.customer_counts(scope)
    all_lines = sales_lines()
    if date_from:
        all_lines = all_lines.filter(invoice_date__gte=date_from)
    if date_to:
        all_lines = all_lines.filter(invoice_date__lte=date_to)
    revenue = totals.get("revenue") or zero
    orders = totals.get("orders") or 0
    return Kpis(
        revenue=revenue,
        orders=orders,
        aov=(revenue / orders).quantize(TWO_PLACES) if orders else zero,
        customers=customers,
        lines=totals.get("lines") or 0,
        lines_total=all_lines.count(),
        gross_profit=totals["gross_profit"] if totals.get("costed_revenue") else None,
        cgst=totals.get("cgst") or zero,
        sgst=totals.get("sgst") or zero,
        igst=totals.get("igst") or zero,
    )
