"""Find the table inside an export: the header row under Tally's title lines, then the rows worth keeping.

Tally and most Indian ERPs print the company name, address, GSTIN, report name and period above the table,
sometimes spread a header over two rows under a merged group label, add total lines, and leave a voucher's date,
party and number blank on its second and later item lines. This module undoes all of that.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ingestion.etl import mapping as fields
from ingestion.etl.cleaning import looks_like_date, looks_like_number, normalize_name, parse_date, parse_dates
from ingestion.etl.errors import IngestError

SEARCH_ROWS = 30
_MAX_LABEL_CHARS = 60
_MAX_GROUP_LABEL_CHARS = 30


@dataclass
class HeaderResult:
    """Where the header is, the column names it gives, the rows below it and the title lines above it."""

    header_rows: tuple[object, ...]  # index labels of the one or two header rows in the raw table
    columns: list[str]
    data: pd.DataFrame  # rows below the header, named columns, raw index kept (source row numbers)
    title_lines: list[str] = field(default_factory=list)
    period: tuple[date, date] | None = None


def _cell(value: object) -> str | None:
    return normalize_name(value)


def _row_cells(raw: pd.DataFrame, position: int) -> list[str | None]:
    return [_cell(value) for value in raw.iloc[position].tolist()]


def _is_value(cell: str) -> bool:
    return looks_like_number(cell) or looks_like_date(cell)


def _row_score(cells: list[str | None], kind: str | None) -> float:
    """Header-likeness: known column names count most, short text counts, numbers and dates count against."""
    filled = [cell for cell in cells if cell]
    values = sum(1 for cell in filled if _is_value(cell))
    texts = len(filled) - values
    long_texts = sum(1 for cell in filled if len(cell) > _MAX_LABEL_CHARS)
    return 3 * fields.header_score(filled, kind) + texts - 2 * values - 2 * long_texts


def locate_header(raw: pd.DataFrame, *, kind: str | None = None, search_rows: int = SEARCH_ROWS) -> HeaderResult:
    """Pick the header among the first ``search_rows`` rows; IngestError when no row looks like column names."""
    rows = [_row_cells(raw, position) for position in range(min(search_rows, len(raw)))]
    filled_columns = int(raw.head(search_rows * 10).notna().any().sum())  # the head says how wide the table is
    minimum = min(2, max(filled_columns, 1))
    best_position, best_score = None, float("-inf")
    for position, cells in enumerate(rows):
        filled = [cell for cell in cells if cell]
        if len(filled) < minimum or all(_is_value(cell) for cell in filled):
            continue
        score = _row_score(cells, kind)
        if score > best_score:
            best_position, best_score = position, score
    if best_position is None:
        raise IngestError(
            "We couldn't find the column names in this file. Make sure the first rows of the table hold the column "
            "headings (like Date, Invoice No., Customer, Amount).",
            code="no_header",
        )
    header = rows[best_position]
    upper = _group_row_above(rows, best_position)
    lower = None if upper is not None else _group_row_below(rows, best_position, kind)
    if upper is not None:
        positions, names = (upper, best_position), _combine(rows[upper], header)
    elif lower is not None:
        positions, names = (best_position, lower), _combine(header, rows[lower])
    elif _sub_labels_below(rows, best_position):
        positions, names = (best_position, best_position + 1), list(header)
    else:
        positions, names = (best_position,), list(header)
    columns = _unique_names(names)
    data = raw.iloc[positions[-1] + 1 :]  # copy-on-write: no copy of a million rows until one is changed
    data.columns = columns
    unnamed_empty = [name for name, given in zip(columns, names, strict=True) if not given and data[name].isna().all()]
    data = data.drop(columns=unnamed_empty)
    titles = _title_lines(rows[: positions[0]])
    return HeaderResult(
        header_rows=tuple(_plain_label(raw.index[position]) for position in positions),
        columns=[name for name in columns if name not in unnamed_empty],
        data=data,
        title_lines=titles,
        period=find_period(titles),
    )


def _plain_label(label: object) -> object:
    """numpy integers as Python ints, so results compare and serialise simply."""
    return int(label) if isinstance(label, (int, np.integer)) else label


def _first_filled(cells: list[str | None]) -> int | None:
    return next((index for index, cell in enumerate(cells) if cell), None)


def _group_row_above(rows: list[list[str | None]], position: int) -> int | None:
    """The row above, when it holds group labels (a merged 'Sales' over Qty/Rate/Value) or names the header lacks."""
    if position == 0:
        return None
    above, header = rows[position - 1], rows[position]
    labels = [(index, cell) for index, cell in enumerate(above) if cell]
    if not labels or any(_is_value(cell) or len(cell) > _MAX_GROUP_LABEL_CHARS for _, cell in labels):
        return None
    below = rows[position + 1 : position + 6]
    fills_gap = any(
        index < len(header) and not header[index] and any(index < len(line) and line[index] for line in below)
        for index, _ in labels
    )
    header_start = _first_filled(header)
    over_header = all(index < len(header) and header[index] for index, _ in labels)
    # A title line sits at the left edge; group labels sit over later columns.
    groups = over_header and all(index != header_start for index, _ in labels)
    filled_header = sum(1 for cell in header if cell)
    if (fills_gap and len(labels) < filled_header + 2) or (groups and len(labels) < filled_header):
        return position - 1
    return None


def _group_row_below(rows: list[list[str | None]], position: int, kind: str | None) -> int | None:
    """The row below, when it carries sub-labels under the header's blanks (Quantity | Rate | Value)."""
    if position + 1 >= len(rows):
        return None
    header, below = rows[position], rows[position + 1]
    labels = [(index, cell) for index, cell in enumerate(below) if cell]
    if not labels or any(_is_value(cell) for _, cell in labels):
        return None
    fills_gap = any(index < len(header) and not header[index] for index, _ in labels)
    if fills_gap and fields.header_score([cell for _, cell in labels], kind) >= 1:
        return position + 1
    return None


def _sub_labels_below(rows: list[list[str | None]], position: int) -> bool:
    """A row of second meanings under named columns (Tally's Day Book: 'Inwards Qty' under 'Debit Amount'): part of
    the header, not a line. Only words, each under a named column, and the next row holds values."""
    if position + 2 >= len(rows):
        return False
    header, below, data = rows[position], rows[position + 1], rows[position + 2]
    labels = [(index, cell) for index, cell in enumerate(below) if cell]
    if not labels or any(_is_value(cell) or len(cell) > _MAX_GROUP_LABEL_CHARS for _, cell in labels):
        return False
    under_names = all(index < len(header) and header[index] for index, _ in labels)
    fewer = len(labels) < sum(1 for cell in header if cell)
    data_has_values = any(cell and _is_value(cell) for cell in data)
    named = all(fields.speaks_of_columns(cell) for _, cell in labels)
    return under_names and fewer and data_has_values and named


def _combine(top: list[str | None], bottom: list[str | None]) -> list[str | None]:
    """'Sales' over 'Quantity' -> 'Sales Quantity'; a merged label is carried right over its sub-labels."""
    names: list[str | None] = []
    carried = None
    for index in range(max(len(top), len(bottom))):
        upper = top[index] if index < len(top) else None
        lower = bottom[index] if index < len(bottom) else None
        if upper:
            carried = upper if lower else None
        elif not lower:
            carried = None
        label = upper or carried
        if label and lower:
            names.append(f"{label} {lower}")
        else:
            names.append(lower or label)
    return names


def _unique_names(names: Sequence[str | None]) -> list[str]:
    """Blank names become 'Column 5'; repeats become 'Amount', 'Amount 2', 'Amount 3'."""
    result: list[str] = []
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        base = name or f"Column {position}"
        candidate, counter = base, 1
        while candidate.casefold() in seen:
            counter += 1
            candidate = f"{base} {counter}"
        seen.add(candidate.casefold())
        result.append(candidate)
    return result


def _title_lines(rows: list[list[str | None]]) -> list[str]:
    return [" ".join(cell for cell in cells if cell) for cells in rows if any(cells)]


_DATE_TEXT = r"\d{1,2}[-/. ]?[A-Za-z]{3,9}[-/., ]*\d{2,4}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}-\d{2}-\d{2}"
_PERIOD = re.compile(rf"({_DATE_TEXT})\s*(?:to|till|until|-|–|—)\s*({_DATE_TEXT})", re.IGNORECASE)


def find_period(lines: Sequence[str]) -> tuple[date, date] | None:
    """The report period from a title line such as '1-Apr-24 to 31-Mar-25'."""
    for line in lines:
        match = _PERIOD.search(line)
        if match:
            start, end = parse_date(match.group(1)), parse_date(match.group(2))
            if start and end and start <= end:
                return start, end
    return None


# ---------------------------------------------------------------- the rows below the header

TOTAL_LABELS = frozenset(
    {
        "total",
        "totals",
        "grand total",
        "sub total",
        "subtotal",
        "sub-total",
        "net total",
        "total amount",
        "carried over",
        "brought forward",
        "c/f",
        "b/f",
        "c/o",
        "opening balance",
        "closing balance",
    }
)


@dataclass
class TidyResult:
    rows: pd.DataFrame
    blank_rows: int = 0
    total_rows: list[object] = field(default_factory=list)  # index labels, so the UI can show what was dropped
    repeated_headers: int = 0
    filled_rows: int = 0


def tidy_columns(mapping: dict[str, str], kind: str) -> tuple[list[str], list[str]]:
    """(voucher-level source columns to fill down, item-level source columns that make a line real) for a kind."""
    keys = [mapping[name] for name in fields.VOUCHER_FIELDS[kind] if name in mapping]
    items = [mapping[name] for name in fields.ITEM_FIELDS[kind] if name in mapping]
    return keys, items


def _blank(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.apply(lambda column: column.isna() | (column.astype("str").str.strip() == ""))


def tidy_rows(
    frame: pd.DataFrame,
    key_columns: Sequence[str] = (),
    *,
    item_columns: Sequence[str] | None = None,
    day_column: str | None = None,
    order_columns: Sequence[str] = (),
) -> TidyResult:
    """Drop blank, repeated-header and total rows, then fill voucher-level columns down onto item lines.

    ``key_columns`` are the voucher-level source columns (see ``tidy_columns``): on a line where all of them are
    blank but an item column has data, they are copied from the voucher's first line, blanks included, so a
    missing GSTIN never leaks from the previous voucher. Nothing is filled when ``key_columns`` is empty.
    ``day_column`` is a date a report prints only when it changes (Tally's Day Book): it is carried down too.
    ``order_columns`` name an order (its number, and its voucher type where numbers restart per type): web shops
    repeat the number on every item line but leave the order's other fields (date, status, customer) on its first
    line only, so those are filled from the order's first filled value.
    """
    blank = _blank(frame)
    empty_rows = blank.all(axis=1)
    rows, blank = _drop(frame, blank, empty_rows)
    repeats = _repeated_headers(rows)
    rows, blank = _drop(rows, blank, repeats)
    totals = _total_rows(rows, blank, key_columns, item_columns)
    total_labels = [_plain_label(label) for label in rows.index[totals]]
    rows, blank = _drop(rows, blank, totals)
    rows, filled = _fill_voucher_columns(rows, blank, key_columns, item_columns)
    if day_column is not None and day_column in rows.columns:
        rows = _carry_day_down(rows, day_column)
    order = [name for name in order_columns if name in rows.columns]
    if order:
        rows = _fill_within_orders(rows, order, [name for name in key_columns if name not in order])
    return TidyResult(
        rows=rows,
        blank_rows=int(empty_rows.sum()),
        total_rows=total_labels,
        repeated_headers=int(repeats.sum()),
        filled_rows=filled,
    )


def _drop(rows: pd.DataFrame, blank: pd.DataFrame, mask: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows and their blank-map without the masked rows; no copy of a million rows when nothing is dropped."""
    if not mask.any():
        return rows, blank
    return rows[~mask], blank[~mask]


def _repeated_headers(rows: pd.DataFrame) -> pd.Series:
    """Page headers printed again in the middle of the table."""
    matches = pd.DataFrame(
        {
            name: rows[name].astype("str").str.strip().str.lower() == str(name).lower()
            for name in rows.columns
            if not str(name).startswith("Column ")
        },
        index=rows.index,
    )
    return (matches.sum(axis=1) >= 2) if not matches.empty else pd.Series(False, index=rows.index)


def _total_rows(
    rows: pd.DataFrame, blank: pd.DataFrame, key_columns: Sequence[str], item_columns: Sequence[str] | None
) -> pd.Series:
    """Lines labelled Total/Grand Total/..., and trailing lines with amounts but nothing saying what they are."""
    labelled = pd.Series(False, index=rows.index)
    for name in rows.columns:
        text = rows[name].astype("str").str.strip().str.lower().str.rstrip(":").str.strip()
        labelled |= text.isin(TOTAL_LABELS).fillna(False).astype(bool)
    identity = [*key_columns, *(item_columns or [])]
    identity = [name for name in identity if name in rows.columns] or _text_columns(rows, blank)
    unnamed = blank[identity].all(axis=1) if identity else pd.Series(False, index=rows.index)
    has_numbers = ~blank.all(axis=1)
    trailing = pd.Series(False, index=rows.index)
    for position in range(len(rows) - 1, -1, -1):
        if not (unnamed.iloc[position] and has_numbers.iloc[position]):
            break
        trailing.iloc[position] = True
    return labelled | trailing


def _text_columns(rows: pd.DataFrame, blank: pd.DataFrame, sample: int = 200) -> list[str]:
    """Columns whose filled cells are mostly words, judged on the first rows: where a line says what it is."""
    names = []
    head = rows.head(sample)
    for name in rows.columns:
        values = [value for value in head[name].tolist() if isinstance(value, str) and value.strip()]
        if values and sum(not looks_like_number(value) for value in values) > len(values) / 2:
            names.append(name)
    return names


def _fill_within_orders(rows: pd.DataFrame, order_columns: list[str], columns: Sequence[str]) -> pd.DataFrame:
    # Only columns blank on some rows and filled on others can have an order's value to take (most have none).
    columns = [name for name in columns if 0 < rows[name].isna().sum() < len(rows)]
    if not columns:
        return rows
    numbered = rows[order_columns[-1]].notna()
    order = rows.groupby(order_columns, sort=False, dropna=False).ngroup()
    repeated = numbered & order.duplicated()
    if not repeated.any():
        return rows
    copied = False
    for name in columns:
        values = rows[name]
        blank = values.isna() | (values.astype("str").str.strip() == "")
        gaps = blank & repeated
        if not gaps.any():
            continue
        first = values.mask(blank).groupby(order).transform("first")
        if not copied:
            rows, copied = rows.copy(), True
        rows[name] = values.where(~gaps, first)
    return rows


def _carry_day_down(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Dates printed once per day: a blank takes the date above it when the report runs in date order (so a date
    merely missing in an unordered list is still rejected)."""
    days = rows[column]
    blank = days.isna() | (days.astype("str").str.strip() == "")
    if not blank.any() or blank.iloc[0] or blank.all():
        return rows
    parsed, _, _ = parse_dates(days[~blank].astype("str"))
    if parsed.isna().any() or not parsed.is_monotonic_increasing:
        return rows
    rows = rows.copy()
    rows[column] = days.mask(blank).ffill()
    return rows


def _fill_voucher_columns(
    rows: pd.DataFrame, blank: pd.DataFrame, key_columns: Sequence[str], item_columns: Sequence[str] | None
) -> tuple[pd.DataFrame, int]:
    keys = [name for name in key_columns if name in rows.columns]
    if not keys or rows.empty:
        return rows, 0
    items = [name for name in (item_columns or rows.columns) if name in rows.columns and name not in keys]
    has_item = ~blank[items].all(axis=1) if items else pd.Series(False, index=rows.index)
    continuation = blank[keys].all(axis=1) & has_item
    if not continuation.any():
        return rows, 0
    voucher = (~continuation).cumsum()
    rows = rows.copy()
    starts = rows.loc[~continuation, keys]
    starts.index = voucher[~continuation].to_numpy()
    copied = starts.reindex(voucher[continuation].to_numpy())
    copied.index = rows.index[continuation]
    # Lines before the first voucher have nothing to copy: they stay as they are.
    rows.loc[continuation, keys] = copied.where(copied.notna(), rows.loc[continuation, keys])
    return rows, int((continuation & (voucher > 0)).sum())
