"""A page per ERP department (/operations/<department>/) and its records as Excel or CSV."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from tenants.audit import Action, audit_record
from tenants.permissions import require_permission

from . import charts
from .dashboard import Dashboard, dashboard_for
from .departments import DEPARTMENTS, Department, department
from .departments.downloads import Context, file_stem, records_csv, records_xlsx
from .departments.records import RecordQuery, read_query, record_page, record_rows, table_rows
from .departments.summary import department_summary
from .exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from .filters import DIMENSIONS, LABELS
from .pages import PAGES
from .periods import PRESETS
from .templatetags.analytics import NUMERIC, cell_text
from .views import filter_choices

FORMATS = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}


def _department(kind: str) -> Department:
    found = department(kind)
    if found is None:
        raise Http404("No such department: the departments are purchase, production, packing and shipment.")
    return found


def _rows(found: Department, d: Dashboard, query: RecordQuery):
    filters = d.selection.filters
    return record_rows(found, d.selection.period, query, branch=filters.branch, product_line=filters.product_line)


def _link(d: Dashboard, query: RecordQuery, **changes) -> str:
    """This page's URL query: the filter bar's selection, the search and sort, with `changes` ('' drops one)."""
    params = dict(_params(query))
    params.update(changes)
    selection = d.selection.query()
    extra = urlencode({key: value for key, value in params.items() if value})
    return "&".join(part for part in (selection, extra) if part)


def _params(query: RecordQuery) -> list[tuple[str, str]]:
    params = [("q", query.q)]
    if query.sort:
        params += [("sort", query.sort), ("dir", "desc" if query.descending else "asc")]
    elif not query.descending:
        params.append(("dir", "asc"))
    return [(key, value) for key, value in params if value]


def _headers(found: Department, d: Dashboard, query: RecordQuery) -> list[dict]:
    headers = []
    for column in found.columns:
        current = query.sort == column.key
        ascending_now = current and not query.descending
        headers.append(
            {
                "column": column,
                "numeric": column.kind in ("money", "number"),
                "sorted": ("ascending" if ascending_now else "descending") if current else "none",
                "url": "?" + _link(d, query, sort=column.key, dir="desc" if ascending_now else "asc", page=""),
            }
        )
    return headers


def _cells(found: Department, rows: list[list], currency: str) -> list[list[tuple[str, bool]]]:
    """Each record's cells as the page shows them: (text, whether it is a number)."""
    kinds = [column.kind for column in found.columns]
    return [[(cell_text(value, kind, currency), kind in NUMERIC) for value, kind in zip(row, kinds, strict=True)]
            for row in rows]  # fmt: skip


@require_permission("dashboards.view")
def department_page(request: HttpRequest, department: str) -> HttpResponse:
    found = _department(department)
    d = dashboard_for(request.tenant, request.GET)
    query, problems = read_query(found, request.GET)
    summary = department_summary(found, d)
    records, past_end = record_page(found, _rows(found, d, query), query.page)
    if past_end is not None:
        problems.append(past_end)
    pages = [(number, "?" + _link(d, query, page=str(number)) if number else "") for number in records.numbers()]
    figures = [{"id": "chart-status", "figure": summary.status_figure}] if summary.status_figure else []
    return render(
        request,
        "analytics/department.html",
        {
            "department": found,
            "summary": summary,
            "section": summary.section,
            "records": records,
            "cells": _cells(found, records.rows, d.currency),
            "query": query,
            "problems": [problem.message for problem in problems],
            "headers": _headers(found, d, query),
            "page_links": pages,
            "keep": [(key, value) for key, value in _params(query) if key != "q"],
            "download_query": _link(d, query),
            "clear_search": _link(d, RecordQuery(sort=query.sort, descending=query.descending)),
            "departments": [(key, other.label) for key, other in DEPARTMENTS.items()],
            # What base.html's navigation and the filter bar read.
            "pages": [(key, label) for key, (label, _) in PAGES.items()],
            "page": {"key": "operations", "controls": {}},
            "dashboard": d,
            "selection": d.selection,
            "currency": d.currency,
            "presets": PRESETS,
            "filters": filter_choices(d.selection.filters),
            "clear_query": _link_without_filters(d, query),
            "figures_json": mark_safe(charts.figures_json(figures)),  # noqa: S308 (escaped for <script>)
        },
        status=400 if problems else 200,
    )


def _link_without_filters(d: Dashboard, query: RecordQuery) -> str:
    selection = d.selection.query(**dict.fromkeys(DIMENSIONS))
    extra = urlencode(_params(query))
    return "&".join(part for part in (selection, extra) if part)


def _filter_labels(d: Dashboard) -> tuple[tuple[str, str], ...]:
    return tuple((LABELS[name], value) for name, value in d.selection.filters.items())


@require_permission("data.export")
def department_download(request: HttpRequest, department: str, fmt: str) -> HttpResponse:
    found = _department(department)
    if fmt not in FORMATS:
        return _refuse(f"Unknown download format {fmt[:20]!r}: use xlsx or csv.")
    d = dashboard_for(request.tenant, request.GET)
    query, problems = read_query(found, request.GET)
    problems = [problem for problem in problems if problem.parameter != "page"]  # a download has every page
    if problems or d.selection.errors:
        return _refuse(" ".join([*(p.message for p in problems), *d.selection.errors]))
    rows = table_rows(found, _rows(found, d, query))
    if fmt == "csv":
        content = records_csv(found, rows)
    else:
        content = records_xlsx(found, department_summary(found, d), rows, _context(request, found, d, query))
    period = d.selection.period
    stamp = f"-{period.start:%Y%m%d}-{period.end:%Y%m%d}" if period else ""
    audit_record(Action.EXPORT, f"Downloaded {found.label.lower()} records ({fmt.upper()}, {len(rows):,} rows)",
                 page=f"operations/{found.kind}", format=fmt, records=len(rows),
                 query=request.GET.urlencode()[:500])  # fmt: skip
    response = HttpResponse(content, content_type=FORMATS[fmt])
    stem = file_stem(request.tenant.schema_name, found, stamp)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def _context(request: HttpRequest, found: Department, d: Dashboard, query: RecordQuery) -> Context:
    period = d.selection.period
    sort = next((c.label for c in found.columns if c.key == query.sort), "")
    if sort:
        sort_label = f"{sort}, {'descending' if query.descending else 'ascending'}"
    else:
        main_date = next(c.label for c in found.columns if c.key == found.date_field)
        sort_label = f"{main_date}, {'newest' if query.descending else 'oldest'} first"
    return Context(
        company=request.tenant.name,
        period=period.label() if period else "All dates",
        filters=_filter_labels(d),
        query=query,
        sort_label=sort_label,
        generated_at=timezone.localtime(timezone.now(), d.zone).replace(tzinfo=None),
        currency=d.currency,
    )


def _refuse(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
