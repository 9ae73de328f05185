"""One ERP's invoice lines exported twice over overlapping months, the second time spelled differently.

File A is the April-June register saved as .xlsx: amounts are numbers with two decimals and dates are real Excel
dates. File B is the May-July register from the same ERP saved as CSV: amounts are text with Indian grouping
('1,23,456.00') or with four decimals ('1250.5000'), and dates are '1-Jul-24'. Loading A then B must find every
May-June line of B already loaded (the same line, however it is spelled) and add only July.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from tests.ingestion.field_exports.shop_common import (
    ERP_ITEMS,
    businesses,
    indian,
    money,
    write_csv,
    write_xlsx,
)

OVERLAP_HEADER = (
    "Invoice No", "Invoice Date", "Party Code", "Party Name", "GSTIN", "Item Code", "Item Name", "HSN", "Qty", "Unit",
    "Rate", "Taxable Value", "CGST", "SGST", "IGST", "Total",
)  # fmt: skip
_AMOUNT_COLUMNS = ("Rate", "Taxable Value", "CGST", "SGST", "IGST", "Total")
_HOME_STATE = "27"
_STATE_CODES = {
    "Maharashtra": "27", "Gujarat": "24", "Karnataka": "29", "Tamil Nadu": "33", "Telangana": "36", "Kerala": "32",
    "Delhi": "07", "Haryana": "06", "Rajasthan": "08", "Uttar Pradesh": "09", "West Bengal": "19",
    "Madhya Pradesh": "23", "Odisha": "21", "Chandigarh": "04", "Goa": "30",
}  # fmt: skip


@dataclass(frozen=True)
class OverlapTruth:
    first_lines: int  # lines in A
    second_lines: int  # lines in B
    overlap_lines: int  # lines of B already in A (May-June): reported as duplicates
    new_lines: int  # lines of B not in A (July): loaded
    revenue: Decimal  # net of tax, over A and B together, each line once
    orders: int
    customers: int


def _gstin(rng: random.Random, state_code: str) -> str:
    from elettro.kernel.india import gstin_check_digit  # a valid check digit, so the party's GSTIN isn't refused

    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pan = "".join(rng.choice(letters) for _ in range(3)) + rng.choice("CFP") + rng.choice(letters)
    first14 = f"{state_code}{pan}{rng.randrange(10000):04d}{rng.choice(letters)}1Z"
    return first14 + gstin_check_digit(first14)


def write_overlap_pair(folder: Path, *, seed: int = 401) -> tuple[Path, Path, OverlapTruth]:
    rng = random.Random(seed)
    parties = []
    for index, (name, _, state) in enumerate(businesses(rng, 45), start=1):
        code = _STATE_CODES[state]
        parties.append((f"D{index:04d}", name, _gstin(rng, code), code))
    lines = []  # (invoice, day, party, item, quantity, rate, taxable, cgst, sgst, igst, total)
    day, serial = date(2024, 4, 1), 0
    while day <= date(2024, 7, 31):
        for _ in range(rng.choice((0, 2, 3, 3, 4))):
            serial += 1
            invoice = f"EL/24-25/{serial:04d}"
            party = rng.choice(parties)
            for item in rng.sample(ERP_ITEMS, rng.choice((1, 2, 2, 3, 4))):
                quantity = Decimal(rng.choice((1, 2, 5, 10, 20, 50, 100)))
                rate = money(item.price * Decimal(rng.randrange(9000, 10500)) / 10000)
                taxable = money(quantity * rate)
                if party[3] == _HOME_STATE:
                    cgst = sgst = money(taxable * item.gst / 200)
                    igst = Decimal("0.00")
                else:
                    cgst = sgst = Decimal("0.00")
                    igst = money(taxable * item.gst / 100)
                total = taxable + cgst + sgst + igst
                lines.append((invoice, day, party, item, quantity, rate, taxable, cgst, sgst, igst, total))
        day += timedelta(days=1)

    in_a = [line for line in lines if line[1] < date(2024, 7, 1)]
    in_b = [line for line in lines if line[1] >= date(2024, 5, 1)]
    overlap = [line for line in in_b if line[1] < date(2024, 7, 1)]
    every = in_a + [line for line in in_b if line[1] >= date(2024, 7, 1)]

    rows_a = [
        (invoice, day, code, name, gstin, item.sku, item.name, item.hsn, quantity, item.unit, rate, taxable, cgst, sgst,
         igst, total)
        for invoice, day, (code, name, gstin, _), item, quantity, rate, taxable, cgst, sgst, igst, total in in_a
    ]  # fmt: skip
    first = write_xlsx(folder / "Sales_Register_Apr-Jun_2024.xlsx", {"Sales Register": (OVERLAP_HEADER, rows_a)},
                       number_formats={name: "#,##0.00" for name in _AMOUNT_COLUMNS})  # fmt: skip

    def spelled(value: Decimal) -> str:
        return f"{value:.4f}" if rng.random() < 0.3 else indian(value)

    rows_b = [
        (invoice, f"{day.day}-{day:%b-%y}", code, name, gstin, item.sku, item.name, item.hsn, str(quantity), item.unit,
         *(spelled(value) for value in (rate, taxable, cgst, sgst, igst, total)))
        for invoice, day, (code, name, gstin, _), item, quantity, rate, taxable, cgst, sgst, igst, total in in_b
    ]  # fmt: skip
    second = write_csv(folder / "SalesRegister_May-Jul_2024.csv", OVERLAP_HEADER, rows_b)

    truth = OverlapTruth(
        first_lines=len(in_a),
        second_lines=len(in_b),
        overlap_lines=len(overlap),
        new_lines=len(in_b) - len(overlap),
        revenue=sum((line[6] for line in every), Decimal(0)),
        orders=len({line[0] for line in every}),
        customers=len({line[2][0] for line in every}),
    )
    return first, second, truth
