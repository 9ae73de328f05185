"""Dashboard pages. The overview is the company host's home page; every page shares the filter bar."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from ingestion.selectors import figure_notes
from tenants.audit import Action, audit_record
from tenants.permissions import has_permission, require_permission

from . import charts
from .dashboard import dashboard_for
from .detail.drill import chart_links, drill_links
from .exports import download_response
from .filters import DIMENSIONS, LABELS
from .models import DimensionValue
from .pages import PAGES
from .periods import PRESETS


@require_permission("dashboards.view")
def page(request: HttpRequest, name: str = "overview") -> HttpResponse:
    if name not in PAGES:
        raise Http404("No such dashboard page.")
    _title, build = PAGES[name]
    dashboard = dashboard_for(request.tenant, request.GET)
    built = build(dashboard)
    if "download" in request.GET:
        return _download(request, dashboard, built, name)
    figures = [{"id": f"chart-{panel.key}", "figure": panel.figure} for panel in built.panels if panel.shows_chart]
    filters = filter_choices(dashboard.selection.filters)
    # Where a bar or a table row leads: the page filtered to it, or a customer's or product's own page.
    drill = drill_links(built, dashboard.selection, {f["name"]: f["values"] for f in filters}, request.path)
    return render(
        request,
        "analytics/page.html",
        {
            "page": built,
            "pages": [(key, label) for key, (label, _) in PAGES.items()],
            "dashboard": dashboard,
            "selection": dashboard.selection,
            "currency": dashboard.currency,
            "presets": PRESETS,
            "filters": filters,
            "drill": drill,
            "drill_json": mark_safe(charts.figures_json(chart_links(built, drill))),  # noqa: S308 (escaped)
            "clear_query": dashboard.selection.query(**dict.fromkeys(DIMENSIONS)),
            "figures_json": mark_safe(charts.figures_json(figures)),  # noqa: S308 (escaped for <script>)
            "figure_notes": figure_notes(),
        },
    )


def _download(request, dashboard, built, name: str) -> HttpResponse:
    if not has_permission(request, "data.export"):
        return render(request, "tenants/forbidden.html", {"permission": "data.export"}, status=403)
    panel = built.panel(request.GET.get("download", ""))
    fmt = request.GET.get("format", "csv")
    if panel is None or fmt not in ("csv", "xlsx"):
        raise Http404("No such table on this page.")
    period = dashboard.selection.period
    stem = f"{request.tenant.schema_name}-{name}-{panel.key}" + (
        f"-{period.start:%Y%m%d}-{period.end:%Y%m%d}" if period else ""
    )
    audit_record(Action.EXPORT, f"Downloaded “{panel.title}” from {name} ({fmt.upper()})", page=name,
                 panel=panel.key, format=fmt, query=request.GET.urlencode()[:500])  # fmt: skip
    return download_response(panel.table, fmt, stem, currency=dashboard.currency)


def filter_choices(filters) -> list[dict]:
    """The filter bar's choices: each dimension's values, biggest first, and the one chosen (kept even when the data
    no longer has it). Every page with the filter bar uses it."""
    values: dict[str, list[str]] = {name: [] for name in DIMENSIONS}
    for dimension, value in DimensionValue.objects.order_by("dimension", "-revenue", "value").values_list(
        "dimension", "value"
    ):
        if filters.allows(dimension, value):  # a scoped member is offered only the values of their scope
            values.setdefault(dimension, []).append(value)
    chosen = dict(filters.items())
    return [
        {"name": name, "label": LABELS[name], "values": values[name], "chosen": chosen.get(name, "")}
        for name in DIMENSIONS
        if values[name] or chosen.get(name)
    ]
