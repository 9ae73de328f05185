"""The seed systems' API addresses answer as thin aliases of /api/v1/, with the parameters they were published
with: the same figures, the same envelope, the same refusals."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from tests.analytics.test_operations import load as load_erp
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

SALES = [["Invoice No", "Date", "Customer", "Item", "Product Line", "Branch", "Country", "Qty", "Amount"],
         ["A-1", "02/04/2025", "Acme", "Fan", "Fans", "Pune", "India", "2", "1000.10"],
         ["A-2", "14/06/2025", "Acme", "Lamp", "Lighting", "Pune", "India", "4", "200.20"],
         ["B-7", "09/08/2025", "Beta", "Fan", "Fans", "Mumbai", "Nepal", "1", "300.00"],
         ["C-1", "20/08/2025", "Gamma", "Fan", "Fans", "Mumbai", "India", "1", "50.00"]]  # fmt: skip
PURCHASES = [["PO No", "Vendor", "Item", "Qty", "Unit", "Unit Price", "Amount", "Order Date", "Expected Delivery",
              "Received Date", "Received Qty", "Status"],
             ["PO-1", "Havells", "Fan", "10", "Nos", "100", "1000", "01/04/2025", "10/04/2025", "15/04/2025", "10",
              "Received"],
             ["PO-2", "Polycab", "Wire", "5", "Coil", "20", "100", "02/05/2025", "09/05/2025", "", "",
              "Pending"]]  # fmt: skip


def _body(response) -> dict:
    body = json.loads(response.content)
    assert set(body) == {"data", "error", "metadata"}, body
    return body


@pytest.fixture
def company(make_company):
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes(SALES), "sales.csv")
        load_erp(csv_bytes(PURCHASES), "purchase.csv", kind="purchase")
    return company


def test_each_seed_figure_address_answers_as_its_v1_resource(company, api_client):
    client = api_client(company)
    pairs = [
        ("/api/kpis", "/api/v1/kpis/", {}),
        ("/api/sales-over-time", "/api/v1/series/", {"grain": "month"}),
        ("/api/monthly-trends", "/api/v1/series/", {"grain": "month"}),
        ("/api/sales-by-category", "/api/v1/breakdowns/product_line/", {}),
        ("/api/sales-by-country", "/api/v1/breakdowns/country/", {}),
        ("/api/top-customers", "/api/v1/customers/", {"limit": "10"}),
        ("/api/summary", "/api/v1/operations/", {}),
        ("/api/department/purchase", "/api/v1/departments/purchase/", {}),
    ]
    for seed, v1, extra in pairs:
        old, new = client.get(seed), client.get(v1, extra)
        assert old.status_code == new.status_code == 200, (seed, old.content)
        assert _body(old)["data"] == _body(new)["data"], seed


def test_the_seed_parameters_mean_what_they_meant(company, api_client):
    client = api_client(company)
    quarters = _body(client.get("/api/sales-over-time", {"period": "quarterly"}))["data"]
    assert [(row["label"], row["revenue"]) for row in quarters] == [("Q1 FY 2025-26", "1200.30"),
                                                                   ("Q2 FY 2025-26", "350.00")]  # fmt: skip
    years = _body(client.get("/api/sales-over-time", {"period": "yearly"}))["data"]
    assert [row["revenue"] for row in years] == ["1550.30"]
    top = _body(client.get("/api/top-customers", {"limit": 2}))["data"]
    assert [(row["label"], row["revenue"]) for row in top] == [("Acme", "1200.30"), ("Beta", "300.00")]
    dated = {"startDate": "2025-04-01", "endDate": "2025-06-30", "productLine": "Fans"}
    kpis = {row["measure"]: row["value"] for row in _body(client.get("/api/kpis", dated))["data"]}
    assert kpis["revenue"] == "1000.10"
    by_country = _body(client.get("/api/sales-by-country", {"branch": "Mumbai"}))["data"]
    assert [(row["value"], row["revenue"]) for row in by_country] == [("Nepal", "300.00"), ("India", "50.00")]
    bad = client.get("/api/sales-over-time", {"period": "weekly"})
    assert bad.status_code == 400 and _body(bad)["error"]["parameter"] == "period"


def test_department_downloads_hold_every_record(company, api_client):
    client = api_client(company, "analyst")
    response = client.get("/api/download/purchase_csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted((row["poNumber"], row["amount"]) for row in rows) == [("PO-1", "1000.0000"), ("PO-2", "100.0000")]
    book = load_workbook(io.BytesIO(client.get("/api/download/excel").content))
    assert book.sheetnames == ["purchase", "production", "packing", "shipment"]
    assert book["purchase"].max_row == 3  # the header and two orders
    summary = _body(client.get("/api/summary"))["data"]
    assert summary["purchase"]["records"] == 2 and summary["purchase"]["amount"] == "1100.0000"
    assert client.get("/api/download/everything").status_code == 400
    assert api_client(company, "viewer").get("/api/download/purchase_csv").status_code == 403


def test_refresh_is_queued_for_those_who_may_upload_and_health_needs_no_key(company, api_client, company_client):
    assert api_client(company, "viewer").post("/api/data-refresh").status_code == 403
    response = api_client(company, "analyst").post("/api/refresh")
    assert response.status_code == 202 and _body(response)["data"]["queued"] is True
    health = company_client(company).get("/api/health")
    assert health.status_code in (200, 503) and _body(health)["data"]["status"] in ("ok", "degraded", "down")
