"""A file that is not what the person said it is: asked about, and nothing loads until they answer."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import tenant_context

from ingestion import services
from ingestion.models import Customer, ImportJob, Product, SalesLine
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

TITLE = [["Shree Ganesh Electricals Pvt Ltd"], ["Plot 14, MIDC Bhosari, Pune"], []]


def purchase_register():
    return [*TITLE, ["Purchase Register"], ["1-Apr-24 to 30-Apr-24"], [],
            ["Date", "Particulars", "Voucher Type", "Voucher No.", "Supplier Invoice No.", "Gross Total",
             "Purchase @ 18%", "Input CGST", "Input SGST"],
            ["1-Apr-24", "Polycab India Ltd", "Purchase", "P-1", "PIL/889", "11800", "10000", "900", "900"],
            ["3-Apr-24", "Havells India Ltd", "Purchase", "P-2", "HIL/12", "5900", "5000", "450", "450"]]  # fmt: skip


def stock_summary():
    return [*TITLE, ["Stock Summary"], ["1-Apr-24 to 30-Apr-24"], [],
            ["Particulars", "Closing Balance", "", ""], ["", "Quantity", "Rate", "Value"],
            ["Copper Wire 1.5mm", "1,200 mtr", "82.00", "98,400.00"],
            ["PVC Conduit 25mm", "300 nos", "48.00", "14,400.00"]]  # fmt: skip


def ledger_account():
    return [*TITLE, ["Ravi Traders"], ["Ledger Account"], ["1-Apr-24 to 30-Apr-24"], [],
            ["Date", "Particulars", "Vch Type", "Vch No.", "Debit", "Credit"],
            ["1-Apr-24", "Sales Account", "Sales", "S-1", "11800", ""],
            ["9-Apr-24", "HDFC Bank", "Receipt", "R-4", "", "11800"]]  # fmt: skip


SALES_AS_MASTER = [["Invoice No", "Date", "Customer", "Item", "Qty", "Amount"],
                   *[[f"S-{n}", f"0{1 + n % 5}/04/2024", ["Ravi Traders", "Kaveri Cables"][n % 2], "Wire", "1", "100"]
                     for n in range(8)]]  # fmt: skip


@pytest.fixture
def company(make_company):
    company, _ = make_company("kinds", home_state="27")
    with tenant_context(company):
        yield company


@pytest.mark.parametrize(
    ("rows", "looks_like", "suggested"),
    [(purchase_register, "a purchase register", "purchase"), (stock_summary, "a stock list or item master", "items"),
     (ledger_account, "a ledger or account statement", None)],
)  # fmt: skip
def test_a_purchase_register_stock_list_or_ledger_uploaded_as_sales_is_asked_about(
    company, build_xlsx, rows, looks_like, suggested
):
    job = load(build_xlsx({"Sheet1": rows()}, name="april.xlsx"))
    assert job.status == "mapping" and job.kind_question["looks_like"] == looks_like
    assert job.kind_question["suggested"] == suggested
    assert f"This file looks like {looks_like}, not sales lines" in job.error and "Nothing was loaded" in job.error
    assert not SalesLine.objects.exists() and not Customer.objects.exists()


def test_a_purchase_csv_without_a_title_is_known_by_its_supplier_bill_column(company):
    rows = [["Date", "Supplier", "Supplier Bill No", "Taxable Value"], ["01/04/2024", "Polycab", "9", "10"]]
    job = load(csv_bytes(rows), "bills.csv")
    assert job.status == "mapping" and job.kind_question["looks_like"] == "a purchase register"
    assert "“Supplier Bill No” column" in job.error and not SalesLine.objects.exists()


def test_a_sales_file_uploaded_as_a_customer_master_is_asked_about(company):
    job = load(csv_bytes(SALES_AS_MASTER), "customers.csv", kind="customers")
    assert job.status == "mapping" and job.kind_question["suggested"] == "sales"
    assert not Customer.objects.exists()


def test_a_day_book_and_a_titled_sales_register_load_as_sales(company, build_xlsx):
    day_book = [*TITLE, ["Day Book"], ["1-Apr-24 to 30-Apr-24"], [],
                ["Date", "Particulars", "Vch Type", "Vch No.", "Debit Amount", "Credit Amount"],
                ["1-Apr-24", "Ravi Traders", "Sales", "S-1", "11800", ""],
                ["2-Apr-24", "Polycab India Ltd", "Purchase", "P-1", "", "5900"]]  # fmt: skip
    assert load(build_xlsx({"Day Book": day_book}, name="daybook.xlsx")).status == "succeeded"
    register = [
        *TITLE,
        ["Sales Register"],
        ["1-Apr-24 to 30-Apr-24"],
        [],
        ["Date", "Particulars", "Voucher No.", "Value"],
        ["1-Apr-24", "Ravi Traders", "S-9", "1000"],
    ]
    assert load(build_xlsx({"Sales Register": register}, name="register.xlsx")).status == "succeeded"


def test_answering_loads_it_as_the_kind_the_person_says(company, build_xlsx, django_capture_on_commit_callbacks):
    job = load(build_xlsx({"Stock Summary": stock_summary()}, name="stock.xlsx"))
    assert job.status == "mapping"
    with django_capture_on_commit_callbacks(execute=False):
        services.job_kind_answer(job=job, kind="items")
    job = services.import_run(job_id=job.pk)
    if job.status == "mapping":  # the columns of the new kind are checked too
        services.job_columns_choose(job=job, overrides={}, sheet_roles={})
        job = services.import_run(job_id=job.pk)
    assert job.status == "succeeded", job.error
    assert job.kind == "items" and Product.objects.filter(from_master=True).count() == 2
    assert not SalesLine.objects.exists()


def test_the_upload_page_asks_and_dont_load_discards_it(make_company, company_client, build_xlsx):
    company, owner = make_company("kindpage")
    client = company_client(company, owner)
    with tenant_context(company):
        job = load(build_xlsx({"Sheet1": purchase_register()}, name="april.xlsx"))
    page = client.get(f"/uploads/{job.pk}/columns/").content.decode()
    assert "looks like a purchase register" in page and 'value="purchase"' in page
    assert client.post(f"/uploads/{job.pk}/columns/", {"answer": "discard"}).status_code == 302
    with tenant_context(company):
        assert ImportJob.objects.get(pk=job.pk).status == "deleted" and not SalesLine.objects.exists()


def test_ingest_says_what_the_file_looks_like_and_loads_it_when_told(make_company, build_xlsx):
    make_company("kindcli")
    path = build_xlsx({"Sheet1": ledger_account()}, name="ledger.xlsx")
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("ingest", "--company", "kindcli", str(path), stdout=out)
    assert raised.value.returncode == 3
    result = json.loads(out.getvalue())
    assert result["status"] == "needs_mapping" and result["looks_like"] == "a ledger or account statement"
    out = StringIO()
    with pytest.raises(CommandError) as raised:  # accepting the columns is not saying what the file is
        call_command("ingest", "--company", "kindcli", "--accept-proposal", str(path), stdout=out)
    assert raised.value.returncode == 3 and json.loads(out.getvalue())["looks_like"] == "a ledger or account statement"
    out = StringIO()
    call_command("ingest", "--company", "kindcli", "--kind-confirmed", "--accept-proposal", str(path), stdout=out)
    assert json.loads(out.getvalue())["status"] == "succeeded"
