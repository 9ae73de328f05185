"""Marketplace order reports: Amazon Seller Central's 'All Orders' flat file and Flipkart's orders report."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tests.ingestion.field_exports.shop_common import (
    CITIES,
    SHOP_ITEMS,
    Item,
    Tally,
    moment,
    money,
    name_key,
    people,
    weighted,
    write_csv,
    write_lines,
)
from tests.ingestion.field_exports.truth import Truth

# ---------------------------------------------------------------- Amazon Seller Central: All Orders

AMAZON_HEADER = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level", "product-name", "sku", "asin",
    "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
    "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order", "purchase-order-number",
    "price-designation",
)  # fmt: skip
# Order statuses that are sales; every other one (Cancelled, Pending, Shipped - Returned to Seller, Shipped -
# Rejected by Buyer, Shipped - Lost in Transit) is kept but not counted.
_AMAZON_COUNTED = {"Shipped", "Shipped - Delivered to Buyer", "Shipped - Out for Delivery", "Unshipped"}
_AFN_STATUSES = (("Shipped", 87), ("Cancelled", 8), ("Pending", 2))
_MFN_STATUSES = (
    ("Shipped - Delivered to Buyer", 62), ("Shipped", 6), ("Shipped - Out for Delivery", 2), ("Unshipped", 4),
    ("Cancelled", 9), ("Shipped - Returned to Seller", 11), ("Shipped - Rejected by Buyer", 4),
    ("Shipped - Lost in Transit", 2),
)  # fmt: skip


def _amazon_time(when: datetime) -> str:
    return f"{when:%Y-%m-%dT%H:%M:%S}+00:00"


def _amazon_order_id(rng: random.Random, used: set[str]) -> str:
    while True:
        prefix = rng.choice((171, 402, 403, 404, 405, 406, 407, 408))
        order_id = f"{prefix}-{rng.randrange(10**7):07d}-{rng.randrange(10**7):07d}"
        if order_id not in used:
            used.add(order_id)
            return order_id


def _asin(rng: random.Random) -> str:
    return "B0" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8))


def _fsn(rng: random.Random) -> str:
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(16))


def _tax_inside(gross: Decimal, rate: Decimal) -> Decimal:
    """The tax contained in a tax-inclusive price (GST and VAT marketplaces show prices with tax)."""
    return money(gross - gross / (1 + rate / 100))


def _write_amazon(
    folder: Path,
    *,
    seed: int,
    company_currency: str,
    channels: tuple[tuple[tuple[str, str, Decimal, Decimal, tuple[tuple[str, str], ...]], float], ...],
    orders: int,
    file_name: str,
    start: date,
    end: date,
) -> tuple[Path, Truth]:
    """channels: ((sales-channel, currency, factor from INR, VAT rate or None for the item's GST, places), weight).

    Marketplaces in GST and VAT countries show prices with tax: item-price is the catalogue price (before tax)
    converted, with the tax added, times the quantity; item-tax is the tax inside it."""
    rng = random.Random(seed)
    tally = Tally(currency=company_currency)
    asins = {item.sku: _asin(rng) for item in SHOP_ITEMS}
    used: set[str] = set()
    rows = []
    for placed in sorted(moment(rng, start, end, hours=(0, 24)) for _ in range(orders)):
        order_id = _amazon_order_id(rng, used)
        channel, currency, factor, tax_rate, places = weighted(rng, channels)
        afn = rng.random() < 0.6
        status = weighted(rng, _AFN_STATUSES if afn else _MFN_STATUSES)
        city, state = rng.choice(places)
        items = rng.sample(SHOP_ITEMS, weighted(rng, ((1, 80), (2, 15), (3, 5))))
        business = rng.random() < 0.05
        updated = placed + timedelta(hours=rng.randrange(1, 240))
        for position, item in enumerate(items):
            item_status = {"Pending": "Unshipped", "Unshipped": "Unshipped", "Cancelled": "Cancelled"}.get(
                status, "Shipped"
            )
            quantity = weighted(rng, ((1, 85), (2, 12), (3, 3)))
            priced = status != "Pending"
            if status == "Cancelled" and rng.random() < 0.7:
                quantity, priced = 0, False  # cancelled before pricing: Amazon shows 0 and no price
            if status in _AMAZON_COUNTED and position > 0 and rng.random() < 0.08:
                item_status, quantity, priced = "Cancelled", 0, False  # one item of the order cancelled
            rate = item.gst if tax_rate is None else tax_rate
            gross = money(item.price * factor * (1 + rate / 100) * quantity) if priced else None
            tax = _tax_inside(gross, rate) if gross is not None else None
            shipping = Decimal(0)
            if gross is not None and not afn and currency == "INR" and gross < 499:
                shipping = Decimal("40.00")
            counts = status in _AMAZON_COUNTED and item_status != "Cancelled"
            title = _amazon_title(item, arabic=currency != company_currency and rng.random() < 0.5)
            rows.append(
                (
                    order_id,
                    "",
                    _amazon_time(placed),
                    _amazon_time(updated),
                    status,
                    "Amazon" if afn else "Merchant",
                    channel,
                    "",
                    "",
                    rng.choice(("Standard", "Standard", "Expedited")),
                    title,
                    item.sku,
                    asins[item.sku],
                    item_status,
                    quantity,
                    currency,
                    "" if gross is None else f"{gross:.2f}",
                    "" if tax is None else f"{tax:.2f}",
                    "" if gross is None else f"{shipping:.2f}",
                    "" if gross is None else f"{_tax_inside(shipping, rate):.2f}",
                    "",
                    "",
                    "",
                    "",
                    city.upper(),
                    state.upper(),
                    str(rng.randrange(110001, 799999)),
                    _COUNTRY[currency],
                    "",
                    "true" if business else "false",
                    "",
                    "BusinessPrice" if business else "",
                )
            )
            # A pending line has no price yet, nor has an item cancelled inside a shipped order: no sale and no
            # line to keep (they are rejected as having no amount). A cancelled order's lines are kept at zero.
            if gross is not None or status == "Cancelled":
                tally.line(order=order_id, amount=Decimal(0) if gross is None else gross - tax, counts=counts,
                           currency=currency)  # fmt: skip
    path = write_lines(folder / file_name, [AMAZON_HEADER, *rows], sep="\t")
    return path, tally.truth(assert_lines=False)


_COUNTRY = {"INR": "IN", "AED": "AE", "SAR": "SA", "EGP": "EG"}
_ARABIC_TITLES = {
    "TEA-MSL-250": "شاي ماسالا 250 جرام", "BTL-CPR-1L": "زجاجة ماء نحاسية 1 لتر",
    "CDL-SAN-200": "شمعة خشب الصندل 200 جرام",
}  # fmt: skip


def _amazon_title(item: Item, *, arabic: bool = False) -> str:
    if arabic and item.sku in _ARABIC_TITLES:
        return _ARABIC_TITLES[item.sku]
    return f"Desi Dhaaga {item.name.replace(' - ', ', ')}"


def write_amazon_all_orders(folder: Path, *, seed: int = 301) -> tuple[Path, Truth]:
    """Amazon Seller Central (amazon.in): Reports > Fulfilment > All Orders, the tab-separated flat file (.txt).

    Layout (Seller Central help, 'All Orders Report'): amazon-order-id, merchant-order-id, purchase-date,
    last-updated-date, order-status, fulfillment-channel, sales-channel, ..., product-name, sku, asin, item-status,
    quantity, currency, item-price, item-tax, shipping-price, shipping-tax, ..., ship-city, ship-state,
    ship-postal-code, ship-country, ..., is-business-order, purchase-order-number, price-designation.

    Quirks:
    - Tab-separated, unquoted, with a .txt name; purchase-date is ISO 8601 in UTC ('2024-07-14T18:53:56+00:00').
    - One row per item: an order with three products is three rows with one amazon-order-id.
    - item-price is the line's price for the quantity (not a unit price), including GST; item-tax is the GST in it.
    - order-status: Shipped, 'Shipped - Delivered to Buyer', 'Shipped - Out for Delivery' and Unshipped are sales;
      Cancelled, Pending (payment not yet authorised, no price), 'Shipped - Returned to Seller',
      'Shipped - Rejected by Buyer' and 'Shipped - Lost in Transit' are not. A cancelled item of a shipped order
      shows item-status Cancelled, quantity 0 and no price.
    - No customer at all: the report carries no buyer identity ('does not include customer-identifying
      information'), so customers = 0.
    - Shipping is in its own columns and is not product revenue.

    Truth: revenue = sum of item-price - item-tax over counted rows; orders = distinct amazon-order-id among them;
    customers = 0.
    """
    places = tuple((city, state) for city, state, _, _ in CITIES)
    channels = ((("Amazon.in", "INR", Decimal(1), None, places), 1.0),)
    return _write_amazon(
        folder, seed=seed, company_currency="INR", channels=channels, orders=950,
        file_name="48213019584.txt", start=date(2024, 7, 1), end=date(2024, 9, 30),
    )  # fmt: skip


def write_amazon_all_orders_gulf(folder: Path, *, seed: int = 302) -> tuple[Path, Truth]:
    """Amazon Seller Central, a UAE company selling on amazon.ae, amazon.sa and amazon.eg from one account.

    Layout as `write_amazon_all_orders`.

    Quirks:
    - Mixed currencies in one file: AED (amazon.ae, the company's currency), SAR (amazon.sa) and EGP (amazon.eg).
      SAR and EGP lines are kept and never added to AED figures.
    - Prices include VAT (5% UAE, 15% KSA, 14% Egypt); item-tax is the VAT in item-price.

    Truth: revenue = sum of item-price - item-tax over counted AED rows; orders = their amazon-order-ids;
    customers = 0 (no buyer identity in the report).
    """
    channels = (
        (("Amazon.ae", "AED", Decimal(1) / Decimal("22.7"), Decimal(5),
          (("Dubai", "Dubai"), ("Abu Dhabi", "Abu Dhabi"), ("Sharjah", "Sharjah"), ("Al Ain", "Abu Dhabi"))), 64),
        (("Amazon.sa", "SAR", Decimal(1) / Decimal("22.2"), Decimal(15),
          (("Riyadh", "Riyadh"), ("Jeddah", "Makkah"), ("Dammam", "Eastern Province"))), 29),
        (("Amazon.eg", "EGP", Decimal(1) / Decimal("1.72"), Decimal(14), (("Cairo", "Cairo"), ("Giza", "Giza"))), 7),
    )  # fmt: skip
    return _write_amazon(
        folder, seed=seed, company_currency="AED", channels=channels, orders=640,
        file_name="All_Orders_2024-10-01_2024-12-31.txt", start=date(2024, 10, 1), end=date(2024, 12, 31),
    )  # fmt: skip


# ---------------------------------------------------------------- Flipkart: orders report

FLIPKART_HEADER = (
    "Ordered On", "Shipment ID", "ORDER ITEM ID", "Order Id", "HSN CODE", "Order State", "Order Type", "FSN", "SKU",
    "Product", "Invoice No.", "CGST", "IGST", "SGST", "Invoice Date (mm/dd/yy)", "Invoice Amount",
    "Selling Price Per Item", "Shipping and Handling Charges", "Quantity", "Price inc. FKMP Contribution & Subsidy",
    "Buyer name", "Ship to name", "Address Line 1", "Address Line 2", "City", "State", "PIN Code",
    "Dispatch After date", "Dispatch by date", "Form requirement", "Tracking ID", "Package Length (cm)",
    "Package Breadth (cm)", "Package Height (cm)", "Package Weight (kg)", "Ready to Make", "With Attachment",
)  # fmt: skip
_FLIPKART_STATES = (
    ("Delivered", 64), ("Shipped", 8), ("Ready to dispatch", 4), ("Cancelled", 10), ("Returned", 7), ("RTO", 5),
    ("Return Requested", 2),
)  # fmt: skip
_FLIPKART_COUNTED = {"Delivered", "Shipped", "Ready to dispatch"}
_HSN = {"5": "6211", "12": "6302", "18": "3307", "3": "7117"}


def write_flipkart_orders(folder: Path, *, seed: int = 303) -> tuple[Path, Truth]:
    """Flipkart Seller Hub: Orders > Download (CSV), one row per order item.

    Layout (the seller dashboard's download): Ordered On, Shipment ID, ORDER ITEM ID, Order Id, HSN CODE,
    Order State, Order Type, FSN, SKU, Product, Invoice No., CGST, IGST, SGST, Invoice Date (mm/dd/yy),
    Invoice Amount, Selling Price Per Item, Shipping and Handling Charges, Quantity,
    Price inc. FKMP Contribution & Subsidy, Buyer name, Ship to name, addresses, ..., Package Weight (kg).

    Quirks:
    - ORDER ITEM ID is written with a leading apostrophe ('438462135749739102) so Excel keeps its 18 digits.
    - One order (Order Id 'OD...') can have several items, each with its own state: an order with one item delivered
      and one cancelled is one order.
    - Order State: Delivered, Shipped and Ready to dispatch are sales; Cancelled, Returned, RTO (return to origin)
      and Return Requested (a return on its way back) are not.
    - CGST, IGST and SGST hold tax *rates* ('2.5', '5', 'NA'), not amounts: there is no tax amount in the file.
    - Invoice Amount is what the buyer was invoiced, GST included; Selling Price Per Item is the seller's price,
      lower than the invoice when Flipkart funds part of a discount (FKMP contribution). Items cancelled before
      dispatch have no invoice (blank Invoice No., Invoice Amount 0).
    - Ordered On is 'Aug 26, 2024'; Invoice Date is mm/dd/yy.

    Truth: revenue = sum of Invoice Amount of counted items (including GST: the file gives no tax amount);
    orders = distinct Order Id among them; customers = distinct Buyer name among them.
    """
    rng = random.Random(seed)
    tally = Tally()
    buyers = people(rng, 420)
    rows = []
    invoice_serial = 1001
    for placed in sorted(moment(rng, date(2024, 7, 1), date(2024, 9, 30), hours=(0, 24)) for _ in range(700)):
        buyer = rng.choice(buyers)
        order_digits = rng.randrange(10**17, 10**18)
        order_id = f"OD{order_digits}"
        ship_to = buyer.name if rng.random() < 0.9 else f"{rng.choice(buyers).first} {buyer.last}"
        home = buyer.state == "Maharashtra"
        for position, item in enumerate(rng.sample(SHOP_ITEMS, weighted(rng, ((1, 82), (2, 14), (3, 4))))):
            state = weighted(rng, _FLIPKART_STATES)
            quantity = weighted(rng, ((1, 90), (2, 8), (3, 2)))
            price = money(item.price * (1 + item.gst / 100))  # Flipkart lists prices with GST
            invoice_amount = money(price * quantity)
            seller_price = money(price * Decimal(rng.choice(("0.85", "0.9", "0.95")))) if rng.random() < 0.2 else price
            invoiced = not (state == "Cancelled" and rng.random() < 0.5)
            if invoiced:
                invoice_serial += 1
            rate = item.gst
            half = f"{(rate / 2).normalize()}"
            cgst, igst, sgst = (half, "NA", half) if home else ("NA", f"{rate.normalize()}", "NA")
            dispatch_after = placed + timedelta(hours=rng.randrange(1, 12))
            dispatch_by = placed + timedelta(days=2)
            rows.append(
                (
                    _flipkart_day(placed),
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    f"'{order_digits + 1 + position}",
                    order_id,
                    _HSN[str(rate.normalize())],
                    state,
                    "NON_FBF",
                    _fsn(rng),
                    item.sku,
                    item.name,
                    f"FAKJ{fiscal_code(placed)}{invoice_serial:08d}" if invoiced else "",
                    cgst,
                    igst,
                    sgst,
                    f"{placed + timedelta(days=1):%m/%d/%y}" if invoiced else "",
                    f"{invoice_amount:.2f}" if invoiced else "0",
                    f"{seller_price:.2f}",
                    "0",
                    quantity,
                    f"{invoice_amount:.2f}",
                    buyer.name,
                    ship_to,
                    f"Flat {rng.randrange(1, 999)}, Sai Residency",
                    f"Near {rng.choice(('Bus Stand', 'Post Office', 'Temple', 'Metro Station'))}",
                    buyer.city,
                    buyer.state,
                    str(rng.randrange(110001, 799999)),
                    _flipkart_time(dispatch_after),
                    _flipkart_time(dispatch_by.replace(hour=12, minute=0, second=0)),
                    "",
                    f"FMPP{rng.randrange(10**9, 10**10)}",
                    30,
                    25,
                    4,
                    "0.4",
                    "NO",
                    "NO",
                )
            )
            amount = invoice_amount if invoiced else Decimal(0)
            tally.line(order=order_id, amount=amount, counts=state in _FLIPKART_COUNTED, customer=name_key(buyer.name))
    path = write_csv(folder / "Flipkart_orders_Jul-Sep.csv", FLIPKART_HEADER, rows)
    return path, tally.truth()


def _flipkart_day(when: datetime) -> str:
    return f"{when:%b} {when.day}, {when.year}"  # Aug 6, 2024


def _flipkart_time(when: datetime) -> str:
    return f"{_flipkart_day(when)} {when:%H:%M:%S}"


def fiscal_code(when: datetime) -> str:
    start = when.year if when.month >= 4 else when.year - 1
    return f"{start % 100:02d}{(start + 1) % 100:02d}"
