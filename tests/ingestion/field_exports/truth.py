"""What an analyst would report for an export file, and how a generator is declared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path


@dataclass(frozen=True)
class Truth:
    """The figures of the lines that count: sales vouchers in the company's currency, not cancelled, returned,
    refunded or otherwise voided. `revenue` is net of tax where the file gives tax, else the total it gives."""

    revenue: Decimal
    orders: int
    customers: int  # known customers only: walk-in lines without a customer are not counted
    lines_loaded: int | None = None  # every line kept, counted or not (None: not asserted)
    skipped: dict[str, int] = field(default_factory=dict)  # voucher type -> vouchers skipped (Receipt: 12)
    other_currency_lines: int = 0


@dataclass(frozen=True)
class FieldExport:
    """A generator: writes the export into a folder and returns its path and truth."""

    name: str  # e.g. "tally-daybook"
    write: Callable[[Path], tuple[Path, Truth]]
    currency: str = "INR"  # the company's currency for the test
