"""The rules real exports need, one at a time, on small files whose truth is plain to see."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from analytics.selectors import kpis
from ingestion import services
from ingestion.models import Customer, SalesLine
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(make_company):
    company, _ = make_company("rules", home_state="27")
    with tenant_context(company):
        yield company


def test_a_customer_code_is_the_identity_and_the_latest_name_is_shown(company):
    rows = [["Invoice No", "Date", "CardCode", "CardName", "LineTotal"],
            ["1", "01/04/2024", "C001", "Sharma Elec", "100"],
            ["2", "05/04/2024", "C001", "Sharma Electricals Pvt Ltd", "50"],
            ["3", "02/04/2024", "C002", "Sharma Elec", "10"]]  # fmt: skip

    load(csv_bytes(rows), "sap.csv")

    assert kpis().customers == 2 and kpis().orders == 3
    assert Customer.objects.get(key="#c001").name == "Sharma Electricals Pvt Ltd"
    older = [["Invoice No", "Date", "CardCode", "CardName", "LineTotal"], ["0", "01/03/2024", "C001", "Old Name", "5"]]
    load(csv_bytes(older), "older.csv")
    assert Customer.objects.get(key="#c001").name == "Sharma Electricals Pvt Ltd"  # an older file never renames


def test_walk_in_sales_count_in_revenue_and_orders_but_not_as_customers(company):
    rows = [["Bill No", "Bill Date", "Item", "Qty", "Rate"],
            ["1", "01/04/2024", "Soap", "2", "30"],
            ["2", "01/04/2024", "Oil", "1", "120.50"]]  # fmt: skip

    job = load(csv_bytes(rows), "pos.csv")

    assert job.status == "succeeded"
    figures = kpis()
    assert (figures.revenue, figures.orders, figures.customers) == (Decimal("180.5"), 2, 0)
    assert set(SalesLine.objects.values_list("customer_key", flat=True)) == {""}


def test_an_invoice_total_repeated_on_each_line_counts_once(company):
    lines = [[f"W{n}", "2024-04-01", f"C{n}", item, str(100 * n)] for n in range(1, 5) for item in ("A", "B", "C")]
    rows = [["Order Number", "Order Date", "Customer", "Item Name", "Order Total Amount"], *lines]

    load(csv_bytes(rows), "woo.csv")

    assert kpis().revenue == Decimal(100 + 200 + 300 + 400) and kpis().orders == 4


def test_an_order_whose_lines_name_two_states_is_one_order(company):
    rows = [["Order ID", "Order Date", "Customer", "Product", "Ship State", "Sales"],
            ["A-1", "2024-04-01", "Ravi", "Fan", "Maharashtra", "100"],
            ["A-1", "2024-04-01", "Ravi", "Wire", "Karnataka", "50"],
            ["A-2", "2024-04-01", "Ravi", "Wire", "Karnataka", "25"]]  # fmt: skip

    load(csv_bytes(rows), "shop.csv")

    assert kpis().orders == 2
    assert set(SalesLine.objects.filter(invoice_number="A-1").values_list("state", flat=True)) == {"Maharashtra"}


def test_a_file_only_in_another_currency_is_refused_and_loads_nothing(company):
    rows = [["Order ID", "Date", "Customer", "Currency", "Amount"],
            ["1", "01/04/2024", "A", "USD", "10"], ["2", "01/04/2024", "B", "EUR", "20"]]  # fmt: skip

    job = load(csv_bytes(rows), "usd.csv")

    assert job.status == "failed" and "in EUR and USD" in job.error and "INR" in job.error
    assert SalesLine.objects.count() == 0


def test_lines_in_another_currency_are_kept_and_never_added_in(company):
    rows = [["Order ID", "Date", "Customer", "Sales"], ["1", "01/04/2024", "A", "₹1,200.00"],
            ["2", "01/04/2024", "B", "$20.00"], ["3", "01/04/2024", "C", "SAR 5"]]  # fmt: skip

    job = load(csv_bytes(rows), "mixed.csv")

    assert job.status == "succeeded" and job.rows_loaded == 3
    assert "2 lines in SAR and USD are not counted in INR figures." in job.messages
    assert kpis().revenue == Decimal("1200") and kpis().orders == 1
    assert dict(SalesLine.objects.values_list("invoice_number", "currency")) == {"1": "INR", "2": "USD", "3": "SAR"}


def test_a_file_in_another_currency_is_asked_about_on_the_column_check(company):
    rows = [["Order ID", "Date", "Customer", "Sales"], ["1", "01/04/2024", "A", "$20.00"]]
    job = services.upload_create(file=_file(csv_bytes(rows), "usd.csv"), run="inline", review=True)
    job = services.import_run(job_id=job.pk)

    assert job.status == "mapping"
    assert (
        "Amounts in USD: if every line of this first file is in USD, this company's figures will be in USD"
        in (job.proposal["usd.csv"]["currencies"])
    )


def test_the_first_file_all_in_one_other_currency_sets_the_companys_currency(company):
    rows = [["Order ID", "Date", "Customer", "Sales"], ["1", "01/04/2024", "A", "$20.00"],
            ["2", "02/04/2024", "B", "$1,234.50"]]  # fmt: skip

    job = load(csv_bytes(rows), "usd.csv")

    assert job.status == "succeeded" and any("now in USD (it was INR)" in m for m in job.messages)
    company.refresh_from_db()
    assert company.currency == "USD" and kpis().revenue == Decimal("1254.50")
    # From now on rupee files are the other currency: kept, not counted, and the whole file refused.
    later = load(csv_bytes([rows[0], ["3", "03/04/2024", "C", "₹500"]]), "inr.csv")
    assert later.status == "failed" and "Every line of this file is in INR" in later.error


def test_a_later_file_in_another_currency_never_changes_the_currency(company):
    load(csv_bytes([["Order ID", "Date", "Customer", "Sales"], ["1", "01/04/2024", "A", "₹1,200.00"]]), "inr.csv")
    job = load(csv_bytes([["Order ID", "Date", "Customer", "Sales"], ["2", "02/04/2024", "B", "$20.00"]]), "usd.csv")
    company.refresh_from_db()
    assert job.status == "failed" and "Every line of this file is in USD" in job.error and company.currency == "INR"


def test_a_name_longer_than_its_column_is_cut_and_noted(company):
    long_name = "Shree " + "Ganesh " * 60 + "Traders"
    rows = [["Invoice No", "Date", "Customer", "Amount"], ["1", "01/04/2024", long_name, "10"]]

    job = load(csv_bytes(rows), "long.csv")

    assert job.status == "succeeded" and job.rows_loaded == 1 and job.rows_rejected == 0
    assert SalesLine.objects.get().customer_name == long_name[:255]
    notes = list(csv.DictReader(io.StringIO(job.rejects_file.read().decode("utf-8-sig"))))
    assert notes[0]["reason"].startswith("customer name: cut to 255 characters")


def test_a_customer_master_sheet_inside_a_sales_workbook_fills_the_lines(company, build_xlsx):
    path = build_xlsx(
        {
            "Sales": [["Invoice No", "Date", "Customer", "Amount"], ["1", "2024-04-01", "Ravi Traders", "100"]],
            "Customers": [["Customer Name", "GSTIN", "State", "City"],
                          ["Ravi Traders", "27AAPFU0939F1ZV", "Maharashtra", "Pune"]],
        }
    )  # fmt: skip

    job = load(path)

    assert job.status == "succeeded" and job.rows_loaded == 1, job.error
    line = SalesLine.objects.get()
    assert (line.city, line.customer_gstin) == ("Pune", "27AAPFU0939F1ZV")
    assert Customer.objects.get(key=line.customer_key).from_master


def test_every_row_read_is_accounted_for(company):
    rows = [["Date", "Particulars", "Vch Type", "Vch No.", "Debit Amount"],
            ["01/04/2024", "Ravi", "Sales", "1", "118"], [], ["", "", "", "", ""],
            ["Date", "Particulars", "Vch Type", "Vch No.", "Debit Amount"],
            ["01/04/2024", "Kaveri", "Receipt", "7", "500"], ["01/04/2024", "Bad", "Sales", "2", "lots"],
            ["", "Grand Total", "", "", "618"]]  # fmt: skip

    job = load(csv_bytes(rows), "daybook.csv", load_good_rows=True)

    assert (job.rows_loaded, job.rows_rejected, job.skipped) == (1, 1, {"Receipt": 1})
    assert sum(job.set_aside.values()) + 3 == job.rows_read, job.set_aside


def _file(content: bytes, name: str):
    from django.core.files.base import ContentFile

    return ContentFile(content, name=name)


def test_lines_loaded_before_the_identity_changed_are_found_again_after_the_migration(company):
    """Migration 0007 moves stored lines to this release's identity, so a re-upload finds every one of them."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    rows = [["Invoice No", "Date", "Customer", "Qty", "Rate", "Amount"],
            ["1", "01/04/2024", "A", "2", "10.5", "21.00"], ["1", "01/04/2024", "A", "2", "10.5", "21.00"],
            ["2", "02/04/2024", "B", "1", "1,250.50", "1,250.50"]]  # fmt: skip
    load(csv_bytes(rows), "first.csv")
    with connection.cursor() as cursor:  # as an earlier release hashed them: differently
        cursor.execute("UPDATE ingestion_salesline SET line_hash = line_hash # 12345")
    migration = importlib.import_module("ingestion.migrations.0007_line_identity_from_stored_values")

    migration.rehash(None, SimpleNamespace(connection=connection))
    again = load(csv_bytes(rows), "again.csv")

    assert (again.rows_loaded, again.duplicates) == (0, 3)
    assert sorted(SalesLine.objects.values_list("occurrence", flat=True)) == [1, 1, 2]


def test_an_amount_in_a_rate_column_is_blanked_with_a_warning_never_a_database_error(company):
    rows = [["Invoice No", "Date", "Customer", "Taxable Value", "GST %"], ["1", "01/04/2024", "A", "100", "18"],
            ["2", "01/04/2024", "B", "200", "1500"]]  # fmt: skip

    job = load(csv_bytes(rows), "rates.csv")

    assert job.status == "succeeded" and job.rows_loaded == 2, job.error
    assert SalesLine.objects.get(invoice_number="2").gst_rate is None
    assert SalesLine.objects.get(invoice_number="1").gst_rate == 18
