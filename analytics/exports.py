"""Dashboard tables as CSV or XLSX downloads.

Text in these tables comes from customers' own uploads (party names, item descriptions), so every text cell
is neutralised the OWASP way before a spreadsheet sees it; numbers are written as numbers so the file sums.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from analytics.tables import Column, Table
from elettro.kernel.money import (
    currency_decimals,
    currency_symbol,
    format_money,
    format_number,
    format_percent,
    normalize_currency,
    to_decimal,
)
from ingestion.etl.cleaning import neutralize_formula

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NUMBER_FORMAT = "#,##0"
FRACTION_FORMAT = "#,##0.00"  # a count shown as the page shows it: whole numbers bare, others to two places
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "dd-mmm-yyyy"
MAX_COLUMN_WIDTH = 60
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDCE6F1", end_color="FFDCE6F1")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_CENT = Decimal("0.01")

Number = int | float | Decimal


def _is_number(value: object) -> bool:
    # bool is an int to Python but a word to a reader.
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _plain(value: Decimal) -> str:
    """Fixed-point text, never '1E+3', which some spreadsheets read as text."""
    return f"{value:f}"


def _text(value: object) -> str:
    return str(neutralize_formula(str(value)))


# ---------------------------------------------------------------- CSV


def _csv_cell(value: object, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if _is_number(value):
        number = to_decimal(value)
        if kind == "money":
            return _plain(number.quantize(_CENT, rounding=ROUND_HALF_UP))
        if kind == "percent":
            return _plain((number * 100).quantize(_CENT, rounding=ROUND_HALF_UP))
        return _plain(number)
    return _text(value)


def table_csv(table: Table, rows: list[list] | None = None) -> bytes:
    """UTF-8 with a BOM, because Excel reads a BOM-less CSV as the machine's code page and mangles ₹.

    Money and percentages carry no symbol or grouping so spreadsheets read them as numbers.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_text(column.label) for column in table.columns])
    for row in table.rows if rows is None else rows:
        writer.writerow([_csv_cell(value, column.kind) for column, value in zip(table.columns, row, strict=True)])
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- XLSX


def money_number_format(currency: str = "INR") -> str:
    """Excel number format for a money column: the symbol as a literal, the currency's minor units.

    Rupees get western thousands grouping too: spreadsheets have no lakh/crore grouping, and the usual
    conditional-section workaround ('[>=10000000]"₹"##\\,##\\,##\\,##0.00;[>=100000]…') was checked in
    LibreOffice 7.4: it writes ₹100 Cr as "₹100,00,00,000.00" and drops the minus sign of every negative amount.
    """
    code = normalize_currency(currency)
    symbol = currency_symbol(code).replace('"', "")
    decimals = currency_decimals(code)
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f'"{symbol}"{digits}'


def sheet_title(title: str) -> str:
    """A name Excel accepts: no []:*?/\\, no apostrophe at either end, at most 31 characters, not 'History'."""
    name = _SHEET_FORBIDDEN.sub("", title or "").strip().strip("'").strip()[:31].strip().strip("'")
    if not name:
        return "Sheet1"
    return f"{name[:29]} 1" if name.lower() == "history" else name


def _excel_datetime(value: datetime) -> datetime:
    # Excel has no time zones; a company reads its own wall-clock time.
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def _write_text(cell: Cell, value: object) -> None:
    """A string cell openpyxl can never save as a formula or an error code (it would for '=…' and '#N/A')."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", _text(value))
    cell.data_type = "s"


def _write_value(cell: Cell, value: object, kind: str, money_format: str) -> None:
    if value is None:
        return
    if isinstance(value, date):
        cell.value = _excel_datetime(value) if isinstance(value, datetime) else value
        cell.number_format = DATE_FORMAT
    elif _is_number(value):
        cell.value = number = to_decimal(value)
        if kind == "money":
            cell.number_format = money_format
        elif kind == "number":
            # "#,##0" alone would show an elasticity of -1.52 as -2 and 2.5 kg as 3 (the value kept is exact).
            cell.number_format = NUMBER_FORMAT if number == number.to_integral_value() else FRACTION_FORMAT
        elif kind == "percent":
            cell.number_format = PERCENT_FORMAT
    else:
        _write_text(cell, value)


def _display_width(value: object, column: Column, currency: str) -> int:
    """Roughly what Excel will show, to size the column without measuring fonts."""
    if value is None:
        return 0
    if isinstance(value, date):
        return len("01-Jan-2025")
    if _is_number(value):
        if column.kind == "money":
            return len(format_money(value, currency))
        if column.kind == "percent":
            return len(format_percent(value))
        return len(format_number(value, "USD", decimals=0 if column.kind == "number" else 2))
    return max((len(line) for line in str(value).splitlines()), default=0) + 1  # +1: a possible apostrophe


def write_cell(cell: Cell, value: object, kind: str = "text", *, currency: str = "INR", bold: bool = False) -> None:
    """One typed, neutralised cell (for sheets that are not a single table, like a report's Summary)."""
    _write_value(cell, value, kind, money_number_format(currency))
    if bold:
        cell.font = _HEADER_FONT


def write_sheet(sheet, columns: list[Column], rows: list[list], *, currency: str = "INR", start_row: int = 1) -> None:
    """A table onto a sheet from `start_row`: bold, filled, frozen header row; typed cells with number formats;
    fitted column widths."""
    money_format = money_number_format(currency)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=start_row, column=index)
        _write_text(cell, column.label)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for row_index, row in enumerate(rows, start=start_row + 1):
        for index, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            _write_value(sheet.cell(row=row_index, column=index), value, column.kind, money_format)
    sheet.freeze_panes = sheet.cell(row=start_row + 1, column=1).coordinate

    for index, column in enumerate(columns, start=1):
        widest = max([len(column.label) + 2, *(_display_width(row[index - 1], column, currency) for row in rows)])
        letter = get_column_letter(index)
        current = sheet.column_dimensions[letter].width or 0
        sheet.column_dimensions[letter].width = max(current, min(widest + 2, MAX_COLUMN_WIDTH))


def table_xlsx(table: Table, *, currency: str = "INR") -> bytes:
    """One sheet holding the table (see write_sheet)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(table.title)
    workbook.properties.title = table.title
    if table.note:
        workbook.properties.description = table.note
    write_sheet(sheet, table.columns, table.rows, currency=currency)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- HTTP


def download_response(
    table: Table, fmt: Literal["csv", "xlsx"], filename_stem: str, currency: str = "INR"
) -> HttpResponse:
    """The table as an attachment; the file name is slugified so a title can never break the header."""
    stem = slugify(filename_stem) or "export"
    if fmt == "csv":
        content, content_type = table_csv(table), CSV_CONTENT_TYPE
    elif fmt == "xlsx":
        content, content_type = table_xlsx(table, currency=currency), XLSX_CONTENT_TYPE
    else:
        raise ValueError(f"Unknown export format {fmt!r}: expected 'csv' or 'xlsx'")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
