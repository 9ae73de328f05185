"""Sandbox mode is the stand-in for Razorpay only when no keys are set, and never in production."""

from __future__ import annotations

import pytest

from billing.razorpay_client import RazorpayGateway, gateway, sandbox_active
from billing.sandbox import SandboxRazorpay

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_keys(settings):
    settings.RAZORPAY_KEY_ID = settings.RAZORPAY_KEY_SECRET = settings.RAZORPAY_WEBHOOK_SECRET = ""
    return settings


def test_no_keys_means_sandbox(no_keys):
    assert sandbox_active() and isinstance(gateway(), SandboxRazorpay)


def test_keys_mean_the_real_client_and_no_sandbox_pages(razorpay, subscribed):
    assert not sandbox_active() and isinstance(gateway(), RazorpayGateway)
    _, client, _ = subscribed()
    assert client.get("/billing/checkout/").status_code == 200  # Razorpay's Checkout page
    assert client.get("/billing/sandbox/checkout/").status_code == 404
    assert client.post("/billing/sandbox/pay/", {"outcome": "success"}).status_code == 404


def test_production_never_uses_the_sandbox(no_keys, owner_company, company_client):
    no_keys.BILLING_SANDBOX_ALLOWED = False
    assert not sandbox_active()
    company, owner = owner_company
    response = company_client(company, owner).post(
        "/billing/subscribe/", {"plan": "starter", "cycle": "monthly"}, follow=True
    )
    assert "Payments are not set up on this server yet" in response.content.decode()


def test_the_sandbox_signs_checkout_and_webhooks_with_its_own_secrets(no_keys):
    from billing.razorpay_client import checkout_signature_valid, hmac_sha256, webhook_signature_valid

    sandbox = SandboxRazorpay()
    signature = hmac_sha256(sandbox.key_secret, b"pay_1|sub_1")
    assert checkout_signature_valid(payment_id="pay_1", subscription_id="sub_1", signature=signature)
    assert webhook_signature_valid(body=b"{}", signature=hmac_sha256(sandbox.webhook_secret, b"{}"))
    assert not webhook_signature_valid(body=b"{}", signature=hmac_sha256(sandbox.key_secret, b"{}"))
