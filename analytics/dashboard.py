"""What a dashboard page is made of: KPI cards and panels (a chart with the table it draws), for one selection.

Pages (analytics/pages/) build these from the engine's sums; the view renders them, and a panel's download is
its table, so the CSV and XLSX hold exactly what the chart shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.utils import timezone

from tenants import scopes
from tenants.models import Company

from . import engine, panel_hints
from .engine import Scope
from .filters import Selection, selection_from_query
from .scoped import viewer_filters
from .tables import Table


@dataclass
class Dashboard:
    """The company and the selection a page is built for."""

    company: Company
    selection: Selection
    query: dict = field(default_factory=dict)
    span: tuple[date, date] | None = None  # the days with sales, read once for the whole page
    from_lines: bool = False  # every figure read from the sales lines: the oracle for the rollups

    @property
    def currency(self) -> str:
        return self.company.currency or "INR"

    @property
    def fiscal_start(self) -> int:
        return self.company.fiscal_year_start_month or 4

    @property
    def zone(self):
        """The company's time zone: times on its pages are its own."""
        return _zone(self.company.timezone)

    @property
    def view_limit(self) -> str:
        """The member's scope in words ("Ravi's sales"), for the filter bar; empty for the whole company."""
        limits = self.selection.filters.limits
        return scopes.describe({name: list(values) for name, values in limits}) if limits else ""

    @property
    def scope(self) -> Scope | None:
        if not self.selection.period:
            return None
        return Scope(self.selection.period, self.selection.filters, self.span, self.from_lines)


def dashboard_for(company: Company, query, *, today: date | None = None, from_lines: bool = False) -> Dashboard:
    """Read the filter bar from a URL query, for this company's calendar (timezone and fiscal year). `from_lines`
    makes every figure of the pages built for it read the sales lines instead of the rollups.

    The one place a member's scope joins the filters: whoever the request or task acts for (tenants.scopes.current)
    sees only their salespeople's, branches' or states' sales on every page, export, report and API call built
    from this dashboard."""
    if today is None:
        today = timezone.localtime(timezone=_zone(company.timezone)).date()
    span = engine.data_span(from_lines)
    selection = selection_from_query(
        query, today=today, fiscal_start_month=company.fiscal_year_start_month or 4, last_day=span[1] if span else None,
        limits=viewer_filters().limits,
    )  # fmt: skip
    query = dict(query.items()) if hasattr(query, "items") else {}
    return Dashboard(company, selection, query, span, from_lines)


def _zone(name: str):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name or "Asia/Kolkata")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Asia/Kolkata")


@dataclass
class Card:
    """A headline figure with its change against the previous period and the same period a year before."""

    key: str
    label: str
    value: Decimal | int | None
    kind: str = "money"  # money | number | percent
    previous: Decimal | int | None = None
    year_ago: Decimal | int | None = None
    note: str = ""
    # The dates each figure covers, as periods.range_label writes them: short, and in full for a tooltip.
    dates: str = ""
    previous_dates: str = ""
    year_ago_dates: str = ""
    previous_title: str = ""
    year_ago_title: str = ""
    # The same figure for the month so far against the same days before (overview.month_to_date).
    month_to_date: Card | None = None

    @staticmethod
    def _change(now, then) -> Decimal | None:
        if now is None or then is None or then == 0:
            return None
        return (Decimal(now) - Decimal(then)) / abs(Decimal(then))

    @property
    def vs_previous(self) -> Decimal | None:
        return self._change(self.value, self.previous)

    @property
    def vs_year_ago(self) -> Decimal | None:
        return self._change(self.value, self.year_ago)


@dataclass
class Panel:
    key: str
    title: str
    table: Table
    figure: dict | None = None
    note: str = ""
    empty: str = ""  # shown instead of the chart when the table has no rows
    wide: bool = False
    svg: str = ""  # a drawing made on the server (a map from analytics.maps): safe markup, every text escaped

    @property
    def is_empty(self) -> bool:
        return not self.table.rows

    @cached_property
    def hints(self) -> panel_hints.PanelHints:
        """What to upload when the panel's breakdown (salesperson, branch, product line, cost...) is blank
        throughout: `hints.missing` takes the chart's place, `hints.notes` go under it (see panel_hints)."""
        return panel_hints.hints_for(self.key, self.table)

    @property
    def shows_chart(self) -> bool:
        return bool(self.figure) and not self.is_empty and self.hints.missing is None


@dataclass
class Page:
    key: str
    title: str
    cards: list[Card] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty: str = ""  # the whole page has nothing to show: say what to upload
    controls: dict = field(default_factory=dict)  # page-specific choices (trend grain, top N) for the template

    def panel(self, key: str) -> Panel | None:
        return next((panel for panel in self.panels if panel.key == key), None)


NO_SALES = (
    "No sales yet. Upload your Tally sales register (Display More Reports → Sales Register, item-wise, exported "
    "to Excel) or any invoice-line export, and this page fills in."
)
NO_SALES_IN_PERIOD = "No sales in this period with these filters. Widen the dates or clear a filter."


def margin(gross_profit, costed_revenue) -> Decimal | None:
    if not costed_revenue:
        return None
    return Decimal(gross_profit) / Decimal(costed_revenue)


def ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)
