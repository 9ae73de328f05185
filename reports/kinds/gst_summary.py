"""GST summary: taxable value and CGST/SGST/IGST by month and by place of supply, the intra-state and
inter-state split (the Geography dashboard's panels), a GSTR-1-style split between registered buyers
(B2B, with GSTIN) and unregistered ones (B2C), and GSTR-1's HSN-wise summary (Table 12)."""

from __future__ import annotations

from decimal import Decimal

from analytics.reading import (
    NO_SALES,
    Card,
    Column,
    Dashboard,
    Table,
    b2b_receivers,
    charts,
    hsn_summary,
    hsn_table,
    page,
    registration_split,
    sales,
)
from elettro.kernel.india import GST_STATES

from .base import Report, Section

ZERO = Decimal(0)
TAX_COLUMNS = [
    Column("taxable", "Taxable value", "money"),
    Column("cgst", "CGST", "money"),
    Column("sgst", "SGST", "money"),
    Column("igst", "IGST", "money"),
    Column("gst", "Total GST", "money"),
    Column("invoice_value", "Invoice value", "money"),
]


def _taxes(row: dict, taxable_key: str = "revenue") -> list:
    taxable = row[taxable_key] or ZERO
    tax = (row["cgst"] or ZERO) + (row["sgst"] or ZERO) + (row["igst"] or ZERO)
    return [taxable, row["cgst"] or ZERO, row["sgst"] or ZERO, row["igst"] or ZERO, tax, taxable + tax]


def place_of_supply(code: str, name: str) -> str:
    if not code:
        return name or "(not given)"
    return f"{code}-{GST_STATES.get(code, name) or name}"


def build(d: Dashboard) -> Report:
    report = Report("gst-summary", "GST summary", d)
    scope = d.scope
    if scope is None:
        report.empty = NO_SALES
        return report
    currency = d.currency

    months = sorted(sales(scope, ("month",)), key=lambda row: row["month"])
    by_month = Table(
        "GST by month",
        [Column("month", "Month"), *TAX_COLUMNS],
        [[f"{row['month']:%b %Y}", *_taxes(row)] for row in months],
    )
    totals = ["Total", *[sum((row[i] for row in by_month.rows), ZERO) for i in range(1, 7)]]
    figure = charts.lines(
        [f"{row['month']:%b %Y}" for row in months],
        {
            "CGST": [row["cgst"] for row in months],
            "SGST": [row["sgst"] for row in months],
            "IGST": [row["igst"] for row in months],
        },
        currency=currency,
        kinds={"CGST": "bar", "SGST": "bar", "IGST": "bar"},
    )
    report.cards = [
        Card("taxable", "Taxable value", totals[1]),
        Card("cgst", "CGST", totals[2]),
        Card("sgst", "SGST", totals[3]),
        Card("igst", "IGST", totals[4]),
        Card("gst", "Total GST", totals[5]),
    ]
    if not months:
        report.notes.append("No sales in this period with these filters, so no GST to show.")
    report.add(
        Section("by_month", "GST by month", by_month, figure if months else None, empty="No sales.", footer=totals)
    )

    states = sorted(sales(scope, ("state_code", "state")), key=lambda row: -row["revenue"])
    merged: dict[str, list] = {}
    for row in states:
        key = place_of_supply(row["state_code"], row["state"])
        values = _taxes(row)
        merged[key] = [a + b for a, b in zip(merged[key], values, strict=True)] if key in merged else values
    by_state = Table(
        "GST by place of supply",
        [Column("place", "Place of supply"), *TAX_COLUMNS],
        sorted(([place, *values] for place, values in merged.items()), key=lambda row: -row[1]),
    )
    report.add(Section("by_state", "GST by place of supply", by_state, empty="No sales."))

    geography = page("geography", d)
    # The Geography page's maps (world and India, or India alone), each with the table it draws.
    report.add(Section.from_panel(geography.panel("places")), Section.from_panel(geography.panel("states")))
    report.add(Section.from_panel(geography.panel("supply")))

    split = {row["registered"]: row for row in registration_split(scope)}
    b2b = Table(
        "B2B and B2C (GSTR-1)",
        [Column("kind", "Supplies"), Column("invoices", "Invoices", "number"), *TAX_COLUMNS],
        [
            [name, split[flag]["invoices"], *_taxes(split[flag], "taxable")]
            for flag, name in ((True, "B2B: buyers with a GSTIN"), (False, "B2C: buyers without a GSTIN"))
            if flag in split
        ],
    )
    report.add(Section("b2b_b2c", "B2B and B2C (GSTR-1)", b2b, empty="No sales."))

    receivers = b2b_receivers(scope)
    table = Table(
        "B2B by buyer GSTIN",
        [Column("gstin", "GSTIN"), Column("name", "Buyer"), Column("invoices", "Invoices", "number"), *TAX_COLUMNS],
        [[row["gstin"], row["name"], row["invoices"], *_taxes(row, "taxable")] for row in receivers],
    )
    report.add(
        Section("b2b_receivers", "B2B by buyer GSTIN", table, empty="No sales to buyers with a GSTIN in this period.")
    )
    # GSTR-1 Table 12, as the Geography page shows it.
    # Worked out here for any dates and filters: the page shows it only for whole months of the whole company.
    hsn = hsn_table(hsn_summary(d.scope))
    report.add(Section("hsn", hsn.title, hsn, note=hsn.note, empty="No sales in this period."))
    return report
