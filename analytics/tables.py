"""A dashboard table as plain data, so the page, the CSV and the XLSX download are built from one thing."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = frozenset({"text", "money", "number", "percent", "date"})


@dataclass(frozen=True)
class Column:
    """One column: `kind` decides how a value is written (money to 2 places, percent from a fraction, ...)."""

    key: str
    label: str
    kind: str = "text"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Column {self.key!r}: kind {self.kind!r} is not one of {sorted(KINDS)}")


@dataclass
class Table:
    """Rows are lists in column order; values are str, int, Decimal, date or None, and percentages are
    fractions (Decimal("0.123") is 12.3%) so sums and spreadsheets see the real number."""

    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: str = ""

    def __post_init__(self) -> None:
        width = len(self.columns)
        for number, row in enumerate(self.rows, start=1):
            if len(row) != width:
                raise ValueError(f"Table {self.title!r}: row {number} has {len(row)} values for {width} columns")
