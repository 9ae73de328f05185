"""The filter bar: what a dashboard URL says, parsed once and carried to every page and query.

    /?from=2024-04-01&to=2025-03-31&branch=Pune&product_line=Cables&state=Maharashtra&salesperson=Asha

`from` and `to` are YYYY-MM-DD, as in the `kpis` command; `preset` names a range instead (see periods.PRESETS).
With no dates, a page shows the latest 12 months that have data.

A member limited to some salespeople, branches or states (tenants/scopes.py) carries that scope in `limits`: it
applies on top of whatever the URL asks, so choosing another salesperson gives nothing rather than their sales,
and dropping a filter (`without`) keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlencode

from .periods import PRESETS, Period, preset_period

DIMENSIONS = ("branch", "product_line", "state", "country", "salesperson", "segment")
LABELS = {
    "branch": "Branch / region",
    "product_line": "Product line",
    "state": "State",
    "country": "Country",
    "salesperson": "Salesperson / manager",
    "segment": "Customer segment",
}
# The rollups call the salesperson-or-manager dimension `person`.
COLUMNS = {"salesperson": "person"}


@dataclass(frozen=True)
class Filters:
    branch: str = ""
    product_line: str = ""
    state: str = ""
    country: str = ""
    salesperson: str = ""
    segment: str = ""
    # The member's scope: (dimension, the values it allows) pairs; no pairs, the whole company; no values, nothing.
    limits: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def items(self) -> list[tuple[str, str]]:
        """(dimension, value) for every filter the user set (the scope is not one: it is not theirs to change)."""
        return [(name, getattr(self, name)) for name in DIMENSIONS if getattr(self, name)]

    def allowed(self) -> dict[str, str | tuple[str, ...]]:
        """{dimension: value} for every condition a figure must meet: the filters set, and for each dimension the
        scope limits, the values it allows that the filter keeps, as a tuple (a single one as a plain value; an
        empty tuple matches nothing). The one reading of filters that SQL is built from (analytics.engine.where)."""
        found: dict[str, str | tuple[str, ...]] = dict(self.items())
        for name, values in self.limits:  # a dimension limited twice (a rule's maker and its viewer) keeps both
            chosen = found.get(name)
            if chosen is None:
                kept = tuple(values)
            else:
                kept = tuple(value for value in values if value in (chosen if isinstance(chosen, tuple) else (chosen,)))
            found[name] = kept[0] if len(kept) == 1 else kept
        return found

    def columns(self) -> dict[str, str | tuple[str, ...]]:
        """allowed() by rollup column."""
        return {COLUMNS.get(name, name): value for name, value in self.allowed().items()}

    def allows(self, name: str, value: str) -> bool:
        """Whether the scope lets `value` of dimension `name` through."""
        return all(value in values for dimension, values in self.limits if dimension == name)

    def scoped(self) -> Filters:
        """The scope alone, without the filter bar's choices: for pages that show all of a customer's sales."""
        return Filters(limits=self.limits)

    def without(self, *names: str) -> Filters:
        return replace(self, **dict.fromkeys(names, ""))

    def __bool__(self) -> bool:
        return bool(self.allowed())


def limits_from(scope: dict | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A member's scope (tenants/scopes.py) as Filters.limits; a dimension listed with no values lets nothing
    through."""
    return tuple((name, tuple(values)) for name, values in sorted((scope or {}).items()) if name in DIMENSIONS)


@dataclass(frozen=True)
class Selection:
    """A page's period and filters, as read from its URL."""

    period: Period | None
    filters: Filters = field(default_factory=Filters)
    preset: str = "last_12"
    errors: tuple[str, ...] = ()

    def query(self, **changes) -> str:
        """The URL query that reproduces this selection, with `changes` applied (a value of None drops it)."""
        params = {}
        if self.preset == "custom" and self.period is not None:
            params["from"], params["to"] = self.period.start.isoformat(), self.period.end.isoformat()
        elif self.preset != "last_12":
            params["preset"] = self.preset
        params.update(self.filters.items())
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return urlencode(params)


# The dates a URL may ask for. Outside them, comparisons (the period before, the year before) and buckets (weeks,
# fiscal years) would step past the calendar's ends; no sales data lies there.
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _text(value, limit: int = 255) -> str:
    """A query value as one line of text: whitespace runs folded, NUL characters (PostgreSQL refuses them) dropped."""
    return " ".join(str(value).replace("\x00", "").split())[:limit]


def selection_from_query(
    query, *, today: date, fiscal_start_month: int, last_day: date | None, limits: tuple = ()
) -> Selection:
    """Read a QueryDict (or dict); bad dates are reported and the default period used instead, never a 500.
    `limits` is the member's scope; a filter outside it is reported and shows nothing."""
    filters = Filters(**{name: _text(query.get(name, "")) for name in DIMENSIONS}, limits=limits)
    errors = [
        f"Your view does not include the {LABELS[name].lower()} “{value}”, so nothing is shown for it."
        for name, value in filters.items()
        if not filters.allows(name, value)
    ]
    preset = _text(query.get("preset", ""), 40)
    start, end = _date(_text(query.get("from", ""), 40)), _date(_text(query.get("to", ""), 40))
    if query.get("from") and start is None:
        errors.append("The start date is not a date like 2024-04-01.")
    if query.get("to") and end is None:
        errors.append("The end date is not a date like 2025-03-31.")
    if start is not None and not EARLIEST <= start <= LATEST:
        errors.append(f"The start date must fall between {EARLIEST.year} and {LATEST.year}.")
        start = None
    if end is not None and not EARLIEST <= end <= LATEST:
        errors.append(f"The end date must fall between {EARLIEST.year} and {LATEST.year}.")
        end = None
    if start and end and end < start:
        errors.append("The end date is before the start date.")
        start = end = None
    # A named preset wins over dates, so "this month" shared today still means this month next month.
    if preset in PRESETS and preset != "custom" and (preset != "last_12" or last_day is not None):
        period = preset_period(preset, today=today, fiscal_start_month=fiscal_start_month, last_day=last_day)
        return Selection(period, filters, preset, tuple(errors))
    if start or end:
        # An open end runs to today (or the last day with sales); a start after it is a period with no sales yet.
        start = start or EARLIEST
        end = end or max(today, last_day or today, start)
        return Selection(Period(start, end), filters, "custom", tuple(errors))
    if last_day is None:
        return Selection(None, filters, "last_12", tuple(errors))
    period = preset_period("last_12", today=today, fiscal_start_month=fiscal_start_month, last_day=last_day)
    return Selection(period, filters, "last_12", tuple(errors))
