"""`kpis --by DIMENSION`: the `kpis --json` figures for each value of a dimension, checked against sums worked
out here from the very rows the test uploads (in Decimal), and against the `kpis --json` totals they add up to."""

from __future__ import annotations

import io
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import tenant_context

from analytics import selectors
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Invoice Date", "Customer", "Salesperson", "Branch", "State", "Product", "Product Line",
          "Qty", "Rate", "Taxable Value", "GST %", "Status"]  # fmt: skip
PRODUCTS = {"Copper Wire": "Cables", "PVC Cable": "Cables", "MCB 16A": "Switchgear", "LED Panel": "Lighting",
            "Ceiling Fan": "Fans"}  # fmt: skip
CUSTOMERS = ["Kaveri Cables", "Pune Electricals", "Chennai Power", "Sharma Traders", "Deccan Lights", ""]
SALESPEOPLE = ["Ravi", "Asha", "Meena", ""]
FIRST_DAY, LAST_DAY = date(2024, 3, 20), date(2025, 5, 10)


@dataclass(frozen=True)
class Row:
    invoice: str
    day: date
    customer: str
    salesperson: str
    branch: str
    state: str
    product: str
    amount: Decimal
    cancelled: bool

    @property
    def product_line(self) -> str:
        return PRODUCTS[self.product]


def generate(seed: int = 16, invoices: int = 160) -> list[Row]:
    """Invoices of one to three lines; a line's product line varies within an invoice, its salesperson, branch,
    state and customer do not (they are the order's). Some salespeople and customers are not given, and about
    one invoice in ten is cancelled."""
    draw = random.Random(seed)
    days = (LAST_DAY - FIRST_DAY).days
    rows = []
    for n in range(invoices):
        day = FIRST_DAY + timedelta(days=draw.randint(0, days))
        order = dict(invoice=f"T-{n}", day=day, customer=draw.choice(CUSTOMERS), salesperson=draw.choice(SALESPEOPLE),
                     branch=draw.choice(["Pune", "Mumbai", "Nagpur"]),
                     state=draw.choice(["Maharashtra", "Karnataka", "Tamil Nadu"]),
                     cancelled=draw.random() < 0.1)  # fmt: skip
        for product in draw.sample(sorted(PRODUCTS), draw.randint(1, 3)):
            amount = Decimal(draw.randint(1_00, 250_000_00)) / 100
            rows.append(Row(product=product, amount=amount, **order))
    rows.append(Row("T-LAST", LAST_DAY, "Kaveri Cables", "Ravi", "Pune", "Maharashtra", "LED Panel", Decimal(1), False))
    return rows


def upload_bytes(rows: list[Row]) -> bytes:
    return csv_bytes([HEADER] + [
        [r.invoice, f"{r.day:%d/%m/%Y}", r.customer, r.salesperson, r.branch, r.state, r.product, r.product_line, "1",
         str(r.amount), str(r.amount), "18", "Cancelled" if r.cancelled else "Invoiced"]
        for r in rows
    ])  # fmt: skip


@pytest.fixture
def company(make_company):
    company, _ = make_company("kpisby", home_state="27")
    rows = generate()
    with tenant_context(company):
        job = load(upload_bytes(rows), "lines.csv")
    assert job.status == "succeeded" and job.rows_loaded == len(rows), job.error
    return company, rows


def kpis_json(company, *args: str) -> dict:
    out = io.StringIO()
    call_command("kpis", "--company", company.subdomain, "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def kpis_by(company, dimension: str, *args: str) -> list[dict]:
    out = io.StringIO()
    call_command("kpis", "--company", company.subdomain, "--by", dimension, *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def truth(rows: list[Row], key) -> dict:
    """The figures per value of key(row), from the rows themselves: sums in Decimal, distinct orders and named
    customers per value, every row in lines_total."""
    figures = defaultdict(lambda: {"revenue": Decimal(0), "orders": set(), "customers": set(), "lines": 0,
                                   "lines_total": 0})  # fmt: skip
    for row in rows:
        cell = figures[key(row)]
        cell["lines_total"] += 1
        if not row.cancelled:
            cell["revenue"] += row.amount
            cell["orders"].add((row.invoice, row.day, row.customer))
            cell["lines"] += 1
            if row.customer:
                cell["customers"].add(row.customer)
    return {
        value: {"revenue": f"{cell['revenue']:.2f}", "orders": len(cell["orders"]), "customers": len(cell["customers"]),
                "lines": cell["lines"], "lines_total": cell["lines_total"]}
        for value, cell in figures.items()
    }  # fmt: skip


def measured(objects: list[dict], dimension: str) -> dict:
    keys = ("revenue", "orders", "customers", "lines", "lines_total")
    return {obj[dimension]: {key: obj[key] for key in keys} for obj in objects}


def total(objects: list[dict], key: str) -> Decimal:
    return sum((Decimal(obj[key]) for obj in objects), Decimal(0))


def test_per_salesperson_figures_equal_the_sums_of_the_uploaded_rows(company):
    company, rows = company

    objects = kpis_by(company, "salesperson")

    assert measured(objects, "salesperson") == truth(rows, lambda row: row.salesperson or None)
    named = {obj["salesperson"]: obj["label"] for obj in objects}
    assert named == {"Ravi": "Ravi", "Asha": "Asha", "Meena": "Meena", None: "(not given)"}
    revenues = [Decimal(obj["revenue"]) for obj in objects]
    assert revenues == sorted(revenues, reverse=True)
    assert set(objects[0]) == {"salesperson", "label", *kpis_json(company)}


@pytest.mark.parametrize("dimension", ["salesperson", "branch", "product_line", "state", "customer", "product"])
def test_values_add_up_to_the_kpis_totals_and_count_orders_and_customers_within_each(company, dimension):
    company, rows = company
    totals = kpis_json(company)

    objects = kpis_by(company, dimension)

    for key in ("revenue", "gross_profit", "cgst", "sgst", "igst"):
        if totals[key] is not None:
            assert total(objects, key) == Decimal(totals[key]), key
    assert sum(obj["lines"] for obj in objects) == totals["lines"]
    assert sum(obj["lines_total"] for obj in objects) == totals["lines_total"] == len(rows)
    # Orders and customers are distinct within each value: never more than the whole, and an order that spans
    # product lines or a customer buying from two salespeople counts under each.
    assert max(obj["orders"] for obj in objects) <= totals["orders"] <= sum(obj["orders"] for obj in objects)
    assert max(obj["customers"] for obj in objects) <= totals["customers"]
    for obj in objects:
        assert obj["aov"] == (
            f"{(Decimal(obj['revenue']) / obj['orders']).quantize(Decimal('0.01'))}" if obj["orders"] else "0.00"
        )


def test_product_lines_and_customers_against_the_rows(company):
    company, rows = company

    lines = kpis_by(company, "product_line")
    customers = kpis_by(company, "customer")

    assert measured(lines, "product_line") == truth(rows, lambda row: row.product_line)
    assert sum(obj["orders"] for obj in lines) > kpis_json(company)["orders"]  # invoices span product lines
    by_name = {obj["label"]: {k: v for k, v in obj.items() if k in ("revenue", "orders", "customers", "lines",
                                                                    "lines_total")} for obj in customers}  # fmt: skip
    assert by_name == {name or "(not given)": figures for name, figures in truth(rows, lambda r: r.customer).items()}
    walk_in = next(obj for obj in customers if obj["label"] == "(not given)")
    assert walk_in["customer"] is None and walk_in["customers"] == 0 and walk_in["orders"] > 0


def test_from_and_to_limit_every_value(company):
    company, rows = company
    start, end = date(2024, 6, 15), date(2024, 11, 20)
    inside = [row for row in rows if start <= row.day <= end]

    objects = kpis_by(company, "salesperson", "--from", "2024-06-15", "--to", "2024-11-20")
    months = kpis_by(company, "month", "--from", "2024-06-15", "--to", "2024-11-20")

    assert measured(objects, "salesperson") == truth(inside, lambda row: row.salesperson or None)
    totals = kpis_json(company, "--from", "2024-06-15", "--to", "2024-11-20")
    assert total(objects, "revenue") == Decimal(totals["revenue"]) < Decimal(kpis_json(company)["revenue"])
    assert [obj["month"] for obj in months] == [f"2024-{m:02d}-01" for m in range(6, 12)]
    assert measured(months, "month") == truth(inside, lambda row: f"{row.day:%Y-%m}-01")
    # The first and last months are cut to the period: customers are counted within the cut too.
    assert sum(obj["orders"] for obj in months) == totals["orders"]


def test_months_in_time_order_and_adding_up(company):
    company, rows = company
    totals = kpis_json(company)

    months = kpis_by(company, "month")

    assert [obj["month"] for obj in months] == sorted({f"{row.day:%Y-%m}-01" for row in rows})
    assert months[0]["label"] == "Mar 2024" and months[-1]["label"] == "May 2025"
    assert measured(months, "month") == truth(rows, lambda row: f"{row.day:%Y-%m}-01")
    for key in ("revenue", "cgst", "sgst", "igst"):
        assert total(months, key) == Decimal(totals[key])
    assert sum(obj["orders"] for obj in months) == totals["orders"]  # an order is on one day


@pytest.mark.parametrize(
    ("dimension", "of_row", "first_label"),
    [
        ("day", lambda row: row.day.isoformat(), "20 Mar 2024"),
        ("week", lambda row: (row.day - timedelta(days=row.day.weekday())).isoformat(), "w/c 18 Mar 2024"),
        ("quarter", lambda row: date(row.day.year, (row.day.month - 1) // 3 * 3 + 1, 1).isoformat(), "Q4 FY 2023-24"),
        ("fiscal_year", lambda row: f"{row.day.year - (row.day.month < 4)}-04-01", "FY 2023-24"),
    ],
)
def test_other_periods(company, dimension, of_row, first_label):
    company, rows = company

    objects = kpis_by(company, dimension)

    assert [obj[dimension] for obj in objects] == sorted({of_row(row) for row in rows})
    assert measured(objects, dimension) == truth(rows, of_row)
    assert objects[0]["label"] == first_label


def test_rollups_and_the_lines_give_the_same_figures(company):
    company, _rows = company
    with tenant_context(company):
        for dimension in selectors.BY_DIMENSIONS:
            for period in ({}, {"date_from": date(2024, 5, 17), "date_to": date(2025, 2, 3)}):
                from_rollups = [obj.as_json() for obj in selectors.kpis_by(dimension, **period)]
                from_lines = [obj.as_json() for obj in selectors.kpis_by(dimension, from_lines=True, **period)]
                assert from_rollups == from_lines, (dimension, period)


def test_exact_before_rounding(company):
    company, _rows = company
    with tenant_context(company):
        whole = selectors.kpis()
        for dimension in ("salesperson", "product", "week"):
            parts = selectors.kpis_by(dimension)
            assert sum((part.figures.revenue for part in parts), Decimal(0)) == whole.revenue
            assert sum((part.figures.gst for part in parts), Decimal(0)) == whole.gst


def test_an_unknown_dimension_is_an_error_naming_the_valid_ones(company):
    company, _rows = company

    with pytest.raises(CommandError) as raised:
        kpis_by(company, "colour")

    assert "colour" in str(raised.value)
    for name in ("salesperson", "branch", "product_line", "customer", "month", "fiscal_year"):
        assert name in str(raised.value)


def test_periods_without_sales(company):
    company, _rows = company

    assert kpis_by(company, "salesperson", "--from", "2030-01-01") == []
    assert kpis_json(company, "--from", "2030-01-01")["revenue"] == "0.00"
    with pytest.raises(CommandError, match="before"):
        kpis_by(company, "month", "--from", "2024-06-01", "--to", "2024-05-01")
