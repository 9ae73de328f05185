"""Reads for the Operations page: purchase, production, packing and shipment figures from the ERP sheets.

Everything is read from the current company's schema (the caller has set the connection's schema) with a few
aggregate queries per department; the page gets frozen dataclasses, never ORM objects.

Statuses are free text typed by whoever keeps the ERP, so they are sorted into five buckets by the word lists in
STATUS_WORDS. Lateness is judged from dates, not from the status text, because a status like "Delayed" is
rarely kept up to date; the status only says whether a row without an arrival date is finished or cancelled.

A purchase sheet has a row per PO line, so lateness is counted and listed per order (its number), not per line:
an order is late when any of its lines is. A row without a number is an order of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import (
    CharField,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Model,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, Lower, NullIf, TruncMonth
from django.utils import timezone

from ingestion.models import PackingRecord, Product, ProductionBatch, PurchaseOrder, SalesLine, Shipment

from .periods import Period

ZERO = Decimal(0)
SHARE_PLACES = Decimal("0.0001")
LATE_ROWS = 20

PENDING, IN_PROGRESS, COMPLETED, CANCELLED, OTHER = "pending", "in_progress", "completed", "cancelled", "other"

# First matching rule wins, so the order matters: "Partially Received" must be in progress before "received"
# can call it completed, and "Not Delivered" must be pending before "delivered" matches. A phrase matches whole
# words of the status, case- and punctuation-insensitively ("Damaged - Replaced" -> "damaged replaced").
# The demo ERP writes: Pending / Partially Received / Received / Cancelled (purchase), Planned / In Progress /
# Completed (production), Packed / Repacked / Damaged - Replaced (packing), In Transit / Delivered / Delayed
# (shipments); each lands in a bucket below, none in "other".
_RULES = (
    (CANCELLED, "cancelled|canceled|cancel|rejected|void|voided|withdrawn"),
    (PENDING, "not started|not received|not delivered|not shipped|not dispatched|undelivered"),
    (
        IN_PROGRESS,
        "in progress|work in progress|wip|running|ongoing|started|processing|partially received|partly received|"
        "part received|partial|in transit|transit|dispatched|despatched|shipped|out for delivery|delayed",
    ),
    (COMPLETED, "completed|complete|closed|received|delivered|done|finished|fulfilled|packed|repacked|replaced"),
    (PENDING, "pending|open|ordered|planned|awaiting|new|scheduled|queued|draft|on hold"),
)
STATUS_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = tuple((bucket, tuple(w.split("|"))) for bucket, w in _RULES)


def classify_status(status: str) -> str:
    """The bucket of one free-text status: pending, in_progress, completed, cancelled or other."""
    words = " ".join(re.findall(r"[^\W_]+", (status or "").casefold()))
    padded = f" {words} "
    for bucket, phrases in STATUS_WORDS:
        if any(f" {phrase} " in padded for phrase in phrases):
            return bucket
    return OTHER


# ---------------------------------------------------------------- what the page gets


@dataclass(frozen=True)
class StatusBuckets:
    pending: int = 0
    in_progress: int = 0
    completed: int = 0
    cancelled: int = 0
    other: int = 0
    # The raw statuses that fell in "other", so the page can show what it did not understand.
    other_statuses: tuple[str, ...] = ()


@dataclass(frozen=True)
class MonthFigures:
    month: date  # first day of the month
    records: int
    quantity: Decimal
    amount: Decimal | None  # None for departments without money


@dataclass(frozen=True)
class StatusFigures:
    """One status as the sheet writes it, with the bucket it falls in."""

    status: str
    bucket: str
    records: int
    quantity: Decimal
    amount: Decimal | None  # None for departments without money


@dataclass(frozen=True)
class LateRow:
    """One late order or shipment, however many of its lines are late."""

    id: int  # its first late line
    number: str  # PO number or shipment id
    party: str  # vendor or customer
    status: str  # its late lines' statuses, joined when they differ
    expected: date  # the earliest promised date of its late lines
    actual: date | None  # the last arrival; None while a late line is not yet received / delivered
    days_late: int  # of its latest line
    lines: int = 1  # how many of its lines are late
    amount: Decimal | None = None  # those lines' amount (purchase only)


@dataclass(frozen=True)
class Lateness:
    """Orders (or shipments) with a line whose promised date passed before it arrived, or that is still out past it.

    `judged` is how many orders have a line that can be called on time or late: a promised date, not cancelled,
    and either arrived or past due. A line marked finished without an arrival date, or not yet due, is not judged.
    """

    late: int
    judged: int
    late_share: Decimal | None  # late / judged, 0..1 to four places; None when nothing could be judged
    latest: tuple[LateRow, ...]  # the LATE_ROWS late orders with the latest promised dates, latest first
    amount: Decimal | None = None  # the late lines' amount (purchase only)


@dataclass(frozen=True)
class DepartmentFigures:
    department: str  # as the sheet names it; '' when the sheet gives none
    records: int
    quantity: Decimal
    rejected_quantity: Decimal | None
    rejection_rate: Decimal | None


@dataclass(frozen=True)
class Section:
    kind: str  # purchase, production, packing, shipment (ingestion.models.Kind values)
    label: str
    uploaded: bool  # any row at all, whatever the period and branch: False means "upload this sheet"
    records: int
    quantity: Decimal
    amount: Decimal | None  # purchase only: sum of the PO lines' amounts
    statuses: StatusBuckets
    by_month: tuple[MonthFigures, ...]
    by_status: tuple[StatusFigures, ...] = ()  # most records first
    late: Lateness | None = None  # purchase and shipment only
    # Production only: rejected as a share of the quantity produced; None when the sheet has no rejected column.
    rejected_quantity: Decimal | None = None
    rejection_rate: Decimal | None = None
    by_department: tuple[DepartmentFigures, ...] = ()

    @property
    def is_empty(self) -> bool:
        """No row in this period and branch (see `uploaded` for whether the sheet was ever uploaded)."""
        return self.records == 0


@dataclass(frozen=True)
class OperationsSummary:
    purchase: Section
    production: Section
    packing: Section
    shipment: Section

    @property
    def sections(self) -> tuple[Section, ...]:
        return (self.purchase, self.production, self.packing, self.shipment)

    @property
    def is_empty(self) -> bool:
        """No ERP sheet was ever uploaded: the page asks for the purchase / production / packing / shipment
        sheets. A period or branch with no rows is not empty in this sense (see Section.is_empty)."""
        return not any(section.uploaded for section in self.sections)

    @property
    def not_uploaded(self) -> tuple[str, ...]:
        """Labels of the departments whose sheet was never uploaded."""
        return tuple(section.label for section in self.sections if not section.uploaded)


# ---------------------------------------------------------------- how each department's sheet is read


@dataclass(frozen=True)
class _Spec:
    kind: str
    label: str
    model: type[Model]
    date_field: str  # what the period filters on
    number_field: str
    party_field: str = ""
    amount_field: str = ""
    expected_field: str = ""  # with actual_field: lateness is judged
    actual_field: str = ""
    # How a row names its product (code, name), for the product-line filter through the product list; a shipment
    # names none, so it follows its invoice's sales lines instead.
    product_fields: tuple[str, str] = ("", "")
    invoice_field: str = ""


PURCHASE = _Spec("purchase", "Purchase", PurchaseOrder, "order_date", "po_number", party_field="vendor",
                 amount_field="amount", expected_field="delivery_date", actual_field="received_date",
                 product_fields=("item_code", "item"))  # fmt: skip
PRODUCTION = _Spec("production", "Production", ProductionBatch, "start_date", "production_id",
                   product_fields=("", "product"))  # fmt: skip
PACKING = _Spec("packing", "Packing", PackingRecord, "date", "packing_id", product_fields=("", "product"))
SHIPMENT = _Spec("shipment", "Shipment", Shipment, "shipment_date", "shipment_id", party_field="customer",
                 expected_field="expected_delivery", actual_field="delivered_date",
                 invoice_field="invoice")  # fmt: skip


def operations_summary(
    period: Period | None, *, branch: str = "", product_line: str = "", today: date | None = None
) -> OperationsSummary:
    """Each department's figures for rows whose main date is in `period` (all dates when None) and, when
    `branch` is given, whose branch matches it (case-insensitively); `product_line` keeps the rows whose product
    the product list puts in that line (a shipment: whose invoice has sales lines in it). `today` decides what is
    overdue."""
    today = today or timezone.localdate()
    return OperationsSummary(
        purchase=_section(PURCHASE, period, branch, product_line, today),
        production=_section(PRODUCTION, period, branch, product_line, today),
        packing=_section(PACKING, period, branch, product_line, today),
        shipment=_section(SHIPMENT, period, branch, product_line, today),
    )


def department_section(
    spec: _Spec, period: Period | None, *, branch: str = "", product_line: str = "", today: date | None = None
) -> Section:
    """One department's figures, as operations_summary gives them, for its own page."""
    return _section(spec, period, branch, product_line, today or timezone.localdate())


def filtered_rows(spec: _Spec, period: Period | None, *, branch: str = "", product_line: str = "") -> QuerySet:
    """A department's rows for the period, branch and product line, unordered (the summary's rows)."""
    return _rows(spec, period, branch, product_line)


def _rows(spec: _Spec, period: Period | None, branch: str, product_line: str) -> QuerySet:
    rows = spec.model.objects.all()
    if period is not None:
        rows = rows.filter(**{f"{spec.date_field}__range": (period.start, period.end)})
    if branch.strip():
        rows = rows.filter(branch__iexact=branch.strip())
    if product_line.strip():
        rows = _in_product_line(spec, rows, product_line.strip())
    return rows


def _in_product_line(spec: _Spec, rows: QuerySet, product_line: str) -> QuerySet:
    if spec.invoice_field:
        invoices = SalesLine.objects.filter(product_line__iexact=product_line).values("invoice_number")
        return rows.filter(**{f"{spec.invoice_field}__in": invoices})
    code, name = spec.product_fields
    if not name:
        return rows
    # The product list's key: the code, else the name, folded (as ingestion.masters keys it).
    key = Lower(Coalesce(NullIf(code, Value("")), name)) if code else Lower(name)
    keys = Product.objects.filter(product_line__iexact=product_line).values("key")
    return rows.annotate(product_key=key).filter(product_key__in=keys)


def _section(spec: _Spec, period: Period | None, branch: str, product_line: str, today: date) -> Section:
    rows = _rows(spec, period, branch, product_line)
    groups = _status_groups(spec, rows)
    records = sum(group["records"] for group in groups)
    filtered = period is not None or bool(branch.strip()) or bool(product_line.strip())
    uploaded = records > 0 or (filtered and spec.model.objects.exists())
    extras = _production_extras(rows, groups) if spec is PRODUCTION and records else {}
    return Section(
        kind=spec.kind,
        label=spec.label,
        uploaded=uploaded,
        records=records,
        quantity=sum((group["quantity"] or ZERO for group in groups), ZERO),
        amount=sum((group["amount"] or ZERO for group in groups), ZERO) if spec.amount_field else None,
        statuses=_buckets(groups),
        by_month=_by_month(spec, rows) if records else (),
        by_status=_by_status(spec, groups),
        late=_lateness(spec, rows, groups, today) if spec.expected_field else None,
        **extras,
    )


def _status_groups(spec: _Spec, rows: QuerySet) -> list[dict]:
    """One row per distinct status with its totals: the bucket, known only after classifying the text, decides
    how a row's dates are judged."""
    sums: dict = {"records": Count("id"), "quantity": Sum("quantity")}
    if spec.amount_field:
        sums["amount"] = Sum(spec.amount_field)
    if spec is PRODUCTION:
        sums["rejected"] = Sum("rejected_quantity")
        sums["with_rejected"] = Count("rejected_quantity")
    groups = list(rows.values("status").annotate(**sums).order_by())
    for group in groups:
        group["bucket"] = classify_status(group["status"])
        group.setdefault("amount", None)
    return groups


def _buckets(groups: list[dict]) -> StatusBuckets:
    counts = dict.fromkeys((PENDING, IN_PROGRESS, COMPLETED, CANCELLED, OTHER), 0)
    for group in groups:
        counts[group["bucket"]] += group["records"]
    others = sorted({group["status"] for group in groups if group["bucket"] == OTHER})
    return StatusBuckets(**counts, other_statuses=tuple(others))


def _by_status(spec: _Spec, groups: list[dict]) -> tuple[StatusFigures, ...]:
    ordered = sorted(groups, key=lambda group: (-group["records"], group["status"]))
    return tuple(
        StatusFigures(
            status=group["status"],
            bucket=group["bucket"],
            records=group["records"],
            quantity=group["quantity"] or ZERO,
            amount=(group["amount"] or ZERO) if spec.amount_field else None,
        )
        for group in ordered
    )


def _by_month(spec: _Spec, rows: QuerySet) -> tuple[MonthFigures, ...]:
    sums: dict = {"records": Count("id"), "quantity": Sum("quantity")}
    if spec.amount_field:
        sums["amount"] = Sum(spec.amount_field)
    months = (
        rows.filter(**{f"{spec.date_field}__isnull": False})
        .annotate(month=TruncMonth(spec.date_field))
        .values("month")
        .annotate(**sums)
        .order_by("month")
    )
    return tuple(
        MonthFigures(
            month=_as_date(row["month"]),
            records=row["records"],
            quantity=row["quantity"] or ZERO,
            amount=(row["amount"] or ZERO) if spec.amount_field else None,
        )
        for row in months
    )


def _as_date(value) -> date:
    # TruncMonth of a DateField gives a date; guard against a datetime should the field ever become one.
    return value.date() if hasattr(value, "date") else value


def _item(spec: _Spec):
    """What lateness counts: the order (or shipment) a line belongs to, by its number; a line without a number
    stands alone, so a sheet without the column is not one giant order."""
    return Coalesce(NullIf(F(spec.number_field), Value("")), Concat(Value("\t#"), Cast("id", CharField())))


def _judging(spec: _Spec, groups: list[dict], today: date) -> tuple[Q, Q]:
    """(judged, late) conditions on a line. A finished line without an arrival date cannot be judged (a sheet
    without that column would otherwise make every old row overdue); a cancelled line is never late."""
    expected, actual = spec.expected_field, spec.actual_field
    live = Q(**{f"{expected}__isnull": False}) & ~_status_in(_statuses(groups, CANCELLED))
    arrived = Q(**{f"{actual}__isnull": False})
    overdue = Q(**{f"{actual}__isnull": True, f"{expected}__lt": today}) & ~_status_in(
        _statuses(groups, CANCELLED, COMPLETED)
    )
    late = live & ((arrived & Q(**{f"{actual}__gt": F(expected)})) | overdue)
    return live & (arrived | overdue), late


def _lateness(spec: _Spec, rows: QuerySet, groups: list[dict], today: date) -> Lateness:
    money = bool(spec.amount_field)
    if not groups:
        return Lateness(late=0, judged=0, late_share=None, latest=(), amount=ZERO if money else None)
    judged_line, late_line = _judging(spec, groups, today)
    item = _item(spec)
    sums: dict = {
        "late": Count(item, distinct=True, filter=late_line),
        "judged": Count(item, distinct=True, filter=judged_line),
    }
    if money:
        sums["late_amount"] = Sum(spec.amount_field, filter=late_line)
    totals = rows.aggregate(**sums)
    late, judged = totals["late"], totals["judged"]
    latest = _late_rows(spec, rows.filter(late_line), today) if late else ()
    amount = (totals["late_amount"] or ZERO) if money else None
    return Lateness(late=late, judged=judged, late_share=_share(late, judged), latest=latest, amount=amount)


def _late_rows(spec: _Spec, late_lines: QuerySet, today: date) -> tuple[LateRow, ...]:
    """The late orders with the latest promised dates, each once, whatever the number of its late lines."""
    expected, actual = spec.expected_field, spec.actual_field
    arrived_or_today = Coalesce(F(actual), Value(today, output_field=DateField()))
    sums: dict = {
        "first_id": Min("id"),
        "shown_number": Max(spec.number_field),
        "shown_party": Max(spec.party_field),
        "statuses": StringAgg("status", ", ", distinct=True, order_by="status"),
        "promised": Min(expected),
        "arrived": Max(actual),
        "still_out": Count("id", filter=Q(**{f"{actual}__isnull": True})),
        "lines": Count("id"),
        "longest": Max(ExpressionWrapper(arrived_or_today - F(expected), output_field=DurationField())),
    }
    if spec.amount_field:
        sums["late_amount"] = Sum(spec.amount_field)
    picked = (
        late_lines.annotate(late_item=_item(spec))
        .values("late_item")
        .annotate(**sums)
        .order_by("-promised", "-first_id")[:LATE_ROWS]
    )
    return tuple(
        LateRow(
            id=row["first_id"],
            number=row["shown_number"],
            party=row["shown_party"],
            status=row["statuses"] or "",
            expected=row["promised"],
            actual=None if row["still_out"] else row["arrived"],
            days_late=row["longest"].days,
            lines=row["lines"],
            amount=(row["late_amount"] or ZERO) if spec.amount_field else None,
        )
        for row in picked
    )


def _statuses(groups: list[dict], *buckets: str) -> list[str]:
    return [group["status"] for group in groups if group["bucket"] in buckets]


def _status_in(statuses: Iterable[str]) -> Q:
    statuses = list(statuses)
    # An empty IN list is avoided: `pk IS NULL` is never true, so its negation keeps every row.
    return Q(status__in=statuses) if statuses else Q(pk__isnull=True)


def _production_extras(rows: QuerySet, groups: list[dict]) -> dict:
    tracked = sum(group["with_rejected"] for group in groups) > 0
    quantity = sum((group["quantity"] or ZERO for group in groups), ZERO)
    rejected = sum((group["rejected"] or ZERO for group in groups), ZERO) if tracked else None
    return {
        "rejected_quantity": rejected,
        "rejection_rate": _rate(rejected, quantity),
        "by_department": _departments(rows, tracked),
    }


def _departments(rows: QuerySet, tracked: bool) -> tuple[DepartmentFigures, ...]:
    per_department = (
        rows.values("department")
        .annotate(records=Count("id"), quantity=Sum("quantity"), rejected=Sum("rejected_quantity"))
        .order_by("-records", "department")
    )
    figures = []
    for row in per_department:
        quantity = row["quantity"] or ZERO
        rejected = (row["rejected"] or ZERO) if tracked else None
        figures.append(
            DepartmentFigures(
                department=row["department"],
                records=row["records"],
                quantity=quantity,
                rejected_quantity=rejected,
                rejection_rate=_rate(rejected, quantity),
            )
        )
    return tuple(figures)


def _rate(part: Decimal | None, whole: Decimal) -> Decimal | None:
    if part is None or not whole:
        return None
    return (part / whole).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def _share(part: int, whole: int) -> Decimal | None:
    return _rate(Decimal(part), Decimal(whole)) if whole else None
