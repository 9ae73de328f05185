"""Overview: how the business is doing in the period, and against before."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from .. import catalogue, charts, engine, periods, targets
from ..dashboard import NO_SALES, NO_SALES_IN_PERIOD, Card, Dashboard, Page, Panel, margin
from ..periods import month_end, month_start, partial_buckets, partial_note, range_label, shown_days
from ..tables import Column, Table
from .common import label, place_dimension, top_customers


def headline(scope) -> dict:
    """The overview's measures of a scope (and the margin), as the catalogue defines them."""
    totals = engine.sales_total(scope)
    customers, new = engine.customer_counts(scope)
    figures = catalogue.Figures(totals, customers=customers, new_customers=new)
    return catalogue.values(figures, (*catalogue.OVERVIEW_CARDS, "margin"))


def cards(scope, *, today: date | None = None) -> list[Card]:
    """The headline figures of the period against the period before and a year before, each naming its dates;
    given `today`, each card also carries the month so far (see month_to_date)."""
    now = headline(scope)
    shifts = {key: c.shift(scope.period) for key, c in catalogue.COMPARISONS.items()}
    compared = {key: headline(scope.shifted(period)) for key, period in shifts.items()}
    before, year_ago = compared["previous"], compared["year_ago"]
    month = month_to_date(scope, today) if today is not None else None
    result = []
    for key in catalogue.OVERVIEW_CARDS:
        measure = catalogue.MEASURES[key]
        if measure.optional and not any(figures[key] for figures in (now, before, year_ago)):
            continue
        card = Card(key, measure.label, now[key], measure.unit, before[key], year_ago[key])
        _name_dates(card, scope.period, shifts["previous"], shifts["year_ago"], today, months=True)
        if key == "gross_profit" and now["margin"] is not None:
            card.note = f"margin {now['margin'] * 100:.1f}%"
        if month is not None:
            title, spans, (this, last, last_year) = month
            card.month_to_date = Card(key, title, this[key], measure.unit, last[key], last_year[key])
            _name_dates(card.month_to_date, *spans, today, before="the same days of the month before")
        result.append(card)
    return result


def _name_dates(
    card: Card,
    shown,
    previous,
    year_ago,
    today: date | None,
    *,
    months: bool = False,
    before: str = "the period before",
) -> None:
    card.dates = range_label(shown.start, shown.end, today=today, months=months)
    card.previous_dates = range_label(previous.start, previous.end, today=today, months=months)
    card.year_ago_dates = range_label(year_ago.start, year_ago.end, today=today, months=months)
    card.previous_title = f"against {range_label(previous.start, previous.end)}, {before}"
    card.year_ago_title = f"against {range_label(year_ago.start, year_ago.end)}, the same days a year before"


def month_to_date_day(today: date, span: tuple[date, date] | None) -> date | None:
    """The last day of "this month so far": today, or the last day with sales when that is earlier.

    Ending at the last day with sales compares only days whose sales are in (uploads from Tally lag a day or a
    week), and when the latest sales are from an earlier month (a company that uploads monthly, the demo) the
    cards show that month rather than an empty one. The card names the dates either way.
    """
    if span is None:
        return None
    return min(today, span[1])


def month_to_date(scope, today: date):
    """(title, the three periods, their headline figures) for the month so far, under the page's filters."""
    day = month_to_date_day(today, scope.span or engine.data_span(scope.from_lines))
    if day is None:
        return None
    spans = periods.month_to_date(day)
    figures = [headline(scope.shifted(p)) for p in (spans.current, spans.last_month, spans.last_year)]
    shown = range_label(spans.current.start, spans.current.end, today=today)
    title = f"This month, {shown}" if month_start(day) == month_start(today) else f"Latest month with sales, {shown}"
    return title, (spans.current, spans.last_month, spans.last_year), figures


def gauges(d: Dashboard) -> list[targets.Progress]:
    """This month's targets with their progress, company ones first, when the page shows this month unfiltered.

    A gauge is always the month to date against the month's target. Shown beside a period that ends before this
    month it would describe days the page does not show; beside a filter (a product line, a state) it would read
    as the filtered figure, which a target is not. So: only when the selected period ends in the current month
    (this month, or the latest 12 months or fiscal year to date once this month has sales) and no filter is set.
    A member whose view is limited (tenants/scopes.py) chose no filter: they see the targets inside their view only
    (targets.target_within), never the company's.
    """
    period = d.selection.period
    today = timezone.localtime(timezone=d.zone).date()
    filters = d.selection.filters
    if period is None or filters.items() or not month_start(today) <= period.end <= month_end(today):
        return []
    return targets.month_progress(today, today=today, within=filters.scoped())


def build(d: Dashboard) -> Page:
    page = Page("overview", "Overview")
    scope = d.scope
    if scope is None:
        page.empty = NO_SALES
        return page
    today = timezone.localtime(timezone=d.zone).date()
    page.cards = cards(scope, today=today)
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
    shown = shown_days(scope.period, scope.span or engine.data_span(scope.from_lines))
    partial = partial_buckets([row["month"] for row in months], "month", shown)
    paces = {i: part.pace(months[i]["revenue"]) for i, part in partial.items()}
    columns = [
        Column("month", "Month"),
        Column("revenue", "Revenue", "money"),
        Column("orders", "Orders", "number"),
        Column("last_year", "Same month last year", "money"),
    ]
    if partial:
        columns.append(Column("pace", "Projected at this pace", "money"))
    trend = Table(
        "Revenue by month",
        columns,
        [
            [label_, row["revenue"], row["orders"], last_year.get(row["month"])] + ([paces.get(i)] if partial else [])
            for i, (label_, row) in enumerate(zip(labels, months, strict=False))
        ],
        note=partial_note(labels, partial, today),
    )
    figure = charts.lines(
        labels,
        {"Revenue": [row["revenue"] for row in months], "Last year": [last_year.get(row["month"]) for row in months]},
        currency=currency,
        kinds={"Revenue": "bar"},
        dashes={"Last year": "dot"},
    )
    charts.mark_partial(figure, {i: (part.label(today), paces[i]) for i, part in partial.items()}, currency=currency)
    page.panels.append(Panel("revenue_trend", "Revenue trend", trend, figure, note=trend.note, wide=True))

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
