"""What a report is made of: headline cards and sections (a chart with the table it draws), for one selection.

A section's table is the full data (the Excel and CSV versions carry it whole); the PDF shows at most
`pdf_rows` of it, plus one "other" row that adds up the rest, so a huge period never makes a huge PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from analytics.reading import LABELS, Card, Dashboard, Panel, Table

PDF_ROWS = 40


@dataclass
class Section:
    key: str
    title: str
    table: Table
    figure: dict | None = None
    note: str = ""
    empty: str = ""  # said instead of the table when it has no rows
    pdf_rows: int = PDF_ROWS
    footer: list | None = None  # a totals row, printed after the (capped) rows in every format
    svg: str = ""  # a map drawn on the server (analytics.maps): the PDF prints it in place of a chart

    @classmethod
    def from_panel(cls, panel: Panel | None, *, title: str | None = None, pdf_rows: int = PDF_ROWS) -> Section | None:
        if panel is None:
            return None
        return cls(
            panel.key,
            title or panel.title,
            panel.table,
            panel.figure,
            note=panel.note or panel.table.note,
            empty=panel.empty or "Nothing to show for this period.",
            pdf_rows=pdf_rows,
            svg=panel.svg,
        )

    @property
    def is_empty(self) -> bool:
        return not self.table.rows

    def pdf_table(self) -> Table:
        return capped(self.table, self.pdf_rows)

    @property
    def is_capped(self) -> bool:
        return len(self.table.rows) > self.pdf_rows

    def full_rows(self) -> list[list]:
        """Every row, then the totals row: what the Excel sheet and the CSV carry."""
        return [*self.table.rows, *([self.footer] if self.footer else [])]


@dataclass
class Report:
    kind: str
    title: str
    dashboard: Dashboard
    cards: list[Card] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty: str = ""  # the whole report has nothing to show, and says why
    generated_at: datetime | None = None
    charts_missing: int = 0  # charts the PDF could not draw in time (it prints their tables)

    @property
    def company(self):
        return self.dashboard.company

    @property
    def currency(self) -> str:
        return self.dashboard.currency

    @property
    def period_label(self) -> str:
        period = self.dashboard.selection.period
        return period.label() if period else "No sales yet"

    @property
    def filter_labels(self) -> list[str]:
        labels = [f"{LABELS[name]}: {value}" for name, value in self.dashboard.selection.filters.items()]
        if self.dashboard.view_limit:  # the maker's scope (tenants/scopes.py): the report holds only that
            labels.append(f"Only {self.dashboard.view_limit}")
        return labels

    def add(self, *sections: Section | None) -> None:
        self.sections.extend(section for section in sections if section is not None)


def capped(table: Table, limit: int) -> Table:
    """The first `limit` rows and one row that adds up the rest: sums of money and counts; ranks, shares and
    margins left blank, since a sum of them means nothing. The label goes in the first text column."""
    if len(table.rows) <= limit:
        return table
    rest = table.rows[limit:]
    label_at = next((i for i, column in enumerate(table.columns) if column.kind == "text"), 0)
    other: list = []
    for index, column in enumerate(table.columns):
        if index == label_at:
            other.append(f"Other ({len(rest):,})")
        elif column.kind in ("money", "number") and column.key != "rank":
            values = [row[index] for row in rest if row[index] is not None and row[index] != ""]
            other.append(sum((Decimal(value) for value in values), Decimal(0)) if values else None)
        else:
            other.append(None)
    return Table(table.title, table.columns, [*table.rows[:limit], other], table.note)
