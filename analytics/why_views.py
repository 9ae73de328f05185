"""The "why did it change" page: a KPI's change between two periods, split into what drove it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from tenants.permissions import require_permission

from . import catalogue, charts, why
from .dashboard import dashboard_for


@require_permission("dashboards.view")
def why_page(request: HttpRequest) -> HttpResponse:
    dashboard = dashboard_for(request.tenant, request.GET)
    currency = dashboard.currency
    context = {
        "dashboard": dashboard,
        "selection": dashboard.selection,
        "currency": currency,
        "measures": {key: catalogue.MEASURES[key].label for key in catalogue.OVERVIEW_CARDS},
        "comparisons": catalogue.COMPARISONS,
        "figures_json": mark_safe("[]"),
    }
    scope = dashboard.scope
    try:
        measure = why.measure_from(request.GET.get("measure") or "revenue")
        if scope is None:
            return render(request, "analytics/why.html", context)
        before = why.compared_with(scope.period, request.GET)
    except why.ChangeError as error:
        return render(request, "analytics/why.html", {**context, "error": error.message}, status=400)
    change = why.explain(scope, before, measure.key)
    shown = request.GET.get("split") or ""
    split = change.split(shown) or (change.splits[0] if change.splits else None)
    figures = []
    if split is not None:
        figure = charts.waterfall(
            (why.span(change.before_period), change.before),
            [(part.label, part.change) for part in split.parts],
            (why.span(change.period), change.now),
            currency=currency if measure.unit == "money" else None,
        )
        figures.append({"id": "chart-waterfall", "figure": figure})
    # The comparison the request asked for, carried by the split tabs; none asked is the period before, worked
    # out afresh from whatever period the form sends next.
    asked = {key: request.GET[key] for key in ("compare", "vs_from", "vs_to") if request.GET.get(key)}
    context.update(
        split_links=[
            (s, "?" + dashboard.selection.query(measure=measure.key, split=s.key, **asked)) for s in change.splits
        ],
        asked=asked,
        measure=measure,
        change=change,
        sentence=why.sentence(change, currency),
        now_label=why.span(change.period),
        before_label=why.span(change.before_period),
        split=split,
        figures_json=mark_safe(charts.figures_json(figures)),  # noqa: S308 (escaped for <script>)
    )
    return render(request, "analytics/why.html", context)
