"""Sales review: the period's KPIs against before, the trend, why revenue changed, top customers and products,
places, and the salesperson leaderboard. Every section is a dashboard panel, built by the same page code."""

from __future__ import annotations

from dataclasses import replace

from analytics.reading import NO_SALES, Dashboard, page, why_panel

from .base import Report, Section

TOP_CUSTOMERS = 25


def build(d: Dashboard) -> Report:
    report = Report("sales-review", "Sales review", d)
    if d.scope is None:
        report.empty = NO_SALES
        return report
    summary = page("overview", d)
    report.cards = summary.cards
    report.notes.extend(summary.notes)
    accounts = page("customers", replace(d, query={**d.query, "top": str(TOP_CUSTOMERS)}))
    ranked = page("products", d)
    team = page("people", d)
    report.add(
        Section.from_panel(summary.panel("revenue_trend")),
        Section.from_panel(why_panel(d, "revenue")),
        Section.from_panel(accounts.panel("top_customers")),
        Section.from_panel(accounts.panel("rfm")),
        Section.from_panel(ranked.panel("product_lines")),
        Section.from_panel(ranked.panel("top_products")),
        Section.from_panel(summary.panel("places")),
        Section.from_panel(team.panel("leaderboard")),
        Section.from_panel(team.panel("branches")),
    )
    return report
