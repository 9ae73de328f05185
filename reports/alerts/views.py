"""The alerts pages: the rules and what fires now (snooze, acknowledge), the rule form with its backtest, and the
alert log with its CSV.

Who may do what: anyone who sees the dashboards sees the rules and the log, and may acknowledge a firing alert
(it only records who has seen it; no one is told less). Creating, changing and deleting rules, trying one and
snoozing an entity need `schedules.manage`: a snooze silences the alert for everyone it is sent to, as changing
the rule would. The log's CSV is a download of company figures, so it asks `data.export` as the dashboards' do.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analytics.reading import table_csv
from elettro.kernel.errors import ApplicationError
from tenants.audit import Action, audit_record
from tenants.permissions import has_permission, require_permission

from ..models import AlertState
from . import backtest as backtests
from . import rule_changes, rules, selectors, states
from .forms import LogFilterForm, RuleForm, SnoozeForm

LOG_PAGE_SIZE = 100
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
_ACCOUNT_PROBLEMS = ("plan_limit", "read_only")  # said above the form, with the upgrade link (see base.html)


def _today(request: HttpRequest):
    return timezone.localtime(timezone=request.tenant.zone).date()


@require_GET
@require_permission("dashboards.view")
def rules_page(request: HttpRequest) -> HttpResponse:
    tomorrow = _today(request) + timedelta(days=1)
    return render(
        request,
        "reports/alerts/rules.html",
        {
            "items": selectors.rule_rows(request.tenant.currency, viewer=request.membership),
            "tomorrow": tomorrow,
            "now": timezone.now(),
        },
    )


@require_http_methods(["GET", "POST"])
@require_permission("schedules.manage")
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    rules_seen = selectors.visible_rules(request.membership).prefetch_related("channels")
    rule = get_object_or_404(rules_seen, pk=rule_id) if rule_id else None
    form = RuleForm(request.POST if request.method == "POST" else None, rule=rule)
    if request.method == "POST" and form.is_valid():
        arguments = form.rule_arguments()
        try:
            if rule is None:
                saved = rules.rule_create(request.tenant, user=request.user, **arguments)
            else:
                saved = rule_changes.rule_update(rule, request.tenant, user=request.user, **arguments)
        except ApplicationError as problem:
            if problem.code in _ACCOUNT_PROBLEMS:
                messages.error(request, problem.message, extra_tags=problem.code)
            else:
                form.add_problem(problem)
        else:
            messages.success(request, f"Alert rule “{saved.name}” saved.")
            return redirect("alerts")
    context = {"form": form, "rule": rule, "secrets": selectors.webhook_secrets(rule) if rule else []}
    return render(request, "reports/alerts/rule_form.html", context, status=400 if request.method == "POST" else 200)


@require_POST
@require_permission("schedules.manage")
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(selectors.visible_rules(request.membership), pk=rule_id)
    name = rule.name
    rule_changes.rule_delete(rule)
    messages.success(request, f"Alert rule “{name}” deleted. Its log is kept.")
    return redirect("alerts")


@require_POST
@require_permission("schedules.manage")
def backtest(request: HttpRequest) -> HttpResponse:
    """The rule form's "Try it": the rule as typed, checked as saving would check it, over the last 12 months,
    saved nowhere. Answers the fragment static/js/alerts.js puts under the form."""
    form = RuleForm(request.POST)
    context = {"form": form}
    if form.is_valid():
        # Channels change who is told, not when it fires: a half-typed address must not stop a try.
        arguments = form.rule_arguments() | {"channels": []}
        try:
            rule, _ = rule_changes.rule_checked(request.tenant, **arguments)
        except ApplicationError as problem:
            form.add_problem(problem)
        else:
            result = backtests.backtest(rule, request.tenant)
            context |= {"rule": rule, "result": result,
                        "rows": selectors.firing_rows(rule, result.firings, request.tenant.currency)}  # fmt: skip
    return render(request, "reports/alerts/_backtest.html", context, status=200 if "result" in context else 400)


@require_POST
@require_permission("schedules.manage")
def snooze(request: HttpRequest, state_id: int) -> HttpResponse:
    state = _state_of(request, state_id)
    form = SnoozeForm(request.POST, today=_today(request))
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("until", ["Choose a day to snooze until."])))
        return redirect("alerts")
    day = form.cleaned_data["until"]
    # Until the start of that day where the company is: "until Friday" means Friday's alerts are told again.
    states.snooze(state, datetime.combine(day, time.min, tzinfo=request.tenant.zone))
    messages.success(request, f"{_who(state)} in “{state.rule.name}” is snoozed until {day:%-d %b %Y}.")
    return redirect("alerts")


@require_POST
@require_permission("dashboards.view")
def acknowledge(request: HttpRequest, state_id: int) -> HttpResponse:
    state = _state_of(request, state_id)
    states.acknowledge(state, email=request.user.email)
    messages.success(request, f"{_who(state)} in “{state.rule.name}” is acknowledged by {request.user.email}.")
    return redirect("alerts")


def _state_of(request: HttpRequest, state_id: int) -> AlertState:
    """A rule's state the requester may see (a scoped member: their own rules'), else 404."""
    return get_object_or_404(selectors.visible_states(request.membership).select_related("rule"), pk=state_id)


def _who(state: AlertState) -> str:
    return state.entity_label or state.entity or "The company"


@require_GET
@require_permission("dashboards.view")
def log(request: HttpRequest) -> HttpResponse:
    zone = request.tenant.zone
    form = LogFilterForm(request.GET or None, rules=selectors.visible_rules(request.membership).order_by("name", "pk"))
    if form.is_bound and not form.is_valid():
        return render(request, "reports/alerts/log.html", {"form": form, "events": None}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    filters = selectors.LogFilters(
        rule=data.get("rule"), entity=(data.get("entity") or "").strip(), channel=data.get("channel") or "",
        kind=data.get("kind") or "", start=data.get("from"), end=data.get("to"),
    )  # fmt: skip
    found = selectors.events(filters, zone, viewer=request.membership)
    if request.GET.get("format") == "csv":
        return _log_csv(request, found, zone)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "reports/alerts/log.html",
        {"form": form, "events": Paginator(found, LOG_PAGE_SIZE).get_page(request.GET.get("page")),
         "query": query.urlencode(), "filtered": any(value for value in data.values())},
    )  # fmt: skip


def _log_csv(request: HttpRequest, found, zone) -> HttpResponse:
    if not has_permission(request, "data.export"):
        return render(request, "tenants/forbidden.html", {"permission": "data.export"}, status=403)
    table = selectors.log_table(found, zone)
    audit_record(Action.EXPORT, f"Downloaded the alert log as CSV ({len(table.rows)} rows)",
                 query=request.GET.urlencode()[:500], rows=len(table.rows))  # fmt: skip
    response = HttpResponse(table_csv(table), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{request.tenant.schema_name}-alert-log.csv"'
    return response
