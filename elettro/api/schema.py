"""The OpenAPI description of the envelope, so the schema says what every response really holds (schemathesis
checks each response against it in `make test`)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter

from .paging import MAX_PAGE_SIZE

# What every list takes: a page by limit and offset, and (where a list says so) CSV or XLSX.
PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description=f"rows per page, 1 to {MAX_PAGE_SIZE}"),
    OpenApiParameter("offset", int, description="rows to skip"),
]
FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["json", "csv", "xlsx"], description="csv or xlsx for Excel and Power BI"
)

ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "stable, for scripts: invalid_parameter, not_found, rate_limited…"},
        "message": {"type": "string", "description": "what went wrong and what to change, for people"},
        "parameter": {"type": "string", "description": "the query parameter or field at fault, when one is"},
    },
    "required": ["code", "message"],
}
METADATA = {
    "type": "object",
    "properties": {
        "requestId": {"type": "string", "description": "the id the logs and the X-Request-ID header carry"},
        "next": {"type": "string", "nullable": True, "description": "the next page of a list; null on the last"},
    },
    "required": ["requestId"],
    "additionalProperties": True,
}


def enveloped(data: dict) -> dict:
    """A success's schema: `data` as given, `error` null."""
    return {
        "type": "object",
        "properties": {
            "data": data,
            "error": {"type": "object", "nullable": True, "enum": [None]},
            "metadata": METADATA,
        },
        "required": ["data", "error", "metadata"],
    }


FAILURE = {
    "type": "object",
    "properties": {
        "data": {"nullable": True, "enum": [None]},
        "error": ERROR,
        "metadata": METADATA,
    },
    "required": ["data", "error", "metadata"],
}
_ERRORS = {
    "400": "A parameter is malformed: `error.parameter` names it.",
    "401": "No key, or a key that is unknown or revoked.",
    "403": "The key's role does not allow this, or the key belongs to another company.",
    "404": "Nothing by that id.",
    "429": "Too many calls with this key: wait for Retry-After seconds.",
}


def errors_on_every_operation(result, generator, request, public):
    """drf-spectacular hook: every operation may answer these, each in the envelope."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in _ERRORS.items():
                operation["responses"].setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": FAILURE}}}
                )
    return result
