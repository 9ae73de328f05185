"""The Data page's upload scores: hand-made files with known flaws, loaded through the real pipeline."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context

from analytics import data_quality, rollups
from analytics.data_quality import WEIGHTS, grade_for, upload_quality
from ingestion import services
from ingestion.models import ImportJob, SalesLine

pytestmark = pytest.mark.django_db

GSTIN = "27AAPFU0939F1ZV"
PRODUCT_LINE_FIX = "No product line column: map one so the Products page can group sales."


@pytest.fixture
def company(make_company):
    company, _ = make_company("quality", home_state="27")
    with tenant_context(company):
        yield company


def upload(rows: list[list[object]] | bytes, name: str, *, kind: str = "sales", review: bool = False) -> ImportJob:
    content = rows if isinstance(rows, bytes) else csv_bytes(rows)
    job = services.upload_create(file=ContentFile(content, name=name), kind=kind, run="inline", review=review)
    return services.import_run(job_id=job.pk)


def csv_bytes(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def quality_of(job: ImportJob):
    return next(item for item in upload_quality() if item.job_id == job.pk)


def points(weight: int, share: Decimal) -> Decimal:
    return (weight * share).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# A sales file with every useful column: party, GSTIN, state, product line, quantity, GST rate, cost, salesperson.
COMPLETE_HEADER = ["Invoice No", "Invoice Date", "Customer", "GSTIN", "State", "Product", "Category", "Qty", "Rate",
                   "Taxable Value", "GST %", "Cost", "Salesman"]  # fmt: skip


def complete_rows(count: int = 4) -> list[list[object]]:
    return [COMPLETE_HEADER] + [
        [f"INV-{n}", f"0{n}/04/2024", "Ravi Traders", GSTIN, "Maharashtra", "Ceiling Fan", "Fans", "2", "1500",
         "3000", "18", "2400", "Asha"]
        for n in range(1, count + 1)
    ]  # fmt: skip


# ---------------------------------------------------------------- a flawed sales file

FLAWED_HEADER = ["Invoice No", "Invoice Date", "Customer", "State", "Product", "Qty", "Rate", "Taxable Value",
                 "GST %", "Remarks"]  # fmt: skip


def flawed_rows() -> list[list[object]]:
    """Ten lines: six complete, two without a state, two with an amount that is not a number; no product line
    column, and a Remarks column nothing reads."""
    good = [[f"F-{n}", "01/04/2024", f"Party {n}", "Maharashtra", "Wire", "1", "100", "100", "18", "ok"]
            for n in range(1, 7)]  # fmt: skip
    stateless = [[f"F-{n}", "02/04/2024", f"Party {n}", "", "Wire", "1", "100", "100", "18", ""] for n in (7, 8)]
    rejected = [[f"F-{n}", "03/04/2024", f"Party {n}", "Goa", "Wire", "1", "100", "abc", "18", ""] for n in (9, 10)]
    return [FLAWED_HEADER, *good, *stateless, *rejected]


def test_a_flawed_sales_file_gets_its_fixes_and_score(company):
    job = upload(flawed_rows(), "flawed.csv")
    assert (job.status, job.rows_read, job.rows_loaded, job.rows_rejected) == ("succeeded", 10, 8, 2)
    assert job.unmapped_columns == ["Remarks"]

    quality = quality_of(job)

    assert (quality.file_name, quality.kind, quality.status) == ("flawed.csv", "sales", "succeeded")
    assert (quality.rows_read, quality.rows_loaded, quality.duplicates, quality.rows_rejected) == (10, 8, 0, 2)
    assert quality.unmapped_columns == ("Remarks",) and quality.has_rejects_file
    assert "2 rows were rejected: download the rejected rows to see why." in quality.fixes
    assert PRODUCT_LINE_FIX in quality.fixes
    assert (
        "25% of lines have no state: add the party's state or GSTIN to the export so GST and Geography are right."
        in quality.fixes
    )
    assert "Column Remarks was not used: map it if it holds something we should read." in quality.fixes
    # The product line's blank lines are not told twice: the missing column's fix says it.
    assert not any(fix.endswith("of lines have no product line") for fix in quality.fixes)

    # Worked by hand. Columns: state, quantity and GST rate of the 7 useful groups -> 3/7. Lines (8 loaded):
    # no customer 0, no product line 8/8, no state 2/8 -> filled 1 - (0 + 1 + 0.25) / 3.
    parts = quality.parts
    assert parts.column_share == Decimal("0.4286")
    assert dict(parts.empty_lines) == {"customer_name": 0, "product_line": 1, "state": Decimal("0.25")}
    assert parts.line_share == Decimal("0.5833")
    assert parts.completeness == Decimal("0.5060")  # (0.4286 + 0.5833) / 2
    assert parts.rejected_share == Decimal("0.2") and parts.duplicate_share == 0
    assert parts.unmapped_count == 1 and parts.unmapped_share == Decimal("0.1")  # 1 of 10 columns
    assert parts.completeness_points == points(WEIGHTS["completeness"], Decimal("0.5060"))  # 20.2
    assert parts.rejects_points == 0  # 20% rejected: past the 10% that loses every point
    assert parts.duplicates_points == WEIGHTS["duplicates"]
    assert parts.unmapped_points == Decimal("18.0")
    assert quality.score == 53 and quality.grade == "poor"  # 20.2 + 0 + 15 + 18 = 53.2
    assert "product_line" in parts.missing_fields and "state" not in parts.missing_fields


def test_a_complete_file_scores_100_and_needs_no_fix(company):
    job = upload(complete_rows(), "complete.csv")
    assert job.rows_loaded == 4 and job.unmapped_columns == []

    quality = quality_of(job)

    assert quality.score == 100 and quality.grade == "good" and quality.fixes == ()
    assert quality.parts.completeness == 1 and quality.parts.line_share == 1
    assert quality.parts.missing_fields == ()


def test_the_same_file_again_is_all_duplicates(company):
    upload(complete_rows(), "complete.csv")
    again = upload(complete_rows(), "complete-again.csv")
    assert (again.rows_loaded, again.duplicates) == (0, 4)

    quality = quality_of(again)

    assert quality.parts.duplicate_share == 1 and quality.parts.duplicates_points == 0
    assert quality.parts.line_share is None  # it added no line of its own to look at
    assert quality.score == 85 and quality.grade == "good"  # 40 + 25 + 0 + 20
    assert quality.fixes == (
        "4 rows were already loaded and skipped: nothing to fix if you meant to upload an overlapping period.",
    )


def test_lines_a_customer_master_filled_in_later_count_as_filled(company):
    rows = complete_rows(2)
    rows[2][4] = ""  # the second line has no state
    job = upload(rows, "one-stateless.csv")
    assert quality_of(job).parts.empty_lines[2] == ("state", Decimal("0.5"))

    SalesLine.objects.filter(source_job_id=job.pk).update(state="Maharashtra")
    rollups.refresh()  # as every change to stored lines does (a customer master, new exclusion rules)

    assert quality_of(job).parts.empty_lines[2] == ("state", Decimal(0))


def test_the_line_check_is_skipped_past_its_cap(company, monkeypatch):
    job = upload(flawed_rows(), "flawed.csv")
    monkeypatch.setattr(data_quality, "LINE_CHECK_MAX_ROWS", 7)  # the upload loaded 8

    quality = quality_of(job)

    assert quality.parts.line_share is None and quality.parts.empty_lines == ()
    assert quality.parts.completeness == quality.parts.column_share == Decimal("0.4286")
    assert not any("of lines have no" in fix for fix in quality.fixes)


# ---------------------------------------------------------------- failed, waiting, ERP, order


def test_a_failed_upload_scores_zero_with_its_error_as_the_fix(company):
    job = upload(b"", "empty.csv")
    assert job.status == "failed" and job.error

    quality = quality_of(job)

    assert quality.score == 0 and quality.grade == "poor"
    assert quality.fixes == (job.error,) and quality.parts is None


def test_an_upload_waiting_for_its_columns_has_no_score_yet(company):
    job = upload(complete_rows(), "review.csv", review=True)
    assert job.status == "mapping"

    quality = quality_of(job)

    assert quality.score is None and quality.grade == "" and quality.parts is None
    assert quality.fixes == ("Check the columns of this upload so it can be loaded.",)


def test_purchase_orders_without_delivery_dates(company):
    rows = [
        ["PO No", "Vendor", "Item", "Qty", "Amount", "Order Date", "Status"],
        ["PO-1", "Tata Copper", "Rod", "10", "1000", "01-04-2024", "Open"],
    ]
    job = upload(rows, "po.csv", kind="purchase")

    quality = quality_of(job)

    assert quality.kind_label == "Purchase orders"
    assert quality.parts.line_share is None and quality.parts.column_share == Decimal("0.5")
    assert quality.fixes == (
        "No expected delivery date column: map one so late orders can be found.",
        "No received date column: map one so late orders can be found.",
    )
    assert quality.score == 80 and quality.grade == "fair"  # 40 * 0.5 + 25 + 15 + 20


def test_newest_first_and_limited(company):
    first = upload(complete_rows(1), "one.csv")
    second = upload(b"", "two.csv")
    third = upload(flawed_rows(), "three.csv")

    assert [q.job_id for q in upload_quality()] == [third.pk, second.pk, first.pk]
    assert [q.file_name for q in upload_quality(limit=2)] == ["three.csv", "two.csv"]


def test_an_empty_company_has_no_uploads(company):
    assert upload_quality() == []


def test_grades():
    assert [grade_for(score) for score in (100, 85, 84, 60, 59, 0)] == ["good", "good", "fair", "fair", "poor", "poor"]
    assert sum(WEIGHTS.values()) == 100


def test_invalid_gstins_are_named_with_their_customer_until_a_valid_one_arrives(company, company_client):
    bad_digit, bad_state = "27AAPFU0939F1ZX", "99AAPFU0939F1ZV"
    upload([["Invoice No", "Date", "Customer", "GSTIN", "Amount"],
            ["1", "01/04/2024", "Ravi Traders", bad_digit, "100"],
            ["2", "02/04/2024", "Ravi Traders", bad_digit, "50"],
            ["3", "02/04/2024", "Kaveri Cables", GSTIN, "70"]], "sales.csv")  # fmt: skip
    upload([["Customer Name", "GSTIN", "State"], ["Asha Stores", bad_state, "Goa"]], "customers.csv",
           kind="customers")  # fmt: skip
    listed = {(g.customer, g.value, g.rows, g.upload) for g in data_quality.invalid_gstins()}
    assert listed == {("Ravi Traders", bad_digit, 2, "sales.csv"), ("Asha Stores", bad_state, 1, "customers.csv")}
    reasons = {g.customer: g.reason for g in data_quality.invalid_gstins()}
    assert "check" in reasons["Ravi Traders"].lower() and "state" in reasons["Asha Stores"].lower()

    rollups.refresh_changed()
    owner = company.memberships.get().user
    page = company_client(company, owner).get("/data/").content.decode()
    assert "Invalid GSTINs" in page and bad_digit in page and "Ravi Traders" in page

    # The customer master gives Ravi Traders a valid GSTIN: fixed, no longer listed.
    upload([["Customer Name", "GSTIN"], ["Ravi Traders", GSTIN]], "fixed.csv", kind="customers")
    assert {g.customer for g in data_quality.invalid_gstins()} == {"Asha Stores"}


def test_the_cost_counts_are_kept_between_views_and_follow_every_upload(company):
    header = ["Invoice No", "Date", "Customer", "Item", "Amount", "Cost"]
    upload([header, ["C-1", "01/04/2025", "Ravi", "Fan", "100", ""]], "no-cost.csv")
    assert data_quality.cost_sources().costed == 0
    assert data_quality.cost_sources().costed == 0  # the second view reads the kept counts
    upload([header, ["C-2", "02/04/2025", "Asha", "Lamp", "80", "50"]], "with-cost.csv")
    sources = data_quality.cost_sources()
    assert (sources.lines, sources.costed, sources.from_file) == (2, 1, 1)
