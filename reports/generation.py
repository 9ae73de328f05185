"""Building a report and writing it as a file: the one path the Generate button, schedules and the `report`
command all take, so the three can never disagree."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from analytics.reading import XLSX_CONTENT_TYPE, Dashboard, dashboard_for
from tenants.models import Company

from . import kinds
from .kinds.base import Report
from .rendering.pdf import render_pdf
from .rendering.spreadsheet import render_csv_zip, render_xlsx

CONTENT_TYPES = {"pdf": "application/pdf", "xlsx": XLSX_CONTENT_TYPE, "csv": "application/zip"}
EXTENSIONS = {"pdf": "pdf", "xlsx": "xlsx", "csv": "zip"}


def selection_for(company: Company, query: dict, *, today: date | None = None) -> Dashboard:
    """The dashboard selection a report is for; call inside the company's schema."""
    return dashboard_for(company, query, today=today)


def frozen_query(dashboard: Dashboard) -> dict:
    """The selection with its dates written out, so a report of 'last month' made today is the same report
    when it is generated (or regenerated) later."""
    selection = dashboard.selection
    query = dict(selection.filters.items())
    if selection.period is not None:
        query["from"], query["to"] = selection.period.start.isoformat(), selection.period.end.isoformat()
    return query


def report_build(company: Company, kind: str, query: dict, *, today: date | None = None) -> Report:
    report = kinds.build(kind, selection_for(company, query, today=today))
    report.generated_at = timezone.now()
    return report


def report_render(report: Report, fmt: str) -> bytes:
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "xlsx":
        return render_xlsx(report)
    if fmt == "csv":
        return render_csv_zip(report)
    raise ValueError(f"Unknown report format {fmt!r}: expected pdf, xlsx or csv")


def headline(report: Report) -> dict:
    """The cards as plain figures (for a WhatsApp template or a Slack summary), kept on the run."""
    return {card.key: {"label": card.label, "value": str(card.value), "kind": card.kind} for card in report.cards}
