"""The sample export generator: the files a user would open, checked the way a user (or an import) reads them.

Pure Python, no database: `pytest tests/ingestion/test_sample_exports.py -p no:django`.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from elettro.kernel.india import gstin_is_valid, state_code_for_name, state_code_from_gstin
from ingestion.sample_exports import (
    COMPANY,
    CUSTOMERS,
    DEMO_START,
    PRODUCTS,
    build_sales_book,
    cardinalities,
    expected_totals,
    write_demo_exports,
    write_invoice_lines,
)
from ingestion.sample_exports.catalogue import GOODS_LINES, PRODUCT_LINES
from ingestion.sample_exports.invoice_lines import COLUMNS
from ingestion.sample_exports.tally import ITEMS_HEADER, MASTER_HEADER, REGISTER_HEADER

ROOT = Path(__file__).resolve().parents[2]
PAISA = Decimal("0.01")
HALF_PAISA = Decimal("0.005")
RATE_BY_ITEM = {p.name: p.gst_rate for p in PRODUCTS}
LINE_BY_ITEM = {p.name: p.line.name for p in PRODUCTS}
STATE_BY_PARTY = {c.name: c.state for c in CUSTOMERS}


def dec(value: object) -> Decimal:
    """A cell as rupees: blank is nothing, a float from Excel is read back as the 2-decimal figure it holds."""
    if value in ("", None):
        return Decimal("0.00")
    return Decimal(str(value)).quantize(PAISA)


def sheet_rows(path: Path) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)


def register_lines(path: Path) -> list[dict]:
    """The data rows of a Sales Register, voucher columns carried down to continuation rows."""
    rows = sheet_rows(path)
    assert rows[6] == list(REGISTER_HEADER)
    lines, voucher = [], {}
    for row in rows[7:-1]:  # the last row is the Grand Total
        record = dict(zip(REGISTER_HEADER, row, strict=True))
        if record["Date"] != "":
            voucher = {k: record[k] for k in ("Date", "Particulars", "Voucher Type", "Voucher No.", "GSTIN/UIN")}
        lines.append({**record, **voucher, "first": record["Date"] != ""})
    return lines


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return write_demo_exports(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demo_lines(demo):
    """Item rows of the full-year registers (the overlapping file left out), cancelled vouchers apart."""
    lines = [line for path in demo.sales_registers for line in register_lines(path)]
    return [line for line in lines if line["Particulars"] != "(cancelled)"]


@pytest.fixture(scope="module")
def master(demo):
    raw = demo.customer_master.read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("cp1252"), newline="")))


# ---------------------------------------------------------------- the demo company's files


def test_demo_writes_every_file_and_each_opens(demo):
    names = sorted(p.name for p in demo.out_dir.iterdir())
    assert names == [
        "customer_master.csv",
        "erp_packing.xlsx",
        "erp_production.xlsx",
        "erp_purchase.xlsx",
        "erp_shipments.xlsx",
        "item_master.xlsx",
        "sales_register_FY24-25.xlsx",
        "sales_register_FY25-26.xlsx",
        "sales_register_FY25-26_Apr-Dec.xlsx",
    ]
    for paths in demo.files.values():
        for path in paths:
            assert path.exists() and path.stat().st_size > 0
            if path.suffix == ".xlsx":
                openpyxl.load_workbook(path, read_only=True).close()


def test_customer_master_is_a_windows_csv(demo, master):
    raw = demo.customer_master.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # "D’Souza" in cp1252: an importer has to detect the encoding
    assert raw.count(b"\r\n") == len(CUSTOMERS) + 1
    assert list(master[0]) == list(MASTER_HEADER)
    assert {row["Country"] for row in master} == {"India"}
    assert {row["Segment"] for row in master} == {"Dealer", "Contractor", "OEM", "Retail", "Government"}


def test_customer_master_gives_each_customer_one_salesperson_of_one_branch(master):
    branch_of: dict[str, set[str]] = defaultdict(set)
    for row in master:
        assert row["Sales Person"] and row["Branch"], row
        branch_of[row["Sales Person"]].add(row["Branch"])
    assert all(len(branches) == 1 for branches in branch_of.values()), branch_of
    assert len({row["Branch"] for row in master}) >= 3


def test_item_master_is_a_tally_list_of_stock_items_covering_every_item_sold(demo, demo_lines):
    rows = sheet_rows(demo.item_master)
    assert rows[0][0] == COMPANY.name and rows[2][0] == "List of Stock Items"
    assert rows[3][0] == "1-Apr-25 to 31-Mar-26" and rows[4] == [""] * len(ITEMS_HEADER)
    assert rows[5] == list(ITEMS_HEADER)
    items = {row[0]: dict(zip(ITEMS_HEADER, row, strict=True)) for row in rows[6:]}
    assert len(items) == len(rows) - 6 == len(PRODUCTS)
    assert {line["Stock Item"] for line in demo_lines} <= set(items)
    for name, item in items.items():
        assert item["Stock Group"] == LINE_BY_ITEM[name]
        assert item["GST Rate"] == f"{RATE_BY_ITEM[name]}%"
        if item["Stock Group"] == "Freight Charges":
            assert item["Standard Cost"] == "" and item["Units"] == ""
        else:
            assert item["Units"] and dec(item["Standard Cost"]) > 0
    # Every sale earns something: the latest standard cost is below every rate an item was sold at, the deepest
    # discount of the first year included.
    for line in demo_lines:
        cost = items[line["Stock Item"]]["Standard Cost"]
        if cost != "" and line["Voucher Type"] == "Sales":
            assert dec(cost) < Decimal(line["Rate"].split("/")[0].replace(",", "")), line


@pytest.mark.parametrize(
    ("name", "period"),
    [
        ("sales_register_FY24-25.xlsx", "1-Apr-24 to 31-Mar-25"),
        ("sales_register_FY25-26.xlsx", "1-Apr-25 to 31-Mar-26"),
        ("sales_register_FY25-26_Apr-Dec.xlsx", "1-Apr-25 to 31-Dec-25"),
    ],
)
def test_register_has_tally_title_rows_then_the_header(demo, name, period):
    rows = sheet_rows(demo.out_dir / name)
    titles = [row[0] for row in rows[:6]]
    assert titles == [COMPANY.name, COMPANY.address, f"GSTIN/UIN: {COMPANY.gstin}", "Sales Register", period, ""]
    assert all(cell == "" for row in rows[:6] for cell in row[1:])
    assert rows[6] == [
        "Date", "Particulars", "Voucher Type", "Voucher No.", "GSTIN/UIN", "Stock Item", "Quantity", "Rate",
        "Value", "CGST", "SGST", "IGST", "Gross Total",
    ]  # fmt: skip
    assert gstin_is_valid(COMPANY.gstin) and COMPANY.gstin.startswith("27")


@pytest.mark.parametrize("index", [0, 1])
def test_register_voucher_layout(demo, index):
    rows = sheet_rows(demo.sales_registers[index])[7:-1]
    voucher_columns = slice(0, 5)
    seen_numbers, previous_date, first_rows, cancelled = set(), date.min, 0, 0
    for row in rows:
        if row[0] == "":  # a continuation line: only the item and its amounts
            assert row[voucher_columns] == ["", "", "", "", ""]
            assert row[5] != "" and row[8] != ""
            continue
        first_rows += 1
        day, party, kind, number = row[0:4]
        assert isinstance(day, date) and day >= previous_date  # a real date cell, in date order
        previous_date = day
        assert number not in seen_numbers
        seen_numbers.add(number)
        if party == "(cancelled)":
            cancelled += 1
            assert kind == "Sales" and all(cell == "" for cell in row[4:])
        else:
            assert kind in ("Sales", "Credit Note") and party in STATE_BY_PARTY and row[5] in RATE_BY_ITEM
    assert first_rows == len(seen_numbers) > 1000
    assert cancelled > 0


@pytest.mark.parametrize("index", [0, 1])
def test_grand_total_is_the_sum_of_the_rows(demo, index):
    rows = sheet_rows(demo.sales_registers[index])
    grand = rows[-1]
    assert grand[1] == "Grand Total" and grand[0] == ""
    for column in range(8, 13):
        assert dec(grand[column]) == sum(dec(row[column]) for row in rows[7:-1]), REGISTER_HEADER[column]
    assert dec(grand[12]) == dec(grand[8]) + dec(grand[9]) + dec(grand[10]) + dec(grand[11])


def test_every_gstin_is_valid_and_carries_its_state(master, demo_lines):
    registered = [row for row in master if row["GSTIN"]]
    assert 0 < len(master) - len(registered) < 6  # a few B2C buyers without a GSTIN
    for row in registered:
        assert gstin_is_valid(row["GSTIN"]), row
        assert state_code_from_gstin(row["GSTIN"]) == state_code_for_name(row["State"]), row
    for line in demo_lines:
        gstin = line["GSTIN/UIN"]
        if gstin:
            assert gstin_is_valid(gstin)
            assert gstin[:2] == state_code_for_name(STATE_BY_PARTY[line["Particulars"]])
        else:
            assert not next(c for c in CUSTOMERS if c.name == line["Particulars"]).gstin


def test_taxes_follow_the_place_of_supply(demo_lines):
    intra = inter = 0
    for line in demo_lines:
        value = dec(line["Value"])
        rate = RATE_BY_ITEM[line["Stock Item"]]
        cgst, sgst, igst = dec(line["CGST"]), dec(line["SGST"]), dec(line["IGST"])
        if STATE_BY_PARTY[line["Particulars"]] == "Maharashtra":
            intra += 1
            assert cgst == sgst and igst == 0 and line["IGST"] == ""
            assert abs(cgst - value * rate / 200) <= HALF_PAISA, line
        else:
            inter += 1
            assert cgst == sgst == 0 and line["CGST"] == line["SGST"] == ""
            assert abs(igst - value * rate / 100) <= HALF_PAISA, line
        assert dec(line["Gross Total"]) == value + cgst + sgst + igst
    assert intra > 1000 and inter > 1000


def test_quantities_and_rates_read_as_tally_writes_them(demo_lines):
    shape = re.compile(r"^(\(-\))?[\d,]+(\.\d{2,3})? (Nos|Pcs|Set|Coil|Box|Mtr|Kg)$")
    for line in demo_lines:
        if LINE_BY_ITEM[line["Stock Item"]] == "Freight Charges":
            assert line["Quantity"] == line["Rate"] == ""
            continue
        match = shape.match(line["Quantity"])
        assert match, line["Quantity"]
        assert bool(match.group(1)) == (line["Voucher Type"] == "Credit Note")
        quantity = Decimal(re.sub(r"[^\d.]", "", line["Quantity"]))
        rate = Decimal(line["Rate"].split("/")[0].replace(",", ""))
        assert line["Rate"].endswith("/" + match.group(3))
        assert abs(dec(line["Value"])) == (quantity * rate).quantize(PAISA, rounding="ROUND_HALF_UP")


def test_expected_totals_match_the_files(demo, demo_lines):
    totals = demo.totals
    all_rows = [line for path in demo.sales_registers for line in register_lines(path)]
    first = [line for line in all_rows if line["first"]]
    assert totals.cancelled == sum(1 for line in first if line["Particulars"] == "(cancelled)")
    assert totals.invoices == len({line["Voucher No."] for line in demo_lines if line["Voucher Type"] == "Sales"})
    assert totals.credit_notes == len({line["Voucher No."] for line in demo_lines if line["Voucher Type"] != "Sales"})
    assert totals.lines == len(demo_lines)
    assert totals.revenue == sum(dec(line["Value"]) for line in demo_lines)
    assert totals.returns == -sum(dec(line["Value"]) for line in demo_lines if line["Voucher Type"] == "Credit Note")
    assert totals.gross == sum(dec(line["Gross Total"]) for line in demo_lines)
    assert totals.tax == totals.gross - totals.revenue

    frame = pd.DataFrame(demo_lines)
    frame["Value"] = frame["Value"].map(dec)
    frame["FY"] = frame["Voucher No."].str.split("/").str[1].radd("FY")
    frame["Line"] = frame["Stock Item"].map(LINE_BY_ITEM)
    assert frame.groupby("FY")["Value"].sum().to_dict() == totals.revenue_by_fy
    assert frame.groupby("Line")["Value"].sum().to_dict() == totals.revenue_by_line
    excluded = frame[frame["Line"].isin(["Packaging Material", "Freight Charges"])]["Value"].sum()
    assert totals.revenue_excluding_packaging_and_freight == totals.revenue - excluded


def test_demo_company_has_the_shape_of_the_brief(demo, master, demo_lines):
    totals = demo.totals
    assert 25 <= len(master) <= 40
    assert 8 <= len({row["State"] for row in master}) <= 12
    assert 5 <= len({row["Sales Person"] for row in master}) <= 8
    assert 3 <= len({row["Branch"] for row in master}) <= 4
    assert 60 <= len(PRODUCTS) <= 120
    assert {line.gst_rate for line in PRODUCT_LINES} == {5, 12, 18, 28}
    assert 8_000 <= totals.lines <= 15_000
    assert 0 < totals.cancelled < totals.invoices * 0.03
    assert 0 < totals.credit_notes < totals.invoices * 0.04
    assert totals.revenue_by_fy["FY25-26"] > totals.revenue_by_fy["FY24-25"] * Decimal("1.1")  # growth
    assert {line.name for line in GOODS_LINES} | {"Packaging Material", "Freight Charges"} == set(
        totals.revenue_by_line
    )

    by_month: dict[int, Decimal] = defaultdict(Decimal)
    for line in demo_lines:
        by_month[line["Date"].month] += dec(line["Value"])
    monsoon = (by_month[6] + by_month[7] + by_month[8]) / 3
    festive = (by_month[10] + by_month[11]) / 2
    assert festive > monsoon * Decimal("1.4")
    assert by_month[3] > by_month[2] and by_month[3] > monsoon * Decimal("1.5")  # the March push


def test_master_names_differ_from_the_register_only_trivially(master, demo_lines):
    def fold(name: str) -> str:
        return re.sub(r"[^a-z0-9]", "", name.lower().replace("’", "'").removeprefix("m/s. "))

    register_names = {line["Particulars"] for line in demo_lines}
    master_names = {row["Name"] for row in master}
    differing = master_names - register_names
    assert 2 <= len(differing) <= 6
    folded = {fold(name) for name in register_names}
    assert all(fold(name) in folded for name in differing)


def test_overlapping_register_repeats_the_start_of_the_year(demo):
    full = register_lines(demo.sales_registers[1])
    part = register_lines(demo.overlapping_registers[0])
    assert part and len(part) < len(full)
    assert part == full[: len(part)]  # same vouchers, same rows: an import must not count them twice
    assert max(line["Date"] for line in part) <= date(2025, 12, 31) < full[len(part)]["Date"]


def test_erp_sheets(demo, demo_lines):
    invoices = {line["Voucher No."] for line in demo_lines if line["Voucher Type"] == "Sales"}

    purchase = sheet_rows(demo.erp_purchase)
    header, *rows = purchase
    assert header[:10] == ["PO No", "Vendor", "Item", "Qty", "Unit", "Unit Price", "Amount", "Order Date",
                           "Expected Delivery", "Received Date"]  # fmt: skip
    po = [dict(zip(header, row, strict=True)) for row in rows]
    assert {r["Status"] for r in po} == {"Pending", "Partially Received", "Received", "Cancelled"}
    for r in po:
        assert dec(r["Amount"]) == (dec(r["Qty"]) * dec(r["Unit Price"])).quantize(PAISA, rounding="ROUND_HALF_UP")
        assert isinstance(r["Order Date"], date) and r["Expected Delivery"] > r["Order Date"]
        assert (r["Received Date"] == "") == (r["Status"] in ("Pending", "Cancelled"))
    assert any(r["Received Date"] != "" and r["Received Date"] > r["Expected Delivery"] for r in po)

    production = sheet_rows(demo.erp_production)
    assert production[0][0].endswith("Production Batches") and production[2] == [""] * 9
    header, *rows = production[3:]
    assert header == ["Production ID", "Product", "Batch No", "Quantity", "Unit", "Start Date", "End Date", "Status",
                      "Department"]  # fmt: skip
    batches = [dict(zip(header, row, strict=True)) for row in rows]
    assert {b["Status"] for b in batches} == {"Planned", "In Progress", "Completed"}
    assert all(isinstance(b["End Date"], date) == (b["Status"] == "Completed") for b in batches)

    header, *rows = sheet_rows(demo.erp_packing)
    assert header == ["Packing ID", "Invoice No.", "Product", "Quantity", "Package Type", "Packing Date", "Status",
                      "Operator"]  # fmt: skip
    assert all(re.fullmatch(r"\d{2}-\d{2}-\d{4}", row[5]) for row in rows)  # dd-mm-yyyy text, not date cells
    assert {row[1] for row in rows} == invoices

    header, *rows = sheet_rows(demo.erp_shipments)
    assert header == ["Shipment ID", "Invoice No.", "Customer", "Destination", "Quantity", "Shipment Date",
                      "Expected Delivery", "Delivered Date", "Status", "Transporter"]  # fmt: skip
    shipments = [dict(zip(header, row, strict=True)) for row in rows]
    assert {s["Status"] for s in shipments} == {"In Transit", "Delivered", "Delayed"}
    assert {s["Invoice No."] for s in shipments} <= invoices
    delivered = [s for s in shipments if s["Status"] == "Delivered"]
    assert all(isinstance(s["Delivered Date"], date) for s in delivered)
    assert all(s["Delivered Date"] == "" for s in shipments if s["Status"] != "Delivered")
    late = [s for s in delivered if s["Delivered Date"] > s["Expected Delivery"]]
    assert 0.03 < len(late) / len(delivered) < 0.5
    assert all(s["Expected Delivery"] < date(2026, 3, 31) for s in shipments if s["Status"] == "Delayed")


def test_demo_is_byte_identical_for_a_seed_and_stops_at_end(tmp_path):
    end = date(2024, 6, 30)
    first = write_demo_exports(tmp_path / "a", seed=3, end=end)
    second = write_demo_exports(tmp_path / "b", seed=3, end=end)
    other = write_demo_exports(tmp_path / "c", seed=4, end=end)
    names = sorted(p.name for p in first.out_dir.iterdir())
    assert names == sorted(p.name for p in second.out_dir.iterdir())
    assert "sales_register_FY24-25.xlsx" in names and "sales_register_FY24-25_Apr-May.xlsx" in names
    for name in names:
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes(), name
    assert first.totals == second.totals
    assert (first.out_dir / "sales_register_FY24-25.xlsx").read_bytes() != (
        other.out_dir / "sales_register_FY24-25.xlsx"
    ).read_bytes()
    lines = register_lines(first.sales_registers[0])
    assert max(line["Date"] for line in lines) <= end
    assert sheet_rows(first.sales_registers[0])[4][0] == "1-Apr-24 to 30-Jun-24"


def test_a_later_end_extends_the_book_without_rewriting_it():
    cut = date(2024, 6, 30)
    short = build_sales_book(seed=7, end=cut)
    longer = build_sales_book(seed=7, end=date(2024, 9, 30))
    assert longer.between(DEMO_START, cut) == list(short.vouchers)  # June's demo is July's demo, up to June
    invoices = {v.number: v for v in longer.vouchers if v.kind == "Sales"}
    credit_notes = [v for v in longer.vouchers if v.kind == "Credit Note"]
    assert credit_notes
    for note in credit_notes:
        original = invoices[note.against]
        assert not original.cancelled and original.customer == note.customer and original.day < note.day
        sold = {item.product.name: item.quantity for item in original.items}
        assert all(0 < -item.quantity <= sold[item.product.name] for item in note.items)


# ---------------------------------------------------------------- benchmark invoice lines


@pytest.fixture(scope="module")
def bench_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "lines.csv"
    totals = write_invoice_lines(path, lines=10_000, fmt="csv", seed=1)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return path, totals, frame


def test_benchmark_csv_has_every_line_and_column(bench_csv):
    _, totals, frame = bench_csv
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == totals.lines == 10_000
    card = cardinalities(10_000)
    assert frame["Invoice No"].nunique() == card.invoices == 2_000
    assert frame["Customer"].nunique() <= card.customers and frame["Product Code"].nunique() <= card.products
    assert frame["Salesperson"].nunique() <= card.salespersons and frame["Branch"].nunique() <= card.branches
    assert set(frame["Status"]) == {"Invoiced", "Cancelled"}
    assert frame.groupby("Invoice No")["Status"].nunique().max() == 1  # a whole invoice is cancelled, or none
    dates = pd.to_datetime(frame["Invoice Date"], format="%d-%m-%Y")
    assert dates.min() >= pd.Timestamp("2024-04-01") and dates.max() <= pd.Timestamp("2026-03-31")
    assert dates.is_monotonic_increasing


def test_benchmark_money_is_exact_and_taxes_follow_the_state(bench_csv):
    _, _, frame = bench_csv
    rate = {p.line.name: p.gst_rate for p in PRODUCTS}
    money_columns = ["Unit Price", "Net Amount", "CGST", "SGST", "IGST", "Gross Amount", "Cost"]
    assert all(frame[c].str.fullmatch(r"\d+\.\d{2}").all() for c in money_columns)
    for row in frame.itertuples(index=False):
        line = dict(zip(COLUMNS, row, strict=True))
        net, cgst, sgst, igst = (Decimal(line[c]) for c in ("Net Amount", "CGST", "SGST", "IGST"))
        assert Decimal(line["Gross Amount"]) == net + cgst + sgst + igst
        assert net == (Decimal(line["Quantity"]) * Decimal(line["Unit Price"])).quantize(PAISA, "ROUND_HALF_UP")
        r = rate[line["Product Line"]]
        if line["State"] == "Maharashtra":
            assert cgst == sgst and igst == 0 and abs(cgst - net * r / 200) <= HALF_PAISA
        else:
            assert cgst == sgst == 0 and abs(igst - net * r / 100) <= HALF_PAISA
        if line["Customer GSTIN"]:
            assert gstin_is_valid(line["Customer GSTIN"])
            assert line["Customer GSTIN"][:2] == state_code_for_name(line["State"])
    assert (frame["State"] == "Maharashtra").any() and (frame["Customer GSTIN"] == "").any()


def test_benchmark_totals_match_the_file(bench_csv):
    _, totals, frame = bench_csv
    live = frame[frame["Status"] != "Cancelled"]
    assert totals.revenue == sum(map(Decimal, live["Net Amount"]))
    assert totals.gross == sum(map(Decimal, live["Gross Amount"]))
    assert totals.cost == sum(map(Decimal, live["Cost"]))
    assert totals.invoices == live["Invoice No"].nunique()
    assert totals.cancelled_invoices == frame.loc[frame["Status"] == "Cancelled", "Invoice No"].nunique()
    assert totals.cancelled_lines == len(frame) - len(live)
    assert totals.customers == frame["Customer"].nunique()
    assert totals.products == frame["Product Code"].nunique()
    assert expected_totals(lines=10_000, seed=1) == totals


def test_benchmark_csv_is_byte_identical_for_a_seed(tmp_path, bench_csv):
    path, _, _ = bench_csv
    again, other = tmp_path / "again.csv", tmp_path / "other.csv"
    write_invoice_lines(again, lines=10_000, fmt="csv", seed=1)
    write_invoice_lines(other, lines=10_000, fmt="csv", seed=2)
    assert again.read_bytes() == path.read_bytes()
    assert other.read_bytes() != path.read_bytes()


def test_benchmark_xlsx_holds_the_same_lines_as_the_csv(tmp_path):
    csv_path, xlsx_path = tmp_path / "lines.csv", tmp_path / "lines.xlsx"
    csv_totals = write_invoice_lines(csv_path, lines=3_000, fmt="csv", seed=5)
    xlsx_totals = write_invoice_lines(xlsx_path, lines=3_000, fmt="xlsx", seed=5)
    assert csv_totals == xlsx_totals
    from_csv = pd.read_csv(csv_path, keep_default_na=False)
    for engine in ("openpyxl", "calamine"):
        from_xlsx = pd.read_excel(xlsx_path, engine=engine, keep_default_na=False)
        assert list(from_xlsx.columns) == list(COLUMNS)
        assert pd.api.types.is_datetime64_any_dtype(from_xlsx["Invoice Date"])  # real date cells
        assert (from_xlsx["Invoice Date"].dt.strftime("%d-%m-%Y") == from_csv["Invoice Date"]).all()
        for column in COLUMNS:
            if column != "Invoice Date":
                assert from_xlsx[column].tolist() == from_csv[column].tolist(), (engine, column)
    again = tmp_path / "again.xlsx"
    write_invoice_lines(again, lines=3_000, fmt="xlsx", seed=5)
    assert again.read_bytes() == xlsx_path.read_bytes()


def test_cardinalities_scale_with_the_file():
    million = cardinalities(1_000_000)
    assert (million.invoices, million.customers, million.products) == (200_000, 5_000, 2_000)
    assert (million.states, million.salespersons, million.branches) == (30, 50, 10)
    small = cardinalities(1_000)
    assert small.invoices == 200 and small.customers >= 10 and small.states >= 5
    with pytest.raises(ValueError, match="xlsx"):
        write_invoice_lines(Path("never-written.xlsx"), lines=2_000_000, fmt="xlsx")


def test_cli_writes_the_file_and_reports(tmp_path):
    out = tmp_path / "cli.csv"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate_lines.py"), "--lines", "500", "--format", "csv", "--out",
         str(out), "--seed", "9"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )  # fmt: skip
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith(str(out)) and f"{out.stat().st_size:,} bytes" in first_line
    assert re.search(r"\d+\.\d\d s$", first_line)
    assert len(pd.read_csv(out)) == 500
