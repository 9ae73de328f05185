"""Web-shop order exports: Shopify (Admin > Orders > Export) and WooCommerce (Advanced Order Export plugin)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tests.ingestion.field_exports.shop_common import (
    SHOP_ITEMS,
    US_SHOP_ITEMS,
    Item,
    Person,
    Tally,
    moment,
    money,
    people,
    plain,
    weighted,
    western,
    write_csv,
)
from tests.ingestion.field_exports.truth import Truth

# ---------------------------------------------------------------- Shopify

SHOPIFY_HEADER = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price", "Lineitem sku",
    "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip", "Billing Province",
    "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street", "Shipping Address1", "Shipping Address2",
    "Shipping Company", "Shipping City", "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone",
    "Notes", "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount", "Vendor",
    "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags", "Risk Level", "Source",
    "Lineitem discount", "Tax 1 Name", "Tax 1 Value", "Tax 2 Name", "Tax 2 Value", "Tax 3 Name", "Tax 3 Value",
    "Tax 4 Name", "Tax 4 Value", "Tax 5 Name", "Tax 5 Value", "Phone", "Receipt Number", "Duties",
    "Billing Province Name", "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At",
    "Payment References",
)  # fmt: skip
# Columns Shopify repeats on an order's second and later rows; every other column is blank there.
_SHOPIFY_ITEM_COLUMNS = frozenset({
    "Name", "Email", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Vendor",
    "Lineitem discount",
})  # fmt: skip
_COUNTED_FINANCIAL = {"paid", "pending", "authorized", "partially_paid", "partially_refunded"}
_STREETS = ("MG Road", "Link Road", "Station Road", "FC Road", "Linking Road", "Residency Road", "Park Street")


@dataclass(frozen=True)
class _ShopifyStore:
    currency: str
    items: tuple[Item, ...]
    offset: str  # the store's time zone as Shopify prints it
    first_number: int
    orders: int
    statuses: tuple[tuple[str, float], ...]
    created_at_on_item_rows: bool  # seen both ways in real exports: repeated, or blank after the first row
    file_name: str
    us: bool = False


def _shopify_time(moment_: datetime, offset: str) -> str:
    return f"{moment_:%Y-%m-%d %H:%M:%S} {offset}"


def _shopify_tax(store: _ShopifyStore, person: Person | None, net: Decimal, rate: Decimal) -> list[tuple[str, Decimal]]:
    if store.us:
        state_rate = {"CA": Decimal("7.25"), "TX": Decimal("6.25"), "NJ": Decimal("6.625"), "NY": Decimal("4")}
        state = person.province if person else "CA"
        if state not in state_rate:
            return []
        return [(f"{state} State Tax {state_rate[state].normalize()}%", money(net * state_rate[state] / 100))]
    if person is None or person.province == "MH":  # the store ships from Maharashtra: CGST + SGST inside it
        half = rate / 2
        return [
            (f"CGST {half.normalize()}%", money(net * half / 100)),
            (f"SGST {half.normalize()}%", money(net * half / 100)),
        ]
    return [(f"IGST {rate.normalize()}%", money(net * rate / 100))]


def _write_shopify(folder: Path, store: _ShopifyStore, seed: int) -> tuple[Path, Truth]:
    rng = random.Random(seed)
    tally = Tally(currency=store.currency)
    shoppers = people(rng, 260, us=store.us)
    walk_ins = people(rng, 25, us=store.us)  # POS customers known by name only
    orders = []
    starts = sorted(moment(rng, date(2024, 7, 1), date(2024, 9, 30), hours=(0, 24)) for _ in range(store.orders))
    for number, created in enumerate(starts, start=store.first_number):
        source = weighted(rng, (("web", 90), ("pos", 7), ("shopify_draft_order", 3)))
        person: Person | None = rng.choice(shoppers)
        email = person.email
        if source == "pos":
            person = rng.choice(walk_ins) if rng.random() < 0.6 else None
            email = ""
        status = weighted(rng, store.statuses)
        cancelled = status == "voided" or (status == "refunded" and rng.random() < 0.5)
        if status == "paid" and rng.random() < 0.015:  # cancelled without a refund (e.g. paid by bank transfer later)
            cancelled = True
        lines = []
        for item in rng.sample(store.items, weighted(rng, ((1, 55), (2, 25), (3, 12), (4, 6), (6, 2)))):
            quantity = weighted(rng, ((1, 75), (2, 18), (3, 5), (5, 2)))
            discount = Decimal(0)
            if rng.random() < 0.15:
                discount = money(item.price * quantity * Decimal(rng.choice(("0.05", "0.10", "0.15"))))
            lines.append((item, quantity, discount))
        net = {item.sku: money(item.price * quantity) - discount for item, quantity, discount in lines}
        subtotal = sum(net.values(), Decimal(0))
        taxes = []
        for item, _, _ in lines:
            for label, value in _shopify_tax(store, person, net[item.sku], item.gst):
                taxes.append((label, value))
        tax_by_label: dict[str, Decimal] = {}
        for label, value in taxes:
            tax_by_label[label] = tax_by_label.get(label, Decimal(0)) + value
        tax_total = sum(tax_by_label.values(), Decimal(0))
        shipping = (
            Decimal(0)
            if subtotal >= (Decimal(50) if store.us else Decimal(999)) or source == "pos"
            else (Decimal("6.99") if store.us else Decimal("79.00"))
        )
        total = subtotal + shipping + tax_total
        refunded = {"refunded": total, "partially_refunded": money(net[lines[0][0].sku] / 2)}.get(status, Decimal(0))
        orders.append({
            "name": f"#{number}", "email": email, "person": person, "status": status, "created": created,
            "cancelled": created + timedelta(hours=rng.randrange(2, 72)) if cancelled else None, "source": source,
            "lines": lines, "subtotal": subtotal, "shipping": shipping, "taxes": sorted(tax_by_label.items()),
            "tax_total": tax_total, "total": total, "refunded": refunded, "id": 5600000000000 + number * 7919,
        })  # fmt: skip

    rows = []
    for order in reversed(orders):  # Shopify exports the newest order first
        person, status = order["person"], order["status"]
        counts = status in _COUNTED_FINANCIAL and order["cancelled"] is None
        customer = order["email"].casefold() or (person.name if person else None)
        fulfilled = status not in {"voided", "pending"} and order["cancelled"] is None
        discount_total = sum((discount for _, _, discount in order["lines"]), Decimal(0))
        for index, (item, quantity, discount) in enumerate(order["lines"]):
            line_net = money(item.price * quantity) - discount
            tally.line(order=order["name"], amount=line_net, counts=counts, customer=customer)
            values = {
                "Name": order["name"], "Email": order["email"], "Financial Status": status,
                "Paid at": _shopify_time(order["created"] + timedelta(minutes=2), store.offset)
                if status in {"paid", "partially_refunded", "refunded"} else "",
                "Fulfillment Status": "fulfilled" if fulfilled else "unfulfilled",
                "Fulfilled at": _shopify_time(order["created"] + timedelta(days=2), store.offset) if fulfilled else "",
                "Accepts Marketing": rng.choice(("yes", "no")), "Currency": store.currency,
                "Subtotal": plain(order["subtotal"]), "Shipping": plain(order["shipping"]),
                "Taxes": plain(order["tax_total"]), "Total": plain(order["total"]),
                "Discount Code": "FESTIVE10" if discount_total and rng.random() < 0.5 else "",
                "Discount Amount": plain(discount_total),
                "Shipping Method": "Standard Shipping" if order["source"] != "pos" else "",
                "Created at": _shopify_time(order["created"], store.offset),
                "Lineitem quantity": quantity, "Lineitem name": item.name, "Lineitem price": plain(item.price),
                "Lineitem compare at price": plain(money(item.price * Decimal("1.2"))) if rng.random() < 0.3 else "",
                "Lineitem sku": item.sku, "Lineitem requires shipping": "true", "Lineitem taxable": "true",
                "Lineitem fulfillment status": "fulfilled" if fulfilled else "pending",
                "Cancelled at": _shopify_time(order["cancelled"], store.offset) if order["cancelled"] else "",
                "Payment Method": "Cash on Delivery (COD)" if status == "pending" else (
                    "Shopify Payments" if store.us else "Razorpay Secure (UPI, Cards, Wallets, NetBanking)"
                ),
                "Refunded Amount": plain(order["refunded"]), "Vendor": "Elettro Home" if store.us else "Desi Dhaaga",
                "Outstanding Balance": plain(order["total"]) if status == "pending" else "0.00",
                "Id": order["id"], "Risk Level": "Low", "Source": order["source"],
                "Lineitem discount": plain(discount), "Duties": "",
                "Location": "Kothrud Store" if order["source"] == "pos" else "",
            }  # fmt: skip
            for number, (label, value) in enumerate(order["taxes"], start=1):
                values[f"Tax {number} Name"], values[f"Tax {number} Value"] = label, plain(value)
            if person is not None:
                street = f"{rng.randrange(1, 400)}, {rng.choice(_STREETS)}"
                zip_code = f"'{rng.randrange(10000, 99999)}" if store.us else f"'{rng.randrange(110001, 799999)}"
                for side in ("Billing", "Shipping"):
                    values.update({
                        f"{side} Name": person.name, f"{side} Street": street, f"{side} Address1": street,
                        f"{side} City": person.city, f"{side} Zip": zip_code, f"{side} Province": person.province,
                        f"{side} Country": "US" if store.us else "IN", f"{side} Phone": person.phone,
                        f"{side} Province Name": person.state,
                    })  # fmt: skip
            if index > 0:
                keep = _SHOPIFY_ITEM_COLUMNS | ({"Created at"} if store.created_at_on_item_rows else set())
                values = {column: value for column, value in values.items() if column in keep}
            rows.append([values.get(column, "") for column in SHOPIFY_HEADER])
    path = write_csv(folder / store.file_name, SHOPIFY_HEADER, rows, newline="\n")
    return path, tally.truth()


def write_shopify_orders(folder: Path, *, seed: int = 201) -> tuple[Path, Truth]:
    """Shopify: Admin > Orders > Export > 'All orders', CSV for Excel, an Indian store (prices before GST).

    Layout: Shopify's order export, one row per line item (Name '#1001', Email, Financial Status, Fulfillment Status,
    Currency, Subtotal, Shipping, Taxes, Total, Discount Amount, Created at '2024-07-01 10:15:22 +0530',
    Lineitem quantity/name/price/sku/discount, Billing and Shipping address, Cancelled at, Tax 1..5, ...).

    Quirks:
    - Order fields on the order's first row only: later rows of the order repeat Name, Email, Created at and the
      Lineitem columns, and leave Financial Status, Currency, Subtotal, Total, Billing Name, Cancelled at... blank.
    - Financial Status: 'pending' is cash on delivery (a sale, most of India's orders); 'refunded' and 'voided' are
      not sales; 'partially_refunded' orders stay sales at their line amounts (the export says nothing of which
      line was refunded); an order with 'Cancelled at' set doesn't count whatever its financial status.
    - Point-of-sale orders have no email: the customer is the Billing Name, and some have no customer at all.
    - Zip codes are written with a leading apostrophe ('411038); Subtotal/Total are order-level.

    Truth: revenue = sum over counted orders' item rows of Lineitem quantity x Lineitem price - Lineitem discount
    (net of GST and without shipping); orders = distinct Name; customers = distinct Email, else Billing Name.
    """
    store = _ShopifyStore(
        currency="INR", items=SHOP_ITEMS, offset="+0530", first_number=1001, orders=720,
        statuses=(("paid", 51), ("pending", 34), ("authorized", 2), ("partially_refunded", 3), ("refunded", 6),
                  ("voided", 4)),
        created_at_on_item_rows=True, file_name="orders_export_1.csv",
    )  # fmt: skip
    return _write_shopify(folder, store, seed)


def write_shopify_orders_usd(folder: Path, *, seed: int = 202) -> tuple[Path, Truth]:
    """Shopify, a US store of an Indian brand (the company reports in USD): the same export, in dollars.

    Quirks as `write_shopify_orders`, plus: the store is on US Eastern time ('-0400'), sales tax is added on top per
    state, and later rows of an order leave Created at blank too (the older export's shape).

    Truth: as for the Indian store, in USD.
    """
    store = _ShopifyStore(
        currency="USD", items=US_SHOP_ITEMS, offset="-0400", first_number=3201, orders=320,
        statuses=(("paid", 86), ("authorized", 3), ("partially_refunded", 3), ("refunded", 5), ("voided", 3)),
        created_at_on_item_rows=False, file_name="orders_export.csv", us=True,
    )  # fmt: skip
    return _write_shopify(folder, store, seed)


# ---------------------------------------------------------------- WooCommerce

WOO_LINE_HEADER = (
    "Order Number", "Order Status", "Order Date", "Customer Note", "First Name (Billing)", "Last Name (Billing)",
    "Company (Billing)", "Address 1&2 (Billing)", "City (Billing)", "State Code (Billing)", "Postcode (Billing)",
    "Country Code (Billing)", "Email (Billing)", "Phone (Billing)", "Payment Method Title", "Cart Discount Amount",
    "Order Subtotal Amount", "Shipping Method Title", "Order Shipping Amount", "Order Refund Amount",
    "Order Total Amount", "Order Total Tax Amount", "Order Currency", "SKU", "Item #", "Item Name",
    "Quantity (- Refund)", "Item Cost", "Coupon Code",
)  # fmt: skip
_WOO_COUNTED = {"Completed", "Processing", "On hold", "completed", "processing", "on-hold"}


def write_woocommerce_orders(folder: Path, *, seed: int = 203) -> tuple[Path, Truth]:
    """WooCommerce with 'Advanced Order Export For WooCommerce': one row per product, order columns on every row.

    Layout: the plugin's default labels (Order Number, Order Status, Order Date, First/Last Name (Billing),
    Email (Billing), ..., Order Total Amount, Order Currency, SKU, Item #, Item Name, Quantity (- Refund),
    Item Cost).

    Quirks:
    - Amounts are formatted with the store's currency: '₹1,299.00'.
    - Order Total Amount (with GST and shipping), Order Subtotal Amount, Order Shipping Amount and Order Total Tax
      Amount are repeated on every product row of the order: summing them per row multiplies orders by their lines.
    - Item Cost is the unit price before GST; there is no line total column.
    - Quantity (- Refund) is the quantity less what was refunded: 0 on refunded orders.
    - Order Status labels: Completed, Processing and On hold are sales; Refunded, Cancelled and Failed are not.
    - Order Date in the site's format, 'd/m/Y H:i' (05/07/2024 14:05 is 5 July).

    Truth: revenue = sum of Quantity (- Refund) x Item Cost on counted orders; orders = Order Number; customers =
    Email (Billing).
    """
    rng = random.Random(seed)
    tally = Tally()
    shoppers = people(rng, 200)
    rows = []
    starts = sorted(moment(rng, date(2024, 7, 1), date(2024, 9, 30), hours=(0, 24)) for _ in range(520))
    statuses = (("Completed", 68), ("Processing", 12), ("On hold", 3), ("Refunded", 5), ("Cancelled", 8),
                ("Failed", 4))  # fmt: skip
    for number, placed in enumerate(starts, start=20451):
        person, status = rng.choice(shoppers), weighted(rng, statuses)
        lines = [
            (item, weighted(rng, ((1, 75), (2, 18), (3, 7))))
            for item in rng.sample(SHOP_ITEMS, weighted(rng, ((1, 60), (2, 25), (3, 10), (4, 5))))
        ]
        subtotal = sum((money(item.price * quantity) for item, quantity in lines), Decimal(0))
        tax = sum((money(item.price * quantity * item.gst / 100) for item, quantity in lines), Decimal(0))
        shipping = Decimal(0) if subtotal >= 799 else Decimal("60.00")
        total = subtotal + tax + shipping
        refund = total if status == "Refunded" else Decimal(0)
        street, postcode = f"{rng.randrange(1, 300)}, {rng.choice(_STREETS)}", str(rng.randrange(110001, 799999))
        payment = "Cash on delivery" if rng.random() < 0.4 else "Razorpay"
        for position, (item, quantity) in enumerate(lines, start=1):
            shown_quantity = 0 if status == "Refunded" else quantity
            rows.append((
                number, status, placed.strftime("%d/%m/%Y %H:%M"), "", person.first, person.last, "", street,
                person.city, person.province, postcode, "IN", person.email, person.phone, payment,
                western(Decimal(0), sign="₹"),
                western(subtotal, sign="₹"), "Flat rate" if shipping else "Free shipping", western(shipping, sign="₹"),
                western(refund, sign="₹"), western(total, sign="₹"), western(tax, sign="₹"), "INR", item.sku, position,
                item.name, shown_quantity, western(item.price, sign="₹"), "",
            ))  # fmt: skip
            tally.line(order=number, amount=money(item.price * shown_quantity), counts=status in _WOO_COUNTED,
                       customer=person.email.casefold())  # fmt: skip
    path = write_csv(folder / f"orders-{date(2024, 10, 1):%Y-%m-%d}-09-14-02.csv", WOO_LINE_HEADER, rows)
    return path, tally.truth()


WOO_TOTALS_HEADER = (
    "Order Number", "Order Status", "Order Date", "Billing First Name", "Billing Last Name", "Customer Email",
    "Item Name", "Quantity", "Order Total Amount", "Order Currency",
)  # fmt: skip


def write_woocommerce_order_totals_usd(folder: Path, *, seed: int = 204) -> tuple[Path, Truth]:
    """WooCommerce, a US store (the company reports in USD): an order export with products but no item amounts.

    Layout: Order Number, Order Status (slugs: completed, processing, on-hold, refunded, cancelled, failed),
    Order Date, Billing First/Last Name, Customer Email, Item Name, Quantity, Order Total Amount, Order Currency.

    Quirks:
    - The only amount is the order's total ('$1,234.56', with tax and shipping), repeated on each product row.
    - completed, processing and on-hold are sales; refunded, cancelled and failed are not.

    Truth: revenue = each counted order's total, once per order; orders = Order Number; customers = Customer Email.
    """
    rng = random.Random(seed)
    tally = Tally(currency="USD")
    shoppers = people(rng, 120, us=True)
    rows = []
    starts = sorted(moment(rng, date(2024, 7, 1), date(2024, 9, 30), hours=(0, 24)) for _ in range(260))
    statuses = (("completed", 75), ("processing", 8), ("on-hold", 3), ("refunded", 5), ("cancelled", 6),
                ("failed", 3))  # fmt: skip
    for number, placed in enumerate(starts, start=8801):
        person, status = rng.choice(shoppers), weighted(rng, statuses)
        lines = [
            (item, weighted(rng, ((1, 80), (2, 15), (4, 5))))
            for item in rng.sample(US_SHOP_ITEMS, weighted(rng, ((1, 60), (2, 28), (3, 12))))
        ]
        subtotal = sum((money(item.price * quantity) for item, quantity in lines), Decimal(0))
        total = subtotal + money(subtotal * Decimal("0.0625")) + (Decimal(0) if subtotal >= 75 else Decimal("7.95"))
        for item, quantity in lines:
            rows.append((
                number, status, f"{placed:%Y-%m-%d %H:%M:%S}", person.first, person.last, person.email, item.name,
                quantity, western(total, sign="$"), "USD",
            ))  # fmt: skip
            tally.line(order=number, counts=status in _WOO_COUNTED, customer=person.email.casefold())
            if status in _WOO_COUNTED:
                tally.order_total_once(number, total)
    path = write_csv(folder / "woo-orders-q3.csv", WOO_TOTALS_HEADER, rows)
    return path, tally.truth()
