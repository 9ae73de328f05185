"""How long a company's uploaded files are kept once they serve nothing.

A failed upload's file is kept for a retry and a deleted upload's for second thoughts; after
`UPLOAD_FILE_RETENTION_DAYS` (30 by default) both files go, the upload's row stays as the record and says the file
was removed. Loaded uploads keep their files: they are the source of the lines and of a re-run.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import ImportJob

logger = logging.getLogger(__name__)


def expired_upload_files(now=None):
    """Uploads, failed or deleted more than the retention period ago, that still have a file."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.UPLOAD_FILE_RETENTION_DAYS)
    failed = Q(status=ImportJob.Status.FAILED) & Q(finished_at__lt=cutoff)
    deleted = Q(status=ImportJob.Status.DELETED) & Q(deleted_at__lt=cutoff)
    return ImportJob.objects.filter(failed | deleted).exclude(file="")


def upload_files_purge(now=None) -> int:
    """Delete the expired files (and their rejected-rows files); returns how many uploads lost their file."""
    purged = 0
    for job in expired_upload_files(now).iterator():
        for field in (job.file, job.rejects_file):
            if field:
                field.delete(save=False)  # a file already gone from disk is fine: the row is what we fix
        job.file_removed_at = timezone.now()
        job.save(update_fields=["file", "rejects_file", "file_removed_at"])
        purged += 1
    if purged:
        logger.info("removed the files of %d failed or deleted uploads", purged)
    return purged
