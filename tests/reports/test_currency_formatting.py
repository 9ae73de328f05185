"""Figures are written in the company's currency everywhere they are shown: a dollar company's overview page,
downloads, Excel and PDF reports and report messages show dollars in thousands and millions and never a rupee
sign; a rupee company's show lakh and crore."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django_tenants.utils import tenant_context

from reports.delivery import headline_text
from reports.generation import headline, report_build, report_render
from reports.models import ReportRun
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

from .test_report_files import pdf_pages, squash

pytestmark = pytest.mark.django_db

FY_2024_25 = {"from": "2024-04-01", "to": "2025-03-31"}
QUERY = "from=2024-04-01&to=2025-03-31"


def _company_with_sales(make_company, subdomain: str, currency: str, amounts: list[str]):
    company, owner = make_company(subdomain, name=f"{subdomain.title()} Trading", currency=currency)
    rows = [
        [f"INV-{n}", f"1{n}/0{n + 4}/2024", f"Customer {n}", "", f"Item {n}", "1", amount, amount, "18"]
        for n, amount in enumerate(amounts, start=1)
    ]
    with tenant_context(company):
        job = load(csv_bytes([HEADER, *rows]), "sales.csv")
    assert job.status == "succeeded", job.error
    assert job.rows_loaded == len(amounts)
    return company, owner


@pytest.fixture
def dollar_company(make_company):
    # $1,234,567.89 of revenue: $1.23M on cards.
    return _company_with_sales(make_company, "liberty", "USD", ["1000000", "200000", "34567.89"])


@pytest.fixture
def rupee_company(make_company):
    # ₹1,23,45,678 of revenue: ₹1.23 Cr on cards.
    return _company_with_sales(make_company, "kaveri", "INR", ["10000000", "2000000", "345678"])


def _workbook_text(content: bytes) -> tuple[str, set[str]]:
    """Every cell's value and every number format of a workbook: what a reader can see in it."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    values, formats = [], set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    values.append(str(cell.value))
                    formats.add(cell.number_format)
    return " ".join(values), formats


def _money_formats(formats: set[str]) -> set[str]:
    return {fmt for fmt in formats if '"' in fmt}  # money formats carry the currency's sign as a literal


# ---------------------------------------------------------------- a dollar company


def test_a_dollar_companys_overview_shows_dollars_in_millions_and_no_rupees(dollar_company, company_client):
    company, owner = dollar_company

    body = company_client(company, owner).get(f"/?{QUERY}").content.decode()

    assert 'data-kpi="revenue"' in body
    assert "$1.23M" in body and "$1,234,567.89" in body  # the card, and the full amount in its title
    assert "$1,000,000.00" in body  # the top customer in the table
    assert "₹" not in body and " Cr" not in body and "lakh" not in body.lower()


def test_a_dollar_companys_table_download_has_a_dollar_number_format(dollar_company, company_client):
    company, owner = dollar_company

    response = company_client(company, owner).get(f"/?{QUERY}&download=top_customers&format=xlsx")

    text, formats = _workbook_text(response.content)
    assert _money_formats(formats) == {'"$"#,##0.00'}
    assert "₹" not in text


def test_a_dollar_companys_excel_report_formats_money_in_dollars(dollar_company):
    company, _ = dollar_company
    with tenant_context(company):
        report = report_build(company, "sales-review", FY_2024_25)
        content = report_render(report, "xlsx")

    text, formats = _workbook_text(content)
    assert _money_formats(formats) == {'"$"#,##0.00'}
    assert "₹" not in text
    summary = openpyxl.load_workbook(io.BytesIO(content))["Summary"]
    revenue = next(row for row in summary.iter_rows() if row[0].value == "Revenue")
    assert str(revenue[1].value) == "1234567.89" and revenue[1].number_format == '"$"#,##0.00'


def test_a_dollar_companys_gst_summary_workbook_is_in_dollars_too(dollar_company):
    company, _ = dollar_company
    with tenant_context(company):
        content = report_render(report_build(company, "gst-summary", FY_2024_25), "xlsx")

    text, formats = _workbook_text(content)
    assert _money_formats(formats) == {'"$"#,##0.00'}
    assert "₹" not in text


def test_a_dollar_companys_pdf_report_shows_dollars_and_no_rupees(dollar_company):
    company, _ = dollar_company
    with tenant_context(company):
        report = report_build(company, "sales-review", FY_2024_25)
        content = report_render(report, "pdf")

    text = squash(" ".join(pdf_pages(content)))
    assert "Liberty Trading" in text
    assert "$1.23M" in text and "$1,234,567.89" in text
    assert "$1,000,000.00" in text  # a table row
    assert "₹" not in text and " Cr" not in text


def test_a_dollar_companys_report_message_says_dollars(dollar_company):
    company, _ = dollar_company
    with tenant_context(company):
        run = ReportRun(headline=headline(report_build(company, "sales-review", FY_2024_25)))

    text = headline_text(run, company.currency)
    assert "Revenue $1.23M" in text and "Orders 3" in text
    assert "₹" not in text


# ---------------------------------------------------------------- a rupee company


def test_a_rupee_companys_overview_shows_lakh_and_crore(rupee_company, company_client):
    company, owner = rupee_company

    body = company_client(company, owner).get(f"/?{QUERY}").content.decode()

    assert "₹1.23 Cr" in body and "₹1,23,45,678.00" in body
    assert "₹1,00,00,000.00" in body  # the top customer in the table
    assert "$1" not in body


def test_a_rupee_companys_reports_show_lakh_and_crore(rupee_company):
    company, _ = rupee_company
    with tenant_context(company):
        report = report_build(company, "sales-review", FY_2024_25)
        pdf = squash(" ".join(pdf_pages(report_render(report, "pdf"))))
        _, formats = _workbook_text(report_render(report, "xlsx"))
        run = ReportRun(headline=headline(report))

    assert "₹1.23 Cr" in pdf and "₹1,23,45,678.00" in pdf and "₹1,00,00,000.00" in pdf
    # Spreadsheets cannot group in lakhs (see analytics.exports.money_number_format): rupees, western grouping.
    assert _money_formats(formats) == {'"₹"#,##0.00'}
    assert "Revenue ₹1.23 Cr" in headline_text(run, company.currency)
