"""The real thing end to end: an upload's lines committed, the evaluation it queues run by a real Celery worker on
the alerts queue, and the notification at a local fake Slack within 60 seconds of the upload (issue 20's
latency target)."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from reports.alerts import rules
from tests.fakes.slack import FakeSlack
from tests.ingestion.test_pipeline import csv_bytes, load
from tests.reports.test_alert_evaluation import FEBRUARY, HEADER, MARCH, _rows

pytestmark = pytest.mark.worker

LATENCY_TARGET_SECONDS = 60


def test_an_upload_that_breaches_a_rule_reaches_slack_within_a_minute(make_company_committed, celery_worker_process):
    company, _ = make_company_committed("alertlatency")
    with FakeSlack() as slack:
        with tenant_context(company):
            load(csv_bytes([HEADER, *_rows(2, FEBRUARY, "F")]), "february.csv")
            rules.rule_create(company, measure="revenue", each="customer", window="month", condition="change-below",
                              value="30", channels=[("slack", slack.webhook_url)])  # fmt: skip
            started = time.monotonic()
            assert load(csv_bytes([HEADER, *_rows(3, MARCH, "M")]), "march.csv").status == "succeeded"
        connection.set_schema_to_public()
        while len(slack.posted) < 2 and time.monotonic() - started < LATENCY_TARGET_SECONDS:
            time.sleep(0.25)
        seconds = time.monotonic() - started
        texts = sorted(post["text"] for post in slack.posted)
    assert len(texts) == 2, f"after {seconds:.1f} s the fake Slack had {texts}"
    assert "Asha Traders" in texts[0] and "Bala & Sons" in texts[1]
    assert seconds <= LATENCY_TARGET_SECONDS
