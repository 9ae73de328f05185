"""What a rule sees as of a day: one Observation per entity (or one for the whole company), read from the rollups
through the catalogue's questions (analytics.reading), never from the raw lines.

- The window is the day, the week to date (from Monday), the month to date or the fiscal year to date.
- A change is judged against the same days of the period before (or of the same period last year): 1–15 Dec
  against 1–15 Nov, so a month still in progress is never compared with a whole one.
- Unusual is a z-score against the same window in each of the `trailing` periods before.
- No data counts the days since the last sale (or the last upload) up to today.
- Behind pace judges each target of the rule's measure for the month (the company's, or each salesperson's or
  branch's): behind when the share of the target done is below the share of the month gone, the day included.

"As of" is the last day with sales (never after today), so a company that uploads monthly is judged on its latest
month; no-data and behind-pace are judged as of today (a month's pace runs on whether or not sales came in).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.utils import timezone

import analytics.reading as reading
from tenants.scopes import scope_of_user
from tenants.urls_util import company_url

from ..models import AlertRule
from .observations import Observation

HUNDRED = Decimal(100)
DEFAULT_Z = Decimal(3)
# Fewer trailing values than this say nothing about what is usual.
MIN_TRAILING = 3
# The page an alert links to, by the dimension it is for each value of.
_PAGES = {"customer": "/customers/", "product": "/products/", "salesperson": "/people/", "branch": "/people/",
          "state": "/geography/", "state_code": "/geography/", "country": "/geography/"}  # fmt: skip


@dataclass(frozen=True)
class Windows:
    """The period judged and the periods it is compared with."""

    now: reading.Period
    baseline: reading.Period | None
    trailing: tuple[reading.Period, ...] = ()


def today_for(company) -> date:
    return timezone.localtime(timezone=_zone(company)).date()


def _zone(company):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(company.timezone or "Asia/Kolkata")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Asia/Kolkata")


def window(rule: AlertRule, as_of: date, fiscal_start: int = 4) -> reading.Period:
    if rule.window == AlertRule.Window.DAY:
        return reading.Period(as_of, as_of)
    if rule.window == AlertRule.Window.WEEK:
        return reading.Period(as_of - timedelta(days=as_of.weekday()), as_of)
    if rule.window == AlertRule.Window.MONTH:
        return reading.Period(as_of.replace(day=1), as_of)
    return reading.Period(reading.fiscal_year_start(as_of, fiscal_start), as_of)


def shifted(rule: AlertRule, period: reading.Period, steps: int, *, last_year: bool = False) -> reading.Period:
    """The same window `steps` periods back (or `steps` years back)."""
    if last_year or rule.window == AlertRule.Window.FYTD:
        months = 12 * steps
    elif rule.window == AlertRule.Window.MONTH:
        months = steps
    else:
        days = steps * (7 if rule.window == AlertRule.Window.WEEK else 1)
        return reading.Period(period.start - timedelta(days=days), period.end - timedelta(days=days))
    return reading.Period(reading.add_months(period.start, -months), reading.add_months(period.end, -months))


def windows(rule: AlertRule, as_of: date, fiscal_start: int = 4) -> Windows:
    now = window(rule, as_of, fiscal_start)
    if rule.condition in (AlertRule.Condition.CHANGE_ABOVE, AlertRule.Condition.CHANGE_BELOW):
        return Windows(now, shifted(rule, now, 1, last_year=rule.compare == AlertRule.Compare.LAST_YEAR))
    if rule.condition == AlertRule.Condition.UNUSUAL:
        return Windows(now, None, tuple(shifted(rule, now, k) for k in range(1, rule.trailing + 1)))
    return Windows(now, None)


@dataclass
class Memo:
    """What one evaluation of a company's rules has read: rules asking the same question (a measure, the same
    entities, filters and days) read it once, and the company's own figures for a period are read once for every
    measure its rules watch (`company_measures`)."""

    company_measures: tuple[str, ...] = ()
    found: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # customer names by key

    @classmethod
    def for_rules(cls, rules) -> Memo:
        return cls(tuple(dict.fromkeys(rule.measure for rule in rules if not rule.each)))


def evaluate(
    rule: AlertRule, company, *, as_of: date | None = None, from_lines: bool = False, memo: Memo | None = None
) -> list[Observation]:
    """The rule's observations as of `as_of` (the last day with sales by default). `from_lines` reads the sales
    lines instead of the rollups: the naive way, for bench/alerts.py. `memo` shares reads between the rules of
    one evaluation."""
    today = today_for(company)
    if rule.condition == AlertRule.Condition.NO_DATA:
        return [_no_data(rule, company, as_of or today)]
    if rule.condition == AlertRule.Condition.BEHIND_PACE:
        return _behind_pace(rule, company, as_of or today)
    span = reading.data_span(from_lines)
    if span is None:
        return []
    as_of = as_of or min(today, span[1])
    fiscal_start = company.fiscal_year_start_month or 4
    seen = windows(rule, as_of, fiscal_start)
    filters = reading.Filters(
        **{name: value for name, value in (rule.filters or {}).items() if value}, limits=rule_limits(rule, company)
    )
    scope = reading.Scope(seen.now, filters, span, from_lines)
    now = _values(rule, scope, memo)
    page = _page_link(rule, company, seen.now)  # each observation's link is this page, with its entity
    if rule.condition in (AlertRule.Condition.ABOVE, AlertRule.Condition.BELOW):
        return [_against_threshold(rule, page, entity, label, value, seen) for entity, (label, value) in now.items()]
    if seen.baseline is not None:
        before = _values(rule, scope.shifted(seen.baseline), memo)
        return [
            _against_baseline(rule, page, entity, now.get(entity), before.get(entity), seen)
            for entity in sorted(now.keys() | before.keys())
        ]
    history = [_values(rule, scope.shifted(period), memo) for period in seen.trailing]
    return [
        _against_history(rule, page, entity, label, value, [past.get(entity, (label, None))[1] for past in history],
                         seen)
        for entity, (label, value) in now.items()
    ]  # fmt: skip


def rule_limits(rule: AlertRule, company) -> tuple:
    """A rule watches what its maker may see (their scope, as it is now: tenants/scopes.py), and, when someone
    looks at it (a backtest), no more than they may."""
    limits = reading.limits_from(scope_of_user(company, rule.created_by_id))
    return limits + reading.viewer_filters().limits


def _values(rule: AlertRule, scope, memo: Memo | None = None) -> dict[str, tuple[str, object]]:
    """{entity: (label, value)} over the scope: each value of the rule's dimension with sales, or the company."""
    measure = rule.measure
    asked = (scope.period, scope.filters, scope.from_lines)
    if not rule.each:
        if memo is None:
            return {"": ("", reading.figures(scope, (measure,))[measure])}
        key = ("company", *asked)
        if key not in memo.found or measure not in memo.found[key]:
            measures = tuple(dict.fromkeys((*memo.company_measures, measure)))
            memo.found[key] = reading.figures(scope, measures)
        return {"": ("", memo.found[key][measure])}
    key = (rule.each, measure, *asked)
    if memo is not None and key in memo.found:
        return memo.found[key]
    # Customers are named here, once per evaluation, rather than by each question (a lookup of 1,000 names).
    customers = rule.each == "customer"
    rows = reading.by_dimension(scope, rule.each, (measure,), named=0 if customers else None)
    found = {row.value or "": (row.label, row.values[measure]) for row in rows}
    if customers:
        names = _customer_names(found, memo)
        found = {entity: (names.get(entity) or label, value) for entity, (label, value) in found.items()}
    if memo is not None:
        memo.found[key] = found
    return found


def _customer_names(entities, memo: Memo | None) -> dict[str, str]:
    known = memo.names if memo is not None else {}
    missing = [entity for entity in entities if entity and entity not in known]
    if missing:
        known.update({key: customer.name for key, customer in reading.customer_details(missing).items()})
    return known


def _as_number(rule: AlertRule, value):
    """A missing value of a summed measure is 0 (a customer who bought nothing this month bought ₹0); a ratio has
    none."""
    if value is None and reading.MEASURES[rule.measure].combine == "sum":
        return 0
    return value


def _label(seen: Windows) -> str:
    now = _span(seen.now)
    if seen.baseline is not None:
        return f"{now} vs {_span(seen.baseline)}"
    return now


def _span(period) -> str:
    if period.start == period.end:
        return f"{period.start:%-d %b %Y}"
    if (period.start.year, period.start.month) == (period.end.year, period.end.month):
        return f"{period.start:%-d}–{period.end:%-d %b %Y}"
    return f"{period.start:%-d %b %Y}–{period.end:%-d %b %Y}"


def link(rule: AlertRule, company, entity: str, period) -> str:
    """The dashboard page with the rule's filters and period applied (and the entity, when it is a filter)."""
    return _with_entity(rule, _page_link(rule, company, period), entity)


def _page_link(rule: AlertRule, company, period) -> str:
    query = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    query |= {name: value for name, value in (rule.filters or {}).items() if value}
    return company_url(company, f"{_PAGES.get(rule.each, '/')}?{urlencode(query)}")


def _with_entity(rule: AlertRule, page: str, entity: str) -> str:
    if entity and rule.each in reading.DIMENSIONS:
        return f"{page}&{urlencode({rule.each: entity})}"
    return page


def _threshold(rule: AlertRule) -> Decimal:
    return Decimal(rule.value) if rule.value is not None else Decimal(0)


def _against_threshold(rule, page, entity, label, value, seen) -> Observation:
    value = _as_number(rule, value)
    limit = _threshold(rule)
    if value is None:
        breached = False
    elif rule.condition == AlertRule.Condition.ABOVE:
        breached = value > limit
    else:
        breached = value < limit
    return Observation(entity, label, value, limit, None, breached, _label(seen), _with_entity(rule, page, entity))


def _against_baseline(rule, page, entity, now, before, seen) -> Observation:
    label = (now or before or ("", None))[0]
    value, baseline = _as_number(rule, (now or ("", None))[1]), _as_number(rule, (before or ("", None))[1])
    change = None
    if value is not None and baseline:
        change = (Decimal(value) - Decimal(baseline)) / abs(Decimal(baseline))
    wanted = _threshold(rule) / HUNDRED
    if change is None:
        breached = False
    elif rule.condition == AlertRule.Condition.CHANGE_ABOVE:
        breached = change >= wanted
    else:
        breached = change <= -wanted
    return Observation(entity, label, value, baseline, change, breached, _label(seen),
                       _with_entity(rule, page, entity))  # fmt: skip


def _against_history(rule, page, entity, label, value, past, seen) -> Observation:
    value = _as_number(rule, value)
    history = [float(_as_number(rule, item)) for item in past if _as_number(rule, item) is not None]
    z = mean = None
    if value is not None and len(history) >= MIN_TRAILING:
        mean, spread = statistics.fmean(history), statistics.pstdev(history)
        if spread > 0:
            z = Decimal(str(round((float(value) - mean) / spread, 4)))
    limit = Decimal(rule.value) if rule.value is not None else DEFAULT_Z
    breached = z is not None and abs(z) >= limit
    baseline = Decimal(str(round(mean, 4))) if mean is not None else None
    return Observation(entity, label, value, baseline, z, breached, _label(seen),
                       _with_entity(rule, page, entity), details={"trailing": len(history)})  # fmt: skip


def _no_data(rule: AlertRule, company, today: date) -> Observation:
    if rule.no_data_of == "uploads":
        last = reading.last_upload_at()
        last_day = timezone.localtime(last, _zone(company)).date() if last else None
        what = "upload"
    else:
        span = reading.data_span()
        last_day, what = (span[1] if span else None), "sale"
    days = (today - last_day).days if last_day else None
    limit = _threshold(rule)
    breached = days is None or days >= limit
    period = f"last {what} {last_day:%-d %b %Y}" if last_day else f"no {what} yet"
    home = company_url(company, "/uploads/" if what == "upload" else "/")
    return Observation("", "", days, limit, None, breached, period, home, details={"of": what})


def _behind_pace(rule: AlertRule, company, as_of: date) -> list[Observation]:
    """One observation per target of the month: the value is the month to date, the baseline what the target's
    pace asks for by now, the change how far the value is from it."""
    observations = []
    # Only the targets inside its maker's view: a scoped maker is never told another salesperson's pace.
    within = reading.Filters(limits=rule_limits(rule, company))
    targets = reading.target_progress(as_of, today=as_of, measure=rule.measure, dimension=rule.each or "",
                                      within=within)  # fmt: skip
    for progress in targets:
        period = reading.Period(progress.month, as_of)
        expected = progress.expected
        change = (progress.actual - expected) / expected if expected else None
        label = f"{_span(period)} ({progress.days_gone} of {progress.days_in_month} days)"
        details = {"target": reading.printed(rule.measure, progress.target), "daysLeft": progress.days_left,
                   "neededPerDay": reading.printed(rule.measure, progress.needed_per_day)}  # fmt: skip
        observations.append(Observation(progress.value, progress.value, progress.actual, expected, change,
                                        progress.behind, label, link(rule, company, progress.value, period),
                                        details=details))  # fmt: skip
    return observations
