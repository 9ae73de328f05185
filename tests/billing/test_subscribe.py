"""Picking a plan creates a Razorpay subscription through the official client; Checkout's hand-back is verified;
only owners of the company may do any of it."""

from __future__ import annotations

import base64

import pytest
from django.db import connection

from billing.models import Plan, Subscription
from tests.fakes.http import Reply
from tests.fakes.razorpay import _error

pytestmark = pytest.mark.django_db


def test_picking_a_plan_syncs_it_and_creates_a_subscription_then_opens_checkout(subscribed, razorpay):
    company, client, sub_id = subscribed("growth", "annual")

    plan_call = razorpay.requests_to("/v1/plans")[0]
    assert base64.b64decode(plan_call.headers["Authorization"].split()[1]).decode() == (
        f"{razorpay.key_id}:{razorpay.key_secret}"
    )
    # ₹49,990 a year before GST, charged with 18% GST, in integer paise
    assert plan_call.json["item"]["amount"] == 5898820 and plan_call.json["period"] == "yearly"
    created = razorpay.requests_to("/v1/subscriptions")[0].json
    assert created["plan_id"] == Plan.objects.get(slug="growth").razorpay_annual_plan_id
    assert created["notes"]["company_id"] == str(company.pk)

    sub = Subscription.objects.get(company=company)
    assert (sub.status, sub.razorpay_subscription_id, sub.cycle) == ("created", sub_id, "annual")
    page = client.get("/billing/")
    assert "Waiting for payment" in page.content.decode()
    assert "Checkout started for the Growth plan, annual." in page.content.decode()


def test_a_second_company_reuses_the_synced_razorpay_plan(subscribed, make_company, company_client, razorpay):
    subscribed("growth")
    connection.set_schema_to_public()  # the request left the connection in the first company's schema
    other, owner = make_company()
    company_client(other, owner).post("/billing/subscribe/", {"plan": "growth", "cycle": "monthly"})
    assert len(razorpay.requests_to("/v1/plans")) == 1
    assert len(razorpay.requests_to("/v1/subscriptions")) == 2


def test_checkout_hand_back_with_a_valid_signature_waits_for_activation(subscribed, razorpay):
    company, client, sub_id = subscribed()
    response = client.post("/billing/checkout/complete/", razorpay.checkout_pay(sub_id), follow=True)
    assert "Razorpay is confirming the subscription" in response.content.decode()
    assert Subscription.objects.get(company=company).status == "awaiting_activation"
    # Not active until the webhooks say so: the plan's limits do not apply yet.
    assert "Paid, awaiting activation" in response.content.decode()


def test_a_forged_checkout_signature_changes_nothing(subscribed, razorpay):
    company, client, sub_id = subscribed()
    handback = razorpay.checkout_pay(sub_id) | {"razorpay_signature": "0" * 64}
    response = client.post("/billing/checkout/complete/", handback, follow=True)
    assert "We could not verify this payment" in response.content.decode()
    assert Subscription.objects.get(company=company).status == "created"


def test_razorpay_refusing_is_shown_to_the_owner_and_nothing_is_saved(owner_company, company_client, razorpay):
    company, owner = owner_company
    razorpay.queue_reply(_error("The total count field is required."), path="/v1/subscriptions")
    response = company_client(company, owner).post(
        "/billing/subscribe/", {"plan": "starter", "cycle": "monthly"}, follow=True
    )
    assert "Razorpay refused this: The total count field is required." in response.content.decode()
    assert not Subscription.objects.filter(company=company, status="created").exists()


def test_razorpay_down_is_a_clear_message(owner_company, company_client, razorpay):
    company, owner = owner_company
    razorpay.queue_reply(Reply(502, "<html>Bad gateway</html>"))
    response = company_client(company, owner).post(
        "/billing/subscribe/", {"plan": "starter", "cycle": "monthly"}, follow=True
    )
    assert "Razorpay could not be reached just now. Nothing was charged" in response.content.decode()


def test_wrong_keys_are_refused_by_razorpay(owner_company, company_client, razorpay, settings):
    settings.RAZORPAY_KEY_SECRET = "not-the-secret"
    company, owner = owner_company
    response = company_client(company, owner).post(
        "/billing/subscribe/", {"plan": "starter", "cycle": "monthly"}, follow=True
    )
    assert "The api key provided is invalid" in response.content.decode()
    assert razorpay.subscriptions == {}


@pytest.mark.parametrize("role", ["admin", "manager", "analyst", "viewer"])
def test_only_owners_see_billing_and_choose_plans(owner_company, add_member, company_client, razorpay, role):
    company, _ = owner_company
    client = company_client(company, add_member(company, role))
    assert client.get("/billing/").status_code == 403
    assert client.post("/billing/subscribe/", {"plan": "starter", "cycle": "monthly"}).status_code == 403
    assert client.post("/billing/cancel/").status_code == 403
    assert razorpay.requests == []


def test_members_of_another_company_get_403(owner_company, make_company, company_client, razorpay):
    company, _ = owner_company
    _, stranger = make_company()
    client = company_client(company, stranger)
    assert client.get("/billing/").status_code == 403
    assert client.post("/billing/subscribe/", {"plan": "starter", "cycle": "monthly"}).status_code == 403


def test_forms_need_a_csrf_token(owner_company, razorpay):
    from django.test import Client

    from tenants.urls_util import company_host

    company, owner = owner_company
    client = Client(HTTP_HOST=company_host(company.subdomain), enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post("/billing/subscribe/", {"plan": "starter", "cycle": "monthly"}).status_code == 403
    assert razorpay.requests == []


def test_cancel_is_at_the_end_of_the_period(active, razorpay, send_webhook):
    company, client, sub_id = active()
    response = client.post("/billing/cancel/", follow=True)
    assert razorpay.requests_to(f"/v1/subscriptions/{sub_id}/cancel")[0].json == {"cancel_at_cycle_end": 1}
    assert "stays active until" in response.content.decode()
    sub = Subscription.objects.get(company=company)
    assert sub.status == "active" and sub.cancel_at_period_end
    # Razorpay sends subscription.cancelled when the period ends
    razorpay.tick()
    send_webhook(razorpay.event("subscription.cancelled", sub_id, status="cancelled", ended_at=razorpay.clock))
    assert Subscription.objects.get(company=company).status == "cancelled"


def test_upgrade_is_immediate_and_downgrade_waits_for_the_period_end(active, razorpay, send_webhook):
    company, client, sub_id = active("growth")
    client.post("/billing/change-plan/", {"plan": "scale"})
    update = razorpay.requests_to(f"/v1/subscriptions/{sub_id}")[-1]
    assert update.method == "PATCH" and update.json["schedule_change_at"] == "now"
    assert Subscription.objects.get(company=company).plan.slug == "scale"

    client.post("/billing/change-plan/", {"plan": "starter"})
    update = razorpay.requests_to(f"/v1/subscriptions/{sub_id}")[-1]
    assert update.json["schedule_change_at"] == "cycle_end"
    sub = Subscription.objects.get(company=company)
    assert (sub.plan.slug, sub.scheduled_plan.slug) == ("scale", "starter")
    assert "Changes to the Starter plan at the end of this period" in client.get("/billing/").content.decode()

    # At the period's end Razorpay charges on the new plan
    razorpay.tick(30 * 86400)
    starter = Plan.objects.get(slug="starter").razorpay_monthly_plan_id
    payment = razorpay.payment(sub_id)
    send_webhook(razorpay.event("subscription.charged", sub_id, status="active", plan_id=starter, payment=payment))
    sub = Subscription.objects.get(company=company)
    assert (sub.plan.slug, sub.scheduled_plan) == ("starter", None)
