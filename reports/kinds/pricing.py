"""Pricing: price elasticity by product line and product, and the correlations, as the Pricing page shows them.
Every section is that page's panel, built by the same code; the Excel and CSV copies hold every product."""

from __future__ import annotations

from dataclasses import replace

from analytics.reading import NO_SALES, Dashboard, page

from .base import Report, Section


def build(d: Dashboard) -> Report:
    report = Report("pricing", "Pricing", d)
    if d.scope is None:
        report.empty = NO_SALES
        return report
    # Built as its download is, so the products section holds every product, not the page's biggest hundred.
    built = page("pricing", replace(d, query={**d.query, "download": "elasticity_products"}))
    report.notes.extend(built.notes)
    report.add(*(Section.from_panel(panel) for panel in built.panels))
    return report
