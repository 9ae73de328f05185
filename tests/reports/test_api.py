"""Reports through the API as a script meets them: ask for a report with a key, follow its status until the
worker has made it, download the PDF; and schedules created, listed and deleted. Roles as on the pages."""

from __future__ import annotations

import json
from datetime import time
from urllib.parse import urlsplit

import pytest
from django_tenants.utils import tenant_context

from reports import services
from reports.models import ReportRun, Schedule
from tenants.models import AuditEvent

pytestmark = pytest.mark.django_db


def _body(response) -> dict:
    body = json.loads(response.content)
    assert set(body) == {"data", "error", "metadata"}, body
    return body


def _path(url: str) -> str:
    return urlsplit(url).path


def test_an_analyst_key_asks_for_a_report_follows_it_and_downloads_the_pdf(
    sales_company, api_client, django_capture_on_commit_callbacks
):
    company, _, _ = sales_company
    client = api_client(company, "analyst")
    ask = {"kind": "sales-review", "format": "pdf", "from": "2024-04-01", "to": "2025-03-31", "branch": "Pune"}

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/api/v1/report-runs/", ask, content_type="application/json")
    assert response.status_code == 202, response.content
    assert len(queued) == 1  # the reports worker is asked once the run is committed
    run = _body(response)["data"]
    assert (run["kind"], run["format"], run["status"]) == ("sales-review", "pdf", "queued")
    assert run["period"] == {"from": "2024-04-01", "to": "2025-03-31"} and run["filters"] == {"branch": "Pune"}
    assert run["downloadUrl"] is None and response["Location"] == run["statusUrl"]

    # Not made yet: no file, said in the envelope.
    early = client.get(f"/api/v1/report-runs/{run['id']}/download/")
    assert early.status_code == 404 and "queued" in _body(early)["error"]["message"]

    # The reports worker's part, as tests/reports/test_report_views.py runs it.
    with tenant_context(company):
        services.run_generate(ReportRun.objects.get(pk=run["id"]))

    status = _body(client.get(_path(run["statusUrl"])))["data"]
    assert status["status"] == "done" and status["progress"] == 100 and status["error"] is None
    assert status["filename"] == "sales-review-20240401-20250331.pdf"

    download = client.get(_path(status["downloadUrl"]), HTTP_ACCEPT="application/pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="sales-review-20240401-20250331.pdf"'
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(company=company, action=AuditEvent.Action.EXPORT)
    assert "sales-review-20240401-20250331.pdf" in event.summary and event.details["report"] == run["id"]
    assert event.details["key"] == client.key[:12]


def test_the_list_is_newest_first_and_pages(make_company, api_client):
    company, owner = make_company()
    with tenant_context(company):
        older = services.run_create(company=company, kind="operations", query={}, user=owner, enqueue=False)
        newer = services.run_create(company=company, kind="gst-summary", fmt="xlsx", query={}, enqueue=False)
    client = api_client(company, "analyst")
    body = _body(client.get("/api/v1/report-runs/", {"limit": 1}))
    assert [row["id"] for row in body["data"]] == [newer.pk]
    assert body["metadata"]["count"] == 2 and body["metadata"]["next"]
    rest = _body(client.get(body["metadata"]["next"]))
    assert [(row["id"], row["createdBy"]) for row in rest["data"]] == [(older.pk, owner.email)]
    assert rest["metadata"]["next"] is None


def test_a_viewer_key_may_not_ask_for_or_list_reports(make_company, api_client):
    company, _ = make_company()
    viewer = api_client(company, "viewer")
    response = viewer.post("/api/v1/report-runs/", {"kind": "sales-review"}, content_type="application/json")
    assert response.status_code == 403 and _body(response)["error"]["code"] == "forbidden"
    assert viewer.get("/api/v1/report-runs/").status_code == 403
    with tenant_context(company):
        assert not ReportRun.objects.exists()


@pytest.mark.parametrize(
    ("ask", "parameter"),
    [
        ({"kind": "payroll"}, "kind"),
        ({}, "kind"),
        ({"kind": "sales-review", "format": "docx"}, "format"),
        ({"kind": "sales-review", "from": "2025-13-01"}, "from"),
        ({"kind": "sales-review", "from": "2025-03-01", "to": "2024-01-01"}, "to"),
        ({"kind": "sales-review", "preset": "someday"}, "preset"),
        ({"kind": "sales-review", "filters": {"galaxy": "Andromeda"}}, "filters"),
        ({"kind": "sales-review", "colour": "blue"}, "colour"),
    ],
)
def test_a_bad_request_is_a_400_naming_the_field_and_makes_nothing(make_company, api_client, ask, parameter):
    company, _ = make_company()
    response = api_client(company, "analyst").post("/api/v1/report-runs/", ask, content_type="application/json")
    assert response.status_code == 400, response.content
    error = _body(response)["error"]
    assert error["parameter"] == parameter and parameter in error["message"]
    if ask.get("kind") == "payroll":
        assert "payroll" in error["message"]
    with tenant_context(company):
        assert not ReportRun.objects.exists()


def test_a_form_body_and_a_preset_work_as_the_generate_form(make_company, api_client):
    company, _ = make_company()
    client = api_client(company, "analyst")
    response = client.post("/api/v1/report-runs/", {"kind": "gst-summary", "format": "xlsx", "preset": "last_fy"})
    assert response.status_code == 202, response.content
    with tenant_context(company):
        run = ReportRun.objects.get()
    # A preset is written out as dates when asked for, as on the Reports page.
    assert run.format == "xlsx" and run.query["from"] and run.query["to"] and "preset" not in run.query


def test_a_failed_report_says_why_and_has_no_file(make_company, api_client, add_member):
    company, _ = make_company()
    analyst = add_member(company, "analyst")
    with tenant_context(company):
        run = services.run_create(company=company, kind="sales-review", query={}, user=analyst, enqueue=False)
        analyst.memberships.update(role="viewer")
        services.run_generate(run)
    client = api_client(company, "analyst")
    status = _body(client.get(f"/api/v1/report-runs/{run.pk}/"))["data"]
    assert status["status"] == "failed" and "may no longer generate" in status["error"]
    download = client.get(f"/api/v1/report-runs/{run.pk}/download/")
    assert download.status_code == 404 and "may no longer generate" in _body(download)["error"]["message"]
    assert client.get("/api/v1/report-runs/999999/").status_code == 404


SCHEDULE = {
    "name": "Board pack",
    "kind": "sales-review",
    "frequency": "weekly",
    "weekday": "monday",
    "timeOfDay": "09:00",
    "emailTo": ["asha@example.com", "ravi@example.com"],
    "filters": {"branch": " Pune "},
}


def test_a_manager_key_creates_lists_and_deletes_a_schedule(make_company, api_client):
    company, _ = make_company()
    client = api_client(company, "manager")

    response = client.post("/api/v1/schedules/", SCHEDULE, content_type="application/json")
    assert response.status_code == 201, response.content
    created = _body(response)["data"]
    with tenant_context(company):
        saved = Schedule.objects.get()
    assert created["id"] == saved.pk and response["Location"] == created["url"]
    assert (saved.weekday, saved.time_of_day.isoformat(), saved.is_active) == (0, "09:00:00", True)
    assert saved.email_to == "asha@example.com, ravi@example.com" and saved.filters == {"branch": "Pune"}
    assert created["emailTo"] == ["asha@example.com", "ravi@example.com"] and created["nextRunAt"]

    listed = _body(client.get("/api/v1/schedules/"))
    assert [row["name"] for row in listed["data"]] == ["Board pack"]
    assert listed["metadata"]["timezone"] == company.timezone
    assert _body(client.get(_path(created["url"])))["data"]["period"] == "previous"

    deleted = client.delete(_path(created["url"]))
    assert deleted.status_code == 200 and _body(deleted)["data"]["deleted"] is True
    assert _body(client.get("/api/v1/schedules/"))["data"] == []
    assert client.get(_path(created["url"])).status_code == 404
    actions = list(AuditEvent.objects.filter(company=company).values_list("action", flat=True))
    assert AuditEvent.Action.SCHEDULE_SAVED in actions and AuditEvent.Action.SCHEDULE_DELETED in actions


def test_a_schedule_s_slack_webhook_is_never_shown_whole(make_company, api_client):
    company, _ = make_company()
    url = "https://hooks.slack.com/services/T000/B000/abcdefghWXYZ"
    client = api_client(company, "manager")
    body = {**SCHEDULE, "emailTo": "", "slackWebhookUrl": url}
    created = _body(client.post("/api/v1/schedules/", body, content_type="application/json"))["data"]
    assert created["slackWebhook"] == "Slack webhook …WXYZ"
    assert url not in client.get("/api/v1/schedules/").content.decode()


@pytest.mark.parametrize(
    ("change", "parameter", "words"),
    [
        ({"emailTo": "asha@example"}, "emailTo", "not a valid email address"),
        ({"weekday": None}, "weekday", "day of the week"),
        ({"kind": "payroll"}, "kind", "payroll"),
        ({"timeOfDay": "25:99"}, "timeOfDay", "valid time"),
        ({"whatsappTo": ["98765 43210"]}, "whatsappTo", "country code"),
    ],
)
def test_a_bad_schedule_is_a_400_naming_the_field(make_company, api_client, change, parameter, words):
    company, _ = make_company()
    body = {**SCHEDULE, **change}
    response = api_client(company, "manager").post("/api/v1/schedules/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    error = _body(response)["error"]
    assert error["parameter"] == parameter and words in error["message"]
    with tenant_context(company):
        assert not Schedule.objects.exists()


def test_an_analyst_key_may_not_see_or_change_schedules(make_company, api_client):
    company, _ = make_company()
    with tenant_context(company):
        schedule = Schedule.objects.create(name="Kept", time_of_day=time(9), email_to="asha@example.com")
    analyst = api_client(company, "analyst")
    assert analyst.get("/api/v1/schedules/").status_code == 403
    assert analyst.post("/api/v1/schedules/", SCHEDULE, content_type="application/json").status_code == 403
    assert analyst.delete(f"/api/v1/schedules/{schedule.pk}/").status_code == 403
    with tenant_context(company):
        assert list(Schedule.objects.values_list("name", flat=True)) == ["Kept"]
