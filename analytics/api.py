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

from . import catalogue, correlation, elasticity, operations, queries, why
from .dashboard import Dashboard, dashboard_for
from .departments import DEPARTMENTS as RECORD_TABLES
from .departments import records as department_rows
from .departments.records import RecordQuery
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


_AMOUNT = {"nullable": True, "oneOf": [{"type": "string"}, {"type": "integer"}]}
_PART = {
    "type": "object",
    "properties": {
        "label": {"type": "string"},
        "value": {"type": "string", "nullable": True, "description": "the dimension's value; none for a group"},
        "kind": {"type": "string", "enum": ["named", "others", "new", "lost", "existing", "numerator", "denominator"]},
        "before": _AMOUNT,
        "now": _AMOUNT,
        "change": _AMOUNT,
    },
    "required": ["label", "kind", "change"],
}
_CHANGE = {
    "type": "object",
    "properties": {
        "measure": {"type": "string", "enum": list(catalogue.MEASURES)},
        "label": {"type": "string"},
        "unit": {"type": "string", "enum": ["money", "number", "percent"]},
        "period": _PERIOD,
        "comparedWith": _PERIOD,
        "now": _AMOUNT,
        "before": _AMOUNT,
        "change": _AMOUNT,
        "relativeChange": {"type": "string", "nullable": True, "description": "a fraction: -0.1 is -10%"},
        "sentence": {"type": "string"},
        "splits": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "key": {"type": "string"},
                    "label": {"type": "string"},
                    "total": _AMOUNT,
                    "parts": {"type": "array", "items": _PART},
                },
            },
        },
        "missing": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


class ChangesView(ApiView):
    """Why a measure changed: the same split the "why" page and the reports show (analytics.why)."""

    @extend_schema(
        summary="Why a figure changed: its change against another period, split exactly into what drove it",
        parameters=[
            *_FILTER_PARAMETERS,
            OpenApiParameter("measure", str, enum=list(catalogue.MEASURES), description="default revenue"),
            OpenApiParameter("compare", str, enum=list(catalogue.COMPARISONS), description="default previous"),
            OpenApiParameter("vs_from", date, description="compare with the period from this day (with vs_to)"),
            OpenApiParameter("vs_to", date, description="…to this day"),
            OpenApiParameter("named", int, description="movers named in each split, 1-20 (default 5)"),
        ],
        responses={200: enveloped(_CHANGE)},
    )
    def get(self, request):
        d = selection(request)
        key = _CAMEL.sub("_", (request.query_params.get("measure") or "revenue").strip()).lower()
        named = whole_number(request, "named", default=why.NAMED, low=1, high=20)
        try:
            measure = why.measure_from(key)
            if d.scope is None:
                return self.answer(None, **_context(d))
            before = why.compared_with(d.scope.period, request.query_params)
        except why.ChangeError as error:
            raise bad_parameter(error.parameter, error.message) from None
        found = why.explain(d.scope, before, measure.key, named=named)
        return self.answer(change_json(found, d.currency), **_context(d))


def change_json(found: why.Change, currency: str) -> dict:
    key = found.measure.key

    def printed(value):
        return catalogue.printed(key, value)

    return {
        "measure": key, "label": found.measure.label, "unit": found.measure.unit,
        "period": _period(found.period), "comparedWith": _period(found.before_period),
        "now": printed(found.now), "before": printed(found.before), "change": printed(found.change),
        "relativeChange": change(found.now, found.before),
        "sentence": why.sentence(found, currency),
        "splits": [
            {"key": split.key, "label": split.label, "total": printed(split.total),
             "parts": [{"label": part.label, "value": part.value, "kind": part.kind, "before": printed(part.before),
                        "now": printed(part.now), "change": printed(part.change)} for part in split.parts]}
            for split in found.splits
        ],
        "missing": found.missing,
    }  # fmt: skip


urlpatterns = [
    path("changes/", ChangesView.as_view(), name="api_changes"),
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


def department_records(request, spec, query: RecordQuery | None = None) -> tuple[Dashboard, list[dict]]:
    """A department's records for the call's filters, searched and sorted by `query` (the sheet's order, newest
    first, when None), as JSON rows (camelCase names)."""
    d = selection(request)
    period = d.selection.period if _dated(request) else None
    found = RECORD_TABLES[spec.kind]
    filters = d.selection.filters
    rows = department_rows.record_rows(found, period, query or RecordQuery(), branch=filters.branch,
                                       product_line=filters.product_line)  # fmt: skip
    return d, [{_camel(name): _plain(value) for name, value in row.items()} for row in
               department_rows.sheet_rows(found, rows)]  # fmt: skip


def _record_query(request, spec) -> RecordQuery:
    """`q`, `sort` and `order` of a records call; the first unusable one is a 400 naming it."""
    query, problems = department_rows.read_query(RECORD_TABLES[spec.kind], request.query_params,
                                                 direction="order")  # fmt: skip
    problems = [problem for problem in problems if problem.parameter != "page"]  # the API pages by limit/offset
    if problems:
        raise bad_parameter(problems[0].parameter, problems[0].message)
    return query


_RECORD_PARAMETERS = [
    OpenApiParameter("q", str, description="every word in the number, vendor/customer, product or status"),
    OpenApiParameter("sort", str, description="a record field (snake_case or camelCase); default the main date"),
    OpenApiParameter("order", str, enum=["asc", "desc"], description="asc unless sorting by nothing (newest first)"),
]


class DepartmentRecordsView(ApiView):
    export_name = "records"
    required_permission = "data.export"  # rows as the sheet gave them, as a page's data download

    @extend_schema(
        summary="One ERP department's records, as its sheet gave them",
        parameters=[
            OpenApiParameter("department", str, location=OpenApiParameter.PATH, enum=list(DEPARTMENTS)),
            *_OPERATIONS_PARAMETERS,
            *_RECORD_PARAMETERS,
            *_LIST_PARAMETERS,
        ],
        responses={200: enveloped({"type": "array", "items": {"type": "object"}})},
    )
    def get(self, request, department: str):
        spec = _department(department)
        self.export_name = f"{spec.kind}_records"
        d, rows = department_records(request, spec, _record_query(request, spec))
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


# ---------------------------------------------------------------- pricing: elasticity and correlation

_RATIO = {"type": "string", "nullable": True, "description": "a decimal with four places"}
_MONEY = {"type": "string", "format": "decimal", "nullable": True}
_ELASTICITY = {
    "type": "object",
    "properties": {
        "key": {"type": "string"},
        "label": {"type": "string"},
        "productLine": {"type": "string"},
        "months": {"type": "integer", "description": "months with sales in the period"},
        "revenue": _MONEY,
        "priceVariation": {**_RATIO, "description": "the monthly prices' coefficient of variation: 0.05 is 5%"},
        "elasticity": {**_RATIO, "description": "% change in units for +1% price; null when not measurable"},
        "stdError": _RATIO,
        "low": {**_RATIO, "description": f"the {elasticity.CONFIDENCE} interval's low end"},
        "high": _RATIO,
        "reading": {"type": "string"},
        "reason": {"type": "string", "description": "why no elasticity is given; empty when it is"},
        "lastChangeMonth": {"type": "string", "format": "date", "nullable": True},
        "oldPrice": _MONEY,
        "newPrice": _MONEY,
        "priceChange": _RATIO,
        "revenueSince": _MONEY,
        "expectedAtOldPrice": _MONEY,
        "revenueEffect": _MONEY,
        "expectedFrom": {"type": "string", "nullable": True, "description": "elasticity, or quantity as before"},
    },
    "required": ["key", "label", "months", "elasticity", "reason"],
}
_MATRIX = {
    "type": "object",
    "properties": {
        "rows": {"type": "array", "items": {"type": "object"}},
        "columns": {"type": "array", "items": {"type": "object"}},
        "values": {"type": "array", "items": {"type": "array", "items": {"type": "string", "nullable": True}}},
        "months": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
    },
}


def _four(value) -> str | None:
    """A statistic (a float) or a ratio (a Decimal) with four places."""
    if value is None:
        return None
    return f"{(value if isinstance(value, Decimal) else Decimal(repr(value))).quantize(catalogue.FOUR_PLACES)}"


def elasticity_json(found: elasticity.Elasticity) -> dict:
    change = found.last_change
    return {
        "key": found.key, "label": found.label, "productLine": found.product_line, "months": found.months,
        "revenue": f"{found.revenue}", "priceVariation": _four(found.price_spread),
        "elasticity": _four(found.estimate), "stdError": _four(found.std_error), "low": _four(found.low),
        "high": _four(found.high), "reading": found.reading, "reason": found.reason,
        "lastChangeMonth": change.month.isoformat() if change else None,
        "oldPrice": f"{change.old_price}" if change else None, "newPrice": f"{change.new_price}" if change else None,
        "priceChange": _four(change.change) if change else None,
        "revenueSince": f"{change.revenue_after}" if change else None,
        "expectedAtOldPrice": f"{change.expected}" if change else None,
        "revenueEffect": f"{change.effect}" if change else None, "expectedFrom": change.basis if change else None,
    }  # fmt: skip


class _ElasticityPages:
    """elasticity.elasticities() read as page_of reads a list: only the page asked for is worked out (nearly all
    the time is per product), with the count of them all."""

    def __init__(self, scope, by: str):
        self.scope, self.by, self.count = scope, by, None

    def __getitem__(self, part: slice) -> list[dict]:
        found, self.count = elasticity.elasticity_page(self.scope, self.by, part.stop - part.start, part.start)
        return [elasticity_json(f) for f in found]

    def __len__(self) -> int:
        if self.count is None:
            self.count = elasticity.elasticity_page(self.scope, self.by, 1)[1]
        return self.count


class ElasticityView(ApiView):
    """Price elasticity per product or product line (analytics.elasticity), as the Pricing page shows it."""

    export_name = "elasticity"

    @extend_schema(
        summary="Price elasticity per product or product line, with its interval and the last price change",
        parameters=[
            OpenApiParameter("by", str, enum=list(elasticity.BY), description="product (default) or product_line"),
            *_FILTER_PARAMETERS,
            *_LIST_PARAMETERS,
        ],
        responses={200: enveloped({"type": "array", "items": _ELASTICITY})},
    )
    def get(self, request):
        by = request.query_params.get("by") or "product"
        if by not in elasticity.BY:
            raise bad_parameter("by", f"Unknown by {by[:40]!r}: use one of {', '.join(elasticity.BY)}.")
        d = selection(request)
        page, paging = page_of(request, [] if d.scope is None else _ElasticityPages(d.scope, by))
        return self.answer(page, **_context(d), by=by, confidence=elasticity.CONFIDENCE,
                           minMonths=elasticity.MIN_MONTHS, **paging)  # fmt: skip


def matrix_json(matrix: correlation.Matrix) -> dict:
    return {
        "rows": [{"key": key, "label": name} for key, name in zip(matrix.rows, matrix.row_labels, strict=True)],
        "columns": [{"key": key, "label": name} for key, name in zip(matrix.columns, matrix.column_labels,
                                                                      strict=True)],
        "values": [[_four(value) for value in row] for row in matrix.values],
        "months": matrix.months,
    }  # fmt: skip


class CorrelationsView(ApiView):
    """The Pricing page's two matrices (analytics.correlation), with the warning that goes with them."""

    @extend_schema(
        summary="Correlation of product lines' monthly revenue, and of top customers' price paid and quantity",
        parameters=[
            OpenApiParameter("customers", int, description="the biggest customers to show, 1 to 50 (default 15)"),
            *_FILTER_PARAMETERS,
        ],
        responses={200: enveloped({
            "type": "object",
            "properties": {"warning": {"type": "string"}, "minMonths": {"type": "integer"},
                           "productLines": _MATRIX, "customerPriceQuantity": _MATRIX},
        })},
    )  # fmt: skip
    def get(self, request):
        top = whole_number(request, "customers", default=correlation.TOP_CUSTOMERS, low=1, high=50)
        d = selection(request)
        answer = {"warning": correlation.WARNING, "minMonths": correlation.MIN_MONTHS}
        if d.scope is not None:
            customers = correlation.biggest_customers(d.scope, top)
            answer["productLines"] = matrix_json(correlation.line_revenue(d.scope))
            answer["customerPriceQuantity"] = matrix_json(correlation.customer_price_quantity(d.scope, customers))
        return self.answer(answer, **_context(d))


urlpatterns += [
    path("elasticity/", ElasticityView.as_view(), name="api_elasticity"),
    path("correlations/", CorrelationsView.as_view(), name="api_correlations"),
]


# ---------------------------------------------------------------- GST: GSTR-1's HSN-wise summary (Table 12)

_HSN_ROW = {
    "type": "object",
    "properties": {
        "supply": {"type": "string", "enum": ["B2B", "B2C"], "description": "B2B: the buyer's GSTIN is on the line"},
        "hsn": {
            "type": "string",
            "description": "the HSN/SAC code; '' when neither the line nor the item master has one",
        },
        "description": {"type": "string", "description": "the products sold under it"},
        "uqc": {"type": "string", "description": "the unit, as the line or the item master gives it"},
        "quantity": {"type": "string"},
        "rate": {"type": "string", "nullable": True, "description": "GST rate in percent"},
        "taxableValue": {"type": "string"},
        "igst": {"type": "string"},
        "cgst": {"type": "string"},
        "sgst": {"type": "string"},
        "lines": {"type": "integer"},
        "problem": {"type": "string", "description": "'no HSN', what is wrong with the code, or ''"},
    },
}


class HsnSummaryView(ApiView):
    """GSTR-1's HSN-wise summary (analytics.gst), as the Geography page and the GST summary report give it."""

    export_name = "hsn_summary"

    @extend_schema(
        summary="HSN-wise summary of outward supplies (GSTR-1 Table 12), B2B and B2C",
        parameters=[*_FILTER_PARAMETERS, FORMAT_PARAMETER],
        responses={200: enveloped({"type": "array", "items": _HSN_ROW})},
    )
    def get(self, request):
        from .gst import hsn_summary

        d = selection(request)
        if d.scope is None:
            return self.answer([], **_context(d))
        summary = hsn_summary(d.scope)
        money = catalogue.TWO_PLACES
        rows = [
            {
                "supply": "B2B" if row.registered else "B2C",
                "hsn": row.hsn,
                "description": row.description,
                "uqc": row.uqc,
                "quantity": f"{row.quantity.normalize():f}",
                "rate": None if row.rate is None else f"{row.rate:f}",
                "taxableValue": f"{row.taxable.quantize(money)}",
                "igst": f"{row.igst.quantize(money)}",
                "cgst": f"{row.cgst.quantize(money)}",
                "sgst": f"{row.sgst.quantize(money)}",
                "lines": row.lines,
                "problem": row.problem,
            }
            for row in summary.rows
        ]
        (without, without_value), (invalid, invalid_value) = summary.without_hsn, summary.invalid
        return self.answer(
            rows,
            **_context(d),
            withoutHsn={"lines": without, "taxableValue": f"{without_value.quantize(money)}"},
            invalidHsn={"lines": invalid, "taxableValue": f"{invalid_value.quantize(money)}"},
        )


urlpatterns += [path("gst/hsn-summary/", HsnSummaryView.as_view(), name="api_hsn_summary")]
