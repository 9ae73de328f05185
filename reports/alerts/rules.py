"""Creating a rule, with every check a person can act on (the rule form, the API and `alert_rule` all come here).

A bad rule saves nothing: an unknown measure or dimension, a threshold that is not a number, a measure the
company's data lacks (gross profit with no cost), a channel that would not work (a webhook into our own network),
or one channel more than the plan allows.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

import analytics.reading as reading
from billing.limits import ensure_can_add_alert_channel
from elettro.kernel.errors import ApplicationError

from ..channels import email, slack, webhook, whatsapp
from ..models import AlertChannel, AlertRule
from .evaluation import today_for

# What `value` means for each condition, for messages; and whether it must be given.
_VALUE = {
    AlertRule.Condition.ABOVE: "the threshold",
    AlertRule.Condition.BELOW: "the threshold",
    AlertRule.Condition.CHANGE_ABOVE: "the change in %",
    AlertRule.Condition.CHANGE_BELOW: "the change in %",
    AlertRule.Condition.UNUSUAL: "the z-score (3 when not given)",
    AlertRule.Condition.NO_DATA: "the number of days",
    AlertRule.Condition.BEHIND_PACE: "no value (the targets say what is needed)",
}
_OPTIONAL_VALUE = {AlertRule.Condition.UNUSUAL, AlertRule.Condition.BEHIND_PACE}
MIN_TRAILING = 3  # an unusual value is judged against at least this many periods


def _refuse(field: str, message: str):
    raise ApplicationError(message, field_errors={field: [message]})


def _decimal(text, field: str) -> Decimal | None:
    if text is None or str(text).strip() == "":
        return None
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        _refuse(field, f"{field} must be a number, not {str(text)[:40]!r}.")
    if not value.is_finite():
        _refuse(field, f"{field} must be a number, not {text!r}.")
    return value


def check_channel(kind: str, target: str) -> str:
    """The target as it is kept, or ApplicationError saying what is wrong with it."""
    target = (target or "").strip()
    try:
        if kind == AlertChannel.Kind.EMAIL:
            (address,) = email.validate_email_list(target) or [""]
            return address
        if kind == AlertChannel.Kind.SLACK:
            if target.startswith("http"):
                slack.validate_webhook_url(target)
            elif not target.lstrip("#"):
                raise ValidationError("Name a Slack channel or give a webhook URL.")
            return target
        if kind == AlertChannel.Kind.WHATSAPP:
            whatsapp.validate_phone(target)
            return whatsapp.normalize_phone(target)
        if kind == AlertChannel.Kind.WEBHOOK:
            webhook.validate_webhook_url(target)
            return target
    except ValueError:
        _refuse("channels", f"Give one email address per channel, not {target[:60]!r}.")
    except ValidationError as error:
        _refuse("channels", f"{kind}: {' '.join(error.messages)}")
    _refuse("channels", f"Unknown channel {kind!r}: use email, slack, whatsapp or webhook.")


def channel_for(company, kind: str, target: str, *, secret: str = "") -> AlertChannel:
    """The company's channel to this target, made (within the plan's limit) when it is new."""
    target = check_channel(kind, target)
    found = AlertChannel.objects.filter(kind=kind, target=target).first()
    if found is not None:
        return found
    ensure_can_add_alert_channel(company, existing_count=AlertChannel.objects.count())
    if kind == AlertChannel.Kind.WEBHOOK and not secret:  # a webhook is always signed; the receiver needs this
        secret = webhook.new_secret()
    return AlertChannel.objects.create(kind=kind, target=target, secret=secret)


def rule_checked(
    *, measure: str, condition: str, window: str = AlertRule.Window.MONTH, each: str = "", value=None,
    compare: str = AlertRule.Compare.PREVIOUS, filters: dict | None = None, name: str = "", hold_for: int = 1,
    severity: str = AlertRule.Severity.WARNING, trailing: int = 8, no_data_of: str = "sales",
    remind_after_hours: int | None = None, user=None, channels=(),
) -> AlertRule:  # fmt: skip
    """The rule, checked and not saved (a backtest tries it so); ApplicationError naming the field otherwise.
    `channels` are checked by rule_create, which keeps them."""
    if measure not in reading.MEASURES:
        _refuse("measure", f"Unknown measure {measure!r}: use one of {', '.join(reading.MEASURES)}.")
    dimension = reading.CATALOGUE_DIMENSIONS.get(each) if each else None
    if each and (dimension is None or dimension.kind != "category"):
        names = [key for key, d in reading.CATALOGUE_DIMENSIONS.items() if d.kind == "category"]
        _refuse("each", f"Unknown dimension {each!r} for each: use one of {', '.join(names)}.")
    chosen = (("condition", AlertRule.Condition, condition), ("window", AlertRule.Window, window),
              ("compare", AlertRule.Compare, compare), ("severity", AlertRule.Severity, severity))  # fmt: skip
    for field, choices, given in chosen:
        if given not in choices.values:
            _refuse(field, f"Unknown {field} {given!r}: use one of {', '.join(choices.values)}.")
    if condition == AlertRule.Condition.NO_DATA and each:
        _refuse("each", "No data is judged for the whole company: leave each empty.")
    number = _decimal(value, "value")
    if condition == AlertRule.Condition.BEHIND_PACE:
        _check_behind_pace(measure, each, window, number, filters)
    if number is None and condition not in _OPTIONAL_VALUE:
        _refuse("value", f"Give {_VALUE[condition]} as a number.")
    if number is not None and number < 0 and condition not in (AlertRule.Condition.ABOVE, AlertRule.Condition.BELOW):
        _refuse("value", f"{_VALUE[condition].capitalize()} cannot be negative.")
    unknown = set(filters or {}) - set(reading.DIMENSIONS)
    if unknown:
        _refuse("filters", f"Unknown filter {sorted(unknown)[0]!r}: use any of {', '.join(reading.DIMENSIONS)}.")
    if condition != AlertRule.Condition.NO_DATA:
        _ensure_data_has(measure)
    return AlertRule(
        name=name.strip() or _name(measure, each, condition, number, window), measure=measure, each=each or "",
        filters={k: v for k, v in (filters or {}).items() if v}, window=window, condition=condition, value=number,
        compare=compare, hold_for=max(1, int(hold_for)), severity=severity, trailing=max(MIN_TRAILING, trailing),
        no_data_of=no_data_of, remind_after_hours=remind_after_hours,
        created_by_id=getattr(user, "pk", None), created_by_email=getattr(user, "email", "") or "",
    )  # fmt: skip


def rule_create(company, *, channels: list[tuple[str, str]] = (), **given) -> AlertRule:
    """A checked, saved rule with its channels (see rule_checked for the rest of the arguments)."""
    rule = rule_checked(**given)
    if rule.condition == AlertRule.Condition.BEHIND_PACE:
        _ensure_target(company, rule.measure, rule.each)
    with transaction.atomic():
        kept = [channel_for(company, kind, target) for kind, target in channels]
        rule.save()
        rule.channels.set(kept)
    return rule


def _check_behind_pace(measure: str, each: str, window: str, number, filters) -> None:
    """A behind-pace rule judges the month's targets of its measure: it takes no value and no filters."""
    label = reading.MEASURES[measure].label
    if reading.MEASURES[measure].combine != "sum":
        _refuse("measure", f"{label} does not add up over a month, so it has no targets: choose revenue, orders, "
                           "quantity or another summed measure.")  # fmt: skip
    if each not in ("", "salesperson", "branch"):
        _refuse("each", "Targets are for the company, each salesperson or each branch: choose one of those.")
    if window != AlertRule.Window.MONTH:
        _refuse("window", "A behind-pace rule judges the month to date: choose the month window.")
    if number is not None:
        _refuse("value", "A behind-pace rule needs no value: the month's targets say what is needed.")
    if any((filters or {}).values()):
        _refuse("filters", "A behind-pace rule follows its targets, which are for the company, a salesperson or a "
                           "branch: leave the filters empty.")  # fmt: skip


def _ensure_target(company, measure: str, each: str) -> None:
    """A behind-pace rule made before this month has a target would judge nothing: say where to set one."""
    label = reading.MEASURES[measure].label
    month = today_for(company).replace(day=1)
    if not reading.has_target(measure, month, each):
        whom = f"each {each}" if each else "the company"
        _refuse("condition", f"Set a target for {label.lower()} ({whom}) for {month:%B %Y} first on the Targets "
                             "page, then this rule has a pace to judge.")  # fmt: skip


def _ensure_data_has(measure: str) -> None:
    """A measure the data cannot give (gross profit or margin with no cost on any line) would never fire."""
    span = reading.data_span()
    if span is None:
        return  # no sales yet: the rule waits for them
    scope = reading.Scope(reading.Period(*span), reading.Filters(), span)
    if reading.figures(scope, (measure,))[measure] is None:
        label = reading.MEASURES[measure].label
        _refuse("measure", f"Your data has no {label.lower()} yet (no line has a cost), so this rule could never "
                           "fire. Upload an item master with costs, or sales with a cost column, first.")  # fmt: skip


def _name(measure: str, each: str, condition: str, value, window: str = "month") -> str:
    label = reading.MEASURES[measure].label
    whom = f" per {reading.CATALOGUE_DIMENSIONS[each].label.lower()}" if each else ""
    shown = "" if value is None else f"{value.normalize():f}"
    said = {
        AlertRule.Condition.ABOVE: f"above {shown}",
        AlertRule.Condition.BELOW: f"below {shown}",
        AlertRule.Condition.CHANGE_ABOVE: f"up {shown}% or more",
        AlertRule.Condition.CHANGE_BELOW: f"down {shown}% or more",
        AlertRule.Condition.UNUSUAL: f"unusual (z-score {shown or '3'})",
        AlertRule.Condition.NO_DATA: f"nothing for {shown} days",
        AlertRule.Condition.BEHIND_PACE: "behind its target's pace",
    }[condition]
    if condition == AlertRule.Condition.NO_DATA:
        return f"No {label.lower()} data: {said}"[:120]
    return f"{label}{whom} {said}, {AlertRule.Window(window).label.lower()}"[:120]


def as_json(rule: AlertRule) -> dict:
    return {
        "id": rule.pk, "name": rule.name, "measure": rule.measure, "each": rule.each or None,
        "window": rule.window, "condition": rule.condition,
        "value": None if rule.value is None else f"{rule.value.normalize():f}", "compare": rule.compare,
        "filters": rule.filters, "holdFor": rule.hold_for, "severity": rule.severity,
        # A webhook's signing secret is shown to those who make rules, so the receiver can check our signature.
        "channels": [{"kind": c.kind, "target": c.target, **({"secret": c.secret} if c.secret else {})}
                     for c in rule.channels.all()],
    }  # fmt: skip
