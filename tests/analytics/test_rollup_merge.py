"""An upload that only adds lines is merged into the rollups (analytics.rollup_merge), and what it leaves is, row
for row, what a full rebuild makes: also when a new line joins an existing order in a product line that sorts
first and moves the order to a bigger size band, or makes an old customer's first purchase earlier."""

from __future__ import annotations

import logging

import pytest
from django_tenants.utils import tenant_context

from analytics import rollups
from analytics.models import OrderMonth, RollupState
from ingestion.models import ImportJob
from tests.analytics.test_rollups import SALES_PAGES, page_figures
from tests.analytics.test_rollups_follow_changes import assert_same_rows, rollup_rows
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Date", "Customer", "Item", "Product Line", "Branch", "Qty", "Amount"]
QUERIES = [{"from": "2025-01-01", "to": "2025-12-31"}, {"from": "2025-03-10", "to": "2025-06-20", "branch": "Pune"}]


def _base() -> bytes:
    rows = [HEADER, ["INV-1", "15/05/2025", "Asha Traders", "LED bulb", "Lighting", "Pune", 2, "500.00"]]
    for n in range(40):
        rows.append([f"B-{n}", f"{1 + n % 28:02d}/{4 + n % 5:02d}/2025", ("Bala & Sons", "Chetan Stores")[n % 2],
                     ("Ceiling fan", "MCB")[n % 2], ("Fans", "Switchgear")[n % 2], ("Pune", "Mumbai")[n % 2], 1,
                     f"{200 + 13 * n}.50"])  # fmt: skip
    return csv_bytes(rows)


ADDED = [
    HEADER,
    # Joins INV-1 (same number, day and customer) in a product line that sorts before Lighting: the order's first
    # line moves, and 500 + 9,000 moves it from the hundreds to the thousands.
    ["INV-1", "15/05/2025", "Asha Traders", "Copper wire", "Cables", "Pune", 10, "9000.00"],
    ["N-1", "02/03/2025", "Bala & Sons", "MCB", "Switchgear", "Mumbai", 3, "750.00"],  # Bala's first purchase, earlier
    ["N-2", "20/06/2025", "Dev Agencies", "LED bulb", "Lighting", "Pune", 1, "99.99"],  # a new customer
    ["N-3", "15/05/2025", "Asha Traders", "LED bulb", "Lighting", "Pune", 1, "10.00"],  # a second order, same day
]


def _figures(company, *, from_lines: bool = False) -> dict:
    return {
        (page, str(q)): page_figures(company, q, page, from_lines=from_lines) for page in SALES_PAGES for q in QUERIES
    }


def _may_pune_bands() -> dict[int, int]:
    return {row.band: row.orders for row in OrderMonth.objects.filter(month="2025-05-01", branch="Pune")}


def test_an_upload_of_new_lines_is_merged_and_equals_a_rebuild_row_for_row(make_company, caplog):
    company, _ = make_company()
    with tenant_context(company):
        assert load(_base(), "base.csv").status == ImportJob.Status.SUCCEEDED
        version = RollupState.objects.get().version
        before = _may_pune_bands()
        with caplog.at_level(logging.INFO, logger="analytics.rollup_merge"):
            assert load(csv_bytes(ADDED), "added.csv").status == ImportJob.Status.SUCCEEDED
        assert "rollups: merged the lines above id" in caplog.text
        assert RollupState.objects.get().version == version + 1  # page caches keyed on it start afresh
        # INV-1 is one order of 9,500 now: it left the hundreds for the thousands; N-3 (10.00) is in the tens.
        after = _may_pune_bands()
        assert (after[2], after[3], after[1]) == (before[2] - 1, before.get(3, 0) + 1, before.get(1, 0) + 1)

        merged, tables = _figures(company), rollup_rows()
        assert merged == _figures(company, from_lines=True)
        rollups.refresh()
        assert_same_rows(tables, rollup_rows())
        assert _figures(company) == merged
        assert rollups.changed_months()[0] == []  # the merged fingerprints are the lines' own


def test_a_file_of_duplicates_changes_nothing_and_a_replaced_period_is_rebuilt(make_company, caplog):
    company, _ = make_company()
    with tenant_context(company):
        load(_base(), "base.csv")
        load(csv_bytes(ADDED), "added.csv")
        before = rollup_rows()
        version = RollupState.objects.get().version
        again = load(csv_bytes(ADDED), "added-again.csv")
        assert again.status == ImportJob.Status.SUCCEEDED and again.rows_loaded == 0
        assert_same_rows(before, rollup_rows())
        assert RollupState.objects.get().version == version  # the pages' caches stay good

        caplog.clear()
        with caplog.at_level(logging.INFO, logger="analytics"):
            job = load(csv_bytes(ADDED[:2]), "may-again.csv", mode=ImportJob.Mode.REPLACE_PERIOD)
        assert job.status == ImportJob.Status.SUCCEEDED and job.rows_replaced >= 2
        assert "merged" not in caplog.text and "rollups refreshed" in caplog.text
        followed = rollup_rows()
        rollups.refresh()
        assert_same_rows(followed, rollup_rows())


def test_an_upload_big_beside_the_company_is_rebuilt_instead_of_merged(make_company, caplog):
    # Merging costs several times what rebuilding spends per line, so a file with a fifth of the lines or more
    # is rebuilt: here 20 new lines beside 41.
    company, _ = make_company()
    with tenant_context(company):
        load(_base(), "base.csv")
        rows = [HEADER] + [[f"M-{n}", f"{13 + n % 15}/06/2025", "Dev Agencies", "MCB", "Switchgear", "Pune", 1,
                            f"{250 + n}.75"] for n in range(20)]  # fmt: skip
        with caplog.at_level(logging.INFO, logger="analytics"):
            assert load(csv_bytes(rows), "many.csv").status == ImportJob.Status.SUCCEEDED
        assert "merged" not in caplog.text and "rollups refreshed" in caplog.text
        followed = rollup_rows()
        rollups.refresh()
        assert_same_rows(followed, rollup_rows())
