"""Geography: where sales go, and how GST splits between intra-state and inter-state supply."""

from __future__ import annotations

from decimal import Decimal

from elettro.kernel.india import GST_STATES

from .. import charts, engine
from ..dashboard import NO_SALES, Dashboard, Page, Panel, ratio
from ..tables import Column, Table
from .common import label, place_dimension


def build(d: Dashboard) -> Page:
    page = Page("geography", "Geography")
    scope = d.scope
    if scope is None:
        page.empty = NO_SALES
        return page
    currency = d.currency
    place = place_dimension(scope)
    rows = sorted(engine.sales(scope, (place,)), key=lambda row: -row["revenue"])
    total = sum((row["revenue"] for row in rows), Decimal(0))
    title = "Revenue by country" if place == "country" else "Revenue by state"
    table = Table(
        title,
        [
            Column(place, place.title()),
            Column("revenue", "Revenue", "money"),
            Column("orders", "Orders", "number"),
            Column("share", "Share", "percent"),
        ],
        [[label(row[place]), row["revenue"], row["orders"], ratio(row["revenue"], total)] for row in rows],
    )
    figure = charts.bar(
        [label(r[place]) for r in rows[:30]], [r["revenue"] for r in rows[:30]], currency=currency, horizontal=True
    )
    figure["layout"]["height"] = max(320, 22 * min(len(rows), 30) + 60)
    page.panels.append(Panel("places", title, table, figure, wide=True, empty="No sales in this period."))

    home = d.company.home_state
    supply = {"Intra-state": [Decimal(0)] * 4, "Inter-state": [Decimal(0)] * 4, "Place not known": [Decimal(0)] * 4}
    for row in engine.sales(scope, ("state_code",)):
        code = row["state_code"]
        kind = "Place not known" if not code else "Intra-state" if code == home else "Inter-state"
        for index, key in enumerate(("revenue", "cgst", "sgst", "igst")):
            supply[kind][index] += row[key]
    kept = {kind: values for kind, values in supply.items() if any(values)}
    home_name = GST_STATES.get(home, "")
    table = Table(
        "Intra-state and inter-state supply",
        [
            Column("supply", "Supply"),
            Column("taxable", "Taxable value", "money"),
            Column("cgst", "CGST", "money"),
            Column("sgst", "SGST", "money"),
            Column("igst", "IGST", "money"),
            Column("gst", "Total GST", "money"),
        ],
        [[kind, *values, values[1] + values[2] + values[3]] for kind, values in kept.items()],
        note=f"Intra-state means the place of supply is {home_name or 'your home state'} (set in Settings)."
        if home
        else "Set your home state in Settings to split intra-state from inter-state supply.",
    )
    figure = charts.donut(list(kept), [values[0] for values in kept.values()], currency=currency) if kept else None
    page.panels.append(
        Panel("supply", "Intra-state and inter-state", table, figure, note=table.note, empty="No sales in this period.")
    )

    totals = engine.sales_total(scope)
    gst = [
        (name, totals.get(key) or Decimal(0)) for name, key in (("CGST", "cgst"), ("SGST", "sgst"), ("IGST", "igst"))
    ]
    table = Table(
        "GST totals",
        [Column("tax", "Tax"), Column("amount", "Amount", "money")],
        [[name, amount] for name, amount in gst] + [["Total GST", sum((a for _, a in gst), Decimal(0))]]
        if any(amount for _, amount in gst)
        else [],
    )
    figure = charts.bar(
        [name for name, _ in gst], [amount for _, amount in gst], currency=currency, color=charts.PALETTE[2]
    )
    page.panels.append(
        Panel(
            "gst",
            "CGST, SGST and IGST",
            table,
            figure,
            empty="No GST on these sales: the file had no tax columns, or sales are outside India.",
        )
    )
    return page
