"""Thin tasks: load by id, call one service. Report work runs on the `reports` queue (CELERY_TASK_ROUTES)."""

from __future__ import annotations

import logging

from celery.signals import worker_process_init
from django.db import connection
from django_tenants.utils import tenant_context

from elettro.celery import company_task, public_task

from . import delivery as deliveries
from . import scheduling, services
from .channels.errors import ChannelError
from .models import Delivery, ReportRun

logger = logging.getLogger(__name__)

MAX_DELIVERY_ATTEMPTS = 5


@company_task(name="reports.generate", time_limit=900)
def generate(run_id: int) -> str:
    run = ReportRun.objects.filter(pk=run_id).first()
    if run is None:
        return "missing"
    return services.run_generate(run).status


@company_task(name="reports.run_schedule", time_limit=900)
def run_schedule(run_id: int) -> int:
    """Generate a scheduled report, then queue one delivery per recipient; returns how many were queued."""
    run = ReportRun.objects.select_related("schedule").filter(pk=run_id).first()
    if run is None or run.schedule is None:
        return 0
    run = services.run_generate(run)
    if run.status not in (ReportRun.Status.DONE, ReportRun.Status.FAILED):
        return 0  # a redelivered task while a live worker makes the report: that worker delivers it
    # A redelivered task (the worker died half-way) finds the deliveries it made and sends only the unsent ones.
    created = list(run.deliveries.all()) or deliveries.deliveries_create(run, run.schedule)
    waiting = [item for item in created if item.status in (Delivery.Status.PENDING, Delivery.Status.RETRYING)]
    for item in waiting:
        if run.status == ReportRun.Status.DONE:
            deliver.delay(item.pk)
        else:
            deliveries.mark_failed(item, f"The report could not be generated: {run.error}", retrying=False)
    return len(waiting)


@company_task(name="reports.deliver", bind=True, time_limit=300, max_retries=MAX_DELIVERY_ATTEMPTS - 1)
def deliver(self, delivery_id: int) -> str:
    """Send one delivery; a failure the service says may pass is retried with backoff (1, 2, 4, 8 minutes, or
    what the service asked for)."""
    item = Delivery.objects.select_related("run", "schedule").filter(pk=delivery_id).first()
    if item is None or item.status == Delivery.Status.SENT:
        return "skipped"
    item.attempts += 1
    try:
        deliveries.delivery_send(item, connection.tenant)
    except ChannelError as problem:
        retrying = problem.retryable and self.request.retries < self.max_retries
        deliveries.mark_failed(item, problem.message, retrying=retrying)
        if retrying:
            countdown = problem.retry_after or 60 * 2**self.request.retries
            raise self.retry(countdown=min(countdown, 3600)) from None
        return "failed"
    deliveries.mark_sent(item)
    return "sent"


@public_task(name="reports.dispatch_due", time_limit=120)
def dispatch_due() -> int:
    """Every minute (beat): in each live company, start the report runs of schedules that are due."""
    from billing.limits import schedules_paused
    from tenants.models import Company

    total = 0
    companies = Company.objects.exclude(schema_name="public").exclude(status=Company.Status.SUSPENDED)
    for company in companies.order_by("pk").iterator():
        if schedules_paused(company):  # trial over, payments halted past grace, or cancelled: read-only
            continue
        with tenant_context(company):
            try:
                total += len(scheduling.due_schedules_run())
            except Exception:  # one company's trouble must not stop the others' reports
                logger.exception("could not dispatch the schedules of %s", company.schema_name)
    return total


@worker_process_init.connect
def _warm_chart_browser(**kwargs) -> None:
    """Each worker process keeps one headless browser warm for report charts (see rendering.chart_images)."""
    from django.conf import settings

    if getattr(settings, "REPORTS_WARM_BROWSER", True):
        from .rendering.chart_images import warm_up_in_background

        warm_up_in_background()


@company_task(name="reports.report_files_purge", time_limit=600)
def report_files_purge() -> int:
    """Every night (beat, one company at a time): delete the report files older than the company's retention."""
    from .retention import report_files_purge

    return report_files_purge()
