"""What a department's page shows above its records: the cards, the status breakdown and the late items, all
from analytics.operations so they match the Operations page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import charts
from ..dashboard import Card, Dashboard
from ..operations import CANCELLED, COMPLETED, IN_PROGRESS, LATE_ROWS, OTHER, PENDING, Section, department_section
from ..tables import Column, Table
from . import Department

BUCKET_LABELS = {
    PENDING: "Pending",
    IN_PROGRESS: "In progress",
    COMPLETED: "Completed",
    CANCELLED: "Cancelled",
    OTHER: "Other",
}


@dataclass(frozen=True)
class DepartmentSummary:
    department: Department
    section: Section
    cards: list[Card]
    statuses: Table
    status_figure: dict | None
    late: Table | None  # None where the sheet has no promised dates (production, packing)
    late_note: str = ""


def department_summary(department: Department, d: Dashboard, *, today: date | None = None) -> DepartmentSummary:
    """The figures for the dashboard's period, branch and product line, as the Operations page reads them."""
    filters = d.selection.filters
    section = department_section(
        department.spec, d.selection.period, branch=filters.branch, product_line=filters.product_line, today=today
    )
    statuses = status_table(department, section)
    buckets = [(label, getattr(section.statuses, bucket)) for bucket, label in BUCKET_LABELS.items()]
    buckets = [(label, count) for label, count in buckets if count]
    figure = charts.donut([b[0] for b in buckets], [b[1] for b in buckets], currency=None) if buckets else None
    late, note = late_table(department, section)
    return DepartmentSummary(department, section, cards(department, section), statuses, figure, late, note)


def cards(department: Department, section: Section) -> list[Card]:
    money = section.amount is not None
    result = [
        Card("records", "Records", section.records, "number"),
        Card("quantity", "Quantity", section.quantity, "number"),
    ]
    if money:
        result.append(Card("amount", "Amount", section.amount, "money"))
    buckets = section.statuses
    result += [
        Card("pending", "Pending", buckets.pending, "number"),
        Card("in_progress", "In progress", buckets.in_progress, "number"),
        Card("completed", "Completed", buckets.completed, "number"),
    ]
    if buckets.cancelled:
        result.append(Card("cancelled", "Cancelled", buckets.cancelled, "number"))
    if buckets.other:
        result.append(Card("other", "Other status", buckets.other, "number", note=", ".join(buckets.other_statuses)))
    if section.late is not None:
        late = section.late
        what = "orders" if money else "shipments"
        note = f"of {late.judged:,} {what} that could be judged" + (
            f" ({late.late_share * 100:.1f}%)" if late.late_share is not None else ""
        )
        result.append(Card("late", "Late", late.late, "number", note=note))
        if money:
            result.append(Card("late_amount", "Late amount", late.amount, "money", note="the late lines' amount"))
    if section.rejection_rate is not None:
        result.append(Card("rejection_rate", "Rejection rate", section.rejection_rate, "percent",
                           note=f"{section.rejected_quantity:,} rejected"))  # fmt: skip
    return result


def status_table(department: Department, section: Section) -> Table:
    money = section.amount is not None
    columns = [
        Column("status", "Status"),
        Column("bucket", "Counts as"),
        Column("records", "Records", "number"),
        Column("quantity", "Quantity", "number"),
    ]
    if money:
        columns.append(Column("amount", "Amount", "money"))
    rows = [
        [s.status or "(none)", BUCKET_LABELS[s.bucket], s.records, s.quantity] + ([s.amount] if money else [])
        for s in section.by_status
    ]
    return Table(f"{department.label} by status", columns, rows)


def late_table(department: Department, section: Section) -> tuple[Table | None, str]:
    late = section.late
    if late is None:
        return None, ""
    money = section.amount is not None
    columns = [
        Column("number", department.number_label),
        Column("party", department.party_label or "Party"),
        Column("status", "Status"),
        Column("expected", "Promised", "date"),
        Column("actual", "Arrived", "date"),
        Column("days", "Days late", "number"),
    ]
    if money:
        columns += [Column("lines", "Late lines", "number"), Column("amount", "Late amount", "money")]
    rows = [
        [r.number, r.party, r.status, r.expected, r.actual, r.days_late] + ([r.lines, r.amount] if money else [])
        for r in late.latest
    ]
    note = ""
    if late.late > len(late.latest):
        note = f"{late.late:,} late; the {LATE_ROWS} with the latest promised dates are shown."
    return Table(f"{department.label}: late", columns, rows), note
