"""Forms of the alerts pages. The rule form only reads what was typed: every check of the rule itself (a measure the
data lacks, a threshold that is not a number, a webhook into our network, the plan's channel limit) is
rules.rule_create's, and its messages are put back on the fields here."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError

from analytics.reading import CATALOGUE_DIMENSIONS, DIMENSIONS, LABELS, MEASURES
from elettro.kernel.errors import ApplicationError

from ..models import AlertChannel, AlertEvent, AlertRule

CHANNEL_ROWS = 3  # rows offered; a rule made elsewhere (the API, `alert_rule`) with more gets a row for each
MAX_CHANNEL_ROWS = 60  # above the largest plan's alert-channel limit
_CHANNEL_KIND = re.compile(r"channel_kind_(\d{1,2})")
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
MAX_SNOOZE_DAYS = 366
RULE_FIELDS = ("name", "measure", "each", "window", "condition", "value", "compare", "trailing", "no_data_of",
               "hold_for", "severity", "remind_after_hours")  # fmt: skip


def _each_choices() -> list[tuple[str, str]]:
    return [("", "The whole company")] + [
        (key, f"Each {dimension.label.lower()}")
        for key, dimension in CATALOGUE_DIMENSIONS.items()
        if dimension.kind == "category"
    ]


class RuleForm(forms.Form):
    name = forms.CharField(required=False, max_length=120, help_text="Left empty, the rule is named for what it does.")
    measure = forms.ChoiceField(choices=[(key, measure.label) for key, measure in MEASURES.items()])
    each = forms.ChoiceField(required=False, label="For", choices=_each_choices)
    window = forms.ChoiceField(choices=AlertRule.Window.choices, initial=AlertRule.Window.MONTH)
    condition = forms.ChoiceField(choices=AlertRule.Condition.choices)
    # Text, not a number field: rule_create says what is wrong with "30 percent" in words a person can act on.
    value = forms.CharField(
        required=False, max_length=40,
        help_text="The threshold; the % for a change; the z-score for unusual (3 when empty); the days for no data. "
                  "A margin is a fraction: 0.2 is 20%.",
    )  # fmt: skip
    compare = forms.ChoiceField(
        choices=AlertRule.Compare.choices, initial=AlertRule.Compare.PREVIOUS, label="A change is against"
    )
    trailing = forms.IntegerField(
        min_value=3, max_value=52, initial=8, label="Unusual against the last", help_text="periods"
    )
    no_data_of = forms.ChoiceField(
        choices=[("sales", "Sales"), ("uploads", "Uploads")], initial="sales", label="No data of"
    )
    hold_for = forms.IntegerField(
        min_value=1, max_value=100, initial=1, label="Hold for", help_text="evaluations in a row before it fires"
    )
    severity = forms.ChoiceField(choices=AlertRule.Severity.choices, initial=AlertRule.Severity.WARNING)
    remind_after_hours = forms.IntegerField(
        required=False, min_value=1, max_value=24 * 90, label="Remind every", help_text="hours while it fires"
    )

    def __init__(self, data=None, *, rule: AlertRule | None = None, **kwargs):
        channels = list(rule.channels.all()) if rule is not None else []
        if rule is not None and data is None:
            kwargs["initial"] = _initial(rule, channels)
        super().__init__(data, **kwargs)
        self.rows = range(1, _row_count(data, len(channels)) + 1)
        for name in DIMENSIONS:
            self.fields[f"filter_{name}"] = forms.CharField(required=False, max_length=255, label=LABELS[name])
        kinds = [("", "—"), *AlertChannel.Kind.choices]
        for row in self.rows:
            self.fields[f"channel_kind_{row}"] = forms.ChoiceField(required=False, choices=kinds, label="Channel")
            self.fields[f"channel_target_{row}"] = forms.CharField(
                required=False, max_length=300, label="Send to",
                widget=forms.TextInput(attrs={"placeholder": "address, number, channel or URL"}),
            )  # fmt: skip
        self.group_errors: dict[str, list[str]] = {}

    # The template lays these out in groups.
    def rule_fields(self):
        return [self[name] for name in RULE_FIELDS]

    def filter_fields(self):
        return [self[f"filter_{name}"] for name in DIMENSIONS]

    def channel_rows(self):
        return [(self[f"channel_kind_{row}"], self[f"channel_target_{row}"]) for row in self.rows]

    def clean(self):
        data = super().clean()
        for row in self.rows:
            kind, target = data.get(f"channel_kind_{row}"), (data.get(f"channel_target_{row}") or "").strip()
            if target and not kind:
                self.add_error(f"channel_kind_{row}", "Choose how to send to this.")
            elif kind and not target:
                self.add_error(f"channel_target_{row}", "Say where to send it.")
        return data

    def rule_arguments(self) -> dict:
        """What rule_create takes, from the cleaned form."""
        data = self.cleaned_data
        return {
            "name": data["name"], "measure": data["measure"], "each": data["each"], "window": data["window"],
            "condition": data["condition"], "value": data["value"], "compare": data["compare"],
            "trailing": data["trailing"], "no_data_of": data["no_data_of"], "hold_for": data["hold_for"],
            "severity": data["severity"], "remind_after_hours": data["remind_after_hours"],
            "filters": {name: " ".join(data[f"filter_{name}"].split()) for name in DIMENSIONS
                        if data[f"filter_{name}"].strip()},
            "channels": [(data[f"channel_kind_{row}"], data[f"channel_target_{row}"].strip())
                         for row in self.rows if data[f"channel_kind_{row}"]],
        }  # fmt: skip

    def add_problem(self, problem: ApplicationError) -> None:
        """Put rule_create's messages where they belong: on a field, by the filters or channels, or above."""
        if not problem.field_errors:
            self.add_error(None, problem.message)
        for field, messages in problem.field_errors.items():
            if field in self.fields:
                self.add_error(field, messages)
            else:
                self.group_errors.setdefault(field, []).extend(messages)


def _row_count(data, saved: int) -> int:
    """Enough rows for the channels saved and for those posted (a rule with five channels must not lose two)."""
    posted = [int(match.group(1)) for key in (data or {}) if (match := _CHANNEL_KIND.fullmatch(key))]
    return min(max(CHANNEL_ROWS, saved, *posted), MAX_CHANNEL_ROWS)


def _initial(rule: AlertRule, channels: list[AlertChannel]) -> dict:
    initial = {
        "name": rule.name, "measure": rule.measure, "each": rule.each, "window": rule.window,
        "condition": rule.condition, "value": "" if rule.value is None else f"{rule.value.normalize():f}",
        "compare": rule.compare, "trailing": rule.trailing, "no_data_of": rule.no_data_of,
        "hold_for": rule.hold_for, "severity": rule.severity, "remind_after_hours": rule.remind_after_hours,
    }  # fmt: skip
    initial |= {f"filter_{name}": value for name, value in (rule.filters or {}).items()}
    for row, channel in enumerate(channels[:MAX_CHANNEL_ROWS], start=1):
        initial |= {f"channel_kind_{row}": channel.kind, f"channel_target_{row}": channel.target}
    return initial


class SnoozeForm(forms.Form):
    until = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Snooze until")

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= self.today:
            raise ValidationError("Choose a day after today.")
        if until > self.today + timedelta(days=MAX_SNOOZE_DAYS):
            raise ValidationError("Snooze for a year at most.")
        return until


class LogFilterForm(forms.Form):
    """The log's filters, from the query string; each one empty means everything."""

    rule = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    entity = forms.CharField(required=False, max_length=255, label="Entity contains")
    channel = forms.ChoiceField(required=False, choices=[("", "Any channel"), *AlertChannel.Kind.choices])
    kind = forms.ChoiceField(required=False, choices=[("", "Everything"), *AlertEvent.Kind.choices])

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", "Every rule"), *((str(rule.pk), rule.name) for rule in rules)]
        for name, label in (("from", "From"), ("to", "To")):
            self.fields[name] = forms.DateField(
                required=False, label=label, widget=forms.DateInput(attrs={"type": "date"})
            )

    def clean(self):
        data = super().clean()
        for name in ("from", "to"):
            day = data.get(name)
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(name, "The date must fall between 1900 and 2100.")
        start, end = data.get("from"), data.get("to")
        if start and end and end < start:
            self.add_error("to", "The end date is before the start date.")
        return data
