"""Cost of goods sold, a catalogue measure beside gross profit (the overview's card, `kpis --json`, the API), and
each branch's gross profit and margin by month on the People page, against sums worked out here from the planted
lines."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from analytics.dashboard import dashboard_for
from analytics.pages import PAGES
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Invoice Date", "Customer", "Branch", "Product", "Qty", "Taxable Value", "Cost"]
# (invoice, day, customer, branch, product, qty, taxable, cost or '')
LINES = [
    ("C-1", "2025-04-02", "Kaveri Cables", "Pune", "Ceiling Fan", "4", "8000.00", "5600.40"),
    ("C-2", "2025-04-10", "Ravi Traders", "Pune", "LED Bulb", "50", "3000.00", ""),  # no cost
    ("C-3", "2025-04-21", "Asha Stores", "Mumbai", "Copper Wire", "100", "4500.00", "3900.10"),
    ("C-4", "2025-05-05", "Kaveri Cables", "Pune", "Wall Switch", "30", "900.00", "610.25"),
    ("C-5", "2025-05-18", "Asha Stores", "Mumbai", "LED Bulb", "20", "1250.25", ""),  # Mumbai's May: no cost
    ("C-6", "2025-05-30", "Ravi Traders", "Pune", "Ceiling Fan", "2", "4100.00", "2800.00"),
]
QUERY = {"from": "2025-04-01", "to": "2025-05-31"}


def _csv(lines) -> bytes:
    return csv_bytes([HEADER, *[[n, f"{d[8:]}/{d[5:7]}/{d[:4]}", *rest] for n, d, *rest in lines]])


def planted_cogs(lines) -> Decimal:
    return sum((Decimal(line[7]) for line in lines if line[7]), Decimal(0))


@pytest.fixture
def company(make_company):
    company, owner = make_company("cogs", home_state="27")
    with tenant_context(company):
        job = load(_csv(LINES), "sales.csv")
        assert job.status == "succeeded", job.error
        yield company, owner


def test_cogs_is_the_cost_of_the_costed_lines_on_the_card_in_kpis_and_the_api(company, api_client):
    company, _owner = company
    cogs = planted_cogs(LINES)
    gross_profit = sum((Decimal(line[6]) - Decimal(line[7]) for line in LINES if line[7]), Decimal(0))

    card = next(card for card in PAGES["overview"][1](dashboard_for(company, QUERY)).cards if card.key == "cogs")
    assert card.value == cogs and card.label == "Cost of goods sold"

    out = io.StringIO()
    call_command("kpis", "--company", company.subdomain, "--json", "--from", QUERY["from"], "--to", QUERY["to"],
                 stdout=out)  # fmt: skip
    figures = json.loads(out.getvalue())
    assert Decimal(figures["cogs"]) == cogs and Decimal(figures["gross_profit"]) == gross_profit

    response = api_client(company).get("/api/v1/kpis/", {**QUERY, "measures": "cogs,gross_profit"})
    assert response.status_code == 200, response.content
    values = {row["measure"]: row["value"] for row in response.json()["data"]}
    assert values == {"cogs": f"{cogs:.2f}", "gross_profit": f"{gross_profit:.2f}"}


def test_without_any_cost_there_is_no_cogs_card(make_company):
    company, _owner = make_company("nocost", home_state="27")
    with tenant_context(company):
        load(_csv([(*line[:7], "") for line in LINES]), "sales.csv")
        cards = {card.key for card in PAGES["overview"][1](dashboard_for(company, QUERY)).cards}
    assert "revenue" in cards and "cogs" not in cards and "gross_profit" not in cards


def test_branches_over_time_give_each_branchs_gross_profit_and_margin_by_month(company):
    company, _owner = company
    expected: dict = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])  # revenue, gross profit, costed
    for _n, day, _customer, branch, _product, _qty, taxable, cost in LINES:
        month = {"04": "Apr 2025", "05": "May 2025"}[day[5:7]]
        cell = expected[(month, branch)]
        cell[0] += Decimal(taxable)
        if cost:
            cell[1] += Decimal(taxable) - Decimal(cost)
            cell[2] += Decimal(taxable)

    panel = PAGES["people"][1](dashboard_for(company, QUERY)).panel("branch_profit")
    shown = {(row[0], row[1]): row[2:] for row in panel.table.rows}
    assert shown.keys() == expected.keys()
    for key, (revenue, profit, costed) in expected.items():
        assert shown[key][0] == revenue
        if costed:
            assert shown[key][1] == profit and shown[key][2] == profit / costed
        else:  # a branch-month without a costed line has no gross profit, rather than a zero
            assert shown[key][1] is None and shown[key][2] is None
    assert shown[("May 2025", "Mumbai")][1] is None
    assert panel.figure and {trace["name"] for trace in panel.figure["data"]} == {"Pune", "Mumbai"}
