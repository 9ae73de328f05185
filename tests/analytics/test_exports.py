"""Dashboard tables as CSV and XLSX: read back with the csv module and openpyxl; no database needed."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from analytics.exports import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    download_response,
    money_number_format,
    sheet_title,
    table_csv,
    table_xlsx,
)
from analytics.tables import Column, Table

COLUMNS = [
    Column("party", "Customer"),
    Column("revenue", "Revenue", "money"),
    Column("invoices", "Invoices", "number"),
    Column("growth", "Growth", "percent"),
    Column("last", "Last invoice", "date"),
]
HYPERLINK = '=HYPERLINK("http://evil.example","Click")'


def _table(rows: list[list], **extra) -> Table:
    return Table(title=extra.pop("title", "Top customers"), columns=COLUMNS, rows=rows, **extra)


SAMPLE = _table(
    [
        ["Sharma Electricals", Decimal("9838141.37"), 1234567, Decimal("0.123"), date(2025, 3, 31)],
        ["Peñalosa & Hijos ₹", Decimal("-12.5"), 0, Decimal("-0.04"), None],
        [None, None, None, None, None],
    ],
    note="Net of GST.",
)


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


# ---------------------------------------------------------------- tables


def test_columns_refuse_an_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        Column("x", "X", "currency")


def test_tables_refuse_a_row_of_the_wrong_width():
    with pytest.raises(ValueError, match="row 1"):
        _table([["only one value"]])


# ---------------------------------------------------------------- CSV


def test_csv_round_trip():
    rows = _csv_rows(table_csv(SAMPLE))
    assert rows == [
        ["Customer", "Revenue", "Invoices", "Growth", "Last invoice"],
        ["Sharma Electricals", "9838141.37", "1234567", "12.30", "2025-03-31"],
        ["Peñalosa & Hijos ₹", "-12.50", "0", "-4.00", ""],
        ["", "", "", "", ""],
    ]


def test_csv_money_is_plain_two_place_decimal_text():
    table = _table([["a", Decimal("1E+3"), Decimal("2E+1"), Decimal("0.00005"), datetime(2025, 1, 2, 13, 5)]])
    assert _csv_rows(table_csv(table))[1] == ["a", "1000.00", "20", "0.01", "2025-01-02T13:05:00"]
    table = _table([["a", 0.1 + 0.2, 3, 0.5, None]])
    assert _csv_rows(table_csv(table))[1] == ["a", "0.30", "3", "50.00", ""]


@pytest.mark.parametrize(
    "text",
    [HYPERLINK, "+1+2", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A2)", "\t=1+2", "\r=1+2", "=1+2"],
)
def test_csv_neutralises_formula_text(text):
    table = Table("t", [Column("a", "A"), Column("b", text)], [[text, Decimal("-12.50")]])
    header, row = _csv_rows(table_csv(table))
    assert header == ["A", f"'{text}"]
    assert row == [f"'{text}", "-12.50"]


def test_csv_never_alters_numbers():
    table = Table("t", [Column("a", "A"), Column("b", "B", "number"), Column("c", "C", "percent")], [])
    table.rows.append([Decimal("-12.50"), -3, Decimal("-0.5")])
    assert _csv_rows(table_csv(table))[1] == ["-12.50", "-3", "-50.00"]


def test_csv_of_an_empty_table_is_the_header():
    data = table_csv(_table([]))
    assert _csv_rows(data) == [["Customer", "Revenue", "Invoices", "Growth", "Last invoice"]]


# ---------------------------------------------------------------- XLSX


def test_xlsx_round_trip_values_and_formats():
    sheet = _sheet(table_xlsx(SAMPLE))
    assert sheet.title == "Top customers"
    assert [cell.value for cell in sheet[1]] == ["Customer", "Revenue", "Invoices", "Growth", "Last invoice"]
    assert all(cell.font.bold for cell in sheet[1])
    assert all(cell.fill.fill_type == "solid" for cell in sheet[1])
    assert sheet.freeze_panes == "A2"

    name, revenue, invoices, growth, last = sheet[2]
    assert name.value == "Sharma Electricals" and name.data_type == "s"
    assert revenue.value == pytest.approx(9838141.37) and revenue.data_type == "n"
    assert revenue.number_format == '"₹"#,##0.00'
    assert invoices.value == 1234567 and invoices.number_format == "#,##0"
    assert growth.value == pytest.approx(0.123) and growth.number_format == "0.0%"
    assert last.value == datetime(2025, 3, 31) and last.number_format == "dd-mmm-yyyy"

    name, revenue, invoices, growth, last = sheet[3]
    assert name.value == "Peñalosa & Hijos ₹"
    assert revenue.value == pytest.approx(-12.5)
    assert growth.value == pytest.approx(-0.04)
    assert last.value is None
    assert [cell.value for cell in sheet[4]] == [None] * 5
    assert sheet.max_row == 4


def test_xlsx_keeps_the_note_in_the_workbook_properties():
    workbook = load_workbook(io.BytesIO(table_xlsx(SAMPLE)))
    assert workbook.properties.title == "Top customers"
    assert workbook.properties.description == "Net of GST."


@pytest.mark.parametrize(
    ("currency", "number_format"),
    [
        ("INR", '"₹"#,##0.00'),
        ("USD", '"$"#,##0.00'),
        ("EUR", '"€"#,##0.00'),
        ("AED", '"AED "#,##0.00'),
        ("JPY", '"¥"#,##0'),
        ("XYZ", '"XYZ "#,##0.00'),
    ],
)
def test_xlsx_money_format_follows_the_currency(currency, number_format):
    assert money_number_format(currency) == number_format
    sheet = _sheet(table_xlsx(SAMPLE, currency=currency))
    assert sheet["B2"].number_format == number_format


def test_xlsx_formula_text_comes_back_as_literal_text():
    table = Table(
        "t",
        [Column("a", "A"), Column("b", "B", "money")],
        [[HYPERLINK, Decimal("-12.50")], ["+1+2", None], ["@SUM(A1:A2)", None], ["-2+3", None], ["#N/A", None]],
    )
    sheet = _sheet(table_xlsx(table))
    assert sheet["A2"].value == f"'{HYPERLINK}"
    assert sheet["A2"].data_type == "s"
    assert [sheet[f"A{row}"].value for row in range(3, 7)] == ["'+1+2", "'@SUM(A1:A2)", "'-2+3", "#N/A"]
    assert all(sheet[f"A{row}"].data_type == "s" for row in range(2, 7))
    assert sheet["B2"].value == pytest.approx(-12.5) and sheet["B2"].data_type == "n"


def test_xlsx_never_writes_a_formula_even_for_a_header():
    table = Table("t", [Column("a", "=1+2")], [["=cmd|' /C calc'!A0"]])
    data = table_xlsx(table)
    sheet = _sheet(data)
    assert sheet["A1"].value == "'=1+2" and sheet["A2"].value == "'=cmd|' /C calc'!A0"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_xlsx_drops_control_characters_excel_cannot_store():
    table = Table("t", [Column("a", "A")], [["Ravi\x0bTraders\x00"]])
    assert _sheet(table_xlsx(table))["A2"].value == "RaviTraders"


def test_xlsx_column_widths_fit_the_content():
    long_name = "M/s. Shree Ganesh Electrical Wholesale Distributors Private Limited, Pune"
    table = Table("t", [Column("a", "Customer"), Column("b", "Revenue", "money")], [[long_name, 9838141]])
    sheet = _sheet(table_xlsx(table))
    assert sheet.column_dimensions["A"].width == 60  # capped
    assert len("₹98,38,141.00") <= sheet.column_dimensions["B"].width < 30


def test_xlsx_of_an_empty_table_is_the_header():
    sheet = _sheet(table_xlsx(_table([])))
    assert sheet.max_row == 1
    assert sheet["A1"].value == "Customer" and sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"


def test_xlsx_aware_datetimes_are_written_in_local_time():
    from django.utils import timezone

    moment = timezone.make_aware(datetime(2025, 3, 31, 23, 30))
    table = Table("t", [Column("a", "When", "date")], [[moment]])
    assert _sheet(table_xlsx(table))["A2"].value == datetime(2025, 3, 31, 23, 30)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Top customers", "Top customers"),
        ("Revenue by state: FY 2024/25 [draft]?", "Revenue by state FY 202425 draf"),
        ("'quoted'", "quoted"),
        ("*/?", "Sheet1"),
        ("", "Sheet1"),
        ("History", "History 1"),
    ],
)
def test_sheet_titles_are_ones_excel_accepts(title, expected):
    assert sheet_title(title) == expected
    assert _sheet(table_xlsx(Table(title, [Column("a", "A")], []))).title == expected


# ---------------------------------------------------------------- HTTP


def test_csv_download_response():
    response = download_response(SAMPLE, "csv", "Top customers: March 2025")
    assert response["Content-Type"] == CSV_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="top-customers-march-2025.csv"'
    assert response.content == table_csv(SAMPLE)


def test_xlsx_download_response():
    response = download_response(SAMPLE, "xlsx", 'a"b\r\nc', currency="USD")
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="ab-c.xlsx"'
    assert _sheet(response.content)["B2"].number_format == '"$"#,##0.00'


def test_download_response_names_an_unnamed_file_and_refuses_unknown_formats():
    assert download_response(SAMPLE, "csv", "₹₹")["Content-Disposition"] == 'attachment; filename="export.csv"'
    with pytest.raises(ValueError, match="pdf"):
        download_response(SAMPLE, "pdf", "x")  # type: ignore[arg-type]


def test_xlsx_counts_with_a_fraction_show_it_as_the_page_does():
    """An elasticity of -1.52 or 2.5 kg read in Excel as they read on the page, not rounded to -2 and 3."""
    table = Table("Elasticity", [Column("product", "Product"), Column("e", "Elasticity", "number")],
                  [["Fan", Decimal("-1.52")], ["Wire", Decimal("2.5")], ["Bulb", Decimal("12")]])  # fmt: skip
    sheet = _sheet(table_xlsx(table))
    cells = [sheet.cell(row=row, column=2) for row in (2, 3, 4)]
    assert [cell.value for cell in cells] == [-1.52, 2.5, 12]
    assert [cell.number_format for cell in cells] == ["#,##0.00", "#,##0.00", "#,##0"]
