"""A department's record table: the filter bar's rows, searched, sorted and paged.

Search, sort and page come from the URL (`q`, `sort` with `dir` on the page or `order` in the API, `page`); a
value that cannot be used is reported by name and left at its default, so a bad link shows a message, not an
error page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import ceil

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower

from ..operations import filtered_rows
from ..periods import Period
from . import Department

PAGE_SIZE = 50
MAX_SEARCH = 200
MAX_PAGE = 1_000_000  # past any sheet's last page; a bigger number is a typo (and PostgreSQL's offset limit)
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
# Never part of a record as the sheet gave it.
_HIDDEN = {"id", "record_hash", "source_job"}


class BadParameter(ValueError):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter, self.message = parameter, message


@dataclass(frozen=True)
class RecordQuery:
    q: str = ""  # every word in one of the department's search fields, any case
    sort: str = ""  # a column's key; '' for the sheet's own order, newest first by its main date
    descending: bool = True
    page: int = 1

    @property
    def is_searched(self) -> bool:
        return bool(self.q)


def _text(params, name: str) -> str:
    return " ".join(str(params.get(name, "") or "").replace("\x00", "").split())


def read_query(department: Department, params, *, direction: str = "dir") -> tuple[RecordQuery, list[BadParameter]]:
    """The search, sort and page a URL asks for; each unusable value is left at its default and reported.
    `direction` names the asc/desc parameter (`dir` on the page, `order` in the API). Sorting by a column is
    ascending unless asked otherwise; without a sort the table is newest first."""
    errors: list[BadParameter] = []
    q = _text(params, "q")
    if len(q) > MAX_SEARCH:
        errors.append(BadParameter("q", f"The search is longer than {MAX_SEARCH} characters: shorten it."))
        q = ""
    sort = _text(params, "sort")
    if sort:
        key = _CAMEL.sub("_", sort).lower()
        if key not in department.sort_fields:
            choices = ", ".join(department.sort_fields)
            errors.append(BadParameter("sort", f"Cannot sort by {sort[:40]!r}: sort by one of {choices}."))
            key = ""
        sort = key
    descending = not sort
    order = _text(params, direction).lower()
    if order in ("asc", "desc"):
        descending = order == "desc"
    elif order:
        errors.append(BadParameter(direction, f"{direction} is asc or desc, not {order[:40]!r}."))
    page = 1
    text = _text(params, "page")
    if text:
        if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
            errors.append(BadParameter("page", f"page must be a whole number from 1, not {text[:40]!r}."))
        else:
            page = int(text)
    return RecordQuery(q=q, sort=sort, descending=descending, page=page), errors


def searched(department: Department, rows: QuerySet, q: str) -> QuerySet:
    """Rows where each word of `q` is in one of the search fields (number, party, product, status...)."""
    for word in q.split():
        matches = Q()
        for name in department.search_fields:
            matches |= Q(**{f"{name}__icontains": word})
        rows = rows.filter(matches)
    return rows


def ordered(department: Department, rows: QuerySet, query: RecordQuery) -> QuerySet:
    """Sorted by the asked column (text without regard to case), blanks last either way, then by upload order."""
    key = query.sort or department.date_field
    kind = next(column.kind for column in department.columns if column.key == key) if query.sort else "date"
    expression = Lower(key) if kind == "text" else F(key)
    if query.descending:
        return rows.order_by(expression.desc(nulls_last=True), "-id")
    return rows.order_by(expression.asc(nulls_last=True), "id")


def record_rows(
    department: Department, period: Period | None, query: RecordQuery, *, branch: str = "", product_line: str = ""
) -> QuerySet:
    """The department's rows for the filter bar, searched and sorted (not paged)."""
    rows = filtered_rows(department.spec, period, branch=branch, product_line=product_line)
    return ordered(department, searched(department, rows, query.q), query)


def table_rows(department: Department, rows: QuerySet) -> list[list]:
    """Rows as lists in the table's column order."""
    return [list(row) for row in rows.values_list(*department.sort_fields)]


def sheet_rows(department: Department, rows: QuerySet) -> list[dict]:
    """Rows as the sheet gave them, every column (with the upload they came from): the API's records."""
    names = [f.name for f in department.spec.model._meta.concrete_fields if f.name not in _HIDDEN]
    return [{**row, "upload": row.pop("source_job_id")} for row in rows.values(*names, "source_job_id")]


@dataclass(frozen=True)
class RecordPage:
    rows: list[list]
    count: int  # records in the whole search
    page: int
    pages: int
    size: int

    @property
    def first(self) -> int:
        """The number of the page's first record (0 when there is none)."""
        return (self.page - 1) * self.size + 1 if self.count else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.count else 0

    def numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and those near this one; None where some are left out."""
        shown = sorted({1, self.pages, *range(max(1, self.page - around), min(self.pages, self.page + around) + 1)})
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


def record_page(
    department: Department, rows: QuerySet, page: int, size: int = PAGE_SIZE
) -> tuple[RecordPage, BadParameter | None]:
    """One page of `rows`; a page past the end shows the last one and says so."""
    count = rows.count()
    pages = max(1, ceil(count / size))
    problem = None
    if page > pages:
        problem = BadParameter("page", f"There is no page {page}: these records fill {pages:,} page(s). "
                                       f"Showing page {pages:,}.")  # fmt: skip
        page = pages
    start = (page - 1) * size
    return RecordPage(table_rows(department, rows[start : start + size]), count, page, pages, size), problem
