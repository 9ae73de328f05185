"""ERP, marketplace and web-shop order exports, each written the way the vendor's software writes it.

The writers live in the shop_* modules next to this one; every writer's docstring gives the layout it follows,
its quirks and how its truth is counted. Where the vendor's rules leave a choice to the analyst, the writer states
the choice it made:

- Shipping charges are never product revenue; where a file gives them in their own column they are left out.
- Processing, on-hold, unshipped and cash-on-delivery ('pending' in Shopify) orders are sales; quotations, failed
  payments and Amazon's Pending (no price yet) are not; returns on their way back (Flipkart 'Return Requested')
  are not.
- A line's revenue is net of tax where the file gives a line amount and its tax; where it gives only an amount with
  tax inside (Flipkart's Invoice Amount, a supermarket's MRP bill) revenue is that amount.

The overlapping re-export pair (shop_overlap) is not a single-file export: tests/ingestion/test_field_exports_overlap.py
loads it.
"""

from tests.ingestion.field_exports.shop_erp import (
    write_odoo_order_lines_omr,
    write_odoo_sale_orders,
    write_pos_walk_in,
    write_sap_b1_invoice_lines,
    write_sap_s4_billing_register,
)
from tests.ingestion.field_exports.shop_marketplaces import (
    write_amazon_all_orders,
    write_amazon_all_orders_gulf,
    write_flipkart_orders,
)
from tests.ingestion.field_exports.shop_web import (
    write_shopify_orders,
    write_shopify_orders_usd,
    write_woocommerce_order_totals_usd,
    write_woocommerce_orders,
)
from tests.ingestion.field_exports.truth import FieldExport

EXPORTS: tuple[FieldExport, ...] = (
    FieldExport("sap-b1-invoice-lines", write_sap_b1_invoice_lines),
    FieldExport("sap-s4-billing-register", write_sap_s4_billing_register),
    FieldExport("odoo-sale-orders", write_odoo_sale_orders),
    FieldExport("odoo-order-lines-omr", write_odoo_order_lines_omr, currency="OMR"),
    FieldExport("shopify-orders", write_shopify_orders),
    FieldExport("shopify-orders-usd", write_shopify_orders_usd, currency="USD"),
    FieldExport("woocommerce-orders", write_woocommerce_orders),
    FieldExport("woocommerce-order-totals-usd", write_woocommerce_order_totals_usd, currency="USD"),
    FieldExport("amazon-all-orders", write_amazon_all_orders),
    FieldExport("amazon-all-orders-gulf", write_amazon_all_orders_gulf, currency="AED"),
    FieldExport("flipkart-orders", write_flipkart_orders),
    FieldExport("pos-walk-in", write_pos_walk_in),
)
