"""Every list is paginated, with a maximum page size; asking for more is a 400, not a silent cut.

- Lines and invoices, which grow without end, page by cursor (`cursor`, `pageSize`): stable while new uploads
  arrive, and as fast on the thousandth page as on the first.
- Lists worked out for a period (breakdowns, customers, products) page by `limit` and `offset`.

The next page's address is in the envelope's metadata as `next` (null on the last page).
"""

from __future__ import annotations

from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from .errors import bad_parameter

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_OFFSET = 10_000_000  # past any list's end; a bigger offset is a typo, not a page (and PostgreSQL's bigint)


def whole_number(request, name: str, *, default: int | None, low: int = 0, high: int | None = None) -> int | None:
    """A whole-number query parameter within [low, high]; a 400 naming it otherwise."""
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise bad_parameter(name, f"{name} must be a whole number, not {text[:40]!r}.") from None
    if value < low or (high is not None and value > high):
        upper = f" and at most {high}" if high is not None else ""
        raise bad_parameter(name, f"{name} must be at least {low}{upper}; it was {value}.")
    return value


class LinesCursor(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "pageSize"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"

    def get_page_size(self, request):
        return whole_number(request, self.page_size_query_param, default=self.page_size, low=1, high=MAX_PAGE_SIZE)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception as error:  # DRF's NotFound("Invalid cursor"): a bad parameter, said as one
            raise bad_parameter("cursor", "cursor is not one this API gave; start again without it.") from error

    def get_paginated_response(self, data):
        response = Response(data)
        response.metadata = {"next": self.get_next_link(), "previous": self.get_previous_link(),
                             "pageSize": self.page_size}  # fmt: skip
        return response

    def get_paginated_response_schema(self, schema):
        return schema


def page_of(request, rows: list, *, default: int = DEFAULT_PAGE_SIZE) -> tuple[list, dict]:
    """(this page of `rows`, the metadata saying where the next is) by `limit` and `offset`."""
    limit = whole_number(request, "limit", default=default, low=1, high=MAX_PAGE_SIZE)
    offset = whole_number(request, "offset", default=0, low=0, high=MAX_OFFSET)
    page = rows[offset : offset + limit]
    url = request.build_absolute_uri()
    following = None
    if offset + limit < len(rows):
        following = replace_query_param(replace_query_param(url, "offset", offset + limit), "limit", limit)
    return page, {"count": len(rows), "limit": limit, "offset": offset, "next": following}


class Counted:
    """A queryset read as `page_of` reads a list: counted by the database, and only the page fetched."""

    def __init__(self, rows):
        self.rows, self.count = rows, None

    def __len__(self) -> int:
        if self.count is None:
            self.count = self.rows.count()
        return self.count

    def __getitem__(self, part: slice) -> list:
        return list(self.rows[part])
