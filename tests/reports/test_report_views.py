"""Generating and downloading reports as members meet it: the Generate button, the list of every report, the
download, and who may do what (roles, other companies, anyone not logged in)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_tenants.utils import tenant_context

from reports import services
from reports.models import ReportRun

pytestmark = pytest.mark.django_db


def test_generate_on_the_overview_records_the_selection_and_the_download_serves_the_file(
    sales_company, add_member, company_client, django_capture_on_commit_callbacks
):
    company, _, _ = sales_company
    analyst = add_member(company, "analyst")
    client = company_client(company, analyst)

    overview = client.get("/?from=2024-04-01&to=2025-03-31&branch=Pune").content.decode()
    assert 'id="generate-report"' in overview

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("report_generate"),
            {"page": "overview", "query": "from=2024-04-01&to=2025-03-31&branch=Pune", "format": "pdf"},
        )
    assert response.status_code == 302
    assert len(queued) == 1  # the reports worker is asked once the run is committed
    with tenant_context(company):
        run = ReportRun.objects.get()
        assert (run.kind, run.format, run.status) == ("sales-review", "pdf", "queued")
        assert run.query == {"from": "2024-04-01", "to": "2025-03-31", "branch": "Pune"}
        assert run.period_label == "1 Apr 2024 to 31 Mar 2025"
        assert run.created_by_email == analyst.email
        services.run_generate(run)
        run.refresh_from_db()
    assert response["Location"] == reverse("report_run", args=[run.pk])
    assert run.status == "done" and run.progress == 100 and run.pages >= 2

    status = client.get(reverse("report_status", args=[run.pk])).json()
    assert status["status"] == "done" and status["download_url"].endswith(f"/reports/{run.pk}/download/")
    listing = client.get(reverse("reports")).content.decode()
    assert "Sales review" in listing and "branch: Pune" in listing and analyst.email in listing

    download = client.get(reverse("report_download", args=[run.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="sales-review-20240401-20250331.pdf"'
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_presets_are_written_out_as_dates_when_the_report_is_asked_for(sales_company, company_client):
    company, owner, _ = sales_company
    client = company_client(company, owner)
    client.post(
        reverse("report_generate"),
        {"kind": "gst-summary", "format": "xlsx", "date_from": "2024-07-01", "state": " Tamil  Nadu "},
    )
    with tenant_context(company):
        run = ReportRun.objects.get()
    assert run.kind == "gst-summary" and run.query["from"] == "2024-07-01" and run.query["to"]
    assert run.query["state"] == "Tamil Nadu" and run.filters_label == "state: Tamil Nadu"


def test_a_bad_request_saves_nothing_and_says_why(sales_company, company_client):
    company, owner, _ = sales_company
    client = company_client(company, owner)
    response = client.post(reverse("report_generate"), {"kind": "payroll", "format": "pdf"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    response = client.post(
        reverse("report_generate"),
        {"kind": "sales-review", "format": "pdf", "date_from": "2025-03-01", "date_to": "2024-01-01"},
    )
    assert response.status_code == 400 and "before the start date" in response.content.decode()
    with tenant_context(company):
        assert not ReportRun.objects.exists()


def test_who_may_generate_list_and_download(sales_company, add_member, company_client, make_company, public_client):
    company, owner, _ = sales_company
    with tenant_context(company):
        run = services.run_generate(
            services.run_create(company=company, kind="operations", query={}, user=owner, enqueue=False)
        )
    viewer = add_member(company, "viewer")
    other_company, stranger = make_company("rival")
    download = reverse("report_download", args=[run.pk])

    viewer_client = company_client(company, viewer)
    assert viewer_client.get(download).status_code == 403
    assert viewer_client.get(reverse("reports")).status_code == 403
    assert viewer_client.post(reverse("report_generate"), {"kind": "operations", "format": "pdf"}).status_code == 403
    assert 'id="generate-report"' not in viewer_client.get("/").content.decode()

    # A member of another company, on this company's host: not a member here.
    assert company_client(company, stranger).get(download).status_code in (403, 404)
    # ...and on their own host the id means nothing.
    assert company_client(other_company, stranger).get(download).status_code == 404
    # Nobody logged in is sent to log in, never served.
    anonymous = company_client(company).get(download)
    assert anonymous.status_code in (302, 403)
    assert not getattr(anonymous, "streaming", False)

    assert company_client(company, owner).get(download).status_code == 200


def test_a_run_whose_maker_lost_the_right_is_not_made(sales_company, add_member):
    company, _, _ = sales_company
    analyst = add_member(company, "analyst")
    with tenant_context(company):
        run = services.run_create(company=company, kind="sales-review", query={}, user=analyst, enqueue=False)
        analyst.memberships.update(role="viewer")
        run = services.run_generate(run)
    assert run.status == "failed" and "may no longer generate" in run.error
    assert not run.file


def test_a_failed_report_has_a_retry_button_that_queues_it_again(make_company, company_client):

    company, owner = make_company("retryreport")
    with tenant_context(company):
        run = services.run_create(company=company, kind="sales-review", query={}, user=owner, enqueue=False)
        ReportRun.objects.filter(pk=run.pk).update(status="failed", error="The worker stopped.")
    client = company_client(company, owner)
    assert 'id="retry"' in client.get(f"/reports/{run.pk}/").content.decode()
    assert client.post(f"/reports/{run.pk}/retry/").status_code == 302
    with tenant_context(company):
        run.refresh_from_db()
        assert run.status == "queued" and run.error == ""
        assert services.run_generate(run).status == "done"
    assert 'id="retry"' not in client.get(f"/reports/{run.pk}/").content.decode()
