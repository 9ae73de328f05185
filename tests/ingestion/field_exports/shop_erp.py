"""ERP sales exports: SAP Business One, SAP ECC/S/4HANA, Odoo, and a retail billing counter.

Each writer draws its documents from a seeded generator, writes them the way the vendor's export does, and tallies
the analyst's figures from the same documents (see shop_common.Tally).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from tests.ingestion.field_exports.shop_common import (
    BAISA,
    ERP_ITEMS,
    POS_ITEMS,
    SHOP_ITEMS,
    Tally,
    businesses,
    fiscal_year,
    moment,
    money,
    name_key,
    people,
    weighted,
    write_csv,
    write_xlsx,
)
from tests.ingestion.field_exports.truth import Truth

# ---------------------------------------------------------------- SAP Business One


B1_HEADER = (
    "DocNum", "DocDate", "CardCode", "CardName", "ItemCode", "Dscription", "Quantity", "PriceBefDi", "DiscPrcnt",
    "Price", "LineTotal", "VatPrcnt", "VatSum", "DocTotal", "DocCur", "CANCELED", "SlpName",
)  # fmt: skip


def write_sap_b1_invoice_lines(folder: Path, *, seed: int = 101) -> tuple[Path, Truth]:
    """SAP Business One: an A/R invoice lines query (OINV joined to INV1) exported from the Query Manager to Excel.

    Layout: the table fields as the query selects them (DocNum, DocDate, CardCode, CardName, ItemCode, Dscription,
    Quantity, Price, DiscPrcnt, LineTotal, VatSum, DocTotal, DocCur...), one row per invoice line.

    Quirks:
    - DocTotal is the invoice's total with tax, repeated on every line of the invoice.
    - DiscPrcnt and VatPrcnt are percentages; Price is after the line discount, with four decimals.
    - DocDate is text in the user's date format, '15.07.2024'.
    - CardCode is the customer: one code is renamed half-way (same customer, two CardNames), and two different
      codes share a CardName (two branches of one trading name: two customers).
    - CANCELED is 'N', 'Y' on a cancelled invoice and 'C' on the cancellation document B1 creates for it (a new
      DocNum, same lines): neither counts.
    - SlpName can differ between the lines of one invoice (INV1 keeps a salesperson per line).

    Truth: revenue = sum of LineTotal (net of tax) on invoices with CANCELED = 'N'; orders = DocNum; customers =
    CardCode.
    """
    rng = random.Random(seed)
    tally = Tally()
    traders = businesses(rng, 58)
    codes = [f"C{index:05d}" for index in range(1, len(traders) + 1)]
    names = {code: name for code, (name, _, _) in zip(codes, traders, strict=True)}
    # Two branches trading under one name: different codes, one CardName.
    names[codes[1]] = names[codes[0]]
    renamed, new_name = codes[2], f"{names[codes[2]].split()[0]} Distributors LLP"
    rename_day = date(2024, 8, 16)
    salespeople = ("Amit Kulkarni", "Sneha Rao", "Farhan Sheikh", "Kavita Iyer")
    customer_rep = {code: rng.choice(salespeople) for code in codes}

    invoices = []
    day_numbers = sorted(moment(rng, date(2024, 7, 1), date(2024, 9, 28)).date() for _ in range(270))
    for number, day in enumerate(day_numbers, start=240101):
        code = rng.choice(codes)
        lines = []
        for item in rng.sample(ERP_ITEMS, rng.choice((1, 1, 2, 2, 3, 4, 5, 6))):
            quantity = Decimal(rng.choice((1, 2, 5, 10, 12, 20, 25, 50, 100)))
            if item.unit == "Mtr":
                quantity = Decimal(rng.choice(("12.5", "50", "100", "150.5", "250")))
            before = money(item.price * Decimal(rng.randrange(95, 106)) / 100)
            discount = Decimal(rng.choice(("0", "0", "0", "2", "5", "7.5", "10")))
            price = money(before * (100 - discount) / 100, Decimal("0.0001"))
            line_total = money(quantity * price)
            vat = money(line_total * item.gst / 100)
            rep = customer_rep[code] if rng.random() > 0.05 else rng.choice(salespeople)
            lines.append((item, quantity, before, discount, price, line_total, vat, rep))
        invoices.append({"number": number, "day": day, "code": code, "lines": lines, "canceled": "N"})

    # Three invoices cancelled a few days later: B1 marks them 'Y' and adds a cancellation document 'C'.
    next_number = invoices[-1]["number"] + 1
    for invoice in rng.sample(invoices[:200], 3):
        invoice["canceled"] = "Y"
        reversal = dict(invoice, number=next_number, day=invoice["day"] + timedelta(days=rng.randrange(1, 6)))
        reversal["canceled"] = "C"
        invoices.append(reversal)
        next_number += 1
    invoices.sort(key=lambda invoice: (invoice["day"], invoice["number"]))

    rows = []
    for invoice in invoices:
        code, day = invoice["code"], invoice["day"]
        card_name = new_name if code == renamed and day >= rename_day else names[code]
        doc_total = sum((line[5] + line[6] for line in invoice["lines"]), Decimal(0))
        for item, quantity, before, discount, price, line_total, vat, rep in invoice["lines"]:
            rows.append((
                invoice["number"], day.strftime("%d.%m.%Y"), code, card_name, item.sku, item.name, quantity, before,
                discount, price, line_total, item.gst, vat, doc_total, "INR", invoice["canceled"], rep,
            ))  # fmt: skip
            tally.line(order=invoice["number"], amount=line_total, counts=invoice["canceled"] == "N", customer=code)
    formats = {"LineTotal": "#,##0.00", "VatSum": "#,##0.00", "DocTotal": "#,##0.00"}
    path = write_xlsx(folder / "OINV_INV1_sales_analysis.xlsx", {"Sheet1": (B1_HEADER, rows)}, number_formats=formats)
    return path, tally.truth()


# ---------------------------------------------------------------- SAP ECC / S/4HANA billing register

S4_HEADER = (
    "Billing Document", "Item", "Billing Type", "Billing Date", "Sold-To Party", "Material", "Description",
    "Billed Quantity", "Sales Unit", "Net Value", "Tax Amount", "Document Currency", "Sales Organization",
    "Distribution Channel", "Division", "Plant",
)  # fmt: skip
_SAP_UNITS = {"Coil": "ROL", "Mtr": "M", "Nos": "EA", "Pack": "PAK", "Len": "PC", "Pkt": "PAK"}


def write_sap_s4_billing_register(folder: Path, *, seed: int = 102) -> tuple[Path, Truth]:
    """SAP ECC / S/4HANA: the billing documents list (VF05N / a VBRK-VBRP ALV report) exported to a spreadsheet.

    Layout: one row per billing item, ALV column titles ('Billing Document', 'Billing Date', 'Sold-To Party',
    'Material', 'Billed Quantity', 'Net Value', 'Tax Amount', 'Document Currency', ...).

    Quirks:
    - Sold-To Party is a customer number only (written as a number, leading zeros dropped), never a name.
    - Item numbers 10, 20, 30 within a billing document.
    - Export invoices (distribution channel 20) are billed in USD, zero-rated: kept, never added to INR figures.
    - Billing Date is a real date cell shown as 01.07.2024.

    Truth: revenue = sum of Net Value of INR items; orders = billing documents with an INR item; customers = sold-to
    parties of those items.
    """
    rng = random.Random(seed)
    tally = Tally()
    domestic = [100000 + index for index in range(1, 71)]
    export = [200000 + index for index in range(1, 9)]
    usd_price = {item.sku: money(item.price / Decimal("83.4")) for item in ERP_ITEMS}
    rows = []
    days = sorted(moment(rng, date(2024, 7, 1), date(2024, 9, 30)).date() for _ in range(430))
    for number, day in enumerate(days, start=90031520):
        is_export = rng.random() < 0.07
        party = rng.choice(export if is_export else domestic)
        currency, channel = ("USD", "20") if is_export else ("INR", "10")
        for position, item in enumerate(rng.sample(ERP_ITEMS, rng.choice((1, 1, 2, 3, 4))), start=1):
            quantity = Decimal(rng.choice((1, 2, 4, 10, 20, 40, 100)))
            if item.unit == "Mtr":
                quantity = Decimal(rng.choice(("50.000", "100.000", "250.500", "500.000")))
            price = usd_price[item.sku] if is_export else item.price
            net = money(quantity * price)
            tax = Decimal("0.00") if is_export else money(net * item.gst / 100)
            rows.append((
                number, position * 10, "F2", day, party, item.sku, item.name, quantity, _SAP_UNITS[item.unit], net, tax,
                currency, "1000", channel, "00", "1100",
            ))  # fmt: skip
            tally.line(order=number, amount=net, customer=str(party), currency=currency)
    formats = {"Net Value": "#,##0.00", "Tax Amount": "#,##0.00"}
    sheets = {"Sheet1": (S4_HEADER, rows)}
    path = write_xlsx(folder / "export_VF05N.xlsx", sheets, date_format="dd.mm.yyyy", number_formats=formats)
    return path, tally.truth()


# ---------------------------------------------------------------- Odoo

ODOO_ORDER_HEADER = (
    "Order Reference", "Order Date", "Customer", "Salesperson", "Status", "Total", "Order Lines/Product",
    "Order Lines/Quantity", "Order Lines/Unit Price", "Order Lines/Discount (%)", "Order Lines/Subtotal",
)  # fmt: skip
_ODOO_STATES = (("Sales Order", 80), ("Quotation", 7), ("Quotation Sent", 5), ("Cancelled", 8))


def _odoo_product(item) -> str:
    return f"[{item.sku}] {item.name}"


def write_odoo_sale_orders(folder: Path, *, seed: int = 103) -> tuple[Path, Truth]:
    """Odoo: Sales > Orders, list view, Export (xlsx) of the orders with their 'Order Lines' sub-fields.

    Layout: Odoo's field labels; the order's own fields (Order Reference, Order Date, Customer, Salesperson, Status,
    Total) are written on the order's first row only, and each further order line is a row with just the
    'Order Lines/...' columns filled: that is how Odoo exports a one2many field.

    Quirks:
    - Status is the order's state label: 'Quotation', 'Quotation Sent', 'Sales Order', 'Cancelled'. Only sales
      orders are sales; quotations and cancelled orders are kept but not counted.
    - Total is the order's total including tax (first row only); Subtotal is each line's untaxed amount.
    - Products are shown as '[KUR-BLU-M] Cotton Kurta - Blue / M'; customers as 'Company, Contact' for a contact of a
      company (a comma inside the name).
    - Order Date is a datetime in UTC.

    Truth: revenue = sum of line Subtotals of orders in 'Sales Order'; orders = Order Reference; customers = the
    Customer shown (each customer is one partner with one display name).
    """
    rng = random.Random(seed)
    tally = Tally()
    shoppers = people(rng, 40)
    companies = businesses(rng, 30)
    customers = [person.name for person in shoppers]
    customers += [
        f"{name}, {rng.choice(shoppers).first} {rng.choice(('Mehta', 'Rao', 'Shah'))}" for name, _, _ in companies
    ]
    assert len({name_key(name) for name in customers}) == len(customers)
    salespeople = ("Mitchell Admin", "Marc Demo", "Neha Joshi")
    orders = []
    starts = sorted(moment(rng, date(2024, 7, 1), date(2024, 9, 30), hours=(3, 14)) for _ in range(380))
    for number, placed in enumerate(starts, start=1041):
        reference, customer = f"S{number:05d}", rng.choice(customers)
        state = weighted(rng, _ODOO_STATES)
        lines = []
        for item in rng.sample(SHOP_ITEMS, rng.choice((1, 1, 2, 2, 3, 4, 5))):
            quantity = Decimal(rng.choice((1, 1, 2, 3, 5, 10, 24)))
            unit_price = money(item.price * Decimal("0.85"))  # the B2B pricelist
            discount = Decimal(rng.choice(("0", "0", "0", "5", "10", "12.5")))
            subtotal = money(quantity * unit_price * (100 - discount) / 100)
            lines.append((item, quantity, unit_price, discount, subtotal))
        total = sum((money(subtotal * (1 + item.gst / 100)) for item, *_, subtotal in lines), Decimal(0))
        rows = []
        for index, (item, quantity, unit_price, discount, subtotal) in enumerate(lines):
            head = (reference, placed, customer, rng.choice(salespeople), state, total) if index == 0 else (None,) * 6
            rows.append((*head, _odoo_product(item), quantity, unit_price, discount, subtotal))
            tally.line(order=reference, amount=subtotal, counts=state == "Sales Order", customer=name_key(customer))
        orders.append(rows)
    # Odoo lists the newest order first; each order's lines stay in their order below its first row.
    rows = [row for order in reversed(orders) for row in order]
    path = write_xlsx(folder / "Quotations (sale.order).xlsx", {"Sheet1": (ODOO_ORDER_HEADER, rows)})
    return path, tally.truth(assert_lines=False)


ODOO_LINE_HEADER = (
    "Order Reference", "Created on", "Customer", "Salesperson", "Product", "Quantity", "Unit Price", "Discount (%)",
    "Taxes", "Subtotal", "Total", "Currency", "Order Status",
)  # fmt: skip
_GULF_CUSTOMERS = (
    ("Al Batinah Trading LLC", "OMR"), ("Muscat Home Furnishings", "OMR"), ("Sohar Interiors SAOC", "OMR"),
    ("Nizwa Gifts & Crafts", "OMR"), ("Salalah Lifestyle Stores", "OMR"), ("Ruwi Textiles LLC", "OMR"),
    ("Al Khuwair Boutique", "OMR"), ("Sur Hospitality Supplies", "OMR"), ("Ibri Bazaar Co.", "OMR"),
    ("Barka Retail Group", "OMR"), ("Seeb Decor House", "OMR"), ("Qurum Concept Store", "OMR"),
    ("Jeddah Home Centre", "SAR"), ("Riyadh Linen Co.", "SAR"), ("Dammam Crafts Est.", "SAR"),
    ("Doha Living W.L.L.", "QAR"), ("Al Wakra Furnishings", "QAR"),
)  # fmt: skip
_TO_FOREIGN = {"OMR": Decimal(1), "SAR": Decimal("9.74"), "QAR": Decimal("9.46")}  # per rial Omani


def write_odoo_order_lines_omr(folder: Path, *, seed: int = 104) -> tuple[Path, Truth]:
    """Odoo, an Omani trading company: Sales > Order Lines (sale.order.line) exported to xlsx, one row per line.

    Layout: the line model's labels (Order Reference, Created on, Customer, Product, Quantity, Unit Price,
    Discount (%), Taxes, Subtotal, Total, Currency, Order Status).

    Quirks:
    - The company's currency is the Omani rial (three decimals, 12.345); Saudi and Qatari customers are invoiced on
      SAR and QAR pricelists: those lines are kept and never added to OMR figures.
    - Subtotal is the untaxed line amount, Total the line amount with VAT; Taxes is the tax's *name* ('VAT 5%').
    - Order Status is the order's state on each line: 'Sales Order', 'Quotation', 'Cancelled'.

    Truth: revenue = sum of Subtotal of OMR lines of sales orders; orders = Order Reference; customers = Customer.
    """
    rng = random.Random(seed)
    tally = Tally(currency="OMR")
    rows = []
    starts = sorted(moment(rng, date(2024, 10, 1), date(2024, 12, 31), hours=(4, 13)) for _ in range(320))
    for number, created in enumerate(starts, start=2210):
        reference = f"S{number:05d}"
        customer, currency = rng.choice(_GULF_CUSTOMERS)
        places = BAISA if currency == "OMR" else Decimal("0.01")
        state = weighted(rng, (("Sales Order", 85), ("Quotation", 8), ("Cancelled", 7)))
        tax_name, tax_rate = ("VAT 5%", Decimal("0.05")) if currency == "OMR" else ("VAT 0% (Export)", Decimal(0))
        for item in rng.sample(SHOP_ITEMS, rng.choice((1, 2, 2, 3, 4, 6))):
            quantity = Decimal(rng.choice((2, 5, 10, 12, 20, 50)))
            unit_price = money(item.price / Decimal("215") * _TO_FOREIGN[currency], places)
            discount = Decimal(rng.choice(("0", "0", "5", "10")))
            subtotal = money(quantity * unit_price * (100 - discount) / 100, places)
            total = money(subtotal * (1 + tax_rate), places)
            rows.append((
                reference, created, customer, "Hilal Al Balushi", _odoo_product(item), quantity, unit_price, discount,
                tax_name, subtotal, total, currency, state,
            ))  # fmt: skip
            tally.line(order=reference, amount=subtotal, counts=state == "Sales Order", customer=customer,
                       currency=currency)  # fmt: skip
    path = write_xlsx(folder / "Sales Order Line (sale.order.line).xlsx", {"Sheet1": (ODOO_LINE_HEADER, rows)})
    return path, tally.truth(assert_lines=False)


# ---------------------------------------------------------------- a retail billing counter, walk-in customers

POS_HEADER = ("Bill No", "Bill Date", "Item", "Qty", "Rate", "Amount")


def write_pos_walk_in(folder: Path, *, seed: int = 105) -> tuple[Path, Truth]:
    """A supermarket's billing software: 'Bill-wise Item Sales' saved as CSV from Excel. No customer column at all.

    Layout: three title lines (shop, report name, period), then Bill No, Bill Date, Item, Qty, Rate, Amount, and a
    'Grand Total' line at the end.

    Quirks:
    - Walk-in customers: there is nobody to count, so customers = 0.
    - Bill numbers restart at 1 on 1 April: bill 1 of FY 2024-25 and bill 1 of FY 2025-26 are different bills.
    - Bill Date is dd/mm/yyyy text; loose goods are sold by weight (Qty 1.250).
    - Rates are MRP, GST included; there is no tax column, so revenue is the Amount as billed.
    - Saved from Excel: UTF-8 with a byte-order mark.

    Truth: revenue = sum of Amount; orders = distinct (fiscal year, Bill No); customers = 0.
    """
    rng = random.Random(seed)
    tally = Tally()
    rows = []
    day, end = date(2025, 2, 1), date(2025, 5, 31)
    bill = 0
    while day <= end:
        if day == date(2025, 4, 1):
            bill = 0
        for _ in range(rng.randrange(5, 12)):
            bill += 1
            for name, rate, loose in rng.sample(POS_ITEMS, rng.choice((1, 2, 2, 3, 3, 4, 5, 7))):
                quantity = (
                    Decimal(rng.choice(("0.500", "1.000", "1.250", "2.000", "0.750")))
                    if loose
                    else Decimal(rng.choice((1, 1, 1, 2, 3)))
                )
                amount = money(quantity * rate)
                quantity_text = f"{quantity:.3f}" if loose else str(quantity)
                rows.append((str(bill), day.strftime("%d/%m/%Y"), name, quantity_text, f"{rate:.2f}", f"{amount:.2f}"))
                tally.line(order=(fiscal_year(day), bill), amount=amount)
        day += timedelta(days=1)
    grand_total = sum((Decimal(row[5]) for row in rows), Decimal(0))
    path = folder / "ItemSales_Feb-May.csv"
    titles = [
        ("SHREE BALAJI SUPERMART, Kothrud, Pune", "", "", "", "", ""),
        ("Bill-wise Item Sales", "", "", "", "", ""),
        ("From 01/02/2025 To 31/05/2025", "", "", "", "", ""),
    ]
    footer = [("", "", "Grand Total", "", "", f"{grand_total:.2f}")]
    body = [*titles[1:], POS_HEADER, *rows, *footer]
    write_csv(path, titles[0], body, encoding="utf-8-sig")
    return path, tally.truth()
