"""Reads for the alerts pages: the rules with how many entities fire, the log as filtered, and figures written the
way the company reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from analytics.reading import CATALOGUE_DIMENSIONS, MEASURES, Column, Table
from elettro.kernel.money import format_money, format_money_compact, format_number, format_percent

from ..channels.send import target_label
from ..models import AlertChannel, AlertEvent, AlertRule, AlertState
from ..selectors import made_by_viewer

Condition = AlertRule.Condition


def visible_rules(viewer) -> QuerySet[AlertRule]:
    """The rules `viewer` may see: all, or a scoped member's own (someone else's may watch the whole company)."""
    return AlertRule.objects.filter(made_by_viewer(viewer, "created_by_id"))


def visible_states(viewer) -> QuerySet[AlertState]:
    return AlertState.objects.filter(made_by_viewer(viewer, "rule__created_by_id"))


def visible_events(viewer) -> QuerySet[AlertEvent]:
    """The log `viewer` may see: a scoped member's own rules' events (not those of a deleted rule: whose it was is
    gone with it)."""
    return AlertEvent.objects.filter(made_by_viewer(viewer, "rule__created_by_id"))


def rules(viewer) -> QuerySet[AlertRule]:
    """Every rule `viewer` may see with its channels, its firing states (longest-firing first) and how many fire
    or wait."""
    firing = AlertState.objects.filter(status=AlertState.Status.FIRING).order_by("since", "entity_label", "pk")
    return (
        visible_rules(viewer)
        .annotate(
            firing_count=Count("states", filter=Q(states__status=AlertState.Status.FIRING)),
            pending_count=Count("states", filter=Q(states__status=AlertState.Status.PENDING)),
        )
        .prefetch_related("channels", Prefetch("states", queryset=firing, to_attr="firing_states"))
    )


def channels_shown(rule: AlertRule) -> list[str]:
    """The rule's channels as logs show them: a webhook URL is a secret, so only its host and last characters."""
    shown = []
    for channel in rule.channels.all():
        label = target_label(channel.kind, channel.target)  # "Webhook example.com …/x2" names its kind already
        shown.append(label if label.lower().startswith(channel.kind) else f"{channel.get_kind_display()}: {label}")
    return shown


def webhook_secrets(rule: AlertRule) -> list[tuple[str, str]]:
    """(the webhook as logs show it, its signing secret), for those who make rules to give its receiver."""
    return [
        (target_label(channel.kind, channel.target), channel.secret)
        for channel in rule.channels.all()
        if channel.kind == AlertChannel.Kind.WEBHOOK and channel.secret
    ]


def measure_label(rule: AlertRule) -> str:
    measure = MEASURES.get(rule.measure)
    return measure.label if measure else rule.measure


def each_label(rule: AlertRule) -> str:
    if not rule.each:
        return "The whole company"
    dimension = CATALOGUE_DIMENSIONS.get(rule.each)
    return f"Each {(dimension.label if dimension else rule.each).lower()}"


def _heading(rule: AlertRule) -> str:
    dimension = CATALOGUE_DIMENSIONS.get(rule.each) if rule.each else None
    return dimension.label if dimension else "Entity"


def condition_text(rule: AlertRule, currency: str) -> str:
    """The condition in words: "Below ₹1.00 L", "Down by at least 30% against the previous period"."""
    value = rule.value
    against = "the same period last year" if rule.compare == AlertRule.Compare.LAST_YEAR else "the previous period"
    if rule.condition == Condition.ABOVE:
        return f"Above {figure(rule, value, currency)}"
    if rule.condition == Condition.BELOW:
        return f"Below {figure(rule, value, currency)}"
    if rule.condition == Condition.CHANGE_ABOVE:
        return f"Up by at least {_plain(value)}% against {against}"
    if rule.condition == Condition.CHANGE_BELOW:
        return f"Down by at least {_plain(value)}% against {against}"
    if rule.condition == Condition.UNUSUAL:
        return (
            f"Unusual: {_plain(value) if value is not None else '3'} standard deviations from the last {rule.trailing}"
        )
    if rule.condition == Condition.BEHIND_PACE:
        return "Behind the pace its monthly target needs"
    what = "uploads" if rule.no_data_of == "uploads" else "sales"
    return f"No {what} for {_plain(value)} days"


def _plain(value) -> str:
    return "" if value is None else f"{Decimal(value).normalize():f}"


def figure(rule: AlertRule, value, currency: str) -> str:
    """A value of the rule's measure: ₹1.23 L, 1,234, 23.5% (a no-data rule counts days)."""
    if value is None:
        return "–"
    if rule.condition == Condition.NO_DATA:
        return f"{format_number(value, currency)} days"
    unit = MEASURES[rule.measure].unit if rule.measure in MEASURES else "number"
    if unit == "money":
        return format_money_compact(value, currency)
    if unit == "percent":
        return format_percent(value)
    whole = Decimal(value) == Decimal(value).to_integral_value()
    return format_number(value, currency, decimals=0 if whole else 2)


def exact_figure(rule: AlertRule, value, currency: str) -> str:
    """The full figure, for a title: ₹1,23,456."""
    if value is None or rule.condition == Condition.NO_DATA:
        return ""
    unit = MEASURES[rule.measure].unit if rule.measure in MEASURES else "number"
    return format_money(value, currency, decimals=0) if unit == "money" else figure(rule, value, currency)


def change_text(rule: AlertRule, change) -> str:
    """A change is a fraction (-0.3 is down 30%); for an unusual value it is the z-score."""
    if change is None:
        return "–"
    if rule.condition == Condition.UNUSUAL:
        return f"z-score {Decimal(change):+.1f}"
    return format_percent(change, signed=True)


# ---------------------------------------------------------------- the log


@dataclass(frozen=True)
class LogFilters:
    rule: int | None = None
    entity: str = ""
    channel: str = ""
    kind: str = ""
    start: date | None = None
    end: date | None = None


def events(filters: LogFilters, zone, *, viewer) -> QuerySet[AlertEvent]:
    """The log as filtered, newest first; the dates are days in the company's time zone, both included."""
    found = visible_events(viewer)
    if filters.rule is not None:
        found = found.filter(rule_id=filters.rule)
    if filters.entity:
        found = found.filter(Q(entity_label__icontains=filters.entity) | Q(entity__icontains=filters.entity))
    if filters.channel:
        found = found.filter(channel_kind=filters.channel)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.start:
        found = found.filter(at__gte=datetime.combine(filters.start, time.min, tzinfo=zone))
    if filters.end:
        found = found.filter(at__lt=datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=zone))
    return found.order_by("-at", "-pk")


LOG_COLUMNS = [
    Column("at", "Time"), Column("rule", "Rule"), Column("entity", "Entity"), Column("kind", "Kind"),
    Column("from", "From"), Column("to", "To"), Column("channel", "Channel"), Column("target", "Target"),
    Column("result", "Result"), Column("attempts", "Attempts", "number"), Column("error", "Error"),
    Column("message", "Message"),
]  # fmt: skip


def log_table(found: QuerySet[AlertEvent], zone) -> Table:
    """The log as a table for its CSV: times in the company's time zone, labels as the page shows them."""
    rows = [
        [
            f"{event.at.astimezone(zone):%Y-%m-%d %H:%M:%S}", event.rule_name, event.entity_label or event.entity,
            event.get_kind_display(), event.from_status, event.to_status, event.channel_kind, event.target,
            event.get_result_display(), event.attempts, event.error, event.message,
        ]
        for event in found.iterator(chunk_size=2000)
    ]  # fmt: skip
    return Table(title=f"Alert log (times {zone.key})", columns=LOG_COLUMNS, rows=rows)


# ---------------------------------------------------------------- the rules page


@dataclass(frozen=True)
class StateRow:
    state: AlertState
    entity: str
    value: str
    value_exact: str
    baseline: str


@dataclass(frozen=True)
class RuleRow:
    rule: AlertRule
    measure: str
    each: str
    heading: str  # what an entity is: "Customer"; "Entity" for the whole company
    condition: str
    channels: list[str]
    firing: int
    pending: int
    states: list[StateRow]


def rule_rows(currency: str, *, viewer) -> list[RuleRow]:
    return [
        RuleRow(
            rule=rule,
            measure=measure_label(rule),
            each=each_label(rule),
            heading=_heading(rule),
            condition=condition_text(rule, currency),
            channels=channels_shown(rule),
            firing=rule.firing_count,
            pending=rule.pending_count,
            states=[_state_row(rule, state, currency) for state in rule.firing_states],
        )
        for rule in rules(viewer)
    ]


def _state_row(rule: AlertRule, state: AlertState, currency: str) -> StateRow:
    return StateRow(
        state=state,
        entity=state.entity_label or state.entity or "The company",
        value=figure(rule, state.value, currency),
        value_exact=exact_figure(rule, state.value, currency),
        baseline=figure(rule, state.baseline, currency),
    )


@dataclass(frozen=True)
class FiringRow:
    day: date
    entity: str
    value: str
    baseline: str
    change: str


def firing_rows(rule: AlertRule, firings, currency: str) -> list[FiringRow]:
    """A backtest's firings as the table under the rule form shows them."""
    return [
        FiringRow(firing.day, firing.label or firing.entity or "The company", figure(rule, firing.value, currency),
                  figure(rule, firing.baseline, currency), change_text(rule, firing.change))
        for firing in firings
    ]  # fmt: skip
