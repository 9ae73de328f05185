"""A customer master fully used: salespeople and branches reach the lines loaded before it and after it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from analytics import engine
from analytics.engine import Scope
from analytics.filters import Filters
from analytics.periods import Period
from ingestion.models import SalesLine
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

SALES = [["Invoice No", "Date", "Customer", "Cust ID", "Amount"],
         ["1", "01/04/2024", "Ravi Traders", "", "100"],
         ["2", "02/04/2024", "Kaveri Cables", "K-7", "250"],
         ["3", "03/04/2024", "Asha Stores", "", "40"]]  # fmt: skip
MASTER = [["Customer Name", "Customer Code", "Salesperson", "Branch", "State"],
          ["M/s. Ravi Traders Pvt Ltd", "", "Sunil", "Pune", "Maharashtra"],
          ["Kaveri Cables Ltd", "K-7", "Meena", "Bengaluru", "Karnataka"]]  # fmt: skip


@pytest.fixture
def company(make_company):
    company, _ = make_company("masters", home_state="27")
    with tenant_context(company):
        yield company


def test_salespeople_and_branches_reach_lines_loaded_before_and_after_the_master(company):
    load(csv_bytes(SALES), "april.csv")
    job = load(csv_bytes(MASTER), "customers.csv", kind="customers")
    assert job.status == "succeeded", job.error

    people = dict(SalesLine.objects.values_list("invoice_number", "salesperson"))
    branches = dict(SalesLine.objects.values_list("invoice_number", "branch"))
    assert people == {"1": "Sunil", "2": "Meena", "3": ""}  # by name, by code, and not in the master
    assert branches == {"1": "Pune", "2": "Bengaluru", "3": ""}

    load(csv_bytes([SALES[0], ["4", "05/04/2024", "Ravi Traders", "", "60"]]), "later.csv")
    assert SalesLine.objects.get(invoice_number="4").salesperson == "Sunil"

    scope = Scope(Period(date(2024, 4, 1), date(2024, 4, 30)), Filters())
    by_person = {row["person"]: row["revenue"] for row in engine.sales(scope, ("person",))}
    assert by_person == {"Sunil": Decimal(160), "Meena": Decimal(250), "": Decimal(40)}


def test_a_line_that_names_its_own_salesperson_keeps_it(company):
    load(csv_bytes([["Invoice No", "Date", "Customer", "Salesman", "Amount"],
                    ["1", "01/04/2024", "Ravi Traders", "Ajay", "100"]]), "own.csv")  # fmt: skip
    load(csv_bytes(MASTER), "customers.csv", kind="customers")
    assert SalesLine.objects.get().salesperson == "Ajay"


def test_a_master_that_names_another_state_turns_a_rate_split_into_igst(company):
    """Taxes worked out from the rate while the state was unknown were CGST + SGST; the master's Karnataka makes
    them IGST, so no inter-state line carries CGST and SGST."""
    load(csv_bytes([["Invoice No", "Date", "Customer", "Amount", "GST %"],
                    ["1", "01/04/2024", "Kaveri Cables", "1000", "18"],
                    ["2", "01/04/2024", "Ravi Traders", "500", "18"]]), "rate.csv")  # fmt: skip
    assert SalesLine.objects.get(invoice_number="1").cgst == Decimal(90)

    load(csv_bytes(MASTER), "customers.csv", kind="customers")

    karnataka = SalesLine.objects.get(invoice_number="1")
    maharashtra = SalesLine.objects.get(invoice_number="2")
    assert (karnataka.state_code, karnataka.cgst, karnataka.sgst, karnataka.igst) == ("29", 0, 0, Decimal(180))
    assert (maharashtra.state_code, maharashtra.cgst, maharashtra.sgst, maharashtra.igst) == (
        "27", Decimal(45), Decimal(45), 0,
    )  # fmt: skip


def test_an_invalid_gstin_is_named_in_the_rejected_rows_file_and_the_line_loads(company):
    import csv
    import io

    rows = [["Invoice No", "Date", "Customer", "GSTIN", "Amount"],
            ["1", "01/04/2024", "Ravi Traders", "27AAPFU0939F1ZX", "100"]]  # fmt: skip

    job = load(csv_bytes(rows), "gstin.csv")

    assert job.status == "succeeded" and job.rows_loaded == 1
    notes = list(csv.DictReader(io.StringIO(job.rejects_file.read().decode("utf-8-sig"))))
    assert notes[0]["Customer"] == "Ravi Traders"
    assert "loaded, but GSTIN: '27AAPFU0939F1ZX' is not a valid GSTIN" in notes[0]["reason"]


def test_a_customer_master_without_a_name_column_loads_nothing_and_says_what_is_missing(company):
    load(csv_bytes(SALES), "april.csv")
    rows = [["GSTIN", "State", "Salesperson"], ["27AAPFU0939F1ZV", "Maharashtra", "Sunil"]]

    job = load(csv_bytes(rows), "customers.csv", kind="customers")

    assert job.status in ("mapping", "failed") and "name" in job.error.lower()
    assert not SalesLine.objects.exclude(salesperson="").exists()
    from ingestion.models import Customer

    assert not Customer.objects.filter(from_master=True).exists()
