"""Razorpay's webhooks: signature first, each event once, any order, one effect."""

from __future__ import annotations

import json
import logging

import pytest

from billing.models import HistoryEntry, Invoice, Subscription, WebhookEvent
from tenants.models import Company

pytestmark = pytest.mark.django_db


def _state(company):
    sub = Subscription.objects.get(company=company)
    return sub.status


def test_activation_and_charge_make_the_company_active_with_an_invoice(active, razorpay):
    company, client, _ = active("growth")
    assert _state(company) == "active"
    assert Company.objects.get(pk=company.pk).status == "active"
    page = client.get("/billing/").content.decode()
    assert "Subscription to the Growth plan is active" in page
    assert "Payment of ₹5,898.82 received; invoice EL/" in page
    assert Invoice.objects.get(company=company).total_paise == 589882


@pytest.mark.parametrize("signature", ["", "0" * 64, "not-hex"], ids=["missing", "forged", "garbage"])
def test_a_missing_or_forged_signature_is_400_and_changes_nothing(subscribed, razorpay, send_webhook, signature):
    company, _, sub_id = subscribed()
    response = send_webhook(razorpay.event("subscription.activated", sub_id, status="active"), signature=signature)
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    assert _state(company) == "created"


def test_a_body_changed_after_signing_is_refused(subscribed, razorpay, send_webhook):
    company, _, sub_id = subscribed()
    event = razorpay.event("subscription.activated", sub_id, status="active")
    _, headers = razorpay.signed(event)
    tampered = json.dumps(event).replace("active", "halted").encode()
    response = send_webhook(event, signature=headers["X-Razorpay-Signature"], body=tampered)
    assert response.status_code == 400
    assert _state(company) == "created"


def test_signed_with_the_wrong_secret_is_refused(subscribed, razorpay, send_webhook, settings):
    company, _, sub_id = subscribed()
    settings.RAZORPAY_WEBHOOK_SECRET = "another-secret"
    assert send_webhook(razorpay.event("subscription.activated", sub_id, status="active")).status_code == 400
    assert _state(company) == "created"


def test_an_unknown_subscription_is_logged_and_acknowledged(subscribed, razorpay, send_webhook, caplog):
    subscribed()
    razorpay.subscriptions["sub_nobodyknows1"] = {"id": "sub_nobodyknows1", "status": "created", "plan_id": "x",
                                                  "notes": {}, "current_start": None}  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="billing.webhooks"):
        response = send_webhook(razorpay.event("subscription.activated", "sub_nobodyknows1", status="active"))
    assert response.status_code == 200
    assert "unknown subscription" in caplog.text
    assert WebhookEvent.objects.get().outcome == "unknown subscription: ignored"
    assert HistoryEntry.objects.filter(kind__startswith="state_").count() == 0


def test_the_same_event_ten_times_has_one_effect(subscribed, razorpay, send_webhook):
    company, _client, sub_id = subscribed()
    razorpay.checkout_pay(sub_id)
    event = razorpay.event("subscription.charged", sub_id, status="active", payment=razorpay.payment(sub_id))
    responses = [send_webhook(event, event_id="evt_same_one_0001") for _ in range(10)]
    assert [r.status_code for r in responses] == [200] * 10
    assert responses[1].json() == {"status": "already received"}
    assert WebhookEvent.objects.count() == 1
    assert Invoice.objects.filter(company=company).count() == 1
    assert HistoryEntry.objects.filter(company=company, kind="charged").count() == 1


def test_a_charge_redelivered_under_another_event_id_is_invoiced_once(subscribed, razorpay, send_webhook):
    company, _, sub_id = subscribed()
    event = razorpay.event("subscription.charged", sub_id, status="active", payment=razorpay.payment(sub_id))
    send_webhook(event)
    send_webhook(event)
    assert WebhookEvent.objects.count() == 2
    assert Invoice.objects.filter(company=company).count() == 1


def test_events_out_of_order_end_in_the_newest_state(subscribed, razorpay, send_webhook):
    company, _, sub_id = subscribed()
    t = razorpay.clock
    authenticated = razorpay.event("subscription.authenticated", sub_id, status="authenticated", at=t + 1)
    activated = razorpay.event("subscription.activated", sub_id, status="active", at=t + 2)
    charged = razorpay.event("subscription.charged", sub_id, status="active", at=t + 2,
                             payment=razorpay.payment(sub_id))  # fmt: skip
    halted = razorpay.event("subscription.halted", sub_id, status="halted", at=t + 100)
    for event in (halted, charged, activated, authenticated):
        assert send_webhook(event).status_code == 200
    assert _state(company) == "halted"
    assert Invoice.objects.filter(company=company).count() == 1  # the late charge still gets its invoice
    # One state change recorded for the newest event; the older ones changed nothing.
    assert list(
        HistoryEntry.objects.filter(company=company, kind__startswith="state_").values_list("kind", flat=True)
    ) == ["state_halted"]


def test_a_resume_after_a_halt_reactivates_and_clears_the_grace(subscribed, razorpay, send_webhook):
    company, _, sub_id = subscribed()
    send_webhook(razorpay.event("subscription.halted", sub_id, status="halted", at=razorpay.tick()))
    assert Subscription.objects.get(company=company).halted_at is not None
    send_webhook(razorpay.event("subscription.activated", sub_id, status="active", at=razorpay.tick()))
    sub = Subscription.objects.get(company=company)
    assert (sub.status, sub.halted_at) == ("active", None)


def test_a_cancelled_subscription_never_comes_back(subscribed, razorpay, send_webhook):
    company, _, sub_id = subscribed()
    send_webhook(razorpay.event("subscription.cancelled", sub_id, status="cancelled", at=razorpay.tick()))
    # A later-stamped activation cannot revive a cancelled Razorpay subscription.
    send_webhook(razorpay.event("subscription.activated", sub_id, status="active", at=razorpay.tick()))
    assert _state(company) == "cancelled"


@pytest.mark.parametrize(
    ("event", "status", "expected"),
    [
        ("subscription.authenticated", "authenticated", "authenticated"),
        ("subscription.activated", "active", "active"),
        ("subscription.pending", "pending", "pending"),
        ("subscription.halted", "halted", "halted"),
        ("subscription.paused", "paused", "paused"),
        ("subscription.resumed", "active", "active"),
        ("subscription.cancelled", "cancelled", "cancelled"),
        ("subscription.completed", "completed", "completed"),
    ],
)
def test_every_subscription_event_moves_the_state_and_is_in_the_history(subscribed, razorpay, send_webhook,
                                                                          event, status, expected):  # fmt: skip
    company, _client, sub_id = subscribed()
    send_webhook(razorpay.event(event, sub_id, status=status, at=razorpay.tick()))
    assert _state(company) == expected
    assert HistoryEntry.objects.filter(company=company, kind=f"state_{expected}").count() == 1


def test_a_failed_payment_is_in_the_history(subscribed, razorpay, send_webhook):
    _company, client, sub_id = subscribed()
    payment = razorpay.payment(sub_id, status="failed") | {"subscription_id": sub_id}
    send_webhook(razorpay.event("payment.failed", None, payment=payment))
    assert "Payment of ₹5,898.82 failed: Your card was declined." in client.get("/billing/").content.decode()


def test_a_float_amount_makes_no_invoice(subscribed, razorpay, send_webhook):
    _company, _, sub_id = subscribed()
    payment = razorpay.payment(sub_id) | {"amount": 5898.82}
    assert (
        send_webhook(razorpay.event("subscription.charged", sub_id, status="active", payment=payment)).status_code
        == 200
    )
    assert Invoice.objects.count() == 0


def test_not_json_is_400(razorpay, send_webhook, subscribed):
    subscribed()
    response = send_webhook({}, body=b"not json")
    assert response.status_code in (400,)
