"""Operations: purchase, production, packing and shipment from the ERP uploads. A summary by department first
(records, amounts, pending / in progress / completed, late), then the Operations dashboard's panels, built by
the same page code."""

from __future__ import annotations

from analytics.reading import Column, Dashboard, Table, operations_summary, page

from .base import Report, Section


def _summary(d: Dashboard) -> Table:
    summary = operations_summary(d.selection.period, branch=d.selection.filters.branch)
    rows = []
    for section in summary.sections:
        if not section.uploaded:
            continue
        buckets = section.statuses
        late = section.late.late_share if section.late is not None else None
        rows.append(
            [section.label, section.records, section.quantity, section.amount, buckets.pending,
             buckets.in_progress, buckets.completed, late]
        )  # fmt: skip
    return Table(
        "By department",
        [
            Column("department", "Department"),
            Column("records", "Records", "number"),
            Column("quantity", "Quantity", "number"),
            Column("amount", "Amount", "money"),
            Column("pending", "Pending", "number"),
            Column("in_progress", "In progress", "number"),
            Column("completed", "Completed", "number"),
            Column("late", "Late", "percent"),
        ],
        rows,
    )


def build(d: Dashboard) -> Report:
    report = Report("operations", "Operations", d)
    built = page("operations", d)
    if built.empty:
        report.empty = built.empty
        return report
    report.cards = built.cards
    report.notes.extend(built.notes)
    report.add(Section("departments", "By department", _summary(d), empty="No ERP rows in this period."))
    report.add(*(Section.from_panel(panel) for panel in built.panels))
    return report
