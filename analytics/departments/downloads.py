"""A department's records as Excel or CSV, as the ERP system's exports gave them.

The workbook opens on a Summary sheet (the page's cards, the period, filters and search, and when it was made),
then the records with a styled, frozen, filterable header and typed cells, then the status breakdown and the
late items. The CSV is the records alone, so it loads into anything.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..exports import NUMBER_FORMAT, sheet_title, table_csv, write_cell, write_sheet
from ..tables import Table
from . import Department
from .records import RecordQuery
from .summary import DepartmentSummary

# A quantity can be 2.5 kg: whole numbers keep the grouped format, others show their decimals.
QUANTITY_FORMAT = "#,##0.###"
_TITLE_FONT = Font(bold=True, size=14)


@dataclass(frozen=True)
class Context:
    """What the figures are for, written on the Summary sheet."""

    company: str
    period: str  # "Apr 2024 – Mar 2025", or "All dates"
    filters: tuple[tuple[str, str], ...]  # (label, value) of each filter that is set
    query: RecordQuery
    sort_label: str
    generated_at: datetime  # the company's wall-clock time
    currency: str = "INR"


def records_table(department: Department, rows: list[list]) -> Table:
    return Table(f"{department.label} records", list(department.columns), rows)


def records_csv(department: Department, rows: list[list]) -> bytes:
    return table_csv(records_table(department, rows))


def _summary_sheet(sheet, department: Department, summary: DepartmentSummary, context: Context, count: int) -> None:
    sheet.title = "Summary"
    sheet["A1"] = f"{department.label} records"
    sheet["A1"].font = _TITLE_FONT
    about = [
        ("Company", context.company, "text"),
        ("Period", context.period, "text"),
        *((label, value, "text") for label, value in context.filters),
        ("Search", context.query.q or "(none)", "text"),
        ("Sorted by", context.sort_label, "text"),
        ("Records in this file", count, "number"),
        ("Generated at", context.generated_at, "date"),
    ]
    figures = [(card.label, card.value, card.kind) for card in summary.cards]
    row = 3
    for label, value, kind in about:
        write_cell(sheet.cell(row=row, column=1), label, bold=True)
        write_cell(sheet.cell(row=row, column=2), value, kind, currency=context.currency)
        row += 1
    sheet.cell(row=row - 1, column=2).number_format = "dd-mmm-yyyy hh:mm"
    row += 1
    write_cell(sheet.cell(row=row, column=1), "Figures for the period and filters (not the search)", bold=True)
    row += 1
    for label, value, kind in figures:
        write_cell(sheet.cell(row=row, column=1), label)
        write_cell(sheet.cell(row=row, column=2), value, kind, currency=context.currency)
        row += 1
    sheet.column_dimensions["A"].width = 52
    sheet.column_dimensions["B"].width = 36


def _autofilter(sheet, columns: int, rows: int) -> None:
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{rows + 1}"


def _quantities(sheet, department: Department, rows: int) -> None:
    for index, column in enumerate(department.columns, start=1):
        if column.kind != "number":
            continue
        for (cell,) in sheet.iter_rows(min_row=2, max_row=rows + 1, min_col=index, max_col=index):
            if cell.value is not None and cell.value != int(cell.value):
                cell.number_format = QUANTITY_FORMAT
            elif cell.value is not None:
                cell.number_format = NUMBER_FORMAT


def records_xlsx(department: Department, summary: DepartmentSummary, rows: list[list], context: Context) -> bytes:
    workbook = Workbook()
    workbook.properties.title = f"{department.label} records"
    _summary_sheet(workbook.active, department, summary, context, len(rows))

    sheet = workbook.create_sheet(sheet_title(f"{department.label} records"))
    write_sheet(sheet, list(department.columns), rows, currency=context.currency)
    _quantities(sheet, department, len(rows))
    _autofilter(sheet, len(department.columns), len(rows))

    for table in (summary.statuses, summary.late):
        if table is None:
            continue
        extra = workbook.create_sheet(sheet_title(table.title))
        write_sheet(extra, table.columns, table.rows, currency=context.currency)
        _autofilter(extra, len(table.columns), len(table.rows))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def file_stem(schema: str, department: Department, period_stamp: str) -> str:
    return slugify(f"{schema}-{department.kind}-records{period_stamp}") or "records"
