"""`ingest` as an operator runs it: one JSON line per file, exit 0 / 1 / 3, and the column check without a browser."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from ingestion.models import ImportJob, SalesLine
from tests.ingestion.test_pipeline import csv_bytes

pytestmark = pytest.mark.django_db

# Columns no synonym knows: the product cannot be confident, so it asks.
ODD = [["When", "Who", "What", "Worth"],
       ["01/04/2024", "Ravi Traders", "Fan", "1,200.00"],
       ["02/04/2024", "Kaveri Cables", "Wire", "800.50"]]  # fmt: skip


def ingest(company, *args: str) -> tuple[int, list[dict]]:
    out = StringIO()
    code = 0
    try:
        call_command("ingest", "--company", company.subdomain, *args, stdout=out)
    except CommandError as error:
        code = error.returncode
    return code, [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


@pytest.fixture
def company(make_company):
    company, _ = make_company(home_state="27")
    return company


def test_a_file_that_needs_its_columns_checked_prints_the_proposal_and_exits_3(company, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(csv_bytes(ODD))

    code, [line] = ingest(company, str(path))

    assert code == 3 and line["status"] == "needs_mapping"
    assert line["proposal"]["odd.csv"]["columns"] == ["When", "Who", "What", "Worth"]
    with tenant_context(company):
        assert SalesLine.objects.count() == 0


def test_map_overrides_fields_and_loads(company, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(csv_bytes(ODD))

    code, [line] = ingest(
        company, "--map", "date=When", "--map", "customer=Who", "--map", "product_name=What", "--map",
        "net_amount=Worth", str(path),
    )  # fmt: skip

    assert code == 0 and line["status"] == "succeeded" and line["rows_loaded"] == 2, line
    with tenant_context(company):
        assert sorted(SalesLine.objects.values_list("net_amount", flat=True)) == [Decimal("800.5"), Decimal("1200")]
        assert set(SalesLine.objects.values_list("customer_name", flat=True)) == {"Ravi Traders", "Kaveri Cables"}


def test_accept_proposal_loads_what_was_proposed_or_says_what_is_missing(company, tmp_path):
    sure = tmp_path / "sure.csv"
    sure.write_bytes(
        csv_bytes([["Invoice No", "Invoice Date", "Party", "Taxable Value"], ["S1", "01/04/2024", "A", "10"]])
    )
    odd = tmp_path / "odd.csv"
    odd.write_bytes(csv_bytes(ODD))

    code, lines = ingest(company, "--accept-proposal", str(sure), str(odd))

    assert code == 3
    assert lines[0]["status"] == "succeeded" and lines[0]["rows_loaded"] == 1
    assert lines[1]["status"] == "needs_mapping" and "Invoice date" in lines[1]["error"]


def test_an_unknown_field_or_column_is_a_clear_error(company, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(csv_bytes(ODD))

    _, [unknown_field] = ingest(company, "--map", "colour=When", str(path))
    _, [unknown_column] = ingest(company, "--map", "date=Nope", str(path))

    assert "'colour' is not a field of sales data" in unknown_field["error"]
    assert "no column called 'Nope'" in unknown_column["error"]


def test_sheet_kind_sets_what_each_sheet_holds(company, build_xlsx):
    path = build_xlsx(
        {
            "Sales": [["Order ID", "Order Date", "Customer", "Sales"], ["A-1", "2024-04-01", "Ravi", "100"],
                      ["A-2", "2024-04-02", "Kaveri", "50"]],
            "Returned": [["Order ID", "Returned"], ["A-2", "Yes"]],
            "Notes": [["Order Date", "Sales"], ["2024-04-01", "999"]],
        }
    )  # fmt: skip

    code, [line] = ingest(company, "--sheet-kind", "Notes=skip", "--sheet-kind", "Returned=returns", str(path))

    assert code == 0, line
    with tenant_context(company):
        assert SalesLine.objects.count() == 2
        assert SalesLine.objects.get(invoice_number="A-2").is_returned
        assert not SalesLine.objects.filter(net_amount=999).exists()


def test_a_failure_is_a_json_line_and_exit_1_never_a_traceback(company, tmp_path):
    missing = tmp_path / "missing.csv"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"%PDF-1.7 not a sheet")

    code, lines = ingest(company, str(missing), str(bad))

    assert code == 1 and [line["status"] for line in lines] == ["failed", "failed"]
    assert "No such file" in lines[0]["error"] and "PDF" in lines[1]["error"]


def test_an_unknown_company_still_prints_a_line_per_file(db, tmp_path):
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", "--company", "nobody-here", str(tmp_path / "a.csv"), stdout=out)
    assert json.loads(out.getvalue())["error"].startswith("No company")


def test_load_good_rows_loads_a_mostly_rejected_file(company, tmp_path):
    rows = [["Invoice No", "Invoice Date", "Party", "Taxable Value"], ["S1", "01/04/2024", "A", "10"],
            *[[f"S{n}", "31/02/2024", "B", "5"] for n in range(2, 6)]]  # fmt: skip
    path = tmp_path / "mostly-bad.csv"
    path.write_bytes(csv_bytes(rows))

    held_code, [held] = ingest(company, str(path))
    loaded_code, [loaded] = ingest(company, "--load-good-rows", str(path))

    assert held_code == 1 and held["status"] == "review" and "4 of 5 rows could not be read" in held["error"]
    assert "is not a real date" in held["error"] and "'Invoice Date'" in held["error"]
    assert loaded_code == 0 and loaded["rows_loaded"] == 1 and loaded["rows_rejected"] == 4
    with tenant_context(company):
        assert ImportJob.objects.get(pk=held["job"]).rows_loaded == 0
