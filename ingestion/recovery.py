"""Uploads whose worker died: found by their lapsed lease (elettro.heartbeat), failed with the reason, and run
again once from the stored file. A load is one transaction, so a dead worker left nothing of it behind."""

from __future__ import annotations

import logging
import time

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from elettro import heartbeat

from .models import ImportJob

logger = logging.getLogger(__name__)

AUTOMATIC_RETRIES = 1
DIED = ("The worker loading this file stopped before it finished (it was restarted, ran out of memory, or lost "
        "its database). Nothing of it was loaded.")  # fmt: skip
LOST_DATABASE = "The database restarted while this file was loading. Nothing of it was loaded."


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
            _fail_and_rerun_once(job, DIED, enqueue)
            logger.warning("upload %s: lease lapsed, %s", job.pk, job.status)
            recovered.append(job.pk)
    return recovered


def _fail_and_rerun_once(job: ImportJob, reason: str, enqueue) -> None:
    """The one rule for a run that died: queued again the first time, failed and left for Retry after that."""
    if job.attempts <= AUTOMATIC_RETRIES:
        job.status, job.stage, job.progress = ImportJob.Status.QUEUED, "Queued again: the worker stopped", 0
        job.error = reason + " It is being loaded again."
        transaction.on_commit(lambda pk=job.pk: enqueue(pk))
    else:
        job.status, job.stage, job.error = ImportJob.Status.FAILED, "Failed", reason + " Use Retry to load it."
        job.finished_at = timezone.now()
    job.save(update_fields=["status", "stage", "progress", "error", "finished_at"])


def recover_after_lost_database(job_id: int, *, wait_seconds: float = 30) -> bool:
    """Called by the worker whose load lost its database (a restart, a failover): once the database answers
    again, within `wait_seconds`, the job is failed with the reason and run again, at once instead of after its
    lease lapses. False when the database stays away: the lease lapses and the sweeper does the same later."""
    from .services import enqueue

    deadline = time.monotonic() + wait_seconds
    while True:
        connection.close()  # the broken connection; the next query opens a new one
        try:
            with transaction.atomic():
                job = ImportJob.objects.select_for_update().filter(pk=job_id, status=ImportJob.Status.RUNNING).first()
                if job is not None:
                    _fail_and_rerun_once(job, LOST_DATABASE, enqueue)
                    logger.warning("upload %s: lost its database, %s", job_id, job.status)
            return True
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                return False
            time.sleep(1)
