"""The report kinds: each builds a Report for any period and filter set the dashboards accept."""

from __future__ import annotations

from collections.abc import Callable

from analytics.reading import Dashboard

from . import gst_summary, operations, pricing, sales_review, top_accounts
from .base import Report, Section

KINDS: dict[str, tuple[str, Callable[[Dashboard], Report]]] = {
    "sales-review": ("Sales review", sales_review.build),
    "gst-summary": ("GST summary", gst_summary.build),
    "top-accounts": ("Top accounts", top_accounts.build),
    "operations": ("Operations", operations.build),
    "pricing": ("Pricing", pricing.build),
}
CHOICES = [(key, label) for key, (label, _) in KINDS.items()]

# The report a dashboard page's "Generate" button makes by default.
FOR_PAGE = {
    "overview": "sales-review",
    "trends": "sales-review",
    "products": "sales-review",
    "pricing": "pricing",
    "people": "sales-review",
    "geography": "gst-summary",
    "customers": "top-accounts",
    "operations": "operations",
    "data": "sales-review",
}


def build(kind: str, dashboard: Dashboard) -> Report:
    if kind not in KINDS:
        raise ValueError(f"Unknown report kind {kind!r}: expected one of {', '.join(KINDS)}")
    return KINDS[kind][1](dashboard)


__all__ = ["CHOICES", "FOR_PAGE", "KINDS", "Report", "Section", "build"]
