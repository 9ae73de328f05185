"""Correlation: a company whose product lines we planted over 24 months: Wires' monthly revenue follows Cables',
Fans' is drawn on its own, Panels sold in four months only. The matrix gives numpy's Pearson r on the planted
monthly sums, blanks where two lines share too few months, and says that correlation is not cause. A customer who
buys less in the months they pay more shows it in the price-and-quantity matrix; one who bought three times is
blank."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from django_tenants.utils import tenant_context

from analytics import correlation
from analytics.dashboard import dashboard_for
from tests.ingestion.test_pipeline import csv_bytes, load

HEADER = ["Invoice No", "Invoice Date", "Customer", "State", "Product", "Product Line", "Qty", "Rate",
          "Taxable Value", "GST %"]  # fmt: skip
MONTHS = [(2024 + i // 12, i % 12 + 1) for i in range(24)]
PERIOD = {"from": "2024-01-01", "to": "2025-12-31"}
CENT = Decimal("0.01")


def planted() -> list[tuple]:
    """(year, month, customer, product, line, quantity, rate) rows."""
    draw = random.Random(7)
    rows = []
    for index, (year, month) in enumerate(MONTHS):
        # Sharma buys cable by the metre, fewer metres in the months the price is up.
        price = Decimal(draw.uniform(90, 110)).quantize(CENT)
        metres = max(1, round(2000 - 15 * float(price) + draw.gauss(0, 40)))
        rows.append((year, month, "Sharma Electricals", "Copper cable", "Cables", metres, price))
        cables = (price * metres).quantize(CENT)
        # Wires: 80% of Cables' month plus a little noise, so the two move together.
        wires = (cables * Decimal("0.8") + Decimal(draw.randrange(-1000, 1000))).quantize(CENT)
        rows.append((year, month, "Kaveri Cables", "PVC wire", "Wires", 1, wires))
        # Fans: drawn on their own.
        rows.append((year, month, "Patel Traders", "Ceiling fan", "Fans", 1, Decimal(draw.randrange(50000, 150000))))
        if index < 3:  # Ravi bought fans three times only
            rows.append((year, month, "Ravi Traders", "Ceiling fan", "Fans", 2, Decimal(draw.randrange(2000, 2600))))
        if index in (2, 9, 15, 20):  # Panels sold in four months
            rows.append((year, month, "Delta Power", "Panel board", "Panels", 1, Decimal(draw.randrange(9000, 20000))))
    return rows


def _csv(rows) -> bytes:
    lines = [HEADER]
    for number, (year, month, customer, product, line, quantity, rate) in enumerate(rows):
        amount = (rate * quantity).quantize(CENT, ROUND_HALF_UP)
        lines.append([f"INV-{number}", f"15/{month:02d}/{year}", customer, "Kerala", product, line, quantity, rate,
                      amount, "18"])  # fmt: skip
    return csv_bytes(lines)


def line_months(rows) -> dict[str, dict[tuple, Decimal]]:
    sums: dict[str, dict[tuple, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for year, month, _customer, _product, line, quantity, rate in rows:
        sums[line][(year, month)] += (rate * quantity).quantize(CENT, ROUND_HALF_UP)
    return sums


def numpy_r(first: dict, second: dict) -> float:
    common = sorted(first.keys() & second.keys())
    return float(np.corrcoef([float(first[m]) for m in common], [float(second[m]) for m in common])[0, 1])


@pytest.fixture
def company(make_company):
    company, owner = make_company()
    with tenant_context(company):
        job = load(_csv(planted()), "lines.csv")
        assert job.status == "succeeded", job.error or job.messages
    return company, owner


def test_line_revenue_matrix_is_numpys_pearson_on_the_planted_months(company):
    company, _ = company
    truth = line_months(planted())
    with tenant_context(company):
        matrix = correlation.line_revenue(dashboard_for(company, PERIOD).scope)
        from_lines = correlation.line_revenue(dashboard_for(company, PERIOD, from_lines=True).scope)
    assert set(matrix.rows) == {"Cables", "Wires", "Fans", "Panels"}
    for first in ("Cables", "Wires", "Fans"):
        for second in ("Cables", "Wires", "Fans"):
            assert matrix.cell(first, second) == pytest.approx(numpy_r(truth[first], truth[second]), abs=1e-9)
    assert matrix.cell("Cables", "Wires") > 0.9
    assert abs(matrix.cell("Cables", "Fans")) < 0.5
    # Panels share four months with every line, itself included: too few to say anything, so blank.
    assert all(matrix.cell("Panels", line) is None for line in matrix.columns)
    assert all(matrix.cell(line, "Panels") is None for line in matrix.rows)
    assert matrix.months[matrix.rows.index("Panels")][matrix.columns.index("Cables")] == 4
    assert from_lines.values == matrix.values


def test_customer_price_against_quantity(company):
    company, _ = company
    rows = planted()
    price, quantity = {}, {}
    for year, month, customer, _product, _line, qty, rate in rows:
        if customer == "Sharma Electricals":
            price[(year, month)], quantity[(year, month)] = rate, qty
    with tenant_context(company):
        scope = dashboard_for(company, PERIOD).scope
        customers = correlation.biggest_customers(scope)
        matrix = correlation.customer_price_quantity(scope, customers)
    names = dict(customers)
    sharma = next(key for key, name in names.items() if name == "Sharma Electricals")
    ravi = next(key for key, name in names.items() if name == "Ravi Traders")
    assert matrix.cell(sharma, "Cables") == pytest.approx(numpy_r(price, quantity), abs=1e-9)
    assert matrix.cell(sharma, "Cables") < -0.5
    assert matrix.cell(ravi, "Fans") is None  # three months
    # Patel and Kaveri bought one unit a month at the month's amount: price moves, quantity never does.
    patel = next(key for key, name in names.items() if name == "Patel Traders")
    assert matrix.cell(patel, "Fans") is None


def test_pricing_page_and_api_show_the_matrix_with_the_warning(company, company_client, api_client):
    company, owner = company
    client = company_client(company, owner)
    response = client.get("/pricing/", PERIOD)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Product lines&#x27; monthly revenue: correlation" in text or "Product lines' monthly revenue" in text
    assert text.count(correlation.WARNING.split(":")[0]) >= 2  # on both matrices' panels
    download = client.get("/pricing/", {**PERIOD, "download": "line_correlation", "format": "csv"})
    table = download.content.decode("utf-8-sig").splitlines()
    header = table[0].split(",")
    panels_row = next(row for row in table if row.startswith("Panels")).split(",")
    assert panels_row[1:] == [""] * (len(header) - 1)  # blank, not noise

    api = api_client(company)
    body = json.loads(api.get("/api/v1/correlations/", PERIOD).content)
    assert body["data"]["warning"].startswith("Correlation is not cause")
    lines = body["data"]["productLines"]
    keys = [row["key"] for row in lines["rows"]]
    truth = line_months(planted())
    cell = lines["values"][keys.index("Cables")][keys.index("Wires")]
    assert Decimal(cell) == Decimal(repr(numpy_r(truth["Cables"], truth["Wires"]))).quantize(Decimal("0.0001"))
    wrong = api.get("/api/v1/correlations/", {"customers": "0"})
    assert wrong.status_code == 400 and json.loads(wrong.content)["error"]["parameter"] == "customers"
