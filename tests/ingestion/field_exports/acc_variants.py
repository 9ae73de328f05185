"""Files that exercise one rule each, in shapes SMEs hand us after a pass through Excel:

- a register whose customers carry a party code, and whose names change between rows (a firm renamed, a new
  trading style) while two different codes share one name: the code is the customer;
- an amount-only invoice list (no product column at all): Invoice No, Date, Party, Taxable Value, Total;
- a daily sales sheet with no invoice number and no line amount: an order is a customer's purchases on one day,
  and a line's amount is quantity x rate less its discount;
- a hand-joined CSV: two months' "CSV UTF-8" exports glued together (`copy /b jul.csv+aug.csv`), so the second
  month's header (with its byte-order mark) sits mid-file, with the blank and comma-only rows Excel leaves behind.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl

from tests.ingestion.field_exports.acc_world import (
    FY_END,
    FY_START,
    Invoice,
    Party,
    business_days,
    make_lines,
    make_parties,
    money,
    sum_of,
    weighted,
)
from tests.ingestion.field_exports.truth import Truth

# ---------------------------------------------------------------- customers by code, names changing

CODE_HEAD = (
    "Bill Date", "Bill No.", "Party Code", "Party Name", "GSTIN", "Taxable Value", "CGST", "SGST", "IGST",
    "Invoice Value",
)  # fmt: skip
_RENAMES = (" & Sons", " LLP", " (Prop. R. K. Sharma)", " - Bhosari Branch", " India")


def acc_party_code_rename(folder: Path) -> tuple[Path, Truth]:
    rng = random.Random(2601)
    parties = make_parties(rng, 40)
    # Two customers who happen to trade under one name in different towns: two codes, two customers.
    twin_a = Party(801, "Reliable Electric Traders", "27", None, "RET-PUNE", False)
    twin_b = Party(802, "Reliable Electric Traders", "27", None, "RET-NSK", False)
    parties[5:5] = [twin_a, twin_b]
    renamed_from: dict[int, date] = {}
    new_names: dict[int, str] = {}
    for party in rng.sample([p for p in parties[:18] if p.key < 800], 10):  # regular buyers, seen after the rename
        renamed_from[party.key] = date(2024, rng.randint(6, 11), rng.randint(1, 28))
        new_names[party.key] = party.name.replace(" Pvt. Ltd.", "") + rng.choice(_RENAMES)

    invoices: list[Invoice] = []
    serial = 0
    for day in business_days(FY_START, FY_END, rng):
        for _ in range(rng.choice((0, 1, 1, 2))):
            serial += 1
            party = weighted(rng, parties)
            invoice = Invoice(day, f"INV/{serial:05d}", party, make_lines(rng, party, (1, 4)), round_to_rupee=True)
            renamed = party.key in renamed_from and day >= renamed_from[party.key]
            invoice.extra["shown"] = new_names[party.key] if renamed else party.spelled(rng, variety=0.05)
            invoices.append(invoice)
    assert {i.party.key for i in invoices} >= {801, 802}, "both twins must buy"
    assert all(any(i.party.key == key and i.day >= since for i in invoices) for key, since in renamed_from.items())

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sales Register"
    sheet.append(list(CODE_HEAD))
    for invoice in invoices:
        taxes = [invoice.cgst, invoice.sgst, invoice.igst]
        sheet.append([
            invoice.day, invoice.number, invoice.party.code, invoice.extra["shown"], invoice.party.gstin,
            invoice.taxable, *taxes, invoice.total,
        ])  # fmt: skip
        sheet.cell(sheet.max_row, 1).number_format = "dd-mm-yyyy"
    book.save(path := folder / "Sales_Register_PartyCode.xlsx")

    return path, Truth(
        revenue=sum_of(i.taxable for i in invoices),
        orders=len({(i.number, i.day, i.party.key) for i in invoices}),
        customers=len({i.party.code for i in invoices}),
        lines_loaded=len(invoices),
    )


# ---------------------------------------------------------------- amount-only invoice list


def acc_amount_only_invoices(folder: Path) -> tuple[Path, Truth]:
    rng = random.Random(2602)
    parties = make_parties(rng, 35)
    invoices = []
    days = business_days(FY_START, FY_END, rng)
    for serial, day in enumerate(sorted(rng.choice(days) for _ in range(420)), start=1):
        party = weighted(rng, parties)
        invoice = Invoice(day, f"{serial}", party, make_lines(rng, party, (1, 4)), round_to_rupee=True)
        invoice.extra["shown"] = party.spelled(rng, variety=0.12)
        invoices.append(invoice)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Invoices"
    sheet.append(["Invoice No", "Date", "Party", "Taxable Value", "Total"])
    for invoice in invoices:
        sheet.append([int(invoice.number), invoice.day, invoice.extra["shown"], invoice.taxable, invoice.total])
        sheet.cell(sheet.max_row, 2).number_format = "dd/mm/yyyy"
    book.save(path := folder / "invoice list 2024-25.xlsx")

    return path, Truth(
        revenue=sum_of(i.taxable for i in invoices),
        orders=len({(i.number, i.day, i.party.key) for i in invoices}),
        customers=len({i.party.key for i in invoices}),
        lines_loaded=len(invoices),
    )


# ---------------------------------------------------------------- no invoice number, no line amount


def acc_no_invoice_number(folder: Path) -> tuple[Path, Truth]:
    """A counter's daily sheet: Date, Customer, Item, Qty, Rate, Disc Amt. A customer may come back the same day
    (still one order by the rule); the line amount is Qty x Rate - Disc Amt."""
    rng = random.Random(2603)
    parties = make_parties(rng, 30, people=6)
    rows: list[tuple[date, Party, str, Decimal, Decimal, Decimal]] = []  # day, party, item, qty, rate, discount
    for day in business_days(date(2024, 10, 1), date(2025, 3, 31), rng):
        for _ in range(rng.choice((1, 2, 3, 4))):
            party = weighted(rng, parties)
            for line in make_lines(rng, party, (1, 3), taxed=False):
                discount = money(line.quantity * line.rate * Decimal(rng.choice((0, 0, 0, 2, 5))) / 100)
                rows.append((day, party, line.item.name, line.quantity, line.rate, discount))

    path = folder / "daily_sales_oct24-mar25.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Date", "Customer", "Item", "Qty", "Rate", "Disc Amt"])
        for day, party, item, quantity, rate, discount in rows:
            name = party.spelled(rng, variety=0.1)
            writer.writerow(
                [f"{day:%d/%m/%Y}", name, item, f"{quantity}", f"{rate:.2f}", f"{discount:.2f}" if discount else ""]
            )

    return path, Truth(
        revenue=sum_of(quantity * rate - discount for _, _, _, quantity, rate, discount in rows),  # as Excel sums it
        orders=len({(day, party.key) for day, party, *_ in rows}),
        customers=len({party.key for _, party, *_ in rows}),
        lines_loaded=len(rows),
    )


# ---------------------------------------------------------------- two months' CSVs joined by hand

JOINED_HEAD = (
    "Invoice Date", "Invoice No", "Customer Name", "GSTIN", "Taxable Amount", "CGST", "SGST", "IGST",
    "Invoice Amount",
)  # fmt: skip


def _month_csv(invoices: list[Invoice], *, trailing_blank_rows: int, blank_inside: int) -> bytes:
    """One month as Excel's "CSV UTF-8" writes it: a byte-order mark, CRLF, and comma-only rows for the formatted but
    empty rows below (and one stray blank row inside) the data."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(JOINED_HEAD)
    for index, invoice in enumerate(invoices):
        if index == blank_inside:
            writer.writerow([""] * len(JOINED_HEAD))
        writer.writerow([
            f"{invoice.day:%d-%m-%Y}", invoice.number, invoice.extra["shown"], invoice.party.gstin or "",
            f"{invoice.taxable:.2f}", f"{invoice.cgst:.2f}", f"{invoice.sgst:.2f}", f"{invoice.igst:.2f}",
            f"{invoice.total:.2f}",
        ])  # fmt: skip
    for _ in range(trailing_blank_rows):
        writer.writerow([""] * len(JOINED_HEAD))
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def acc_hand_joined_csv(folder: Path) -> tuple[Path, Truth]:
    rng = random.Random(2604)
    parties = make_parties(rng, 45)
    months: list[list[Invoice]] = []
    serial = 0
    for start, end in ((date(2024, 7, 1), date(2024, 7, 31)), (date(2024, 8, 1), date(2024, 8, 31))):
        month = []
        for day in business_days(start, end, rng):
            for _ in range(rng.choice((3, 4, 5, 6, 7))):
                serial += 1
                party = weighted(rng, parties)
                invoice = Invoice(day, f"TI/{serial:04d}", party, make_lines(rng, party, (1, 4)), round_to_rupee=True)
                invoice.extra["shown"] = party.spelled(rng, variety=0.05)
                month.append(invoice)
        months.append(month)
    july, august = months
    data = _month_csv(july, trailing_blank_rows=3, blank_inside=len(july) // 2)
    data += b"\r\n"  # the empty line a hand-edit leaves between the two files
    data += _month_csv(august, trailing_blank_rows=1, blank_inside=len(august) // 3)
    (path := folder / "sales_jul_aug_2024.csv").write_bytes(data)

    invoices = july + august
    return path, Truth(
        revenue=sum_of(i.taxable for i in invoices),
        orders=len({(i.number, i.day, i.party.key) for i in invoices}),
        customers=len({i.party.key for i in invoices}),
        lines_loaded=len(invoices),
    )
