"""The owner's audit log: uploads, deletions, role, settings and schedule changes, and downloads, with who and
when; only owners see it, only their own company's, and a change that failed leaves no line."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from ingestion import services as ingestion
from reports.models import Schedule
from tenants.models import AuditEvent, Membership
from tests.ingestion.test_pipeline import csv_bytes
from tests.reports.test_schedules import VALID as SCHEDULE

pytestmark = pytest.mark.django_db

ROWS = [["Invoice No", "Date", "Customer", "Item", "Qty", "Amount"],
        *[[f"INV-{n}", "01/04/2025", f"Customer {n % 3}", "Cable", "2", str(1000 + n)] for n in range(12)]]  # fmt: skip


def _log(client, **query) -> str:
    response = client.get("/audit/", query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_owner_sees_who_did_what(make_company, add_member, company_client):
    company, owner = make_company("audited")
    admin = add_member(company, "admin")
    viewer = add_member(company, "viewer")
    client = company_client(company, owner)
    admin_client = company_client(company, admin)

    upload = SimpleUploadedFile("april.csv", csv_bytes(ROWS))
    assert admin_client.post("/uploads/new/", {"kind": "sales", "mode": "append", "files": [upload]}).status_code == 302
    with tenant_context(company):  # lines for a chart to download (the page's upload waits for its column check)
        data = ingestion.upload_create(file=ContentFile(csv_bytes(ROWS), name="data.csv"), run="inline")
        assert ingestion.import_run(job_id=data.pk).status == "succeeded"
    membership = Membership.objects.get(user=viewer, company=company)
    client.post(f"/members/{membership.pk}/role/", {"role": "analyst"})
    settings_form = {"name": "Audited Traders", "gstin": company.gstin, "home_state": company.home_state,
                     "fiscal_year_start_month": company.fiscal_year_start_month, "timezone": company.timezone,
                     "currency": company.currency}  # fmt: skip
    assert admin_client.post("/settings/", settings_form).status_code == 302
    assert client.post("/reports/schedules/new/", SCHEDULE).status_code == 302
    with tenant_context(company):
        schedule = Schedule.objects.get()
    assert client.post(f"/reports/schedules/{schedule.pk}/delete/").status_code == 302
    assert admin_client.get("/?download=top_customers&format=csv").status_code == 200

    page = _log(client)

    assert admin.email in page and "Uploaded “april.csv” (Sales" in page
    assert f"Changed {viewer.email} from viewer to analyst" in page
    assert "Changed the company settings: name" in page
    assert "Created the report schedule “Board pack”" in page and "Deleted the report schedule “Board pack”" in page
    assert "Downloaded “" in page and "(CSV)" in page
    settings_event = AuditEvent.objects.get(company=company, action="settings_changed")
    assert settings_event.details["changes"]["name"] == ["Company audited", "Audited Traders"]
    assert settings_event.actor_email == admin.email and len(settings_event.request_id) == 32

    only_roles = _log(client, action="role_changed")
    assert "from viewer to analyst" in only_roles and "april.csv" not in only_roles


def test_deleting_an_upload_and_a_command_line_upload_are_logged(make_company, company_client):
    company, owner = make_company("auditdel")
    with tenant_context(company):
        job = ingestion.upload_create(file=ContentFile(csv_bytes(ROWS), name="may.csv"), run="inline")
        assert ingestion.import_run(job_id=job.pk).status == "succeeded"
    client = company_client(company, owner)
    assert client.post(f"/uploads/{job.pk}/delete/", {"confirm": "yes"}).status_code == 302

    page = _log(client)

    assert "Deleted the upload “may.csv”: 12 lines" in page
    assert "a command or scheduled task" in page  # the upload made without a person
    assert page.index("Deleted the upload") < page.index("Uploaded “may.csv”")  # newest first


def test_only_owners_see_the_log_and_only_their_companys(make_company, add_member, company_client):
    company, owner = make_company("auditone")
    other, other_owner = make_company("audittwo")
    with tenant_context(other):
        ingestion.upload_create(file=ContentFile(csv_bytes(ROWS), name="secret-plans.csv"), run="inline",
                                user=other_owner)  # fmt: skip
    for role in ("admin", "manager", "analyst", "viewer"):
        assert company_client(company, add_member(company, role)).get("/audit/").status_code == 403
    page = _log(company_client(company, owner))
    assert "secret-plans.csv" not in page
    assert company_client(other, owner).get("/audit/").status_code in (302, 403)  # not a member there


def test_a_change_that_failed_leaves_no_line(make_company, company_client):
    company, owner = make_company("auditfail")
    client = company_client(company, owner)
    membership = Membership.objects.get(user=owner, company=company)
    response = client.post(f"/members/{membership.pk}/role/", {"role": "viewer"}, follow=True)
    assert "at least one owner" in response.content.decode()
    assert not AuditEvent.objects.filter(company=company, action="role_changed").exists()


def test_a_bad_filter_is_a_400(make_company, company_client):
    company, owner = make_company("auditbad")
    assert company_client(company, owner).get("/audit/", {"action": "drop table"}).status_code == 400
