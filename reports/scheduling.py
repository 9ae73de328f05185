"""When a schedule next runs, which period its report covers, and turning due schedules into report runs.

Times are the company's wall-clock times: "monthly on the 1st at 09:00" means 09:00 in Asia/Kolkata (or the
company's zone), whatever the server's zone.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from analytics.reading import PRESETS, month_start

from .models import ReportRun, Schedule

logger = logging.getLogger(__name__)

PERIOD_CHOICES = [("previous", "The period just finished (yesterday, last week or last month)")] + [
    (key, label) for key, label in PRESETS.items() if key != "custom"
]


def _at(day: date, at: time, zone) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=zone)


def _monthly_day(year: int, month: int, wanted: int) -> date:
    return date(year, month, min(wanted, calendar.monthrange(year, month)[1]))


def next_run_after(schedule: Schedule, after: datetime, zone) -> datetime:
    """The first time strictly after `after` at which the schedule is due."""
    local = after.astimezone(zone)
    at = schedule.time_of_day
    if schedule.frequency == Schedule.Frequency.DAILY:
        candidate = _at(local.date(), at, zone)
        return candidate if candidate > local else _at(local.date() + timedelta(days=1), at, zone)
    if schedule.frequency == Schedule.Frequency.WEEKLY:
        ahead = (int(schedule.weekday or 0) - local.weekday()) % 7
        candidate = _at(local.date() + timedelta(days=ahead), at, zone)
        return candidate if candidate > local else candidate + timedelta(days=7)
    wanted = int(schedule.day_of_month or 1)
    year, month = local.year, local.month
    for _ in range(3):
        candidate = _at(_monthly_day(year, month, wanted), at, zone)
        if candidate > local:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("a monthly schedule is always due within two months")


def schedule_refresh_next_run(schedule: Schedule, zone, *, now: datetime | None = None) -> None:
    schedule.next_run_at = next_run_after(schedule, now or timezone.now(), zone) if schedule.is_active else None


def period_query(schedule: Schedule, run_day: date) -> dict:
    """The dashboard query for the report a schedule sends on `run_day` (its local date)."""
    query = {name: value for name, value in (schedule.filters or {}).items() if value}
    if schedule.period != "previous":
        query["preset"] = schedule.period
        return query
    if schedule.frequency == Schedule.Frequency.DAILY:
        start = end = run_day - timedelta(days=1)
    elif schedule.frequency == Schedule.Frequency.WEEKLY:
        end = run_day - timedelta(days=1)
        start = end - timedelta(days=6)
    else:
        end = month_start(run_day) - timedelta(days=1)
        start = month_start(end)
    query["from"], query["to"] = start.isoformat(), end.isoformat()
    return query


def due_schedules_run(*, now: datetime | None = None) -> list[int]:
    """In the current company: turn every due schedule into a report run (queued after commit) and move the
    schedule to its next time. Locked rows are skipped, so two dispatchers never send one schedule twice."""
    from .services import run_create
    from .tasks import run_schedule

    company = connection.tenant
    now = now or timezone.now()
    zone = company.zone
    created: list[int] = []
    with transaction.atomic():
        due = Schedule.objects.select_for_update(skip_locked=True).filter(is_active=True, next_run_at__lte=now)
        for schedule in due:
            run_day = schedule.next_run_at.astimezone(zone).date()
            try:
                run = run_create(
                    company=company,
                    kind=schedule.kind,
                    fmt=schedule.format,
                    query=period_query(schedule, run_day),
                    schedule=schedule,
                    enqueue=False,
                )
            except Exception:
                logger.exception("schedule %s of %s could not start a run", schedule.pk, company.schema_name)
                run = None
            schedule.last_run_at = now
            schedule_refresh_next_run(schedule, zone, now=now)
            schedule.save(update_fields=["last_run_at", "next_run_at"])
            if run is not None:
                created.append(run.pk)
                transaction.on_commit(lambda run_id=run.pk: run_schedule.delay(run_id))
    return created


def schedule_runs(schedule: Schedule):
    return ReportRun.objects.filter(schedule=schedule)
