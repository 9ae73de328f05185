"""Reads of the ingestion app, for other apps too: analytics reaches sales lines through here."""

from __future__ import annotations

from django.db.models import QuerySet, Sum
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
