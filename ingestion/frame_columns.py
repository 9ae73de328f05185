"""Reading canonical columns out of a cleaned table, shared by the loaders of every kind of upload."""

from __future__ import annotations

import pandas as pd


def text(rows: pd.DataFrame, name: str, *, take: bool = False) -> pd.Series:
    """A text column with '' for missing values; `take` moves it out of `rows` to keep one copy in memory."""
    if name not in rows:
        return pd.Series("", index=rows.index, dtype="str")
    column = rows.pop(name) if take else rows[name]
    return column.astype("str").fillna("")


def maybe(rows: pd.DataFrame, name: str) -> pd.Series:
    """An optional numeric column, moved out of `rows`: missing values stay missing (NULL)."""
    if name not in rows:
        return pd.Series(None, index=rows.index, dtype=object)
    return rows.pop(name)
