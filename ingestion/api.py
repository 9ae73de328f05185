"""ingestion's API: uploads (listed, sent, followed, their rejected rows) and the sales lines and invoices as they
are stored, with the pages' filters. Wired under /api/v1/ by elettro/api/urls.py.

An upload goes the way the upload page sends it: stored by `services.upload_create`, its run queued, its columns
checked by a person on the page when they are new to the company (its status is then `mapping`, with the page's
address). Lines and invoices page by cursor, newest first, as raw data (the `data.export` permission).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.urls import path, reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from elettro.api.errors import ApiError, bad_parameter, not_found, refusal
from elettro.api.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Counted, LinesCursor, page_of, whole_number
from elettro.api.schema import FAILURE, FORMAT_PARAMETER, PAGE_PARAMETERS, enveloped
from elettro.api.views import ApiView
from elettro.kernel.errors import ApplicationError
from tenants.audit import Action, audit_record

from . import selectors, services, undo
from .models import ImportJob, Kind
from .upload_limits import too_large_message

# ---------------------------------------------------------------- the filters of lines and invoices

# The seed systems' names for the pages' parameters; the pages' own name wins when both are sent.
ALIASES = {"startDate": "from", "endDate": "to", "productLine": "product_line"}


@dataclass(frozen=True)
class LineSelection:
    start: date | None = None
    end: date | None = None
    dimensions: dict[str, str] = field(default_factory=dict)

    def metadata(self) -> dict:
        period = {"from": _iso(self.start), "to": _iso(self.end)} if self.start or self.end else None
        return {"period": period, "filters": self.dimensions}


def _given(request, name: str) -> tuple[str, str]:
    """(the parameter's name as sent, its value) for a page's name or its seed alias; ('', '') when absent."""
    for sent in (name, *[alias for alias, canonical in ALIASES.items() if canonical == name]):
        value = request.query_params.get(sent, "")
        if value.strip():
            return sent, value
    return "", ""


def _day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise bad_parameter(name, f"{name} must be a date like 2025-04-01, not {value[:40]!r}.") from None


def line_selection(request) -> LineSelection:
    """The period (`from`/`to`, or `startDate`/`endDate`; open when absent) and the filter bar's dimensions of a
    call; a malformed date, or an end before the start, is a 400 naming its parameter."""
    start_name, start_text = _given(request, "from")
    end_name, end_text = _given(request, "to")
    start = _day(start_name, start_text) if start_name else None
    end = _day(end_name, end_text) if end_name else None
    if start and end and end < start:
        raise bad_parameter(end_name, f"The end date {end} is before the start date {start}.")
    dimensions = {}
    for name in selectors.LINE_DIMENSIONS:
        _, value = _given(request, name)
        value = " ".join(value.split())[:255]  # as the filter bar reads a value
        if value:
            dimensions[name] = value
    return LineSelection(start, end, dimensions)


_FILTER_PARAMETERS = [
    OpenApiParameter("from", date, description="first invoice date, YYYY-MM-DD (alias startDate); open if absent"),
    OpenApiParameter("to", date, description="last invoice date, YYYY-MM-DD (alias endDate); open if absent"),
    *[
        OpenApiParameter(name, str, description=f"only this {name.replace('_', ' ')}, exactly")
        for name in selectors.LINE_DIMENSIONS
        if name != "salesperson"
    ],
    OpenApiParameter("salesperson", str, description="the line's salesperson, or its manager when it names none"),
    OpenApiParameter("startDate", date, description="the seed systems' name for from"),
    OpenApiParameter("endDate", date, description="the seed systems' name for to"),
    OpenApiParameter("productLine", str, description="the seed systems' name for product_line"),
]
_CURSOR_PARAMETERS = [
    OpenApiParameter("cursor", str, description="from metadata.next or metadata.previous; absent for the first page"),
    OpenApiParameter("pageSize", int, description=f"rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})"),
    FORMAT_PARAMETER,
]


# ---------------------------------------------------------------- how values are written


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


_PAISE = Decimal("0.01")


def _money(value: Decimal | None) -> str | None:
    """An amount as its digits: two decimals, or all it has when it has more (957.5775 stays exact)."""
    if value is None:
        return None
    rounded = value.quantize(_PAISE)
    return f"{rounded if rounded == value else value.normalize():f}"


def _quantity(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


_MONEY = {"type": "string", "format": "decimal", "nullable": True}
_TEXT = {"type": "string"}


# ---------------------------------------------------------------- uploads


def _absolute(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def _job(request, job: ImportJob) -> dict:
    """An upload as the uploads page shows it."""
    mapping = job.status == ImportJob.Status.MAPPING
    return {
        "id": job.pk,
        "fileName": job.original_name,
        "kind": job.kind,
        "mode": job.mode,
        "status": job.status,
        "statusLabel": job.get_status_display(),
        "stuck": undo.is_stuck(job),
        "progress": job.progress,
        "stage": job.stage,
        "uploadedBy": job.uploaded_by_email or None,
        "createdAt": _iso(job.created_at),
        "finishedAt": _iso(job.finished_at),
        "rowsRead": job.rows_read,
        "rowsLoaded": job.rows_loaded,
        "duplicates": job.duplicates,
        "rowsRejected": job.rows_rejected,
        "rowsLeftOut": sum(job.skipped.values()),
        "rowsSetAside": sum(job.set_aside.values()),
        "dateFrom": _iso(job.date_from),
        "dateTo": _iso(job.date_to),
        "error": job.error or None,
        "messages": list(job.messages),
        "links": {
            "self": _absolute(request, "api_upload", job.pk),
            "rejectedRows": _absolute(request, "api_upload_rejected_rows", job.pk) if job.rejects_file else None,
            # New columns are checked by a person on the page; the upload waits until then.
            "columnCheck": _absolute(request, "upload_mapping", job.waiting_on or job.pk) if mapping else None,
        },
    }


_NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}
_NULLABLE_DAY = {"type": "string", "format": "date", "nullable": True}
_NULLABLE_URL = {"type": "string", "format": "uri", "nullable": True}
_JOB = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "fileName": _TEXT,
        "kind": {"type": "string", "enum": list(Kind.values)},
        "mode": {"type": "string", "enum": list(ImportJob.Mode.values)},
        "status": {"type": "string", "enum": list(ImportJob.Status.values)},
        "statusLabel": _TEXT,
        "stuck": {"type": "boolean", "description": "its worker stopped, or none took it: retry it on the page"},
        "progress": {"type": "integer", "description": "percent"},
        "stage": _TEXT,
        "uploadedBy": {"type": "string", "nullable": True, "description": "null: the command line"},
        "createdAt": {"type": "string", "format": "date-time"},
        "finishedAt": _NULLABLE_TIME,
        "rowsRead": {"type": "integer"},
        "rowsLoaded": {"type": "integer"},
        "duplicates": {"type": "integer", "description": "lines already loaded, skipped"},
        "rowsRejected": {"type": "integer"},
        "rowsLeftOut": {"type": "integer", "description": "rows of voucher types that are not sales"},
        "rowsSetAside": {"type": "integer", "description": "blank, total or repeated header rows"},
        "dateFrom": _NULLABLE_DAY,
        "dateTo": _NULLABLE_DAY,
        "error": {"type": "string", "nullable": True},
        "messages": {"type": "array", "items": _TEXT},
        "links": {
            "type": "object",
            "properties": {
                "self": {"type": "string", "format": "uri"},
                "rejectedRows": _NULLABLE_URL,
                "columnCheck": {**_NULLABLE_URL, "description": "the page where a person checks new columns"},
            },
        },
    },
    "required": ["id", "fileName", "kind", "mode", "status", "createdAt", "rowsLoaded", "error", "links"],
}
_UPLOAD_REQUEST = {
    "multipart/form-data": {
        "type": "object",
        "properties": {
            "file": {"type": "string", "format": "binary", "description": "one .xlsx, .xls, .csv, .tsv or .xml file"},
            "kind": {"type": "string", "enum": list(Kind.values), "default": Kind.SALES},
            "mode": {"type": "string", "enum": list(ImportJob.Mode.values), "default": ImportJob.Mode.APPEND},
        },
        "required": ["file"],
    }
}
_REFUSALS = {
    402: OpenApiResponse(FAILURE, description="The plan's limit is reached, or the company is read-only (code "
                         "plan_limit or read_only)."),
    413: OpenApiResponse(FAILURE, description="The file is over the size limit (code too_large)."),
}  # fmt: skip


class UploadsView(ApiView):
    export_name = "uploads"

    @property
    def required_permission(self) -> str:
        return "uploads.create" if self.request.method == "POST" else "uploads.view"

    @extend_schema(
        operation_id="uploads_list",
        summary="Uploads, newest first",
        parameters=[
            *PAGE_PARAMETERS,
            FORMAT_PARAMETER,
        ],
        responses={200: enveloped({"type": "array", "items": _JOB})},
    )
    def get(self, request):
        # The column check's previews and the mappings are not shown here, and a file's can be large.
        heavy = ("proposal", "column_mapping", "sheet_roles", "unmapped_columns", "kind_question", "deletion")
        jobs = Counted(selectors.import_jobs().order_by("-created_at", "-id").defer(*heavy))
        page, paging = page_of(request, jobs)
        return self.answer([_job(request, job) for job in page], **paging)

    @extend_schema(
        summary="Send a file: it is stored and loaded in the background; follow links.self for its status",
        request=_UPLOAD_REQUEST,
        responses={202: enveloped(_JOB), **_REFUSALS},
    )
    def post(self, request):
        request.data  # noqa: B018 - reading the body runs the size limit's handler (ingestion.upload_limits)
        refused = getattr(request._request, "upload_refused", None)
        if refused:
            raise ApiError(refused, code="too_large", parameter="file", status_code=413)
        files = request.FILES.getlist("file")
        if not files:
            raise bad_parameter("file", "Send the file as the multipart form field `file`.")
        if len(files) > 1:
            raise bad_parameter("file", "Send one file per call.")
        upload = files[0]
        upload.name = services.short_name(upload.name or "upload")
        if upload.size > settings.UPLOAD_MAX_BYTES:  # when it came in whole (another upload handler)
            raise ApiError(too_large_message(upload.name), code="too_large", parameter="file", status_code=413)
        kind = request.data.get("kind") or Kind.SALES
        if kind not in Kind.values:
            raise bad_parameter("kind", f"Unknown kind {kind[:40]!r}: use one of {', '.join(Kind.values)}.")
        mode = request.data.get("mode") or ImportJob.Mode.APPEND
        if mode not in ImportJob.Mode.values:
            raise bad_parameter("mode", f"Unknown mode {mode[:40]!r}: use one of {', '.join(ImportJob.Mode.values)}.")
        user = request.user if request.user.is_authenticated else None
        try:
            job = services.upload_create(file=upload, kind=kind, mode=mode, user=user, review=True,
                                         batch=uuid.uuid4().hex)  # fmt: skip
        except ApplicationError as error:
            raise refusal(error) from None
        response = self.answer(_job(request, job))
        response.status_code = status.HTTP_202_ACCEPTED
        response["Location"] = _absolute(request, "api_upload", job.pk)
        return response


def _upload(job_id: int) -> ImportJob:
    job = selectors.import_jobs().filter(pk=job_id).first()
    if job is None:
        raise not_found(f"There is no upload {job_id}.")
    return job


class UploadView(ApiView):
    required_permission = "uploads.view"

    @extend_schema(summary="One upload: its status, result and error", responses={200: enveloped(_JOB)})
    def get(self, request, job_id: int):
        return self.answer(_job(request, _upload(job_id)))


_REJECTED_ROW = {
    "type": "object",
    "properties": {
        "sheet": _TEXT,
        "row": {"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "the row's number in the sheet"},
        "reason": _TEXT,
        "values": {"type": "object", "additionalProperties": _TEXT, "description": "the row's cells, by column"},
    },
}


def _rejected(row: dict[str, str]) -> dict:
    number = row.pop("row", "")
    return {"sheet": row.pop("sheet", ""), "row": int(number) if number.isdigit() else number,
            "reason": row.pop("reason", ""), "values": row}  # fmt: skip


class RejectedRowsView(ApiView):
    required_permission = "uploads.view"  # as the page's download of them
    export_name = "rejected-rows"

    @extend_schema(
        summary="An upload's rejected rows, each with its reason (and rows loaded with a value blanked or cut)",
        parameters=[
            *PAGE_PARAMETERS,
            FORMAT_PARAMETER,
        ],
        responses={200: enveloped({"type": "array", "items": _REJECTED_ROW})},
    )
    def get(self, request, job_id: int):
        job = _upload(job_id)
        limit = whole_number(request, "limit", default=DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE)
        offset = whole_number(request, "offset", default=0, low=0)
        page, count = [], 0
        try:
            # One pass, keeping only the page: a file of many rejected rows is never held whole.
            for count, row in enumerate(selectors.rejected_rows(job), start=1):
                if offset < count <= offset + limit:
                    page.append(_rejected(row))
        except FileNotFoundError:
            raise not_found("This upload's rejected-rows file is no longer kept.") from None
        # As the Uploads page's download does; a key's reads also say which key.
        key = getattr(getattr(request, "membership", None), "api_key", None)
        audit_record(Action.EXPORT, f"Read the rejected rows of “{job.original_name}”"
                     + (f" with the API key {key.prefix}…" if key else ""),
                     upload=job.pk, **({"key": key.prefix} if key else {}))  # fmt: skip
        following = None
        if offset + limit < count:
            url = replace_query_param(request.build_absolute_uri(), "offset", offset + limit)
            following = replace_query_param(url, "limit", limit)
        self.export_name = f"upload-{job.pk}-rejected-rows"
        return self.answer(page, upload=job.pk, count=count, limit=limit, offset=offset, next=following)


# ---------------------------------------------------------------- sales lines


LINE_COLUMNS = (
    "id", "invoice_number", "invoice_date", "customer_name", "customer_key", "product_code", "product_name",
    "product_line", "quantity", "unit_price", "net_amount", "cgst", "sgst", "igst", "branch", "state", "country",
    "salesperson", "manager", "segment", "counts", "source_job_id",
)  # fmt: skip


def _line(row: dict) -> dict:
    return {
        "id": row["id"],
        "invoiceNumber": row["invoice_number"],
        "invoiceDate": _iso(row["invoice_date"]),
        "customerName": row["customer_name"],
        "customerKey": row["customer_key"],
        "productCode": row["product_code"],
        "productName": row["product_name"],
        "productLine": row["product_line"],
        "quantity": _quantity(row["quantity"]),
        "unitPrice": _money(row["unit_price"]),
        "netAmount": _money(row["net_amount"]),
        "cgst": _money(row["cgst"]),
        "sgst": _money(row["sgst"]),
        "igst": _money(row["igst"]),
        "branch": row["branch"],
        "state": row["state"],
        "country": row["country"],
        "salesperson": row["salesperson"],
        "manager": row["manager"],
        "segment": row["segment"],
        "counts": row["counts"],
        "upload": row["source_job_id"],
    }


_LINE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "invoiceNumber": _TEXT,
        "invoiceDate": {"type": "string", "format": "date"},
        "customerName": _TEXT,
        "customerKey": {"type": "string", "description": "the name folded for matching; '' for walk-in sales"},
        "productCode": _TEXT,
        "productName": _TEXT,
        "productLine": _TEXT,
        "quantity": {"type": "string", "format": "decimal", "nullable": True},
        "unitPrice": _MONEY,
        "netAmount": {"type": "string", "format": "decimal", "description": "before tax, as exact as the file"},
        "cgst": {"type": "string", "format": "decimal"},
        "sgst": {"type": "string", "format": "decimal"},
        "igst": {"type": "string", "format": "decimal"},
        "branch": _TEXT,
        "state": _TEXT,
        "country": _TEXT,
        "salesperson": _TEXT,
        "manager": {"type": "string", "description": "the salesperson filter matches it when salesperson is ''"},
        "segment": _TEXT,
        "counts": {"type": "boolean", "description": "counts as a sale: not cancelled, returned, excluded or foreign"},
        "upload": {"type": "integer", "nullable": True, "description": "the upload that loaded it"},
    },
}


class LinesView(ApiView):
    required_permission = "data.export"  # the raw data, as a page's data download
    export_name = "lines"

    @extend_schema(
        summary="Sales lines as stored, newest first, by cursor",
        parameters=[*_FILTER_PARAMETERS, *_CURSOR_PARAMETERS],
        responses={200: enveloped({"type": "array", "items": _LINE})},
    )
    def get(self, request):
        chosen = line_selection(request)
        rows = selectors.lines_matching(start=chosen.start, end=chosen.end, dimensions=chosen.dimensions)
        paginator = LinesCursor()  # by id, newest first: each page walks the primary key from the cursor
        page = paginator.paginate_queryset(rows.values(*LINE_COLUMNS), request, view=self)
        response = paginator.get_paginated_response([_line(row) for row in page])
        response.metadata.update(chosen.metadata())
        return response


# ---------------------------------------------------------------- invoices


class InvoicesCursor:
    """Pages of invoices, newest first, each after the last invoice the previous one gave: by (date, number,
    customer), the key each invoice has once, so none repeats or is skipped however many share a day, and no
    page costs more for coming later. (DRF's CursorPagination keys on one field and steps through invoices of
    the same day by an offset, which it caps at 1000.)"""

    key = selectors.INVOICE_KEY

    def paginate(self, request, rows) -> tuple[list[dict], dict]:
        size = whole_number(request, "pageSize", default=DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE)
        after, backwards = self._decode(request.query_params.get("cursor"))
        if after is None:
            found = list(rows.order_by(*[f"-{name}" for name in self.key])[: size + 1])
            page, has_next, has_previous = found[:size], len(found) > size, False
        elif not backwards:
            found = list(
                rows.filter(self._beyond(after, "lt")).order_by(*[f"-{name}" for name in self.key])[: size + 1]
            )
            page, has_next, has_previous = found[:size], len(found) > size, True
        else:
            found = list(rows.filter(self._beyond(after, "gt")).order_by(*self.key)[: size + 1])
            page, has_next, has_previous = found[:size][::-1], True, len(found) > size
        url = request.build_absolute_uri()
        following = replace_query_param(url, "cursor", self._encode(page[-1], False)) if has_next and page else None
        before = replace_query_param(url, "cursor", self._encode(page[0], True)) if has_previous and page else None
        return page, {"next": following, "previous": before, "pageSize": size}

    def _beyond(self, values: list, lookup: str) -> Q:
        """Rows past `values` in the key's order, (a, b, c) < (x, y, z) for `lt`; with a <= x said alone too, which
        a date index (the BRIN one) can use."""
        condition, equal = Q(), {}
        for name, value in zip(self.key, values, strict=True):
            condition |= Q(**equal, **{f"{name}__{lookup}": value})
            equal[name] = value
        or_equal = {"lt": "lte", "gt": "gte"}[lookup]
        return Q(**{f"{self.key[0]}__{or_equal}": values[0]}) & condition

    def _encode(self, row: dict, backwards: bool) -> str:
        values = [_iso(row[self.key[0]]), *[row[name] for name in self.key[1:]]]
        text = json.dumps({"after": values, "back": backwards}, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def _decode(self, token: str | None) -> tuple[list | None, bool]:
        if not token:
            return None, False
        try:
            found = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            values, backwards = found["after"], found["back"]
            if len(values) != len(self.key) or not all(isinstance(value, str) for value in values):
                raise ValueError("not a key")
            return [date.fromisoformat(values[0]), *values[1:]], bool(backwards)
        except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError):
            raise bad_parameter("cursor", "cursor is not one this API gave; start again without it.") from None


def _invoice(row: dict) -> dict:
    return {
        "invoiceNumber": row["invoice_number"],
        "invoiceDate": _iso(row["invoice_date"]),
        "customerName": row["name"],
        "customerKey": row["customer_key"],
        "lines": row["lines"],
        "quantity": _quantity(row["total_quantity"]),
        "netAmount": _money(row["total_net_amount"]),
        "cgst": _money(row["total_cgst"]),
        "sgst": _money(row["total_sgst"]),
        "igst": _money(row["total_igst"]),
    }


_INVOICE = {
    "type": "object",
    "properties": {
        "invoiceNumber": _TEXT,
        "invoiceDate": {"type": "string", "format": "date"},
        "customerName": _TEXT,
        "customerKey": _TEXT,
        "lines": {"type": "integer", "description": "its lines that count as sales"},
        "quantity": {"type": "string", "format": "decimal", "nullable": True},
        "netAmount": {"type": "string", "format": "decimal"},
        "cgst": {"type": "string", "format": "decimal"},
        "sgst": {"type": "string", "format": "decimal"},
        "igst": {"type": "string", "format": "decimal"},
    },
}


class InvoicesView(ApiView):
    required_permission = "data.export"
    export_name = "invoices"

    @extend_schema(
        summary="Invoices (number, date and customer) over the lines that count as sales, newest first, by cursor",
        parameters=[
            *_FILTER_PARAMETERS,
            OpenApiParameter("q", str, description="invoice number or customer name contains this, any case"),
            *_CURSOR_PARAMETERS,
        ],
        responses={200: enveloped({"type": "array", "items": _INVOICE})},
    )
    def get(self, request):
        chosen = line_selection(request)
        search = " ".join(request.query_params.get("q", "").split())[:100]
        lines = selectors.lines_matching(start=chosen.start, end=chosen.end, dimensions=chosen.dimensions)
        page, paging = InvoicesCursor().paginate(request, selectors.invoices(lines, search=search))
        response = Response([_invoice(row) for row in page])
        response.metadata = {**paging, **chosen.metadata(), "q": search or None}
        return response


urlpatterns = [
    path("uploads/", UploadsView.as_view(), name="api_uploads"),
    path("uploads/<int:job_id>/", UploadView.as_view(), name="api_upload"),
    path("uploads/<int:job_id>/rejected-rows/", RejectedRowsView.as_view(), name="api_upload_rejected_rows"),
    path("lines/", LinesView.as_view(), name="api_lines"),
    path("invoices/", InvoicesView.as_view(), name="api_invoices"),
]
