"""The dashboards' Refresh button and the small status an open page polls to know its figures changed."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tenants.permissions import has_permission, require_permission

from .freshness import figures_freshness, rollups_behind, rollups_refresh_request


@never_cache
@require_GET
@require_permission("dashboards.view")
def version(request: HttpRequest) -> JsonResponse:
    """{version, stamp, refreshed_at, label, refreshing}: one row read, cheap enough to poll."""
    return JsonResponse(figures_freshness(request.tenant).as_json())


@require_POST
@require_permission("dashboards.view")
def refresh(request: HttpRequest) -> HttpResponse:
    """Re-read the figures: back to the page the button was on (its filters kept), which reads them afresh. When
    the rollups are behind, someone who may upload also queues their rebuild."""
    message = _refresh_message(request)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"message": message, **figures_freshness(request.tenant).as_json()})
    messages.info(request, message)
    return redirect(_back(request))


def _refresh_message(request: HttpRequest) -> str:
    freshness = figures_freshness(request.tenant)
    if freshness.refreshing:
        return "The figures are being refreshed; this page updates when they are."
    if not has_permission(request, "uploads.create"):
        return "Figures re-read."
    behind = rollups_behind()
    if not behind:
        return "Figures re-read: they hold every loaded sale."
    if rollups_refresh_request():
        return f"Refreshing the figures ({behind}); this page updates when they are ready."
    return f"Figures re-read. A refresh was asked for a few minutes ago; it will catch up ({behind})."


def _back(request: HttpRequest) -> str:
    """The page the button was on, with its query (filters); home for anything that is not this host's path."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"
