"""Matching export columns to canonical fields, for Tally, Indian ERPs and the two public sample data sets."""

from __future__ import annotations

import pytest

from ingestion.etl.errors import IngestError
from ingestion.etl.mapping import (
    FIELD_LABELS,
    FIELDS,
    KINDS,
    REQUIRED,
    auto_map,
    candidate_fields,
    check_mapping,
    columns_signature,
    header_key,
    header_score,
    missing_required,
)


@pytest.fixture(autouse=True)
def _back_to_public():
    """Overrides the project-wide schema reset for this module only: these tests never touch Django or a database
    and run under ``-p no:django``, where no settings exist."""
    yield


SALES_SAMPLE_COLUMNS = [
    "ORDERNUMBER",
    "QUANTITYORDERED",
    "PRICEEACH",
    "ORDERLINENUMBER",
    "SALES",
    "ORDERDATE",
    "STATUS",
    "QTR_ID",
    "MONTH_ID",
    "YEAR_ID",
    "PRODUCTLINE",
    "MSRP",
    "PRODUCTCODE",
    "CUSTOMERNAME",
    "PHONE",
    "ADDRESSLINE1",
    "ADDRESSLINE2",
    "CITY",
    "STATE",
    "POSTALCODE",
    "COUNTRY",
    "TERRITORY",
    "CONTACTLASTNAME",
    "CONTACTFIRSTNAME",
    "DEALSIZE",
]
SUPERSTORE_COLUMNS = [
    "Row ID",
    "Order ID",
    "Order Date",
    "Ship Date",
    "Ship Mode",
    "Customer ID",
    "Customer Name",
    "Segment",
    "Country",
    "City",
    "State",
    "Postal Code",
    "Region",
    "Product ID",
    "Category",
    "Sub-Category",
    "Product Name",
    "Sales",
    "Quantity",
    "Discount",
    "Profit",
]
TALLY_ITEM_REGISTER = [
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
]


@pytest.mark.parametrize("spelling", ["Voucher No.", "voucher_no", "VOUCHERNO", " Voucher  No ", "voucher-no", "VchNo"])
def test_header_keys_ignore_case_spaces_and_punctuation(spelling):
    expected = "vchno" if spelling == "VchNo" else "voucherno"
    assert header_key(spelling) == expected


def test_currency_words_at_the_end_of_a_header_are_ignored():
    assert header_key("Amount (Rs.)") == header_key("Amount in INR") == header_key("Amount ₹") == "amount"


@pytest.mark.parametrize(
    ("column", "field"),
    [
        ("Voucher No.", "invoice"),
        ("Invoice No.", "invoice"),
        ("Bill No.", "invoice"),
        ("ORDERNUMBER", "invoice"),
        ("Order ID", "invoice"),
        ("Particulars", "customer"),
        ("Party", "customer"),
        ("Party Name", "customer"),
        ("CUSTOMERNAME", "customer"),
        ("Customer Name", "customer"),
        ("Stock Item", "product_name"),
        ("Item", "product_name"),
        ("Product Name", "product_name"),
        ("PRODUCTCODE", "product_code"),
        ("Product ID", "product_code"),
        ("Taxable Value", "net_amount"),
        ("Value", "net_amount"),
        ("Net Amount", "net_amount"),
        ("SALES", "net_amount"),
        ("Sales", "net_amount"),
        ("Category", "product_line"),
        ("PRODUCTLINE", "product_line"),
        ("Stock Group", "product_line"),
        ("Rate", "unit_price"),
        ("PRICEEACH", "unit_price"),
        ("Invoice Value", "gross_amount"),
        ("Total", "gross_amount"),
        ("Salesman", "salesperson"),
        ("Sales Person", "salesperson"),
        ("Person", "salesperson"),
        ("Branch", "branch"),
        ("Cost Centre", "branch"),
        ("Region", "region"),
        ("Territory", "region"),
        ("Place of Supply", "state"),
        ("STATUS", "status"),
        ("DEALSIZE", "deal_size"),
        ("ORDERLINENUMBER", "line_number"),
        ("Row ID", "line_number"),
        ("Customer ID", "customer_code"),
        ("GSTIN/UIN", "customer_gstin"),
        ("HSN/SAC", "hsn"),
        ("Returned", "returned"),
        ("Amount (Rs.)", "net_amount"),
        ("Qty.", "quantity"),
    ],
)
def test_single_column_maps_to_its_field(column, field):
    assert auto_map([column], "sales") == {field: column}


def test_public_sales_sample_headers_map():
    mapping = auto_map(SALES_SAMPLE_COLUMNS, "sales")
    assert mapping == {
        "invoice": "ORDERNUMBER",
        "date": "ORDERDATE",
        "customer": "CUSTOMERNAME",
        "product_code": "PRODUCTCODE",
        "product_line": "PRODUCTLINE",
        "quantity": "QUANTITYORDERED",
        "unit_price": "PRICEEACH",
        "list_price": "MSRP",
        "net_amount": "SALES",
        "region": "TERRITORY",
        "state": "STATE",
        "city": "CITY",
        "country": "COUNTRY",
        "postal_code": "POSTALCODE",
        "status": "STATUS",
        "deal_size": "DEALSIZE",
        "line_number": "ORDERLINENUMBER",
    }
    assert missing_required(mapping, "sales") == []


def test_superstore_headers_map_with_order_date_as_the_date():
    mapping = auto_map(SUPERSTORE_COLUMNS, "sales")
    assert mapping == {
        "invoice": "Order ID",
        "date": "Order Date",
        "customer": "Customer Name",
        "customer_code": "Customer ID",
        "product_code": "Product ID",
        "product_name": "Product Name",
        "product_line": "Category",
        "sub_category": "Sub-Category",
        "quantity": "Quantity",
        "net_amount": "Sales",
        "profit": "Profit",
        "discount": "Discount",
        "region": "Region",
        "state": "State",
        "city": "City",
        "country": "Country",
        "postal_code": "Postal Code",
        "segment": "Segment",
        "line_number": "Row ID",
        "ship_date": "Ship Date",
    }
    assert missing_required(mapping, "sales") == []


def test_superstore_side_sheets_map():
    assert auto_map(["Returned", "Order ID"], "sales") == {"invoice": "Order ID", "returned": "Returned"}
    assert auto_map(["Person", "Region"], "sales") == {"salesperson": "Person", "region": "Region"}


def test_tally_item_wise_sales_register_maps():
    assert auto_map(TALLY_ITEM_REGISTER, "sales") == {
        "invoice": "Voucher No.",
        "date": "Date",
        "customer": "Particulars",
        "customer_gstin": "GSTIN/UIN",
        "product_name": "Stock Item",
        "quantity": "Quantity",
        "unit_price": "Rate",
        "net_amount": "Value",
        "cgst": "CGST",
        "sgst": "SGST",
        "igst": "IGST",
        "gross_amount": "Gross Total",
        "voucher_type": "Voucher Type",
    }


def test_zoho_books_invoice_export_maps():
    columns = ["Invoice Date", "Invoice Number", "Customer Name", "GST Identification Number (GSTIN)", "Item Name",
               "Quantity", "Item Price", "Item Total", "Total", "Place of Supply", "Invoice Status",
               "Due Date"]  # fmt: skip
    mapping = auto_map(columns, "sales")
    assert mapping["date"] == "Invoice Date"
    assert mapping["invoice"] == "Invoice Number"
    assert mapping["customer"] == "Customer Name"
    assert mapping["customer_gstin"] == "GST Identification Number (GSTIN)"
    assert mapping["product_name"] == "Item Name"
    assert mapping["unit_price"] == "Item Price"
    assert mapping["net_amount"] == "Item Total"
    assert mapping["gross_amount"] == "Total"
    assert mapping["state"] == "Place of Supply"
    assert mapping["status"] == "Invoice Status"
    assert "Due Date" not in mapping.values()


def test_amount_is_the_net_amount_only_when_nothing_better_is_there():
    assert auto_map(["Amount"], "sales") == {"net_amount": "Amount"}
    assert auto_map(["Taxable Value", "Amount"], "sales") == {"net_amount": "Taxable Value", "gross_amount": "Amount"}


def test_exact_synonyms_beat_partial_matches():
    mapping = auto_map(["Sales Person", "Sales"], "sales")
    assert mapping == {"net_amount": "Sales", "salesperson": "Sales Person"}


def test_partial_matches_fill_in_when_no_exact_name_exists():
    mapping = auto_map(["Bill Date", "Party A/c", "Item Description Line", "Billed Qty (Nos)"], "sales")
    assert mapping["date"] == "Bill Date"
    assert mapping["quantity"] == "Billed Qty (Nos)"


def test_tax_rate_columns_do_not_become_prices_or_tax_amounts():
    mapping = auto_map(["Rate", "GST Rate", "CGST", "CGST Rate"], "sales")
    assert mapping["unit_price"] == "Rate"
    assert mapping["gst_rate"] == "GST Rate"
    assert mapping["cgst"] == "CGST"
    assert "CGST Rate" not in mapping.values()


def test_each_source_column_is_used_once():
    for columns in (SALES_SAMPLE_COLUMNS, SUPERSTORE_COLUMNS, TALLY_ITEM_REGISTER):
        values = list(auto_map(columns, "sales").values())
        assert len(values) == len(set(values))


def test_unknown_columns_stay_unmapped():
    assert auto_map(["QTR_ID", "MONTH_ID", "Remarks", ""], "sales") == {}


@pytest.mark.parametrize(
    ("kind", "columns", "expected"),
    [
        (
            "customers",
            ["Ledger Name", "GSTIN/UIN", "State", "City", "Country", "Segment", "Customer Code"],
            {"name": "Ledger Name", "gstin": "GSTIN/UIN", "state": "State", "city": "City", "country": "Country",
             "segment": "Segment", "customer_code": "Customer Code"},
        ),
        (
            "purchase",
            ["PO No.", "Supplier Name", "Item Name", "Qty", "Rate", "Amount", "PO Date", "Expected Delivery",
             "Received Date", "Status"],
            {"po_number": "PO No.", "vendor": "Supplier Name", "item": "Item Name", "quantity": "Qty",
             "unit_price": "Rate", "amount": "Amount", "order_date": "PO Date",
             "delivery_date": "Expected Delivery", "received_date": "Received Date", "status": "Status"},
        ),
        (
            "production",
            ["Batch ID", "Product", "Batch No", "Produced Qty", "UOM", "Start Date", "End Date", "Status", "Dept"],
            {"production_id": "Batch ID", "product": "Product", "batch": "Batch No", "quantity": "Produced Qty",
             "unit": "UOM", "start_date": "Start Date", "end_date": "End Date", "status": "Status",
             "department": "Dept"},
        ),
        (
            "packing",
            ["Packing ID", "Product", "Qty", "Package Type", "Date", "Status", "Operator"],
            {"packing_id": "Packing ID", "product": "Product", "quantity": "Qty", "package_type": "Package Type",
             "date": "Date", "status": "Status", "operator": "Operator"},
        ),
        (
            "shipment",
            ["Shipment ID", "Customer", "Destination", "Qty", "Dispatch Date", "Expected Delivery",
             "Delivered Date", "Status", "Transporter"],
            {"shipment_id": "Shipment ID", "customer": "Customer", "destination": "Destination", "quantity": "Qty",
             "shipment_date": "Dispatch Date", "expected_delivery": "Expected Delivery",
             "delivered_date": "Delivered Date", "status": "Status", "transporter": "Transporter"},
        ),
    ],
)  # fmt: skip
def test_other_kinds_map(kind, columns, expected):
    mapping = auto_map(columns, kind)
    assert mapping == expected
    assert missing_required(mapping, kind) == []


def test_missing_required_names_fields_in_words():
    assert missing_required({}, "sales") == [
        "Invoice date",
        "Net amount (before tax) or Invoice total (with tax) or Credit amount (returns) or Quantity with "
        "Rate / unit price",
    ]


@pytest.mark.parametrize(
    ("amounts", "missing"),
    [
        ({"net_amount": "a"}, []),
        ({"gross_amount": "a"}, []),
        ({"credit_amount": "a"}, []),
        ({"quantity": "a", "unit_price": "b"}, []),
        ({"unit_price": "b"}, ["Net amount"]),  # a rate without a quantity is no amount
        ({"quantity": "a"}, ["Net amount"]),
    ],
)
def test_a_sale_needs_a_date_and_something_that_gives_its_amount(amounts, missing):
    found = missing_required({"date": "d", **amounts}, "sales")
    assert [label.split(" (")[0] for label in found] == missing


@pytest.mark.parametrize("product_field", ["product_code", "product_name"])
def test_product_requirement_is_met_by_code_or_name(product_field):
    mapping = {"invoice": "a", "date": "b", "customer": "c", product_field: "d", "net_amount": "e"}
    assert missing_required(mapping, "sales") == []


def test_every_field_has_a_label_and_every_required_field_exists():
    for kind in KINDS:
        names = {spec.name for spec in FIELDS[kind]}
        assert len(names) == len(FIELDS[kind]), f"duplicate field in {kind}"
        assert set(FIELD_LABELS[kind]) == names
        assert all(FIELD_LABELS[kind].values())
        for group in REQUIRED[kind]:
            assert set(group) <= names


def test_columns_signature_ignores_order_case_and_punctuation():
    assert columns_signature(["Date", "Voucher No.", "Value"]) == columns_signature(["value", "VOUCHER_NO", "date"])
    assert columns_signature(["Date", "Voucher No.", "Value"]) != columns_signature(["Date", "Voucher No.", "Amount"])
    assert len(columns_signature(["Date"])) == 64


def test_header_score_tells_a_header_from_title_and_data_rows():
    assert header_score(TALLY_ITEM_REGISTER, "sales") >= 12
    assert header_score(["ABC Industries Pvt Ltd"], "sales") == 0
    assert header_score(["1-Apr-24 to 31-Mar-25"]) == 0
    assert header_score(["1-Apr-24", "Ravi Traders", "Sales", "S/001", "10 Nos", "1,000.00"], "sales") <= 1


def test_candidate_fields_lists_the_best_guess_first():
    assert candidate_fields("Invoice Value", "sales")[0] == ("gross_amount", 100.0)
    assert candidate_fields("Qty Billed", "sales")[0][0] == "quantity"


def test_check_mapping_rejects_unusable_edits():
    columns = ["Date", "Voucher No.", "Particulars", "Stock Item", "Value"]
    good = {"date": "Date", "invoice": "Voucher No.", "customer": "Particulars", "product_name": "Stock Item",
            "net_amount": "Value"}  # fmt: skip
    check_mapping(good, columns, "sales")
    cases = [
        ({**good, "net_amount": "Amount"}, "no_column", "has no column called 'Amount'"),
        ({**good, "gross_amount": "Value"}, "column_reused", "chosen for both"),
        ({**good, "colour": "Value"}, "unknown_field", "not a field"),
        ({key: value for key, value in good.items() if key != "date"}, "missing_required", "Invoice date"),
    ]
    for mapping, code, words in cases:
        with pytest.raises(IngestError) as caught:
            check_mapping(mapping, columns, "sales")
        assert caught.value.code == code
        assert words in str(caught.value)


def test_unknown_kind_is_an_ingest_error():
    with pytest.raises(IngestError):
        auto_map(["Date"], "invoices")
