"""A person uploads a Tally register in a real browser; a real worker loads it; the bar reaches 100%."""

from __future__ import annotations

import openpyxl
import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from ingestion.models import SalesLine

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def _tally_register(path):
    book = openpyxl.Workbook()
    sheet = book.active
    for title in ("Kaveri Cables Pvt Ltd", "GSTIN/UIN: 27AAPFU0939F1ZV", "Sales Register", "1-Apr-24 to 30-Apr-24"):
        sheet.append([title])
    sheet.append([])
    sheet.append(["Date", "Particulars", "Voucher Type", "Voucher No.", "Stock Item", "Quantity", "Rate", "Value",
                  "IGST"])  # fmt: skip
    sheet.append(
        ["1-Apr-24", "Chennai Power", "Sales", "S/1", "Copper Wire", "12 Nos", "1,000.00/Nos", "12000", "2160"]
    )
    sheet.append([None, None, None, None, "MCB 16A", "5 Pcs", "200.00/Pcs", "1000", "180"])
    sheet.append(["Grand Total", None, None, None, None, None, None, "13000", "2340"])
    book.save(path)
    return path


def test_upload_check_columns_and_watch_the_progress_bar_reach_100(
    live_site, page, make_company_committed, celery_worker_process, tmp_path
):
    company, owner = make_company_committed("uploader")
    port = live_site.rsplit(":", 1)[1]
    page.goto(f"{live_site}/accounts/login/?next=/go/uploader/%3Fnext%3D/uploads/new/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill("Correct-Horse-77")
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"http://uploader.localhost:{port}/uploads/new/")
    expect(page.locator("body")).to_contain_text("up to 50 MB")

    page.locator("input[type=file]").set_input_files(str(_tally_register(tmp_path / "april.xlsx")))
    page.get_by_role("button", name="Upload").click()

    page.get_by_role("link", name="Check the columns").click()
    expect(page.locator("h1")).to_contain_text("Check the columns of april.xlsx")
    expect(page.get_by_label("Sheet: Invoice / voucher number")).to_have_value("Voucher No.")
    page.get_by_role("button", name="These are right: load the file").click()

    bar = page.get_by_role("progressbar", name="Progress of april.xlsx")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=30_000)
    # Every row read is accounted for: the Grand Total row is read and set aside.
    expect(page.locator(".result")).to_contain_text("Loaded 2 of 3 rows")
    expect(page.locator(".result")).to_contain_text("1 set aside (blank, total or repeated header rows)")
    with tenant_context(company):
        assert SalesLine.objects.count() == 2
