"""The seed systems' API addresses, as thin aliases of /api/v1/: each rewrites the parameters it was published
with into v1's and calls the v1 view, so the figures, auth, roles, envelope and errors are v1's own.

| seed address | answers as |
|---|---|
| GET /api/kpis | /api/v1/kpis/ |
| GET /api/sales-over-time?period=monthly\\|quarterly\\|yearly | /api/v1/series/?grain=month\\|quarter\\|fiscal_year |
| GET /api/sales-by-category | /api/v1/breakdowns/product_line/ |
| GET /api/sales-by-country | /api/v1/breakdowns/country/ |
| GET /api/top-customers?limit=N | /api/v1/customers/?limit=N (10 by default) |
| GET /api/monthly-trends | /api/v1/series/?grain=month |
| POST /api/data-refresh, POST /api/refresh | /api/v1/refresh/ |
| GET /api/summary | /api/v1/operations/ |
| GET /api/department/<name> | /api/v1/departments/<name>/ |
| GET /api/download/excel | every department's records, one sheet each, as XLSX |
| GET /api/download/<name>_csv | /api/v1/departments/<name>/records/?format=csv, every row |
| GET /api/health | /api/v1/health/ |

`startDate`, `endDate`, `branch` and `productLine` are accepted wherever the seed used them (v1 reads them
everywhere).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from analytics import api as analytics_api

from .errors import bad_parameter
from .paging import MAX_PAGE_SIZE
from .renderers import XLSXRenderer, workbook
from .status import HealthView

_PERIODS = {"monthly": "month", "quarterly": "quarter", "yearly": "fiscal_year"}


def _alias(view_class, *, fixed: dict | None = None, defaults: dict | None = None, rewrite=None, **view_kwargs):
    """A view that answers as `view_class` with its query rewritten: `fixed` values set, `defaults` filled in when
    absent, and `rewrite(query)` for anything else (it may raise an ApiError, answered in the envelope)."""
    v1 = view_class.as_view()

    def view(request, **kwargs):
        query = request.GET.copy()
        for name, value in (defaults or {}).items():
            query.setdefault(name, value)
        for name, value in (fixed or {}).items():
            query[name] = value
        if rewrite is not None:
            problem = rewrite(query)
            if problem is not None:
                return _refusal(request, problem)
        request.GET = query
        return v1(request, **kwargs, **view_kwargs)

    view.csrf_exempt = True  # as the v1 view it calls: DRF checks CSRF for sessions itself
    return view


def _refusal(request, error):
    """An ApiError raised before the v1 view, answered by a v1 view so it comes in the envelope."""

    class Refuse(analytics_api.ApiView):
        def get(self, request, *args, **kwargs):
            raise error

        post = get

    return Refuse.as_view()(request)


def _period_to_grain(query):
    period = query.pop("period", ["monthly"])[-1] or "monthly"
    if period not in _PERIODS:
        return bad_parameter("period", f"Unknown period {period!r}: use monthly, quarterly or yearly.")
    query["grain"] = _PERIODS[period]
    return None


def _every_row(query):
    query["limit"] = str(MAX_PAGE_SIZE)
    return None


def _download(request, what: str):
    if what == "excel":
        return DownloadAll.as_view()(request)
    department = what.removesuffix("_csv")
    if what.endswith("_csv") and department in analytics_api.DEPARTMENTS:
        return _alias(analytics_api.DepartmentRecordsView, fixed={"format": "csv"}, rewrite=_every_row)(
            request, department=department
        )
    names = ", ".join(["excel", *(f"{name}_csv" for name in analytics_api.DEPARTMENTS)])
    return _refusal(request, bad_parameter("what", f"Unknown download {what!r}: use one of {names}."))


class DownloadAll(analytics_api.ApiView):
    """Every department's records in one workbook, a sheet each, as the ERP dashboard's Excel download gave."""

    required_permission = "data.export"

    def get(self, request):
        sheets = {kind: analytics_api.department_records(request, spec)[1]
                  for kind, spec in analytics_api.DEPARTMENTS.items()}  # fmt: skip
        response = HttpResponse(workbook(sheets), content_type=XLSXRenderer.media_type)
        response["Content-Disposition"] = 'attachment; filename="operations.xlsx"'
        return response


urlpatterns = [
    path("kpis", _alias(analytics_api.KpisView), name="seed_kpis"),
    path("sales-over-time", _alias(analytics_api.SeriesView, rewrite=_period_to_grain), name="seed_sales_over_time"),
    path(
        "sales-by-category",
        _alias(analytics_api.BreakdownView, dimension="product_line"),
        name="seed_sales_by_category",
    ),
    path("sales-by-country", _alias(analytics_api.BreakdownView, dimension="country"), name="seed_sales_by_country"),
    path("top-customers", _alias(analytics_api.CustomersView, defaults={"limit": "10"}), name="seed_top_customers"),
    path("monthly-trends", _alias(analytics_api.SeriesView, fixed={"grain": "month"}), name="seed_monthly_trends"),
    path("data-refresh", _alias(analytics_api.RefreshView), name="seed_data_refresh"),
    path("refresh", _alias(analytics_api.RefreshView), name="seed_refresh"),
    path("summary", _alias(analytics_api.OperationsView), name="seed_summary"),
    path("department/<str:department>", _alias(analytics_api.DepartmentView), name="seed_department"),
    path("download/<str:what>", _download, name="seed_download"),
    path("health", _alias(HealthView), name="seed_health"),
]
