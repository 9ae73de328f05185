"""A rule's states per entity: OK → pending → firing → OK, moved by each evaluation's observations.

- The condition must hold for `hold_for` evaluations in a row before the state fires; one that stops holding
  resets the count, and a firing state that stops holding resolves.
- Telling someone: once when a state starts firing, once when it resolves, and a reminder every
  `remind_after_hours` while it fires. A snoozed entity changes state but tells no one until the snooze ends.
- Every state change is logged (AlertEvent). The states of a rule are locked while an evaluation applies, so two
  evaluations at once (an upload's and the schedule's) take turns; a replayed evaluation finds the states already
  moved and tells no one again.
- Entities never breached keep no row: a rule for each of 1,000 customers stores only those that fired or came
  close; and a state is written only when what it says changes (`evaluated_at` is when it last did).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

import analytics.reading as reading

from ..models import AlertEvent, AlertRule, AlertState
from .observations import Observation, Transition

Status = AlertState.Status
_PLACES = Decimal("0.0001")


def _number(value):
    return None if value is None else Decimal(value).quantize(_PLACES)


def apply(rule: AlertRule, observations: list[Observation], *, now=None) -> tuple[list[Transition], list[AlertEvent]]:
    """Move the rule's states by these observations; returns the transitions to tell people about and the state
    changes logged."""
    now = now or timezone.now()
    transitions: list[Transition] = []
    changes: list[AlertEvent] = []
    with transaction.atomic():
        states = {state.entity: state for state in AlertState.objects.select_for_update().filter(rule=rule)}
        made, before = [], {entity: _kept(state) for entity, state in states.items()}
        seen = set()
        for observation in observations:
            seen.add(observation.entity)
            state = states.get(observation.entity)
            if state is None:
                if not observation.breached:
                    continue
                state = AlertState(rule=rule, entity=observation.entity)
                made.append(state)
            told = _move(rule, state, observation, now, changes)
            if told is not None and not _snoozed(state, now):
                transitions.append(Transition(told, observation))
                state.notified_at = now
            _remember(state, observation, now)
        # An entity with no figure this time (no sales in either period) is no longer breaching.
        for entity, state in states.items():
            if entity not in seen and state.status != Status.OK:
                gone = Observation(entity, state.entity_label, None, state.baseline, None, False, state.period_label)
                if _move(rule, state, gone, now, changes) == "resolved" and not _snoozed(state, now):
                    transitions.append(Transition("resolved", gone))
        # Only what changed is written: a rule over 1,000 customers evaluated again on the same figures writes
        # nothing.
        AlertState.objects.bulk_create(made)
        moved = [state for entity, state in states.items() if _kept(state) != before[entity]]
        AlertState.objects.bulk_update(moved, _WRITTEN, batch_size=500)
        AlertEvent.objects.bulk_create(changes)
    return transitions, changes


_WRITTEN = ["entity_label", "status", "breaches", "since", "value", "baseline", "period_label", "evaluated_at",
            "notified_at", "acknowledged_at", "acknowledged_by_email"]  # fmt: skip


def _kept(state: AlertState) -> tuple:
    """What an evaluation may change, but when it was made."""
    return tuple(getattr(state, name) for name in _WRITTEN if name != "evaluated_at")


def _move(rule: AlertRule, state: AlertState, observation: Observation, now, changes: list) -> str | None:
    """Update the state for one observation; returns what to tell (fired, resolved, reminder) or None."""
    before = state.status
    told = None
    if observation.breached:
        # Counted up to what the rule needs, so a state that keeps firing on the same figures is not rewritten.
        state.breaches = min(state.breaches + 1, max(rule.hold_for, 1))
        if state.status == Status.FIRING:
            every = rule.remind_after_hours
            if every and state.notified_at and now - state.notified_at >= timedelta(hours=every):
                told = "reminder"
        elif state.breaches >= max(rule.hold_for, 1):
            state.status, state.since = Status.FIRING, now
            state.acknowledged_at, state.acknowledged_by_email = None, ""
            told = "fired"
        else:
            state.status = Status.PENDING
    else:
        state.breaches = 0
        if state.status == Status.FIRING:
            told = "resolved"
        state.status = Status.OK
    if state.status != before:
        changes.append(AlertEvent(
            rule=rule, rule_name=rule.name, entity=state.entity, entity_label=observation.label or state.entity_label,
            kind=AlertEvent.Kind.STATE, from_status=before, to_status=state.status,
            values=_values(rule, observation),
        ))  # fmt: skip
    return told


def _remember(state: AlertState, observation: Observation, now) -> None:
    state.entity_label = observation.label or state.entity_label
    state.value, state.baseline = _number(observation.value), _number(observation.baseline)
    state.period_label, state.evaluated_at = observation.period_label, now


def _snoozed(state: AlertState, now) -> bool:
    return state.snoozed_until is not None and now < state.snoozed_until


def _values(rule: AlertRule, observation: Observation) -> dict:
    """The figures as JSON gives them (the measure's own way: money with two places), for the log and
    `alerts --evaluate --json`."""

    def figure(value):
        if value is None or rule.condition == AlertRule.Condition.NO_DATA:
            return None if value is None else str(value)  # days
        return reading.printed(rule.measure, value if not isinstance(value, float) else Decimal(str(value)))

    change = observation.change
    return {
        "value": figure(observation.value),
        "baseline": figure(observation.baseline),
        "change": None if change is None else str(Decimal(change).quantize(_PLACES)),
        "period": observation.period_label,
        "link": observation.link,
    }


def snooze(state: AlertState, until) -> AlertState:
    state.snoozed_until = until
    state.save(update_fields=["snoozed_until"])
    return state


def acknowledge(state: AlertState, *, email: str) -> AlertState:
    state.acknowledged_at, state.acknowledged_by_email = timezone.now(), email
    state.save(update_fields=["acknowledged_at", "acknowledged_by_email"])
    return state
