"""Reads of the ingestion app, for other apps too: analytics reaches sales lines through here."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from .models import ImportJob, SalesLine


def sales_lines() -> QuerySet[SalesLine]:
    return SalesLine.objects.all()


def counted_sales_lines() -> QuerySet[SalesLine]:
    """Lines that count in revenue: not cancelled, not returned, not excluded by a rule."""
    return SalesLine.objects.filter(counts=True)


def import_jobs() -> QuerySet[ImportJob]:
    return ImportJob.objects.order_by("-created_at")


def lines_loaded_this_month() -> int:
    """Lines loaded by uploads that finished since the first of this calendar month (the plan's quota). An upload
    deleted since still counts: the quota is of loading, or uploading and deleting would make it endless."""
    start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    loaded = (ImportJob.Status.SUCCEEDED, ImportJob.Status.DELETED)
    jobs = ImportJob.objects.filter(status__in=loaded, finished_at__gte=start)
    return jobs.aggregate(total=Sum("rows_loaded"))["total"] or 0


def storage_used_bytes() -> int:
    """Bytes of uploaded files the company keeps (the plan's storage limit). A deleted upload's file no longer
    counts: deleting old uploads is how an owner makes room. Its file goes with the retention sweep."""
    kept = ImportJob.objects.exclude(file="").exclude(status=ImportJob.Status.DELETED)
    return kept.aggregate(total=Sum("size_bytes"))["total"] or 0


def figure_notes() -> dict[str, bool]:
    """What the pages must say about the figures: revenue that includes GST (files that gave only totals with tax,
    like a Day Book), and sales that name no customer (walk-in). Both are read through small partial indexes."""
    counted = counted_sales_lines()
    return {
        "includes_tax": counted.filter(amount_includes_tax=True).exists(),
        "walk_in": counted.filter(customer_key="").exists(),
    }


# The filter bar's dimensions, as they read a line: `salesperson` is the line's salesperson, or its manager when
# the file names no salesperson.
LINE_DIMENSIONS = ("branch", "product_line", "state", "country", "salesperson", "segment")


def lines_matching(
    *, start: date | None = None, end: date | None = None, dimensions: dict[str, str] | None = None
) -> QuerySet[SalesLine]:
    """Every stored line (counting or not) dated from `start` to `end` whose dimensions equal the values given."""
    lines = SalesLine.objects.all()
    if start is not None:
        lines = lines.filter(invoice_date__gte=start)
    if end is not None:
        lines = lines.filter(invoice_date__lte=end)
    for name, value in (dimensions or {}).items():
        if name not in LINE_DIMENSIONS:
            raise ValueError(f"{name!r} is not a dimension of the filter bar")
        if name == "salesperson":
            lines = lines.filter(Q(salesperson=value) | Q(salesperson="", manager=value))
        else:
            lines = lines.filter(**{name: value})
    return lines


# An invoice is its number, date and customer, as the figures count orders.
INVOICE_KEY = ("invoice_date", "invoice_number", "customer_key")


def invoices(lines: QuerySet[SalesLine], *, search: str = "") -> QuerySet:
    """One row per invoice among the counting `lines` (dicts: the key, `name`, `lines` and the sums), unordered;
    `search` keeps the lines whose invoice number or customer name contains it, any case."""
    lines = lines.filter(counts=True)
    if search:
        lines = lines.filter(Q(invoice_number__icontains=search) | Q(customer_name__icontains=search))
    return lines.values(*INVOICE_KEY).annotate(
        name=Max("customer_name"),
        lines=Count("id"),
        total_quantity=Sum("quantity"),
        total_net_amount=Sum("net_amount"),
        total_cgst=Sum("cgst"),
        total_sgst=Sum("sgst"),
        total_igst=Sum("igst"),
    )


def rejected_rows(job: ImportJob) -> Iterator[dict[str, str]]:
    """The rows of an upload's rejected-rows file (each with its sheet, row and reason), as the page's download
    gives them; none when it has no such file."""
    if not job.rejects_file:
        return
    with job.rejects_file.open("rb") as raw:
        yield from csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
