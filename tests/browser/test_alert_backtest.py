"""The rule form's "Try it" in a real browser, under the real Content-Security-Policy: a manager fills in a fall of
30% per customer month on month, presses Try it, and reads how often it would have fired over the last 12 months,
at desktop size and on a phone (390×844) with nothing wider than the screen; nothing is saved."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from reports.models import AlertRule
from tests.conftest import PASSWORD
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.browser

HEADER = ["Invoice No", "Date", "Customer", "Item", "Branch", "Qty", "Amount"]
# 1,000 a month for two customers through 2024; Asha falls by half in June and Bala by 60% in October.
AMOUNTS = {m: {"Asha Traders": 1000, "Bala & Sons": 1000} for m in range(1, 13)}
AMOUNTS[6]["Asha Traders"] = 500
AMOUNTS[10]["Bala & Sons"] = 400
SENTENCE = ("From 12 Jan 2024 to 12 Dec 2024 this rule would have fired 2 times, on 30 Jun 2024, 31 Oct 2024, "
            "for Asha Traders, Bala & Sons.")  # fmt: skip


def _fill_and_try(page) -> None:
    page.get_by_label("Measure").select_option(label="Revenue")
    page.get_by_label("For", exact=True).select_option(label="Each customer")
    page.get_by_label("Window").select_option(label="Month to date")
    page.get_by_label("Condition").select_option(label="Down by at least X%")
    page.get_by_label("Value").fill("30")
    page.get_by_label("A change is against").select_option(label="The previous period")
    page.get_by_role("button", name="Try it").click()
    expect(page.locator("#backtest [data-sentence]")).to_have_text(SENTENCE)
    firings = page.locator("#backtest-firings tbody tr")
    expect(firings).to_have_count(2)
    expect(firings.nth(0)).to_contain_text("30 Jun 2024")
    expect(firings.nth(0)).to_contain_text("Asha Traders")
    expect(firings.nth(0)).to_contain_text("-50.0%")
    expect(firings.nth(1)).to_contain_text("Bala & Sons")
    expect(page.locator("#backtest [data-took]")).to_contain_text(re.compile(r"12 checks in \d+\.\d\d s"))


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_try_it_shows_the_backtest_under_the_form_on_a_desktop_and_a_phone(live_site, page, make_company_committed):
    company, owner = make_company_committed("alertbt")
    rows = [[f"Y-{m}-{c[:1]}", f"12/{m:02d}/2024", c, "Fan", "Pune", 1, str(a)]
            for m, d in AMOUNTS.items() for c, a in d.items()]  # fmt: skip
    with tenant_context(company):
        assert load(csv_bytes([HEADER, *rows]), "year.csv").status == "succeeded"
    connection.set_schema_to_public()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)  # fmt: skip

    port = live_site.rsplit(":", 1)[1]
    page.goto(f"{live_site}/accounts/login/?next=/go/alertbt/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"http://alertbt.localhost:{port}/")

    page.locator(".main-nav").get_by_role("link", name="Alerts", exact=True).click()
    expect(page.locator("h1")).to_have_text("Alerts")
    page.get_by_role("link", name="New rule").click()
    expect(page.locator("h1")).to_have_text("New alert rule")
    _fill_and_try(page)
    assert _fits(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#backtest [data-sentence]")).to_have_count(0)
    _fill_and_try(page)
    assert _fits(page), page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    page.locator("#backtest").scroll_into_view_if_needed()
    assert _fits(page)

    with tenant_context(company):
        assert AlertRule.objects.count() == 0  # tried, never saved
    connection.set_schema_to_public()

    # Saved as tried, the rules page and the log fit the phone too.
    page.locator("#id_channel_kind_1").select_option(label="Email")
    page.locator("#id_channel_target_1").fill("ops@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#rules tbody tr")).to_have_count(1)
    expect(page.locator("#rules")).to_contain_text("Down by at least 30% against the previous period")
    assert _fits(page)
    page.get_by_role("link", name="Alert log").click()
    expect(page.locator("h1")).to_have_text("Alert log")
    assert _fits(page)
    assert refused == []
