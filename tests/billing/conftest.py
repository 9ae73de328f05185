"""Billing tests run against the fake Razorpay in tests/fakes/razorpay.py, configured the way production is:
keys and the API address from settings."""

from __future__ import annotations

import pytest

from tests.fakes.razorpay import FakeRazorpay

WEBHOOK = "/billing/razorpay/webhook/"


@pytest.fixture
def razorpay(settings):
    with FakeRazorpay() as fake:
        settings.RAZORPAY_KEY_ID = fake.key_id
        settings.RAZORPAY_KEY_SECRET = fake.key_secret
        settings.RAZORPAY_WEBHOOK_SECRET = fake.webhook_secret
        settings.RAZORPAY_API_BASE_URL = fake.url
        yield fake


@pytest.fixture
def owner_company(make_company):
    """A company in Maharashtra (our GSTIN is Karnataka's, so its invoices carry IGST) and its owner."""
    return make_company(home_state="27", gstin="27AAPFU0939F1ZV")


@pytest.fixture
def send_webhook(public_client, razorpay):
    def send(event: dict, *, event_id: str | None = None, signature: str | None = None, body: bytes | None = None):
        raw, headers = razorpay.signed(event, event_id=event_id)
        if body is not None:  # raw bytes, signed as they are unless a signature is given
            raw = body
            headers["X-Razorpay-Signature"] = razorpay.signed_bytes(body)
        extra = {"HTTP_X_RAZORPAY_EVENT_ID": headers["X-Razorpay-Event-Id"]}
        sig = headers["X-Razorpay-Signature"] if signature is None else signature
        if sig:
            extra["HTTP_X_RAZORPAY_SIGNATURE"] = sig
        return public_client.post(WEBHOOK, data=raw, content_type="application/json", **extra)

    return send


@pytest.fixture
def subscribed(owner_company, company_client, razorpay):
    """The owner picked a plan: returns (company, owner client, Razorpay subscription id)."""

    def subscribe(plan: str = "growth", cycle: str = "monthly"):
        company, owner = owner_company
        client = company_client(company, owner)
        response = client.post("/billing/subscribe/", {"plan": plan, "cycle": cycle})
        assert response.status_code == 302, response.content
        sub_id = (
            next(iter(razorpay.subscriptions)) if len(razorpay.subscriptions) == 1 else list(razorpay.subscriptions)[-1]
        )
        return company, client, sub_id

    return subscribe


@pytest.fixture
def active(subscribed, razorpay, send_webhook):
    """A company whose subscription Razorpay has activated and charged once."""

    def make(plan: str = "growth"):
        company, client, sub_id = subscribed(plan)
        handback = razorpay.checkout_pay(sub_id)
        client.post("/billing/checkout/complete/", handback)
        razorpay.tick()
        payment = razorpay.payment(sub_id, payment_id=handback["razorpay_payment_id"])
        assert send_webhook(razorpay.event("subscription.activated", sub_id, status="active")).status_code == 200
        assert send_webhook(razorpay.event("subscription.charged", sub_id, payment=payment)).status_code == 200
        return company, client, sub_id

    return make
