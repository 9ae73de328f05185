"""Reads of the analytics app: the figures an owner asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from ingestion.selectors import counted_sales_lines, sales_lines

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


def kpis(*, date_from: date | None = None, date_to: date | None = None) -> Kpis:
    """Revenue is the taxable (net) amount of the lines that count; orders are distinct invoices."""
    period = Q()
    if date_from:
        period &= Q(invoice_date__gte=date_from)
    if date_to:
        period &= Q(invoice_date__lte=date_to)
    zero = Decimal(0)
    figures = counted_sales_lines().filter(period).aggregate(
        revenue=Sum("net_amount"), orders=Count("invoice_number", distinct=True),
        customers=Count("customer_key", distinct=True), lines=Count("id"),
        cost_total=Sum("cost"), profit_total=Sum("profit"),
        cgst=Sum("cgst"), sgst=Sum("sgst"), igst=Sum("igst"),
        with_profit=Count("id", filter=Q(profit__isnull=False) | Q(cost__isnull=False)),
    )  # fmt: skip
    revenue = figures["revenue"] or zero
    orders = figures["orders"]
    if figures["with_profit"]:
        gross_profit = (
            figures["profit_total"]
            if figures["profit_total"] is not None
            else revenue - (figures["cost_total"] or zero)
        )
    else:
        gross_profit = None
    return Kpis(
        revenue=revenue,
        orders=orders,
        aov=(revenue / orders).quantize(TWO_PLACES) if orders else zero,
        customers=figures["customers"],
        lines=figures["lines"],
        lines_total=sales_lines().filter(period).count(),
        gross_profit=gross_profit,
        cgst=figures["cgst"] or zero,
        sgst=figures["sgst"] or zero,
        igst=figures["igst"] or zero,
    )


def latest_twelve_months() -> tuple[date, date] | None:
    """The 12 months up to the last date with sales, as the dashboards show by default; None with no sales."""
    from django.db.models import Max

    last = counted_sales_lines().aggregate(last=Max("invoice_date"))["last"]
    if last is None:
        return None
    first = date(last.year - 1, last.month, 1)
    first = date(last.year, 1, 1) if last.month == 12 else date(last.year - 1, last.month + 1, 1)
    return first, last
