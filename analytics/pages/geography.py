"""Geography: where sales go, how GST splits between intra-state and inter-state supply, and GSTR-1's HSN summary."""

from __future__ import annotations

from decimal import Decimal

from elettro.kernel.india import GST_STATES
from elettro.kernel.money import format_money_compact

from .. import charts, engine, maps
from ..dashboard import NO_SALES, Dashboard, Page, Panel, ratio
from ..engine import scope_split
from ..gst import HsnSummary, hsn_summary, hsn_table
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
    page.panels.append(_places_panel(d, place, rows))
    if place == "country":
        # Sales abroad as well: the world map leads, and India's states get their own map below it.
        states = sorted(engine.sales(scope, ("state",)), key=lambda row: -row["revenue"])
        page.panels.append(_places_panel(d, "state", states, key="states"))

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
    page.panels.append(_hsn_panel(scope))
    return page


HSN_WHOLE_MONTHS = (
    "GSTR-1's HSN summary is for whole months of the whole company: choose whole months (this month, last month, "
    "a quarter or a fiscal year) and clear the filters to see it here. The GST summary report and the API give it "
    "for any dates and filters."
)


def _hsn_panel(scope) -> Panel:
    """GSTR-1's HSN summary, on the page for whole months of the whole company: what a return covers, and what the
    monthly HSN rollup answers at once (a month the period cuts after its last sale counts as whole, so "this
    month" and the latest 12 months show it). Other selections read the lines (a second or more at 1,000,000
    lines), so the page points to the report and the API for them instead of making every such page slow."""
    split = scope_split(scope)
    if split is not None and (split.edges or scope.filters.columns()):
        return Panel("hsn", "HSN summary", hsn_table(HsnSummary([])), None, wide=True, empty=HSN_WHOLE_MONTHS)
    hsn = hsn_table(hsn_summary(scope))
    return Panel("hsn", "HSN summary", hsn, None, note=hsn.note, wide=True, empty="No sales in this period.")


def _places_panel(d: Dashboard, place: str, rows: list[dict], *, key: str = "places") -> Panel:
    """Revenue by state (or country) as a map coloured by revenue, with the table it draws."""
    currency = d.currency
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
    drawn = maps.choropleth(
        maps.world_geometry() if place == "country" else maps.india_geometry(),
        {row[place]: row["revenue"] for row in rows},
        resolve=maps.world_region if place == "country" else maps.india_region,
        currency=currency,
        title=title,
        link=maps.filter_link(d.query, place),
    )
    note = ""
    if drawn.unmapped:
        places = sorted(drawn.unmapped.items(), key=lambda item: -item[1])
        named = ", ".join(f"{label(name)} {format_money_compact(amount, currency)}" for name, amount in places[:5])
        more = f" and {len(places) - 5} more" if len(places) > 5 else ""
        note = f"Not on the map: {named}{more} (in the table)."
    if place == "country":
        note = " ".join(filter(None, [note, "Country borders are drawn as Natural Earth shows them."]))
    return Panel(key, title, table, None, note=note, wide=True, svg=drawn.svg, empty="No sales in this period.")
