"""The demo company's sales book and the files it exports from Tally.

`build_sales_book` draws two fiscal years of vouchers from the catalogue (seasonality, growth, a few
cancellations and returns); `write_sales_register` lays a period of them out as Tally Prime's item-wise
Sales Register in .xlsx; `write_customer_master` writes the customer list (with each customer's salesperson
and branch) as a Windows Excel user saves a CSV (cp1252, CRLF); `write_item_master` writes every stock item the
registers sell as Tally's List of Stock Items (stock group, unit, HSN/SAC, GST rate, standard cost);
`write_demo_exports` writes the whole set, ERP sheets included, and returns the totals an import of those files
must reproduce.

Sales Register layout (sheet "Sales Register"):

    row 1  company name               row 4  "Sales Register"
    row 2  address                    row 5  "1-Apr-24 to 31-Mar-25"
    row 3  "GSTIN/UIN: 27AAHCE4821K1ZH" row 6  blank
    row 7  Date | Particulars | Voucher Type | Voucher No. | GSTIN/UIN | Stock Item | Quantity | Rate | Value |
           CGST | SGST | IGST | Gross Total
    then one row per stock item. A voucher's first row carries Date (a real date cell, shown 1-Apr-24),
    Particulars (the party), Voucher Type, Voucher No. and GSTIN/UIN (blank for an unregistered buyer); its
    other rows leave those five cells empty. Quantity is text ("12 Nos", "250.00 Mtr", "12.500 Kg"), Rate is
    text ("1,250.00/Nos"); Value (taxable), the taxes and Gross Total are numeric cells, a tax that does not apply
    (IGST inside Maharashtra, CGST and SGST outside) is left blank. Freight lines have no Quantity or Rate.
    A cancelled voucher is one row, as Tally shows it: Date, Particulars "(cancelled)", Voucher Type "Sales",
    its Voucher No., nothing else: it keeps its number and has no value.
    A return is a voucher of type "Credit Note" (numbered CN/24-25/001) in the same register: its Quantity
    reads "(-)3 Nos" and its Value, taxes and Gross Total are negative, so the register nets it off.
    Last row: "Grand Total" under Particulars, with the sums of Value, CGST, SGST, IGST and Gross Total.

List of Stock Items layout (sheet "Stock Items"):

    row 1  company name               row 3  "List of Stock Items"
    row 2  address                    row 4  "1-Apr-25 to 31-Mar-26" (the latest fiscal year, up to `end`)
    row 5  blank
    row 6  Name of Item | Stock Group | Units | HSN/SAC | GST Rate | Standard Cost
    then one row per stock item, in catalogue order: the name exactly as the Sales Register prints it, the
    product line as its stock group, the unit ("Nos", "Mtr"...; blank for freight), the line's HSN (SAC for
    freight), the GST rate as text ("18%") and the standard cost of one unit, a numeric cell: what the latest
    year's purchase orders pay (list price x the line's cost ratio, raised 4% a year). Freight has no cost.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

from elettro.kernel.india import group_indian
from ingestion.sample_exports import erp
from ingestion.sample_exports.catalogue import (
    COMPANY,
    CUSTOMERS,
    DEMO_END,
    DEMO_START,
    FREIGHT,
    GOODS_LINES,
    LINE_SEASONALITY,
    PACKAGING,
    PANELS,
    PRICE_RISE,
    PRODUCTS,
    PRODUCTS_BY_LINE,
    SEGMENT_DISCOUNT,
    SEGMENT_ITEMS,
    SEGMENT_LINE_VALUE,
    SEGMENT_MIX,
    UNIT_DECIMALS,
    Customer,
    Product,
    demand_factor,
    fiscal_year,
    fiscal_years,
    freeze_xlsx,
    gst_split,
    money,
    tally_date,
)

SALES = "Sales"
CREDIT_NOTE = "Credit Note"
CANCELLED_MARK = "(cancelled)"
GRAND_TOTAL = "Grand Total"
REGISTER_SHEET = "Sales Register"
REGISTER_HEADER = (
    "Date",
    "Particulars",
    "Voucher Type",
    "Voucher No.",
    "GSTIN/UIN",
    "Stock Item",
    "Quantity",
    "Rate",
    "Value",
    "CGST",
    "SGST",
    "IGST",
    "Gross Total",
)
REGISTER_HEADER_ROW = 7  # 1-based, after five title rows and a blank one
MASTER_HEADER = ("Name", "GSTIN", "State", "City", "Country", "Segment", "Customer Code", "Sales Person", "Branch")
MASTER_ENCODING = "cp1252"
ITEMS_SHEET = "Stock Items"
ITEMS_HEADER = ("Name of Item", "Stock Group", "Units", "HSN/SAC", "GST Rate", "Standard Cost")
ITEMS_HEADER_ROW = 6  # 1-based, after four title rows and a blank one
AMOUNT_FORMAT = "#,##,##0.00"

INVOICES_PER_DAY = 4.6  # on an average weekday at the start; demand_factor scales it
CANCEL_RATE = 0.015
RETURN_RATE = 0.02


# ---------------------------------------------------------------- the sales book


@dataclass(frozen=True)
class Item:
    product: Product
    quantity: Decimal | None  # None for freight; negative on a credit note
    rate: Decimal | None
    value: Decimal  # taxable value
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    @property
    def gross(self) -> Decimal:
        return self.value + self.tax


@dataclass(frozen=True)
class Voucher:
    number: str
    day: date
    kind: str  # SALES or CREDIT_NOTE
    customer: Customer
    items: tuple[Item, ...]  # empty when cancelled
    cancelled: bool = False
    against: str | None = None  # a credit note's original invoice


@dataclass(frozen=True)
class SalesBook:
    start: date
    end: date
    vouchers: tuple[Voucher, ...]  # by date, sales before credit notes, then by number

    def between(self, start: date, end: date) -> list[Voucher]:
        return [v for v in self.vouchers if start <= v.day <= end]

    @property
    def invoices(self) -> list[Voucher]:
        """Sales vouchers that stand (not cancelled)."""
        return [v for v in self.vouchers if v.kind == SALES and not v.cancelled]


@dataclass
class _Draft:
    day: date
    customer: Customer
    items: list[Item]
    cancelled: bool = False
    kind: str = SALES
    against: _Draft | None = None
    number: str = ""


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _item(product: Product, quantity: Decimal | None, rate: Decimal | None, value: Decimal, intra: bool) -> Item:
    sign = -1 if value < 0 else 1
    cgst, sgst, igst = gst_split(abs(value), product.gst_rate, intra_state=intra)
    return Item(product, quantity, rate, value, sign * cgst, sign * sgst, sign * igst)


def _quantity(rng: random.Random, product: Product, raw: float) -> Decimal:
    decimals = UNIT_DECIMALS[product.unit]
    if product.unit == "Mtr":
        metres = max(10, round(raw / 10) * 10)
        return Decimal(metres) + (Decimal("0.50") if rng.random() < 0.15 else Decimal(0))
    if decimals:
        return Decimal(max(1000, round(raw * 1000))).scaleb(-3)
    cap = 3 if product.line is PANELS else 500
    return Decimal(min(cap, max(1, round(raw))))


def _price_factor(day: date) -> Decimal:
    return PRICE_RISE ** (fiscal_year(day).start.year - fiscal_year(DEMO_START).start.year)


def _invoice_items(rng: random.Random, customer: Customer, day: date) -> list[Item]:
    low, high = SEGMENT_ITEMS[customer.segment]
    mix = [
        share * LINE_SEASONALITY.get(line, {}).get(day.month, 1.0)
        for share, line in zip(SEGMENT_MIX[customer.segment], GOODS_LINES, strict=True)
    ]
    chosen: list[Product] = []
    for _ in range(rng.randint(low, high)):
        product = rng.choice(PRODUCTS_BY_LINE[rng.choices(GOODS_LINES, mix)[0]])
        if product not in chosen:
            chosen.append(product)
    discount = 1 - Decimal(SEGMENT_DISCOUNT[customer.segment])
    factor = _price_factor(day)
    intra = customer.intra_state
    items = []
    for product in chosen:
        rate = money(product.list_price * factor * discount)
        target = SEGMENT_LINE_VALUE[customer.segment] * rng.lognormvariate(0, 0.6)
        quantity = _quantity(rng, product, target / float(rate))
        items.append(_item(product, quantity, rate, money(quantity * rate), intra))

    packaging = PRODUCTS_BY_LINE[PACKAGING]
    if any(item.product.unit == "Mtr" for item in items) and rng.random() < 0.5:
        drum = packaging[0]
        quantity = Decimal(rng.randint(1, 3))
        rate = money(drum.list_price * factor)
        items.append(_item(drum, quantity, rate, money(quantity * rate), intra))
    elif rng.random() < 0.06:
        product = rng.choice(packaging[1:])
        if product.unit == "Kg":
            raw = rng.uniform(5, 25)  # stretch film
        elif product.list_price < 100:
            raw = rng.randint(2, 8) * 25.0  # boxes, by the bundle
        else:
            raw = float(rng.randint(1, 4))
        quantity = _quantity(rng, product, raw)
        rate = money(product.list_price * factor)
        items.append(_item(product, quantity, rate, money(quantity * rate), intra))

    if rng.random() < (0.12 if intra else 0.30) and customer.segment != "Retail":
        goods = sum(item.value for item in items)
        freight = money(max(250, round(float(goods) * rng.uniform(0.008, 0.02) / 10) * 10))  # whole tens
        product = PRODUCTS_BY_LINE[FREIGHT][0 if intra else 1]
        items.append(_item(product, None, None, freight, intra))
    return items


def _return_items(rng: random.Random, invoice: _Draft) -> list[Item]:
    goods = [item for item in invoice.items if not item.product.line.excluded_by_default]
    returned = rng.sample(goods, k=min(len(goods), 1 if rng.random() < 0.8 else 2))
    items = []
    for item in returned:
        assert item.quantity is not None and item.rate is not None
        if UNIT_DECIMALS[item.product.unit]:
            quantity = (item.quantity * Decimal(rng.choice(("0.25", "0.5", "1")))).quantize(item.quantity)
        else:
            quantity = Decimal(rng.randint(1, int(item.quantity)))
        items.append(
            _item(item.product, -quantity, item.rate, -money(quantity * item.rate), invoice.customer.intra_state)
        )
    return items


def build_sales_book(*, seed: int = 7, end: date = DEMO_END) -> SalesBook:
    """Every sales voucher and credit note from 1 April 2024 to `end`, drawn from `seed`."""
    if end < DEMO_START:
        raise ValueError(f"end must be on or after {DEMO_START}")
    rng = random.Random(seed)  # noqa: S311 (sample data, not secrets)
    drafts: list[_Draft] = []
    returns: list[_Draft] = []
    day = DEMO_START
    while day <= end:
        active = [c for c in CUSTOMERS if c.active_from <= day and (c.active_to is None or day <= c.active_to)]
        weights = [c.weight for c in active]
        for _ in range(_poisson(rng, INVOICES_PER_DAY * demand_factor(day))):
            customer = rng.choices(active, weights)[0]
            draft = _Draft(day, customer, _invoice_items(rng, customer, day), cancelled=rng.random() < CANCEL_RATE)
            drafts.append(draft)
            if not draft.cancelled and rng.random() < RETURN_RATE:
                # drawn here, whatever `end` is, so a later `end` adds vouchers but never changes earlier ones
                returned_on = day + timedelta(days=rng.randint(3, 30))
                items = _return_items(rng, draft)
                if returned_on <= end:
                    returns.append(_Draft(returned_on, customer, items, kind=CREDIT_NOTE, against=draft))
        day += timedelta(days=1)
    returns.sort(key=lambda d: d.day)  # stable: same-day returns keep the order they were drawn in

    counters: dict[tuple[str, str], int] = defaultdict(int)
    for draft in drafts + returns:
        fy = fiscal_year(draft.day).short
        counters[draft.kind, fy] += 1
        n = counters[draft.kind, fy]
        draft.number = f"ED/{fy}/{n:04d}" if draft.kind == SALES else f"CN/{fy}/{n:03d}"

    vouchers = [
        Voucher(
            number=d.number,
            day=d.day,
            kind=d.kind,
            customer=d.customer,
            items=() if d.cancelled else tuple(d.items),
            cancelled=d.cancelled,
            against=d.against.number if d.against else None,
        )
        for d in drafts + returns
    ]
    vouchers.sort(key=lambda v: (v.day, v.kind != SALES, v.number))
    return SalesBook(DEMO_START, end, tuple(vouchers))


# ---------------------------------------------------------------- the Sales Register


def _grouped(amount: Decimal, decimals: int) -> str:
    text = f"{abs(amount):.{decimals}f}"
    whole, _, fraction = text.partition(".")
    grouped = group_indian(whole) + (f".{fraction}" if fraction else "")
    return f"(-){grouped}" if amount < 0 else grouped


def quantity_text(item: Item) -> str | None:
    """'12 Nos', '1,250.00 Mtr', '12.500 Kg', '(-)3 Nos' (a return), None for freight."""
    if item.quantity is None:
        return None
    return f"{_grouped(item.quantity, UNIT_DECIMALS[item.product.unit])} {item.product.unit}"


def rate_text(item: Item) -> str | None:
    """'1,250.00/Nos', None for freight."""
    if item.rate is None:
        return None
    return f"{_grouped(item.rate, 2)}/{item.product.unit}"


def _stamp(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 18, 30)


def write_sales_register(path: Path, book: SalesBook, *, start: date, end: date) -> Path:
    """Tally Prime's item-wise Sales Register for the vouchers dated `start`..`end` (see the module docstring)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = REGISTER_SHEET
    ws.append([COMPANY.name])
    ws.append([COMPANY.address])
    ws.append([f"GSTIN/UIN: {COMPANY.gstin}"])
    ws.append(["Sales Register"])
    ws.append([f"{tally_date(start)} to {tally_date(end)}"])
    ws.append([])
    ws.append(list(REGISTER_HEADER))
    ws["A1"].font = Font(bold=True, size=13)
    ws["A4"].font = Font(bold=True)
    for cell in ws[REGISTER_HEADER_ROW]:
        cell.font = Font(bold=True)

    totals = [Decimal(0)] * 5
    row = REGISTER_HEADER_ROW  # the last row written (ws.max_row rescans every cell: slow)
    for voucher in book.between(start, end):
        if voucher.cancelled:
            ws.append([voucher.day, CANCELLED_MARK, voucher.kind, voucher.number])
            row += 1
            ws.cell(row, 1).number_format = "d-mmm-yy"
            continue
        for index, item in enumerate(voucher.items):
            head = (
                [voucher.day, voucher.customer.name, voucher.kind, voucher.number, voucher.customer.gstin]
                if index == 0
                else [None] * 5
            )
            amounts = [item.value, item.cgst, item.sgst, item.igst, item.gross]
            totals = [t + a for t, a in zip(totals, amounts, strict=True)]
            cells = [item.value, *(tax or None for tax in amounts[1:4]), item.gross]  # Tally leaves a nil tax blank
            ws.append([*head, item.product.name, quantity_text(item), rate_text(item), *cells])
            row += 1
            if index == 0:
                ws.cell(row, 1).number_format = "d-mmm-yy"
            for column in range(9, 14):
                ws.cell(row, column).number_format = AMOUNT_FORMAT
    ws.append([None, GRAND_TOTAL, None, None, None, None, None, None, *totals])
    for cell in ws[row + 1]:
        cell.font = Font(bold=True)
        if cell.column >= 9:
            cell.number_format = AMOUNT_FORMAT

    widths = {"A": 11, "B": 34, "C": 12, "D": 14, "E": 18, "F": 48, "G": 14, "H": 16}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    for letter in "IJKLM":
        ws.column_dimensions[letter].width = 15
    ws.freeze_panes = ws.cell(REGISTER_HEADER_ROW + 1, 1)
    wb.properties.creator = "Tally Prime"
    wb.properties.created = _stamp(end)
    wb.save(path)
    freeze_xlsx(path, _stamp(end))
    return path


def write_customer_master(path: Path) -> Path:
    """Every customer, as a Windows user saves a sheet to CSV: cp1252, CRLF, some names spelt differently."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(MASTER_HEADER)
    for c in CUSTOMERS:
        branch = c.salesperson.branch.name
        writer.writerow(
            [c.master_name, c.gstin or "", c.state, c.city, "India", c.segment, c.code, c.salesperson.name, branch]
        )
    path.write_bytes(buffer.getvalue().encode(MASTER_ENCODING))
    return path


def standard_cost(product: Product, end: date) -> Decimal | None:
    """The unit cost the item master gives: the latest fiscal year's purchase price (None for freight)."""
    if product.line is FREIGHT:
        return None
    return money(product.list_price * product.cost_ratio * _price_factor(end))


def write_item_master(path: Path, *, end: date = DEMO_END) -> Path:
    """Every stock item the registers sell, as Tally Prime's List of Stock Items in .xlsx (see the docstring)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = ITEMS_SHEET
    year = fiscal_year(end)
    ws.append([COMPANY.name])
    ws.append([COMPANY.address])
    ws.append(["List of Stock Items"])
    ws.append([f"{tally_date(year.start)} to {tally_date(end)}"])
    ws.append([])
    ws.append(list(ITEMS_HEADER))
    ws["A1"].font = Font(bold=True, size=13)
    ws["A3"].font = Font(bold=True)
    for cell in ws[ITEMS_HEADER_ROW]:
        cell.font = Font(bold=True)
    for row, product in enumerate(PRODUCTS, start=ITEMS_HEADER_ROW + 1):
        line = product.line
        cost = standard_cost(product, end)
        ws.append([product.name, line.name, product.unit or None, line.hsn, f"{line.gst_rate}%", cost])
        if cost is not None:
            ws.cell(row, 6).number_format = AMOUNT_FORMAT
    for letter, width in {"A": 52, "B": 22, "C": 8, "D": 10, "E": 10, "F": 16}.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(ITEMS_HEADER_ROW + 1, 1)
    wb.properties.creator = "Tally Prime"
    wb.properties.created = _stamp(end)
    wb.save(path)
    freeze_xlsx(path, _stamp(end))
    return path


# ---------------------------------------------------------------- the whole demo


@dataclass(frozen=True)
class DemoTotals:
    """What an import of the demo's registers must find (each voucher counted once, overlaps aside).

    Cancelled vouchers count for nothing but `cancelled`; credit notes reduce revenue. Packaging and freight
    lines are included here: `revenue_by_line` gives what to take off when they are excluded.
    """

    invoices: int  # sales vouchers, cancelled ones excluded
    credit_notes: int
    cancelled: int
    lines: int  # item rows of invoices and credit notes
    revenue: Decimal  # taxable value, net of credit notes
    returns: Decimal  # taxable value of credit notes, as a positive amount
    tax: Decimal
    gross: Decimal
    customers: int  # distinct customers with an invoice
    revenue_by_fy: dict[str, Decimal] = field(default_factory=dict)
    revenue_by_line: dict[str, Decimal] = field(default_factory=dict)
    revenue_by_salesperson: dict[str, Decimal] = field(default_factory=dict)

    @property
    def revenue_excluding_packaging_and_freight(self) -> Decimal:
        return self.revenue - self.revenue_by_line.get(PACKAGING.name, 0) - self.revenue_by_line.get(FREIGHT.name, 0)


@dataclass(frozen=True)
class DemoExports:
    out_dir: Path
    sales_registers: tuple[Path, ...]  # one per fiscal year, each year whole (or up to `end`)
    overlapping_registers: tuple[Path, ...]  # part of the latest year again, to demonstrate overlapping uploads
    customer_master: Path
    item_master: Path
    erp_purchase: Path
    erp_production: Path
    erp_packing: Path
    erp_shipments: Path
    totals: DemoTotals

    @property
    def files(self) -> dict[str, tuple[Path, ...]]:
        return {
            "sales_register": self.sales_registers + self.overlapping_registers,
            "customer_master": (self.customer_master,),
            "item_master": (self.item_master,),
            "erp_purchase": (self.erp_purchase,),
            "erp_production": (self.erp_production,),
            "erp_packing": (self.erp_packing,),
            "erp_shipments": (self.erp_shipments,),
        }


def demo_totals(book: SalesBook) -> DemoTotals:
    live = [v for v in book.vouchers if not v.cancelled]
    items = [(v, item) for v in live for item in v.items]
    by_fy: dict[str, Decimal] = defaultdict(Decimal)
    by_line: dict[str, Decimal] = defaultdict(Decimal)
    by_person: dict[str, Decimal] = defaultdict(Decimal)
    for voucher, item in items:
        by_fy[fiscal_year(voucher.day).label] += item.value
        by_line[item.product.line.name] += item.value
        by_person[voucher.customer.salesperson.name] += item.value
    revenue = sum((item.value for _, item in items), Decimal("0.00"))
    tax = sum((item.tax for _, item in items), Decimal("0.00"))
    return DemoTotals(
        invoices=sum(1 for v in live if v.kind == SALES),
        credit_notes=sum(1 for v in live if v.kind == CREDIT_NOTE),
        cancelled=sum(1 for v in book.vouchers if v.cancelled),
        lines=len(items),
        revenue=revenue,
        returns=-sum((item.value for v, item in items if v.kind == CREDIT_NOTE), Decimal("0.00")),
        tax=tax,
        gross=revenue + tax,
        customers=len({v.customer.code for v in live if v.kind == SALES}),
        revenue_by_fy=dict(by_fy),
        revenue_by_line=dict(by_line),
        revenue_by_salesperson=dict(by_person),
    )


def _overlap_end(start: date, end: date) -> date | None:
    """End of the partial file of the latest year: December, or the month before `end` if that is earlier."""
    month_before = end.replace(day=1) - timedelta(days=1)
    last = min(date(start.year, 12, 31), month_before)
    return last if last >= start + timedelta(days=27) else None


def write_demo_exports(out_dir: Path, *, seed: int = 7, end: date = DEMO_END) -> DemoExports:
    """Write the demo company's exports into `out_dir` and return their paths and expected totals.

    sales_register_FY24-25.xlsx, sales_register_FY25-26.xlsx (up to `end`), sales_register_FY25-26_Apr-Dec.xlsx
    (the same vouchers as the first months of the full file), customer_master.csv, item_master.xlsx,
    erp_purchase.xlsx, erp_production.xlsx, erp_packing.xlsx, erp_shipments.xlsx.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    book = build_sales_book(seed=seed, end=end)
    registers = []
    overlapping = []
    years = fiscal_years(DEMO_START, end)
    for fy in years:
        path = out_dir / f"sales_register_{fy.label}.xlsx"
        registers.append(write_sales_register(path, book, start=fy.start, end=min(fy.end, end)))
    latest = years[-1]
    part_end = _overlap_end(latest.start, end)
    if part_end is not None:
        path = out_dir / f"sales_register_{latest.label}_{latest.start:%b}-{part_end:%b}.xlsx"
        overlapping.append(write_sales_register(path, book, start=latest.start, end=part_end))
    master = write_customer_master(out_dir / "customer_master.csv")
    items = write_item_master(out_dir / "item_master.xlsx", end=end)
    sheets = erp.write_erp_exports(out_dir, book, seed=seed)
    return DemoExports(
        out_dir=out_dir,
        sales_registers=tuple(registers),
        overlapping_registers=tuple(overlapping),
        customer_master=master,
        item_master=items,
        erp_purchase=sheets["purchase"],
        erp_production=sheets["production"],
        erp_packing=sheets["packing"],
        erp_shipments=sheets["shipments"],
        totals=demo_totals(book),
    )
