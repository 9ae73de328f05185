"""Before a rule is saved: "over the last 12 months this rule would have fired N times, on these dates, for these
entities". The rule (saved or not) is evaluated as of each day it would have been judged on, from the rollups,
and its states are replayed in memory with its `hold_for`; nothing is written and no one is told.

It is judged as of the end of each window: each month's last day with a month or fiscal-year window, each
Sunday with a week, each day with a day (the slowest: a query or two per day).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import analytics.reading as reading

from ..models import AlertRule
from . import evaluation


@dataclass(frozen=True)
class Firing:
    day: date
    entity: str
    label: str
    value: object
    baseline: object
    change: object


@dataclass
class Backtest:
    start: date | None = None
    end: date | None = None
    evaluations: int = 0
    firings: list[Firing] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def entities(self) -> list[str]:
        return sorted({firing.label or firing.entity or "the company" for firing in self.firings})

    def sentence(self) -> str:
        if self.end is None:
            return "There are no sales yet to try this rule on."
        times = len(self.firings)
        span = f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"
        if not times:
            return f"From {span} this rule would not have fired."
        days = sorted({firing.day for firing in self.firings})
        shown = ", ".join(f"{day:%-d %b %Y}" for day in days[:6]) + (" …" if len(days) > 6 else "")
        whom = ", ".join(self.entities[:6]) + (" …" if len(self.entities) > 6 else "")
        return (f"From {span} this rule would have fired {times} time{'s' if times != 1 else ''}, on {shown}, "
                f"for {whom}.")  # fmt: skip


def judged_on(rule: AlertRule, start: date, end: date) -> list[date]:
    """The days the rule is judged on between start and end (end always among them)."""
    days: list[date] = []
    if rule.window in (AlertRule.Window.MONTH, AlertRule.Window.FYTD):
        month = start.replace(day=1)
        while month <= end:
            following = reading.add_months(month, 1)
            days.append(min(following - timedelta(days=1), end))
            month = following
    elif rule.window == AlertRule.Window.WEEK:
        day = start + timedelta(days=(6 - start.weekday()) % 7)
        while day < end:
            days.append(day)
            day += timedelta(days=7)
        days.append(end)
    else:
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [day for day in dict.fromkeys(days) if start <= day <= end]


def backtest(rule: AlertRule, company, *, months: int = 12, today: date | None = None) -> Backtest:
    started = time.perf_counter()
    span = reading.data_span()
    if span is None or rule.condition == AlertRule.Condition.NO_DATA:
        return Backtest(seconds=time.perf_counter() - started)
    end = min(today or evaluation.today_for(company), span[1])
    start = max(reading.add_months(end, -months) + timedelta(days=1), span[0])
    result = Backtest(start=start, end=end)
    breaches: dict[str, int] = {}
    firing: set[str] = set()
    memo = evaluation.Memo.for_rules([rule])  # a month is read once, though it is the window of several days
    for day in judged_on(rule, start, end):
        result.evaluations += 1
        seen = set()
        for observation in evaluation.evaluate(rule, company, as_of=day, memo=memo):
            seen.add(observation.entity)
            if not observation.breached:
                breaches.pop(observation.entity, None)
                firing.discard(observation.entity)
                continue
            breaches[observation.entity] = breaches.get(observation.entity, 0) + 1
            if observation.entity not in firing and breaches[observation.entity] >= max(rule.hold_for, 1):
                firing.add(observation.entity)
                result.firings.append(Firing(day, observation.entity, observation.label, observation.value,
                                             observation.baseline, observation.change))  # fmt: skip
        for entity in set(breaches) - seen:  # no figure this time: no longer breaching
            breaches.pop(entity)
            firing.discard(entity)
    result.seconds = time.perf_counter() - started
    return result
