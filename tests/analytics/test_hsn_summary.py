"""GSTR-1's HSN-wise summary (Table 12): planted lines with an HSN of their own, from the item master, or none,
summed here independently and compared with the summary the page, the report and the API give, read from the
HSN rollup (whole months), from the lines (edge days, filters) and after an upload merged into the rollup."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from analytics import data_quality, rollups
from analytics.dashboard import dashboard_for
from analytics.engine import Scope
from analytics.filters import Filters
from analytics.gst import hsn_problem, hsn_summary
from analytics.pages import PAGES
from analytics.periods import Period
from ingestion.models import Kind, SalesLine
from reports.kinds import gst_summary
from tests.analytics.test_rollups_follow_changes import rollup_rows
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

B2B_GSTIN = "29AABCT1332L1ZA"  # a valid GSTIN (Karnataka)
HEADER = ["Invoice No", "Invoice Date", "Customer", "GSTIN", "Branch", "Product", "HSN/SAC", "UOM", "Qty",
          "Taxable Value", "GST %", "CGST", "SGST", "IGST"]  # fmt: skip
# (invoice, day, customer, gstin, branch, product, hsn, unit, qty, taxable, rate, cgst, sgst, igst)
LINES = [
    ("A-1", "2025-04-03", "Kaveri Cables", B2B_GSTIN, "Pune", "Ceiling Fan", "84145110", "NOS", "4", "8000.00",
     "18", "0", "0", "1440.00"),
    ("A-2", "2025-04-09", "Walk-in", "", "Pune", "Ceiling Fan", "84145110", "NOS", "1", "2100.50", "18",
     "189.05", "189.05", "0"),
    ("A-3", "2025-04-15", "Kaveri Cables", B2B_GSTIN, "Mumbai", "LED Bulb", "", "", "50", "3000.00", "",
     "180.00", "180.00", "0"),  # HSN, unit and rate from the item master
    ("A-4", "2025-05-02", "Walk-in", "", "Mumbai", "LED Bulb", "", "", "20", "1250.25", "", "75.02", "75.02",
     "0"),
    ("A-5", "2025-05-20", "Ravi Traders", "", "Pune", "Copper Wire", "", "MTR", "100", "4500.00", "18",
     "405.00", "405.00", "0"),  # no HSN anywhere
    ("A-6", "2025-05-28", "Kaveri Cables", B2B_GSTIN, "Pune", "Wall Switch", "85365", "PCS", "30", "900.00",
     "18", "0", "0", "162.00"),  # an HSN of the wrong length
    ("A-7", "2025-05-30", "Ravi Traders", "", "Mumbai", "Installation", "998719", "", "", "1500.00", "18",
     "135.00", "135.00", "0"),  # a SAC
]  # fmt: skip
ITEMS = [
    ["Name of Item", "Under", "Units", "HSN/SAC", "GST Rate"],
    ["LED Bulb", "Lighting", "Pcs", "85395000", "12%"],
    ["Ceiling Fan", "Fans", "Nos", "99999999", "28%"],
]  # fmt: skip; the fan's lines give their own
MASTER = {"led bulb": ("85395000", "PCS", Decimal(12)), "ceiling fan": ("99999999", "NOS", Decimal(28))}
APPENDED = [("B-1", "2025-05-31", "Kaveri Cables", B2B_GSTIN, "Pune", "LED Bulb", "", "", "10", "700.00", "",
             "42.00", "42.00", "0")]  # fmt: skip


def _period(start: str, end: str) -> Period:
    return Period(date.fromisoformat(start), date.fromisoformat(end))


def _csv(lines) -> bytes:
    rows = [HEADER]
    for line in lines:
        day = line[1]
        rows.append([line[0], f"{day[8:10]}/{day[5:7]}/{day[0:4]}", *line[2:]])
    return csv_bytes(rows)


def truth(lines, start: str = "2025-04-01", end: str = "2025-05-31", branch: str = "") -> dict:
    """The summary worked out here from the planted rows: {(b2b, hsn, uqc, rate): [lines, qty, taxable, igst,
    cgst, sgst]}."""
    found: dict = defaultdict(lambda: [0, Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(0)])
    for _n, day, _c, gstin, line_branch, product, hsn, unit, qty, taxable, rate, cgst, sgst, igst in lines:
        if not (start <= day <= end) or (branch and line_branch != branch):
            continue
        master = MASTER.get(product.lower(), ("", "", None))
        key = (bool(gstin), hsn or master[0], (unit or master[1]).upper(), Decimal(rate) if rate else master[2])
        row = found[key]
        row[0] += 1
        for index, value in enumerate((qty or "0", taxable, igst, cgst, sgst), start=1):
            row[index] += Decimal(value)
    return dict(found)


def summarised(summary) -> dict:
    return {
        (row.registered, row.hsn, row.uqc, row.rate): [row.lines, row.quantity, row.taxable, row.igst, row.cgst,
                                                       row.sgst]
        for row in summary.rows
    }  # fmt: skip


@pytest.fixture
def company(make_company):
    company, owner = make_company("hsn", home_state="27")
    with tenant_context(company):
        job = load(_csv(LINES), "sales.csv")
        assert job.status == "succeeded", job.error
        assert load(csv_bytes(ITEMS), "items.csv", kind=Kind.ITEMS).status == "succeeded"
        yield company, owner, job


def test_the_summary_is_the_planted_lines_summed_by_supply_hsn_unit_and_rate(company):
    scope = Scope(_period("2025-04-01", "2025-05-31"))
    expected = truth(LINES)
    assert summarised(hsn_summary(scope)) == expected  # whole months: the HSN rollup
    assert summarised(hsn_summary(Scope(scope.period, from_lines=True))) == expected  # the oracle: the lines
    # The item master fills what a line leaves blank, and only that: the fan's own HSN wins over the master's.
    assert (True, "85395000", "PCS", Decimal(12)) in expected and (True, "84145110", "NOS", Decimal(18)) in expected
    # Edge days (from the lines) with whole months (from the rollup), and a filter (the lines alone).
    edges = Scope(_period("2025-04-09", "2025-05-28"))
    assert summarised(hsn_summary(edges)) == truth(LINES, "2025-04-09", "2025-05-28")
    pune = Scope(scope.period, Filters(branch="Pune"))
    assert summarised(hsn_summary(pune)) == truth(LINES, branch="Pune")


def test_the_totals_match_the_gst_page_and_bad_codes_are_counted(company):
    d = dashboard_for(company[0], {"from": "2025-04-01", "to": "2025-05-31"})
    summary = hsn_summary(d.scope)
    page = PAGES["geography"][1](d)
    gst = {row[0]: row[1] for row in page.panel("gst").table.rows}
    assert summary.total("cgst") == gst["CGST"] and summary.total("sgst") == gst["SGST"]
    assert summary.total("igst") == gst["IGST"]
    taxable = sum(row[1] for row in page.panel("supply").table.rows)
    assert summary.total("taxable") == taxable == sum(Decimal(line[9]) for line in LINES)

    # No HSN: the copper wire; invalid: the switch's 5 digits. The SAC and the 8-digit codes are fine.
    assert summary.without_hsn == (1, Decimal("4500.00"))
    assert summary.invalid == (1, Decimal("900.00"))
    assert hsn_problem("85365") == "5 digits, not 4, 6 or 8" and hsn_problem("8536.50") == "not only digits"
    assert hsn_problem("998719") == hsn_problem("8414") == hsn_problem("84145110") == ""

    table = page.panel("hsn").table
    assert "(no HSN)" in [row[1] for row in table.rows]
    assert "1 line(s) worth 4,500.00 have no HSN" in table.note and "1 line(s) worth 900.00" in table.note
    switch = next(row for row in table.rows if row[1] == "85365")
    assert switch[-1] == "Invalid HSN: 5 digits, not 4, 6 or 8" and switch[0] == "B2B"

    report = gst_summary.build(d)
    section = next(section for section in report.sections if section.key == "hsn")
    assert section.table.rows == table.rows


def test_a_line_with_a_wrong_length_hsn_still_loads_and_is_flagged_on_the_data_page(company, company_client):
    company, owner, job = company
    assert job.rows_loaded == len(LINES) and SalesLine.objects.count() == len(LINES)  # nothing turned away
    gaps = {(gap.problem, gap.hsn): gap for gap in data_quality.hsn_gaps()}
    total = sum(Decimal(line[9]) for line in LINES)
    without = gaps[("no HSN", "")]
    assert (without.lines, without.revenue, without.share) == (1, Decimal("4500.00"), Decimal("4500.00") / total)
    invalid = gaps[("5 digits, not 4, 6 or 8", "85365")]
    assert (invalid.lines, invalid.revenue, invalid.source) == (1, Decimal("900.00"), "sales export")
    assert len(gaps) == 2

    html = company_client(company, owner).get("/data/").content.decode()
    assert "HSN codes" in html and "85365" in html and "No HSN" in html
    assert "Invalid HSN: 5 digits, not 4, 6 or 8" in html and "Correct the code in the sales export" in html


def test_the_api_and_its_csv_give_the_same_summary(company, api_client):
    company, _owner, _job = company
    client = api_client(company, "viewer")
    response = client.get("/api/v1/gst/hsn-summary/", {"from": "2025-04-01", "to": "2025-05-31"})
    assert response.status_code == 200, response.content
    body = response.json()
    expected = truth(LINES)
    got = {
        (row["supply"] == "B2B", row["hsn"], row["uqc"], None if row["rate"] is None else Decimal(row["rate"])): [
            row["lines"], Decimal(row["quantity"]), Decimal(row["taxableValue"]), Decimal(row["igst"]),
            Decimal(row["cgst"]), Decimal(row["sgst"])]
        for row in body["data"]
    }  # fmt: skip
    assert got == expected
    assert body["metadata"]["invalidHsn"] == {"lines": 1, "taxableValue": "900.00"}
    assert body["metadata"]["withoutHsn"] == {"lines": 1, "taxableValue": "4500.00"}

    exported = client.get("/api/v1/gst/hsn-summary/", {"from": "2025-04-01", "to": "2025-05-31", "format": "csv"})
    assert exported.status_code == 200 and "hsn_summary.csv" in exported["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == len(expected)
    assert {row["hsn"] for row in rows} == {key[1] for key in expected}

    bad = client.get("/api/v1/gst/hsn-summary/", {"from": "2025-05-31", "to": "2025-04-01"})
    assert bad.status_code == 400


def test_an_appended_upload_is_merged_into_the_hsn_rollup_as_a_rebuild_makes_it(company):
    assert load(_csv(APPENDED), "more.csv").status == "succeeded"
    scope = Scope(_period("2025-04-01", "2025-05-31"))
    assert summarised(hsn_summary(scope)) == truth(LINES + APPENDED)
    merged = rollup_rows()["analytics_hsn_month"]
    rollups.refresh()
    assert rollup_rows()["analytics_hsn_month"] == merged


def test_the_page_shows_the_summary_for_whole_months_of_the_whole_company_and_says_so_otherwise(company):
    from analytics.pages.geography import HSN_WHOLE_MONTHS

    for query in ({"from": "2025-04-09", "to": "2025-05-28"}, {"from": "2025-04-01", "to": "2025-05-31",
                                                               "branch": "Pune"}):  # fmt: skip
        d = dashboard_for(company[0], query)
        panel = PAGES["geography"][1](d).panel("hsn")
        assert panel.is_empty and panel.empty == HSN_WHOLE_MONTHS, query
        report = gst_summary.build(d)  # the report gives it for any selection
        section = next(section for section in report.sections if section.key == "hsn")
        assert summarised(hsn_summary(d.scope)) == truth(LINES, query["from"], query["to"], branch=query.get("branch"))
        assert section.table.rows


def test_a_period_cut_after_the_last_sale_counts_as_whole_months_on_the_page(company):
    """'This month' to today, or dates running past the last sale: the months are whole as far as sales go."""
    last = max(line[1] for line in LINES)
    assert last < "2025-06-01"  # the planted lines end in May
    d = dashboard_for(company[0], {"from": "2025-04-01", "to": "2025-06-15"})
    table = PAGES["geography"][1](d).panel("hsn").table
    assert table.rows and summarised(hsn_summary(d.scope)) == truth(LINES)
