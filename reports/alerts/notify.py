"""Notifications: what an alert says, one AlertEvent per channel of its rule, and their delivery through the one
channel interface (reports/channels/send.py), every attempt logged.

- A notification's `key` is (rule, entity, what happened, which occurrence, channel): a replayed or repeated
  evaluation finds it taken and creates nothing, so nothing is sent twice.
- Quiet hours: no WhatsApp between QUIET_FROM and QUIET_UNTIL in the company's time zone. Such a notification is
  HELD and its delivery waits (a Celery eta) until QUIET_UNTIL; a critical rule's goes at once. Email, Slack and
  webhooks are not held: they do not ring a phone at night.
- A read-only company (billing.limits.schedules_paused) keeps evaluating but sends nothing: its notifications are
  logged FAILED, saying why. Not HELD: held alerts would all go out, stale, on the day a plan is chosen, and a
  condition still firing by then is said again by its reminder.
- WhatsApp reaches people outside its 24-hour window only through an approved template, so alerts use one with
  four body parameters: {{1}} the headline, {{2}} the figures, {{3}} the period, {{4}} the link
  (WHATSAPP_ALERT_TEMPLATE, default `elettro_alert`, in the company's WhatsApp language).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from analytics.reading import MEASURES
from billing.limits import schedules_paused
from elettro.kernel.money import format_money, format_money_compact, format_number, format_percent
from tenants.models import Company
from tenants.urls_util import company_url

from ..channels.errors import ChannelError
from ..channels.send import ChannelConfig, Message, send, target_label
from ..delivery import channel_settings, send_config
from ..models import AlertChannel, AlertEvent, AlertRule, AlertState
from .observations import Observation, Transition

QUIET_FROM = time(22, 0)
QUIET_UNTIL = time(8, 0)
QUIET_KINDS = frozenset({AlertChannel.Kind.WHATSAPP})
READ_ONLY = "The company is read-only: nothing is sent until a plan is chosen."
CHANNEL_GONE = "The channel was removed before the alert could be sent."
OUR_FAULT = "Elettro could not send this alert because of an error on our side; we have been told."
MAX_ATTEMPTS = 5
_KEY_LENGTH = 200  # AlertEvent.key

Kind = AlertEvent.Kind
logger = logging.getLogger(__name__)
Result = AlertEvent.Result


# ---------------------------------------------------------------- creating


def notifications_create(
    rule: AlertRule, transition: Transition, *, occurrence: object = None, now: datetime | None = None
) -> list[AlertEvent]:
    """One notification per channel of `rule` for `transition`; returns the ones created now ([] for a replay).

    `occurrence` tells this transition apart from the same one of another firing: the firing's `since` for
    `fired` and `resolved`, the reminder's time for a reminder. Without it they are read from the entity's
    AlertState (`since`, or `notified_at` for a reminder), as states.apply leaves it.
    """
    company: Company = connection.tenant
    now = now or timezone.now()
    observation = transition.observation
    occurrence = _occurrence_key(rule, observation.entity, transition.what, occurrence)
    subject, message, values = _content(rule, transition, company)
    paused = schedules_paused(company)
    held_until = None if rule.severity == AlertRule.Severity.CRITICAL else quiet_until(now, company.zone)
    created = []
    for channel in rule.channels.all():
        held = held_until is not None and channel.kind in QUIET_KINDS
        result = Result.FAILED if paused else Result.HELD if held else Result.PENDING
        event, is_new = AlertEvent.objects.get_or_create(
            key=_key(rule.pk, observation.entity, transition.what, occurrence, channel.pk),
            defaults={
                "rule": rule,
                "rule_name": rule.name,
                "entity": observation.entity,
                "entity_label": observation.label,
                "kind": Kind.NOTIFICATION,
                "message": message,
                "values": {**values, "subject": subject}
                | ({"heldUntil": held_until.isoformat()} if held and not paused else {}),
                "channel": channel,
                "channel_kind": channel.kind,
                "target": target_label(channel.kind, channel.target),
                "result": result,
                "error": READ_ONLY if paused else "",
            },
        )
        if is_new:
            created.append(event)
    return created


def quiet_until(now: datetime, zone: ZoneInfo) -> datetime | None:
    """The end of the quiet hours `now` falls in, in `zone`; None outside them."""
    local = now.astimezone(zone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone)


def _occurrence_key(rule: AlertRule, entity: str, what: str, occurrence: object) -> str:
    if occurrence is None:
        # states.apply has saved the state: `since` is when this firing began (a resolve keeps it), and a
        # reminder has just set `notified_at`.
        state = AlertState.objects.filter(rule=rule, entity=entity).values("since", "notified_at").first() or {}
        occurrence = state.get("notified_at" if what == "reminder" else "since")
        if occurrence is None:
            raise ValueError(f"No occurrence for rule {rule.pk} entity {entity!r} {what}: pass one.")
    if isinstance(occurrence, datetime):
        return occurrence.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return str(occurrence)


def _key(rule_id: int, entity: str, what: str, occurrence: str, channel_id: int) -> str:
    key = f"{rule_id}:{entity}:{what}:{occurrence}:{channel_id}"
    if len(key) <= _KEY_LENGTH:
        return key
    # A long entity name (customer names run to 255 characters) is replaced by its digest, which is as unique.
    digest = hashlib.sha256(entity.encode()).hexdigest()[:32]
    return f"{rule_id}:#{digest}:{what}:{occurrence[:80]}:{channel_id}"


# ---------------------------------------------------------------- what is said


def _content(rule: AlertRule, transition: Transition, company: Company) -> tuple[str, str, dict]:
    """(subject, message, values). The message is the headline, the figures, the period and the link, one a line."""
    observation = transition.observation
    who = observation.label or observation.entity or company.name
    severity = rule.get_severity_display()
    headline = {
        "fired": f"{severity} alert: {rule.name} – {who}",
        "reminder": f"Still firing ({severity.lower()}): {rule.name} – {who}",
        "resolved": f"Back to normal: {rule.name} – {who}",
    }.get(transition.what, f"{rule.name} – {who}: {transition.what}")
    shown = _shown(rule, observation, company.currency)
    figures = _figures(rule, observation, shown)
    link = observation.link or company_url(company, reverse("home"))
    lines = [headline, figures, f"Period: {observation.period_label}" if observation.period_label else "", link]
    values = {
        "what": transition.what,
        "rule": rule.name,
        "ruleId": rule.pk,
        "measure": rule.measure,
        "condition": rule.condition,
        "entity": observation.entity,
        "entityLabel": observation.label,
        "value": _exact(observation.value),
        "baseline": _exact(observation.baseline),
        "change": _exact(observation.change),
        "period": observation.period_label,
        "link": link,
        "severity": rule.severity,
        "headline": headline,
        "figures": figures,
        "shown": shown,
    }
    return headline, "\n".join(line for line in lines if line), values


def _shown(rule: AlertRule, observation: Observation, currency: str) -> dict[str, str]:
    """The value, baseline and change as the company reads them (₹1.23 L, 1,23,457, 23.5%, -30.0%)."""
    measure = MEASURES.get(rule.measure)
    unit = "days" if rule.condition == AlertRule.Condition.NO_DATA else measure.unit if measure else "number"
    value, baseline = _figure(observation.value, unit, currency), _figure(observation.baseline, unit, currency)
    if value and value == baseline and observation.value != observation.baseline:
        # ₹1,00,400 against ₹1,00,000 are both ₹1.00 L: only the full figures show the difference.
        value = _figure(observation.value, unit, currency, exact=True)
        baseline = _figure(observation.baseline, unit, currency, exact=True)
    if observation.change is None:
        change = ""
    elif rule.condition == AlertRule.Condition.UNUSUAL:
        change = f"z-score {Decimal(observation.change):+.1f}"
    else:
        change = format_percent(observation.change, signed=True)
    return {"value": value, "baseline": baseline, "change": change}


def _figure(figure: Decimal | int | None, unit: str, currency: str, *, exact: bool = False) -> str:
    if figure is None:
        return ""
    if unit == "money":
        return format_money(figure, currency, decimals=0) if exact else format_money_compact(figure, currency)
    if unit == "percent":
        return format_percent(figure, decimals=2 if exact else 1)
    whole = Decimal(figure) == Decimal(figure).to_integral_value()
    return format_number(figure, currency, decimals=0 if whole else 2)


def _figures(rule: AlertRule, observation: Observation, shown: dict[str, str]) -> str:
    measure = MEASURES[rule.measure].label if rule.measure in MEASURES else rule.measure
    value, baseline, change = shown["value"] or "no value", shown["baseline"], shown["change"]
    condition = AlertRule.Condition
    if rule.condition == condition.NO_DATA:
        thing = "uploads" if rule.no_data_of == "uploads" else "sales"
        return f"Days without {thing}: {value}" + (f" (the rule allows {baseline})" if baseline else "")
    if rule.condition == condition.BEHIND_PACE:
        text = f"{measure} {value} so far this month" + (
            f", against {baseline} its target's pace needs by now" if baseline else ""
        )
    elif rule.condition in (condition.ABOVE, condition.BELOW):
        text = f"{measure} {value}" + (f", threshold {baseline}" if baseline else "")
    elif rule.condition == condition.UNUSUAL:
        text = f"{measure} {value}" + (f" against a usual {baseline}" if baseline else "")
    else:
        against = "the same period last year" if rule.compare == AlertRule.Compare.LAST_YEAR else "the previous period"
        text = f"{measure} {value}" + (f" against {baseline} in {against}" if baseline else "")
    return text + (f" ({change})" if change else "")


def _exact(figure) -> str | None:
    return None if figure is None else str(figure)


# ---------------------------------------------------------------- sending


def enqueue(events: list[AlertEvent]) -> int:
    """Queue the delivery of each notification that is waiting (a held one for the end of the quiet hours), once
    the transaction that made them commits; returns how many were queued."""
    from .tasks import deliver

    queued = 0
    for event in events:
        if event.kind != Kind.NOTIFICATION or event.result not in (Result.PENDING, Result.HELD):
            continue
        held_until = event.values.get("heldUntil") if event.result == Result.HELD else None
        eta = datetime.fromisoformat(held_until) if held_until else None
        transaction.on_commit(lambda pk=event.pk, eta=eta: deliver.apply_async(args=[pk], eta=eta))
        queued += 1
    return queued


@dataclass(frozen=True)
class Outcome:
    result: str  # sent, retrying, failed, or skipped (already done, or being sent by another worker)
    retry_in: float | None = None  # seconds, when retrying


def notification_send(event_id: int, company: Company, *, attempt: int, may_retry: bool) -> Outcome:
    """Send one notification and log the attempt. `attempt` is the task's retry count (0 for the first), which
    sets the backoff: 1, 2, 4, 8 minutes, or what the service asked for.

    The notification's row stays locked while it is sent: a task queued with a long eta can be handed to a second
    worker (the broker's visibility timeout), and the second finds it locked, or sent, and does nothing."""
    with transaction.atomic():
        event = (
            AlertEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("channel")
            .filter(pk=event_id, kind=Kind.NOTIFICATION)
            .first()
        )
        if event is None or event.result in (Result.SENT, Result.FAILED):
            return Outcome("skipped")
        if schedules_paused(company):
            return _finish(event, Result.FAILED, READ_ONLY, count=False)
        if event.channel is None:
            return _finish(event, Result.FAILED, CHANNEL_GONE, count=False)
        message, config = _message(event), _config(event)
        event.attempts += 1
        try:
            external_id = send(event.channel.kind, event.channel.target, message, config=config)
        except ChannelError as problem:
            if problem.retryable and may_retry:
                _finish(event, Result.RETRYING, problem.message)
                return Outcome(Result.RETRYING, retry_in=min(problem.retry_after or 60 * 2**attempt, 3600))
            return _finish(event, Result.FAILED, problem.message)
        except Exception:
            # Our fault, not the channel's: the log says so (the details go to our logs) rather than leaving the
            # notification waiting for ever.
            logger.exception("alert notification %s could not be sent", event.pk)
            return _finish(event, Result.FAILED, OUR_FAULT)
        return _finish(event, Result.SENT, "", external_id=external_id)


def _finish(event: AlertEvent, result: str, error: str, *, count: bool = True, external_id: str = "") -> Outcome:
    """The notification's result, and (for an attempt) the delivery attempt in the log."""
    event.result, event.error = result, error
    event.save(update_fields=["result", "error", "attempts"])
    if count:
        AlertEvent.objects.create(
            rule_id=event.rule_id,
            rule_name=event.rule_name,
            entity=event.entity,
            entity_label=event.entity_label,
            kind=Kind.DELIVERY,
            values={"notification": event.pk, "attempt": event.attempts, "externalId": external_id},
            channel=event.channel,
            channel_kind=event.channel_kind,
            target=event.target,
            result=result,
            attempts=event.attempts,
            error=error,
        )
    return Outcome(result)


def _message(event: AlertEvent) -> Message:
    values = event.values
    link = values.get("link", "")
    text = event.message
    if link and text.endswith(f"\n{link}"):
        text = text.removesuffix(f"\n{link}")  # each channel puts the link its own way
    return Message(
        subject=values.get("subject", event.rule_name),
        text=text,
        link=link,
        link_label="Open the dashboard",
        template=getattr(settings, "WHATSAPP_ALERT_TEMPLATE", "elettro_alert"),
        template_parameters=(
            values.get("headline", event.rule_name),
            values.get("figures", ""),
            values.get("period", ""),
            link,
        ),
        data={key: value for key, value in values.items() if key not in ("subject", "headline", "figures")},
        id=f"alert-{event.pk}",
    )


def _config(event: AlertEvent) -> ChannelConfig:
    secret = event.channel.secret if event.channel is not None else ""
    return send_config(channel_settings(), webhook_secret=secret)
