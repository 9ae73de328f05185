"""What makes two sales lines the same line, whichever export and spelling they came from.

The identity is computed from the cleaned values as the database keeps them: "1,23,456.00" typed as text and
123456 stored by Excel are one amount, "1-Jul-24" and an Excel date one day. Status, salesperson and the like may
change between exports of the same invoice, so they are not part of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingestion.etl.cleaning import canonical_decimals

# column -> decimal places the database keeps, for numbers; None for text
SALES_IDENTITY: dict[str, int | None] = {
    "invoice_number": None,
    "invoice_date": None,
    "customer_key": None,
    "product_code": None,
    "product_name": None,
    "quantity": 3,
    "unit_price": 4,
    "net_amount": 4,
    "line_number": None,
}


def identity_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The identity columns as canonical text: decimals at the database's scale, dates as day numbers."""
    out = pd.DataFrame(index=frame.index)
    for column, places in SALES_IDENTITY.items():
        values = frame[column]
        if column == "invoice_date":  # the day, as a number of days: the time of day is no part of a line
            values = (pd.to_datetime(values).astype("datetime64[s]").astype("int64") // 86_400).astype("str")
        elif places is not None:
            values = canonical_decimals(values, places)
        # One dtype whatever the input's, so a line read back from the database hashes as it did from the file.
        out[column] = values.astype("str").fillna("")
    return out


def line_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each line's identity."""
    return pd.util.hash_pandas_object(identity_frame(frame), index=False).to_numpy().view(np.int64)


def occurrences(hashes: np.ndarray) -> np.ndarray:
    """1 for the first line with a hash, 2 for the second identical line (two equal item lines are both real)."""
    return pd.Series(hashes).groupby(hashes).cumcount().to_numpy() + 1
