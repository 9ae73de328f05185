"""Plotly figures as plain dicts: plotly.js draws them on the page and kaleido in the PDF reports.

Built as dicts rather than `plotly.graph_objects`, which validates every property and costs 6-8 ms a figure;
a test checks each page's figures against Plotly's schema instead. Money axes get their ticks from
`elettro.kernel.money.axis_ticks`, because Plotly cannot group digits in lakh and crore.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection

from elettro.kernel.money import axis_ticks, format_money, format_number

PALETTE = ["#1f5fbf", "#e07b24", "#2a9d8f", "#c0392b", "#7d5ba6", "#8c6d31", "#d35d9e", "#5b6770", "#98a62e", "#17a2b8"]
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12}


def _layout(**extra) -> dict:
    layout = {
        "margin": {"l": 70, "r": 20, "t": 10, "b": 50},
        "font": FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hoverlabel": {"font": FONT},
        "legend": {"orientation": "h", "y": -0.2},
        "colorway": PALETTE,
    }
    layout.update(extra)
    return layout


def money_axis(values: Sequence, currency: str, **extra) -> dict:
    numbers = [Decimal(v) for v in values if v is not None] or [Decimal(0)]
    ticks, labels = axis_ticks(max(numbers), currency, min_value=min(numbers))
    return {"tickvals": ticks, "ticktext": labels, "gridcolor": "#e5e8ec", "zerolinecolor": "#c5cad1", **extra}


def _floats(values: Sequence) -> list:
    return [None if v is None else float(v) for v in values]


def _count_currency() -> str:
    """Counts are grouped as the company's money is: lakh for rupee companies, thousands for the others."""
    return getattr(connection.tenant, "currency", "INR")


def _money_hover(values: Sequence, currency: str) -> list[str]:
    return [format_money(v, currency) for v in values]


def bar(
    labels: Sequence,
    values: Sequence,
    *,
    currency: str | None,
    horizontal: bool = False,
    name: str = "",
    color: str | None = None,
) -> dict:
    """One series of bars; money when `currency` is given, else counts. Horizontal bars rank, biggest on top."""
    text = _money_hover(values, currency) if currency else [format_number(v, _count_currency()) for v in values]
    trace = {
        "type": "bar",
        "name": name,
        "customdata": text,
        "marker": {"color": color or PALETTE[0]},
    }
    axis = money_axis(values, currency) if currency else {"gridcolor": "#e5e8ec"}
    if horizontal:
        trace.update(
            x=_floats(values), y=list(labels), orientation="h", hovertemplate="%{y}: %{customdata}<extra></extra>"
        )
        layout = _layout(xaxis=axis, yaxis={"autorange": "reversed", "automargin": True})
        layout["margin"] = {**layout["margin"], "l": 10}
    else:
        trace.update(x=list(labels), y=_floats(values), hovertemplate="%{x}: %{customdata}<extra></extra>")
        layout = _layout(yaxis=axis, xaxis={"automargin": True})
    return {"data": [trace], "layout": layout}


def lines(
    x: Sequence,
    series: dict[str, Sequence],
    *,
    currency: str | None,
    kinds: dict[str, str] | None = None,
    dashes: dict[str, str] | None = None,
    time_axis: bool = False,
) -> dict:
    """Several series over the same x (dates or labels). `kinds` may make a series 'bar' or 'markers'.
    `time_axis`: x are dates, placed by time (months shown as "Apr 2026"), not as categories in order of appearance."""
    traces = []
    all_values = []
    for index, (name, values) in enumerate(series.items()):
        kind = (kinds or {}).get(name, "lines")
        text = _money_hover(values, currency) if currency else [format_number(v, _count_currency()) for v in values]
        trace = {
            "name": name,
            "x": [str(v) for v in x],
            "y": _floats(values),
            "customdata": text,
            "hovertemplate": f"{name}: %{{customdata}}<extra>%{{x}}</extra>",
        }
        color = PALETTE[index % len(PALETTE)]
        if kind == "bar":
            trace.update(type="bar", marker={"color": color})
        elif kind == "markers":
            trace.update(type="scatter", mode="markers", marker={"color": "#c0392b", "size": 9, "symbol": "x"})
        else:
            trace.update(
                type="scatter",
                mode="lines",
                line={"color": color, "width": 2, "dash": (dashes or {}).get(name, "solid")},
            )
        traces.append(trace)
        all_values.extend(v for v in values if v is not None)
    axis = money_axis(all_values, currency) if currency else {"gridcolor": "#e5e8ec"}
    layout = _layout(yaxis=axis, barmode="group")
    if time_axis:
        layout["xaxis"] = {"type": "date", "tickformat": "%b %Y", "hoverformat": "%b %Y"}
    return {"data": traces, "layout": layout}


def mark_partial(
    figure: dict, partial: dict[int, tuple[str, Decimal]], *, currency: str | None, trace: int = 0
) -> dict:
    """Mark the bars of `trace` that cover only part of their period, so a month four days old does not read as a
    collapse: hatched and lighter, labelled with the days they cover, with a hollow bar around each up to the figure
    projected to the period's end at the same pace.

    `partial` maps a bar's index to (the days it covers, e.g. "1–4 Dec, partial"; the projected figure, a Decimal).
    """
    if not partial:
        return figure
    bars = figure["data"][trace]
    count, color = len(bars["x"]), bars.get("marker", {}).get("color", PALETTE[0])
    group = bars.setdefault("offsetgroup", f"partial-{trace}")
    bars["marker"] = {
        **bars.get("marker", {}),
        "pattern": {"shape": ["/" if i in partial else "" for i in range(count)], "solidity": 0.25},
        "opacity": [0.6 if i in partial else 1 for i in range(count)],
    }
    show = (lambda v: format_money(v, currency)) if currency else (lambda v: format_number(v, _count_currency()))
    bars["customdata"] = [
        f"{text} ({partial[i][0]}; {show(partial[i][1])} projected at this pace)" if i in partial else text
        for i, text in enumerate(bars.get("customdata") or [""] * count)
    ]
    indexes = sorted(partial)
    xs = [bars["x"][i] for i in indexes]
    projected = [partial[i][1] for i in indexes]
    # Hollow, in the same offset group: an outline around the real bar up to the projection. Appended, so the
    # figure's first trace stays the real figure.
    figure["data"].append(
        {
            "type": "bar",
            "name": "Projected at this pace",
            "x": xs,
            "y": _floats(projected),
            "offsetgroup": group,
            "marker": {"color": "rgba(0,0,0,0)", "line": {"color": color, "width": 1.5}},
            "customdata": [f"{partial[i][0]}: {show(partial[i][1])} projected at this pace" for i in indexes],
            "hovertemplate": "%{x}, %{customdata}<extra></extra>",
        },
    )
    figure["layout"].setdefault("annotations", []).extend(
        {
            "x": x,
            "y": float(value),
            "text": partial[i][0],
            "showarrow": False,
            "yanchor": "bottom",
            "font": {"size": 11, "color": "#5b6770"},
        }
        for i, x, value in zip(indexes, xs, projected, strict=True)
    )
    if currency:  # the axis reaches the projections too
        values = [v for t in figure["data"] if t.get("yaxis", "y") == "y" for v in t["y"] if v is not None]
        axis = figure["layout"].get("yaxis", {})
        figure["layout"]["yaxis"] = {**axis, **money_axis([Decimal(str(v)) for v in values], currency)}
    return figure


def band(x: Sequence, low: Sequence, high: Sequence, *, name: str) -> list[dict]:
    """A shaded interval between two series, as two traces to add to a figure."""
    xs = [str(v) for v in x]
    return [
        {
            "type": "scatter",
            "x": xs,
            "y": _floats(high),
            "mode": "lines",
            "line": {"width": 0},
            "showlegend": False,
            "hoverinfo": "skip",
            "name": name,
        },
        {
            "type": "scatter",
            "x": xs,
            "y": _floats(low),
            "mode": "lines",
            "line": {"width": 0},
            "fill": "tonexty",
            "fillcolor": "rgba(31,95,191,0.15)",
            "name": name,
            "hoverinfo": "skip",
        },
    ]


def stacked_bars(x: Sequence, series: dict[str, Sequence], *, currency: str | None, percent: bool = False) -> dict:
    figure = lines(x, series, currency=None if percent else currency, kinds=dict.fromkeys(series, "bar"))
    figure["layout"]["barmode"] = "stack"
    if percent:
        figure["layout"]["yaxis"] = {"tickformat": ".0%", "gridcolor": "#e5e8ec"}
        for trace in figure["data"]:
            trace["customdata"] = [f"{(v or 0) * 100:.1f}%" for v in trace["y"]]
    return figure


# Light to dark: darker means more. (plotly.js's own "Blues" runs dark to light.)
HEAT_SCALE = [[0.0, "#eef3fb"], [0.5, "#7fa6dc"], [1.0, "#103a7a"]]


def heatmap(x: Sequence, y: Sequence, z: list[list], *, currency: str) -> dict:
    """A grid coloured by value, darker for more, with a legend (colour bar) in the company's money format."""
    text = [[format_money(v, currency) if v is not None else "" for v in row] for row in z]
    values = [v for row in z for v in row if v is not None]
    scale = money_axis(values, currency)
    trace = {
        "type": "heatmap",
        "x": list(x),
        "y": [str(v) for v in y],
        "z": [_floats(row) for row in z],
        "customdata": text,
        "hovertemplate": "%{y} %{x}: %{customdata}<extra></extra>",
        "colorscale": HEAT_SCALE,
        "showscale": True,
        "colorbar": {
            "title": {"text": "Revenue"},
            "tickvals": scale["tickvals"],
            "ticktext": scale["ticktext"],
            "thickness": 12,
        },
    }
    if values:  # the colour bar's ends are the grid's own lowest and highest months
        trace.update(zmin=float(min(values)), zmax=float(max(values)))
    return {"data": [trace], "layout": _layout(yaxis={"type": "category", "autorange": "reversed"})}


def donut(labels: Sequence, values: Sequence, *, currency: str | None) -> dict:
    text = _money_hover(values, currency) if currency else [format_number(v, _count_currency()) for v in values]
    trace = {
        "type": "pie",
        "hole": 0.55,
        "labels": list(labels),
        "values": _floats(values),
        "customdata": text,
        "hovertemplate": "%{label}: %{customdata} (%{percent})<extra></extra>",
        "sort": False,
        "marker": {"colors": PALETTE},
    }
    return {"data": [trace], "layout": _layout(margin={"l": 10, "r": 10, "t": 10, "b": 10})}


def pareto(labels: Sequence, values: Sequence, cumulative_share: Sequence, *, currency: str) -> dict:
    figure = bar(labels, values, currency=currency)
    figure["data"][0]["x"] = list(range(1, len(labels) + 1))
    figure["data"][0]["text"] = list(labels)
    figure["data"][0]["hovertemplate"] = "%{text}: %{customdata}<extra></extra>"
    figure["data"].append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Cumulative share",
            "x": list(range(1, len(labels) + 1)),
            "y": [float(v) for v in cumulative_share],
            "yaxis": "y2",
            "line": {"color": PALETTE[1], "width": 2},
            "hovertemplate": "top %{x}: %{y:.1%}<extra></extra>",
        }
    )
    figure["layout"]["yaxis2"] = {"overlaying": "y", "side": "right", "tickformat": ".0%", "range": [0, 1.02]}
    figure["layout"]["xaxis"] = {"title": {"text": "products, biggest first"}}
    return figure


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def figures_json(figures: list[dict]) -> str:
    """The page's figures as JSON safe inside a <script> element (as Django's json_script escapes it)."""
    text = json.dumps(figures, default=_plain, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def waterfall(
    start: tuple[str, Decimal | int], parts: Sequence[tuple[str, Decimal | int]], end: tuple[str, Decimal | int],
    *, currency: str | None,
) -> dict:  # fmt: skip
    """From one period's figure to the other's through the parts of the change: rises green, falls red."""
    labels = [start[0], *(label for label, _ in parts), end[0]]
    values = [start[1], *(change for _, change in parts), end[1]]
    measures = ["absolute", *(["relative"] * len(parts)), "total"]
    if currency:
        text = [format_money(start[1], currency), *(_signed_money(c, currency) for _, c in parts),
                format_money(end[1], currency)]  # fmt: skip
    else:
        count = _count_currency()
        text = [format_number(v, count) for v in values]
    running, levels = Decimal(0), []
    for kind, value in zip(measures, values, strict=True):
        running = Decimal(value) if kind != "relative" else running + Decimal(value)
        levels.append(running)
    trace = {
        "type": "waterfall",
        "x": labels,
        "y": _floats(values),
        "measure": measures,
        "customdata": text,
        "hovertemplate": "%{x}: %{customdata}<extra></extra>",
        "increasing": {"marker": {"color": "#2a9d8f"}},
        "decreasing": {"marker": {"color": "#c0392b"}},
        "totals": {"marker": {"color": PALETTE[0]}},
        "connector": {"line": {"color": "#c5cad1"}},
    }
    axis = money_axis([*levels, 0], currency) if currency else {"gridcolor": "#e5e8ec"}
    return {"data": [trace], "layout": _layout(yaxis=axis, xaxis={"automargin": True}, showlegend=False)}


def _signed_money(value, currency: str) -> str:
    return ("+" if value > 0 else "−" if value < 0 else "") + format_money(abs(value), currency)
