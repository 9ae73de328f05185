"""Dashboard pages. The overview is the company host's home page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.permissions import require_permission

from . import selectors


@require_permission("dashboards.view")
def overview(request: HttpRequest) -> HttpResponse:
    period = selectors.latest_twelve_months()
    figures = selectors.kpis(date_from=period[0], date_to=period[1]) if period else None
    return render(request, "analytics/overview.html", {"period": period, "figures": figures})
