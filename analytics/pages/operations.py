"""Operations: purchase, production, packing and shipment from the ERP sheets."""

from __future__ import annotations

from .. import charts
from ..dashboard import Card, Dashboard, Page, Panel
from ..operations import operations_summary
from ..tables import Column, Table

NO_ERP = (
    "No ERP sheets yet. Upload your purchase order, production, packing or shipment exports on the Uploads page "
    "and this page shows counts, amounts, status and late deliveries."
)


def build(d: Dashboard) -> Page:
    page = Page("operations", "Operations")
    filters = d.selection.filters
    summary = operations_summary(d.selection.period, branch=filters.branch, product_line=filters.product_line)
    if summary.is_empty:
        page.empty = NO_ERP
        return page
    if summary.not_uploaded:
        page.notes.append("Not uploaded yet: " + ", ".join(summary.not_uploaded) + ".")
    # Each department's own page (analytics.department_views): its records, searchable, and their downloads.
    page.controls["departments"] = {section.kind: section.label for section in summary.sections if section.uploaded}
    currency = d.currency
    for section in summary.sections:
        if not section.uploaded:
            continue
        page.cards.append(Card(f"{section.kind}_records", section.label, section.records, "number"))
        money = section.amount is not None
        if section.late is not None and section.late.late_share is not None:
            page.cards.append(
                Card(
                    f"{section.kind}_late",
                    f"{section.label}: late",
                    section.late.late_share,
                    "percent",
                    note=f"{section.late.late:,} of {section.late.judged:,} {'orders' if money else 'shipments'}",
                )
            )
        buckets = section.statuses
        status_rows = [
            ["Pending", buckets.pending],
            ["In progress", buckets.in_progress],
            ["Completed", buckets.completed],
            ["Cancelled", buckets.cancelled],
            ["Other", buckets.other],
        ]
        status_rows = [row for row in status_rows if row[1]]
        table = Table(
            f"{section.label} by month",
            [Column("month", "Month"), Column("records", "Records", "number"), Column("quantity", "Quantity", "number")]
            + ([Column("amount", "Amount", "money")] if money else []),
            [[f"{m.month:%b %Y}", m.records, m.quantity] + ([m.amount] if money else []) for m in section.by_month],
        )
        months = [row[0] for row in table.rows]
        figure = (
            charts.bar(months, [m.amount for m in section.by_month], currency=currency)
            if money
            else charts.bar(months, [m.records for m in section.by_month], currency=None)
        )
        page.panels.append(
            Panel(
                f"{section.kind}_months",
                table.title,
                table,
                figure,
                empty=f"No {section.label.lower()} in this period.",
            )
        )
        table = Table(
            f"{section.label} by status",
            [Column("status", "Status"), Column("records", "Records", "number")],
            status_rows,
            note="Other: " + ", ".join(buckets.other_statuses) if buckets.other_statuses else "",
        )
        figure = charts.donut([r[0] for r in status_rows], [r[1] for r in status_rows], currency=None)
        page.panels.append(
            Panel(
                f"{section.kind}_status",
                table.title,
                table,
                figure if status_rows else None,
                note=table.note,
                empty="No status in this period.",
            )
        )
        if section.late is not None:
            table = Table(
                f"{section.label}: late",
                [
                    Column("number", "Number"),
                    Column("party", "Party"),
                    Column("status", "Status"),
                    Column("expected", "Promised", "date"),
                    Column("actual", "Arrived", "date"),
                    Column("days", "Days late", "number"),
                ]
                + (
                    [Column("lines", "Late lines", "number"), Column("amount", "Late amount", "money")] if money else []
                ),
                [
                    [r.number, r.party, r.status, r.expected, r.actual, r.days_late]
                    + ([r.lines, r.amount] if money else [])
                    for r in section.late.latest
                ],
            )
            page.panels.append(
                Panel(f"{section.kind}_late", table.title, table, None, empty="Nothing late in this period.")
            )
        if section.by_department:
            table = Table(
                "Production by department",
                [
                    Column("department", "Department"),
                    Column("records", "Batches", "number"),
                    Column("quantity", "Quantity", "number"),
                    Column("rejected", "Rejected", "number"),
                    Column("rate", "Rejection rate", "percent"),
                ],
                [
                    [x.department or "(not given)", x.records, x.quantity, x.rejected_quantity, x.rejection_rate]
                    for x in section.by_department
                ],
            )
            page.panels.append(Panel("production_departments", table.title, table, None))
    return page
