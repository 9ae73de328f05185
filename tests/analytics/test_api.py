"""The figures' API answers what the pages show, from the same catalogue: KPIs with comparisons, series by any
grain, breakdowns by any dimension, customers and products; with the pages' filters, and a 400 naming the
parameter for a malformed one."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from analytics import catalogue
from analytics.dashboard import dashboard_for
from analytics.pages import overview
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

ROWS = [["Invoice No", "Date", "Customer", "Item", "Product Line", "Branch", "Qty", "Amount"],
        ["A-1", "02/04/2025", "Acme", "Fan", "Fans", "Pune", "2", "1000.10"],
        ["A-1", "02/04/2025", "Acme", "Lamp", "Lighting", "Pune", "4", "200.20"],
        ["B-7", "09/05/2025", "Beta", "Fan", "Fans", "Mumbai", "1", "300.00"],
        ["C-2", "11/05/2024", "Acme", "Fan", "Fans", "Pune", "1", "500.00"]]  # fmt: skip
PERIOD = {"from": "2025-04-01", "to": "2025-05-31"}


def _data(response) -> dict:
    body = json.loads(response.content)
    assert set(body) == {"data", "error", "metadata"}
    assert body["metadata"]["requestId"] == response["X-Request-ID"]
    return body


@pytest.fixture
def company_with_sales(make_company):
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes(ROWS), "sales.csv")
    return company


def test_kpis_match_the_overview_cards_with_both_comparisons(company_with_sales, api_client):
    company = company_with_sales
    response = api_client(company).get("/api/v1/kpis/", PERIOD)
    assert response.status_code == 200, response.content
    body = _data(response)
    kpis = {row["measure"]: row for row in body["data"]}
    with tenant_context(company):
        cards = {c.key: c for c in overview.cards(dashboard_for(company, PERIOD, today=date(2026, 1, 1)).scope)}
    assert kpis["revenue"]["value"] == "1500.30" == f"{cards['revenue'].value:.2f}"
    assert kpis["orders"]["value"] == 2 == cards["orders"].value
    assert kpis["customers"]["value"] == 2
    assert kpis["revenue"]["yearAgo"] == "500.00" and kpis["revenue"]["changeVsYearAgo"] == "2.0006"
    assert body["metadata"]["period"] == {"from": "2025-04-01", "to": "2025-05-31"}
    assert body["metadata"]["comparisons"]["yearAgo"] == {"from": "2024-04-01", "to": "2024-05-31"}
    assert body["error"] is None


def test_every_catalogue_measure_is_served_with_no_code_of_its_own(company_with_sales, api_client):
    keys = ",".join(catalogue.MEASURES)
    body = _data(api_client(company_with_sales).get("/api/v1/kpis/", {**PERIOD, "measures": keys}))
    assert [row["measure"] for row in body["data"]] == list(catalogue.MEASURES)
    assert {row["measure"]: row["value"] for row in body["data"]}["quantity"] == "7"


def test_series_and_breakdowns_add_up_to_the_kpis(company_with_sales, api_client):
    client = api_client(company_with_sales)
    series = _data(client.get("/api/v1/series/", {**PERIOD, "grain": "month", "measures": "revenue,orders"}))["data"]
    assert [(row["period"], row["revenue"], row["orders"]) for row in series] == [
        ("2025-04-01", "1200.30", 1), ("2025-05-01", "300.00", 1)
    ]  # fmt: skip
    lines = _data(client.get("/api/v1/breakdowns/product_line/", {**PERIOD, "measures": "revenue"}))["data"]
    assert [(row["value"], row["revenue"]) for row in lines] == [("Fans", "1300.10"), ("Lighting", "200.20")]
    top = _data(client.get("/api/v1/breakdowns/branch/", {**PERIOD, "top": 1}))["data"]
    assert [row["value"] for row in top] == ["Pune"]
    customers = _data(client.get("/api/v1/customers/", {**PERIOD, "sort": "revenue", "order": "asc"}))["data"]
    assert [(row["label"], row["revenue"]) for row in customers] == [("Beta", "300.00"), ("Acme", "1200.30")]
    products = _data(client.get("/api/v1/products/", PERIOD))["data"]
    assert sum(Decimal(row["revenue"]) for row in products) == Decimal("1500.30")


def test_filters_narrow_and_unknown_values_give_an_empty_answer_not_an_error(company_with_sales, api_client):
    client = api_client(company_with_sales)
    pune = _data(client.get("/api/v1/kpis/", {**PERIOD, "branch": "Pune", "measures": "revenue"}))["data"][0]
    assert pune["value"] == "1200.30"
    seed_names = {"startDate": "2025-04-01", "endDate": "2025-05-31", "productLine": "Lighting", "measures": "revenue"}
    seed = _data(client.get("/api/v1/kpis/", seed_names))["data"][0]
    assert seed["value"] == "200.20"
    nowhere = client.get("/api/v1/breakdowns/state/", {**PERIOD, "branch": "Atlantis"})
    assert nowhere.status_code == 200 and _data(nowhere)["data"] == []


@pytest.mark.parametrize(
    ("query", "path", "parameter"),
    [
        ({"from": "2025-13-01"}, "/api/v1/kpis/", "from"),
        ({"from": "2025-05-01", "to": "2025-04-01"}, "/api/v1/kpis/", "to"),
        ({"preset": "someday"}, "/api/v1/kpis/", "preset"),
        ({"measures": "revenue,happiness"}, "/api/v1/kpis/", "measures"),
        ({"grain": "fortnight"}, "/api/v1/series/", "grain"),
        ({"limit": "5000"}, "/api/v1/customers/", "limit"),
        ({"top": "-1"}, "/api/v1/breakdowns/branch/", "top"),
        ({"sort": "orders", "measures": "revenue"}, "/api/v1/breakdowns/branch/", "sort"),
        ({}, "/api/v1/breakdowns/galaxy/", "dimension"),
        ({"measures": "new_customers"}, "/api/v1/breakdowns/branch/", "measures"),
    ],
)
def test_a_malformed_parameter_is_a_400_that_names_it(company_with_sales, api_client, query, path, parameter):
    response = api_client(company_with_sales).get(path, query)
    assert response.status_code == 400, response.content
    body = _data(response)
    assert body["data"] is None and body["error"]["parameter"] == parameter
    assert body["error"]["code"] == "invalid_parameter" and parameter in body["error"]["message"]


def test_lists_answer_as_csv_and_xlsx_for_excel_and_power_bi(company_with_sales, api_client):
    client = api_client(company_with_sales)
    response = client.get("/api/v1/series/", {**PERIOD, "measures": "revenue,orders", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["period"], row["revenue"]) for row in rows] == [("2025-04-01", "1200.30"), ("2025-05-01", "300.00")]
    response = client.get("/api/v1/breakdowns/product_line/", {**PERIOD, "format": "xlsx", "measures": "revenue"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("value", "label", "revenue") and values[1][2] == 1300.1
    bad = client.get("/api/v1/series/", {"grain": "nope", "format": "csv"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/json")
