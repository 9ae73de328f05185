"""The figures' GraphQL types and resolvers, on analytics.catalogue through analytics.queries, as analytics/api.py
is for REST: `kpis`, `series`, `breakdown` and the `catalogue` itself. elettro/api/graphql.py serves them.

Measures, dimensions, grains and presets are enums generated from the catalogue's (and periods') keys, so an entry
added there is here with no code, listed by introspection and checked by GraphQL before anything runs. Their
values are the catalogue keys themselves (`revenue`, `product_line`), not GraphQL's usual SHOUTING_CASE: the same
names as REST's `measures=` and `/breakdowns/<dimension>/`, the catalogue's and the exports' columns.

Each row also has one field per measure (`grossProfit`), generated from the catalogue: the measures worked out are
the `measures` argument plus every measure field the query selects, so `rows { label revenue }` needs no argument.
Values are as REST gives them (catalogue.printed) in the `Figure` scalar: an Int for counts, a decimal string for
money, ratios and quantities.

Filters are read by analytics.api.selection from the same query mapping REST reads, so a malformed one is an error
naming the argument (`filters.from`) with REST's message.
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum
from types import SimpleNamespace
from typing import NewType

import strawberry
from strawberry.types.nodes import SelectedField

from elettro.api.errors import ApiError
from elettro.api.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

from . import api, catalogue, queries
from .dashboard import Dashboard
from .periods import PRESETS

# ---------------------------------------------------------------- errors


class ArgumentError(Exception):
    """A GraphQL error naming the argument to change; graphql-core copies `extensions` onto the error."""

    def __init__(self, argument: str, message: str):
        if not message.startswith(argument):
            message = f"{argument}: {message}"
        super().__init__(message)
        self.extensions = {"code": "invalid_parameter", "parameter": argument}


def _asked(read, *args, **kwargs):
    try:
        return read(*args, **kwargs)
    except queries.QuestionError as error:
        raise ArgumentError(error.parameter, error.message) from None


# ---------------------------------------------------------------- scalars and enums, from the catalogue

Figure = NewType("Figure", object)
SCALARS = {
    Figure: strawberry.scalar(
        name="Figure",
        description="A measure's value as REST gives it: an integer for counts, a decimal string for money "
        "(two places), ratios (four: 0.2345 is 23.45%) and quantities. Null when the measure has none.",
        serialize=lambda value: value,  # already printed by catalogue.printed
        parse_value=lambda value: value,
    )
}


def _enum(name: str, entries: dict[str, str], description: str) -> type[Enum]:
    members = {key: strawberry.enum_value(key, description=text or None) for key, text in entries.items()}
    return strawberry.enum(Enum(name, members), description=description)


Measure = _enum(
    "Measure",
    {key: f"{m.label} ({m.unit}): {m.note}".strip(": ") for key, m in catalogue.MEASURES.items()},
    "A measure of the catalogue.",
)
Dimension = _enum(
    "Dimension",
    {key: f"{d.label}: {d.source}".strip(": ") for key, d in catalogue.DIMENSIONS.items()},
    "A dimension of the catalogue: rows by its values, or by period for the time ones.",
)
Grain = _enum("Grain", {key: d.label for key, d in catalogue.DIMENSIONS.items() if d.kind == "time"}, "A period.")
Preset = _enum("Preset", dict(PRESETS), "A named period; it wins over from/to.")
MONTH = Grain("month")  # the series' default grain, as REST's

_CAMEL = re.compile(r"_([a-z0-9])")


def _camel(key: str) -> str:
    return _CAMEL.sub(lambda found: found.group(1).upper(), key)


# The row field each measure is read from: gross_profit -> grossProfit.
MEASURE_FIELDS = {_camel(key): key for key in catalogue.MEASURES}

# ---------------------------------------------------------------- the filters


@strawberry.input(description="The pages' filter bar (as REST's parameters): a period and any dimension filters.")
class Filters:
    preset: Preset | None = None
    from_: str | None = strawberry.field(name="from", default=None, description="First day, YYYY-MM-DD.")
    to: str | None = strawberry.field(default=None, description="Last day, YYYY-MM-DD.")
    start_date: str | None = strawberry.field(default=None, description="The seed systems' name for `from`.")
    end_date: str | None = strawberry.field(default=None, description="The seed systems' name for `to`.")
    branch: str | None = None
    product_line: str | None = None
    state: str | None = None
    country: str | None = None
    salesperson: str | None = None
    segment: str | None = None


# Each input field's name in the query mapping analytics.api.selection reads; REST's own names, except the seed
# systems' dates (selection knows them and reports them under those names).
QUERY_NAMES = {
    "preset": "preset", "from_": "from", "to": "to", "start_date": "startDate", "end_date": "endDate",
    "branch": "branch", "product_line": "product_line", "state": "state", "country": "country",
    "salesperson": "salesperson", "segment": "segment",
}  # fmt: skip


def dashboard(filters: Filters | None) -> Dashboard:
    """The period and filters asked for, checked by REST's own reading of them."""
    query = {}
    for attribute, name in QUERY_NAMES.items():
        value = getattr(filters, attribute, None) if filters is not None else None
        if value is not None:
            query[name] = value.value if isinstance(value, Enum) else value
    try:
        return api.selection(SimpleNamespace(query_params=query))
    except ApiError as error:  # REST's message names its parameter first: name the input's field instead
        message = f"filters.{error.message}" if error.message.startswith(error.parameter) else error.message
        raise ArgumentError(f"filters.{error.parameter}", message) from None


# ---------------------------------------------------------------- the answers' types


@strawberry.type(description="A span of days, both ends included.")
class Period:
    from_: date = strawberry.field(name="from")
    to: date


@strawberry.type
class AppliedFilter:
    dimension: str
    value: str


@strawberry.type(description="What every answer was worked out for.")
class Answer:
    period: Period | None = strawberry.field(description="Null when the company has no sales at all.")
    currency: str
    filters: list[AppliedFilter]


def _answer(d: Dashboard) -> dict:
    return {
        "period": _period(d.selection.period),
        "currency": d.currency,
        "filters": [AppliedFilter(dimension=name, value=value) for name, value in d.selection.filters.items()],
    }


def _period(period) -> Period | None:
    return None if period is None else Period(from_=period.start, to=period.end)


def _graphql_period(period: dict | None) -> Period | None:
    """A period as REST gives it ({"from", "to"}, ISO dates)."""
    if period is None:
        return None
    return Period(from_=date.fromisoformat(period["from"]), to=date.fromisoformat(period["to"]))


@strawberry.type
class Kpi:
    measure: Measure
    label: str
    unit: str
    value: Figure | None
    previous: Figure | None
    year_ago: Figure | None
    change_vs_previous: str | None = strawberry.field(description="A fraction: 0.1 is +10%.")
    change_vs_year_ago: str | None


@strawberry.type
class Comparisons:
    previous: Period | None = strawberry.field(description="As long as the period, just before it.")
    year_ago: Period | None


@strawberry.type
class Kpis(Answer):
    comparisons: Comparisons
    rows: list[Kpi]


@strawberry.type
class MeasureValue:
    measure: Measure
    value: Figure | None


def _measure_field(key: str):
    measure = catalogue.MEASURES[key]

    def resolve(root) -> Figure | None:
        return root.printed.get(key)

    return strawberry.field(resolver=resolve, name=_camel(key), description=f"{measure.label} ({measure.unit})")


Row = strawberry.type(
    type("Row", (), {
        "__module__": __name__,
        "__annotations__": {"value": str | None, "label": str, "end": date | None, "values": list[MeasureValue],
                            "printed": strawberry.Private[dict]},
        "value": strawberry.field(description="The dimension's value (null for lines that leave it blank), or "
                                  "the period's first day, YYYY-MM-DD."),
        "end": strawberry.field(description="A period's last day, cut to the period asked for."),
        "values": strawberry.field(description="Every measure worked out, in the order asked."),
        **{f"measure_{key}": _measure_field(key) for key in catalogue.MEASURES},
    }),
    description="One value of a dimension, or one period, with its measures (null when not worked out).",
)  # fmt: skip


@strawberry.type
class Series(Answer):
    grain: Grain
    count: int = strawberry.field(description="Every row, before `offset` and `top`.")
    rows: list[Row]


@strawberry.type
class Breakdown(Answer):
    dimension: Dimension
    count: int = strawberry.field(description="Every row, before `offset` and `top`.")
    rows: list[Row]


@strawberry.type
class MeasureEntry:
    key: Measure
    label: str
    unit: str
    combine: str
    note: str


@strawberry.type
class DimensionEntry:
    key: Dimension
    label: str
    kind: str
    source: str


@strawberry.type
class ComparisonEntry:
    key: str
    label: str


@strawberry.type
class Catalogue:
    measures: list[MeasureEntry]
    dimensions: list[DimensionEntry]
    comparisons: list[ComparisonEntry]


# ---------------------------------------------------------------- reading the arguments


def _measures(measures, info: strawberry.Info | None = None, dimension: str | None = None) -> tuple[str, ...]:
    """The measures asked for, then those the query selects as row fields; when neither, REST's defaults (for the
    dimension, when there is one)."""
    names = [member.value for member in measures or ()]
    if info is not None:
        names += [key for key in _selected_on_rows(info.selected_fields) if key not in names]
    if not names and dimension is not None:
        return queries.default_measures(dimension)
    return _asked(queries.measures_from, names)


def _selected_on_rows(selections, inside: bool = False) -> list[str]:
    found = []
    for selection in selections:
        if not isinstance(selection, SelectedField):  # a fragment: its fields are the rows' or the answer's
            found += _selected_on_rows(selection.selections, inside)
        elif inside and selection.name in MEASURE_FIELDS:
            found.append(MEASURE_FIELDS[selection.name])
        elif not inside:
            found += _selected_on_rows(selection.selections, selection.name == "rows")
    return found


def _span(top: int | None, offset: int, default: int) -> slice:
    """The rows `top` and `offset` ask for, checked as REST checks `limit` and `offset`."""
    top = default if top is None else top
    if not 1 <= top <= MAX_PAGE_SIZE:
        raise ArgumentError("top", f"top must be from 1 to {MAX_PAGE_SIZE}; it was {top}.")
    if offset < 0:
        raise ArgumentError("offset", f"offset must be at least 0; it was {offset}.")
    return slice(offset, offset + top)


def _rows(found: list[queries.Row], keys: tuple[str, ...]) -> list:
    rows = []
    for row in found:
        printed = {key: catalogue.printed(key, row.values[key]) for key in keys}
        value = row.value.isoformat() if isinstance(row.value, date) else row.value
        rows.append(Row(value=value, label=row.label, end=row.end, printed=printed,
                        values=[MeasureValue(measure=Measure(key), value=printed[key]) for key in keys]))  # fmt: skip
    return rows


# ---------------------------------------------------------------- the queries


@strawberry.type
class Query:
    @strawberry.field(description="Headline figures, against the previous period and the same period a year ago.")
    def kpis(self, filters: Filters | None = None, measures: list[Measure] | None = None) -> Kpis:
        d = dashboard(filters)
        found, periods = api.kpi_rows(d, _measures(measures))
        rows = [
            Kpi(measure=Measure(row["measure"]), label=row["label"], unit=row["unit"], value=row["value"],
                previous=row["previous"], year_ago=row["yearAgo"], change_vs_previous=row["changeVsPrevious"],
                change_vs_year_ago=row["changeVsYearAgo"])
            for row in found
        ]  # fmt: skip
        comparisons = Comparisons(previous=_graphql_period(periods["previous"]),
                                  year_ago=_graphql_period(periods["yearAgo"]))  # fmt: skip
        return Kpis(**_answer(d), comparisons=comparisons, rows=rows)

    @strawberry.field(description="Measures for each day, week, month, fiscal quarter or fiscal year of the period.")
    def series(
        self, info: strawberry.Info, grain: Grain = MONTH, filters: Filters | None = None,
        measures: list[Measure] | None = None, top: int | None = None, offset: int = 0,
    ) -> Series:  # fmt: skip
        d, keys, span = dashboard(filters), _measures(measures, info), _span(top, offset, MAX_PAGE_SIZE)
        found = _asked(queries.by_dimension, d.scope, grain.value, keys, fiscal_start_month=d.fiscal_start)
        return Series(**_answer(d), grain=grain, count=len(found), rows=_rows(found[span], keys))

    @strawberry.field(description="Measures for each value of a dimension, biggest first (by `sort`, else the "
                      "first measure); `top` rows from `offset`.")  # fmt: skip
    def breakdown(
        self, info: strawberry.Info, dimension: Dimension, filters: Filters | None = None,
        measures: list[Measure] | None = None, sort: Measure | None = None, descending: bool = True,
        top: int | None = None, offset: int = 0,
    ) -> Breakdown:  # fmt: skip
        d, keys = dashboard(filters), _measures(measures, info, dimension.value)
        span = _span(top, offset, DEFAULT_PAGE_SIZE)
        # Every row is counted; only those of the page are named (customers' names are looked up).
        found = _asked(queries.by_dimension, d.scope, dimension.value, keys, sort=sort.value if sort else None,
                       descending=descending, named=span.stop, fiscal_start_month=d.fiscal_start)  # fmt: skip
        return Breakdown(**_answer(d), dimension=dimension, count=len(found), rows=_rows(found[span], keys))

    @strawberry.field(description="The measures, dimensions and comparisons every figure query takes.")
    def catalogue(self) -> Catalogue:
        return Catalogue(
            measures=[MeasureEntry(key=Measure(m.key), label=m.label, unit=m.unit, combine=m.combine, note=m.note)
                      for m in catalogue.MEASURES.values()],
            dimensions=[DimensionEntry(key=Dimension(d.key), label=d.label, kind=d.kind, source=d.source)
                        for d in catalogue.DIMENSIONS.values()],
            comparisons=[ComparisonEntry(key=c.key, label=c.label) for c in catalogue.COMPARISONS.values()],
        )  # fmt: skip
