"""Reads of the ingestion app, for other apps too: analytics reaches sales lines through here."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ImportJob, SalesLine


def sales_lines() -> QuerySet[SalesLine]:
    return SalesLine.objects.all()


def counted_sales_lines() -> QuerySet[SalesLine]:
    """Lines that count in revenue: not cancelled, not returned, not excluded by a rule."""
    return SalesLine.objects.filter(counts=True)


def import_jobs() -> QuerySet[ImportJob]:
    return ImportJob.objects.order_by("-created_at")
