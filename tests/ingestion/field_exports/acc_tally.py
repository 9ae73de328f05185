"""Tally Prime / Tally.ERP 9 exports: the Day Book (Excel and comma-delimited), the columnar Sales Register one row per
voucher, and the item-wise Sales Register whose voucher fields sit on the first line only.

Layouts, as Tally prints them (Display > Day Book, Display > Account Books > Sales Register, exported with Alt+E):

- Title block: company name, address lines, the report's name, the period ("1-Apr-2024 to 31-Mar-2025"), then the
  column heads. The Day Book's heads are two rows: "Date | Particulars | Vch Type | Vch No. | Debit Amount | Credit
  Amount" over "Inwards Qty | Outwards Qty" (an inventory voucher prints its quantity where an accounting voucher
  prints its amount). ERP 9's comma-delimited export merges "Amount" over "Debit Amount | Credit Amount" instead.
- Day Book: one row per voucher, the date on the first voucher of each day only. A sales voucher debits the party,
  so its total (GST included: the Day Book has no tax columns) is in Debit Amount; receipts, purchases and credit
  notes are in Credit Amount. A cancelled voucher keeps its date, type and number, reads "(cancelled)" under
  Particulars and has no amount. Last row: "Grand Total".
- Sales Register (columnar): one row per voucher, Value (taxable), the tax ledgers, Round Off and Gross Total;
  voucher numbers restart at 1 each fiscal year; a credit note's figures are negative.
- Sales Register (item-wise): Date, Particulars, Voucher No. and GSTIN/UIN on a voucher's first line only, a line
  per stock item with Quantity "10 Nos", Rate "1,250.00/Nos" and Value.

Sources: the Day Book heads and the Inwards/Outwards row are those of the TallyPrime screen and of the Excel
exports rebuilt by tools that emulate it (e.g. the "Day Book" / "1-Apr-23 to 29-Dec-23" / "Date, Particulars,
Vch Type, Vch No., Debit Amount, Credit Amount" / "Inwards Qty, Outwards Qty" header block); TallyPrime help, "Day
Book" and "Sales Register"; ingestion/sample_exports/tally.py for the item-wise register and "(cancelled)".
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

from tests.ingestion.field_exports.acc_world import (
    CASH_PARTY,
    COMPANY_ADDRESS,
    COMPANY_GSTIN,
    COMPANY_NAME,
    FY_END,
    FY_START,
    ITEMS,
    Invoice,
    Party,
    business_days,
    fiscal_label,
    group_lakh,
    make_lines,
    make_parties,
    money,
    tally_date,
    tally_quantity,
    tally_rate,
    weighted,
)
from tests.ingestion.field_exports.truth import Truth

DAY_BOOK_HEAD = ("Date", "Particulars", "Vch Type", "Vch No.", "Debit Amount", "Credit Amount")
DAY_BOOK_QTY_HEAD = ("", "", "", "", "Inwards Qty", "Outwards Qty")
CANCELLED = "(cancelled)"
GRAND_TOTAL = "Grand Total"
AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "d-mmm-yy"

# The company's own sales voucher types, next to Tally's "Sales".
SALES_TYPES = ("Sales", "Bhosari Sales", "GST Supply", "Tax Invoice", "POS")
SUPPLIERS = (
    "Polycab India Ltd", "Havells India Ltd", "Finolex Cables Ltd", "Legrand India Pvt Ltd",
    "Crompton Greaves Consumer Electricals Ltd", "Syska LED Lights Pvt Ltd", "Kirloskar Brothers Ltd",
    "Anchor Electricals Pvt Ltd",
)  # fmt: skip
EXPENSES = ("MSEDCL Electricity Charges", "Office Rent", "Freight Outward", "Telephone Charges", "Staff Welfare")
JOURNAL_LEDGERS = ("Depreciation A/c", "TDS Payable", "Rate Difference", "Provision for Expenses")
BANKS = ("HDFC Bank Ltd - CA 50200012345678", "ICICI Bank CC A/c", "Cash")


def _title_rows(report: str, period: str) -> list[tuple]:
    return [
        (COMPANY_NAME,),
        (COMPANY_ADDRESS[0],),
        (COMPANY_ADDRESS[1],),
        (f"GSTIN/UIN: {COMPANY_GSTIN}",),
        (report,),
        (period,),
    ]


def _title_sheet(sheet, report: str, period: str, width: int) -> None:
    for row in _title_rows(report, period):
        sheet.append(list(row))
    for index in range(1, 7):
        sheet.merge_cells(start_row=index, start_column=1, end_row=index, end_column=width)
        sheet.cell(index, 1).alignment = Alignment(horizontal="center")
    sheet.cell(1, 1).font = Font(bold=True, size=12)
    sheet.cell(5, 1).font = Font(bold=True)


# ---------------------------------------------------------------- the Day Book


@dataclass
class Voucher:
    """One Day Book row as the generator made it."""

    day: date
    kind: str
    number: str
    particulars: str
    debit: Decimal | None = None
    credit: Decimal | None = None
    inwards: str | None = None  # an inventory voucher's quantity, printed in the amount columns
    outwards: str | None = None
    sale: Invoice | None = None  # the sales voucher behind the row, for the truth


_NUMBERING = {
    "Sales": "{n}",
    "Bhosari Sales": "BHS/{n:03d}/{fy}",
    "GST Supply": "GS-{n:04d}",
    "Tax Invoice": "TI/{fy}/{n:04d}",
    "POS": "POS-{n}",
    "Credit Note": "CN/{fy}/{n:03d}",
    "Sales Order": "SO/{n:03d}",
    "Delivery Note": "DN/{n:03d}",
    "Quotation": "QTN-{n}",
    "Purchase": "{n}",
    "Receipt": "{n}",
    "Payment": "{n}",
    "Journal": "{n}",
    "Contra": "{n}",
    "Payroll": "{n}",
    "Stock Journal": "{n}",
}
# Relative number of vouchers of each type on a working day (Payroll is once a month).
_DAY_MIX = {
    "Sales": 20, "Bhosari Sales": 6, "GST Supply": 5, "Tax Invoice": 4, "POS": 6, "Credit Note": 2,
    "Sales Order": 4, "Delivery Note": 4, "Quotation": 2, "Purchase": 8, "Receipt": 12, "Payment": 9,
    "Journal": 3, "Contra": 3, "Stock Journal": 2,
}  # fmt: skip


def draw_day_book(
    seed: int, start: date, end: date, *, per_day: tuple[int, int] = (2, 7), mix: dict[str, int] | None = None
) -> list[Voucher]:
    """A period of vouchers of every type, in date order, as the Day Book lists them."""
    rng = random.Random(seed)
    mix = mix or _DAY_MIX
    parties = make_parties(rng, 70)
    counters: Counter[tuple[str, str]] = Counter()
    vouchers: list[Voucher] = []

    def number(kind: str, day: date) -> str:
        fy = fiscal_label(day)
        counters[(kind, fy)] += 1
        return _NUMBERING[kind].format(n=counters[(kind, fy)], fy=fy)

    days = business_days(start, end, rng)
    last_of_month = {max(d for d in days if (d.year, d.month) == (day.year, day.month)) for day in days}
    kinds, weights = list(mix), list(mix.values())
    for day in days:
        todays = rng.choices(kinds, weights=weights, k=rng.randint(*per_day))
        if day in last_of_month and "Receipt" in mix:
            todays.append("Payroll")
        for kind in todays:
            vouchers.append(_voucher(rng, kind, day, number(kind, day), parties))
    return vouchers


def _voucher(rng: random.Random, kind: str, day: date, number: str, parties: list[Party]) -> Voucher:
    party = weighted(rng, parties)
    if kind in SALES_TYPES:
        walk_in = kind == "POS" and rng.random() < 0.7
        buyer = None if walk_in else party
        sale = Invoice(day, number, buyer, make_lines(rng, buyer, (1, 4)), kind=kind, round_to_rupee=True)
        if rng.random() < 0.02:
            sale.cancelled = True
            return Voucher(day, kind, number, CANCELLED, sale=sale)
        shown = CASH_PARTY if buyer is None else buyer.spelled(rng, variety=0.08)
        return Voucher(day, kind, number, shown, debit=sale.total, sale=sale)
    amount = money(Decimal(rng.randrange(50_000, 45_000_000)) / 100)
    if kind == "Credit Note":
        returned = Invoice(day, number, party, make_lines(rng, party, (1, 1)), kind=kind, round_to_rupee=True)
        return Voucher(day, kind, number, party.name, credit=returned.total)
    if kind in ("Sales Order", "Quotation"):
        return Voucher(day, kind, number, party.name, debit=amount)
    if kind == "Delivery Note":
        item = rng.choice(ITEMS)
        return Voucher(day, kind, number, party.name, outwards=tally_quantity(Decimal(rng.randint(2, 40)), item.unit))
    if kind == "Purchase":
        return Voucher(day, kind, number, rng.choice(SUPPLIERS), credit=amount)
    if kind == "Receipt":
        return Voucher(day, kind, number, party.name, credit=amount)
    if kind == "Payment":
        return Voucher(day, kind, number, rng.choice(SUPPLIERS + EXPENSES), debit=amount)
    if kind == "Journal":
        return Voucher(day, kind, number, rng.choice(JOURNAL_LEDGERS), debit=amount)
    if kind == "Contra":
        return Voucher(day, kind, number, rng.choice(BANKS), debit=amount)
    if kind == "Payroll":
        return Voucher(day, kind, number, "Salary Payable", debit=money(Decimal(rng.randrange(380_000, 520_000))))
    item = rng.choice(ITEMS)  # Stock Journal: goods moved between godowns, quantities only
    moved = tally_quantity(Decimal(rng.randint(5, 60)), item.unit)
    return Voucher(day, kind, number, item.name, inwards=moved, outwards=moved)


def day_book_truth(vouchers: list[Voucher]) -> Truth:
    """Sales vouchers count at their Day Book total (GST included); credit notes are returns; cancelled vouchers
    stay out; every other type is skipped and counted."""
    sales = [v.sale for v in vouchers if v.kind in SALES_TYPES and v.sale is not None and not v.sale.cancelled]
    skipped = Counter(v.kind for v in vouchers if v.kind not in SALES_TYPES and v.kind != "Credit Note")
    return Truth(
        revenue=sum((sale.total for sale in sales), Decimal("0.00")),
        orders=len({(sale.number, sale.day, sale.party.key if sale.party else None) for sale in sales}),
        customers=len({sale.party.key for sale in sales if sale.party is not None}),
        skipped=dict(skipped),
    )


def _grand_totals(vouchers: list[Voucher]) -> tuple[Decimal, Decimal]:
    debit = sum((v.debit for v in vouchers if v.debit is not None), Decimal("0.00"))
    credit = sum((v.credit for v in vouchers if v.credit is not None), Decimal("0.00"))
    return debit, credit


def write_day_book_xlsx(path: Path, vouchers: list[Voucher], period: str) -> Path:
    """TallyPrime's Excel export: real dates on each day's first voucher, numbers as numbers, quantities as text."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Day Book"
    _title_sheet(sheet, "Day Book", period, len(DAY_BOOK_HEAD))
    sheet.append(list(DAY_BOOK_HEAD))
    sheet.append(list(DAY_BOOK_QTY_HEAD))
    for cell in (*sheet[7], *sheet[8]):
        cell.font = Font(bold=True)
    previous_day = None
    for voucher in vouchers:
        shown_day = voucher.day if voucher.day != previous_day else None
        previous_day = voucher.day
        debit = voucher.debit if voucher.debit is not None else voucher.inwards
        credit = voucher.credit if voucher.credit is not None else voucher.outwards
        sheet.append([shown_day, voucher.particulars, voucher.kind, voucher.number, debit, credit])
        row = sheet.max_row
        if shown_day is not None:
            sheet.cell(row, 1).number_format = DATE_FORMAT
        for column in (5, 6):
            if isinstance(sheet.cell(row, column).value, Decimal):
                sheet.cell(row, column).number_format = AMOUNT_FORMAT
    debit, credit = _grand_totals(vouchers)
    sheet.append([None, GRAND_TOTAL, None, None, debit, credit])
    for column in (5, 6):
        sheet.cell(sheet.max_row, column).number_format = AMOUNT_FORMAT
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    book.save(path)
    return path


def write_day_book_csv(path: Path, vouchers: list[Voucher], period: str) -> Path:
    """Tally.ERP 9's comma-delimited export: "Amount" merged over Debit/Credit, text dates "1-Jul-24" on each
    day's first voucher, amounts as text with lakh grouping ("1,23,456.00"), inventory vouchers without amounts."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in _title_rows("Day Book", period):
            writer.writerow([*row, "", "", "", "", ""])
        writer.writerow(["Date", "Particulars", "Vch Type", "Vch No.", "Amount", ""])
        writer.writerow(["", "", "", "", "Debit Amount", "Credit Amount"])
        previous_day = None
        for voucher in vouchers:
            shown_day = tally_date(voucher.day) if voucher.day != previous_day else ""
            previous_day = voucher.day
            debit = group_lakh(voucher.debit) if voucher.debit is not None else ""
            credit = group_lakh(voucher.credit) if voucher.credit is not None else ""
            writer.writerow([shown_day, voucher.particulars, voucher.kind, voucher.number, debit, credit])
        debit, credit = _grand_totals(vouchers)
        writer.writerow(["", GRAND_TOTAL, "", "", group_lakh(debit), group_lakh(credit)])
    return path


def tally_daybook_xlsx(folder: Path) -> tuple[Path, Truth]:
    vouchers = draw_day_book(seed=2401, start=FY_START, end=FY_END)
    path = write_day_book_xlsx(folder / "DayBook_2024-25.xlsx", vouchers, "1-Apr-2024 to 31-Mar-2025")
    return path, day_book_truth(vouchers)


def tally_daybook_csv(folder: Path) -> tuple[Path, Truth]:
    mix = {kind: weight for kind, weight in _DAY_MIX.items() if kind not in ("Bhosari Sales", "Stock Journal")}
    vouchers = draw_day_book(seed=2402, start=date(2024, 4, 1), end=date(2024, 12, 31), mix=mix)
    path = write_day_book_csv(folder / "DAYBOOK.csv", vouchers, "1-Apr-2024 to 31-Dec-2024")
    return path, day_book_truth(vouchers)


def write_day_book_without_sales(folder: Path) -> Path:
    """A Day Book of a month with receipts, payments, purchases, journals and contras, and no sales voucher at all:
    it must be refused with a message, not loaded as sales."""
    mix = {"Purchase": 8, "Receipt": 12, "Payment": 9, "Journal": 3, "Contra": 3}
    vouchers = draw_day_book(seed=2403, start=date(2024, 7, 1), end=date(2024, 7, 31), mix=mix)
    assert not any(v.kind in SALES_TYPES for v in vouchers)
    return write_day_book_xlsx(folder / "DayBook_Jul-2024.xlsx", vouchers, "1-Jul-2024 to 31-Jul-2024")


# ---------------------------------------------------------------- the Sales Register, one row per voucher

REGISTER_HEAD = (
    "Date", "Particulars", "Voucher Type", "Voucher No.", "GSTIN/UIN", "Value", "CGST", "SGST", "IGST", "Round Off",
    "Gross Total",
)  # fmt: skip
_REGISTER_TYPES = {"Sales": 14, "GST Supply": 4, "Bhosari Sales": 3, "Credit Note": 1}


def tally_sales_register_vouchers(folder: Path) -> tuple[Path, Truth]:
    """Two fiscal years of the columnar Sales Register: voucher numbers restart at 1 each April, custom sales types,
    a few cancelled vouchers, credit notes with negative figures, a Grand Total row."""
    rng = random.Random(2404)
    parties = make_parties(rng, 55)
    counters: Counter[tuple[str, str]] = Counter()
    invoices: list[Invoice] = []
    formats = {"Sales": "{n}", "GST Supply": "GS/{fy}/{n:03d}", "Bhosari Sales": "BHS-{n}", "Credit Note": "{n}"}
    for day in business_days(FY_START, date(2026, 3, 31), rng):
        for kind in rng.choices(list(_REGISTER_TYPES), weights=list(_REGISTER_TYPES.values()), k=rng.randint(0, 2)):
            fy = fiscal_label(day)
            counters[(kind, fy)] += 1
            party = weighted(rng, parties)
            invoice = Invoice(
                day, formats[kind].format(n=counters[(kind, fy)], fy=fy), party, make_lines(rng, party, (1, 5)),
                kind=kind, round_to_rupee=True, cancelled=kind != "Credit Note" and rng.random() < 0.015,
            )  # fmt: skip
            invoice.extra["shown"] = party.spelled(rng, variety=0.08)
            invoices.append(invoice)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sales Register"
    _title_sheet(sheet, "Sales Register", "1-Apr-24 to 31-Mar-26", len(REGISTER_HEAD))
    sheet.append(list(REGISTER_HEAD))
    for cell in sheet[7]:
        cell.font = Font(bold=True)
    totals = [Decimal("0.00")] * 6
    for invoice in invoices:
        if invoice.cancelled:
            sheet.append([invoice.day, CANCELLED, invoice.kind, invoice.number])
        else:
            sign = -1 if invoice.kind == "Credit Note" else 1
            figures = [invoice.taxable, invoice.cgst, invoice.sgst, invoice.igst, invoice.round_off, invoice.total]
            figures = [sign * figure for figure in figures]
            totals = [total + figure for total, figure in zip(totals, figures, strict=True)]
            gstin = invoice.party.gstin if invoice.party and invoice.party.gstin else None
            figures = [figure if figure else None for figure in figures]  # Tally leaves a nil ledger blank
            sheet.append([invoice.day, invoice.extra["shown"], invoice.kind, invoice.number, gstin, *figures])
        row = sheet.max_row
        sheet.cell(row, 1).number_format = DATE_FORMAT
        for column in range(6, 12):
            sheet.cell(row, column).number_format = AMOUNT_FORMAT
    sheet.append([None, GRAND_TOTAL, None, None, None, *totals])
    book.save(path := folder / "Sales Register FY24-26.xlsx")

    sales = [invoice for invoice in invoices if invoice.kind != "Credit Note" and not invoice.cancelled]
    return path, Truth(
        revenue=sum((invoice.taxable for invoice in sales), Decimal("0.00")),
        orders=len({(invoice.number, invoice.day, invoice.party.key) for invoice in sales}),
        customers=len({invoice.party.key for invoice in sales}),
    )


# ---------------------------------------------------------------- the Sales Register, item-wise

ITEM_REGISTER_HEAD = ("Date", "Particulars", "Voucher No.", "GSTIN/UIN", "Stock Item", "Quantity", "Rate", "Value")


def tally_sales_register_items(folder: Path) -> tuple[Path, Truth]:
    """A year of the item-wise Sales Register exported comma-delimited: voucher fields on the first line only,
    text dates, "10 Nos", "1,250.00/Nos", lakh-grouped text values, counter sales to "Cash", a cancelled voucher
    or two, a Grand Total row; no customer code, no voucher type, no tax columns."""
    rng = random.Random(2405)
    parties = make_parties(rng, 60)
    invoices: list[Invoice] = []
    serial = 0
    for day in business_days(FY_START, FY_END, rng):
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            serial += 1
            party = None if rng.random() < 0.06 else weighted(rng, parties)
            invoice = Invoice(day, f"SI/24-25/{serial:04d}", party, make_lines(rng, party, (1, 5), taxed=False))
            invoice.cancelled = rng.random() < 0.012
            invoice.extra["shown"] = CASH_PARTY if party is None else party.spelled(rng, variety=0.1)
            invoices.append(invoice)

    path = folder / "SalesRegister_Itemwise.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in _title_rows("Sales Register", "1-Apr-24 to 31-Mar-25"):
            writer.writerow([*row] + [""] * (len(ITEM_REGISTER_HEAD) - 1))
        writer.writerow(ITEM_REGISTER_HEAD)
        grand = Decimal("0.00")
        for invoice in invoices:
            if invoice.cancelled:
                writer.writerow([tally_date(invoice.day), CANCELLED, invoice.number, "", "", "", "", ""])
                continue
            gstin = invoice.party.gstin if invoice.party and invoice.party.gstin else ""
            for index, line in enumerate(invoice.lines):
                head = (
                    [tally_date(invoice.day), invoice.extra["shown"], invoice.number, gstin] if index == 0 else [""] * 4
                )
                quantity = tally_quantity(line.quantity, line.item.unit)
                writer.writerow(
                    [*head, line.item.name, quantity, tally_rate(line.rate, line.item.unit), group_lakh(line.value)]
                )
                grand += line.value
        writer.writerow(["", GRAND_TOTAL, "", "", "", "", "", group_lakh(grand)])

    sales = [invoice for invoice in invoices if not invoice.cancelled]
    return path, Truth(
        revenue=sum((invoice.taxable for invoice in sales), Decimal("0.00")),
        orders=len({(invoice.number, invoice.day, invoice.party.key if invoice.party else None) for invoice in sales}),
        customers=len({invoice.party.key for invoice in sales if invoice.party is not None}),
    )
