"""How answers are written: JSON in the envelope (see elettro/api/envelope.py), and lists as CSV and XLSX
(`?format=csv`, `?format=xlsx`) for Excel's "From Web" and Power BI's Web connector: one row per item, one column
per field (nested fields as `parent.child`), in the order the API gives them. Amounts stay exact: decimals are
written as numbers in XLSX and as their digits in CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from rest_framework.renderers import BaseRenderer, JSONRenderer

from elettro import request_id


def envelope(data=None, *, error: dict | None = None, metadata: dict | None = None) -> dict:
    return {"data": data, "error": error, "metadata": {"requestId": request_id.current(), **(metadata or {})}}


class Failure(dict):
    """An error's body, told apart from data that happens to be a dict."""


class EnvelopeRenderer(JSONRenderer):
    """JSON in the envelope; DRF's JSON otherwise (drf-spectacular's schema is a document of its own)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        metadata = getattr(response, "metadata", None) or {}
        if isinstance(data, Failure):
            body = envelope(error=dict(data), metadata=metadata)
        else:
            body = envelope(data, metadata=metadata)
        return super().render(body, accepted_media_type, renderer_context)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Text that looks like a number but is a code (an invoice number 00123, a 19-digit id): kept as text in XLSX.
_CODE_LIKE = re.compile(r"-?(0\d|\d{16})")


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows and never runs: a leading quote on formula-like text (not on a negative number)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith(_FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except (InvalidOperation, ValueError):
        return False
    return text.strip() == text and text.lower() not in ("nan", "inf", "-inf", "infinity", "-infinity", "snan")


def _flat(item, prefix: str = "") -> dict:
    if not isinstance(item, dict):
        return {prefix or "value": item}
    out = {}
    for key, value in item.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flat(value, name))
        elif isinstance(value, list):
            out[name] = ", ".join(str(part) for part in value)
        else:
            out[name] = value
    return out


def table(data) -> tuple[list[str], list[dict]]:
    """The columns and rows of a list (a single object is one row)."""
    rows = [_flat(item) for item in (data if isinstance(data, list) else [data] if data is not None else [])]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns), rows


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        columns, rows = table(data)
        out = io.StringIO()
        out.write("\ufeff")  # Excel reads UTF-8 (₹, Devanagari) only with the mark
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([safe_cell(_text(row.get(column))) for column in columns])
        return out.getvalue().encode("utf-8")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class XLSXRenderer(BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return workbook({"data": data})


def workbook(sheets: dict) -> bytes:
    """An XLSX file with a sheet per {name: list}."""
    book = Workbook(write_only=True)
    for name, data in sheets.items():
        columns, rows = table(data)
        sheet = book.create_sheet(name[:31])
        sheet.append(columns)
        for row in rows:
            sheet.append([_cell(row.get(column)) for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    if value is None or isinstance(value, (bool, int, float, date, datetime)):
        return value
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        # The API gives amounts as decimal strings: numbers in a spreadsheet, so they add up.
        if _is_number(value) and "e" not in value.lower() and not _CODE_LIKE.match(value):
            return Decimal(value)
        return safe_cell(value)
    return safe_cell(str(value))
