"""Busy, Marg ERP, Vyapar and Zoho Books sales exports, each in its vendor's layout with its quirks.

Sources for the layouts:

- Busy (Busy Infotech): item-wise sales register exported to Excel. A blank spacer column A, a preamble of variable
  height (company, report, "From ... to ..."), heads "Date | Vch/Bill No | Particulars | TIN/GSTIN No. | Material
  Centre | Item Details | Qty. | Unit | Price | Disc % | Amount | Tax Amt | Bill Amount"; voucher fields on a
  voucher's first line only (importers forward-fill Date, Vch/Bill No, Particulars, Material Centre), "Tax Amt" and
  "Bill Amount" on the first line only; the head row repeated before every voucher block after the first; dates
  "19-03-2025"; a "Totals" row at the end. (Public importers of real Busy exports: a pandas ETL forward-filling
  ["Date", "Vch/Bill No", "Party Type", "Material Centre", "Particulars", "State"] with "Disc %", "Discount Amt",
  "Tax Amt", "Bill Amount"; a TypeScript parser "verified against actual BUSY ERP export" noting the spacer column,
  the repeated column-label row and the "Totals" row.)
- Marg ERP 9+: Reports > Sales Analysis > Sale Book, "Detailed" (bill by bill, day-wise), "Club Cash Sales: No" so a
  cash bill shows party "CASH"; a bill total rounded to the rupee and the GST columns, no taxable column. (Marg Care,
  "How to view Purchase Return Book": the same report family with its Detailed/Summarised, Club Cash Sales and
  "Amt. = Rate*Qty / Net / R*Q-D" options. The column heads were not found published; they follow Marg's capitalised
  report style and are marked as a guess in the report.)
- Vyapar: Reports > Sale, Excel export "SaleReport.xlsx", sheet "Sale Report": "Generated on ..." line and the
  period above the heads "Date | Order No. | Invoice No. | Party Name | GSTIN | Party Phone No. | Category Name |
  Transaction Type | Total Amount | Payment Type | Received/Paid Amount | Balance Due | Payment Status |
  Description"; dates DD/MM/YYYY; walk-in bills to "Cash Sale"; a cancelled bill's Transaction Type says so; totals
  include GST (no tax column). (Public importers of Vyapar SaleReport.xlsx: header row after a "Generated on Nov 21,
  2025 at 2:51 pm" line, partyName defaulting to "Cash Sale", skipping a Transaction Type containing "cancelled".)
- Zoho Books: Sales > Invoices > Export (CSV), one row per item line with the invoice's fields repeated: "Invoice
  Date, Invoice ID, Invoice Number, ..., Invoice Status, Customer Name, Customer ID, ..., Currency Code, Exchange
  Rate, ..., Item Name, SKU, ..., Quantity, Usage unit, Item Price, Discount, Discount Amount, ..., CGST, SGST, IGST,
  ..., Item Total, SubTotal, Total, Balance, ..." (the header of a real Invoice.csv, kept in a public importer). The
  export dialog's "Select Status" includes Draft, so an "All" export carries drafts: a draft is not issued and has
  no accounting effect, so it is not counted; Void is not counted either (Zoho: void "to keep a copy of an invoice
  but not have it reflect on any reports or accounts").
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

from tests.ingestion.field_exports.acc_world import (
    COMPANY_ADDRESS,
    COMPANY_NAME,
    FY_END,
    FY_START,
    ZERO,
    Invoice,
    Item,
    Line,
    Party,
    business_days,
    make_lines,
    make_parties,
    money,
    sum_of,
    weighted,
)
from tests.ingestion.field_exports.truth import Truth

# ---------------------------------------------------------------- Busy

BUSY_HEAD = (
    "", "Date", "Vch/Bill No", "Particulars", "TIN/GSTIN No.", "Material Centre", "Item Details", "Qty.", "Unit",
    "Price", "Disc %", "Amount", "Tax Amt", "Bill Amount",
)  # fmt: skip
BUSY_CASH = "Cash"


def busy_sales_register(folder: Path) -> tuple[Path, Truth]:
    rng = random.Random(2501)
    parties = make_parties(rng, 50)
    invoices: list[Invoice] = []
    serial = 0
    for day in business_days(FY_START, FY_END, rng):
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            serial += 1
            party = None if rng.random() < 0.05 else weighted(rng, parties)
            invoice = Invoice(day, f"GST/{serial:04d}", party, make_lines(rng, party, (1, 4), discount=True))
            invoice.round_to_rupee = True
            invoice.extra["shown"] = BUSY_CASH if party is None else party.spelled(rng, variety=0.05)
            invoice.extra["centre"] = rng.choice(("Main Store", "Main Store", "Bhosari Godown"))
            invoices.append(invoice)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sales Register"
    for row in (
        ("", COMPANY_NAME),
        ("", COMPANY_ADDRESS[1]),
        ("", "Sales Register"),
        ("", "From 01-04-2024 to 31-03-2025"),
        (),
    ):
        sheet.append(list(row))
    for invoice in invoices:
        sheet.append(list(BUSY_HEAD))  # Busy prints the column labels again above every voucher block
        for index, line in enumerate(invoice.lines):
            if index == 0:
                gstin = invoice.party.gstin if invoice.party and invoice.party.gstin else None
                head = [
                    None,
                    f"{invoice.day:%d-%m-%Y}",
                    invoice.number,
                    invoice.extra["shown"],
                    gstin,
                    invoice.extra["centre"],
                ]
                tail = [invoice.tax, invoice.total]
            else:
                head, tail = [None] * 6, [None, None]
            discount = line.discount_pct if line.discount_pct else None
            sheet.append([*head, line.item.name, line.quantity, line.item.unit, line.rate, discount, line.value, *tail])
    totals = [sum_of(i.taxable for i in invoices), sum_of(i.tax for i in invoices), sum_of(i.total for i in invoices)]
    sheet.append([None, None, None, "Totals", None, None, None, None, None, None, None, *totals])
    book.save(path := folder / "BUSY_SalesRegister_2024-25.xlsx")

    return path, Truth(
        revenue=sum_of(i.taxable for i in invoices),
        orders=len({(i.number, i.day, i.party.key if i.party else None) for i in invoices}),
        customers=len({i.party.key for i in invoices if i.party is not None}),
    )


# ---------------------------------------------------------------- Marg ERP

MARG_HEAD = ("DATE", "BILL NO.", "PARTY NAME", "GSTIN", "BILL AMOUNT", "CGST", "SGST", "IGST")
MARG_CASH = "CASH"


def marg_sale_book(folder: Path) -> tuple[Path, Truth]:
    """Bill-wise Sale Book: gross bill amounts and their GST, no taxable column, so net = bill - GST."""
    rng = random.Random(2502)
    parties = make_parties(rng, 45)
    invoices: list[Invoice] = []
    serial = 0
    for day in business_days(FY_START, FY_END, rng):
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            serial += 1
            party = None if rng.random() < 0.18 else weighted(rng, parties)
            invoices.append(Invoice(day, f"A{serial:06d}", party, make_lines(rng, party, (1, 3)), round_to_rupee=True))

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "SALE BOOK"
    for row in ((COMPANY_NAME.upper(),), ("SALE BOOK",), ("FROM 01/04/2024 TO 31/03/2025",), ()):
        sheet.append(list(row))
    sheet.append(list(MARG_HEAD))
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for invoice in invoices:
        name = MARG_CASH if invoice.party is None else invoice.party.name.upper()
        gstin = invoice.party.gstin if invoice.party and invoice.party.gstin else None
        taxes = [tax if tax else None for tax in (invoice.cgst, invoice.sgst, invoice.igst)]
        sheet.append([invoice.day, invoice.number, name, gstin, invoice.total, *taxes])
        sheet.cell(sheet.max_row, 1).number_format = "dd/mm/yyyy"
    totals = [sum_of(i.total for i in invoices), sum_of(i.cgst for i in invoices), sum_of(i.sgst for i in invoices)]
    sheet.append([None, None, "TOTAL", None, *totals, sum_of(i.igst for i in invoices)])
    book.save(path := folder / "SALEBOOK.xlsx")

    return path, Truth(
        revenue=sum_of(i.total - i.cgst - i.sgst - i.igst for i in invoices),
        orders=len({(i.number, i.day, i.party.key if i.party else None) for i in invoices}),
        customers=len({i.party.key for i in invoices if i.party is not None}),
    )


# ---------------------------------------------------------------- Vyapar

VYAPAR_HEAD = (
    "Date", "Order No.", "Invoice No.", "Party Name", "GSTIN", "Party Phone No.", "Category Name", "Transaction Type",
    "Total Amount", "Payment Type", "Received/Paid Amount", "Balance Due", "Payment Status", "Description",
)  # fmt: skip
VYAPAR_CASH = "Cash Sale"
VYAPAR_CANCELLED = "Sale [Cancelled]"


def vyapar_sale_report(folder: Path) -> tuple[Path, Truth]:
    """A shop's year in Vyapar: walk-in "Cash Sale" bills, credit notes, a few cancelled sales; totals include GST."""
    rng = random.Random(2503)
    parties = make_parties(rng, 40, people=8)
    categories = {party.key: rng.choice(("Retailer", "Contractor", "Dealer", "")) for party in parties}
    phones = {party.key: f"9{rng.randrange(10**8, 10**9)}" for party in parties}
    rows: list[tuple[Invoice, str]] = []  # (invoice, transaction type)
    sale_no = credit_no = 0
    for day in business_days(FY_START, FY_END, rng, sundays=0.6):
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            walk_in = rng.random() < 0.3
            party = None if walk_in else weighted(rng, parties)
            if not walk_in and rng.random() < 0.04:
                credit_no += 1
                rows.append(
                    (
                        Invoice(day, str(credit_no), party, make_lines(rng, party, (1, 1)), kind="Credit Note"),
                        "Credit Note",
                    )
                )
                continue
            sale_no += 1
            invoice = Invoice(day, str(sale_no), party, make_lines(rng, party, (1, 3)), round_to_rupee=True)
            invoice.cancelled = rng.random() < 0.02
            rows.append((invoice, VYAPAR_CANCELLED if invoice.cancelled else "Sale"))

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sale Report"
    for row in (("Generated on Apr 2, 2025 at 11:04 am",), ("Sale Report",), ("Duration: 01/04/2024 to 31/03/2025",)):
        sheet.append(list(row))
    sheet.append(list(VYAPAR_HEAD))
    for invoice, kind in rows:
        party = invoice.party
        total = invoice.total
        if party is None:
            paid, pay_type = total, rng.choice(("Cash", "Cash", "UPI"))
        else:
            paid = rng.choice((total, total, money(total * Decimal("0.5")), ZERO))
            pay_type = rng.choice(("Cash", "UPI", "Cheque", "HDFC BANK"))
        status = "Paid" if paid == total else ("Unpaid" if paid == 0 else "Partial")
        order_no = f"{rng.randrange(1, 400)}" if kind == "Sale" and rng.random() < 0.1 else None
        sheet.append([
            f"{invoice.day:%d/%m/%Y}", order_no, int(invoice.number),
            VYAPAR_CASH if party is None else party.name, party.gstin if party else None,
            phones[party.key] if party else None, categories[party.key] if party else None, kind, total,
            pay_type, paid, total - paid, status, None,
        ])  # fmt: skip
    book.save(path := folder / "SaleReport.xlsx")

    sales = [invoice for invoice, kind in rows if kind == "Sale"]
    return path, Truth(
        revenue=sum_of(i.total for i in sales),
        orders=len({(i.number, i.day, i.party.key if i.party else None) for i in sales}),
        customers=len({i.party.key for i in sales if i.party is not None}),
    )


# ---------------------------------------------------------------- Zoho Books

ZOHO_HEAD = (
    "Invoice Date", "Invoice ID", "Invoice Number", "Estimate Number", "Invoice Status", "Customer Name",
    "Customer ID", "Place of Supply", "GST Treatment", "GST Identification Number (GSTIN)", "Is Inclusive Tax",
    "Due Date", "Currency Code", "Exchange Rate", "Entity Discount Amount", "Item Name", "SKU", "Item Desc",
    "Quantity", "Usage unit", "Item Price", "Discount", "Discount Amount", "HSN/SAC", "Item Tax %", "CGST Rate %",
    "SGST Rate %", "IGST Rate %", "CGST", "SGST", "IGST", "Item Total", "SubTotal", "Total", "Balance",
    "Shipping Charge", "Adjustment", "Sales person", "Billing City", "Billing State",
)  # fmt: skip
_ZOHO_STATUS = {"Closed": 55, "Open": 14, "Overdue": 12, "PartiallyPaid": 8, "Draft": 5, "Void": 6}
_NOT_COUNTED = ("Draft", "Void")
_STATE_CODES = {"27": "MH", "24": "GJ", "29": "KA", "07": "DL", "33": "TN", "09": "UP", "30": "GA", "23": "MP"}
_STATE_NAMES = {"27": "Maharashtra", "24": "Gujarat", "29": "Karnataka", "07": "Delhi", "33": "Tamil Nadu",
                "09": "Uttar Pradesh", "30": "Goa", "23": "Madhya Pradesh"}  # fmt: skip
_OVERSEAS = ("Gulf Electro Trading LLC", "Nairobi Power Systems Ltd", "Colombo Lighting (Pvt) Ltd")
_ZOHO_ORG = "1894765"


def _zoho_id(serial: int) -> str:
    return f"{_ZOHO_ORG}000000{serial:06d}"


def _zoho_invoices(rng: random.Random, parties: list[Party], *, usd: float) -> list[Invoice]:
    invoices: list[Invoice] = []
    overseas = [
        Party(900 + index, name, "96", None, _zoho_id(90_000 + index), False) for index, name in enumerate(_OVERSEAS)
    ]
    serial = 0
    for day in business_days(FY_START, FY_END, rng, sundays=0.0):
        for _ in range(rng.choice((0, 1, 1, 2))):
            serial += 1
            if rng.random() < usd:
                party = rng.choice(overseas)
                lines = make_lines(rng, party, (1, 3), taxed=False)
                lines = [_in_dollars(line) for line in lines]
                invoice = Invoice(day, f"INV-{serial:06d}", party, lines, kind="USD")
                invoice.extra["status"] = "Closed"
            else:
                party = weighted(rng, parties)
                invoice = Invoice(day, f"INV-{serial:06d}", party, make_lines(rng, party, (1, 4), discount=True))
                invoice.extra["status"] = rng.choices(list(_ZOHO_STATUS), weights=list(_ZOHO_STATUS.values()))[0]
            invoice.extra["id"] = _zoho_id(serial)
            invoices.append(invoice)
    return invoices


def _in_dollars(line: Line) -> Line:
    rate = money(line.rate / Decimal("83.25"))
    item = Item(line.item.name, line.item.sku, line.item.unit, rate, 0)
    return Line(item, line.quantity, rate, Decimal(0), money(line.quantity * rate), ZERO, ZERO, ZERO)


def _zoho_balance(rng: random.Random, invoice: Invoice) -> Decimal:
    status = invoice.extra["status"]
    if status in ("Closed", "Void"):
        return ZERO
    if status == "PartiallyPaid":
        return money(invoice.total * Decimal(rng.choice(("0.25", "0.4", "0.6"))))
    return invoice.total


def zoho_books_invoices(folder: Path) -> tuple[Path, Truth]:
    """Zoho Books' invoice export: one row per item with the invoice fields repeated on each, statuses Closed/Open/
    Overdue/PartiallyPaid/Draft/Void, a few export invoices in USD, Customer ID as the customer's identity."""
    rng = random.Random(2504)
    parties = make_parties(rng, 60)
    invoices = _zoho_invoices(rng, parties, usd=0.03)
    path = folder / "Invoice.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ZOHO_HEAD)
        for invoice in invoices:
            party = invoice.party
            usd = invoice.kind == "USD"
            balance = _zoho_balance(rng, invoice)
            treatment = "overseas" if usd else ("business_gst" if party.gstin else "consumer")
            head = [
                f"{invoice.day:%Y-%m-%d}", invoice.extra["id"], invoice.number, "", invoice.extra["status"],
                party.name, party.code if usd else _zoho_id(50_000 + party.key),
                "" if usd else _STATE_CODES[party.state], treatment, party.gstin or "", "false",
                f"{invoice.day:%Y-%m-%d}", "USD" if usd else "INR", "83.25" if usd else "1.00", "0.00",
            ]  # fmt: skip
            for line in invoice.lines:
                rate = Decimal(line.item.gst)
                cgst_rate = sgst_rate = rate / 2 if line.cgst else Decimal(0)
                igst_rate = rate if line.igst else Decimal(0)
                writer.writerow([
                    *head, line.item.name, line.item.sku, "", f"{line.quantity}", line.item.unit, f"{line.rate:.2f}",
                    f"{line.discount_pct:.2f}", f"{line.discount:.2f}", "8536", f"{0 if usd else line.item.gst}",
                    f"{cgst_rate:.1f}", f"{sgst_rate:.1f}", f"{igst_rate:.1f}", f"{line.cgst:.2f}",
                    f"{line.sgst:.2f}", f"{line.igst:.2f}", f"{line.value:.2f}", f"{invoice.taxable:.2f}",
                    f"{invoice.total:.2f}", f"{balance:.2f}", "0.00", "0.00", "Rohit Deshmukh",
                    "Dubai" if usd else "Pune", "" if usd else _STATE_NAMES[party.state],
                ])  # fmt: skip

    counted = [i for i in invoices if i.kind != "USD" and i.extra["status"] not in _NOT_COUNTED]
    return path, Truth(
        revenue=sum_of(line.value for i in counted for line in i.lines),
        orders=len({(i.number, i.day, i.party.key) for i in counted}),
        customers=len({i.party.key for i in counted}),
        other_currency_lines=sum(len(i.lines) for i in invoices if i.kind == "USD"),
    )


ZOHO_TOTALS_HEAD = (
    "Invoice Date", "Invoice Number", "Invoice Status", "Customer ID", "Customer Name", "Item Name", "SKU", "Quantity",
    "Usage unit", "Total", "Balance",
)  # fmt: skip


def zoho_invoices_total_per_line(folder: Path) -> tuple[Path, Truth]:
    """A custom Zoho export template with the item names but no price or line amount: the invoice Total (GST
    included) is repeated on every item line, and counts once per invoice."""
    rng = random.Random(2505)
    parties = make_parties(rng, 45)
    invoices = _zoho_invoices(rng, parties, usd=0.0)
    path = folder / "Invoices_Jun2025.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ZOHO_TOTALS_HEAD)
        for invoice in invoices:
            status = invoice.extra["status"]
            if status == "Draft":
                status = "Open"  # this template's export was run for "All except drafts"
                invoice.extra["status"] = status
            balance = _zoho_balance(rng, invoice)
            for line in invoice.lines:
                writer.writerow([
                    f"{invoice.day:%d/%m/%Y}", invoice.number, status, _zoho_id(50_000 + invoice.party.key),
                    invoice.party.name, line.item.name, line.item.sku, f"{line.quantity}", line.item.unit,
                    f"{invoice.total:.2f}", f"{balance:.2f}",
                ])  # fmt: skip

    counted = [i for i in invoices if i.extra["status"] not in _NOT_COUNTED]
    multi = Counter(len(i.lines) > 1 for i in invoices)
    assert multi[True] > multi[False] / 2, "most invoices should repeat their total on several lines"
    return path, Truth(
        revenue=sum_of(i.total for i in counted),
        orders=len({(i.number, i.day, i.party.key) for i in counted}),
        customers=len({i.party.key for i in counted}),
    )


__all__ = [
    "busy_sales_register",
    "marg_sale_book",
    "vyapar_sale_report",
    "zoho_books_invoices",
    "zoho_invoices_total_per_line",
]
