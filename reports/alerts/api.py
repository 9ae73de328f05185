"""Alerts in the API (wired under /api/v1/ by elettro/api/urls.py), with the pages' permissions: anyone who sees
the dashboards reads rules, states and the log, and acknowledges; `schedules.manage` makes, deletes and
backtests rules, and snoozes.

- `alert-rules/`: GET the rules; POST one (the same checks as the form and `alert_rule`).
- `alert-rules/<id>/`: GET, DELETE. `alert-rules/backtest/`: POST a rule, not saved, to see when it would have fired.
- `alerts/`: the entities firing or pending now. `alerts/<id>/acknowledge/`, `alerts/<id>/snooze/` (`until`).
- `alert-events/`: the log, newest first, filtered by rule, entity, kind, channel and date; CSV and XLSX.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema

from elettro.api.errors import bad_parameter, not_found, refusal
from elettro.api.paging import Counted, page_of
from elettro.api.schema import FORMAT_PARAMETER, PAGE_PARAMETERS, enveloped
from elettro.api.views import ByMethodView
from elettro.kernel.errors import ApplicationError

from ..api import refuse_scoped_key
from ..models import AlertEvent, AlertRule, AlertState
from . import backtest as backtests
from . import rules, selectors, states

_RULE_FIELDS = ("name", "measure", "each", "window", "condition", "value", "compare", "filters", "holdFor",
                "severity", "channels")  # fmt: skip
RULE_REQUEST = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "measure": {"type": "string", "description": "a measure of /api/v1/catalogue/"},
        "each": {"type": "string", "description": "a dimension: one alert per value; absent for the company"},
        "window": {"type": "string", "enum": list(AlertRule.Window.values)},
        "condition": {"type": "string", "enum": list(AlertRule.Condition.values)},
        "value": {"type": "string", "description": "threshold; % for a change; z-score; days for no-data"},
        "compare": {"type": "string", "enum": list(AlertRule.Compare.values)},
        "filters": {"type": "object", "additionalProperties": {"type": "string"}},
        "holdFor": {"type": "integer", "minimum": 1},
        "severity": {"type": "string", "enum": list(AlertRule.Severity.values)},
        "channels": {
            "type": "array",
            "items": {"type": "object", "properties": {"kind": {"type": "string"}, "target": {"type": "string"}}},
        },
    },
    "required": ["measure", "condition"],
}
RULE = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}


def _rule_arguments(request) -> dict:
    data = request.data
    if not hasattr(data, "keys"):
        raise bad_parameter("body", "Send the rule as a JSON object.")
    unknown = [name for name in data if name not in _RULE_FIELDS]
    if unknown:
        raise bad_parameter(unknown[0], f"{unknown[0]} is not a field of a rule: use {', '.join(_RULE_FIELDS)}.")
    channels = data.get("channels") or []
    if not isinstance(channels, list) or not all(isinstance(c, dict) for c in channels):
        raise bad_parameter("channels", 'channels is a list such as [{"kind": "slack", "target": "https://…"}].')
    filters = data.get("filters") or {}
    if not isinstance(filters, dict):
        raise bad_parameter("filters", 'filters is an object such as {"branch": "Pune"}.')
    try:
        hold_for = int(data.get("holdFor") or 1)
    except (TypeError, ValueError):
        raise bad_parameter("holdFor", "holdFor is a whole number of evaluations.") from None
    if not 1 <= hold_for <= 100:
        raise bad_parameter("holdFor", "holdFor is from 1 to 100 evaluations.")
    text = {name: data.get(name) for name in ("measure", "each", "window", "condition", "compare", "severity", "name")}
    if any(value is not None and not isinstance(value, str) for value in text.values()):
        name = next(name for name, value in text.items() if value is not None and not isinstance(value, str))
        raise bad_parameter(name, f"{name} is text.")
    return {
        "measure": text["measure"] or "", "each": text["each"] or "", "window": text["window"] or "month",
        "condition": text["condition"] or "", "compare": text["compare"] or "previous",
        "severity": text["severity"] or "warning", "name": text["name"] or "", "value": data.get("value"),
        "filters": {str(k): str(v) for k, v in filters.items()}, "hold_for": hold_for,
        "channels": [(str(c.get("kind", "")), str(c.get("target", ""))) for c in channels],
    }  # fmt: skip


class RulesView(ByMethodView):
    permissions = {"GET": "dashboards.view", "POST": "schedules.manage"}

    @extend_schema(operation_id="alert_rules_list", summary="The alert rules", parameters=PAGE_PARAMETERS,
                   responses={200: enveloped({"type": "array", "items": RULE})})  # fmt: skip
    def get(self, request):
        page, paging = page_of(
            request, Counted(selectors.visible_rules(request.membership).prefetch_related("channels"))
        )
        return self.answer([rules.as_json(rule) for rule in page], **paging)

    @extend_schema(operation_id="alert_rules_create", summary="Make a rule (checked as the rule form checks it)",
                   request={"application/json": RULE_REQUEST}, responses={201: enveloped(RULE)})  # fmt: skip
    def post(self, request):
        refuse_scoped_key(request)
        arguments = _rule_arguments(request)
        if arguments["condition"] not in AlertRule.Condition.values:
            raise bad_parameter("condition", f"condition is one of {', '.join(AlertRule.Condition.values)}.")
        try:
            rule = rules.rule_create(request.tenant, user=request.user, **arguments)
        except ApplicationError as problem:
            raise refusal(problem, {"hold_for": "holdFor"}) from None
        response = self.answer(rules.as_json(rule))
        response.status_code = 201
        return response


class RuleView(ByMethodView):
    permissions = {"GET": "dashboards.view", "DELETE": "schedules.manage"}

    def _rule(self, rule_id: int) -> AlertRule:
        rule = selectors.visible_rules(self.request.membership).filter(pk=rule_id).first()
        if rule is None:
            raise not_found(f"No alert rule {rule_id} in this company.")
        return rule

    @extend_schema(operation_id="alert_rules_retrieve", summary="One rule",
                   responses={200: enveloped(RULE)})  # fmt: skip
    def get(self, request, rule_id: int):
        return self.answer(rules.as_json(self._rule(rule_id)))

    @extend_schema(operation_id="alert_rules_destroy", summary="Delete a rule (its log stays)",
                   responses={200: enveloped({"type": "object"})})  # fmt: skip
    def delete(self, request, rule_id: int):
        rule = self._rule(rule_id)
        rule.delete()
        return self.answer({"deleted": rule_id})


class BacktestView(ByMethodView):
    permissions = {"GET": "schedules.manage"}

    @extend_schema(operation_id="alert_rules_backtest", request={"application/json": RULE_REQUEST},
                   summary="When this rule would have fired over the last 12 months (nothing is saved)",
                   responses={200: enveloped({"type": "object"})})  # fmt: skip
    def post(self, request):
        arguments = _rule_arguments(request)
        if arguments["condition"] not in AlertRule.Condition.values:
            raise bad_parameter("condition", f"condition is one of {', '.join(AlertRule.Condition.values)}.")
        try:
            rule = rules.rule_checked(**arguments)
        except ApplicationError as problem:
            raise refusal(problem, {"hold_for": "holdFor"}) from None
        result = backtests.backtest(rule, request.tenant)
        return self.answer({
            "sentence": result.sentence(), "evaluations": result.evaluations, "seconds": round(result.seconds, 3),
            "firings": [{"day": f.day.isoformat(), "entity": f.entity or None, "label": f.label or None,
                         "value": _text(f.value), "baseline": _text(f.baseline), "change": _text(f.change)}
                        for f in result.firings],
        })  # fmt: skip


def _text(value):
    return None if value is None else str(value)


def _state(state: AlertState) -> dict:
    return {
        "id": state.pk, "rule": state.rule_id, "ruleName": state.rule.name, "entity": state.entity or None,
        "label": state.entity_label or None, "status": state.status, "since": _when(state.since),
        "value": _text(state.value), "baseline": _text(state.baseline), "period": state.period_label,
        "snoozedUntil": _when(state.snoozed_until), "acknowledgedAt": _when(state.acknowledged_at),
        "acknowledgedBy": state.acknowledged_by_email or None,
    }  # fmt: skip


def _when(moment):
    return moment.isoformat() if moment else None


class StatesView(ByMethodView):
    permissions = {"GET": "dashboards.view"}
    export_name = "alerts"

    @extend_schema(operation_id="alerts_list", summary="What is firing or pending now", parameters=PAGE_PARAMETERS,
                   responses={200: enveloped({"type": "array", "items": {"type": "object"}})})  # fmt: skip
    def get(self, request):
        found = (
            selectors.visible_states(request.membership)
            .exclude(status=AlertState.Status.OK)
            .select_related("rule")
            .order_by("-since")
        )
        page, paging = page_of(request, Counted(found))
        return self.answer([_state(state) for state in page], **paging)


class StateActionView(ByMethodView):
    """Acknowledge (anyone who sees the dashboards: it records who looked) or snooze (schedules.manage: it
    silences the rule for that entity)."""

    permissions = {"GET": "dashboards.view"}

    def _state(self, state_id: int) -> AlertState:
        state = selectors.visible_states(self.request.membership).select_related("rule").filter(pk=state_id).first()
        if state is None:
            raise not_found(f"No alert {state_id} in this company.")
        return state

    @property
    def required_permission(self) -> str:
        return "schedules.manage" if self.kwargs.get("action") == "snooze" else "dashboards.view"

    @extend_schema(operation_id="alerts_act", summary="Acknowledge an alert, or snooze it until a date",
                   request={"application/json": {"type": "object", "properties": {"until": {"type": "string",
                            "format": "date"}}}}, responses={200: enveloped({"type": "object"})})  # fmt: skip
    def post(self, request, state_id: int, action: str):
        state = self._state(state_id)
        if action == "acknowledge":
            states.acknowledge(state, email=getattr(request.user, "email", "") or "")
        elif action == "snooze":
            until = _day(request.data.get("until") if hasattr(request.data, "get") else None)
            moment = timezone.make_aware(datetime.combine(until, time.min))
            states.snooze(state, moment)
        else:
            raise not_found("Acknowledge or snooze.")
        return self.answer(_state(state))


def _day(text) -> date:
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        raise bad_parameter("until", "until is a date like 2025-12-31.") from None
    if day <= timezone.localdate():
        raise bad_parameter("until", "until is a day after today.")
    return day


def _event(event: AlertEvent) -> dict:
    return {
        "id": event.pk, "at": _when(event.at), "rule": event.rule_id, "ruleName": event.rule_name,
        "entity": event.entity or None, "label": event.entity_label or None, "kind": event.kind,
        "from": event.from_status or None, "to": event.to_status or None, "channel": event.channel_kind or None,
        "target": event.target or None, "result": event.result, "attempts": event.attempts,
        "error": event.error or None, "message": event.message or None,
    }  # fmt: skip


class EventsView(ByMethodView):
    permissions = {"GET": "dashboards.view"}
    export_name = "alert_log"

    @extend_schema(
        operation_id="alert_events_list", summary="The alert log: state changes, notifications, delivery attempts",
        parameters=[*PAGE_PARAMETERS, OpenApiParameter("rule", int), OpenApiParameter("entity", str),
                    OpenApiParameter("kind", str, enum=list(AlertEvent.Kind.values)),
                    OpenApiParameter("channel", str), OpenApiParameter("from", date), OpenApiParameter("to", date),
                    FORMAT_PARAMETER],
        responses={200: enveloped({"type": "array", "items": {"type": "object"}})},
    )  # fmt: skip
    def get(self, request):
        found = selectors.visible_events(request.membership)
        params = request.query_params
        if params.get("rule"):
            if not params["rule"].isdigit():
                raise bad_parameter("rule", "rule is a rule's id.")
            found = found.filter(rule_id=int(params["rule"]))
        if params.get("entity"):
            found = found.filter(entity_label__icontains=params["entity"])
        if params.get("kind"):
            if params["kind"] not in AlertEvent.Kind.values:
                raise bad_parameter("kind", f"kind is one of {', '.join(AlertEvent.Kind.values)}.")
            found = found.filter(kind=params["kind"])
        if params.get("channel"):
            found = found.filter(channel_kind=params["channel"])
        for name, lookup in (("from", "at__date__gte"), ("to", "at__date__lte")):
            if params.get(name):
                try:
                    found = found.filter(**{lookup: date.fromisoformat(params[name])})
                except ValueError:
                    raise bad_parameter(name, f"{name} is a date like 2025-12-31.") from None
        page, paging = page_of(request, Counted(found))
        return self.answer([_event(event) for event in page], **paging)


urlpatterns = [
    path("alert-rules/", RulesView.as_view(), name="api_alert_rules"),
    path("alert-rules/backtest/", BacktestView.as_view(), name="api_alert_backtest"),
    path("alert-rules/<int:rule_id>/", RuleView.as_view(), name="api_alert_rule"),
    path("alerts/", StatesView.as_view(), name="api_alerts"),
    path("alerts/<int:state_id>/<str:action>/", StateActionView.as_view(), name="api_alert_action"),
    path("alert-events/", EventsView.as_view(), name="api_alert_events"),
]
