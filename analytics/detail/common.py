"""What the customer and product pages share: the periods they show, links to them and a month-by-month chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.urls import reverse
from psycopg import sql

from .. import charts
from ..dashboard import Dashboard
from ..engine import Scope
from ..filters import DIMENSIONS, Filters
from ..periods import Period, add_months, month_end, month_start, partial_buckets, shown_days

HISTORY_MONTHS = 24
# The URL keys that choose a period: without any, a detail page shows the latest 24 months of history.
PERIOD_KEYS = ("from", "to", "preset")


@dataclass(frozen=True)
class Periods:
    """The selection's period (figures, products, changes), the one before it, and the months of the history."""

    period: Period
    previous: Period
    history: Period
    span: tuple[date, date]
    from_lines: bool = False  # read the sales lines instead of the rollups (the benchmark's naive baseline)
    filters: Filters = field(default_factory=Filters)  # the member's scope alone (Filters.scoped)

    @property
    def shown(self) -> Period | None:
        """The history's days that have sales: a month they cover only in part is a partial bar."""
        return shown_days(self.history, self.span)

    def scope(self, period: Period | None = None) -> Scope:
        # Detail pages show all of a customer's or product's sales: the filter bar's filters are not applied, the
        # member's scope is.
        return Scope(period or self.period, self.filters, span=self.span, from_lines=self.from_lines)


def periods_of(dashboard: Dashboard) -> Periods | None:
    """None when the company has no sales yet."""
    period, span = dashboard.selection.period, dashboard.span
    if period is None or span is None:
        return None
    chosen = any(dashboard.query.get(key) for key in PERIOD_KEYS)
    history = period if chosen else Period(add_months(month_start(span[1]), 1 - HISTORY_MONTHS), span[1])
    return Periods(period, period.previous(), history, span, dashboard.from_lines, dashboard.selection.filters.scoped())


def whole_months(period: Period, span: tuple[date, date]) -> tuple[list[date], list[tuple[date, date]]]:
    """The months of `period` (clipped to the days with sales) that it covers whole, and the other days as ranges."""
    start, end = max(period.start, span[0]), min(period.end, span[1])
    whole, edges = [], []
    if end < start:
        return whole, edges
    for month in Period(start, end).months():
        # Whole when the period covers every day of the month that has (or can have) sales, as the engine reads it.
        if start <= max(month, span[0]) and min(month_end(month), span[1]) <= end:
            whole.append(month)
        else:
            edges.append((max(month, start), min(month_end(month), end)))
    return whole, edges


# reverse() quotes the key itself (a "/" in it stays one, which the URL's path converter takes).
def customer_url(key: str, query: str = "") -> str:
    url = reverse("customer_detail", args=[key])
    return f"{url}?{query}" if query else url


def product_url(key: str, query: str = "") -> str:
    url = reverse("product_detail", args=[key])
    return f"{url}?{query}" if query else url


def period_query(dashboard: Dashboard) -> str:
    """The period part of the page's URL, for links that keep it."""
    return dashboard.selection.query(**dict.fromkeys(DIMENSIONS))


def fetch(query: sql.Composable, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def monthly(rows: list[dict], period: Period, measures: tuple[str, ...]) -> list[dict]:
    """One row per month of `period` (zero in months without sales), oldest first."""
    found = {row["month"]: row for row in rows}
    return [{"month": month, **{m: found.get(month, {}).get(m) or 0 for m in measures}} for month in period.months()]


def history_figure(
    rows: list[dict], money: str, count: str, count_label: str, currency: str, shown: Period | None = None
) -> dict:
    """Money by month as bars, with the count (orders, quantity) as a line on its own axis. A month the days
    `shown` (those with sales) cover only in part is marked, with its pace, as on the overview."""
    labels = [f"{row['month']:%b %Y}" for row in rows]
    figure = charts.bar(labels, [row[money] for row in rows], currency=currency, name="Revenue")
    partial = partial_buckets([row["month"] for row in rows], "month", shown)
    charts.mark_partial(
        figure, {i: (part.label(), part.pace(rows[i][money])) for i, part in partial.items()}, currency=currency
    )
    counts = [row[count] for row in rows]
    figure["data"].append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": count_label,
            "x": labels,
            "y": [float(value) for value in counts],
            "yaxis": "y2",
            "line": {"color": charts.PALETTE[1], "width": 2},
            "hovertemplate": f"{count_label}: %{{y}}<extra>%{{x}}</extra>",
        }
    )
    figure["layout"]["yaxis2"] = {"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero"}
    figure["layout"]["legend"] = {"orientation": "h", "y": -0.2}
    figure["layout"]["margin"] = {**figure["layout"]["margin"], "r": 50}
    return figure


def change(now, before) -> Decimal | None:
    """The change as a fraction of before; None when before is nothing."""
    if not before:
        return None
    return (Decimal(now or 0) - Decimal(before)) / abs(Decimal(before))
