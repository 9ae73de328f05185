"""The filter bar in a real browser: choosing a product line reloads the overview with that filter, the Revenue
card and the charts follow it, the other pages keep it, and a panel's CSV download holds the filtered figures."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from elettro.kernel.money import format_money_compact, format_number
from ingestion.models import SalesLine
from tests.conftest import PASSWORD
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.browser

HEADER = ["Invoice No", "Invoice Date", "Customer", "State", "Product", "Product Line", "Qty", "Rate",
          "Taxable Value", "GST %"]  # fmt: skip
# Two product lines over the fiscal year 2024-25 (all inside the overview's default latest 12 months); M-1 sells
# both, so it is one order overall and one order of each line.
SALES = [
    ("C-1", "10/04/2024", "Kaveri Cables", "Maharashtra", "Copper wire 4 sq mm", "Cables", "4000000"),
    ("S-1", "05/05/2024", "Pune Electricals", "Maharashtra", "MCB 16A", "Switchgear", "2520000"),
    ("C-2", "15/07/2024", "Chennai Power", "Tamil Nadu", "Copper wire 6 sq mm", "Cables", "3738141.37"),
    ("S-2", "11/11/2024", "Chennai Power", "Tamil Nadu", "RCCB 40A", "Switchgear", "2000000"),
    ("C-3", "20/01/2025", "Kaveri Cables", "Maharashtra", "Copper wire 4 sq mm", "Cables", "2000000"),
    ("M-1", "05/03/2025", "Ravi Traders", "Kerala", "Copper wire 2.5 sq mm", "Cables", "100000"),
    ("M-1", "05/03/2025", "Ravi Traders", "Kerala", "Isolator 63A", "Switchgear", "50000"),
]


def _rows() -> list[list[str]]:
    return [HEADER] + [[invoice, day, customer, state, product, line, "1", amount, amount, "18"]
                       for invoice, day, customer, state, product, line, amount in SALES]  # fmt: skip


def _revenue(line: str | None = None) -> Decimal:
    return sum((Decimal(amount) for *_, product_line, amount in SALES if line in (None, product_line)), Decimal(0))


def _orders(line: str | None = None) -> int:
    return len({sale[0] for sale in SALES if line in (None, sale[5])})


def test_choosing_a_product_line_filters_the_cards_the_charts_the_links_and_the_download(
    live_site, page, make_company_committed
):
    company, owner = make_company_committed("filters")
    with tenant_context(company):
        job = load(csv_bytes(_rows()), "fy2024-25.csv")
        assert job.status == "succeeded" and job.rows_loaded == len(SALES), job.error or job.messages
        assert set(SalesLine.objects.values_list("product_line", flat=True)) == {"Cables", "Switchgear"}
    connection.set_schema_to_public()
    everything, cables = format_money_compact(_revenue()), format_money_compact(_revenue("Cables"))
    assert (everything, cables) == ("₹1.44 Cr", "₹98.4 L")  # the data is what this test says it is

    port = live_site.rsplit(":", 1)[1]
    home = f"http://filters.localhost:{port}/"
    page.goto(f"{live_site}/accounts/login/?next=/go/filters/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(home)

    revenue = page.locator('[data-kpi="revenue"] [data-value]')
    orders = page.locator('[data-kpi="orders"] [data-value]')
    chart = page.locator("#chart-product_lines")
    expect(page.locator('#chart-revenue_trend[data-drawn="1"]')).to_be_visible()
    expect(page.locator('#chart-product_lines[data-drawn="1"]')).to_be_visible()
    assert revenue.inner_text().strip() == everything
    assert orders.inner_text().strip() == format_number(_orders())
    assert chart.evaluate("el => el.data[0].y") == ["Cables", "Switchgear"]
    page.evaluate("window.beforeFiltering = true")  # gone once the browser has loaded a new page

    line = page.locator("#filter-bar select[name=product_line]")
    expect(line).to_have_attribute("data-filter", "product_line")
    with page.expect_navigation():
        line.select_option("Cables")  # the filter bar submits itself on change

    assert re.search(r"[?&]product_line=Cables(&|$)", page.url), page.url
    assert "from=" not in page.url and "to=" not in page.url  # the default period stays the default
    expect(revenue).to_have_text(cables)
    expect(revenue).to_have_attribute("title", "₹98,38,141.37")
    expect(orders).to_have_text(format_number(_orders("Cables")))
    expect(line).to_have_value("Cables")
    expect(page.locator("[data-period]")).to_contain_text("Cables")
    # The charts were drawn again, on the new page, from the filtered figures.
    expect(page.locator('#chart-revenue_trend[data-drawn="1"]')).to_be_visible()
    expect(page.locator('#chart-product_lines[data-drawn="1"]')).to_be_visible()
    assert page.evaluate("window.beforeFiltering") is None
    assert chart.evaluate("el => el.data[0].y") == ["Cables"]
    assert chart.evaluate("el => el.data[0].x") == [float(_revenue("Cables"))]
    trend = page.locator("#chart-revenue_trend").evaluate("el => el.data[0].y.reduce((a, b) => a + (b || 0), 0)")
    assert round(Decimal(str(trend)), 2) == _revenue("Cables")

    # The product lines panel's CSV holds the filtered table.
    with page.expect_download() as download_info:
        page.locator("#panel-product_lines .downloads").get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv") and "product_lines" in download.suggested_filename.replace(
        "-", "_"
    )
    with open(download.path(), encoding="utf-8-sig") as file:
        table = list(csv.reader(io.StringIO(file.read())))
    assert table[0][:2] == ["Product line", "Revenue"]
    assert [row[:2] for row in table[1:]] == [["Cables", "9838141.37"]]

    # Another page keeps the filter.
    page.locator(".main-nav").get_by_role("link", name="Products", exact=True).click()
    expect(page).to_have_url(re.compile(r"/products/\?(.*&)?product_line=Cables(&|$)"))
    expect(page.locator("h1")).to_have_text("Products")
    expect(page.locator("#filter-bar select[name=product_line]")).to_have_value("Cables")
