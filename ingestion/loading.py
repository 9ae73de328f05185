"""Getting clean rows into PostgreSQL fast.

Two ways, both inside the caller's transaction, so a failure (or a killed worker) leaves no row behind:
- `load_new_rows` (sales lines): fetch the keys already stored for the file's dates, drop those rows in memory,
  and COPY the rest straight into the table; a per-table advisory lock keeps two loads from racing, and the
  unique key stays as the last guard.
- `load_rows` (everything else): COPY into a staging table, then one INSERT ... ON CONFLICT DO NOTHING.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection
from psycopg import sql

COPY_BATCH_ROWS = 100_000


@dataclass(frozen=True)
class LoadResult:
    staged: int
    inserted: int
    replaced: int = 0
    # Every row this load inserted has an id above it (read under the table's lock): what the rollups merge.
    after_id: int | None = None

    @property
    def duplicates(self) -> int:
        return self.staged - self.inserted


# A load prepared outside the transaction: called inside it, it writes and returns its result and date span.
Write = Callable[[], tuple[LoadResult, tuple]]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def copy_frame(cursor, table: str, frame: pd.DataFrame, *, order=None) -> int:
    """COPY a DataFrame into `table` in batches; strings are quoted (empty stays ''), missing values become NULL.

    `order` (row positions) sends the rows in that order without copying the whole frame first.
    """
    columns = ", ".join(_quoted(column) for column in frame.columns)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        for start in range(0, len(frame), COPY_BATCH_ROWS):
            end = start + COPY_BATCH_ROWS
            rows = frame.iloc[start:end] if order is None else frame.take(order[start:end])
            batch = _dates_as_dates(pa.Table.from_pandas(rows, preserve_index=False))
            buffer = io.BytesIO()
            pa_csv.write_csv(batch, buffer, write_options=options)
            copy.write(buffer.getbuffer())
    return len(frame)


def _dates_as_dates(table: pa.Table) -> pa.Table:
    """Our tables have DATE columns only: write pandas' datetimes as plain dates."""
    for index, column in enumerate(table.schema):
        if pa.types.is_timestamp(column.type):
            table = table.set_column(index, column.name, table.column(index).cast(pa.date32()))
    return table


def load_rows(
    *,
    table: str,
    frame: pd.DataFrame,
    conflict_columns: tuple[str, ...],
    replace_where: tuple[str, list] | None = None,
) -> LoadResult:
    """Insert the rows of `frame` that `table` does not hold yet (by `conflict_columns`).

    `replace_where` ("invoice_date BETWEEN %s AND %s", [start, end]) first deletes the rows it selects,
    in the same transaction, for uploads that replace a period.
    """
    stage = f"stage_{table}"
    columns = ", ".join(_quoted(column) for column in frame.columns)
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's own cursor, for COPY
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA")
        staged = copy_frame(cursor, stage, frame)
        replaced = 0
        if replace_where is not None:
            condition, params = replace_where
            cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
            replaced = cursor.rowcount
        conflict = ", ".join(_quoted(column) for column in conflict_columns)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} ON CONFLICT ({conflict}) DO NOTHING"
        )
        inserted = cursor.rowcount
        cursor.execute(f"DROP TABLE {stage}")
    return LoadResult(staged=staged, inserted=inserted, replaced=replaced)


def _existing_keys(cursor, table: str, key_columns: tuple[str, ...], where: tuple[str, list]) -> pd.DataFrame:
    """The key columns of stored rows matching `where`, read with COPY (a million keys in about a second)."""
    columns = ", ".join(_quoted(column) for column in key_columns)
    condition, params = where
    # COPY takes no bind parameters: the values go in as properly quoted literals.
    statement = sql.SQL(f"COPY (SELECT {columns} FROM {table} WHERE {condition.replace('%s', '{}')}) TO STDOUT "
                        "WITH (FORMAT csv)").format(*(sql.Literal(value) for value in params))  # fmt: skip
    buffer = io.BytesIO()
    with cursor.copy(statement) as copy:
        for chunk in copy:
            buffer.write(chunk)
    if not buffer.tell():
        return pd.DataFrame({column: pd.Series(dtype="int64") for column in key_columns})
    buffer.seek(0)
    names = list(key_columns)
    options = pa_csv.ReadOptions(column_names=names)
    types = pa_csv.ConvertOptions(column_types={name: pa.int64() for name in names})
    return pa_csv.read_csv(buffer, read_options=options, convert_options=types).to_pandas()


def lock_table(cursor, table: str) -> None:
    """Hold the company's lock on `table` until the transaction ends: loads and deletions of its rows take turns."""
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{connection.schema_name}.{table}"])


def load_new_rows(
    *,
    table: str,
    frame: pd.DataFrame,
    key_columns: tuple[str, ...],
    window: tuple[str, list],
    replace: bool = False,
) -> LoadResult:
    """Insert the rows of `frame` whose integer key is not stored yet; stored rows can only match inside `window`.

    With `replace`, every row inside `window` is deleted first (an upload that replaces its period).
    """
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        lock_table(cursor, table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        (after_id,) = cursor.fetchone()
        replaced = 0
        if replace:
            condition, params = window
            cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
            replaced = cursor.rowcount
            fresh = frame
        else:
            stored = _existing_keys(cursor, table, key_columns, window)
            if len(stored):
                seen = pd.MultiIndex.from_frame(stored[list(key_columns)])
                mask = pd.MultiIndex.from_frame(frame[list(key_columns)]).isin(seen)
                fresh = frame[~mask]
            else:
                fresh = frame
        if len(fresh):
            # In key order the unique index fills page by page instead of touching a random page per row.
            order = np.lexsort([fresh[column].to_numpy() for column in reversed(key_columns)])
            copy_frame(cursor, table, fresh, order=order)
    return LoadResult(staged=len(frame), inserted=len(fresh), replaced=replaced, after_id=after_id)
