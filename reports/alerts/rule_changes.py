"""Changing and deleting a rule, and checking one that is not saved (the form's "Try it"), with exactly the checks
of rules.rule_create (rules.rule_checked and rules.check_channel).

Channels no rule uses any more are deleted, because each one counts against the plan's alert-channel limit: a
company on a one-channel plan that changes its address must not be told it has no room.
"""

from __future__ import annotations

from django.db import transaction

from ..models import AlertChannel, AlertEvent, AlertRule, AlertState
from . import rules

# What a rule judges: a change of these makes its states about something else, so they start again.
_JUDGED = ("measure", "each")
_KEPT = ("name", "measure", "each", "filters", "window", "condition", "value", "compare", "trailing", "no_data_of",
         "hold_for", "severity", "remind_after_hours")  # fmt: skip


def rule_checked(company, *, channels=(), **fields) -> tuple[AlertRule, list[tuple[str, str]]]:
    """The unsaved rule these fields make and its channels as (kind, target) as they would be kept, checked as
    rule_create checks them; ApplicationError when it would refuse them. The plan's channel limit is counted when
    a channel is made (rules.channel_for)."""
    rule = rules.rule_checked(**fields)
    return rule, [(kind, rules.check_channel(kind, target)) for kind, target in channels]


def rule_update(rule: AlertRule, company, *, user=None, **fields) -> AlertRule:
    """Change a rule in place (its id, states and log stay); refused, it is left as it was."""
    with transaction.atomic():
        checked, channels = rule_checked(company, **fields)
        judged_changed = any(getattr(rule, name) != getattr(checked, name) for name in _JUDGED)
        for name in _KEPT:
            setattr(rule, name, getattr(checked, name))
        rule.save()
        rule.channels.clear()
        _prune_channels(keep=channels)
        rule.channels.set([rules.channel_for(company, kind, target) for kind, target in channels])
        if judged_changed:
            _restart_states(rule, user)
    return rule


def rule_delete(rule: AlertRule) -> None:
    """Delete a rule and its states; its log stays, under its name."""
    with transaction.atomic():
        rule.delete()
        _prune_channels()


def _prune_channels(keep: list[tuple[str, str]] = ()) -> None:
    unused = AlertChannel.objects.filter(rules__isnull=True)
    for kind, target in keep:
        unused = unused.exclude(kind=kind, target=target)
    unused.delete()


def _restart_states(rule: AlertRule, user) -> None:
    """The rule now judges another measure or other entities: what fired is logged as ended, and states start
    again from OK (a state kept would resolve, and tell people, about something no longer judged)."""
    who = getattr(user, "email", "") or "someone"
    AlertEvent.objects.bulk_create(
        AlertEvent(rule=rule, rule_name=rule.name, entity=state.entity, entity_label=state.entity_label,
                   kind=AlertEvent.Kind.STATE, from_status=state.status, to_status=AlertState.Status.OK,
                   message=f"The rule's measure or dimension was changed by {who}; its states start again.")
        for state in AlertState.objects.filter(rule=rule).exclude(status=AlertState.Status.OK)
    )  # fmt: skip
    AlertState.objects.filter(rule=rule).delete()
