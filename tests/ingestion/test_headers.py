"""Finding the table in an export: header under title rows, two-row headers, totals, and Tally item lines."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pandas as pd
import pytest

from ingestion.etl.cleaning import clean_table
from ingestion.etl.errors import IngestError
from ingestion.etl.headers import find_period, locate_header, tidy_columns, tidy_rows
from ingestion.etl.mapping import auto_map
from ingestion.etl.readers import read_table


@pytest.fixture(autouse=True)
def _back_to_public():
    """Overrides the project-wide schema reset for this module only: these tests never touch Django or a database
    and run under ``-p no:django``, where no settings exist."""
    yield


TALLY_COLUMNS = ["Date", "Particulars", "Voucher Type", "Voucher No.", "GSTIN/UIN", "Stock Item", "Quantity", "Rate",
                 "Value", "CGST", "SGST", "IGST", "Gross Total"]  # fmt: skip
TITLE_ROWS = [
    "ABC Industries Pvt Ltd",
    "Plot 4, MIDC Bhosari, Pune 411026",
    "GSTIN: 27AAPFU0939F1ZV",
    "Sales Register",
    "1-Apr-24 to 31-Mar-25",
]
# A voucher's first line carries date, party, number and GSTIN; its further item lines leave them blank.
TALLY_LINES = [
    ["1-Apr-24", "Ravi Traders", "Sales", "S/001", "27AAPFU0939F1ZV", "Widget", "10 Nos", "100.00", "1,000.00",
     "45.00", "45.00", None, "1,180.00"],
    [None, None, None, None, None, "Gadget", "5 Nos", "50.00", "250.00", None, None, None, None],
    ["2-Apr-24", "Cash", "Sales", "S/002", None, "Widget", "1 Nos", "100.00", "100.00", "9.00", "9.00", None,
     "118.00"],
    [None, None, None, None, None, "Gizmo", "2 Nos", "10.00", "20.00", None, None, None, None],
    [None] * 13,
    ["Grand Total", None, None, None, None, None, "18 Nos", None, "1,370.00", "54.00", "54.00", None, "1,298.00"],
]  # fmt: skip


def raw_table(rows: list[list[object]]) -> pd.DataFrame:
    width = max(len(row) for row in rows)
    frame = pd.DataFrame([list(row) + [None] * (width - len(row)) for row in rows], dtype="str")
    frame.index = range(1, len(frame) + 1)
    return frame


def tally_register() -> pd.DataFrame:
    return raw_table([[title] for title in TITLE_ROWS] + [TALLY_COLUMNS] + TALLY_LINES)


def test_header_is_found_under_five_tally_title_rows():
    result = locate_header(tally_register(), kind="sales")
    assert result.header_rows == (6,)
    assert result.columns == TALLY_COLUMNS
    assert result.title_lines == TITLE_ROWS
    assert result.period == (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    assert list(result.data.index) == [7, 8, 9, 10, 11, 12]
    assert result.data.iloc[0]["Particulars"] == "Ravi Traders"


def test_header_is_found_without_knowing_the_kind():
    assert locate_header(tally_register()).header_rows == (6,)


def test_table_starting_at_the_top_has_no_titles():
    result = locate_header(raw_table([["Date", "Party", "Amount"], ["1-4-24", "A", "5"]]))
    assert result.header_rows == (1,)
    assert result.title_lines == []
    assert result.period is None


def test_two_row_header_with_a_merged_group_label_above():
    raw = raw_table(
        [
            ["Sales Register"],
            [None, None, "Sales", None, None],
            ["Date", "Party", "Quantity", "Rate", "Value"],
            ["1-4-24", "A", "1", "2", "2"],
        ]
    )
    result = locate_header(raw, kind="sales")
    assert result.header_rows == (2, 3)
    assert result.columns == ["Date", "Party", "Sales Quantity", "Sales Rate", "Sales Value"]
    assert result.title_lines == ["Sales Register"]
    assert auto_map(result.columns, "sales")["quantity"] == "Sales Quantity"


def test_two_row_header_where_the_upper_row_names_the_first_columns():
    raw = raw_table(
        [
            ["Stock Summary"],
            ["Particulars", "Opening Balance", None, None, "Closing Balance", None, None],
            [None, "Quantity", "Rate", "Value", "Quantity", "Rate", "Value"],
            ["Widget", "10", "5", "50", "8", "5", "40"],
        ]
    )
    result = locate_header(raw)
    assert result.header_rows == (2, 3)
    assert result.columns == [
        "Particulars",
        "Opening Balance Quantity",
        "Opening Balance Rate",
        "Opening Balance Value",
        "Closing Balance Quantity",
        "Closing Balance Rate",
        "Closing Balance Value",
    ]


def test_two_row_header_with_sub_labels_below():
    raw = raw_table(
        [
            ["Particulars", "Voucher No.", "Date", "Sales", None, None],
            [None, None, None, "Quantity", "Rate", "Value"],
            ["Ravi Traders", "S/1", "1-4-24", "1", "2", "2"],
        ]
    )
    result = locate_header(raw, kind="sales")
    assert result.header_rows == (1, 2)
    assert result.columns == ["Particulars", "Voucher No.", "Date", "Sales Quantity", "Sales Rate", "Sales Value"]


def test_repeated_and_blank_column_names_are_made_unique():
    raw = raw_table([["Date", "Amount", "amount", None, "Amount", None], ["1-4-24", "1", "2", "3", "4", None]])
    result = locate_header(raw)
    assert result.columns == ["Date", "Amount", "amount 2", "Column 4", "Amount 3"]
    assert list(result.data.columns) == result.columns  # the unnamed, empty sixth column is gone


def test_header_cells_are_trimmed_and_single_spaced():
    result = locate_header(raw_table([["  Voucher\u00a0 No. ", "Party\n Name"], ["1", "A"]]))
    assert result.columns == ["Voucher No.", "Party Name"]


def test_no_header_at_all_is_an_ingest_error():
    with pytest.raises(IngestError) as caught:
        locate_header(raw_table([["1", "2"], ["3", "4"]]))
    assert caught.value.code == "no_header"


def test_single_column_list_has_its_first_row_as_header():
    result = locate_header(raw_table([["Customer Name"], ["Ravi Traders"], ["Cash"]]), kind="customers")
    assert result.columns == ["Customer Name"]
    assert result.data["Customer Name"].tolist() == ["Ravi Traders", "Cash"]


@pytest.mark.parametrize(
    ("line", "period"),
    [
        ("1-Apr-24 to 31-Mar-25", (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))),
        ("For the period 01/04/2024 - 30/06/2024", (datetime.date(2024, 4, 1), datetime.date(2024, 6, 30))),
        ("Sales Register", None),
    ],
)
def test_report_period_is_read_from_title_lines(line, period):
    assert find_period(["ABC Pvt Ltd", line]) == period


# ---------------------------------------------------------------- tidy rows


def tidy_tally():
    header = locate_header(tally_register(), kind="sales")
    mapping = auto_map(header.columns, "sales")
    keys, items = tidy_columns(mapping, "sales")
    return tidy_rows(header.data, keys, item_columns=items), mapping


def test_tidy_columns_are_the_voucher_level_and_item_level_source_columns():
    mapping = auto_map(TALLY_COLUMNS, "sales")
    keys, items = tidy_columns(mapping, "sales")
    assert keys == ["Voucher No.", "Date", "Particulars", "GSTIN/UIN", "Voucher Type"]
    assert items == ["Stock Item", "Quantity", "Rate", "Value"]


def test_item_lines_get_their_voucher_columns_and_nothing_else():
    result, _ = tidy_tally()
    rows = result.rows
    assert list(rows.index) == [7, 8, 9, 10]
    assert rows["Voucher No."].tolist() == ["S/001", "S/001", "S/002", "S/002"]
    assert rows["Date"].tolist() == ["1-Apr-24", "1-Apr-24", "2-Apr-24", "2-Apr-24"]
    assert rows["Particulars"].tolist() == ["Ravi Traders", "Ravi Traders", "Cash", "Cash"]
    # Cash has no GSTIN: its item line must not borrow Ravi Traders' from the voucher before.
    assert rows["GSTIN/UIN"].isna().tolist() == [False, False, True, True]
    # Voucher-level amounts stay on the first line only, or they would be counted twice.
    assert rows["Gross Total"].isna().tolist() == [False, True, False, True]
    assert result.filled_rows == 2
    assert result.blank_rows == 1
    assert result.total_rows == [12]


def test_lines_without_item_data_are_not_filled():
    frame = raw_table([["Date", "Party", "Item", "Qty"], ["1-4-24", "A", "W", "1"], [None, None, None, None],
                       [None, None, None, None], [None, None, "G", "2"]]).iloc[1:]  # fmt: skip
    frame.columns = ["Date", "Party", "Item", "Qty"]
    result = tidy_rows(frame, ["Date", "Party"], item_columns=["Item", "Qty"])
    assert result.rows["Party"].tolist() == ["A", "A"]
    assert result.blank_rows == 2


def test_nothing_is_filled_without_key_columns():
    frame = pd.DataFrame({"Date": ["1-4-24", None], "Item": ["W", "G"], "Qty": ["1", "2"]}, dtype="str")
    result = tidy_rows(frame)
    assert result.rows["Date"].isna().tolist() == [False, True]
    assert result.filled_rows == 0


@pytest.mark.parametrize("label", ["Total", "Grand Total", "Sub Total", "Totals", "TOTAL:", " grand total "])
def test_total_rows_are_dropped(label):
    frame = pd.DataFrame(
        {"Party": ["A", label, "B"], "Invoice": ["1", None, "2"], "Amount": ["5", "5", "6"]}, dtype="str"
    )
    result = tidy_rows(frame, ["Party", "Invoice"])
    assert result.rows["Party"].tolist() == ["A", "B"]
    assert result.total_rows == [1]


def test_unlabelled_total_line_at_the_very_end_is_dropped():
    frame = pd.DataFrame(
        {"Party": ["A", "B", None], "Invoice": ["1", "2", None], "Amount": ["5", "6", "11"]}, dtype="str"
    )
    result = tidy_rows(frame, ["Party", "Invoice"])
    assert result.rows["Party"].tolist() == ["A", "B"]
    assert result.total_rows == [2]


def test_unlabelled_total_is_found_from_text_columns_when_no_keys_are_given():
    frame = pd.DataFrame({"Party": ["A", "B", None], "Amount": ["5", "6", "11"]}, dtype="str")
    assert tidy_rows(frame).rows["Party"].tolist() == ["A", "B"]


def test_customers_whose_names_contain_total_are_kept():
    frame = pd.DataFrame({"Party": ["Total Oil India", "Totalplast", "B"], "Amount": ["5", "6", "7"]}, dtype="str")
    assert tidy_rows(frame, ["Party"]).rows["Party"].tolist() == ["Total Oil India", "Totalplast", "B"]


def test_page_headers_repeated_inside_the_table_are_dropped():
    frame = pd.DataFrame(
        {"Date": ["1-4-24", "Date", "2-4-24"], "Party": ["A", "Party", "B"], "Amount": ["5", "Amount", "6"]},
        dtype="str",
    )
    result = tidy_rows(frame, ["Date", "Party"])
    assert result.rows["Party"].tolist() == ["A", "B"]
    assert result.repeated_headers == 1


def test_tally_export_from_excel_end_to_end(build_xlsx):
    """Read a Tally-style workbook, find the table, map it, tidy it and clean it: what the pipeline will do."""
    path = build_xlsx({"Sales Register": [[title] for title in TITLE_ROWS] + [TALLY_COLUMNS] + TALLY_LINES})
    (sheet,) = read_table(path, filename="Sales Register.xlsx")
    header = locate_header(sheet.rows, kind="sales")
    mapping = auto_map(header.columns, "sales")
    keys, items = tidy_columns(mapping, "sales")
    tidy = tidy_rows(header.data, keys, item_columns=items)
    clean = clean_table(tidy.rows, mapping, "sales")
    assert clean.errors.isna().all()
    rows = clean.accepted
    assert rows["invoice"].tolist() == ["S/001", "S/001", "S/002", "S/002"]
    assert [value.date() for value in rows["date"]] == [datetime.date(2024, 4, d) for d in (1, 1, 2, 2)]
    assert rows["quantity"].tolist() == ["10", "5", "1", "2"]
    assert rows["unit"].tolist() == ["Nos"] * 4
    assert rows["net_amount"].tolist() == ["1000.00", "250.00", "100.00", "20.00"]
    assert rows["state_code"].tolist()[:2] == ["27", "27"]  # from the GSTIN: the register has no state column
    assert rows["state_code"].isna().tolist()[2:] == [True, True]


def run_pipeline(sheet, kind="sales"):
    header = locate_header(sheet.rows, kind=kind)
    mapping = auto_map(header.columns, kind)
    keys, items = tidy_columns(mapping, kind)
    tidy = tidy_rows(header.data, keys, item_columns=items)
    return header, clean_table(tidy.rows, mapping, kind)


@pytest.mark.sample_data
def test_public_sales_sample_end_to_end_matches_its_published_figures(sample_file):
    (sheet,) = read_table(sample_file("sales_data_sample.csv"), filename="sales_data_sample.csv")
    header, clean = run_pipeline(sheet)
    assert header.header_rows == (1,)
    assert clean.errors.isna().all()
    assert clean.date_orders == {"date": "MDY"}
    rows = clean.accepted
    assert len(rows) == 2823
    assert sum(Decimal(value) for value in rows["net_amount"]) == Decimal("10032628.85")
    assert rows["invoice"].nunique() == 307
    kept = rows[rows["status"] != "Cancelled"]
    assert sum(Decimal(value) for value in kept["net_amount"]) == Decimal("9838141.37")
    assert kept["customer"].nunique() == 92
    assert rows["date"].min().date() == datetime.date(2003, 1, 6)
    assert rows["date"].max().date() == datetime.date(2005, 5, 31)


@pytest.mark.sample_data
def test_superstore_orders_end_to_end_match_their_published_figures(sample_file):
    orders = read_table(sample_file("superstore.xls"), filename="superstore.xls")[0]
    header, clean = run_pipeline(orders)
    assert header.header_rows == (1,)
    assert clean.errors.isna().all()
    rows = clean.accepted
    assert len(rows) == 9994
    assert sum(Decimal(value) for value in rows["net_amount"]).quantize(Decimal("0.01")) == Decimal("2297200.86")
    assert sum(Decimal(value) for value in rows["profit"]).quantize(Decimal("0.01")) == Decimal("286397.02")
    assert rows["invoice"].nunique() == 5009
    assert rows["customer_code"].nunique() == 793
    assert rows["date"].min().date() == datetime.date(2011, 1, 4)
    assert rows["date"].max().date() == datetime.date(2014, 12, 31)
