"""Monthly targets and the progress towards them: the Targets page sets them, the overview's gauges show them,
and the behind-pace alert (through analytics.reading) judges them.

A target is for a measure that adds up over days (revenue, orders, quantity, gross profit...): a month's
figure is then the sum of its days, and "on pace" means the share of the target done is at least the share of
the month gone. The day judged counts as gone (as of the 10th of a 30-day month, a third of the month is gone),
so on the month's last day the whole target is due.

A member limited to some salespeople or branches (tenants/scopes.py) sees, sets and is alerted on only the targets
whose figure lies inside their view (`target_within`): never the company's, which is the whole company's figure.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from elettro.kernel.errors import ApplicationError

from . import catalogue, engine
from .filters import Filters
from .models import DimensionValue, Target
from .periods import Period, month_end, month_start
from .scoped import viewer_filters

TWO_PLACES = Decimal("0.01")
# The dimensions a target may be for, with the filter that gives its figure.
TARGET_DIMENSIONS = {"salesperson": "Salesperson", "branch": "Branch"}


def summable_measures() -> dict[str, str]:
    """{measure key: label} of the measures a target can be set for: those that add up over days."""
    return {key: m.label for key, m in catalogue.MEASURES.items() if m.combine == "sum"}


def _refuse(field: str, message: str):
    raise ApplicationError(message, field_errors={field: [message]})


def _checked(measure: str, month, dimension: str, value: str) -> tuple[str, date, str, str]:
    if measure not in summable_measures():
        _refuse("measure", f"Targets are set for measures that add up over a month: {', '.join(summable_measures())}; "
                           f"not {measure!r}.")  # fmt: skip
    if not isinstance(month, date):
        _refuse("month", f"The month must be a date like 2025-06-01, not {str(month)[:40]!r}.")
    dimension, value = dimension or "", " ".join((value or "").split())
    if dimension and dimension not in TARGET_DIMENSIONS:
        _refuse("dimension", f"A target is for the company, a salesperson or a branch, not {dimension!r}.")
    if dimension and not value:
        _refuse("value", f"Name the {TARGET_DIMENSIONS[dimension].lower()} this target is for.")
    if not dimension and value:
        _refuse("value", "A company target names no salesperson or branch.")
    return measure, month_start(month), dimension, value[:255]


def _amount(text) -> Decimal:
    try:
        amount = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        _refuse("amount", f"The target must be a number, not {str(text)[:40]!r}.")
    if not amount.is_finite() or amount <= 0:
        _refuse("amount", "The target must be a number above zero.")
    if amount >= Decimal(10) ** 16:
        _refuse("amount", "The target is too large.")
    return amount


def target_within(dimension: str, value: str, filters: Filters) -> bool:
    """Whether a target's figure lies wholly inside a member's view (`filters.limits`): it is for a salesperson or
    branch the view allows, and the view limits nothing else (Ravi's target counts his sales in every branch, which
    a view of Ravi's sales in Pune does not show). The company's target is the whole company's figure: outside
    every limited view."""
    if not filters.limits:
        return True
    return bool(dimension) and all(name == dimension and value in values for name, values in filters.limits)


def _refuse_outside_view(dimension: str, value: str) -> None:
    if target_within(dimension, value, viewer_filters()):
        return
    if not dimension:
        _refuse("who", "Your view is limited, and a company target is the whole company's figure: choose one of "
                       "your salespeople or branches.")  # fmt: skip
    _refuse("who", f"Your view does not include the {TARGET_DIMENSIONS[dimension].lower()} “{value}”: choose one of "
                   "your salespeople or branches.")  # fmt: skip


def target_set(*, measure: str, month: date, amount, dimension: str = "", value: str = "", user=None) -> Target:
    """Set (or change) the month's target for the measure, for the company or one salesperson or branch (one
    inside the view of whoever acts: `target_within`)."""
    measure, month, dimension, value = _checked(measure, month, dimension, value)
    _refuse_outside_view(dimension, value)
    amount = _amount(amount)
    target, _ = Target.objects.update_or_create(
        month=month, measure=measure, dimension=dimension, value=value,
        defaults={"amount": amount, "updated_by_email": getattr(user, "email", "") or ""},
    )  # fmt: skip
    return target


def target_clear(*, measure: str, month: date, dimension: str = "", value: str = "") -> bool:
    """Remove the month's target; False when there was none."""
    measure, month, dimension, value = _checked(measure, month, dimension, value)
    _refuse_outside_view(dimension, value)
    deleted, _ = Target.objects.filter(month=month, measure=measure, dimension=dimension, value=value).delete()
    return bool(deleted)


# ---------------------------------------------------------------- progress


@dataclass(frozen=True)
class Progress:
    """A target's progress as of a day. Shares are fractions (0.25 is 25%)."""

    measure: str
    month: date
    dimension: str
    value: str
    target: Decimal
    actual: Decimal
    days_gone: int
    days_in_month: int

    @property
    def label(self) -> str:
        return catalogue.MEASURES[self.measure].label

    @property
    def unit(self) -> str:
        return catalogue.MEASURES[self.measure].unit

    @property
    def who(self) -> str:
        return self.value or "The company"

    @property
    def share_done(self) -> Decimal:
        return self.actual / self.target

    @property
    def share_gone(self) -> Decimal:
        """The share of the month gone, the day judged included."""
        return Decimal(self.days_gone) / Decimal(self.days_in_month)

    @property
    def days_left(self) -> int:
        return self.days_in_month - self.days_gone

    @property
    def left(self) -> Decimal:
        """What is still to do (0 once the target is met)."""
        return max(self.target - self.actual, Decimal(0))

    @property
    def expected(self) -> Decimal:
        """What the target's pace asks for by now."""
        return (self.target * self.days_gone / self.days_in_month).quantize(TWO_PLACES)

    @property
    def needed_per_day(self) -> Decimal | None:
        """What each remaining day must bring to meet the target; None when no day is left."""
        if not self.days_left:
            return None
        return (self.left / self.days_left).quantize(TWO_PLACES)

    @property
    def behind(self) -> bool:
        """actual / target < days gone / days in month, compared without rounding."""
        return self.actual * self.days_in_month < self.target * self.days_gone

    @property
    def met(self) -> bool:
        return self.actual >= self.target

    @property
    def percent_done(self) -> int:
        """The share done as a whole percentage, capped at 100 (for a bar's width)."""
        return int(min(self.share_done, Decimal(1)) * 100)


def _days(month: date, today: date) -> tuple[int, int]:
    """(days gone, days in the month) as of `today`."""
    length = calendar.monthrange(month.year, month.month)[1]
    if today < month:
        return 0, length
    return min((today - month).days + 1, length), length


def _actual(measure: str, month: date, dimension: str, value: str, today: date, span) -> Decimal:
    """The measure over the month's days up to `today`, for the company or the one salesperson or branch."""
    if today < month:
        return Decimal(0)
    filters = Filters(**{dimension: value}) if dimension else Filters()
    scope = engine.Scope(Period(month, min(today, month_end(month))), filters, span)
    # A summed measure needs no customer counts: the engine's sums, worked out as the catalogue says (as
    # queries.figures does; reading it from there would import the pages, which show these targets).
    sums = engine.sales_total(scope) if span else {}
    return Decimal(catalogue.values(catalogue.Figures(sums), (measure,))[measure] or 0)


def progress(measure: str, month: date, dimension: str = "", value: str = "", *, today: date,
             span=None) -> Progress | None:  # fmt: skip
    """The progress of the month's target for the measure (company, or one salesperson or branch) as of `today`;
    None when no target is set."""
    month = month_start(month)
    target = Target.objects.filter(month=month, measure=measure, dimension=dimension, value=value).first()
    if target is None:
        return None
    return _progress(target, today, span if span is not None else engine.data_span())


def _progress(target: Target, today: date, span) -> Progress:
    gone, length = _days(target.month, today)
    actual = _actual(target.measure, target.month, target.dimension, target.value, today, span)
    return Progress(target.measure, target.month, target.dimension, target.value, target.amount, actual, gone, length)


def month_progress(month: date, *, today: date, measure: str | None = None, dimension: str | None = None,
                   within: Filters | None = None) -> list[Progress]:  # fmt: skip
    """Every target of the month (of one measure, of one dimension when given) with its progress: the company's
    first, then by salesperson and branch, each by measure in the catalogue's order. Only those inside `within`'s
    limits (by default the view of whoever the request or task acts for): see target_within."""
    within = viewer_filters() if within is None else within
    targets = Target.objects.filter(month=month_start(month))
    if measure is not None:
        targets = targets.filter(measure=measure)
    if dimension is not None:
        targets = targets.filter(dimension=dimension)
    order = {key: n for n, key in enumerate(catalogue.MEASURES)}
    seen = [target for target in targets if target_within(target.dimension, target.value, within)]
    kept = sorted(seen, key=lambda t: (t.dimension != "", t.dimension, t.value, order.get(t.measure, 99)))
    span = engine.data_span() if kept else None
    return [_progress(target, today, span) for target in kept]


def has_target(measure: str, month: date, dimension: str = "") -> bool:
    """Whether the month has a target for the measure: the company's, or any of that dimension's when given."""
    return Target.objects.filter(month=month_start(month), measure=measure, dimension=dimension).exists()


def target_choices() -> dict[str, list[str]]:
    """The salespeople and branches a target can be for: the values the filter bar lists, biggest first; for a
    member with a limited view, only those inside it."""
    within = viewer_filters()
    rows = DimensionValue.objects.filter(dimension__in=TARGET_DIMENSIONS).order_by("dimension", "-revenue", "value")
    values: dict[str, list[str]] = {name: [] for name in TARGET_DIMENSIONS}
    for dimension, value in rows.values_list("dimension", "value"):
        if target_within(dimension, value, within):
            values[dimension].append(value)
    return values
