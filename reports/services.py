"""Generating reports on demand: create a run (web), render it (reports worker), and the files it leaves.

Every function here runs inside the company's schema (a request's, or the task's).
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from urllib.parse import parse_qsl

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from elettro import heartbeat
from elettro.kernel.errors import ApplicationError
from tenants.audit import Action, audit_record
from tenants.models import Company, Membership
from tenants.roles import can
from tenants.scopes import scope_of_user, viewing

from . import kinds, recovery
from .generation import frozen_query, headline, report_build, report_render, selection_for
from .models import Delivery, Format, ReportRun, Schedule

logger = logging.getLogger(__name__)


def run_create(
    *, company: Company, kind: str, fmt: str = Format.PDF, query: dict, user=None, schedule=None, enqueue: bool = True
) -> ReportRun:
    """Record a report to generate for the dashboard selection in `query` and queue it for the reports worker.

    Relative periods (last month, latest 12 months) are written out as dates now, so the run says exactly
    which days it covers however long it waits in the queue."""
    if kind not in kinds.KINDS:
        raise ApplicationError(f"There is no report called {kind!r}.", field_errors={"kind": ["Choose a report."]})
    if fmt not in Format.values:
        raise ApplicationError(f"There is no format {fmt!r}.", field_errors={"format": ["Choose PDF, Excel or CSV."]})
    dashboard = selection_for(company, query)
    if dashboard.selection.errors:
        raise ApplicationError(" ".join(dashboard.selection.errors))
    period = dashboard.selection.period
    run = ReportRun.objects.create(
        kind=kind,
        format=fmt,
        query=frozen_query(dashboard),
        period_start=period.start if period else None,
        period_end=period.end if period else None,
        period_label=period.label() if period else "No sales yet",
        filters_label=", ".join(
            [f"{name.replace('_', ' ')}: {value}" for name, value in dashboard.selection.filters.items()]
            + ([f"only {dashboard.view_limit}"] if dashboard.view_limit else [])
        ),
        schedule=schedule,
        created_by_id=getattr(user, "pk", None),
        created_by_email=getattr(user, "email", "") or "",
        stage="Waiting for the report worker",
    )
    if enqueue:
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def run_query(*, query: str = "", filters: dict, date_from=None, date_to=None) -> dict:
    """The selection a Generate request asks for: a dashboard page's own (`query`, its query string), the filters
    given with it over that, and dates over any preset, as the Reports page's From and To."""
    selection = dict(parse_qsl(query or ""))
    selection.pop("download", None)
    selection.update(filters)
    if date_from or date_to:
        selection.pop("preset", None)
        for key, value in (("from", date_from), ("to", date_to)):
            if value:
                selection[key] = value.isoformat()
    return selection


def _enqueue(run_id: int) -> None:
    from .tasks import generate

    generate.delay(run_id)


def _step(run: ReportRun, progress: int, stage: str) -> None:
    run.progress, run.stage = progress, stage
    ReportRun.objects.filter(pk=run.pk).update(progress=progress, stage=stage)


def run_maker(run: ReportRun) -> int | None:
    """Who a run acts for: the person who asked for it, or who made its schedule; None for a command's."""
    if run.created_by_id is not None:
        return run.created_by_id
    return run.schedule.created_by_id if run.schedule_id and run.schedule else None


def _creator_may_generate(run: ReportRun) -> bool:
    """An on-demand report is made for the person who asked: if they have since lost the right (or left the
    company), it is not made. Scheduled and operator runs act for the company."""
    if run.schedule_id or run.created_by_id is None:
        return True
    membership = Membership.objects.filter(user_id=run.created_by_id, company=connection.tenant).first()
    return membership is not None and can(membership.role, "reports.generate")


def run_generate(run: ReportRun) -> ReportRun:
    """Build and render the run's report and store the file in the company's storage. A failure is recorded on
    the run with its reason, never left as a run that spins forever."""
    run, claimed = _claim(run.pk)
    if not claimed:
        return run  # a redelivered task: done already, or being made by a live worker
    with heartbeat.beating(ReportRun, run.pk):
        return _generate_claimed(run)


def _claim(run_id: int) -> tuple[ReportRun, bool]:
    """Take the run for this worker: a queued one, or a running one whose worker's lease lapsed."""
    with transaction.atomic():
        run = ReportRun.objects.select_related("schedule").select_for_update(of=("self",)).get(pk=run_id)
        if not (run.status == ReportRun.Status.QUEUED or recovery.lease_lapsed(run)):
            return run, False
        run.status, run.error, run.attempts = ReportRun.Status.RUNNING, "", run.attempts + 1
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["status", "error", "attempts", "heartbeat_at"])
    return run, True


@transaction.atomic
def run_retry(*, run: ReportRun) -> ReportRun:
    """Make a failed report again, or one whose worker died."""
    run = ReportRun.objects.select_for_update().get(pk=run.pk)
    if not (run.status == ReportRun.Status.FAILED or recovery.lease_lapsed(run)):
        raise ApplicationError("Only a failed report, or one whose worker stopped, can be made again.")
    run.status, run.progress, run.stage, run.error = ReportRun.Status.QUEUED, 0, "Queued again", ""
    run.save(update_fields=["status", "progress", "stage", "error"])
    transaction.on_commit(lambda: recovery.enqueue(run))
    return run


def _generate_claimed(run: ReportRun) -> ReportRun:
    company = connection.tenant
    started = time.perf_counter()
    try:
        if not _creator_may_generate(run):
            raise ApplicationError("The person who asked for this report may no longer generate reports.")
        _step(run, 10, "Reading the figures")
        # The report holds what the person who asked (or made its schedule) may see: their scope, as it is now.
        with viewing(scope_of_user(company, run_maker(run))):
            report = report_build(company, run.kind, run.query)
        _step(run, 45, "Drawing the charts and writing the file" if run.format == Format.PDF else "Writing the file")
        content = report_render(report, run.format)
        _step(run, 90, "Saving")
        run.file.save(run.filename, ContentFile(content), save=False)
        run.size_bytes = len(content)
        run.pages = _page_count(content) if run.format == Format.PDF else None
        run.headline = headline(report)
        run.charts_missing = report.charts_missing
        run.status, run.progress, run.stage = ReportRun.Status.DONE, 100, "Ready"
        if run.charts_missing:
            run.stage = "Ready, without charts: they could not be drawn in time (the tables have every figure)"
    except ApplicationError as problem:
        run.status, run.error, run.stage = ReportRun.Status.FAILED, problem.message, "Failed"
    except Exception:
        logger.exception("report run %s failed", run.pk)
        run.status, run.stage = ReportRun.Status.FAILED, "Failed"
        run.error = "Something went wrong while generating this report. We have been told; please try again."
    run.finished_at = timezone.now()
    run.seconds = Decimal(f"{time.perf_counter() - started:.2f}")
    run.save()
    return run


def _page_count(pdf: bytes) -> int | None:
    from io import BytesIO

    from pypdf import PdfReader

    try:  # a count for the list of reports, never a reason to fail one
        return len(PdfReader(BytesIO(pdf)).pages)
    except Exception:
        return None


# ---------------------------------------------------------------- schedules


@transaction.atomic
def schedule_save(*, form, company: Company, user) -> Schedule:
    """Save a valid ScheduleForm: its filters, who made it, and when it next runs (in the company's zone)."""
    from billing.limits import ensure_can_add_schedule

    from .scheduling import schedule_refresh_next_run

    schedule = form.save(commit=False)
    schedule.filters = form.filters()
    new = schedule.pk is None
    if new:
        ensure_can_add_schedule(company, Schedule.objects.count())  # the plan's limit; none while read-only
        schedule.created_by_id = getattr(user, "pk", None)
        schedule.created_by_email = getattr(user, "email", "") or ""
    schedule_refresh_next_run(schedule, company.zone)
    schedule.save()
    changed = sorted(name for name in form.changed_data if name in form.fields)
    audit_record(Action.SCHEDULE_SAVED, f"{'Created' if new else 'Changed'} the report schedule “{schedule.name}”"
                 + ("" if new or not changed else f": {', '.join(changed)}"), user=user, company=company,
                 schedule=schedule.pk, fields=changed)  # fmt: skip
    return schedule


@transaction.atomic
def schedule_delete(*, schedule: Schedule, user) -> None:
    """Delete a schedule; the reports it made and its delivery history stay."""
    name, pk = schedule.name, schedule.pk
    schedule.delete()
    audit_record(Action.SCHEDULE_DELETED, f"Deleted the report schedule “{name}”", user=user, schedule=pk)


def schedule_send_test(*, schedule: Schedule, company: Company) -> list[Delivery]:
    """Send a short test through each of the schedule's recipients now, and record each result in the delivery
    history; the manager sees at once which channel works and, for one that does not, why."""
    from . import delivery as deliveries
    from .channels.errors import ChannelError

    sent = []
    for item in deliveries.deliveries_create(None, schedule, is_test=True):
        item.attempts = 1
        try:
            deliveries.delivery_send(item, company)
        except ChannelError as problem:
            deliveries.mark_failed(item, problem.message, retrying=False)
        else:
            deliveries.mark_sent(item)
        sent.append(item)
    return sent
