"""The one door into analytics for the apps above it: reports now, the API and alerts next.

What they may read: the dashboards (a page built for a selection, its cards, panels and tables), the headline
figures and sales sums of a scope, the biggest customers, the GST splits, the Operations summary, and the helpers
that write tables to files. Everything else in analytics (the engine's SQL, the rollups, the page modules) can
change without them noticing. tests/test_architecture.py keeps reports to this module.
"""

from __future__ import annotations

from ingestion.models import Customer

from . import charts, gst
from .catalogue import MEASURES
from .dashboard import NO_SALES, NO_SALES_IN_PERIOD, Card, Dashboard, Page, Panel, dashboard_for
from .engine import Scope, sales
from .exports import XLSX_CONTENT_TYPE, sheet_title, table_csv, write_cell, write_sheet
from .filters import DIMENSIONS, LABELS
from .operations import operations_summary
from .pages import PAGES
from .pages.common import top_customers
from .periods import PRESETS, month_start
from .tables import Column, Table

__all__ = [
    "DIMENSIONS", "LABELS", "MEASURES", "NO_SALES", "NO_SALES_IN_PERIOD", "PRESETS", "XLSX_CONTENT_TYPE", "Card",
    "Column", "Dashboard", "Page", "Panel", "Scope", "Table", "b2b_receivers", "charts", "customer_details",
    "dashboard_for", "invoices_for", "month_start", "operations_summary", "page", "page_builder",
    "registration_split", "sales", "sheet_title", "table_csv", "top_customers", "write_cell", "write_sheet",
]  # fmt: skip

registration_split = gst.registration_split
b2b_receivers = gst.b2b_receivers
invoices_for = gst.invoices_for


def page(name: str, dashboard: Dashboard) -> Page:
    """The dashboard page `name` (a key of analytics.pages.PAGES) built for `dashboard`'s selection."""
    return PAGES[name][1](dashboard)


def page_builder(name: str):
    """The function that builds page `name`, for a caller that keeps it (a report kind's table of contents)."""
    return PAGES[name][1]


def customer_details(keys: list[str]) -> dict[str, Customer]:
    """The customer master's row for each of these customer keys that has one."""
    return {customer.key: customer for customer in Customer.objects.filter(key__in=keys)}
