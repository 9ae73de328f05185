"""Evaluating a company's rules: observations (evaluation.py), then states (states.py), then the notifications of
what changed (notify.py), sent once the states are committed."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction

from ..models import AlertRule
from . import evaluation, notify, states

logger = logging.getLogger(__name__)


def evaluate_company(company, *, as_of: date | None = None, rules=None) -> list[dict]:
    """Evaluate every active rule (or `rules`) as of `as_of`; returns one dict per state change: rule, entity,
    from, to, value, baseline (the `alerts --evaluate --json` lines)."""
    changes = []
    rules = list(rules if rules is not None else AlertRule.objects.filter(is_active=True).prefetch_related("channels"))
    memo = evaluation.Memo.for_rules(rules)  # rules asking the same question read it once
    for rule in rules:
        try:
            observations = evaluation.evaluate(rule, company, as_of=as_of, memo=memo)
        except Exception:  # one broken rule must not stop the others; the log says which
            logger.exception("alert rule %s could not be evaluated", rule.pk)
            continue
        with transaction.atomic():
            transitions, logged = states.apply(rule, observations)
            events = [event for transition in transitions for event in notify.notifications_create(rule, transition)]
            transaction.on_commit(lambda events=events: notify.enqueue(events))
        changes += [
            {"rule": rule.pk, "name": rule.name, "entity": event.entity or None, "label": event.entity_label or None,
             "from": event.from_status, "to": event.to_status, "value": event.values.get("value"),
             "baseline": event.values.get("baseline")}
            for event in logged
        ]  # fmt: skip
    return changes
