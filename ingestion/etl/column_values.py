"""Does a column's content behave like the field its name suggests? Names lie; values rarely do.

The column check proposes a column for a field only when its values fit: a date field gets dates, an amount gets
amounts, and an amount, cost or profit is never a percentage, a tax rate, a yes/no flag or one constant repeated
down the file. When unsure, the field is left empty for the person to choose.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pandas as pd

from ingestion.etl import mapping as fields
from ingestion.etl.cleaning import EXCEL_SERIAL_RANGE, looks_like_date, looks_like_number, parse_money, parse_quantities
from ingestion.etl.headers import TOTAL_LABELS

SAMPLE = 500  # non-blank values looked at per column
FIT_SHARE = 0.8  # of them must read as the field's type
MIN_VALUES = 5  # fewer than this and the values are not judged
# GST rates (and their halves, as CGST and SGST rates): a "CGST" column holding only these is a rate column.
_GST_RATES = {Decimal(v) for v in ("0", "0.1", "0.125", "0.25", "1.5", "2.5", "3", "5", "6", "9", "12", "14", "18",
                                   "28", "0.05", "0.75", "1", "0.5")}  # fmt: skip
_MONEY_FIELDS = {"net_amount", "gross_amount", "credit_amount", "cost", "profit", "tax_amount", "cgst", "sgst", "igst"}
_TAX_FIELDS = {"cgst", "sgst", "igst", "tax_amount"}
_NAME_FIELDS = {"customer", "product_name", "salesperson", "manager", "name", "vendor", "item", "product"}


def judge(data: pd.DataFrame, kind: str) -> Callable[[str, str], bool]:
    """fits(field, column) for this table, each column's values read once per type."""
    types = fields.FIELD_TYPES[kind]
    samples: dict[str, pd.Series] = {}
    verdicts: dict[tuple[str, str], bool] = {}

    def sample(column: str) -> pd.Series:
        if column not in samples:
            values = data[column] if column in data else pd.Series(dtype="str")
            # The first rows are enough to judge by: never the whole million-line column.
            text = values.head(SAMPLE * 20).dropna().head(SAMPLE * 4).astype("str").str.strip()
            # Page headers printed again mid-file and total lines are no values (Busy repeats its header above
            # every voucher; "Grand Total" sits in the date column).
            folded = text.str.casefold().str.rstrip(":").str.strip()
            keep = (text != "") & (folded != str(column).casefold()) & ~folded.isin(TOTAL_LABELS)
            samples[column] = text[keep].head(SAMPLE)
        return samples[column]

    def fits(field: str, column: str) -> bool:
        key = (field, column)
        if key not in verdicts:
            verdicts[key] = _fits(field, types.get(field), sample(column))
        return verdicts[key]

    return fits


def _fits(field: str, value_type: str | None, values: pd.Series) -> bool:
    if values.empty:
        return False  # an empty column tells nothing: leave the field for a column that does
    if len(values) < MIN_VALUES:
        return True  # too few to judge: the name decides, and bad values are rejected with their reasons
    if value_type == fields.DATE:
        # Written like dates is enough: 31/02/2024 is a date column's bad value, rejected with its reason later.
        shaped = values.drop_duplicates().head(SAMPLE)
        return sum(looks_like_date(value) or _is_serial(value) for value in shaped) >= FIT_SHARE * len(shaped)
    if value_type == fields.QUANTITY:
        numbers, _, _ = parse_quantities(values)
        return numbers.notna().mean() >= FIT_SHARE
    if value_type == fields.AMOUNT:
        return _fits_money(field, values)
    if field in _NAME_FIELDS:
        # Item numbers 10, 20, 30 in an "Item" column are not product names.
        return sum(looks_like_number(value) for value in values) < len(values) / 2
    return True


def _fits_money(field: str, text: pd.Series) -> bool:
    numbers, _, _ = parse_money(text)
    if numbers.notna().mean() < FIT_SHARE:
        return False  # words or flags ("false", "NA") are not amounts
    if field not in _MONEY_FIELDS:
        return True
    values = [Decimal(value) for value in numbers.dropna().tolist()]
    if len(values) >= 20 and len(set(values)) == 1:
        return False  # one constant down the whole file is a setting, not an amount
    if field in _TAX_FIELDS and len(values) >= 10 and set(values) <= _GST_RATES:
        return False  # tax rates under a tax name (Flipkart's CGST column holds 2.5, 9, 14)
    # A margin or cost ratio is not money.
    return not (field in ("cost", "profit") and (text.str.contains("%").any() or all(abs(v) <= 1 for v in values)))


_ORDER_KEYS = {"orderid", "orderno", "ordernumber", "orderreference", "amazonorderid", "ordercode"}


def orders_over_invoices(mapping: dict[str, str], data: pd.DataFrame) -> dict[str, str]:
    """A marketplace invoices each item of an order apart (Flipkart): where the file also has an order number
    that groups its invoices, the order number is what an order is."""
    invoice = mapping.get("invoice")
    if invoice is None or fields.header_key(invoice) in _ORDER_KEYS:
        return mapping
    used = set(mapping.values())
    for column in data.columns:
        if column in used or fields.header_key(column) not in _ORDER_KEYS:
            continue
        orders, invoices = data[column], data[invoice]
        both = orders.notna() & invoices.notna()
        groups = orders[both].nunique() < invoices[both].nunique()
        fuller = orders.notna().mean() > invoices.notna().mean()  # orders cancelled before dispatch have no invoice
        if orders.notna().mean() >= FIT_SHARE and (groups or fuller):
            return {**mapping, "invoice": column}
    return mapping


def _is_serial(value: str) -> bool:
    """An Excel day number (45383) as some exports leave dates."""
    try:
        return EXCEL_SERIAL_RANGE[0] <= float(value) <= EXCEL_SERIAL_RANGE[1]
    except ValueError:
        return False
