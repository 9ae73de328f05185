"""A report as one workbook (a Summary sheet, then a sheet per section) or as CSVs (one per section, zipped).

Both carry every row: the PDF caps long tables, these never do. Cells are written by analytics.exports, which
neutralises formulas in every text cell and gives numbers real number formats.
"""

from __future__ import annotations

import io
import zipfile

from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook

from analytics.reading import Column, Table, sheet_title, table_csv, write_cell, write_sheet

from ..kinds.base import Report

SUMMARY_COLUMNS = [
    Column("figure", "Figure"),
    Column("value", "This period"),
    Column("previous", "Previous period"),
    Column("year_ago", "Same period last year"),
    Column("vs_previous", "Change vs previous", "percent"),
    Column("vs_year_ago", "Change vs last year", "percent"),
]


def _unique_titles(report: Report) -> list[str]:
    used = {"summary"}
    titles = []
    for section in report.sections:
        base = sheet_title(section.title)
        title, n = base, 2
        while title.lower() in used:
            suffix = f" ({n})"
            title, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(title.lower())
        titles.append(title)
    return titles


def _header_lines(report: Report) -> list[str]:
    generated = timezone.localtime(report.generated_at or timezone.now(), timezone=report.company.zone)
    lines = [
        f"{report.title}: {report.company.name}",
        f"Period: {report.period_label}",
        *(f"Filter: {label}" for label in report.filter_labels),
        f"Generated {generated:%d %b %Y %H:%M} ({generated.tzname()})",
    ]
    if report.empty:
        lines.append(report.empty)
    return [*lines, *report.notes]


def render_xlsx(report: Report) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    workbook.properties.title = f"{report.title}: {report.company.name}, {report.period_label}"
    lines = _header_lines(report)
    for number, line in enumerate(lines, start=1):
        write_cell(summary.cell(row=number, column=1), line, bold=number == 1)
    if report.cards:
        start = len(lines) + 2
        write_sheet(summary, SUMMARY_COLUMNS, [], currency=report.currency, start_row=start)
        for offset, card in enumerate(report.cards, start=1):
            row = start + offset
            cells = [
                (card.label, "text"),
                (card.value, card.kind),
                (card.previous, card.kind),
                (card.year_ago, card.kind),
                (card.vs_previous, "percent"),
                (card.vs_year_ago, "percent"),
            ]
            for column, (value, kind) in enumerate(cells, start=1):
                write_cell(summary.cell(row=row, column=column), value, kind, currency=report.currency)
        summary.column_dimensions["A"].width = max(24, max(len(card.label) for card in report.cards) + 2)
        for letter in "BCDEF":
            summary.column_dimensions[letter].width = 22
    for section, title in zip(report.sections, _unique_titles(report), strict=True):
        sheet = workbook.create_sheet(title)
        write_sheet(sheet, section.table.columns, section.full_rows(), currency=report.currency)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def summary_table(report: Report) -> Table:
    rows = [[line, None, None, None, None, None] for line in _header_lines(report)]
    rows += [
        [card.label, card.value, card.previous, card.year_ago, card.vs_previous, card.vs_year_ago]
        for card in report.cards
    ]
    return Table("Summary", SUMMARY_COLUMNS, rows)


def render_csv_zip(report: Report) -> bytes:
    """summary.csv and one CSV per section, numbered in report order, in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("00-summary.csv", table_csv(summary_table(report)))
        for number, section in enumerate(report.sections, start=1):
            name = f"{number:02d}-{slugify(section.title)[:60] or section.key}.csv"
            archive.writestr(name, table_csv(section.table, section.full_rows()))
    return buffer.getvalue()
