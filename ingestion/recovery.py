"""Uploads whose worker died: found by their lapsed lease (elettro.heartbeat), failed with the reason, and run
again once from the stored file. A load is one transaction, so a dead worker left nothing of it behind."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from elettro import heartbeat

from .models import ImportJob

logger = logging.getLogger(__name__)

AUTOMATIC_RETRIES = 1
DIED = ("The worker loading this file stopped before it finished (it was restarted, ran out of memory, or lost "
        "its database). Nothing of it was loaded.")  # fmt: skip


def lease_lapsed(job: ImportJob, now=None) -> bool:
    """Running, and its worker has not renewed the lease in time: the worker is gone."""
    return job.status == ImportJob.Status.RUNNING and heartbeat.lapsed(job.heartbeat_at or job.started_at, now)


def recover_stuck_jobs() -> list[int]:
    """Fail every upload whose lease lapsed; run it again if it has not been retried automatically yet."""
    from .services import enqueue

    recovered = []
    with transaction.atomic():
        stuck = ImportJob.objects.select_for_update(skip_locked=True).filter(status=ImportJob.Status.RUNNING)
        lapsed = heartbeat.lapsed_rows("started_at")
        for job in stuck.filter(lapsed):
            if job.attempts <= AUTOMATIC_RETRIES:
                job.status, job.stage, job.progress = ImportJob.Status.QUEUED, "Queued again: the worker stopped", 0
                job.error = DIED + " It is being loaded again."
                transaction.on_commit(lambda pk=job.pk: enqueue(pk))
            else:
                job.status, job.stage, job.error = ImportJob.Status.FAILED, "Failed", DIED + " Use Retry to load it."
                job.finished_at = timezone.now()
            job.save(update_fields=["status", "stage", "progress", "error", "finished_at"])
            logger.warning("upload %s: lease lapsed, %s", job.pk, job.status)
            recovered.append(job.pk)
    return recovered
