"""What an evaluation sees and decides, passed from evaluation to states to notifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Observation:
    """One entity's figure for a rule as of a day: the value, what it is judged against (the threshold, or the
    baseline period's value, or the trailing mean), the change, and whether the condition holds."""

    entity: str  # '' for the whole company
    label: str  # the entity's name as people read it ('' for the whole company)
    value: Decimal | int | None
    baseline: Decimal | int | None
    change: Decimal | None  # a fraction: -0.3 is down 30%; for unusual, the z-score
    breached: bool
    period_label: str  # "1–15 Dec 2025 vs 1–15 Nov 2025"
    link: str = ""  # the dashboard page with the rule's filters (and the entity) applied
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Transition:
    """A state change worth telling someone about: `fired`, `resolved` or `reminder`."""

    what: str
    observation: Observation
