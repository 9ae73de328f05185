"""Report PDFs fit A4: a GST summary with every state, long buyer names and amounts in crores shows every column
whole, and no text is drawn past the page's right margin, however wide a table is."""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django_tenants.utils import tenant_context

from analytics.tables import Column, Table
from elettro.kernel.india import GST_STATES, gstin_check_digit
from elettro.kernel.money import format_money
from reports.generation import report_build, report_render
from reports.kinds.base import Section
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

from .conftest import FY_2024_25

pytestmark = pytest.mark.django_db

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
SIDE_MARGIN = 14 * MM  # the report template's left and right page margins
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
# States as the sales files name them; 25 and 28 are retired codes, 97 has no place of supply of its own.
STATES = {code: name for code, name in GST_STATES.items() if code not in ("25", "28", "97")}
BUYER = "Shree Venkateshwara Electricals & Switchgear Traders Private Limited, {} Branch"


def gst(taxable: Decimal) -> Decimal:
    return (taxable * 18 / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def gstin(code: str, n: int) -> str:
    first14 = f"{code}AAAPL{n:04d}C1Z"
    return first14 + gstin_check_digit(first14)


def pages_of(content: bytes) -> list[dict]:
    """Each page's size, words with their boxes (poppler's pdftotext -bbox) and text as laid out."""
    boxes = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=content, capture_output=True, check=True)
    layout = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    texts = layout.stdout.decode("utf-8").split("\f")
    pages = []
    for number, chunk in enumerate(boxes.stdout.decode("utf-8").split("<page ")[1:]):
        width, height = PAGE.search("<page " + chunk).groups()
        words = [(float(x0), float(x1), word) for x0, x1, word in WORD.findall(chunk)]
        pages.append({"width": float(width), "height": float(height), "words": words, "text": texts[number]})
    return pages


def assert_fits_a4(pages: list[dict]) -> None:
    for number, page in enumerate(pages, start=1):
        assert sorted((round(page["width"]), round(page["height"]))) == [round(A4[0]), round(A4[1])], number
        assert page["words"], f"page {number} is blank"
        right = page["width"] - SIDE_MARGIN + 1  # a point of slack for glyph overhang
        beyond = [(word, x1) for x0, x1, word in page["words"] if x1 > right or x0 < SIDE_MARGIN - 1]
        assert beyond == [], f"page {number} ({page['width']:.0f} pt wide) draws past its margin: {beyond[:5]}"


def has_line(pages: list[dict], pattern: str) -> bool:
    return any(re.search(pattern, line) for page in pages for line in page["text"].splitlines())


def row(first: str, taxable: Decimal, invoice_value: Decimal) -> str:
    """A table row's line: it starts with `first`, shows the taxable value, and ends with the invoice value."""
    money = [re.escape(format_money(value, "INR")) for value in (taxable, invoice_value)]
    return rf"^\s*{re.escape(first)}.*\s{money[0]}\s.*\s{money[1]}\s*$"


def test_the_gst_summary_of_every_state_in_crores_shows_every_column_on_a4(make_company):
    company, _ = make_company("gst-wide", name="Kaveri Switchgear Pvt Ltd")
    rows = [[*HEADER, "Customer GSTIN"]]
    # What each row of the PDF's tables must show: taxable value and invoice value (taxable value plus GST, which
    # is worked out line by line), by place of supply, buyer's GSTIN and month, and in all.
    expected: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])

    def sale(number: str, day: date, buyer: str, code: str, taxable: Decimal, buyer_gstin: str = "") -> None:
        rows.append([number, f"{day:%d/%m/%Y}", buyer, STATES[code], "Lamp", "1", taxable, taxable, "18", buyer_gstin])
        for key in (f"{code}-", f"{day:%b %Y}", buyer_gstin or None, "Total"):
            if key:
                expected[key][0] += taxable
                expected[key][1] += taxable + gst(taxable)

    for n, code in enumerate(STATES, start=1):
        taxable = Decimal("123456789.37") + n * Decimal("1111111.11")  # ₹12.3 crore and up, each its own
        sale(f"G-{n}", date(2024, 4 + n % 9, 1 + n % 28), BUYER.format(STATES[code]), code, taxable, gstin(code, n))
    for n in range(1, 4):  # buyers without a GSTIN: the B2C row
        sale(f"C-{n}", date(2025, 1, 2), f"Walk-in buyer {n}", "27", Decimal("45678.91") * n)
    with tenant_context(company):
        job = load(csv_bytes(rows), "gst-wide.csv")
        assert job.status == "succeeded" and job.rows_rejected == 0, job.error
        report = report_build(company, "gst-summary", FY_2024_25)
        content = report_render(report, "pdf")

    pages = pages_of(content)
    assert_fits_a4(pages)
    assert pages[0]["width"] < pages[0]["height"]  # the cards and first page stay portrait
    # Every table's header row is whole: each column's label, in order, on one line.
    for section in report.sections:
        assert has_line(pages, r"\s+".join(re.escape(column.label) for column in section.table.columns)), section.key
    # Each row's first line holds all its figures, the last column's (invoice value) too.
    assert len(expected) == len(STATES) + 9 + 1 + len(STATES) + 1  # states, months, January's B2C, buyers, total
    for first, (taxable, invoice_value) in expected.items():
        assert has_line(pages, row(first, taxable, invoice_value)), first


def test_a_table_of_any_width_stays_on_the_page_with_every_column(make_company):
    company, _ = make_company("any-wide")
    rows = [[*HEADER], ["W-1", "10/06/2024", "Buyer", "Kerala", "Lamp", "1", "1000", "1000", "18"]]
    amounts = [Decimal("98765432109.87") + n for n in range(14)]  # ₹9,876 crore: fourteen of them a row
    labels = [f"Quarter {n} value" for n in range(1, 15)]
    table = Table(
        "Fourteen money columns",
        [Column("name", "Account"), *(Column(f"q{n}", label, "money") for n, label in enumerate(labels))],
        [[f"Account {n}", *(amount + n for amount in amounts)] for n in range(3)],
    )
    with tenant_context(company):
        load(csv_bytes(rows), "one.csv")
        report = report_build(company, "sales-review", FY_2024_25)
        report.add(Section("very_wide", "Fourteen money columns", table))
        content = report_render(report, "pdf")

    pages = pages_of(content)
    assert_fits_a4(pages)
    assert has_line(pages, r"\s+".join(rf"Quarter {n}" for n in range(1, 15)))  # the headers wrap, all there
    # Amounts this long break inside their cells here (the one way left to stay on the page); the last column's
    # value is whole across its two lines.
    lines = [line.split() for page in pages for line in page["text"].splitlines()]
    for n in range(3):
        at = next(i for i, words in enumerate(lines) if words[:2] == ["Account", str(n)])
        assert lines[at][-1] + lines[at + 1][-1] == format_money(amounts[-1] + n, "INR")


@pytest.mark.parametrize("kind", ["sales-review", "gst-summary", "top-accounts"])
def test_every_report_of_a_year_of_sales_fits_a4(sales_company, kind):
    company, _, _ = sales_company
    with tenant_context(company):
        report = report_build(company, kind, FY_2024_25)
        content = report_render(report, "pdf")

    pages = pages_of(content)
    assert_fits_a4(pages)
    for section in report.sections:
        labels = [column.label for column in section.table.columns]
        assert has_line(pages, r"\s+".join(re.escape(label) for label in labels)), (kind, section.key)
