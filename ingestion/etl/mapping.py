"""Canonical fields for each kind of upload, and matching the columns of an export to them.

Synonyms come from Tally Prime/ERP 9 registers, Busy, Marg, Zoho Books and SAP Business One exports, and the two
public sample data sets. They are written best first and '|'-separated; a synonym is strong (score 100 on an exact
match) unless it carries its own lower score, like 'Amount~80', because it is ambiguous: "Amount" is the line amount
when nothing better is present, else the invoice total.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from ingestion.etl.errors import IngestError

KINDS = ("sales", "customers", "items", "purchase", "production", "packing", "shipment")

# Value types drive cleaning: how a field's text is parsed and checked.
DATE, AMOUNT, QUANTITY, PERCENT, TEXT, NAME, GSTIN, STATE, CODE, FLAG, CURRENCY = (
    "date",
    "amount",
    "quantity",
    "percent",
    "text",
    "name",
    "gstin",
    "state",
    "code",
    "flag",
    "currency",
)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind_of_value: str
    synonyms: tuple[tuple[str, int], ...]  # (text, score on an exact match)
    # Column words that rule a partial match out: "Due Date" is not the invoice date.
    avoid: frozenset[str] = frozenset()


def _field(name: str, label: str, value: str, synonyms: str, *, avoid: str = "") -> Field:
    parsed = []
    for synonym in synonyms.split("|"):
        text, _, weight = synonym.partition("~")
        parsed.append((text, int(weight or 100)))
    return Field(name, label, value, tuple(parsed), frozenset(avoid.split()))


def _also(spec: Field, name: str, label: str, *, extra: str = "", drop: str = "", avoid: str | None = None) -> Field:
    """The same kind of field under another name in another kind of data, with synonyms added or removed."""
    dropped = set(drop.split("|")) if drop else set()
    synonyms = "|".join(f"{text}~{weight}" for text, weight in spec.synonyms if text not in dropped)
    words = " ".join(spec.avoid) if avoid is None else avoid
    return _field(name, label, spec.kind_of_value, synonyms + (f"|{extra}" if extra else ""), avoid=words)


_DATE_AVOID = "due ship shipping dispatch delivery delivered expected birth cheque lr"
_TAX_WORDS = "gst cgst sgst igst utgst cess tax tds tcs"
# Money received or owed is not what was sold: "Received/Paid Amount", "Balance Due", a running balance.
_NOT_SALES = "received paid balance due outstanding receivable pending advance closing opening"

_INVOICE = _field(
    "invoice",
    "Invoice / voucher number",
    CODE,
    "Voucher No|Vch No|Voucher Number|Invoice No|Invoice Number|Inv No|Invoice|Invoice ID|Invoice#|Bill No|"
    "Bill Number|ORDERNUMBER|Document No|Document Number|Doc No|DocNum|Billing Document|Voucher|"
    # An order number identifies the sale when the file has no invoice number; beside one, the invoice wins.
    "Order ID~95|Order No~95|Order Number~95|Order Reference~95|Sales Order No~90|Reference No~70|"
    # Shopify calls the order "Name" (#1001); a customer's Name scores higher where both could be meant.
    "Name~50",
    avoid="date type line customer party",
)
_DATE = _field(
    "date",
    "Invoice date",
    DATE,
    "Date|Invoice Date|Voucher Date|Vch Date|Bill Date|Inv Date|Order Date|ORDERDATE|Document Date|Doc Date|"
    "DocDate|Posting Date|Transaction Date|Txn Date|Sales Date|Billing Date|Created at~90|Created on~90|"
    "Created Date~90|Order Created~90|Ordered On~90|Order Placed~90|Purchase Date~85|Paid at~70",
    avoid=_DATE_AVOID,
)
_CUSTOMER = _field(
    "customer",
    "Customer",
    NAME,
    "Particulars|Party|Party Name|Party A/c Name|Party Account|Customer|Customer Name|CUSTOMERNAME|Buyer|"
    "Buyer Name|Bill To|Billed To|Billing Name|Client|Client Name|Debtor|Dealer|Dealer Name|Distributor|CardName|"
    "Ledger Name~85|Account Name~80|Name~60",
    avoid="code id gstin type segment state city group category note notes comment remark message email",
)
_CUSTOMER_GSTIN = _field(
    "customer_gstin",
    "Customer GSTIN",
    GSTIN,
    "GSTIN/UIN|GSTIN|GST No|GST Number|GSTIN No|GSTIN Number|Party GSTIN|Customer GSTIN|Buyer GSTIN|"
    "GSTIN/UIN of Recipient|Recipient GSTIN|GST Registration No|GSTIN UIN",
    avoid="rate amount type",
)
_CUSTOMER_CODE = _field(
    "customer_code",
    "Customer code",
    CODE,
    "Customer ID|Cust ID|Customer Code|CustomerCode|Cust Code|Customer No|Customer Number|Party Code|Party ID|"
    "Ledger Code|Account Code|CardCode|Client ID|Client Code|Sold-To Party|Sold To Party|Sold-to|Buyer ID|Debtor Code|"
    # Web shops know a customer by e-mail: the steadiest identity they have.
    "Email~80|E-mail~80|Customer Email~85|Billing Email~85|Email (Billing)~85|Buyer Email~85|buyer-email~85",
    avoid="gstin name",
)
_PRODUCT_CODE = _field(
    "product_code",
    "Product code",
    CODE,
    "PRODUCTCODE|Product Code|Product ID|Item Code|Item ID|Item No|ItemCode|SKU|SKU Code|Part No|Part Number|"
    "Stock Item Code|Material|Material Code|Material No|Article No|Lineitem sku",
    avoid="hsn sac group category",
)
_PRODUCT_NAME = _field(
    "product_name",
    "Product name",
    NAME,
    "Stock Item|Stock Item Name|Item|Item Name|Item Description|Product|Product Name|Product Description|"
    "Name of Item|Material Description|Dscription|Goods|Description of Goods|Lineitem name|Product Title|"
    "Description~90",
    avoid="code id group category line type hsn",
)
_QUANTITY = _field(
    "quantity",
    "Quantity",
    QUANTITY,
    "Billed Quantity|Billed Qty|Quantity|Qty|QUANTITYORDERED|Quantity Ordered|Quantity Sold|Qty Sold|Sales Qty|"
    "Units Sold|No of Units|Lineitem quantity|Quantity Purchased|Actual Quantity~90|Actual Qty~90|Units~75|Nos~70",
    avoid="rate price free return pending balance opening closing",
)
_UNIT = _field(
    "unit",
    "Unit",
    TEXT,
    "Unit|UOM|Unit of Measure|Unit of Measurement|Units of Measure|Measurement Unit|Per~85",
    avoid="price rate cost value amount",
)
_UNIT_PRICE = _field(
    "unit_price",
    "Rate / unit price",
    AMOUNT,
    "Rate|PRICEEACH|Price Each|Unit Price|Price|Selling Price|Sale Price|Sales Price|Rate per Unit|Item Rate|"
    "Unit Rate|Basic Rate|Lineitem price|Item Cost|Price Unit|Unit Price (excl tax)",
    avoid=f"{_TAX_WORDS} discount commission exchange list mrp msrp cost purchase",
)
_BRANCH = _field(
    "branch",
    "Branch",
    TEXT,
    "Branch|Branch Name|Cost Centre|Cost Center|Division|Location|Office|Depot|Business Unit",
)
_SALESPERSON = _field(
    "salesperson",
    "Salesperson",
    NAME,
    "Salesman|Sales Man|Sales Person|Salesperson|Sales Executive|Sales Rep|Sales Representative|Sales Agent|"
    "Agent|Broker|Executive|Sales Officer|Account Manager~85|Person~80|Employee~75",
)
_REGION = _field("region", "Region", TEXT, "Region|Zone|Territory|Sales Region|Area|Sales Territory")
_STATE = _field(
    "state",
    "State / place of supply",
    STATE,
    "State|Place of Supply|POS|State Name|Party State|Customer State|Billing State|Buyer State|Supply State",
    avoid="code tax gst sgst",
)
_CITY = _field("city", "City", TEXT, "City|Town|Billing City|Party City|Customer City|District")
_COUNTRY = _field("country", "Country", TEXT, "Country|Billing Country|Country Name|Customer Country")
_POSTAL_CODE = _field(
    "postal_code", "PIN / postal code", CODE, "Postal Code|POSTALCODE|PIN Code|Pincode|PIN|Zip|Zip Code"
)
_SEGMENT = _field(
    "segment",
    "Customer segment",
    TEXT,
    "Segment|Customer Segment|Customer Type|Customer Category|Customer Group|Party Group|Channel|Market Segment|"
    "Sundry Debtor Group",
)
_STATUS = _field(
    "status",
    "Status",
    TEXT,
    "Status|Order Status|Invoice Status|Document Status|Order State|order-status|Financial Status|Payment Status~90|"
    "Item Status~90|Line Status~90|Transaction Status~90",
)
_STATUS_OPS = _field("status", "Status", TEXT, "Status|Stage|State|Current Status|Progress")

SALES_FIELDS = (
    _INVOICE,
    _DATE,
    _CUSTOMER,
    _CUSTOMER_GSTIN,
    _CUSTOMER_CODE,
    _PRODUCT_CODE,
    _PRODUCT_NAME,
    _field("hsn", "HSN/SAC code", CODE, "HSN/SAC|HSN|HSN Code|SAC|SAC Code|HSN SAC"),
    _field(
        "product_line",
        "Product line / category",
        TEXT,
        "PRODUCTLINE|Product Line|Category|Product Category|Item Category|Stock Group|Item Group|Product Group|Group",
        avoid="sub customer party ledger account",
    ),
    _field(
        "sub_category",
        "Sub-category",
        TEXT,
        "Sub-Category|Sub Category|Subcategory|Sub Group|Item Sub Group|Stock Category|Sub Product Line",
    ),
    _QUANTITY,
    _UNIT,
    _UNIT_PRICE,
    _field("list_price", "List price / MRP", AMOUNT, "MSRP|MRP|List Price|Maximum Retail Price"),
    _field(
        "net_amount",
        "Net amount (before tax)",
        AMOUNT,
        "Taxable Value|Taxable Amount|Taxable Amt|Assessable Value|Value|Net Amount|Net Value|Net Sales|SALES|"
        "Sales Amount|Sales Value|Line Total|Item Total|Item Amount|Basic Amount|Basic Value|Amount Before Tax|"
        "Subtotal~85|Sub Total~85|Price Subtotal~90|Amount~80",
        avoid=f"{_TAX_WORDS} {_NOT_SALES} gross invoice discount cost profit rate price person man qty channel",
    ),
    _field(
        "gst_rate",
        "GST rate (%)",
        PERCENT,
        "GST Rate|GST %|GST Percent|Tax Rate|Tax %|Rate of Tax|IGST Rate|Rate of GST|GST Rate %",
    ),
    _field(
        "cgst",
        "CGST amount",
        AMOUNT,
        "CGST|CGST Amount|CGST Amt|Central Tax|Central Tax Amount|Output CGST",
        avoid="rate percent pct",
    ),
    _field(
        "sgst",
        "SGST/UTGST amount",
        AMOUNT,
        "SGST|SGST Amount|SGST Amt|State Tax|State Tax Amount|UTGST|SGST/UTGST|Output SGST",
        avoid="rate percent pct",
    ),
    _field(
        "igst",
        "IGST amount",
        AMOUNT,
        "IGST|IGST Amount|IGST Amt|Integrated Tax|Integrated Tax Amount|Output IGST",
        avoid="rate percent pct",
    ),
    _field(
        "gross_amount",
        "Invoice total (with tax)",
        AMOUNT,
        "Gross Total|Gross Amount|Invoice Value|Invoice Amount|Invoice Total|Bill Amount|Bill Value|Total Amount|"
        "Grand Total|Total Invoice Value|Amount With Tax|Total Value|Order Total|Order Total Amount|DocTotal|"
        "Total~85|Debit Amount~80|Debit~75|Amount~70",
        avoid=f"qty quantity tax taxable credit {_NOT_SALES}",
    ),
    # A Day Book's credit side: the amount of credit notes (returns), never the gross amount of sales.
    _field("credit_amount", "Credit amount (returns)", AMOUNT, "Credit Amount~80|Credit~75", avoid="limit days note"),
    _field(
        "tax_amount",
        "Tax amount (total)",
        AMOUNT,
        "Tax Amount|Tax Amt|Total Tax|Tax|Taxes|VatSum|VAT Amount|VAT|item-tax|Item Tax|GST Amount|Total GST",
        avoid="rate percent pct code type id",
    ),
    _field(
        "cancelled",
        "Cancelled (yes/no)",
        TEXT,
        # A yes/no (SAP's CANCELED: Y, or C for the document cancelling another), or when it was cancelled.
        "CANCELED|Cancelled|Canceled|Is Cancelled|Cancelled?|Void|Voided|Cancelled at|Cancelled on|Cancelled Date|"
        "Cancellation Date",
        avoid="by reason",
    ),
    _field("currency", "Currency", CURRENCY, "Currency|Currency Code|Document Currency|DocCur|Order Currency|Curr"),
    _field(
        "cost",
        "Cost",
        AMOUNT,
        "Cost|COGS|Cost Price|Cost of Goods Sold|Total Cost|Landed Cost|Purchase Cost",
        avoid="centre center",
    ),
    _field("profit", "Profit", AMOUNT, "Profit|Gross Profit|Margin|Profit Amount", avoid="percent"),
    _field(
        "discount",
        "Discount",
        AMOUNT,
        # A line's own discount before an order's: Shopify gives both.
        "Lineitem discount|Line Discount|Item Discount|Discount~90|Disc~90|Discount Amount~90|Disc Amt~90|"
        "Trade Discount~90",
        avoid="percent rate",
    ),
    _field(
        "discount_percent",
        "Discount (%)",
        PERCENT,
        "Discount %|Disc %|Discount Percent|Discount Percentage|Discount Rate|Disc Rate",
    ),
    _SALESPERSON,
    _field("manager", "Manager", NAME, "Manager|Regional Manager|Sales Manager|Area Manager|Zonal Manager"),
    _BRANCH,
    _REGION,
    _STATE,
    _CITY,
    _COUNTRY,
    _POSTAL_CODE,
    _SEGMENT,
    _STATUS,
    _field("deal_size", "Deal size", TEXT, "DEALSIZE|Deal Size|Order Size"),
    _field(
        "line_number",
        "Line number",
        CODE,
        "ORDERLINENUMBER|Order Line Number|Line Number|Line No|Row ID|Row No|Sr No|S No|Sl No|Serial No|SNo",
    ),
    _field(
        "ship_date",
        "Ship date",
        DATE,
        "Ship Date|Shipping Date|Shipped Date|Dispatch Date|Despatch Date|Delivery Date",
    ),
    _field("returned", "Returned", FLAG, "Returned|Is Returned|Return Flag|Return"),
    _field(
        "voucher_type",
        "Voucher type",
        TEXT,
        "Voucher Type|Vch Type|Voucher Type Name|Document Type|Doc Type|Transaction Type|Invoice Type",
    ),
)

CUSTOMER_FIELDS = (
    _also(
        _CUSTOMER,
        "name",
        "Customer name",
        drop="Name",
        extra="Name|Ledger|Company Name|Firm Name|Trade Name|Legal Name",
        avoid=" ".join(_CUSTOMER.avoid | {"contact", "last", "first"}),
    ),
    _also(_CUSTOMER_GSTIN, "gstin", "GSTIN"),
    _CUSTOMER_CODE,
    _STATE,
    _CITY,
    _COUNTRY,
    _POSTAL_CODE,
    _SEGMENT,
    _REGION,
    _SALESPERSON,
    _BRANCH,
    _field("phone", "Phone", CODE, "Phone|Phone No|Mobile|Mobile No|Contact No|Telephone|Tel"),
    _field("email", "Email", TEXT, "Email|E-mail|Email ID|Email Address|Mail ID"),
    _field(
        "address",
        "Address",
        TEXT,
        "Address|ADDRESSLINE1|Address Line 1|Address 1|Billing Address|Street",
        avoid="email mail",
    ),
    _field(
        "contact_name",
        "Contact person",
        NAME,
        "Contact Person|Contact Name|Contact|CONTACTFIRSTNAME",
        avoid="no number phone mobile",
    ),
    _field("credit_limit", "Credit limit", AMOUNT, "Credit Limit|Credit Amount Limit"),
    _field("credit_days", "Credit days", QUANTITY, "Credit Days|Credit Period|Payment Terms Days"),
)

# An item master: Tally's List of Stock Items or Stock Summary, or any item list with group, unit, HSN and cost.
STOCK_ITEM_FIELDS = (
    _field(
        "name",
        "Item name",
        NAME,
        "Name of Item|Stock Item|Stock Item Name|Item Name|Item|Product|Product Name|Item Description|"
        "Description~90|Particulars~80",
        avoid="code id group category line type hsn sac unit",
    ),
    _field(
        "code",
        "Item code",
        CODE,
        "Item Code|Part No|Part Number|SKU|SKU Code|Product Code|Item ID|Stock Item Code|Material Code|Alias~80",
        avoid="hsn sac group category",
    ),
    _field(
        "product_line",
        "Product line / stock group",
        TEXT,
        "Stock Group|Group|Category|Product Line|Product Category|Item Category|Stock Category~90|Item Group|"
        "Product Group|Under~85|Parent~80",
        avoid="sub customer party ledger account",
    ),
    _field(
        "sub_category",
        "Sub-category",
        TEXT,
        "Sub-Category|Sub Category|Subcategory|Sub Group|Item Sub Group|Sub Product Line",
    ),
    _field("unit", "Unit", TEXT, "Unit|UOM|Units~90|Base Unit|Base Units|Unit of Measure", avoid=" ".join(_UNIT.avoid)),
    _field("hsn", "HSN/SAC code", CODE, "HSN/SAC|HSN|HSN Code|SAC|SAC Code|HSN SAC|HSN/SAC Code"),
    _field(
        "gst_rate",
        "GST rate (%)",
        PERCENT,
        "GST Rate|GST %|GST Percent|Tax Rate|Tax %|Rate of Tax|IGST Rate|Rate of GST|GST Rate %|Integrated Tax Rate",
    ),
    # Cost of ONE unit: a Stock Summary's "Closing Balance Value" is the whole stock's value, never a unit cost.
    _field(
        "unit_cost",
        "Cost per unit",
        AMOUNT,
        "Cost|Cost Price|Unit Cost|Standard Cost|Std Cost|Standard Rate|Purchase Rate|Purchase Price|Rate/Cost|"
        "Closing Balance Rate|Closing Rate~75|Valuation Rate|Landed Cost|Cost per Unit|Rate~70",
        avoid=f"value amount total {_TAX_WORDS} selling sale sales mrp list",
    ),
)

PURCHASE_FIELDS = (
    _field(
        "po_number",
        "Purchase order number",
        CODE,
        "PO No|PO Number|PO|Purchase Order|Purchase Order No|Purchase Order Number|Order No|Order Number|Voucher No|"
        "Vch No|DocNum|Indent No|Bill No~80|Invoice No~75",
        avoid="date line type",
    ),
    _field(
        "vendor",
        "Vendor / supplier",
        NAME,
        "Vendor|Vendor Name|Supplier|Supplier Name|Party|Party Name|Particulars|Creditor|Seller|Party A/c Name|"
        "CardName",
        avoid="code id gstin invoice bill",
    ),
    _field("vendor_gstin", "Vendor GSTIN", GSTIN, "Vendor GSTIN|Supplier GSTIN|GSTIN/UIN|GSTIN|GST No|GST Number"),
    _also(_PRODUCT_NAME, "item", "Item", extra="Raw Material|Material Name"),
    _also(_PRODUCT_CODE, "item_code", "Item code"),
    _field(
        "quantity",
        "Quantity",
        QUANTITY,
        "Quantity|Qty|Ordered Qty|Order Qty|Quantity Ordered|PO Qty|Billed Quantity",
        avoid=" ".join(_QUANTITY.avoid | {"received", "accepted", "rejected"}),
    ),
    _field("received_quantity", "Received quantity", QUANTITY, "Received Qty|Received Quantity|GRN Qty"),
    _UNIT,
    _field(
        "unit_price",
        "Rate / unit price",
        AMOUNT,
        "Rate|Unit Price|Price|Purchase Price|Purchase Rate|Cost Price",
        avoid=" ".join(_UNIT_PRICE.avoid - {"purchase", "cost"}),
    ),
    _field(
        "amount",
        "Amount",
        AMOUNT,
        "Amount|Value|Taxable Value|Net Amount|Total|Total Amount|PO Value|Order Value|Line Total",
        avoid=_TAX_WORDS,
    ),
    _field(
        "order_date",
        "Order date",
        DATE,
        "Order Date|PO Date|Date|Voucher Date|Purchase Date|Document Date|DocDate",
        avoid=_DATE_AVOID,
    ),
    _field(
        "delivery_date",
        "Expected delivery date",
        DATE,
        "Delivery Date|Expected Delivery|Expected Delivery Date|Due Date|Required Date|Schedule Date|ETA|DocDueDate",
        avoid="actual received",
    ),
    _field(
        "received_date",
        "Received date",
        DATE,
        "Received Date|Receipt Date|GRN Date|Date Received|Actual Delivery Date|Inward Date|Delivered Date",
    ),
    _STATUS,
    _BRANCH,
)

_PRODUCT = _field(
    "product",
    "Product",
    NAME,
    "|".join(f"{text}~{weight}" for spec in (_PRODUCT_NAME, _PRODUCT_CODE) for text, weight in spec.synonyms)
    + "|Finished Good|FG|FG Name",
    avoid="group category type line",
)

PRODUCTION_FIELDS = (
    _field(
        "production_id",
        "Production / job number",
        CODE,
        "Production ID|Production No|Production Order|Production Order No|Job No|Job Card No|Job ID|Work Order|"
        "Work Order No|WO No|Batch ID|Voucher No|Manufacturing Order|MO No",
    ),
    _PRODUCT,
    _field("batch", "Batch / lot", CODE, "Batch|Batch No|Batch Number|Lot|Lot No|Lot Number"),
    _field(
        "quantity",
        "Quantity produced",
        QUANTITY,
        "Quantity|Qty|Produced Qty|Quantity Produced|Output Qty|Actual Qty|Good Qty|Planned Qty",
        avoid="rejected scrap rework",
    ),
    _field("rejected_quantity", "Rejected quantity", QUANTITY, "Rejected Qty|Rejected Quantity|Scrap Qty"),
    _UNIT,
    _field(
        "start_date",
        "Start",
        DATE,
        "Start|Start Date|Start Time|Started|Started At|Production Date|Date|Mfg Date|Manufacturing Date",
    ),
    _field(
        "end_date",
        "End",
        DATE,
        "End|End Date|End Time|Finish Date|Finished|Completed|Completion Date|Completed At",
    ),
    _STATUS_OPS,
    _field("department", "Department", TEXT, "Department|Dept|Section|Line|Production Line|Shop"),
    _field("machine", "Machine", TEXT, "Machine|Machine No|Machine Name|Work Centre|Work Center"),
    _field("shift", "Shift", TEXT, "Shift"),
    _BRANCH,
)

PACKING_FIELDS = (
    _field(
        "packing_id",
        "Packing number",
        CODE,
        "Packing ID|Packing No|Packing List No|Pack ID|Packing Slip No|Carton No|Box No|Voucher No",
    ),
    _PRODUCT,
    _field("quantity", "Quantity packed", QUANTITY, "Quantity|Qty|Packed Qty|Quantity Packed|No of Units"),
    _UNIT,
    _field(
        "package_type",
        "Package type",
        TEXT,
        "Package Type|Pack Type|Packing Type|Package|Packaging|Pack Size|Carton Type",
    ),
    _field("packages", "Number of packages", QUANTITY, "No of Packages|Packages|Cartons|No of Boxes|Boxes"),
    _field("date", "Packing date", DATE, "Date|Packing Date|Packed On|Packed Date", avoid=_DATE_AVOID),
    _field("batch", "Batch / lot", CODE, "Batch|Batch No|Lot No"),
    _STATUS_OPS,
    _field("operator", "Operator", NAME, "Operator|Packed By|Packer|Operator Name|Employee|Worker"),
    _BRANCH,
)

SHIPMENT_FIELDS = (
    _field(
        "shipment_id",
        "Shipment number",
        CODE,
        "Shipment ID|Shipment No|Shipment Number|Dispatch No|Despatch No|Delivery Note No|Delivery Challan No|"
        "Challan No|DC No|LR No|GR No|AWB No|Docket No|Consignment No|Tracking No|Voucher No",
    ),
    _field("invoice", "Invoice number", CODE, "Invoice No|Invoice Number|Bill No|Invoice|Order ID"),
    _also(_CUSTOMER, "customer", "Customer", drop="Name", extra="Consignee|Consignee Name|Ship To"),
    _field(
        "destination",
        "Destination",
        TEXT,
        "Destination|Destination City|Ship To City|Delivery Location|Delivery Address|City|Place|Deliver To",
    ),
    _field("quantity", "Quantity shipped", QUANTITY, "Quantity|Qty|Shipped Qty|Dispatched Qty|No of Units"),
    _UNIT,
    _field(
        "shipment_date",
        "Shipment date",
        DATE,
        "Shipment Date|Ship Date|Dispatch Date|Despatch Date|Shipped On|Date|Challan Date|LR Date",
    ),
    _field(
        "expected_delivery",
        "Expected delivery",
        DATE,
        "Expected Delivery|Expected Delivery Date|ETA|Due Date|Promised Date|EDD",
    ),
    _field(
        "delivered_date",
        "Delivered date",
        DATE,
        "Delivered Date|Delivery Date|Delivered On|Actual Delivery Date|POD Date|Received Date",
    ),
    _STATUS_OPS,
    _field(
        "transporter",
        "Transporter",
        NAME,
        "Transporter|Transporter Name|Transport|Carrier|Courier|Logistics Partner|Ship Mode|Shipping Mode",
    ),
    _field("vehicle_number", "Vehicle number", CODE, "Vehicle No|Vehicle Number|Truck No|Lorry No"),
    _field("eway_bill", "E-way bill number", CODE, "E-way Bill No|Eway Bill No|EWB No|E-Way Bill Number"),
    _BRANCH,
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "sales": SALES_FIELDS,
    "customers": CUSTOMER_FIELDS,
    "items": STOCK_ITEM_FIELDS,
    "purchase": PURCHASE_FIELDS,
    "production": PRODUCTION_FIELDS,
    "packing": PACKING_FIELDS,
    "shipment": SHIPMENT_FIELDS,
}

# Each entry is a group of alternatives: the requirement is met when any one of them is mapped.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    # Amount-only invoice lists, walk-in retail and files without invoice numbers are first-class: a sale needs a
    # date and something to count. A rate counts only beside a quantity (see NEEDS).
    "sales": (("date",), ("net_amount", "gross_amount", "credit_amount", "unit_price")),
    "customers": (("name",),),
    "items": (("name", "code"),),
    "purchase": (("po_number",), ("vendor",), ("order_date",), ("item", "item_code"), ("quantity",)),
    "production": (("production_id", "batch"), ("product",), ("quantity",), ("start_date",)),
    "packing": (("packing_id",), ("product",), ("quantity",), ("date",)),
    "shipment": (("shipment_id",), ("customer",), ("shipment_date",), ("quantity",)),
}

# An alternative of a required group that is only enough together with another field.
NEEDS: dict[str, dict[str, str]] = {"sales": {"unit_price": "quantity"}}

# Besides required fields, these must be readable or the row is rejected: they feed totals and quantities.
# An unreadable value elsewhere (profit, cost, a tax rate) is blanked with a warning instead.
STRICT_FIELDS: dict[str, tuple[str, ...]] = {
    "sales": (
        "quantity",
        "unit_price",
        "net_amount",
        "gross_amount",
        "credit_amount",
        "cgst",
        "sgst",
        "igst",
        "tax_amount",
    ),
    "customers": (),
    "items": (),
    "purchase": ("quantity", "received_quantity", "unit_price", "amount"),
    "production": ("quantity", "rejected_quantity"),
    "packing": ("quantity", "packages"),
    "shipment": ("quantity",),
}

# Columns a voucher's first line carries and its item lines leave blank (Tally item-wise registers): these, and
# only these, are copied down to continuation lines. Amounts never are: they would be counted twice.
VOUCHER_FIELDS: dict[str, tuple[str, ...]] = {
    "sales": (
        "invoice",
        "date",
        "customer",
        "customer_gstin",
        "customer_code",
        "voucher_type",
        "salesperson",
        "manager",
        "branch",
        "region",
        "state",
        "city",
        "country",
        "postal_code",
        "segment",
        "status",
        "ship_date",
        "currency",
        "cancelled",
    ),
    "customers": (),
    "items": (),
    "purchase": ("po_number", "vendor", "vendor_gstin", "order_date", "delivery_date", "status", "branch"),
    "production": ("production_id", "batch", "start_date", "end_date", "department", "machine", "shift", "status"),
    "packing": ("packing_id", "date", "operator", "status", "branch"),
    "shipment": ("shipment_id", "invoice", "customer", "destination", "shipment_date", "transporter", "vehicle_number"),
}
# What makes a continuation line worth keeping: it names an item or carries a quantity or amount.
ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "sales": ("product_code", "product_name", "quantity", "unit_price", "net_amount"),
    "customers": (),
    "items": ("name", "code"),
    "purchase": ("item", "item_code", "quantity", "unit_price", "amount"),
    "production": ("product", "quantity"),
    "packing": ("product", "quantity"),
    "shipment": ("quantity",),
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    kind: {spec.name: spec.label for spec in fields} for kind, fields in FIELDS.items()
}
FIELD_TYPES: dict[str, dict[str, str]] = {
    kind: {spec.name: spec.kind_of_value for spec in fields} for kind, fields in FIELDS.items()
}


# ---------------------------------------------------------------- matching

_CURRENCY_WORDS = {"rs", "inr", "rupees", "in"}


def header_tokens(text: object) -> tuple[str, ...]:
    """Words of a column name, case- and punctuation-free: 'Voucher No.' -> ('voucher', 'no')."""
    if text is None or (isinstance(text, float) and text != text):
        return ()
    folded = unicodedata.normalize("NFKC", str(text)).casefold().replace("#", " no ").replace("%", " percent ")
    tokens = re.findall(r"[^\W_]+", folded)
    while len(tokens) > 1 and tokens[-1] in _CURRENCY_WORDS:
        tokens.pop()  # "Amount (Rs.)", "Value in INR"
    return tuple(tokens)


def header_key(text: object) -> str:
    """'Voucher No.' == 'voucher_no' == 'VOUCHERNO' -> 'voucherno'."""
    return "".join(header_tokens(text))


@dataclass(frozen=True)
class _Pattern:
    field: str
    order: int
    key: str
    tokens: tuple[str, ...]
    weight: int


def _patterns(kind: str) -> list[_Pattern]:
    patterns = []
    for order, spec in enumerate(_fields(kind)):
        for text, weight in spec.synonyms:
            tokens = header_tokens(text)
            patterns.append(_Pattern(spec.name, order, "".join(tokens), tokens, weight))
    return patterns


def _fields(kind: str) -> tuple[Field, ...]:
    try:
        return FIELDS[kind]
    except KeyError:
        raise IngestError(f"Unknown kind of data: {kind!r}.", code="unknown_kind") from None


def _contains(tokens: tuple[str, ...], part: tuple[str, ...]) -> bool:
    size = len(part)
    return any(tokens[start : start + size] == part for start in range(len(tokens) - size + 1))


def _match_score(column: object, spec: Field, pattern: _Pattern) -> float:
    """100-ish for an exact synonym, at most ~60 for a synonym found among the column's words, else 0."""
    tokens = header_tokens(column)
    if not tokens:
        return 0.0
    if "".join(tokens) == pattern.key:
        return float(pattern.weight)
    if not _contains(tokens, pattern.tokens) or spec.avoid & set(tokens):
        return 0.0
    extra = len(tokens) - len(pattern.tokens)
    return max(pattern.weight * 0.55 + 3 * len(pattern.tokens) - 4 * extra, 1.0)


def candidate_fields(column: object, kind: str) -> list[tuple[str, float]]:
    """Fields this column could be, best first, for ordering a mapping form's choices."""
    specs = {spec.name: spec for spec in _fields(kind)}
    best: dict[str, float] = {}
    for pattern in _patterns(kind):
        score = _match_score(column, specs[pattern.field], pattern)
        if score > best.get(pattern.field, 0):
            best[pattern.field] = score
    return sorted(best.items(), key=lambda item: -item[1])


def auto_map(columns: Sequence[str], kind: str, *, fits: Callable[[str, str], bool] | None = None) -> dict[str, str]:
    """Canonical field -> source column, each column used once: best scores first, exact synonyms before partial.

    `fits(field, column)`, when given, says whether the column's values behave like the field's (see
    column_values): a column that doesn't is never proposed for it, and the next candidate gets its chance.
    Ties go to the column further left and to the field listed first, so the result is stable.
    """
    specs = {spec.name: spec for spec in _fields(kind)}
    patterns = _patterns(kind)
    mapping, used = _layout_fields(columns, kind)
    candidates = []
    for position, column in enumerate(columns):
        best_per_field: dict[str, tuple[float, int]] = {}
        for pattern in patterns:
            score = _match_score(column, specs[pattern.field], pattern)
            if score and score > best_per_field.get(pattern.field, (0, 0))[0]:
                best_per_field[pattern.field] = (score, pattern.order)
        for field_name, (score, order) in best_per_field.items():
            candidates.append((-score, order, position, field_name, column))
    for _, _, position, field_name, column in sorted(candidates):
        if field_name not in mapping and position not in used and (fits is None or fits(field_name, column)):
            mapping[field_name] = column
            used.add(position)
    order = {spec.name: index for index, spec in enumerate(_fields(kind))}
    return dict(sorted(mapping.items(), key=lambda item: order[item[0]]))


# Exports whose column names mean something else than they say, known by columns only they have: field -> column,
# both by header key (see header_key). Add a layout here when a vendor's names mislead the synonyms above.
LAYOUTS: dict[str, tuple[tuple[frozenset[str], dict[str, str]], ...]] = {
    "sales": (
        # Amazon Seller Central's All Orders report: item-price is the line's total for its quantity, with tax.
        (
            frozenset({"amazonorderid", "itemprice", "itemtax"}),
            {"invoice": "amazonorderid", "gross_amount": "itemprice", "tax_amount": "itemtax"},
        ),
    ),
}


def _layout_fields(columns: Sequence[str], kind: str) -> tuple[dict[str, str], set[int]]:
    """The fields a known layout settles, and the positions of their columns."""
    positions = {header_key(column): position for position, column in enumerate(columns)}
    for signature, fields in LAYOUTS.get(kind, ()):
        if signature <= positions.keys():
            return {name: columns[positions[key]] for name, key in fields.items()}, {
                positions[k] for k in fields.values()
            }
    return {}, set()


def missing_required(mapping: dict[str, str], kind: str) -> list[str]:
    """Human labels of required fields the mapping lacks: ['Invoice date', 'Product code or Product name']."""
    _fields(kind)
    labels = FIELD_LABELS[kind]
    missing = []
    needs = NEEDS.get(kind, {})
    for group in REQUIRED[kind]:
        if not any(mapping.get(name) and mapping.get(needs.get(name, name)) for name in group):
            missing.append(" or ".join(_alternative_label(name, labels, needs) for name in group))
    return missing


def _alternative_label(name: str, labels: dict[str, str], needs: dict[str, str]) -> str:
    return f"{labels[needs[name]]} with {labels[name]}" if name in needs else labels[name]


def check_mapping(mapping: dict[str, str], columns: Sequence[str], kind: str) -> None:
    """Raise IngestError for a mapping a user edited into something unusable; returns None when it is fine."""
    _fields(kind)
    known = FIELD_LABELS[kind]
    seen: dict[str, str] = {}
    for field_name, column in mapping.items():
        if field_name not in known:
            raise IngestError(f"{field_name!r} is not a field of {kind} data.", field=field_name, code="unknown_field")
        if column not in columns:
            raise IngestError(
                f"{known[field_name]}: the file has no column called {column!r}.", field=field_name, code="no_column"
            )
        if column in seen:
            raise IngestError(
                f"The column {column!r} is chosen for both {known[seen[column]]} and {known[field_name]}; "
                "pick a different column for one of them.",
                field=field_name,
                code="column_reused",
            )
        seen[column] = field_name
    missing = missing_required(mapping, kind)
    if missing:
        raise IngestError("Choose a column for: " + ", ".join(missing) + ".", field=None, code="missing_required")


def columns_signature(columns: Iterable[object]) -> str:
    """Same for the same set of column names however they are ordered, cased or punctuated."""
    keys = sorted(header_key(column) for column in columns)
    return hashlib.sha256("\x1f".join(keys).encode("utf-8")).hexdigest()


def header_score(row_values: Iterable[object], kind: str | None = None) -> float:
    """How much a row looks like column names: 1 per cell that is a known synonym, 0.5 per partial match."""
    kinds = (kind,) if kind else KINDS
    keys, token_sets = _synonym_index(kinds)
    score = 0.0
    for value in row_values:
        tokens = header_tokens(value)
        if not tokens or len(tokens) > 6:
            continue
        if "".join(tokens) in keys:
            score += 1.0
        elif _runs(tokens) & token_sets:
            score += 0.5
    return score


def _runs(tokens: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Every run of consecutive words: a synonym is found among a cell's words when it is one of these."""
    return {tokens[start:end] for start in range(len(tokens)) for end in range(start + 1, len(tokens) + 1)}


def speaks_of_columns(text: object) -> bool:
    """Does this short text use a word our column names use ('Inwards Qty', 'Closing Value')?"""
    return bool(set(header_tokens(text)) & _synonym_words())


_WORDS: set[str] = set()


def _synonym_words() -> set[str]:
    if not _WORDS:
        _WORDS.update(token for kind in KINDS for pattern in _patterns(kind) for token in pattern.tokens)
    return _WORDS


_INDEX_CACHE: dict[tuple[str, ...], tuple[frozenset[str], frozenset[tuple[str, ...]]]] = {}


def _synonym_index(kinds: tuple[str, ...]) -> tuple[frozenset[str], frozenset[tuple[str, ...]]]:
    if kinds not in _INDEX_CACHE:
        patterns = [pattern for kind in kinds for pattern in _patterns(kind)]
        keys = frozenset(pattern.key for pattern in patterns)
        # Single short words like "no", "id" or "pos" would make any sentence look like a header.
        parts = {pattern.tokens for pattern in patterns if len(pattern.key) >= 4 and pattern.weight >= 80}
        _INDEX_CACHE[kinds] = (keys, frozenset(parts))
    return _INDEX_CACHE[kinds]


def rename_to_canonical(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """The mapped columns only, named by canonical field."""
    return frame[list(mapping.values())].set_axis(list(mapping.keys()), axis=1)
