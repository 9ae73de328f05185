"""Trends: revenue and orders over time, moving averages, unusual days and a forecast."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from .. import charts, engine
from ..dashboard import NO_SALES, Dashboard, Page, Panel
from ..engine import Scope
from ..forecast import NoForecast, forecast
from ..periods import (
    Period,
    fiscal_year_label,
    fiscal_year_start,
    month_end,
    month_start,
    partial_buckets,
    partial_note,
    quarter_start,
)
from ..tables import Column, Table

GRAINS = {"day": "Day", "week": "Week", "month": "Month", "quarter": "Quarter", "fy": "Fiscal year"}
Z_LIMIT = 3
WINDOW = 30


def _bucket(day: date, grain: str, fiscal_start: int) -> tuple[date, str]:
    if grain == "day":
        return day, f"{day:%-d %b %Y}"
    if grain == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, f"w/c {monday:%-d %b %Y}"
    if grain == "month":
        return month_start(day), f"{day:%b %Y}"
    if grain == "quarter":
        start = quarter_start(day, fiscal_start)
        number = ((start.month - fiscal_start) % 12) // 3 + 1
        return start, f"Q{number} {fiscal_year_label(day, fiscal_start)}"
    return fiscal_year_start(day, fiscal_start), fiscal_year_label(day, fiscal_start)


def daily_series(scope: Scope) -> list[tuple[date, Decimal, int]]:
    """(day, revenue, orders) for every day of the period that lies within the data, zeros included."""
    span = scope.span or engine.data_span(scope.from_lines)
    if span is None:
        return []
    start, end = max(scope.period.start, span[0]), min(scope.period.end, span[1])
    found = {row["day"]: row for row in engine.sales(scope, ("day",), ("revenue", "orders"))}
    series, day = [], start
    while day <= end:
        row = found.get(day)
        series.append((day, row["revenue"] if row else Decimal(0), row["orders"] if row else 0))
        day += timedelta(days=1)
    return series


def moving_average(values: list[Decimal], window: int) -> list[Decimal | None]:
    averages, total = [], Decimal(0)
    for index, value in enumerate(values):
        total += value
        if index >= window:
            total -= values[index - window]
        averages.append((total / window).quantize(Decimal("0.01")) if index >= window - 1 else None)
    return averages


def linear_trend(values: list[Decimal]) -> list[Decimal]:
    n = len(values)
    if n < 2:
        return list(values)
    xs = range(n)
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (float(v) - float(mean_y)) for x, v in zip(xs, values, strict=True)) / sxx
    return [Decimal(str(round(float(mean_y) + slope * (x - mean_x), 2))) for x in xs]


def _mean_and_spread(window: list[float]) -> tuple[float, float]:
    """The mean and population standard deviation, in floats: statistics.pstdev works in exact fractions, which
    over two years of days took most of the page's time, for a z-score rounded to one place."""
    mean = math.fsum(window) / len(window)
    return mean, math.sqrt(math.fsum((value - mean) ** 2 for value in window) / len(window))


def anomalies(series: list[tuple[date, Decimal, int]]) -> list[tuple[date, Decimal, float, Decimal]]:
    """Days whose revenue is more than 3 standard deviations from the 30 days before: (day, revenue, z, mean)."""
    flagged = []
    values = [float(revenue) for _, revenue, _ in series]
    for index in range(14, len(series)):
        mean, spread = _mean_and_spread(values[max(0, index - WINDOW) : index])
        if spread == 0:
            continue
        z = (values[index] - mean) / spread
        if abs(z) >= Z_LIMIT:
            flagged.append((series[index][0], series[index][1], round(z, 1), Decimal(str(round(mean, 2)))))
    return flagged


def build(d: Dashboard) -> Page:
    page = Page("trends", "Trends")
    scope = d.scope
    if scope is None:
        page.empty = NO_SALES
        return page
    currency, fiscal = d.currency, d.fiscal_start
    grain = d.query.get("grain", "month")
    grain = grain if grain in GRAINS else "month"
    page.controls = {"grains": GRAINS, "grain": grain}

    series = daily_series(scope)
    buckets: dict[date, list] = {}
    for day, revenue, orders in series:
        key, name = _bucket(day, grain, fiscal)
        bucket = buckets.setdefault(key, [name, Decimal(0), 0])
        bucket[1] += revenue
        bucket[2] += orders
    starts = sorted(buckets)
    rows = [buckets[key] for key in starts]
    # The first and last buckets may hold only some of their days (the period or the data starts or ends inside
    # them): marked, with the pace projected to their end, so a young month does not read as a fall.
    partial = partial_buckets(starts, grain, Period(series[0][0], series[-1][0]) if series else None)
    paces = {i: part.pace(rows[i][1]) for i, part in partial.items()}
    columns = [
        Column("period", GRAINS[grain]),
        Column("revenue", "Revenue", "money"),
        Column("orders", "Orders", "number"),
    ]
    if partial:
        columns.append(Column("pace", "Revenue projected at this pace", "money"))
    today = timezone.localtime(timezone=d.zone).date()
    table = Table(
        f"Revenue and orders by {GRAINS[grain].lower()}",
        columns,
        [list(row) + ([paces.get(i)] if partial else []) for i, row in enumerate(rows)],
        note=partial_note([r[0] for r in rows], partial, today),
    )
    figure = charts.lines(
        [r[0] for r in rows], {"Revenue": [r[1] for r in rows]}, currency=currency, kinds={"Revenue": "bar"}
    )
    figure["data"].append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Orders",
            "x": [r[0] for r in rows],
            "y": [r[2] for r in rows],
            "yaxis": "y2",
            "line": {"color": charts.PALETTE[1]},
            "hovertemplate": "Orders: %{y:,}<extra>%{x}</extra>",
        }
    )
    figure["layout"]["yaxis2"] = {"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero"}
    charts.mark_partial(figure, {i: (part.label(today), paces[i]) for i, part in partial.items()}, currency=currency)
    page.panels.append(
        Panel(
            "by_period",
            f"Revenue and orders by {GRAINS[grain].lower()}",
            table,
            figure,
            note=table.note,
            wide=True,
            empty="No sales in this period.",
        )
    )

    revenues = [revenue for _, revenue, _ in series]
    averages = {window: moving_average(revenues, window) for window in (7, 14, 30)}
    trend = linear_trend(revenues)
    days = [day for day, _, _ in series]
    table = Table(
        "Daily revenue with moving averages",
        [
            Column("day", "Day", "date"),
            Column("revenue", "Revenue", "money"),
            Column("ma7", "7-day average", "money"),
            Column("ma14", "14-day average", "money"),
            Column("ma30", "30-day average", "money"),
            Column("trend", "Linear trend", "money"),
        ],
        [
            [day, revenue, averages[7][i], averages[14][i], averages[30][i], trend[i]]
            for i, (day, revenue) in enumerate(zip(days, revenues, strict=True))
        ],
    )
    figure = charts.lines(
        days,
        {
            "Daily revenue": revenues,
            "7-day average": averages[7],
            "14-day average": averages[14],
            "30-day average": averages[30],
            "Linear trend": trend,
        },
        currency=currency,
        dashes={"Linear trend": "dash"},
    )
    figure["data"][0]["line"].update(width=1, color="#b8c4d6")
    flagged = anomalies(series)
    if flagged:
        figure["data"].append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Unusual day",
                "x": [str(f[0]) for f in flagged],
                "y": [float(f[1]) for f in flagged],
                "marker": {"color": "#c0392b", "size": 10, "symbol": "x"},
                "hovertemplate": "Unusual day %{x}<extra></extra>",
            }
        )
    page.panels.append(
        Panel(
            "moving_averages",
            "Daily revenue, moving averages and trend",
            table,
            figure,
            wide=True,
            empty="No days with sales in this period.",
        )
    )

    table = Table(
        "Unusual days",
        [
            Column("day", "Day", "date"),
            Column("revenue", "Revenue", "money"),
            Column("usual", "Average of the 30 days before", "money"),
            Column("z", "z-score", "number"),
        ],
        [[day, revenue, mean, Decimal(str(z))] for day, revenue, z, mean in flagged],
        note=f"Days more than {Z_LIMIT} standard deviations from the {WINDOW} days before them.",
    )
    page.panels.append(
        Panel(
            "anomalies",
            "Unusual days",
            table,
            None,
            note=table.note,
            empty="No unusual days: every day is within 3 standard deviations of the month before.",
        )
    )

    _heatmap_and_forecast(page, d, scope)
    return page


def _heatmap_and_forecast(page: Page, d: Dashboard, scope: Scope) -> None:
    span = scope.span or engine.data_span(scope.from_lines)
    if span is None:  # no line left (every upload deleted): nothing to draw or forecast from
        for key, title in (("heatmap", "Month × year"), ("forecast", "Forecast")):
            page.panels.append(Panel(key, title, Table(title, [Column("month", "Month")], []), None, empty=NO_SALES))
        return
    history_end = min(scope.period.end, span[1])
    months = {}
    if history_end >= span[0]:  # a period that ends before the first sale has no history
        history_scope = scope.shifted(Period(span[0], history_end))
        months = {row["month"]: row["revenue"] for row in engine.sales(history_scope, ("month",), ("revenue",))}
    fiscal = d.fiscal_start
    order = [(fiscal - 1 + i) % 12 + 1 for i in range(12)]
    names = [date(2000, m, 1).strftime("%b") for m in order]
    years = sorted({fiscal_year_start(m, fiscal) for m in months})
    z = [[months.get(date(y.year + (1 if m < fiscal else 0), m, 1)) for m in order] for y in years]
    labels = [fiscal_year_label(y, fiscal) for y in years]
    table = Table(
        "Revenue by month and fiscal year",
        [Column("year", "Fiscal year")] + [Column(n.lower(), n, "money") for n in names],
        [[lab, *row] for lab, row in zip(labels, z, strict=False)],
    )
    figure = charts.heatmap(names, labels, z, currency=d.currency) if years else None
    page.panels.append(Panel("heatmap", "Month × year", table, figure, empty="No sales yet."))

    last_day = min(scope.period.end, span[1])
    complete_end = last_day if last_day == month_end(last_day) else month_start(last_day) - timedelta(days=1)
    history, current = [], month_start(span[0])
    while current <= complete_end:
        history.append((current, months.get(current, Decimal(0))))
        current = month_end(current) + timedelta(days=1)
    if history and history[0][0] < span[0]:
        history = history[1:]  # the first month is partial when sales began mid-month
    result = forecast(history)
    if isinstance(result, NoForecast):
        page.panels.append(
            Panel("forecast", "Forecast", Table("Forecast", [Column("month", "Month")], []), None, empty=result.reason)
        )
        return
    table = Table(
        "Forecast",
        [
            Column("month", "Month"),
            Column("forecast", "Forecast", "money"),
            Column("low", "Low (80%)", "money"),
            Column("high", "High (80%)", "money"),
        ],
        [
            [f"{m:%b %Y}", v, lo, hi]
            for m, v, lo, hi in zip(result.months, result.values, result.low, result.high, strict=False)
        ],
        note=result.method,
    )
    recent = history[-24:]
    # Real dates on a time axis: the months sort by time whichever trace comes first (the band is drawn first).
    x = [m for m, _ in recent] + list(result.months)
    figure = charts.lines(
        x,
        {
            "Revenue": [v for _, v in recent] + [None] * len(result.months),
            "Forecast": [None] * (len(recent) - 1) + [recent[-1][1]] + list(result.values),
        },
        currency=d.currency,
        dashes={"Forecast": "dash"},
        time_axis=True,
    )
    figure["data"][:0] = charts.band(result.months, result.low, result.high, name="80% interval")
    page.panels.append(Panel("forecast", "Forecast", table, figure, note=result.method, wide=True))
