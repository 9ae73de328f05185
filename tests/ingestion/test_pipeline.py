"""Uploads through the real pipeline into a real company schema: figures, duplicates, Indian rules, bad input."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context

from analytics.selectors import kpis
from ingestion import services
from ingestion.models import Customer, ExclusionRule, ImportJob, PurchaseOrder, SalesLine

pytestmark = pytest.mark.django_db

DATASETS = Path(os.environ.get("ELETTRO_SAMPLE_DATA", Path(__file__).resolve().parents[3] / "shared" / "datasets"))


def sample(name: str) -> Path:
    path = DATASETS / name
    if not path.exists():
        pytest.skip(f"the public sample data set {name} is not at {DATASETS} (set ELETTRO_SAMPLE_DATA)")
    return path


@pytest.fixture
def company(make_company):
    company, _ = make_company("ingest", home_state="27")
    with tenant_context(company):
        yield company


def load(content: bytes | Path, name: str | None = None, **options) -> ImportJob:
    if isinstance(content, Path):
        name, content = name or content.name, content.read_bytes()
    job = services.upload_create(file=ContentFile(content, name=name), run="inline", **options)
    return services.import_run(job_id=job.pk)


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


HEADER = ["Invoice No", "Invoice Date", "Customer", "State", "Product", "Qty", "Rate", "Taxable Value", "GST %"]


# ---------------------------------------------------------------- the published figures


@pytest.mark.sample_data
def test_sales_data_sample_reproduces_the_published_figures(company):
    job = load(sample("sales_data_sample.csv"))

    assert job.status == "succeeded" and job.rows_loaded == 2823 and job.rows_rejected == 0
    figures = kpis().as_json()
    assert figures["lines"] == 2763 and figures["lines_total"] == 2823
    assert figures["revenue"] == "9838141.37" and figures["orders"] == 303 and figures["aov"] == "32469.11"
    assert figures["customers"] == 92 and figures["gross_profit"] is None
    counted = SalesLine.objects.filter(counts=True)
    assert counted.values("country").distinct().count() == 19
    assert counted.values("product_line").distinct().count() == 7
    # The file is cp850: read as such, Barcelona's address keeps its ñ (latin-1 would show ¤).
    from ingestion.etl.readers import read_table

    rows = read_table(sample("sales_data_sample.csv"), filename="sales_data_sample.csv")[0].rows
    assert (rows == "Rambla de Cataluña, 23").any().any()


@pytest.mark.sample_data
def test_superstore_reads_all_three_sheets(company):
    job = load(sample("superstore.xls"))

    assert job.status == "succeeded" and job.rows_read == 9994 and job.rows_loaded == 9994
    figures = kpis().as_json()
    assert figures["revenue"] == "2116696.58" and figures["gross_profit"] == "263164.66"
    assert figures["orders"] == 4713 and figures["aov"] == "449.12" and figures["customers"] == 791
    every = SalesLine.objects.all()
    assert every.filter(is_returned=True).count() == 800
    totals = {row["manager"]: row for row in every.values("manager").annotate(**_sums())}
    assert totals["Anna Andreadi"]["sales"].quantize(Decimal("0.01")) == Decimal("725457.82")
    assert totals["Cassandra Brandow"]["profit"].quantize(Decimal("0.01")) == Decimal("46749.43")
    assert set(totals) == {"Anna Andreadi", "Chuck Magee", "Kelly Williams", "Cassandra Brandow"}


def _sums():
    from django.db.models import Sum

    return {"sales": Sum("net_amount"), "profit": Sum("profit")}


# ---------------------------------------------------------------- duplicates


def test_the_same_file_twice_adds_nothing_and_overlaps_add_only_new_lines(company):
    lines = [HEADER] + [[f"INV-{n}", f"0{m}/0{m}/2024", "Ravi Traders", "Maharashtra", "Wire", "1", "100", "100", "18"]
                        for n, m in ((1, 4), (2, 5), (3, 6), (4, 7))]  # fmt: skip
    first = load(csv_bytes(lines[:4]), "apr-jun.csv")
    again = load(csv_bytes(lines[:4]), "apr-jun-again.csv")
    overlapping = load(csv_bytes([HEADER, *lines[2:]]), "jun-jul.csv")

    assert (first.rows_loaded, first.duplicates) == (3, 0)
    assert (again.rows_loaded, again.duplicates) == (0, 3)
    assert (overlapping.rows_loaded, overlapping.duplicates) == (1, 2)
    assert SalesLine.objects.count() == 4


def test_two_identical_item_lines_in_one_invoice_are_both_kept(company):
    line = ["INV-9", "01/04/2024", "Ravi Traders", "Maharashtra", "Wire", "1", "100", "100", "18"]

    job = load(csv_bytes([HEADER, line, line]), "twice.csv")
    again = load(csv_bytes([HEADER, line, line]), "twice-again.csv")

    assert job.rows_loaded == 2 and again.duplicates == 2
    assert kpis().revenue == Decimal("200")


def test_replace_period_replaces_every_line_in_the_files_date_range(company):
    april = [HEADER, ["A-1", "01/04/2024", "Ravi", "Maharashtra", "Wire", "1", "100", "100", "18"],
             ["A-2", "30/04/2024", "Ravi", "Maharashtra", "Wire", "1", "50", "50", "18"]]  # fmt: skip
    may = [HEADER, ["M-1", "02/05/2024", "Ravi", "Maharashtra", "Wire", "1", "70", "70", "18"]]
    load(csv_bytes(april), "april.csv")
    load(csv_bytes(may), "may.csv")
    corrected = [HEADER, ["A-1", "01/04/2024", "Ravi", "Maharashtra", "Wire", "1", "120", "120", "18"]]

    job = load(csv_bytes(corrected), "april-corrected.csv", mode="replace-period")

    assert job.rows_replaced == 1  # only 1 April falls in the corrected file's range (1 April to 1 April)
    assert set(SalesLine.objects.values_list("invoice_number", "net_amount")) == {
        ("A-1", Decimal("120.0000")), ("A-2", Decimal("50.0000")), ("M-1", Decimal("70.0000")),
    }  # fmt: skip


# ---------------------------------------------------------------- Indian business rules


def test_gst_is_split_by_place_of_supply_and_stated_taxes_are_kept(company):
    rows = [HEADER,
            ["G-1", "01/04/2024", "Pune Electricals", "Maharashtra", "Fan", "1", "1000", "1000", "18"],
            ["G-2", "01/04/2024", "Chennai Power", "Tamil Nadu", "Fan", "1", "1000", "1000", "18"],
            ["G-3", "01/04/2024", "Walk-in", "", "Fan", "1", "333.33", "333.33", "5"]]  # fmt: skip

    load(csv_bytes(rows), "gst.csv")

    taxes = {line.invoice_number: (line.cgst, line.sgst, line.igst) for line in SalesLine.objects.all()}
    assert taxes["G-1"] == (Decimal("90"), Decimal("90"), Decimal("0"))
    assert taxes["G-2"] == (Decimal("0"), Decimal("0"), Decimal("180"))
    assert taxes["G-3"] == (Decimal("8.34"), Decimal("8.33"), Decimal("0"))  # 16.67 split to the paisa


def test_a_tally_register_with_title_rows_and_continuation_lines(company, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Sharma Traders Pvt Ltd"])
    sheet.append(["GSTIN/UIN: 27AAPFU0939F1ZV"])
    sheet.append(["Sales Register"])
    sheet.append(["1-Apr-24 to 30-Apr-24"])
    sheet.append([])
    sheet.append(["Date", "Particulars", "Voucher Type", "Voucher No.", "GSTIN/UIN", "Stock Item", "Quantity",
                  "Rate", "Value", "CGST", "SGST", "IGST", "Gross Total"])  # fmt: skip
    sheet.append(["1-Apr-24", "Kaveri Cables", "Sales", "S/001", "29AAPFU0939F1ZR", "Copper Wire", "12 Nos",
                  "1,000.00/Nos", "12,000.00", None, None, "2,160.00", "14,160.00"])  # fmt: skip
    sheet.append([None, None, None, None, None, "MCB 16A", "5.000 Pcs", "200.00/Pcs", "1,000.00", None, None,
                  "180.00", "1,180.00"])  # fmt: skip
    sheet.append(["2-Apr-24", "(cancelled)", "Sales", "S/002"])
    sheet.append(["Grand Total", None, None, None, None, None, None, None, "13,000.00", None, None, "2,340.00"])
    path = tmp_path / "register.xlsx"
    book.save(path)

    job = load(path)

    assert job.status == "succeeded" and job.rows_loaded == 3 and job.rows_rejected == 0
    lines = list(SalesLine.objects.order_by("invoice_number", "-net_amount"))
    assert [line.customer_name for line in lines[:2]] == ["Kaveri Cables", "Kaveri Cables"]
    assert lines[1].invoice_number == "S/001" and lines[1].quantity == Decimal("5") and lines[1].unit == "Pcs"
    assert lines[0].state_code == "29" and lines[0].igst == Decimal("2160")
    assert lines[2].is_cancelled and not lines[2].counts
    assert kpis().revenue == Decimal("13000") and kpis().orders == 1


def test_a_customer_master_fills_state_city_and_gstin_by_customer(company):
    master = [["Customer Name", "GSTIN", "State", "City", "Segment"],
              ["M/s. Sharma Electricals", "27AAPFU0939F1ZV", "Maharashtra", "Pune", "Dealer"]]  # fmt: skip
    load(csv_bytes(master), "master.csv", kind="customers")
    sale = [HEADER[:4] + HEADER[4:8], ["S-1", "01/04/2024", "Sharma Electricals Pvt. Ltd.", "", "Fan", "1", "10", "10"]]

    load(csv_bytes(sale), "sale.csv")

    line = SalesLine.objects.get()
    assert (line.customer_gstin, line.city, line.segment, line.state_code) == (
        "27AAPFU0939F1ZV",
        "Pune",
        "Dealer",
        "27",
    )
    assert Customer.objects.get(from_master=True).city == "Pune"


def test_exclusion_rules_keep_lines_visible_but_out_of_sales(company):
    ExclusionRule.objects.create(field="product", pattern="Corrugated box")
    rows = [HEADER, ["E-1", "01/04/2024", "Ravi", "Maharashtra", "Fan", "1", "100", "100", "18"],
            ["E-1", "01/04/2024", "Ravi", "Maharashtra", "Freight Charges", "1", "50", "50", "18"],
            ["E-1", "01/04/2024", "Ravi", "Maharashtra", "Corrugated Box 5-ply", "1", "20", "20", "18"]]  # fmt: skip

    job = load(csv_bytes(rows), "excl.csv")

    assert SalesLine.objects.count() == 3 and SalesLine.objects.filter(is_excluded=True).count() == 2
    assert kpis().revenue == Decimal("100")
    assert any("exclusion rule" in message for message in job.messages)


def test_erp_purchase_orders_load_and_deduplicate(company):
    header = ["PO No", "Vendor", "Item", "Qty", "Unit Price", "Amount", "Order Date", "Expected Delivery", "Status"]
    rows = [
        header,
        ["PO-1", "Tata Copper", "Copper rod", "100", "500", "50,000", "01-04-2024", "15-04-2024", "Pending"],
    ]

    first = load(csv_bytes(rows), "po.csv", kind="purchase")
    again = load(csv_bytes(rows), "po.csv", kind="purchase")

    assert first.rows_loaded == 1 and again.duplicates == 1
    po = PurchaseOrder.objects.get()
    assert po.amount == Decimal("50000") and str(po.delivery_date) == "2024-04-15"


# ---------------------------------------------------------------- bad input: a clear message, nothing loaded


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", '<worksheet><dimension ref="A1:XFD1048576"/>' + " " * 50_000_000)
    return buffer.getvalue()


def _corrupt_xlsx() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()[:600]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "empty"),
        (b"%PDF-1.7 fake pdf", "report.xlsx", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "photo.xlsx", "image"),
        (_corrupt_xlsx(), "broken.xlsx", "damaged"),
        (_zip_bomb(), "bomb.xlsx", ""),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "locked.xlsx", ""),
        (csv_bytes([HEADER, ["X", "31/02/2024", "Ravi", "", "Fan", "abc", "1", "lots", "18"]]), "bad.csv", "No row"),
    ],
)
def test_bad_files_fail_with_a_clear_message_and_load_nothing(company, content, name, message):
    job = load(content, name)

    assert job.status == "failed"
    assert message in job.error and len(job.error) > 20
    assert SalesLine.objects.count() == 0 and job.rows_loaded == 0


def test_a_file_whose_columns_we_cannot_place_waits_for_a_person_and_loads_nothing(company):
    job = load(csv_bytes([["Foo", "Bar"], ["1", "2"]]), "nothing.csv")

    assert job.status == "mapping" and "could not find the columns" in job.error
    assert job.proposal["nothing.csv"]["columns"] == ["Foo", "Bar"]
    assert SalesLine.objects.count() == 0 and job.rows_loaded == 0


def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(company, settings):
    from elettro.kernel.errors import ApplicationError

    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ApplicationError, match=r"the limit is"):
        services.upload_create(file=ContentFile(b"x" * 2048, name="big.csv"), run="inline")
    assert ImportJob.objects.count() == 0


def test_rows_with_impossible_values_are_rejected_with_reasons_and_formulas_stay_text(company):
    rows = [HEADER,
            ["OK-1", "01/04/2024", '=HYPERLINK("http://evil","x")', "Maharashtra", "Fan", "1", "100", "100", "18"],
            ["BAD-1", "01/04/1800", "Ravi", "Maharashtra", "Fan", "1", "100", "100", "18"],
            ["BAD-2", "02/04/2024", "=cmd|' /C calc'!A0", "MH", "Fan", "many", "100", "100", "18"]]  # fmt: skip

    job = load(csv_bytes(rows), "mixed.csv")
    # Two rows of three could not be read: nothing loads until a person says so.
    assert job.status == "review" and job.rows_loaded == 0 and job.rows_rejected == 2
    assert "2 of 3 rows could not be read" in job.error and SalesLine.objects.count() == 0
    services.job_load_good_rows(job=job)
    job = services.import_run(job_id=job.pk)

    assert job.status == "succeeded" and job.rows_loaded == 1 and job.rows_rejected == 2
    assert SalesLine.objects.get().customer_name == '=HYPERLINK("http://evil","x")'  # stored as text
    rejects = list(csv.DictReader(io.StringIO(job.rejects_file.read().decode("utf-8-sig"))))
    assert {row["Invoice No"] for row in rejects} == {"BAD-1", "BAD-2"}
    assert all(row["reason"] for row in rejects)
    assert next(row for row in rejects if row["Invoice No"] == "BAD-2")["Customer"].startswith("'=cmd")


def test_a_failed_job_run_again_after_a_crash_gives_the_same_result(company):
    rows = [HEADER, ["R-1", "01/04/2024", "Ravi", "Maharashtra", "Fan", "1", "100", "100", "18"]]
    job = services.upload_create(file=ContentFile(csv_bytes(rows), name="r.csv"), run="inline")
    ImportJob.objects.filter(pk=job.pk).update(status="running", progress=40)  # as a killed worker leaves it

    services.import_run(job_id=job.pk)
    again = services.import_run(job_id=job.pk)

    assert again.status == "succeeded" and SalesLine.objects.count() == 1


def test_pandas_agrees_with_the_loaded_lines(company):
    frame = pd.DataFrame(
        {
            "Invoice No": [f"P-{i % 7}" for i in range(50)],
            "Invoice Date": ["05/04/2024"] * 50,
            "Customer": [f"Cust {i % 7 % 5}" for i in range(50)],  # an invoice is one customer's
            "State": ["Kerala"] * 50,
            "Product": ["Fan"] * 50,
            "Qty": ["1"] * 50,
            "Rate": [f"{i}.25" for i in range(50)],
            "Taxable Value": [f"{i}.25" for i in range(50)],
            "GST %": ["18"] * 50,
        }
    )
    load(frame.to_csv(index=False).encode(), "p.csv")

    expected = sum(Decimal(value) for value in frame["Taxable Value"])
    assert kpis().revenue == expected and kpis().orders == 7 and kpis().customers == 5


def test_changing_exclusion_rules_updates_the_lines_already_loaded(company):
    rows = [HEADER, ["X-1", "01/04/2024", "Ravi", "Maharashtra", "Fan", "1", "100", "100", "18"],
            ["X-1", "01/04/2024", "Ravi", "Maharashtra", "Loading charges", "1", "30", "30", "18"]]  # fmt: skip
    load(csv_bytes(rows), "x.csv")
    assert kpis().revenue == Decimal("130")

    services.exclusion_add(field="product", pattern="loading charges")
    assert services.exclusions_apply() == 1
    assert kpis().revenue == Decimal("100")

    ExclusionRule.objects.filter(pattern="loading charges").delete()
    assert services.exclusions_apply() == 0 and kpis().revenue == Decimal("130")
