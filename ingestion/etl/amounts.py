"""A line's amount worked out from what the export gives, column-wise and exactly (Arrow decimals, never float).

Exports differ in what they give: a taxable value; a quantity and a rate; a gross total and its taxes; only a total
including GST (a Day Book); or an invoice total repeated on each item line. Each line takes the first of these its
row has, and the column check says which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Wide enough to read any amount with its decimals; products are rounded to the 4 places a line keeps.
_READ = pa.decimal128(32, 12)
_AMOUNT = pa.decimal128(18, 4)
_QUANTITY = pa.decimal128(18, 3)
_SHARE = pa.decimal128(12, 6)  # what is left after a percentage discount
_TAXES = ("cgst", "sgst", "igst")
# An invoice-level figure repeated on item lines: most invoices of several lines show one value on all of them.
_REPEATED_SHARE = 0.9
_REPEATED_MIN_INVOICES = 3
_JUDGED_LINES = 50_000


@dataclass
class Amounts:
    net: pd.Series  # plain decimal text, NaN where nothing gives an amount
    includes_tax: pd.Series  # bool: the amount is a total including GST
    gross: pd.Series | None  # the gross column as it should be kept (an invoice total only on its first line)
    how: list[str] = field(default_factory=list)  # what the column check shows, best source first
    repeated: list[str] = field(default_factory=list)  # fields found to be invoice totals repeated per line


def _decimal(series: pd.Series, scale: pa.DataType = _AMOUNT) -> pa.Array:
    text = series.astype("str")
    values = pa.array(text.to_numpy(dtype=object, na_value=None), type=pa.string())
    return pc.cast(pc.round(pc.cast(values, _READ), ndigits=scale.scale, round_mode="half_up"), scale)


def _text(values: pa.Array, index: pd.Index) -> pd.Series:
    rounded = pc.cast(pc.round(values, ndigits=4, round_mode="half_up"), pa.decimal128(38, 4), safe=False)
    return pd.Series(pc.cast(rounded, pa.string()).to_numpy(zero_copy_only=False), index=index, dtype="str")


def _has(rows: pd.DataFrame, name: str) -> bool:
    return name in rows and rows[name].notna().any()


def repeated_per_invoice(values: pd.Series, invoices: pd.Series, products: pd.Series | None = None) -> bool:
    """Is this column an invoice total, written on every item line or on the first only (Shopify's Subtotal)?
    Judged on invoices of two or more lines: one value at most on each. A file's layout is the same all through,
    so its first lines are enough to judge."""
    values, invoices = values.head(_JUDGED_LINES), invoices.head(_JUDGED_LINES)
    products = None if products is None else products.head(_JUDGED_LINES)
    frame = pd.DataFrame({"invoice": invoices, "value": values})
    frame = frame[frame["invoice"] != ""]
    sizes = frame.groupby("invoice")["value"].agg(["size", "nunique", "count"])
    multi = sizes[sizes["size"] >= 2]
    one_value = (multi["nunique"] == 1) & ((multi["count"] == 1) | (multi["count"] == multi["size"]))
    if len(multi) < _REPEATED_MIN_INVOICES or one_value.mean() < _REPEATED_SHARE:
        return False
    if products is None:
        return True
    # Two identical item lines repeat their amount too: a total covers lines of different products.
    kinds = pd.DataFrame({"invoice": invoices, "product": products})
    kinds = kinds[kinds["invoice"].isin(multi.index)].groupby("invoice")["product"].nunique()
    return bool((kinds > 1).any())


def _before_tax(gross: pd.Series, rate: pd.Series) -> pd.Series:
    """Gross × 100 / (100 + rate), per distinct pair: Arrow's decimal division widens past 38 digits."""
    cent = Decimal("0.0001")

    def one(pair: tuple[object, object]) -> Decimal | None:
        total, percent = pair
        if pd.isna(total) or pd.isna(percent):
            return None
        return (Decimal(total) * 100 / (100 + Decimal(percent))).quantize(cent, rounding=ROUND_HALF_UP)

    pairs = pd.Series(list(zip(gross, rate, strict=True)), index=gross.index)
    codes, uniques = pd.factorize(pairs)
    values = np.array([one(pair) for pair in uniques] + [None], dtype=object)
    return pd.Series(values[codes], index=gross.index, dtype=object)


def _first_of_invoice(invoices: pd.Series) -> pd.Series:
    """True on each invoice's first line; every line without an invoice number stands alone."""
    return ~invoices.duplicated() | (invoices == "")


@dataclass(frozen=True)
class Source:
    """One way to get a line's amount: `kind` says how, `how` says it in the user's column names."""

    kind: str  # net, rate, gross_less_tax, gross_less_rate, gross, credit
    how: str
    includes_tax: bool = False
    taxes: tuple[str, ...] = ()  # the tax fields a gross amount is reduced by


def sources(
    has: Callable[[str], bool], labels: dict[str, str], *, repeated: frozenset[str] = frozenset()
) -> list[Source]:
    """The ways a file's columns give a line's amount, best first. `has(field)` says whether the file gives it;
    `repeated` names the amount columns that turned out to be invoice totals repeated on item lines.

    A line's own amount beats one worked out (a marketplace's invoice amount is what was invoiced, not quantity ×
    list price); quantity × rate beats an invoice total spread over item lines, which would give each item the
    whole invoice."""
    net, gross, rate = [], [], []
    if has("net_amount"):
        net.append(Source("net", labels["net_amount"]))
    if has("gross_amount"):
        # The split taxes when the file gives them, else its one tax column: never both, which would count twice.
        taxes = [name for name in _TAXES if has(name)] or [name for name in ("tax_amount",) if has(name)]
        if taxes:
            how = " − ".join([labels["gross_amount"], *(labels[n] for n in taxes)])
            gross.append(Source("gross_less_tax", how, taxes=tuple(taxes)))
        elif has("gst_rate"):
            gross.append(Source("gross_less_rate", f"{labels['gross_amount']} less {labels['gst_rate']}"))
        gross.append(Source("gross", f"{labels['gross_amount']} (including GST)", includes_tax=True))
    if has("quantity") and has("unit_price"):
        how = f"{labels['quantity']} × {labels['unit_price']}"
        if has("discount"):
            how += f" − {labels['discount']}"
        elif has("discount_percent"):
            how += f" less {labels['discount_percent']}"
        rate.append(Source("rate", how))
    line_level = [*([] if "net_amount" in repeated else net), *([] if "gross_amount" in repeated else gross)]
    spread = [*(net if "net_amount" in repeated else []), *(gross if "gross_amount" in repeated else [])]
    found = [*line_level, *rate, *spread]
    if has("credit_amount"):
        found.append(Source("credit", f"{labels['credit_amount']} (including GST)", includes_tax=True))
    return found


def work_out(rows: pd.DataFrame, labels: dict[str, str]) -> Amounts:
    """Each line's net amount from the first source its row has; `labels` name the user's columns."""
    index = rows.index
    invoices = rows["invoice"].astype("str").fillna("") if "invoice" in rows else pd.Series("", index=index)
    products = next((rows[n].astype("str").fillna("") for n in ("product_code", "product_name") if _has(rows, n)), None)
    repeated: list[str] = []
    checked: set[str] = set()
    first_line = _first_of_invoice(invoices)

    def once_per_invoice(name: str) -> pd.Series:
        """The column, or, when it is an invoice total repeated on item lines, kept on the first line only."""
        column = rows[name]
        if name not in checked:
            checked.add(name)
            if not invoices.eq("").all() and repeated_per_invoice(column, invoices, products):
                repeated.append(name)
        return column.where(first_line, "0") if name in repeated else column

    def zero_if_blank(name: str) -> pa.Array:
        return pc.coalesce(_decimal(rows[name]), pa.scalar(0, _AMOUNT))

    def value(source: Source) -> pa.Array:
        if source.kind == "net":
            return _decimal(once_per_invoice("net_amount"))
        if source.kind == "rate":
            product = pc.multiply(_decimal(rows["quantity"], _QUANTITY), _decimal(rows["unit_price"]))
            if _has(rows, "discount"):
                return pc.subtract(product, zero_if_blank("discount"))
            if _has(rows, "discount_percent"):
                share = pc.multiply(_decimal(rows["discount_percent"]), pa.scalar(Decimal("0.01"), pa.decimal128(3, 2)))
                keep = pc.subtract(pa.scalar(1, _AMOUNT), pc.coalesce(share, pa.scalar(0, _AMOUNT))).cast(_SHARE)
                product = pc.round(product, ndigits=4, round_mode="half_up").cast(pa.decimal128(19, 4))
                return pc.multiply(product, keep)
            return product
        if source.kind == "gross_less_tax":
            total = _decimal(once_per_invoice("gross_amount"))
            for name in source.taxes:
                total = pc.subtract(total, zero_if_blank(name))
            return total
        if source.kind == "gross_less_rate":
            before = _before_tax(once_per_invoice("gross_amount"), rows["gst_rate"])
            return pa.array(before.to_numpy(dtype=object, na_value=None), _AMOUNT)
        if source.kind == "gross":
            return _decimal(once_per_invoice("gross_amount"))
        return _decimal(rows["credit_amount"])

    for name in ("net_amount", "gross_amount"):
        if _has(rows, name):
            once_per_invoice(name)  # finds out whether it is an invoice total repeated on item lines
    found = sources(lambda name: _has(rows, name), labels, repeated=frozenset(repeated))
    net = pd.Series(np.nan, index=index, dtype="str")
    includes_tax = pd.Series(False, index=index)
    if found and found[0].kind == "net" and rows["net_amount"].notna().all():
        net = rows["net_amount"]  # every line has its own amount, as cleaned: nothing to work out
        found_used = found[:1]
    else:
        found_used = found
    for source in found_used:
        missing = net.isna()
        if not missing.any():
            break
        text = _text(value(source), index)
        take = missing & text.notna()
        net = net.where(~take, text)
        includes_tax |= take & source.includes_tax
    gross = once_per_invoice("gross_amount") if _has(rows, "gross_amount") else None
    return Amounts(net=net, includes_tax=includes_tax, gross=gross, how=[s.how for s in found], repeated=repeated)
