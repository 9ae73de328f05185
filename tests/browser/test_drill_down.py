"""Drill-down in a real browser: a click on a product line's bar opens the overview filtered to that line, and a
click on a customer's row opens the customer's page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from elettro.kernel.money import format_money, format_money_compact
from ingestion.models import Customer
from tests.conftest import PASSWORD
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.browser

HEADER = ["Invoice No", "Invoice Date", "Customer", "State", "Product", "Product Line", "Qty", "Rate",
          "Taxable Value", "GST %"]  # fmt: skip
SALES = [
    ("C-1", "10/04/2024", "Kaveri Cables", "Maharashtra", "Copper wire 4 sq mm", "Cables", "4000000"),
    ("S-1", "05/05/2024", "Pune Electricals", "Maharashtra", "MCB 16A", "Switchgear", "2520000"),
    ("C-2", "15/07/2024", "Chennai Power", "Tamil Nadu", "Copper wire 6 sq mm", "Cables", "3738141.37"),
    ("S-2", "11/11/2024", "Chennai Power", "Tamil Nadu", "RCCB 40A", "Switchgear", "2000000"),
    ("C-3", "20/01/2025", "Kaveri Cables", "Maharashtra", "Copper wire 4 sq mm", "Cables", "2000000"),
]


def _revenue(line: str | None = None, customer: str | None = None) -> Decimal:
    return sum(
        (Decimal(s[6]) for s in SALES if line in (None, s[5]) and customer in (None, s[2])),
        Decimal(0),
    )


def test_a_bar_opens_the_page_filtered_to_it_and_a_row_opens_the_customer(live_site, page, make_company_committed):
    company, owner = make_company_committed("drill")
    with tenant_context(company):
        rows = [HEADER] + [[i, d, c, st, p, line, "1", a, a, "18"] for i, d, c, st, p, line, a in SALES]
        job = load(csv_bytes(rows), "sales.csv")
        assert job.status == "succeeded" and job.rows_loaded == len(SALES), job.error or job.messages
        kaveri = Customer.objects.get(name="Kaveri Cables").key
    connection.set_schema_to_public()
    switchgear = format_money_compact(_revenue("Switchgear"))
    assert switchgear != format_money_compact(_revenue())  # the filter shows in the card

    port = live_site.rsplit(":", 1)[1]
    home = f"http://drill.localhost:{port}/"
    page.goto(f"{live_site}/accounts/login/?next=/go/drill/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(home)

    chart = page.locator('#chart-product_lines[data-drawn="1"]')
    expect(chart).to_be_visible()
    labels = chart.evaluate("el => el.data[0].y")
    assert set(labels) == {"Cables", "Switchgear"}
    # Click the middle of Switchgear's bar, where Plotly's own layer takes the click.
    bar = chart.locator(".bars .point path").nth(labels.index("Switchgear"))
    expect(bar).to_be_visible()
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert "Switchgear" in page.evaluate(
        "JSON.parse(document.getElementById('drill').textContent)['chart-product_lines']"
    )
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(chart.locator(".hoverlayer .hovertext")).to_contain_text("Switchgear")  # Plotly picked the bar
    with page.expect_navigation():
        page.mouse.down()
        page.mouse.up()
    assert re.search(r"[?&]product_line=Switchgear(&|$)", page.url), page.url
    revenue = page.locator('[data-kpi="revenue"] [data-value]')
    expect(revenue).to_have_text(switchgear)
    expect(revenue).to_have_attribute("title", format_money(_revenue("Switchgear")))

    # Back to everything; a click on a row of the top customers table (not on its link) opens the customer.
    page.goto(home)
    table = page.locator("#panel-top_customers details.table-view")
    table.locator("summary").click()
    row = table.locator("tr", has=page.locator("a[data-drill]", has_text="Kaveri Cables"))
    with page.expect_navigation():
        row.locator("td").nth(1).click()
    assert page.url.startswith(f"http://drill.localhost:{port}/customers/{kaveri}/"), page.url
    expect(page.locator("h1")).to_have_text("Kaveri Cables")
    expect(page.locator('[data-kpi="revenue"] [data-value]')).to_have_attribute(
        "title", format_money(_revenue(customer="Kaveri Cables"))
    )
    # The link itself is reachable by keyboard: focus it and press Enter.
    page.go_back()
    page.locator("#panel-top_customers details.table-view summary").click()
    link = page.locator("#panel-top_customers a[data-drill]", has_text="Chennai Power")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Chennai Power")
