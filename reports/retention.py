"""How long a company keeps its generated reports' files.

The company sets the period on the Report files page (ReportSettings.file_retention_days, 90 days by default).
Every night `reports.report_files_purge` deletes, through the storage, the files of runs finished longer ago than
that; the run stays in the history and says when and after how long its file went.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import REPORT_RETENTION_DEFAULT_DAYS, ReportRun, ReportSettings

logger = logging.getLogger(__name__)


def report_settings() -> ReportSettings:
    """The company's one row, made with the defaults the first time it is asked for."""
    return ReportSettings.objects.order_by("pk").first() or ReportSettings.objects.create()


def retention_save(*, form) -> ReportSettings:
    """Save the Report files form, and say so in the audit log."""
    from tenants.audit import Action, audit_record

    saved = form.save()
    days = saved.file_retention_days
    audit_record(Action.SETTINGS_CHANGED, f"Report files are now kept {days} days", file_retention_days=days)
    return saved


def retention_days() -> int:
    found = ReportSettings.objects.order_by("pk").values_list("file_retention_days", flat=True).first()
    return found or REPORT_RETENTION_DEFAULT_DAYS


def expired_report_files(now=None):
    """Runs that still hold a file and finished (or, never finished, were made) before the retention period."""
    days = retention_days()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    finished = Coalesce("finished_at", "created_at")
    unfinished = Q(status__in=[ReportRun.Status.QUEUED, ReportRun.Status.RUNNING])
    return ReportRun.objects.alias(ended=finished).filter(ended__lt=cutoff).exclude(file="").exclude(unfinished)


def report_files_purge(now=None) -> int:
    """Delete the expired files from storage; returns how many runs lost their file. The runs stay."""
    days = retention_days()
    purged = 0
    for run in expired_report_files(now).iterator():
        run.file.delete(save=False)  # a file already gone from storage is fine: the row is what we fix
        run.file_deleted_at = timezone.now()
        run.file_kept_days = days
        run.save(update_fields=["file", "file_deleted_at", "file_kept_days"])
        purged += 1
    if purged:
        logger.info("deleted the files of %d reports older than %d days", purged, days)
    return purged
