"""The pages a dashboard drills into: a customer, a product, the invoice list and the header's search."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from tenants.permissions import require_permission

from .. import charts
from ..dashboard import dashboard_for
from ..periods import PRESETS
from . import invoices as invoice_list
from .common import customer_url
from .customer import customer_page
from .product import product_page
from .search import search as run_search


def _figures(figure: dict | None, key: str) -> str:
    figures = [{"id": f"chart-{key}", "figure": figure}] if figure else []
    return mark_safe(charts.figures_json(figures))  # noqa: S308 (escaped for <script>)


@require_permission("dashboards.view")
def customer_detail(request: HttpRequest, key: str) -> HttpResponse:
    dashboard = dashboard_for(request.tenant, request.GET)
    found = customer_page(key, dashboard)
    if found is None:
        raise Http404("No such customer.")
    return render(
        request,
        "analytics/detail/customer.html",
        {
            "found": found,
            "customer": found.customer,
            "selection": dashboard.selection,
            "currency": dashboard.currency,
            "figures_json": _figures(found.figure, "history"),
            "product_links": {"column": 0, "hrefs": found.product_links},
            "presets": PRESETS,
        },
    )


@require_permission("dashboards.view")
def product_detail(request: HttpRequest, key: str) -> HttpResponse:
    dashboard = dashboard_for(request.tenant, request.GET)
    found = product_page(key, dashboard)
    if found is None:
        raise Http404("No such product.")
    return render(
        request,
        "analytics/detail/product.html",
        {
            "found": found,
            "selection": dashboard.selection,
            "currency": dashboard.currency,
            "figures_json": _figures(found.figure, "history"),
            "customer_links": {"column": 0, "hrefs": found.customer_links},
            "presets": PRESETS,
        },
    )


@require_permission("dashboards.view")
def invoices(request: HttpRequest) -> HttpResponse:
    search = invoice_list.search_from_query(request.GET)
    page = invoice_list.invoice_page(search, invoice_list.PAGE_SIZE)
    for row in page.rows:
        row["customer_url"] = customer_url(row["customer_key"]) if row["known_customer"] else ""
    return render(
        request,
        "analytics/detail/invoices.html",
        {
            "page": page,
            "search": search,
            "page_size": invoice_list.PAGE_SIZE,
            "currency": request.tenant.currency or "INR",
        },
        status=400 if search.errors else 200,
    )


@require_permission("dashboards.view")
def search(request: HttpRequest) -> HttpResponse:
    results = run_search(request.GET.get("q", ""))
    return render(
        request,
        "analytics/detail/search.html",
        {"results": results, "currency": request.tenant.currency or "INR"},
        status=400 if results.too_long else 200,
    )
