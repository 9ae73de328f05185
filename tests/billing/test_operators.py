"""Operators: plans and the pricing page, events with their raw payload, trial extensions and free plans in the
audit trail, default plans on setup."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.models import HistoryEntry, OperatorAction, Plan, Subscription, WebhookEvent
from billing.services import default_plans_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(public_client):
    from tenants.models import User

    staff = User.objects.create_superuser(email="ops@elettro.example.com", password="Correct-Horse-77")
    public_client.force_login(staff)
    return public_client, staff


def test_the_pricing_page_is_generated_from_the_plans(public_client):
    Plan.objects.create(name="Enterprise", slug="enterprise", monthly_price_paise=4999900, annual_price_paise=49999000,
                        max_members=500, max_lines_per_month=20_000_000, max_storage_mb=1, max_report_schedules=1,
                        max_alert_channels=1, features=["A named account manager"], sort_order=9)  # fmt: skip
    Plan.objects.filter(slug="scale").update(is_public=False)
    text = public_client.get("/pricing/").content.decode()
    assert "Enterprise" in text and "₹49,999" in text and "A named account manager" in text
    assert "2,00,00,000 uploaded lines a month" in text
    assert 'data-plan="scale"' not in text


def test_plans_sync_to_razorpay_once_and_again_after_a_price_change(staff_client, razorpay):
    client, _ = staff_client
    starter = Plan.objects.get(slug="starter")
    action = {"action": "sync_to_razorpay", "_selected_action": [starter.pk]}
    client.post("/admin/billing/plan/", action)
    client.post("/admin/billing/plan/", action)
    assert len(razorpay.requests_to("/v1/plans")) == 2  # monthly and annual, once each
    Plan.objects.filter(pk=starter.pk).update(monthly_price_paise=199900)
    client.post("/admin/billing/plan/", action)
    calls = razorpay.requests_to("/v1/plans")
    assert len(calls) == 3 and calls[-1].json["item"]["amount"] == 235882


def test_operators_extend_a_trial_with_a_reason_in_the_audit_trail(staff_client, owner_company, company_client):
    client, staff = staff_client
    company, owner = owner_company
    sub, _ = Subscription.objects.get_or_create(company=company)
    before = company.trial_ends_at
    page = client.get(f"/admin/billing/subscription/{sub.pk}/operate/")
    assert page.status_code == 200
    response = client.post(f"/admin/billing/subscription/{sub.pk}/operate/",
                           {"action": "trial_extend", "days": 10, "reason": "Onboarding took longer"})  # fmt: skip
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.trial_ends_at - before).days == 10
    audit = OperatorAction.objects.get(company=company)
    assert (audit.action, audit.operator_email, audit.reason) == ("trial_extend", staff.email, "Onboarding took longer")
    assert "Free trial extended by 10 days" in company_client(company, owner).get("/billing/").content.decode()


def test_a_reason_is_required(staff_client, owner_company):
    client, _ = staff_client
    company, _ = owner_company
    sub, _ = Subscription.objects.get_or_create(company=company)
    response = client.post(f"/admin/billing/subscription/{sub.pk}/operate/",
                           {"action": "trial_extend", "days": 10, "reason": ""})  # fmt: skip
    assert response.status_code == 200
    assert not OperatorAction.objects.exists()


def test_operators_grant_a_plan_free(staff_client, owner_company):
    client, _ = staff_client
    company, _ = owner_company
    sub, _ = Subscription.objects.get_or_create(company=company)
    growth = Plan.objects.get(slug="growth")
    client.post(f"/admin/billing/subscription/{sub.pk}/operate/",
                {"action": "plan_grant_free", "plan": growth.pk, "reason": "Design partner"})  # fmt: skip
    sub.refresh_from_db()
    assert (sub.status, sub.plan, sub.free_until) == ("free", growth, None)
    assert OperatorAction.objects.get(company=company).details == {"plan": "growth", "until": None}
    assert HistoryEntry.objects.filter(company=company, kind="plan_granted").exists()


def test_the_raw_payload_of_an_event_is_viewable(staff_client, active):
    client, _ = staff_client
    active()
    event = WebhookEvent.objects.filter(event="subscription.charged").get()
    text = client.get(f"/admin/billing/webhookevent/{event.pk}/change/").content.decode()
    assert "&quot;event&quot;: &quot;subscription.charged&quot;" in text
    assert client.get("/admin/billing/invoice/").status_code == 200
    assert client.get("/admin/billing/operatoraction/").status_code == 200


def test_default_plans_are_seeded_only_when_there_are_none():
    assert default_plans_ensure() == 0  # the migration made them
    Plan.objects.all().delete()
    call_command("setup_platform", verbosity=0)
    assert sorted(Plan.objects.values_list("slug", flat=True)) == ["growth", "scale", "starter"]
    Plan.objects.filter(slug="scale").update(name="Scale+")
    call_command("setup_platform", verbosity=0)
    assert Plan.objects.get(slug="scale").name == "Scale+"
    assert timezone.now()
