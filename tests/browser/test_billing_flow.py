"""The sandbox billing flow in a real browser, offline: a company on trial picks a plan, pays on the stand-in
Checkout page, Razorpay's (sandbox) webhooks activate it, and the GST invoice downloads."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

PASSWORD = "Correct-Horse-77"  # the password tests/conftest.py gives every owner

pytestmark = pytest.mark.browser


@pytest.fixture
def sandbox_company(make_company_committed, settings):
    settings.RAZORPAY_KEY_ID = settings.RAZORPAY_KEY_SECRET = settings.RAZORPAY_WEBHOOK_SECRET = ""
    company, owner = make_company_committed("paysandbox")
    yield company, owner
    # Invoices are protected from deletion with their company; this test's committed ones go first.
    from django.db import connection

    from billing.models import Invoice, InvoiceCounter, WebhookEvent

    connection.set_schema_to_public()
    years = set(Invoice.objects.filter(company=company).values_list("financial_year", flat=True))
    Invoice.objects.filter(company=company).delete()
    InvoiceCounter.objects.filter(financial_year__in=years).delete()
    WebhookEvent.objects.filter(company=company).delete()


def test_trial_pick_a_plan_pay_in_the_sandbox_become_active_and_download_the_invoice(live_site, page,
                                                                                      sandbox_company):  # fmt: skip
    port = live_site.rsplit(":", 1)[1]
    page.goto(f"{live_site}/accounts/login/?next=/go/paysandbox/%3Fnext%3D/billing/")
    page.get_by_label("Email").fill("owner@paysandbox.example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(f"http://paysandbox.localhost:{port}/billing/")
    expect(page.locator(".billing-banner")).to_contain_text("Free trial until")
    expect(page.locator(".billing-status")).to_contain_text("Free trial")
    expect(page.locator(".sandbox-note")).to_contain_text("Sandbox mode")

    starter = page.locator('[data-plan="starter"]')
    starter.get_by_label("Billing for Starter").select_option("monthly")
    starter.get_by_role("button", name="Choose Starter").click()
    expect(page.locator("#gstin-step")).to_be_visible()  # the company has no GSTIN: checkout asks for it first
    page.get_by_label("GSTIN").fill("27aapfu0939f1zv")
    page.get_by_role("button", name="Save GSTIN and continue to payment").click()

    expect(page).to_have_url(re.compile(r"/billing/sandbox/checkout/$"))
    expect(page.locator(".amount")).to_have_text("₹1,768.82")
    page.get_by_role("button", name="Simulate a failed payment").click()
    expect(page.locator(".messages")).to_contain_text("The payment failed (sandbox)")
    page.get_by_role("button", name="Pay ₹1,768.82").click()

    # Checkout's hand-back is verified, then the sandbox's signed webhooks activate the subscription.
    expect(page).to_have_url(f"http://paysandbox.localhost:{port}/billing/")
    expect(page.locator(".billing-status")).to_contain_text("Active", timeout=20_000)
    expect(page.locator(".billing-status")).to_contain_text("Starter (monthly)")
    expect(page.locator("#history")).to_contain_text("Subscription to the Starter plan is active")
    expect(page.locator("#history")).to_contain_text("Payment of ₹1,768.82 received; invoice EL/")
    expect(page.locator("#history")).to_contain_text("Payment of ₹1,768.82 failed")
    expect(page.locator(".billing-banner")).to_have_count(0)

    link = page.get_by_role("link", name=re.compile(r"Download invoice EL.\d{4}"))
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert re.fullmatch(r"EL-\d{4}-\d{2}-\d{5}\.pdf", download.suggested_filename)
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
