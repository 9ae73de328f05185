"""The one door into analytics for the apps above it: reports and its alerts.

What they may read: the dashboards (a page built for a selection, its cards, panels and tables), the headline
figures and sales sums of a scope, the catalogue's questions (a measure over a scope or by a dimension, as the API
asks them), the biggest customers, the GST splits, the Operations summary, the days with sales and the last
upload, the monthly targets and their progress, a member's scope as filter limits (limits_from, viewer_filters:
the view of whoever a report or an alert acts for), why a figure changed (analytics.why's panel), and the helpers
that write tables to files. Everything else in analytics (the engine's SQL, the rollups, the page modules) can
change without them noticing. tests/test_architecture.py keeps reports to this module.
"""

from __future__ import annotations

from ingestion.models import Customer, ImportJob

from . import charts, gst, targets
from .catalogue import DIMENSIONS as CATALOGUE_DIMENSIONS
from .catalogue import MEASURES, printed
from .dashboard import NO_SALES, NO_SALES_IN_PERIOD, Card, Dashboard, Page, Panel, dashboard_for
from .engine import Scope, data_span, sales
from .exports import XLSX_CONTENT_TYPE, sheet_title, table_csv, write_cell, write_sheet
from .filters import DIMENSIONS, LABELS, Filters, limits_from
from .gst import hsn_summary, hsn_table
from .operations import operations_summary
from .pages import PAGES
from .pages.common import top_customers
from .periods import PRESETS, Period, add_months, fiscal_year_start, month_start
from .queries import QuestionError, Row, by_dimension, figures
from .scoped import viewer_filters
from .tables import Column, Table
from .templatetags.analytics import NUMERIC, SHORT_TEXT, cell_text, render_table
from .why import panel as why_panel

__all__ = [
    "CATALOGUE_DIMENSIONS",
    "DIMENSIONS",
    "LABELS",
    "MEASURES",
    "NO_SALES",
    "NO_SALES_IN_PERIOD",
    "NUMERIC",
    "PRESETS",
    "SHORT_TEXT",
    "XLSX_CONTENT_TYPE",
    "Card",
    "Column",
    "Dashboard",
    "Filters",
    "Page",
    "Panel",
    "Period",
    "Progress",
    "QuestionError",
    "Row",
    "Scope",
    "Table",
    "add_months",
    "b2b_receivers",
    "by_dimension",
    "cell_text",
    "charts",
    "customer_details",
    "dashboard_for",
    "data_span",
    "figures",
    "fiscal_year_start",
    "has_target",
    "hsn_summary",
    "hsn_table",
    "invoices_for",
    "last_upload_at",
    "limits_from",
    "month_start",
    "operations_summary",
    "page",
    "page_builder",
    "printed",
    "registration_split",
    "render_table",
    "sales",
    "sheet_title",
    "table_csv",
    "target_progress",
    "top_customers",
    "viewer_filters",
    "why_panel",
    "write_cell",
    "write_sheet",
]  # fmt: skip

registration_split = gst.registration_split
b2b_receivers = gst.b2b_receivers
invoices_for = gst.invoices_for
# Monthly targets and their progress as of a day (the behind-pace alert).
Progress = targets.Progress
has_target = targets.has_target
target_progress = targets.month_progress


def page(name: str, dashboard: Dashboard) -> Page:
    """The dashboard page `name` (a key of analytics.pages.PAGES) built for `dashboard`'s selection."""
    return PAGES[name][1](dashboard)


def page_builder(name: str):
    """The function that builds page `name`, for a caller that keeps it (a report kind's table of contents)."""
    return PAGES[name][1]


def customer_details(keys: list[str]) -> dict[str, Customer]:
    """The customer master's row for each of these customer keys that has one."""
    return {customer.key: customer for customer in Customer.objects.filter(key__in=keys)}


def last_upload_at():
    """When the company's last upload finished loading lines, or None."""
    done = ImportJob.objects.filter(status=ImportJob.Status.SUCCEEDED, finished_at__isnull=False)
    return done.order_by("-finished_at").values_list("finished_at", flat=True).first()
