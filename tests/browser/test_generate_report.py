"""A manager on the overview presses Generate; a real worker renders the PDF; the page's bar reaches Ready and
the download is the PDF, with the overview's revenue in it, formatted the same way."""

from __future__ import annotations

import subprocess

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from analytics.dashboard import dashboard_for
from analytics.pages import overview
from elettro.kernel.money import format_money_compact
from tests.conftest import PASSWORD
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = [pytest.mark.browser, pytest.mark.worker]

ROWS = [HEADER] + [
    [f"R-{n}", f"{day:02d}/0{month}/2025", customer, "Kerala", "Lamp", "1", amount, amount, "18"]
    for n, (day, month, customer, amount) in enumerate(
        [(3, 4, "Kiran Traders", "452000"), (9, 5, "Ravi Lights", "125000.50"), (21, 6, "Kiran Traders", "98000")]
    )
]


def test_generate_a_report_from_the_overview_and_download_it(
    live_site, page, make_company_committed, celery_worker_process, tmp_path
):
    company, owner = make_company_committed("generator")
    with tenant_context(company):
        assert load(csv_bytes(ROWS), "q1.csv").status == "succeeded"
        revenue = overview.build(dashboard_for(company, {})).cards[0].value
    connection.set_schema_to_public()

    port = live_site.rsplit(":", 1)[1]
    page.goto(f"{live_site}/accounts/login/?next=/go/generator/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"http://generator.localhost:{port}/")

    page.get_by_role("button", name="Generate report").click()
    expect(page.locator("h1")).to_have_text("Sales review")
    bar = page.get_by_role("progressbar", name="Progress")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=60_000)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.suggested_filename.startswith("sales-review-") and download.suggested_filename.endswith(".pdf")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert format_money_compact(revenue) in text
    assert "Company generator" in text

    page.locator(".main-nav").get_by_role("link", name="Reports", exact=True).click()
    expect(page.locator("#report-runs")).to_contain_text(owner.email)
    expect(page.locator("#report-runs")).to_contain_text("Ready")
