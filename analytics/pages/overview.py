"""Overview: how the business is doing in the period, and against before."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from .. import catalogue, charts, engine, targets
from ..dashboard import NO_SALES, NO_SALES_IN_PERIOD, Card, Dashboard, Page, Panel, margin
from ..periods import month_end, month_start
from ..tables import Column, Table
from .common import label, place_dimension, top_customers


def headline(scope) -> dict:
    """The overview's measures of a scope (and the margin), as the catalogue defines them."""
    totals = engine.sales_total(scope)
    customers, new = engine.customer_counts(scope)
    figures = catalogue.Figures(totals, customers=customers, new_customers=new)
    return catalogue.values(figures, (*catalogue.OVERVIEW_CARDS, "margin"))


def cards(scope) -> list[Card]:
    now = headline(scope)
    compared = {key: headline(scope.shifted(c.shift(scope.period))) for key, c in catalogue.COMPARISONS.items()}
    before, year_ago = compared["previous"], compared["year_ago"]
    result = []
    for key in catalogue.OVERVIEW_CARDS:
        measure = catalogue.MEASURES[key]
        if measure.optional and not any(figures[key] for figures in (now, before, year_ago)):
            continue
        card = Card(key, measure.label, now[key], measure.unit, before[key], year_ago[key])
        if key == "gross_profit" and now["margin"] is not None:
            card.note = f"margin {now['margin'] * 100:.1f}%"
        result.append(card)
    return result


def gauges(d: Dashboard) -> list[targets.Progress]:
    """This month's targets with their progress, company ones first, when the page shows this month unfiltered.

    A gauge is always the month to date against the month's target. Shown beside a period that ends before this
    month it would describe days the page does not show; beside a filter (a product line, a state) it would read
    as the filtered figure, which a target is not. So: only when the selected period ends in the current month
    (this month, or the latest 12 months or fiscal year to date once this month has sales) and no filter is set.
    """
    period = d.selection.period
    today = timezone.localtime(timezone=d.zone).date()
    if period is None or d.selection.filters or not month_start(today) <= period.end <= month_end(today):
        return []
    return targets.month_progress(today, today=today)


def build(d: Dashboard) -> Page:
    page = Page("overview", "Overview")
    scope = d.scope
    if scope is None:
        page.empty = NO_SALES
        return page
    page.cards = cards(scope)
    page.controls["gauges"] = gauges(d)
    if not page.cards[0].value and not page.cards[1].value:
        page.notes.append(NO_SALES_IN_PERIOD)
    currency = d.currency

    months = engine.sales(scope, ("month",))
    last_year = {
        row["month"].replace(year=row["month"].year + 1): row["revenue"]
        for row in engine.sales(scope.shifted(scope.period.year_ago()), ("month",), ("revenue",))
    }
    months.sort(key=lambda row: row["month"])
    labels = [f"{row['month']:%b %Y}" for row in months]
    trend = Table(
        "Revenue by month",
        [
            Column("month", "Month"),
            Column("revenue", "Revenue", "money"),
            Column("orders", "Orders", "number"),
            Column("last_year", "Same month last year", "money"),
        ],
        [
            [label_, row["revenue"], row["orders"], last_year.get(row["month"])]
            for label_, row in zip(labels, months, strict=False)
        ],
    )
    figure = charts.lines(
        labels,
        {"Revenue": [row["revenue"] for row in months], "Last year": [last_year.get(row["month"]) for row in months]},
        currency=currency,
        kinds={"Revenue": "bar"},
        dashes={"Last year": "dot"},
    )
    page.panels.append(Panel("revenue_trend", "Revenue trend", trend, figure, wide=True))

    top = top_customers(scope, 10)
    table = Table(
        "Top 10 customers",
        [Column("customer", "Customer"), Column("revenue", "Revenue", "money"), Column("orders", "Orders", "number")],
        [[row["name"], row["revenue"], row["orders"]] for row in top],
    )
    figure = charts.bar(
        [row["name"] for row in top], [row["revenue"] for row in top], currency=currency, horizontal=True
    )
    page.panels.append(Panel("top_customers", "Top 10 customers", table, figure))

    lines = sorted(engine.sales(scope, ("product_line",)), key=lambda row: -row["revenue"])
    table = Table(
        "Top product lines",
        [
            Column("product_line", "Product line"),
            Column("revenue", "Revenue", "money"),
            Column("gross_profit", "Gross profit", "money"),
            Column("margin", "Margin", "percent"),
        ],
        [
            [
                label(row["product_line"]),
                row["revenue"],
                row["gross_profit"] if row["costed_revenue"] else None,
                margin(row["gross_profit"], row["costed_revenue"]),
            ]
            for row in lines
        ],
    )
    figure = charts.bar(
        [label(r["product_line"]) for r in lines[:10]],
        [r["revenue"] for r in lines[:10]],
        currency=currency,
        horizontal=True,
        color=charts.PALETTE[2],
    )
    page.panels.append(Panel("product_lines", "Top product lines", table, figure))

    place = place_dimension(scope)
    places = sorted(engine.sales(scope, (place,)), key=lambda row: -row["revenue"])
    title = "Revenue by country" if place == "country" else "Revenue by state"
    total = sum((row["revenue"] for row in places), Decimal(0))
    table = Table(
        title,
        [Column(place, place.title()), Column("revenue", "Revenue", "money"), Column("share", "Share", "percent")],
        [[label(row[place]), row["revenue"], row["revenue"] / total if total else None] for row in places],
    )
    figure = charts.bar(
        [label(r[place]) for r in places[:15]],
        [r["revenue"] for r in places[:15]],
        currency=currency,
        horizontal=True,
        color=charts.PALETTE[1],
    )
    page.panels.append(Panel("places", title, table, figure))
    return page
