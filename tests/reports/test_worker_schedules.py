"""The real thing end to end: beat's dispatcher, run by a real Celery worker, finds a company's due schedule,
the worker renders the report and delivers it to a local fake Slack."""

from __future__ import annotations

import time as clock
from datetime import time, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from reports.models import Delivery, ReportRun, Schedule
from tests.fakes.slack import FakeSlack
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = pytest.mark.worker


def test_the_dispatcher_runs_a_due_schedule_and_the_worker_delivers_it(make_company_committed, celery_worker_process):
    from elettro.celery import app

    company, _ = make_company_committed("scheduled")
    rows = [HEADER, ["W-1", "02/04/2025", "Kiran Traders", "Kerala", "Lamp", "1", "1000", "1000", "18"]]
    with FakeSlack() as slack:
        with tenant_context(company):
            assert load(csv_bytes(rows), "w.csv").status == "succeeded"
            schedule = Schedule.objects.create(
                name="Daily", kind="sales-review", frequency="daily", time_of_day=time(9),
                slack_webhook_url=slack.webhook_url, next_run_at=timezone.now() - timedelta(seconds=5),
            )  # fmt: skip
        connection.set_schema_to_public()
        app.send_task("reports.dispatch_due")

        deadline = clock.monotonic() + 90
        with tenant_context(company):
            while clock.monotonic() < deadline:
                delivery = Delivery.objects.filter(schedule=schedule).first()
                if delivery is not None and delivery.status in ("sent", "failed"):
                    break
                clock.sleep(0.5)
            run = ReportRun.objects.get(schedule=schedule)
            schedule.refresh_from_db()
        assert delivery is not None, "the worker delivered nothing"
        assert delivery.status == "sent", delivery.error
        assert run.status == "done" and run.file.name.endswith(".pdf")
        assert schedule.next_run_at > timezone.now()
        posted = slack.requests_to("/services/T000/B000/XXXX")
        assert len(posted) == 1 and "Sales review: Company scheduled" in posted[0].json["text"]
