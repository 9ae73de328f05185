"""The demo company's ERP department sheets, one workbook each, consistent with its sales book.

    erp_purchase.xlsx    sheet "Purchase Orders", header on row 1. One row per PO line: PO No | Vendor | Item |
                         Qty | Unit | Unit Price | Amount | Order Date | Expected Delivery | Received Date |
                         Received Qty | Status (Pending / Partially Received / Received / Cancelled). Real date
                         cells; Received Date empty until something arrives.
    erp_production.xlsx  sheet "Production", two report lines and a blank row above the header (row 4):
                         Production ID | Product | Batch No | Quantity | Unit | Start Date | End Date | Status
                         (Planned / In Progress / Completed) | Department. Real date cells; End Date only once
                         completed; a few batches planned after the as-of date.
    erp_packing.xlsx     sheet "Packing", header on row 1: Packing ID | Invoice No. | Product | Quantity |
                         Package Type | Packing Date | Status | Operator. Packing Date is dd-mm-yyyy TEXT.
    erp_shipments.xlsx   sheet "Shipments", header on row 1: Shipment ID | Invoice No. | Customer | Destination |
                         Quantity (packages) | Shipment Date | Expected Delivery | Delivered Date | Status
                         (In Transit / Delivered / Delayed) | Transporter. Real date cells; some deliveries late,
                         the latest ones still on the road.

Statuses are as of the sales book's end date.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
from openpyxl.styles import Font

from ingestion.sample_exports.catalogue import (
    CABLES,
    COMPANY,
    FANS,
    LIGHTING,
    MOTORS,
    PACKAGING,
    PACKING_OPERATORS,
    PANEL_COMPONENTS,
    PANELS,
    PRICE_RISE,
    PRODUCTS_BY_LINE,
    SWITCHGEAR,
    TRANSPORTERS,
    VENDORS,
    fiscal_year,
    freeze_xlsx,
    money,
)

if TYPE_CHECKING:
    from ingestion.sample_exports.tally import SalesBook

PURCHASE_HEADER = (
    "PO No",
    "Vendor",
    "Item",
    "Qty",
    "Unit",
    "Unit Price",
    "Amount",
    "Order Date",
    "Expected Delivery",
    "Received Date",
    "Received Qty",
    "Status",
)
PRODUCTION_HEADER = (
    "Production ID",
    "Product",
    "Batch No",
    "Quantity",
    "Unit",
    "Start Date",
    "End Date",
    "Status",
    "Department",
)
PRODUCTION_HEADER_ROW = 4
PACKING_HEADER = (
    "Packing ID",
    "Invoice No.",
    "Product",
    "Quantity",
    "Package Type",
    "Packing Date",
    "Status",
    "Operator",
)
SHIPMENT_HEADER = (
    "Shipment ID",
    "Invoice No.",
    "Customer",
    "Destination",
    "Quantity",
    "Shipment Date",
    "Expected Delivery",
    "Delivered Date",
    "Status",
    "Transporter",
)
DATE_FORMAT = "dd-mm-yyyy"

# How often (per week) each vendor gets a purchase order, and its usual lead time in days.
_PO_RATE = {CABLES: 0.9, SWITCHGEAR: 0.8, LIGHTING: 0.6, FANS: 0.5, MOTORS: 0.5, PANELS: 0.5, PACKAGING: 0.3}
_LEAD_DAYS = {CABLES: 10, SWITCHGEAR: 14, LIGHTING: 12, FANS: 18, MOTORS: 21, PANELS: 9, PACKAGING: 5}
_PACKAGE = {
    CABLES: "Coil Wrap",
    SWITCHGEAR: "Carton",
    LIGHTING: "Carton",
    FANS: "Carton",
    MOTORS: "Wooden Crate",
    PANELS: "Wooden Crate",
}
_NEAR_STATES = {"Goa", "Gujarat", "Madhya Pradesh", "Karnataka", "Telangana"}


def _write(
    path: Path,
    sheet: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    stamp: datetime,
    preamble: Sequence[str] = (),
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for line in preamble:
        ws.append([line] if line else [])
    ws.append(list(header))
    for cell in ws[len(preamble) + 1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=len(preamble) + 2):
        ws.append(list(row))
        for column, value in enumerate(row, start=1):
            if isinstance(value, date):
                ws.cell(number, column).number_format = DATE_FORMAT
    for index, name in enumerate(header, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(12, len(name) + 2)
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 40
    wb.properties.creator = "ERP"
    wb.properties.created = stamp
    wb.save(path)
    freeze_xlsx(path, stamp)
    return path


def _delay(rng: random.Random) -> int:
    """Days past the promised date: mostly on time, some late, a few very late."""
    roll = rng.random()
    if roll < 0.72:
        return rng.randint(-3, 0)
    if roll < 0.93:
        return rng.randint(1, 5)
    return rng.randint(6, 20)


def purchase_rows(book: SalesBook, *, seed: int) -> list[tuple]:
    rng = random.Random(f"purchase:{seed}")  # noqa: S311 (sample data, not secrets)
    as_of = book.end
    rows: list[tuple] = []
    counters: dict[str, int] = {}
    week = book.start
    while week <= as_of:
        for line, vendor in VENDORS.items():
            if rng.random() >= _PO_RATE[line]:
                continue
            ordered = min(as_of, week + timedelta(days=rng.randint(0, 5)))
            fy = fiscal_year(ordered).short
            counters[fy] = counters.get(fy, 0) + 1
            number = f"PO/{fy}/{counters[fy]:04d}"
            expected = ordered + timedelta(days=_LEAD_DAYS[line] + rng.randint(-2, 4))
            arrived = expected + timedelta(days=_delay(rng))
            cancelled = rng.random() < 0.03
            factor = PRICE_RISE ** (fiscal_year(ordered).start.year - fiscal_year(book.start).start.year)
            if line is PANELS:
                catalogue = [(name, unit, Decimal(price) * Decimal("0.9")) for name, unit, price in PANEL_COMPONENTS]
            else:
                catalogue = [(p.name, p.unit, p.list_price * p.cost_ratio) for p in PRODUCTS_BY_LINE[line]]
            for name, unit, cost in rng.sample(catalogue, k=min(len(catalogue), rng.randint(1, 4))):
                price = money(cost * factor)
                raw = max(1.0, 150000 * rng.lognormvariate(0, 0.5) / float(price))
                qty = Decimal(round(raw, -1) if raw > 50 else round(raw)) if unit != "Kg" else Decimal(round(raw))
                qty = max(qty, Decimal(1))
                if cancelled:
                    status, received_on, received = "Cancelled", None, Decimal(0)
                elif arrived <= as_of:
                    short = rng.random() < 0.05
                    received = (qty * Decimal(rng.choice(("0.5", "0.6", "0.8")))).quantize(Decimal(1)) if short else qty
                    status = "Partially Received" if short else "Received"
                    received_on = arrived
                elif ordered + (arrived - ordered) / 2 <= as_of and rng.random() < 0.4:
                    received = (qty * Decimal("0.5")).quantize(Decimal(1))
                    status, received_on = "Partially Received", ordered + (arrived - ordered) / 2
                else:
                    status, received_on, received = "Pending", None, Decimal(0)
                rows.append(
                    (
                        number,
                        vendor,
                        name,
                        qty,
                        unit,
                        price,
                        money(qty * price),
                        ordered,
                        expected,
                        received_on,
                        received,
                        status,
                    )
                )
        week += timedelta(days=7)
    return rows


_DEPARTMENTS = (
    # department, products, batches per week (low, high), days to finish (low, high), quantity (low, high, step)
    ("Panel Assembly", [p for p in PRODUCTS_BY_LINE[PANELS]], (1, 2), (5, 15), (1, 6, 1)),
    ("Cable Processing", [p for p in PRODUCTS_BY_LINE[CABLES] if p.unit == "Mtr"], (1, 2), (1, 3), (500, 3000, 100)),
    ("Pump Assembly", [p for p in PRODUCTS_BY_LINE[MOTORS] if "Pump" in p.name], (0, 2), (2, 6), (10, 60, 5)),
)


def production_rows(book: SalesBook, *, seed: int) -> list[tuple]:
    rng = random.Random(f"production:{seed}")  # noqa: S311 (sample data, not secrets)
    as_of = book.end
    batches = []
    week = book.start
    while week <= as_of + timedelta(days=21):  # three weeks of planned batches beyond the as-of date
        for department, products, per_week, days, (low, high, step) in _DEPARTMENTS:
            for _ in range(rng.randint(*per_week)):
                product = rng.choice(products)
                start = week + timedelta(days=rng.randint(0, 4))
                finish = start + timedelta(days=rng.randint(*days))
                quantity = rng.randrange(low, high + 1, step)
                batches.append((start, department, product, quantity, finish))
        week += timedelta(days=7)
    batches.sort(key=lambda b: b[0])  # stable: same-day batches keep the order they were drawn in
    rows = []
    per_month: dict[tuple[str, str], int] = {}
    for number, (start, department, product, quantity, finish) in enumerate(batches, start=1):
        key = (product.line.code, f"{start:%y%m}")
        per_month[key] = per_month.get(key, 0) + 1
        batch = f"{key[0]}-{key[1]}-{per_month[key]:02d}"
        if start > as_of:
            status, ended = "Planned", None
        elif finish > as_of:
            status, ended = "In Progress", None
        else:
            status, ended = "Completed", finish
        rows.append(
            (f"PRD-{number:05d}", product.name, batch, quantity, product.unit, start, ended, status, department)
        )
    return rows


def packing_rows(book: SalesBook, *, seed: int) -> list[tuple]:
    """One packing record per dispatched invoice: its biggest item, packed a day or two before billing."""
    rng = random.Random(f"packing:{seed}")  # noqa: S311 (sample data, not secrets)
    rows = []
    for invoice in book.invoices:
        goods = [item for item in invoice.items if not item.product.line.excluded_by_default]
        item = max(goods, key=lambda i: i.value)
        packed = invoice.day - timedelta(days=rng.randint(0, 2))
        package = "Wooden Drum" if item.product.unit == "Mtr" else _PACKAGE[item.product.line]
        roll = rng.random()
        status = "Packed" if roll < 0.95 else ("Repacked" if roll < 0.99 else "Damaged - Replaced")
        quantity = float(item.quantity) if item.quantity is not None else None
        rows.append(
            (
                f"PK-{len(rows) + 1:06d}",
                invoice.number,
                item.product.name,
                quantity,
                package,
                packed.strftime("%d-%m-%Y"),
                status,
                rng.choice(PACKING_OPERATORS),
            )
        )
    return rows


def shipment_rows(book: SalesBook, *, seed: int) -> list[tuple]:
    """A shipment for every invoice except counter sales (the buyer carries the goods away)."""
    rng = random.Random(f"shipments:{seed}")  # noqa: S311 (sample data, not secrets)
    as_of = book.end
    rows = []
    for invoice in book.invoices:
        customer = invoice.customer
        if customer.gstin is None and customer.city == COMPANY.city:
            continue
        shipped = invoice.day + timedelta(days=rng.choice((0, 0, 1, 1, 2)))
        if shipped > as_of:
            continue
        if customer.intra_state:
            transit = rng.randint(1, 3)
        elif customer.state in _NEAR_STATES:
            transit = rng.randint(2, 4)
        else:
            transit = rng.randint(4, 8)
        expected = shipped + timedelta(days=transit)
        arrived = expected + timedelta(days=_delay(rng))
        arrived = max(arrived, shipped + timedelta(days=1))
        if arrived <= as_of:
            status, delivered = "Delivered", arrived
        elif expected >= as_of:
            status, delivered = "In Transit", None
        else:
            status, delivered = "Delayed", None
        local = customer.intra_state and customer.city in ("Pune", "Mumbai", "Thane")
        transporter = "Own Vehicle" if local and rng.random() < 0.6 else rng.choice(TRANSPORTERS)
        packages = sum(rng.randint(1, 4) for item in invoice.items if not item.product.line.excluded_by_default)
        rows.append(
            (
                f"SHP-{len(rows) + 1:06d}",
                invoice.number,
                customer.name,
                f"{customer.city}, {customer.state}",
                packages,
                shipped,
                expected,
                delivered,
                status,
                transporter,
            )
        )
    return rows


def write_erp_exports(out_dir: Path, book: SalesBook, *, seed: int = 7) -> dict[str, Path]:
    """Write the four department workbooks; returns their paths by kind (purchase, production, packing,
    shipments)."""
    as_of = book.end
    stamp = datetime(as_of.year, as_of.month, as_of.day, 19, 0)
    preamble = (f"{COMPANY.name} - Production Batches", f"Plant: MIDC Bhosari, Pune | As on {as_of:%d-%m-%Y}", "")
    return {
        "purchase": _write(
            out_dir / "erp_purchase.xlsx",
            "Purchase Orders",
            PURCHASE_HEADER,
            purchase_rows(book, seed=seed),
            stamp=stamp,
        ),
        "production": _write(
            out_dir / "erp_production.xlsx",
            "Production",
            PRODUCTION_HEADER,
            production_rows(book, seed=seed),
            stamp=stamp,
            preamble=preamble,
        ),
        "packing": _write(
            out_dir / "erp_packing.xlsx", "Packing", PACKING_HEADER, packing_rows(book, seed=seed), stamp=stamp
        ),
        "shipments": _write(
            out_dir / "erp_shipments.xlsx",
            "Shipments",
            SHIPMENT_HEADER,
            shipment_rows(book, seed=seed),
            stamp=stamp,
        ),
    }
