"""Thin alert tasks, on the `alerts` queue (CELERY_TASK_ROUTES sends `reports.alerts.*` there)."""

from __future__ import annotations

from django.db import connection

from elettro.celery import company_task

from ..models import AlertRule
from . import notify


@company_task(name="reports.alerts.deliver", bind=True, time_limit=120, max_retries=notify.MAX_ATTEMPTS - 1)
def deliver(self, event_id: int) -> str:
    """Send one notification; a failure the service says may pass is retried with backoff (1, 2, 4, 8 minutes,
    or what the service asked for), each attempt logged."""
    outcome = notify.notification_send(
        event_id, connection.tenant, attempt=self.request.retries, may_retry=self.request.retries < self.max_retries
    )
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in) from None
    return outcome.result


# The two below are what settings name (the hourly CELERY_BEAT_SCHEDULE fan-out, IMPORT_FINISHED_STEPS).


@company_task(name="reports.alerts.evaluate", time_limit=600)
def evaluate() -> int:
    """Evaluate the company's active rules; returns how many states changed."""
    from .run import evaluate_company

    return len(evaluate_company(connection.tenant))


def evaluate_after_import(*, job_id: int) -> None:
    """After an upload's lines are committed (and so in the dashboards): judge the alerts on the fresh figures (a
    company with no rule queues nothing)."""
    if AlertRule.objects.filter(is_active=True).exists():
        evaluate.delay()
