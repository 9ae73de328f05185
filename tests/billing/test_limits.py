"""Where limits bite: members, the monthly line quota, report schedules; read-only after the trial, after a
halt's grace period and after a cancelled period ends. Each refusal says why and links to the billing page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from billing import limits, services
from billing.models import Plan
from tenants.models import Company

pytestmark = pytest.mark.django_db
CSV = b"Invoice No,Date,Customer,Product,Qty,Amount\nINV-1,01/04/2025,Acme,Cable,2,1000\n"


def _grant(company, slug: str):
    services.plan_grant_free(company=company, plan=Plan.objects.get(slug=slug), until=None, operator=None,
                             reason="test set-up")  # fmt: skip


def _end_trial(company):
    Company.objects.filter(pk=company.pk).update(trial_ends_at=timezone.now() - timedelta(days=1))
    company.refresh_from_db()


def _upload(client):
    file = SimpleUploadedFile("sales.csv", CSV, content_type="text/csv")
    return client.post("/uploads/new/", {"kind": "sales", "mode": "append", "files": [file]})


def test_inviting_beyond_the_member_limit_says_so_with_an_upgrade_link(owner_company, company_client):
    company, owner = owner_company
    _grant(company, "starter")  # 3 people
    client = company_client(company, owner)
    for n in (1, 2):
        client.post("/members/invite/", {"email": f"p{n}@example.com", "role": "viewer"})
    page = client.post("/members/invite/", {"email": "p3@example.com", "role": "viewer"}, follow=True)
    text = page.content.decode()
    assert "The Starter plan allows 3 people and this company has 3" in text
    assert 'href="/billing/">See plans and upgrade</a>' in text
    assert company.invitations.filter(email="p3@example.com").count() == 0


def test_uploads_stop_at_the_monthly_line_quota(owner_company, company_client):
    from ingestion.models import ImportJob

    company, owner = owner_company
    _grant(company, "starter")  # 50,000 lines a month
    client = company_client(company, owner)
    with schema_context(company.schema_name):
        ImportJob.objects.create(original_name="big.csv", checksum="x", status=ImportJob.Status.SUCCEEDED,
                                 rows_loaded=50_000, finished_at=timezone.now())  # fmt: skip
    response = _upload(client)
    text = response.content.decode()
    assert response.status_code == 400
    assert "This month&#x27;s uploads have reached 50,000 lines; the Starter plan allows 50,000 a month." in text
    assert "See plans and upgrade" in text


def test_a_trial_that_ended_is_read_only_with_dashboards_still_visible(owner_company, company_client, add_member):
    company, owner = owner_company
    _end_trial(company)
    client = company_client(company, owner)
    home = client.get("/")
    assert home.status_code == 200
    assert "Read-only." in home.content.decode() and "Your free trial ended on" in home.content.decode()
    response = _upload(client)
    assert response.status_code == 400
    assert "The company is read-only, so you cannot upload files" in response.content.decode()
    # People who cannot pay are told to ask an owner
    connection.set_schema_to_public()
    viewer = company_client(company, add_member(company, "analyst"))
    assert "Ask an owner of the company to choose a plan." in viewer.get("/").content.decode()


def test_a_trial_shows_its_end_and_a_link_to_choose_a_plan(owner_company, company_client):
    company, owner = owner_company
    text = company_client(company, owner).get("/").content.decode()
    assert "Free trial until" in text and "Choose a plan" in text


def test_schedules_are_limited_by_the_plan_and_paused_when_read_only(owner_company):
    company, _ = owner_company
    _grant(company, "starter")  # 2 schedules
    limits.ensure_can_add_schedule(company, 1)
    with pytest.raises(limits.PlanLimitError) as refused:
        limits.ensure_can_add_schedule(company, 2)
    assert "The Starter plan allows 2 report schedules and this company has 2." in refused.value.message
    assert refused.value.upgrade_url.endswith(f"{company.subdomain}.localhost:8000/billing/")
    assert not limits.schedules_paused(company)

    other_company_state = Company.objects.get(pk=company.pk)
    services.plan_grant_free(company=other_company_state, plan=Plan.objects.get(slug="starter"),
                             until=timezone.now() - timedelta(seconds=1), operator=None, reason="ended")  # fmt: skip
    _end_trial(company)
    assert limits.schedules_paused(company)
    with pytest.raises(limits.PlanLimitError, match="read-only"):
        limits.ensure_can_add_schedule(company, 0)


@pytest.mark.parametrize(("days_ago", "read_only"), [(2, False), (8, True)])
def test_halted_payments_get_seven_days_of_grace(active, razorpay, send_webhook, days_ago, read_only):
    halted_at = int((timezone.now() - timedelta(days=days_ago)).timestamp())
    razorpay.clock = halted_at - 100  # activated and charged before the halt (an older halt would be stale)
    company, client, sub_id = active()
    send_webhook(razorpay.event("subscription.halted", sub_id, status="halted", at=halted_at))
    company.refresh_from_db()
    assert limits.is_read_only(company) is read_only
    text = client.get("/").content.decode()
    if read_only:
        assert "Payments failed and the grace period ended on" in text
    else:
        assert "Razorpay has stopped retrying" in text and "or the company becomes read-only" in text


@pytest.mark.parametrize(("ends_in_days", "read_only"), [(5, False), (-1, True)])
def test_a_cancelled_plan_runs_to_the_end_of_its_period(active, razorpay, send_webhook, ends_in_days, read_only):
    company, _, sub_id = active()
    end = int((timezone.now() + timedelta(days=ends_in_days)).timestamp())
    send_webhook(razorpay.event("subscription.cancelled", sub_id, status="cancelled", at=razorpay.tick(),
                                current_end=end))  # fmt: skip
    assert limits.is_read_only(company) is read_only


def test_members_can_still_be_invited_on_the_largest_plan_during_a_trial(owner_company, company_client):
    company, owner = owner_company
    response = company_client(company, owner).post(
        "/members/invite/", {"email": "new@example.com", "role": "viewer"}, follow=True
    )
    assert "Invitation sent to new@example.com." in response.content.decode()
