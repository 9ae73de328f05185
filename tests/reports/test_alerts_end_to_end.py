"""The alert as an owner meets it, through the commands: a rule on revenue per customer falling 30% month on month
(`alert_rule`), an upload with a drop for two customers, an evaluation (`alerts --evaluate --json`), and exactly
two notifications at a local fake Slack and a fake webhook receiver, each carrying the values. The same month
uploaded again tells no one; the data fixed, each gets its resolved message.

The worker is played by the test: what `notify.enqueue` would queue is captured and run with `apply()`."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from reports.alerts import tasks
from reports.models import AlertEvent
from tests.fakes.slack import FakeSlack
from tests.fakes.webhook import FakeWebhook
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Date", "Customer", "Item", "Branch", "Qty", "Amount"]
FEBRUARY = {"Asha Traders": 1000, "Bala & Sons": 1000, "Chetan Stores": 1000, "Dev Agencies": 1000}
MARCH = {"Asha Traders": 500, "Bala & Sons": 600, "Chetan Stores": 900, "Dev Agencies": 1100}


def _rows(month: int, amounts: dict, prefix: str) -> list[list]:
    return [[f"{prefix}-{n}", f"{10 + n:02d}/{month:02d}/2025", customer, "Fan", "Pune", 1, str(amount)]
            for n, (customer, amount) in enumerate(amounts.items())]  # fmt: skip


@pytest.fixture
def fakes(settings):
    settings.CHANNEL_TIMEOUT_SECONDS = 5
    with FakeSlack() as slack, FakeWebhook() as receiver:
        yield slack, receiver


@pytest.fixture
def queued(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(tasks.deliver, "apply_async", lambda args, eta=None, **_: calls.append(args[0]))
    return calls


def _evaluate(company, queued, capture) -> list[dict]:
    out = StringIO()
    with capture(execute=True):
        call_command("alerts", "--company", company.subdomain, "--evaluate", "--json", stdout=out)
    with tenant_context(company):
        for pk in list(queued):
            tasks.deliver.apply(args=[pk])
    queued.clear()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_two_customers_fall_two_notifications_no_repeat_and_resolved_when_fixed(
    make_company, fakes, queued, django_capture_on_commit_callbacks
):
    slack, receiver = fakes
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes([HEADER, *_rows(2, FEBRUARY, "F")]), "february.csv")
    out = StringIO()
    call_command("alert_rule", "--company", company.subdomain, "--measure", "revenue", "--each", "customer",
                 "--window", "month", "--condition", "change-below", "--value", "30", "--compare", "previous",
                 "--channel", f"slack:{slack.webhook_url}", "--channel", f"webhook:{receiver.hook_url}",
                 stdout=out)  # fmt: skip
    rule = json.loads(out.getvalue())
    assert (rule["measure"], rule["each"], rule["condition"], rule["value"]) == ("revenue", "customer",
                                                                                "change-below", "30")  # fmt: skip
    receiver.secret = next(c["secret"] for c in rule["channels"] if c["kind"] == "webhook")

    with tenant_context(company):
        load(csv_bytes([HEADER, *_rows(3, MARCH, "M")]), "march.csv")
    changes = _evaluate(company, queued, django_capture_on_commit_callbacks)
    assert sorted((c["label"], c["from"], c["to"], c["value"], c["baseline"]) for c in changes) == [
        ("Asha Traders", "ok", "firing", "500.00", "1000.00"), ("Bala & Sons", "ok", "firing", "600.00", "1000.00"),
    ]  # fmt: skip
    assert len(slack.posted) == 2 and len(receiver.received) == 2
    said = {post["text"] for post in slack.posted}
    assert any("Asha Traders" in text and "-50" in text for text in said), said
    assert any("Bala & Sons" in text and "-40" in text for text in said), said
    sent = {payload["data"]["entityLabel"]: payload["data"] for payload in receiver.received}
    assert Decimal(sent["Asha Traders"]["value"]) == 500 and Decimal(sent["Asha Traders"]["baseline"]) == 1000
    assert Decimal(sent["Bala & Sons"]["change"]) == Decimal("-0.4")
    assert sent["Asha Traders"]["period"] == "1–13 Mar 2025 vs 1–13 Feb 2025"  # the same days of each month

    with tenant_context(company):  # the same month again: all duplicates, nothing changes
        load(csv_bytes([HEADER, *_rows(3, MARCH, "M")]), "march-again.csv")
    assert _evaluate(company, queued, django_capture_on_commit_callbacks) == []
    assert len(slack.posted) == 2 and len(receiver.received) == 2

    with tenant_context(company):  # the missing invoices arrive: both back to February's level
        load(csv_bytes([HEADER, *_rows(3, {"Asha Traders": 500, "Bala & Sons": 400}, "FIX")]), "march-fix.csv")
    changes = _evaluate(company, queued, django_capture_on_commit_callbacks)
    assert sorted((c["label"], c["to"]) for c in changes) == [("Asha Traders", "ok"), ("Bala & Sons", "ok")]
    assert len(slack.posted) == 4 and len(receiver.received) == 4
    assert sum("normal" in post["text"].lower() for post in slack.posted) == 2
    with tenant_context(company):
        sent = AlertEvent.objects.filter(kind="delivery", result="sent").count()
    assert sent == 8
