"""Charts that tell the truth: the forecast after the history on a time axis, a heatmap where darker means more
and that has a legend, customers at risk judged by their own rhythm, product codes as the file spells them,
upload times in the company's time zone, and the Operations page honouring the product-line filter."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

from analytics.dashboard import dashboard_for
from analytics.operations import operations_summary
from analytics.pages import customers, data, products, trends
from tenants.models import Company
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Date", "Customer", "Item Code", "Item", "Product Line", "Qty", "Amount"]
TODAY = date(2026, 4, 15)


def _panel(page, key):
    return next(panel for panel in page.panels if panel.key == key)


def _monthly_sales(months: int, end: date = date(2026, 3, 1)) -> list[list]:
    rows, month = [HEADER], end
    for n in range(months):
        rows.append([f"M-{n}", f"15/{month:%m/%Y}", "Acme", "FAN-01", "Ceiling fan", "Fans", "1", str(1000 + 37 * n)])
        month = (month - timedelta(days=1)).replace(day=1)
    return rows


def test_the_forecast_comes_after_the_history_on_a_time_axis(make_company):
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes(_monthly_sales(30)), "sales.csv")
        page = trends.build(dashboard_for(company, {"from": "2023-10-01", "to": "2026-03-31"}, today=TODAY))
    figure = _panel(page, "forecast").figure
    assert figure["layout"]["xaxis"]["type"] == "date"
    revenue = next(trace for trace in figure["data"] if trace.get("name") == "Revenue")
    forecast = next(trace for trace in figure["data"] if trace.get("name") == "Forecast")
    history = [x for x, y in zip(revenue["x"], revenue["y"], strict=True) if y is not None]
    ahead = [x for x, y in zip(forecast["x"], forecast["y"], strict=True) if y is not None][1:]  # joins at the last
    assert history == sorted(history) and ahead == sorted(ahead)
    # History runs to February 2026 (March is not over on the last day with sales); the forecast follows it.
    assert max(history) == "2026-02-01" and min(ahead) == "2026-03-01"
    band = [trace for trace in figure["data"] if trace.get("name") == "80% interval"]
    assert band and all(min(trace["x"]) == "2026-03-01" for trace in band)


def test_the_heatmap_is_darker_for_more_and_has_a_legend(make_company):
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes(_monthly_sales(24)), "sales.csv")
        page = trends.build(dashboard_for(company, {"from": "2024-04-01", "to": "2026-03-31"}, today=TODAY))
    trace = _panel(page, "heatmap").figure["data"][0]
    assert trace["showscale"] is True and trace["colorbar"]["ticktext"]  # a legend, in money
    assert all(text.startswith("₹") for text in trace["colorbar"]["ticktext"])
    low, high = trace["colorscale"][0][1], trace["colorscale"][-1][1]
    assert _lightness(low) > _lightness(high)  # the lowest value is the lightest colour
    values = [v for row in trace["z"] for v in row if v is not None]
    assert (trace["zmin"], trace["zmax"]) == (min(values), max(values))


def _lightness(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_customers_at_risk_are_those_overdue_against_their_own_rhythm(make_company):
    """A monthly buyer silent for four months is at risk; a big buyer who bought last week is not; a buyer who
    orders every six months and last bought three months ago is not; a one-off buyer has no rhythm to judge."""
    company, _ = make_company()
    rows = [HEADER]

    def buy(who, day, amount):
        rows.append([f"{who}-{day}", f"{day:%d/%m/%Y}", who, "FAN-01", "Ceiling fan", "Fans", "1", str(amount)])

    for month in range(4, 12):  # monthly from April to November 2025, then silence to 31 March 2026
        buy("Monthly Traders", date(2025, month, 10), 20_000)
    for day in range(0, 360, 7):  # weekly all year, the biggest customer by far
        buy("Big Weekly Ltd", date(2025, 4, 1) + timedelta(days=day), 90_000)
    for day in (date(2025, 4, 20), date(2025, 10, 20), date(2025, 12, 30)):  # twice a year, then once again
        buy("Half-yearly Co", day, 50_000)
    buy("One-off Stores", date(2025, 5, 5), 400_000)
    buy("Last day", date(2026, 3, 31), 1)
    with tenant_context(company):
        load(csv_bytes(rows), "sales.csv")
        page = customers.build(dashboard_for(company, {"from": "2025-04-01", "to": "2026-03-31"}, today=TODAY))
    panel = _panel(page, "at_risk")
    at_risk = [row[0] for row in panel.table.rows]
    assert at_risk == ["Monthly Traders"]
    monthly = panel.table.rows[0]
    usual = round((date(2025, 11, 10) - date(2025, 4, 10)).days / 7)  # eight orders, seven gaps
    assert monthly[3] == usual == 31 and monthly[4] == (date(2026, 3, 31) - date(2025, 11, 10)).days


def test_pareto_and_product_tables_show_codes_as_the_file_spells_them(make_company):
    company, _ = make_company()
    rows = [["Invoice No", "Date", "Customer", "Item Code", "Qty", "Amount"],
            ["A-1", "01/04/2025", "Acme", "FAN-XL/01", "1", "5000"],
            ["A-2", "02/04/2025", "Acme", "Cab-2.5mm", "1", "3000"]]  # fmt: skip
    with tenant_context(company):
        load(csv_bytes(rows), "sales.csv")
        page = products.build(dashboard_for(company, {"from": "2025-04-01", "to": "2026-03-31"}, today=TODAY))
    pareto = _panel(page, "pareto")
    assert [row[1] for row in pareto.table.rows] == ["FAN-XL/01", "Cab-2.5mm"]
    assert pareto.figure["data"][0]["text"] == ["FAN-XL/01", "Cab-2.5mm"]


def test_data_quality_shows_upload_times_in_the_companys_time_zone(make_company):
    company, _ = make_company()
    Company.objects.filter(pk=company.pk).update(timezone="America/New_York")
    company.refresh_from_db()
    with tenant_context(company):
        job = load(csv_bytes(_monthly_sales(3)), "sales.csv")
        page = data.build(dashboard_for(company, {}, today=TODAY))
    shown = _panel(page, "uploads").table.rows[0][2]
    assert shown == f"{job.created_at.astimezone(ZoneInfo('America/New_York')):%d %b %Y, %H:%M}"
    assert re.fullmatch(r"\d\d \w{3} \d{4}, \d\d:\d\d", shown)


def test_the_operations_page_honours_the_product_line_filter(make_company):
    company, _ = make_company()
    sales = [HEADER, ["S-1", "01/04/2025", "Acme", "FAN-01", "Ceiling fan", "Fans", "1", "1000"],
             ["S-2", "02/04/2025", "Beta", "CAB-01", "Cable 2.5", "Cables", "1", "2000"]]  # fmt: skip
    purchases = [["PO No", "Vendor", "Item Code", "Item", "Qty", "Amount", "PO Date", "Status"],
                 ["PO-1", "Motor Co", "fan-01", "Ceiling fan motor", "10", "1000.50", "03/04/2025", "Open"],
                 ["PO-2", "Copper Co", "CAB-01", "Copper", "5", "700.25", "04/04/2025", "Open"]]  # fmt: skip
    shipments = [["Shipment ID", "Invoice", "Customer", "Shipment Date", "Quantity", "Status"],
                 ["SH-1", "S-1", "Acme", "05/04/2025", "1", "Delivered"],
                 ["SH-2", "S-2", "Beta", "06/04/2025", "1", "Delivered"]]  # fmt: skip
    with tenant_context(company):
        load(csv_bytes(sales), "sales.csv")
        assert load(csv_bytes(purchases), "po.csv", kind="purchase").status == "succeeded"
        assert load(csv_bytes(shipments), "shipments.csv", kind="shipment").status == "succeeded"
        fans = operations_summary(None, product_line="fans", today=TODAY)
        everything = operations_summary(None, today=TODAY)
    assert (everything.purchase.records, everything.shipment.records) == (2, 2)
    assert (fans.purchase.records, fans.purchase.amount) == (1, Decimal("1000.50"))
    assert fans.shipment.records == 1
