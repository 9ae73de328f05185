"""The figures' API, on analytics.catalogue through analytics.queries: KPIs with their comparisons, series by
grain, breakdowns by any dimension, customers and products. A measure or dimension added to the catalogue is here
with no code of its own.

Every read takes the pages' filters (`preset` or `from`/`to`, `branch`, `product_line`, `state`, `country`,
`salesperson`, `segment`; the seed systems' `startDate`, `endDate` and `productLine` too). A filter value the data
doesn't have gives an empty answer; a malformed one a 400 naming the parameter.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal

from django.db import connection
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema

from elettro.api.errors import bad_parameter
from elettro.api.paging import DEFAULT_PAGE_SIZE, MAX_OFFSET, MAX_PAGE_SIZE, page_of, whole_number
from elettro.api.schema import FORMAT_PARAMETER, PAGE_PARAMETERS, enveloped
from elettro.api.views import ApiView

from . import catalogue, operations, queries
from .dashboard import Dashboard, dashboard_for
from .filters import DIMENSIONS as FILTERS
from .filters import EARLIEST, LATEST
from .periods import PRESETS

# The seed systems' names for the pages' parameters.
ALIASES = {"startDate": "from", "endDate": "to", "productLine": "product_line"}
GRAINS = tuple(key for key, dimension in catalogue.DIMENSIONS.items() if dimension.kind == "time")

# ---------------------------------------------------------------- reading the parameters


def selection(request) -> Dashboard:
    """The period and filters a call asks for, checked: each malformed value is a 400 naming its parameter."""
    query = {}
    for name, value in request.query_params.items():
        canonical = ALIASES.get(name, name)
        if canonical != name and canonical in request.query_params:
            continue  # the pages' own name wins over the seed's
        query[canonical] = value
        if canonical in ("from", "to") and value:
            _day(name, value)
    start, end = query.get("from"), query.get("to")
    if start and end and date.fromisoformat(end) < date.fromisoformat(start):
        name = "to" if "to" in request.query_params else "endDate"
        raise bad_parameter(name, f"The end date {end} is before the start date {start}.")
    preset = query.get("preset")
    if preset and preset not in PRESETS:
        raise bad_parameter("preset", f"Unknown preset {preset!r}: use one of {', '.join(PRESETS)}.")
    return dashboard_for(connection.tenant, query)


def _day(name: str, value: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise bad_parameter(name, f"{name} must be a date like 2025-04-01, not {value[:40]!r}.") from None
    if not EARLIEST <= day <= LATEST:
        raise bad_parameter(name, f"{name} must fall between {EARLIEST.year} and {LATEST.year}.")
    return day


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def measures(request, dimension: str | None = None) -> tuple[str, ...]:
    """`measures=revenue,orders` (catalogue keys, or the same in camelCase); the defaults for the dimension when
    absent."""
    names = [
        _CAMEL.sub("_", name.strip()).lower()
        for value in request.query_params.getlist("measures")
        for name in value.split(",")
        if name.strip()
    ]
    if not names and dimension is not None:
        return queries.default_measures(dimension)
    return _asked(queries.measures_from, names)


def _asked(read, *args, **kwargs):
    try:
        return read(*args, **kwargs)
    except queries.QuestionError as error:
        raise bad_parameter(error.parameter, error.message) from None


def _sort(request, keys) -> tuple[str | None, bool]:
    """`sort=revenue` (a measure asked for), biggest first unless `order=asc`."""
    sort = request.query_params.get("sort") or None
    if sort is not None:
        sort = _CAMEL.sub("_", sort.strip()).lower()
    order = request.query_params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise bad_parameter("order", "order is asc or desc.")
    return sort, order == "desc"


def _period(period) -> dict | None:
    return None if period is None else {"from": period.start.isoformat(), "to": period.end.isoformat()}


def _context(d: Dashboard) -> dict:
    return {"period": _period(d.selection.period), "currency": d.currency, "filters": dict(d.selection.filters.items())}


def _row(row: queries.Row, keys, time: bool) -> dict:
    if time:
        head = {"period": row.value.isoformat(), "end": row.end.isoformat() if row.end else None, "label": row.label}
    else:
        head = {"value": row.value, "label": row.label}
    return head | {key: catalogue.printed(key, row.values[key]) for key in keys}


# ---------------------------------------------------------------- the schema, from the catalogue

_FILTER_PARAMETERS = [
    OpenApiParameter("preset", str, enum=list(PRESETS), description="a named period; wins over from/to"),
    OpenApiParameter("from", date, description="first day, YYYY-MM-DD (alias startDate)"),
    OpenApiParameter("to", date, description="last day, YYYY-MM-DD (alias endDate)"),
    *[OpenApiParameter(name, str, description=f"only this {name.replace('_', ' ')}") for name in FILTERS],
    OpenApiParameter("startDate", date, description="the seed systems' name for from"),
    OpenApiParameter("endDate", date, description="the seed systems' name for to"),
    OpenApiParameter("productLine", str, description="the seed systems' name for product_line"),
]
_MEASURES_PARAMETER = OpenApiParameter(
    "measures", str, description=f"comma-separated, of: {', '.join(catalogue.MEASURES)} (default "
    f"{','.join(queries.DEFAULT_MEASURES)})",
)  # fmt: skip
_LIST_PARAMETERS = [
    *PAGE_PARAMETERS,
    FORMAT_PARAMETER,
]
_SORT_PARAMETERS = [
    OpenApiParameter("sort", str, description="a measure asked for (default the first)"),
    OpenApiParameter("order", str, enum=["desc", "asc"], description="desc (default) or asc"),
]


def _value_schema(key: str) -> dict:
    measure = catalogue.MEASURES[key]
    integer = measure.combine == "distinct" or (
        measure.combine == "sum" and all(catalogue.SUM_OF[name].integer for name in measure.reads)
    )
    kind = {"type": "integer"} if integer else {"type": "string", "format": "decimal"}
    return {**kind, "nullable": True, "description": f"{measure.label} ({measure.unit}): {measure.note}".strip(": ")}


_MEASURE_PROPERTIES = {key: _value_schema(key) for key in catalogue.MEASURES}
_PERIOD = {
    "type": "object",
    "nullable": True,
    "properties": {"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}},
}
_KPI = {
    "type": "object",
    "properties": {
        "measure": {"type": "string", "enum": list(catalogue.MEASURES)},
        "label": {"type": "string"},
        "unit": {"type": "string", "enum": ["money", "number", "percent"]},
        "value": {"nullable": True, "oneOf": [{"type": "string"}, {"type": "integer"}]},
        "previous": {"nullable": True, "oneOf": [{"type": "string"}, {"type": "integer"}]},
        "yearAgo": {"nullable": True, "oneOf": [{"type": "string"}, {"type": "integer"}]},
        "changeVsPrevious": {"type": "string", "nullable": True, "description": "a fraction: 0.1 is +10%"},
        "changeVsYearAgo": {"type": "string", "nullable": True},
    },
    "required": ["measure", "label", "unit", "value"],
}
_CATEGORY_ROW = {
    "type": "object",
    "properties": {"value": {"type": "string", "nullable": True}, "label": {"type": "string"}, **_MEASURE_PROPERTIES},
    "required": ["value", "label"],
}
_TIME_ROW = {
    "type": "object",
    "properties": {
        "period": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date", "nullable": True},
        "label": {"type": "string"},
        **_MEASURE_PROPERTIES,
    },
    "required": ["period", "label"],
}


# ---------------------------------------------------------------- the endpoints


class KpisView(ApiView):
    export_name = "kpis"

    @extend_schema(
        summary="Headline figures, against the previous period and the same period a year ago",
        parameters=[*_FILTER_PARAMETERS, _MEASURES_PARAMETER],
        responses={200: enveloped({"type": "array", "items": _KPI})},
    )
    def get(self, request):
        d = selection(request)
        rows, comparisons = kpi_rows(d, measures(request))
        return self.answer(rows, **_context(d), comparisons=comparisons)


def kpi_rows(d: Dashboard, keys: tuple[str, ...]) -> tuple[list[dict], dict]:
    """Each measure against the periods of catalogue.COMPARISONS, as REST and GraphQL give them; and those
    periods."""
    found = queries.compared(d.scope, keys)
    previous = found.comparisons.get("previous", (None, {}))
    year_ago = found.comparisons.get("year_ago", (None, {}))
    rows = []
    for key in keys:
        measure = catalogue.MEASURES[key]
        now, before, then = found.values[key], previous[1].get(key), year_ago[1].get(key)
        rows.append({
            "measure": key, "label": measure.label, "unit": measure.unit,
            "value": catalogue.printed(key, now), "previous": catalogue.printed(key, before),
            "yearAgo": catalogue.printed(key, then),
            "changeVsPrevious": change(now, before), "changeVsYearAgo": change(now, then),
        })  # fmt: skip
    return rows, {"previous": _period(previous[0]), "yearAgo": _period(year_ago[0])}


def change(now, then) -> str | None:
    """The change from `then` to `now` as a fraction with four places (0.1 is +10%); none from nothing."""
    if now is None or then is None or not then:
        return None
    now, then = Decimal(now), Decimal(then)
    return f"{((now - then) / abs(then)).quantize(catalogue.FOUR_PLACES)}"


class SeriesView(ApiView):
    export_name = "series"

    @extend_schema(
        summary="Measures for each day, week, month, fiscal quarter or fiscal year of the period",
        parameters=[
            OpenApiParameter("grain", str, enum=list(GRAINS), description="default month"),
            *_FILTER_PARAMETERS,
            _MEASURES_PARAMETER,
            *_LIST_PARAMETERS,
        ],
        responses={200: enveloped({"type": "array", "items": _TIME_ROW})},
    )
    def get(self, request):
        grain = request.query_params.get("grain") or "month"
        if grain not in GRAINS:
            raise bad_parameter("grain", f"Unknown grain {grain!r}: use one of {', '.join(GRAINS)}.")
        d, keys = selection(request), measures(request)
        rows = _asked(queries.by_dimension, d.scope, grain, keys, fiscal_start_month=d.fiscal_start)
        page, paging = page_of(request, [_row(row, keys, True) for row in rows], default=MAX_PAGE_SIZE)
        return self.answer(page, **_context(d), grain=grain, **paging)


class BreakdownView(ApiView):
    export_name = "breakdown"

    @extend_schema(
        summary="Measures for each value of a dimension, biggest first",
        parameters=[
            OpenApiParameter("dimension", str, location=OpenApiParameter.PATH, enum=list(catalogue.DIMENSIONS)),
            OpenApiParameter("top", int, description=f"the first N values (same as limit), 1 to {MAX_PAGE_SIZE}"),
            *_FILTER_PARAMETERS,
            _MEASURES_PARAMETER,
            *_SORT_PARAMETERS,
            *_LIST_PARAMETERS,
        ],
        responses={200: enveloped({"type": "array", "items": {"oneOf": [_CATEGORY_ROW, _TIME_ROW]}})},
    )
    def get(self, request, dimension: str):
        return self._breakdown(request, dimension)

    def _breakdown(self, request, dimension: str):
        found = _asked(queries.dimension_from, dimension)
        d, keys = selection(request), measures(request, found.key)
        sort, descending = _sort(request, keys)
        top = whole_number(request, "top", default=None, low=1, high=MAX_PAGE_SIZE)
        page_end = whole_number(request, "offset", default=0, low=0, high=MAX_OFFSET) + whole_number(
            request, "limit", default=DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE
        )
        rows = _asked(queries.by_dimension, d.scope, found.key, keys, sort=sort, descending=descending, top=top,
                      named=page_end, fiscal_start_month=d.fiscal_start)  # fmt: skip
        page, paging = page_of(request, [_row(row, keys, found.kind == "time") for row in rows])
        return self.answer(page, **_context(d), dimension=found.key, **paging)


class _DimensionList(BreakdownView):
    dimension = ""

    def get(self, request):
        return self._breakdown(request, self.dimension)


@extend_schema(
    summary="Customers with their measures in the period, biggest first",
    parameters=[*_FILTER_PARAMETERS, _MEASURES_PARAMETER, *_SORT_PARAMETERS, *_LIST_PARAMETERS],
    responses={200: enveloped({"type": "array", "items": _CATEGORY_ROW})},
)
class CustomersView(_DimensionList):
    dimension, export_name = "customer", "customers"


@extend_schema(
    summary="Products with their measures in the period, biggest first",
    parameters=[*_FILTER_PARAMETERS, _MEASURES_PARAMETER, *_SORT_PARAMETERS, *_LIST_PARAMETERS],
    responses={200: enveloped({"type": "array", "items": _CATEGORY_ROW})},
)
class ProductsView(_DimensionList):
    dimension, export_name = "product", "products"


class CatalogueView(ApiView):
    @extend_schema(
        summary="The measures and dimensions every figure endpoint takes",
        responses={200: enveloped({"type": "object"})},
    )
    def get(self, request):
        return self.answer({
            "measures": [
                {"key": m.key, "label": m.label, "unit": m.unit, "combine": m.combine, "note": m.note}
                for m in catalogue.MEASURES.values()
            ],
            "dimensions": [
                {"key": d.key, "label": d.label, "kind": d.kind, "source": d.source}
                for d in catalogue.DIMENSIONS.values()
            ],
            "comparisons": [{"key": c.key, "label": c.label} for c in catalogue.COMPARISONS.values()],
        })  # fmt: skip


urlpatterns = [
    path("catalogue/", CatalogueView.as_view(), name="api_catalogue"),
    path("kpis/", KpisView.as_view(), name="api_kpis"),
    path("series/", SeriesView.as_view(), name="api_series"),
    path("breakdowns/<str:dimension>/", BreakdownView.as_view(), name="api_breakdown"),
    path("customers/", CustomersView.as_view(), name="api_customers"),
    path("products/", ProductsView.as_view(), name="api_products"),
]


# ---------------------------------------------------------------- operations: the ERP departments

DEPARTMENTS = {spec.kind: spec for spec in (operations.PURCHASE, operations.PRODUCTION, operations.PACKING,
                                             operations.SHIPMENT)}  # fmt: skip
_SNAKE = re.compile(r"_([a-z])")


def _camel(name: str) -> str:
    return _SNAKE.sub(lambda match: match.group(1).upper(), name)


def _plain(value):
    """A summary's dataclasses as JSON: camelCase keys, decimals as strings, dates as YYYY-MM-DD."""
    if dataclasses.is_dataclass(value):
        return {_camel(f.name): _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(part) for part in value]
    if isinstance(value, Decimal):
        return f"{value}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _department(kind: str):
    spec = DEPARTMENTS.get(kind)
    if spec is None:
        raise bad_parameter("department", f"Unknown department {kind!r}: use one of {', '.join(DEPARTMENTS)}.")
    return spec


def _operations(request):
    d = selection(request)
    filters = d.selection.filters
    period = d.selection.period if _dated(request) else None
    return d, operations.operations_summary(period, branch=filters.branch, product_line=filters.product_line)


def _dated(request) -> bool:
    """Operations read every date unless the call names a period (the ERP sheets' dates are not the sales')."""
    return any(name in request.query_params for name in ("from", "to", "preset", "startDate", "endDate"))


_OPERATIONS_PARAMETERS = [p for p in _FILTER_PARAMETERS if p.name in ("preset", "from", "to", "branch",
                                                                      "product_line", "startDate", "endDate",
                                                                      "productLine")]  # fmt: skip


class OperationsView(ApiView):
    @extend_schema(
        summary="Purchase, production, packing and shipment: records, statuses, lateness, by month",
        parameters=_OPERATIONS_PARAMETERS,
        responses={200: enveloped({"type": "object"})},
    )
    def get(self, request):
        d, summary = _operations(request)
        return self.answer({section.kind: _plain(section) for section in summary.sections}, **_context(d))


class DepartmentView(ApiView):
    @extend_schema(
        summary="One ERP department's summary",
        parameters=[
            OpenApiParameter("department", str, location=OpenApiParameter.PATH, enum=list(DEPARTMENTS)),
            *_OPERATIONS_PARAMETERS,
        ],
        responses={200: enveloped({"type": "object"})},
    )
    def get(self, request, department: str):
        spec = _department(department)
        d, summary = _operations(request)
        return self.answer(_plain(getattr(summary, spec.kind)), **_context(d))


def department_records(request, spec) -> tuple[Dashboard, list[dict]]:
    """A department's records for the call's filters, as JSON rows (camelCase names)."""
    d = selection(request)
    period = d.selection.period if _dated(request) else None
    rows = operations.records(spec, period, branch=d.selection.filters.branch,
                              product_line=d.selection.filters.product_line)  # fmt: skip
    return d, [{_camel(name): _plain(value) for name, value in row.items()} for row in rows]


class DepartmentRecordsView(ApiView):
    export_name = "records"
    required_permission = "data.export"  # rows as the sheet gave them, as a page's data download

    @extend_schema(
        summary="One ERP department's records, as its sheet gave them",
        parameters=[
            OpenApiParameter("department", str, location=OpenApiParameter.PATH, enum=list(DEPARTMENTS)),
            *_OPERATIONS_PARAMETERS,
            *_LIST_PARAMETERS,
        ],
        responses={200: enveloped({"type": "array", "items": {"type": "object"}})},
    )
    def get(self, request, department: str):
        spec = _department(department)
        self.export_name = f"{spec.kind}_records"
        d, rows = department_records(request, spec)
        page, paging = page_of(request, rows)
        return self.answer(page, **_context(d), **paging)


class RefreshView(ApiView):
    """The seed systems' "refresh": rebuild the months whose lines changed since the rollups read them (an upload
    already brings them up to date; this repairs anything else), in the background."""

    required_permission = "uploads.create"

    @extend_schema(summary="Re-read the figures: rebuild what changed, in the background",
                   request=None, responses={202: enveloped({"type": "object"})})  # fmt: skip
    def post(self, request):
        from .tasks import nightly_refresh

        task = nightly_refresh.delay()
        response = self.answer({"queued": True, "task": task.id})
        response.status_code = 202
        return response


urlpatterns += [
    path("operations/", OperationsView.as_view(), name="api_operations"),
    path("departments/<str:department>/", DepartmentView.as_view(), name="api_department"),
    path("departments/<str:department>/records/", DepartmentRecordsView.as_view(), name="api_department_records"),
    path("refresh/", RefreshView.as_view(), name="api_refresh"),
]
