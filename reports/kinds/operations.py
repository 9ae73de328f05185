"""Operations: purchase, production, packing and shipment from the ERP uploads, with production by department.
The sections are the Operations dashboard's panels, built by the same page code."""

from __future__ import annotations

from analytics.dashboard import Dashboard
from analytics.pages import operations

from .base import Report, Section


def build(d: Dashboard) -> Report:
    report = Report("operations", "Operations", d)
    page = operations.build(d)
    if page.empty:
        report.empty = page.empty
        return report
    report.cards = page.cards
    report.notes.extend(page.notes)
    report.add(*(Section.from_panel(panel) for panel in page.panels))
    if not report.sections and not report.cards:
        report.empty = "No purchase, production, packing or shipment sheets in this period."
    return report
