"""Checkout asks for the company's GSTIN when it has none: a valid one is saved on the company and printed on the
tax invoice; a malformed one is refused with the reason; "not registered" goes on to pay, invoiced as such."""

from __future__ import annotations

import pytest

from billing.models import Invoice
from tenants.audit import AuditEvent
from tenants.models import Company
from tests.billing.test_invoices import _pdf_text

pytestmark = pytest.mark.django_db

CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _check_digit(first14: str) -> str:
    """The GSTIN check character, worked out here from the published rule (base 36, alternate weights 1 and 2)."""
    total = 0
    for index, char in enumerate(first14):
        product = CHARS.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return CHARS[(36 - total % 36) % 36]


MAHARASHTRA = "27AAPFU0939F1Z" + _check_digit("27AAPFU0939F1Z")
GUJARAT = "24AAPFU0939F1Z" + _check_digit("24AAPFU0939F1Z")


@pytest.fixture
def checkout(make_company, company_client, razorpay):
    """A Maharashtra company with no GSTIN whose owner has picked a plan: (company, owner client, subscription)."""
    company, owner = make_company(home_state="27")
    client = company_client(company, owner)
    assert client.post("/billing/subscribe/", {"plan": "growth", "cycle": "monthly"}).status_code == 302
    return company, client, next(iter(razorpay.subscriptions))


def _pay(client, razorpay, send_webhook, sub_id) -> Invoice:
    handback = razorpay.checkout_pay(sub_id)
    client.post("/billing/checkout/complete/", handback)
    payment = razorpay.payment(sub_id, payment_id=handback["razorpay_payment_id"])
    assert (
        send_webhook(razorpay.event("subscription.charged", sub_id, status="active", payment=payment)).status_code
        == 200
    )
    return Invoice.objects.get(razorpay_payment_id=handback["razorpay_payment_id"])


def test_checkout_asks_for_the_gstin_saves_it_and_the_invoice_prints_it(checkout, razorpay, send_webhook):
    company, client, sub_id = checkout
    assert MAHARASHTRA == "27AAPFU0939F1ZV"  # the rule reproduces a published sample GSTIN

    asked = client.get("/billing/checkout/").content.decode()
    assert 'name="gstin"' in asked and "Pay with Razorpay" not in asked

    saved = client.post("/billing/checkout/", {"gstin": " 27aapfu0939f1zv ", "registered": "yes"})
    assert saved.status_code == 302 and saved["Location"] == "/billing/checkout/"
    company.refresh_from_db()
    assert company.gstin == MAHARASHTRA
    assert AuditEvent.objects.filter(company=company, details__changes__gstin__1=MAHARASHTRA).exists()
    assert "Pay with Razorpay" in client.get("/billing/checkout/").content.decode()  # asked once

    invoice = _pay(client, razorpay, send_webhook, sub_id)
    assert invoice.customer_gstin == MAHARASHTRA
    text = _pdf_text(client.get(f"/billing/invoices/{invoice.pk}.pdf").content)
    assert f"GSTIN: {MAHARASHTRA}" in text and "Unregistered" not in text


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (MAHARASHTRA[:-1] + ("A" if MAHARASHTRA[-1] != "A" else "B"), "check digit does not match"),
        (MAHARASHTRA[:14], "A GSTIN has 15 characters; this one has 14."),
        ("27AAPFU0939F1ZVX", "A GSTIN has 15 characters; this one has 16."),
        ("2712345678901Z5", "A GSTIN is 2 digits of state code, a 10-character PAN"),
        ("40AAPFU0939F1Z" + _check_digit("40AAPFU0939F1Z"), "40 is not a GST state code."),
        (GUJARAT, "registered in Gujarat (24), but the company's home state is Maharashtra (27)"),
        ("", "Enter your GSTIN, or choose"),
        ("x" * 1000, "A GSTIN has 15 characters; this one has 1000."),
    ],
)
def test_a_wrong_gstin_is_refused_with_the_reason(checkout, given, reason):
    company, client, _ = checkout

    refused = client.post("/billing/checkout/", {"gstin": given, "registered": "yes"})

    assert refused.status_code == 400
    page = refused.content.decode().replace("&#x27;", "'")
    assert reason in page and 'aria-invalid="true"' in page
    assert Company.objects.get(pk=company.pk).gstin == ""


def test_an_unregistered_business_goes_on_to_pay_and_is_invoiced_as_unregistered(checkout, razorpay, send_webhook):
    company, client, sub_id = checkout

    skipped = client.post("/billing/checkout/", {"gstin": "", "registered": "no"})

    assert skipped.status_code == 302 and skipped["Location"] == "/billing/checkout/"
    assert "Pay with Razorpay" in client.get("/billing/checkout/").content.decode()
    invoice = _pay(client, razorpay, send_webhook, sub_id)
    assert invoice.customer_gstin == "" and Company.objects.get(pk=company.pk).gstin == ""
    assert "GSTIN: Unregistered" in _pdf_text(client.get(f"/billing/invoices/{invoice.pk}.pdf").content)


def test_a_company_with_a_gstin_goes_straight_to_payment(subscribed):
    _, client, _ = subscribed("growth")
    assert "Pay with Razorpay" in client.get("/billing/checkout/").content.decode()


@pytest.mark.parametrize("role", ["admin", "manager", "viewer"])
def test_only_owners_give_the_gstin(checkout, add_member, company_client, role):
    company, _, _ = checkout
    member = add_member(company, role)

    answer = company_client(company, member).post("/billing/checkout/", {"gstin": MAHARASHTRA, "registered": "yes"})

    assert answer.status_code == 403 and Company.objects.get(pk=company.pk).gstin == ""
