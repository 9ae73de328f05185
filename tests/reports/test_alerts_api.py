"""Alerts through the API, with the pages' permissions: rules made and checked as the form does, a backtest that
saves nothing, what fires now, acknowledge and snooze, and the log as JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from django_tenants.utils import tenant_context

from reports.alerts import evaluation, states
from reports.models import AlertRule, AlertState
from tests.ingestion.test_pipeline import csv_bytes, load
from tests.reports.test_alert_evaluation import FEBRUARY, HEADER, MARCH, _rows

pytestmark = pytest.mark.django_db

FALL = {"measure": "revenue", "each": "customer", "window": "month", "condition": "change-below", "value": "30"}


def _body(response) -> dict:
    return json.loads(response.content)


@pytest.fixture
def company(make_company):
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes([HEADER, *_rows(2, FEBRUARY, "F"), *_rows(3, MARCH, "M")]), "feb-mar.csv")
    return company


def test_a_manager_makes_a_rule_an_analyst_may_only_read_and_a_bad_one_is_a_400(company, api_client):
    manager, analyst = api_client(company, "manager"), api_client(company, "analyst")
    made = manager.post("/api/v1/alert-rules/", FALL, content_type="application/json")
    assert made.status_code == 201, made.content
    rule = _body(made)["data"]
    assert (rule["measure"], rule["each"], rule["value"]) == ("revenue", "customer", "30")
    assert analyst.post("/api/v1/alert-rules/", FALL, content_type="application/json").status_code == 403
    assert [r["id"] for r in _body(analyst.get("/api/v1/alert-rules/"))["data"]] == [rule["id"]]
    bad = manager.post("/api/v1/alert-rules/", {**FALL, "value": "lots"}, content_type="application/json")
    assert bad.status_code == 400 and _body(bad)["error"]["parameter"] == "value"
    no_cost = manager.post("/api/v1/alert-rules/", {**FALL, "measure": "gross_profit"}, content_type="application/json")
    assert no_cost.status_code == 400 and "cost" in _body(no_cost)["error"]["message"]
    with tenant_context(company):
        assert AlertRule.objects.count() == 1


def test_a_backtest_saves_nothing_and_says_when_it_would_have_fired(company, api_client):
    response = api_client(company, "manager").post("/api/v1/alert-rules/backtest/", FALL,
                                                   content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    found = _body(response)["data"]
    assert sorted(f["label"] for f in found["firings"]) == ["Asha Traders", "Bala & Sons"]
    assert "fired 2 times" in found["sentence"]
    with tenant_context(company):
        assert AlertRule.objects.count() == 0


def test_what_fires_now_acknowledge_snooze_and_the_log(company, api_client):
    with tenant_context(company):
        rule = AlertRule.objects.create(name="Fall", measure="revenue", each="customer", window="month",
                                        condition="change-below", value=30)  # fmt: skip
        states.apply(rule, evaluation.evaluate(rule, company, as_of=date(2025, 3, 31)))
    viewer, manager = api_client(company, "viewer"), api_client(company, "manager")
    firing = _body(viewer.get("/api/v1/alerts/"))["data"]
    assert sorted(a["label"] for a in firing) == ["Asha Traders", "Bala & Sons"]
    first = firing[0]["id"]
    acknowledged = viewer.post(f"/api/v1/alerts/{first}/acknowledge/")
    assert acknowledged.status_code == 200 and _body(acknowledged)["data"]["acknowledgedAt"]
    until = (date.today() + timedelta(days=3)).isoformat()
    assert viewer.post(f"/api/v1/alerts/{first}/snooze/", {"until": until},
                       content_type="application/json").status_code == 403  # fmt: skip
    snoozed = manager.post(f"/api/v1/alerts/{first}/snooze/", {"until": until}, content_type="application/json")
    assert snoozed.status_code == 200 and _body(snoozed)["data"]["snoozedUntil"].startswith(until)
    with tenant_context(company):
        assert AlertState.objects.get(pk=first).snoozed_until is not None
    log = _body(viewer.get("/api/v1/alert-events/", {"kind": "state"}))["data"]
    assert sorted((e["label"], e["from"], e["to"]) for e in log) == [("Asha Traders", "ok", "firing"),
                                                                     ("Bala & Sons", "ok", "firing")]  # fmt: skip
    exported = viewer.get("/api/v1/alert-events/", {"entity": "asha", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(row["label"], row["to"]) for row in rows] == [("Asha Traders", "firing")]
    assert viewer.get("/api/v1/alert-events/", {"from": "yesterday"}).status_code == 400
