"""Getting clean rows into PostgreSQL fast: COPY into a staging table, then one set-based insert.

Everything here runs inside the caller's transaction, so a failure (or a killed worker) leaves no row behind,
and loading the same rows again inserts nothing: duplicates meet the table's unique key and are skipped.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection

COPY_BATCH_ROWS = 100_000


@dataclass(frozen=True)
class LoadResult:
    staged: int
    inserted: int
    replaced: int = 0

    @property
    def duplicates(self) -> int:
        return self.staged - self.inserted


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def copy_frame(cursor, table: str, frame: pd.DataFrame) -> int:
    """COPY a DataFrame into `table` in batches; strings are quoted (empty stays ''), missing values become NULL."""
    columns = ", ".join(_quoted(column) for column in frame.columns)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        for start in range(0, len(frame), COPY_BATCH_ROWS):
            batch = pa.Table.from_pandas(frame.iloc[start : start + COPY_BATCH_ROWS], preserve_index=False)
            buffer = io.BytesIO()
            pa_csv.write_csv(batch, buffer, write_options=options)
            copy.write(buffer.getbuffer())
    return len(frame)


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
