"""An open overview updates itself: a second file loaded while it is open moves its Revenue card and its charts
within the polling interval, without navigating, and the reader keeps their place (scroll, open tables)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from elettro.kernel.money import format_money_compact
from tests.conftest import PASSWORD
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.browser

HEADER = ["Invoice No", "Invoice Date", "Customer", "State", "Product", "Product Line", "Qty", "Rate",
          "Taxable Value", "GST %"]  # fmt: skip
FIRST = [
    ("L-1", "10/04/2024", "Kaveri Cables", "Maharashtra", "Copper wire", "Cables", "400000"),
    ("L-2", "05/05/2024", "Pune Electricals", "Maharashtra", "MCB 16A", "Switchgear", "250000"),
]
SECOND = [("L-3", "15/07/2024", "Chennai Power", "Tamil Nadu", "Copper wire", "Cables", "1325000.50")]
POLL_SECONDS = 1


def _file(sales) -> bytes:
    return csv_bytes([HEADER] + [[*sale[:6], "1", sale[6], sale[6], "18"] for sale in sales])


def _revenue(*files, line: str | None = None) -> Decimal:
    return sum((Decimal(s[6]) for sales in files for s in sales if line in (None, s[5])), Decimal(0))


def test_the_overview_follows_a_new_upload_in_place(live_site, page, make_company_committed, settings):
    settings.DASHBOARD_POLL_SECONDS = POLL_SECONDS  # the page reads it from data-poll-seconds
    company, owner = make_company_committed("live")
    with tenant_context(company):
        job = load(_file(FIRST), "april-may.csv")
        assert job.status == "succeeded", job.error
    connection.set_schema_to_public()

    port = live_site.rsplit(":", 1)[1]
    overview = f"http://live.localhost:{port}/?from=2024-04-01&to=2025-03-31"
    page.goto(f"{live_site}/accounts/login/?next=/go/live/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"http://live.localhost:{port}/")
    page.goto(overview)

    revenue = page.locator('[data-kpi="revenue"] [data-value]')
    chart = page.locator("#chart-product_lines")
    expect(revenue).to_have_text(format_money_compact(_revenue(FIRST)))
    expect(page.locator('#chart-product_lines[data-drawn="1"]')).to_be_visible()
    expect(page.locator("#freshness [data-updated]")).to_contain_text("Updated ")
    assert page.locator("#freshness").get_attribute("data-poll-seconds") == str(POLL_SECONDS)
    # The reader's place: a table opened, the page scrolled down.
    table = page.locator("#panel-product_lines details.table-view")
    table.locator("summary").click()
    expect(table).to_have_attribute("open", "")
    page.evaluate("window.scrollTo(0, 400)")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0
    page.evaluate("window.stillThisPage = true")  # gone if the browser loaded the page again

    with tenant_context(company):
        job = load(_file(SECOND), "july.csv")
        assert job.status == "succeeded", job.error
    connection.set_schema_to_public()

    expect(revenue).to_have_text(format_money_compact(_revenue(FIRST, SECOND)), timeout=POLL_SECONDS * 1000 + 8000)
    assert page.evaluate("window.stillThisPage") is True
    assert page.url == overview
    expect(table).to_have_attribute("open", "")
    assert page.evaluate("window.scrollY") == scrolled
    # The chart was drawn again from the new figures.
    cables = float(_revenue(FIRST, SECOND, line="Cables"))
    expect(page.locator('#chart-product_lines[data-drawn="1"]')).to_be_visible()
    page.wait_for_function(
        "([id, value]) => { const el = document.getElementById(id); return el && el.data && "
        "el.data[0].x.some(x => Math.abs(x - value) < 0.01); }",
        arg=["chart-product_lines", cables],
    )
    assert cables in chart.evaluate("el => el.data[0].x")

    # The Refresh button re-reads them in place too.
    page.locator("#freshness [data-refresh]").click()
    expect(page.locator("[data-refresh-message]")).to_contain_text("Figures re-read")
    expect(page.locator("#freshness [data-updated]")).to_contain_text("Updated ")
    assert page.evaluate("window.stillThisPage") is True
