"""The item master: stock items give sales lines their product line and, from the unit cost, their cost."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from analytics.data_quality import cost_sources
from analytics.selectors import kpis
from ingestion.etl import mapping
from ingestion.models import Kind, Product, SalesLine
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

SALES_HEADER = ["Invoice No", "Invoice Date", "Customer", "Product", "Qty", "Taxable Value"]
SALES = [
    SALES_HEADER,
    ["S-1", "01/04/2024", "Sharma Electricals", "Ceiling Fan 1200mm", "3", "5400"],
    ["S-1", "01/04/2024", "Sharma Electricals", "LED  Bulb 9W", "10", "1200"],
    ["S-2", "02/04/2024", "Patel Traders", "ceiling fan 1200MM", "2.5", "4500"],
    ["S-3", "03/04/2024", "Patel Traders", "Copper Wire 1.5 sq mm", "", "800"],  # no quantity: no cost
    ["S-4", "03/04/2024", "Patel Traders", "Unknown Item", "1", "100"],  # not in the master
]
WITH_OWN_COST = [
    [*SALES_HEADER, "Cost"],
    ["S-9", "05/04/2024", "Rao & Sons", "LED Bulb 9W", "4", "480", "300"],  # the file's cost wins
]


def stock_items(fan_cost: str = "1234.5678", bulb_cost: str = "61.25") -> list[list[object]]:
    """Tally's List of Stock Items: a title block, then Name of Item, Under, Units, HSN/SAC, GST Rate, Rate/Cost."""
    return [
        ["Elettro Demo Traders"],
        ["List of Stock Items"],
        ["1-Apr-2024 to 31-Mar-2025"],
        [],
        ["Name of Item", "Under", "Units", "HSN/SAC", "GST Rate", "Rate/Cost"],
        ["Ceiling Fan 1200mm", "Fans", "Nos", "8414", "18%", fan_cost],
        ["LED Bulb 9W", "Lighting", "Nos", "8539", "12%", bulb_cost],
        ["Copper Wire 1.5 sq mm", "Wires", "Mtr", "8544", "18%", "7.5"],
    ]


@pytest.fixture
def company(make_company):
    company, _ = make_company("items", home_state="27")
    with tenant_context(company):
        yield company


def upload_items(build_xlsx, rows, name="stock-items.xlsx"):
    return load(build_xlsx({"Stock Items": rows}, name=name).read_bytes(), name, kind=Kind.ITEMS)


def costs() -> dict[str, tuple[Decimal | None, bool]]:
    return {
        f"{line.invoice_number}/{line.product_name}": (line.cost, line.cost_from_master)
        for line in SalesLine.objects.all()
    }


def test_item_fields_map_a_tally_list_and_a_stock_summary():
    tally = ["Name of Item", "Under", "Units", "HSN/SAC", "GST Rate", "Rate/Cost"]
    assert mapping.auto_map(tally, "items") == {
        "name": "Name of Item", "product_line": "Under", "unit": "Units", "hsn": "HSN/SAC", "gst_rate": "GST Rate",
        "unit_cost": "Rate/Cost",
    }  # fmt: skip
    # Stock Summary: "Closing Balance" over "Quantity | Rate | Value": the rate is a unit cost, the value is not.
    summary = ["Particulars", "Closing Balance Quantity", "Closing Balance Rate", "Closing Balance Value"]
    assert mapping.auto_map(summary, "items") == {"name": "Particulars", "unit_cost": "Closing Balance Rate"}
    assert mapping.auto_map(["Item Code", "Stock Group", "UOM", "Standard Cost"], "items") == {
        "code": "Item Code", "product_line": "Stock Group", "unit": "UOM", "unit_cost": "Standard Cost",
    }  # fmt: skip


def test_an_item_master_costs_lines_loaded_before_and_after_it(company, build_xlsx):
    load(csv_bytes(SALES), "sales.csv")
    load(csv_bytes(WITH_OWN_COST), "own-cost.csv")
    assert kpis().gross_profit == Decimal(480 - 300)  # only the line with its own cost has a profit yet

    job = upload_items(build_xlsx, stock_items())

    assert job.status == "succeeded", job.error
    assert job.rows_loaded == 3
    fan, bulb = Decimal("1234.5678"), Decimal("61.25")
    expected = {
        "S-1/Ceiling Fan 1200mm": ((fan * 3).quantize(Decimal("0.0001")), True),
        "S-1/LED Bulb 9W": ((bulb * 10).quantize(Decimal("0.0001")), True),
        "S-2/ceiling fan 1200MM": ((fan * Decimal("2.5")).quantize(Decimal("0.0001")), True),
        "S-3/Copper Wire 1.5 sq mm": (None, False),  # no quantity
        "S-4/Unknown Item": (None, False),
        "S-9/LED Bulb 9W": (Decimal("300"), False),  # the sales file's own cost is kept
    }
    assert costs() == expected
    lines = dict(SalesLine.objects.values_list("invoice_number", "product_line").filter(product_name__icontains="fan"))
    assert lines == {"S-1": "Fans", "S-2": "Fans"}
    assert SalesLine.objects.get(invoice_number="S-3").product_line == "Wires"
    item = Product.objects.get(key="ceiling fan 1200mm")
    assert (item.unit, item.hsn, item.gst_rate, item.unit_cost, item.from_master) == (
        "Nos", "8414", Decimal("18.00"), fan, True
    )  # fmt: skip

    revenue = Decimal(5400 + 1200 + 4500 + 800 + 100 + 480)
    total_cost = sum(cost for cost, _ in expected.values() if cost is not None)
    costed_revenue = Decimal(5400 + 1200 + 4500 + 480)
    figures = kpis()
    assert figures.revenue == revenue
    assert figures.gross_profit == costed_revenue - total_cost  # the dashboards follow the master
    assert cost_sources() == type(cost_sources())(lines=6, costed=4, from_master=3, from_file=1)

    # A later sales file is costed as it loads.
    later = [SALES_HEADER, ["S-10", "10/04/2024", "Sharma Electricals", "LED Bulb 9W", "7", "840"]]
    load(csv_bytes(later), "later.csv")
    line = SalesLine.objects.get(invoice_number="S-10")
    assert (line.cost, line.cost_from_master, line.product_line) == (bulb * 7, True, "Lighting")
    assert kpis().gross_profit == costed_revenue - total_cost + (Decimal(840) - bulb * 7)


def test_a_newer_master_recosts_only_the_lines_a_master_costed(company, build_xlsx):
    load(csv_bytes(SALES), "sales.csv")
    load(csv_bytes(WITH_OWN_COST), "own-cost.csv")
    upload_items(build_xlsx, stock_items())

    job = upload_items(build_xlsx, stock_items(bulb_cost="70"), name="stock-items-2.xlsx")

    assert job.status == "succeeded", job.error
    after = costs()
    assert after["S-1/LED Bulb 9W"] == (Decimal("700.0000"), True)
    assert after["S-9/LED Bulb 9W"] == (Decimal("300"), False)  # never the sales file's own cost
    assert after["S-1/Ceiling Fan 1200mm"] == (Decimal("3703.7034"), True)
    assert Product.objects.get(key="led bulb 9w").unit_cost == Decimal("70")
    assert kpis().gross_profit == Decimal(5400 + 1200 + 4500 + 480) - (
        Decimal("3703.7034") + Decimal("700") + Decimal("3086.4195") + Decimal("300")
    )


def test_items_meet_lines_by_code_when_both_have_one(company):
    sales = [["Invoice No", "Invoice Date", "Customer", "Item Code", "Product", "Qty", "Taxable Value"],
             ["C-1", "01/04/2024", "A", "FAN-12", "Fan (old name)", "2", "1000"],
             ["C-2", "01/04/2024", "A", "FAN-99", "Table Fan", "1", "900"]]  # fmt: skip
    items = [["Item Code", "Item Name", "Stock Group", "Cost"],
             ["fan-12", "Ceiling Fan", "Fans", "400"],
             ["FAN-77", "Table Fan", "Fans", "350"]]  # fmt: skip
    load(csv_bytes(sales), "sales.csv")

    job = load(csv_bytes(items), "items.csv", kind=Kind.ITEMS)

    assert job.status == "succeeded", job.error
    assert costs() == {"C-1/Fan (old name)": (Decimal("800.0000"), True), "C-2/Table Fan": (None, False)}


def test_an_item_list_without_a_name_or_code_column_loads_nothing(company):
    job = load(csv_bytes([["Under", "Units", "Rate"], ["Fans", "Nos", "100"]]), "items.csv", kind=Kind.ITEMS)

    assert job.status in ("failed", "mapping")
    assert "Item name or Item code" in job.error
    assert not Product.objects.exists()


def test_one_item_listed_twice_with_two_costs_is_refused(company):
    load(csv_bytes(SALES), "sales.csv")
    rows = [["Item Name", "Cost"], ["LED Bulb 9W", "61.25"], ["led bulb 9w", "65"], ["Ceiling Fan 1200mm", "1000"]]

    job = load(csv_bytes(rows), "items.csv", kind=Kind.ITEMS)

    assert job.status == "failed"
    assert "different costs" in job.error and "LED Bulb 9W" in job.error
    assert not Product.objects.filter(from_master=True).exists()
    assert not SalesLine.objects.filter(cost__isnull=False).exists()


def test_identical_duplicate_items_are_merged(company):
    rows = [["Item Name", "Cost"], ["LED Bulb 9W", "61.25"], ["LED Bulb 9W", "61.250"]]

    job = load(csv_bytes(rows), "items.csv", kind=Kind.ITEMS)

    assert job.status == "succeeded", job.error
    assert job.rows_loaded == 1 and job.set_aside == {"duplicate rows within the file (merged)": 1}
