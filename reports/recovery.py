"""Report runs whose worker died: found by their lapsed lease (elettro.heartbeat), failed with the reason, and
made again once; a scheduled run's deliveries follow it."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from elettro import heartbeat

from .models import ReportRun

logger = logging.getLogger(__name__)

AUTOMATIC_RETRIES = 1
DIED = ("The worker making this report stopped before it finished (it was restarted, ran out of memory, or lost "
        "its database).")  # fmt: skip


def lease_lapsed(run: ReportRun, now=None) -> bool:
    return run.status == ReportRun.Status.RUNNING and heartbeat.lapsed(run.heartbeat_at or run.created_at, now)


def enqueue(run: ReportRun) -> None:
    from .tasks import generate, run_schedule

    (run_schedule if run.schedule_id else generate).delay(run.pk)


def recover_stuck_runs() -> list[int]:
    recovered = []
    with transaction.atomic():
        running = ReportRun.objects.select_for_update(skip_locked=True).filter(status=ReportRun.Status.RUNNING)
        lapsed = heartbeat.lapsed_rows("created_at")
        for run in running.filter(lapsed):
            if run.attempts <= AUTOMATIC_RETRIES:
                run.status, run.progress, run.stage = ReportRun.Status.QUEUED, 0, "Queued again: the worker stopped"
                run.error = DIED + " It is being made again."
                transaction.on_commit(lambda run=run: enqueue(run))
            else:
                run.status, run.stage, run.error = ReportRun.Status.FAILED, "Failed", DIED + " Use Retry to make it."
                run.finished_at = timezone.now()
            run.save(update_fields=["status", "progress", "stage", "error", "finished_at"])
            logger.warning("report run %s: lease lapsed, %s", run.pk, run.status)
            recovered.append(run.pk)
    return recovered
