"""Price elasticity: a company whose fan sells with a planted elasticity of -1.5 over 24 months of varied prices.
The recovered elasticity's 95% interval holds -1.5 and the estimate matches an ordinary least-squares fit done here
on the planted months; a bulb sold at one price and a motor sold for four months say why they have none; a switch
whose price rose once gives the revenue effect worked out by hand. The rollups and the sales lines agree, and the
Pricing page and the API show it: the page the biggest products only, its download and the API (by page) every
one."""

from __future__ import annotations

import calendar
import json
import math
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from django_tenants.utils import tenant_context

from analytics import elasticity
from analytics.dashboard import dashboard_for
from analytics.pages import pricing
from tests.ingestion.test_pipeline import csv_bytes, load

HEADER = ["Invoice No", "Invoice Date", "Customer", "State", "Product", "Product Line", "Qty", "Rate",
          "Taxable Value", "GST %"]  # fmt: skip
MONTHS = [(2024 + i // 12, i % 12 + 1) for i in range(24)]
PERIOD = {"from": "2024-01-01", "to": "2025-12-31"}
PLANTED = -1.5
CENT = Decimal("0.01")


def _month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def planted() -> list[tuple]:
    """(year, month, day, customer, product, line, quantity, rate) rows."""
    draw = random.Random(22)
    rows = []
    for year, month in MONTHS:
        # The fan: a price moved at random each month, the quantity answering it with elasticity -1.5 and
        # multiplicative noise of about 5%, split over three invoices at the month's price.
        price = Decimal(2000 * math.exp(draw.uniform(-0.25, 0.25))).quantize(CENT)
        quantity = round(600 * (float(price) / 2000) ** PLANTED * math.exp(draw.gauss(0, 0.05)))
        parts = [quantity // 3, quantity // 3, quantity - 2 * (quantity // 3)]
        for n, part in enumerate(parts):
            rows.append((year, month, 3 + 9 * n, f"Dealer {n}", "Ceiling fan 1200mm", "Fans", part, price))
        # The bulb: one price all along, whatever the quantity. On the month's last day, so no month is partial.
        rows.append((year, month, _month_end(year, month), "Dealer 0", "LED bulb 9W", "Lighting",
                     draw.randrange(200, 400), Decimal("120.00")))  # fmt: skip
        # The switch: 100 for a year, then 120; 500 a month, then 400.
        switch = (Decimal(100), 500) if year == 2024 else (Decimal(120), 400)
        rows.append((year, month, 10, "Dealer 1", "Switch 6A", "Switchgear", switch[1], switch[0]))
    # The motor: four months, its price up once, 10 then 9 a month.
    for month, rate, quantity in ((3, 5000, 10), (4, 5000, 10), (5, 5500, 9), (6, 5500, 9)):
        rows.append((2024, month, 12, "Dealer 2", "Motor 1HP", "Motors", quantity, Decimal(rate)))
    return rows


def _csv(rows) -> bytes:
    lines = [HEADER]
    for number, (year, month, day, customer, product, line, quantity, rate) in enumerate(rows):
        amount = (rate * quantity).quantize(CENT, ROUND_HALF_UP)
        lines.append([f"INV-{number}", f"{day:02d}/{month:02d}/{year}", customer, "Karnataka", product, line,
                      quantity, rate, amount, "18"])  # fmt: skip
    return csv_bytes(lines)


def monthly_truth(rows, product: str) -> tuple[list[float], list[float], list[float]]:
    """The product's planted months: (log price, log quantity, month number), price being revenue over quantity."""
    revenue, quantity = defaultdict(Decimal), defaultdict(int)
    for year, month, _day, _customer, name, _line, qty, rate in rows:
        if name == product:
            revenue[(year, month)] += (rate * qty).quantize(CENT, ROUND_HALF_UP)
            quantity[(year, month)] += qty
    months = sorted(revenue)
    return (
        [math.log(revenue[m] / quantity[m]) for m in months],
        [math.log(quantity[m]) for m in months],
        [m[0] * 12 + m[1] for m in months],
    )


@pytest.fixture
def company(make_company):
    company, owner = make_company()
    with tenant_context(company):
        job = load(_csv(planted()), "prices.csv")
        assert job.status == "succeeded", job.error or job.messages
    return company, owner


def _found(company, by="product", from_lines=False) -> dict[str, elasticity.Elasticity]:
    d = dashboard_for(company, PERIOD, from_lines=from_lines)
    return {f.label: f for f in elasticity.elasticities(d.scope, by)}


def test_planted_elasticity_is_recovered_within_its_interval(company):
    company, _ = company
    with tenant_context(company):
        fan = _found(company)["Ceiling fan 1200mm"]
    assert fan.shown and fan.months == 24
    assert fan.low < PLANTED < fan.high
    assert abs(fan.estimate - PLANTED) < 0.15
    # The same fit done here by numpy's least squares on the planted months: quantity on price and a trend.
    x, y, t = monthly_truth(planted(), "Ceiling fan 1200mm")
    design = np.column_stack([np.ones(len(x)), x, t])
    coefficients, residual, _, _ = np.linalg.lstsq(design, np.array(y), rcond=None)
    sigma2 = residual[0] / (len(x) - 3)
    error = math.sqrt(sigma2 * np.linalg.inv(design.T @ design)[1, 1])
    assert fan.estimate == pytest.approx(coefficients[1], abs=1e-9)
    assert fan.std_error == pytest.approx(error, rel=1e-6)
    # 21 degrees of freedom: the t distribution's 2.080, not the normal's 1.96.
    assert fan.high - fan.estimate == pytest.approx(2.080 * error, rel=1e-6)
    assert "fewer units" in fan.reading


def test_one_price_and_too_few_months_say_why_there_is_no_elasticity(company):
    company, _ = company
    with tenant_context(company):
        found = _found(company)
    bulb, motor = found["LED bulb 9W"], found["Motor 1HP"]
    assert not bulb.shown and bulb.estimate is None and bulb.months == 24
    assert bulb.reason == "Not enough price variation: one price all along."
    assert bulb.last_change is None
    assert not motor.shown
    assert motor.reason == "Too few months: only 4 months with sales (6 needed)."


def test_revenue_effect_of_the_last_price_change(company):
    company, _ = company
    with tenant_context(company):
        found = _found(company)
    switch = found["Switch 6A"]
    # 500 a month at 100, 400 at 120: exactly elasticity ln(0.8)/ln(1.2).
    assert switch.estimate == pytest.approx(math.log(0.8) / math.log(1.2), abs=1e-9)
    change = switch.last_change
    assert change.month.isoformat() == "2025-01-01"
    assert (change.old_price, change.new_price, change.months_after) == (Decimal(100), Decimal(120), 12)
    assert change.change == Decimal("0.2") and change.basis == "elasticity"
    # Since the rise: 12 × 400 at 120. At 100 the elasticity expects 500 a month: 12 × 500 at 100.
    assert change.revenue_after == Decimal(576000)
    assert abs(change.expected - Decimal(600000)) <= CENT
    assert abs(change.effect - Decimal(-24000)) <= CENT
    # The motor has no elasticity: its two months since the change are set against 10 a month at 5,000.
    motor = found["Motor 1HP"].last_change
    assert motor.basis == "quantity as before" and motor.month.isoformat() == "2024-05-01"
    assert (motor.revenue_after, motor.expected, motor.effect) == (Decimal(99000), Decimal(100000), Decimal(-1000))


def test_product_lines_rollups_and_lines_agree(company):
    company, _ = company
    with tenant_context(company):
        lines = _found(company, "product_line")
        products = _found(company)
        # The whole months, and a period with edge days (read from the daily rollups).
        for query, by in [
            (q, by) for q in (PERIOD, {"from": "2024-01-10", "to": "2025-12-20"}) for by in elasticity.BY
        ]:
            from_rollups = {f.key: f for f in elasticity.elasticities(dashboard_for(company, query).scope, by)}
            from_lines = {
                f.key: f for f in elasticity.elasticities(dashboard_for(company, query, from_lines=True).scope, by)
            }
            assert from_rollups.keys() == from_lines.keys()
            for key, found in from_rollups.items():
                assert (found.estimate, found.reason, found.last_change) == (
                    from_lines[key].estimate, from_lines[key].reason, from_lines[key].last_change
                )  # fmt: skip
    # One product in each line: the line's elasticity is its product's.
    assert lines["Fans"].estimate == pytest.approx(products["Ceiling fan 1200mm"].estimate, abs=1e-9)
    assert lines["Lighting"].reason == "Not enough price variation: one price all along."


def test_a_short_period_has_too_few_months(company):
    company, _ = company
    with tenant_context(company):
        d = dashboard_for(company, {"from": "2025-07-01", "to": "2025-10-31"})
        fan = next(f for f in elasticity.elasticities(d.scope) if f.label == "Ceiling fan 1200mm")
    assert fan.months == 4 and fan.reason == "Too few months: only 4 months with sales (6 needed)."


def test_pricing_page_shows_the_elasticity_and_why_not(company, company_client):
    company, owner = company
    client = company_client(company, owner)
    response = client.get("/pricing/", PERIOD)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Price elasticity by product" in text
    assert "Not enough price variation: one price all along." in text
    assert "Correlation is not cause" in text
    download = client.get("/pricing/", {**PERIOD, "download": "elasticity_products", "format": "csv"})
    assert download.status_code == 200
    rows = download.content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Product,Product line,Months with sales")
    fan = next(row for row in rows if row.startswith("Ceiling fan 1200mm"))
    assert fan.split(",")[2] == "24"
    # A filter the data does not have: an empty page, not an error.
    assert client.get("/pricing/", {**PERIOD, "branch": "Nowhere"}).status_code == 200


def test_api_gives_the_elasticity_and_refuses_bad_parameters(company, api_client):
    company, _ = company
    client = api_client(company)
    body = json.loads(client.get("/api/v1/elasticity/", {**PERIOD, "by": "product_line"}).content)
    fans = next(row for row in body["data"] if row["key"] == "Fans")
    with tenant_context(company):
        expected = _found(company, "product_line")["Fans"]
    assert Decimal(fans["elasticity"]) == Decimal(repr(expected.estimate)).quantize(Decimal("0.0001"))
    assert Decimal(fans["low"]) < Decimal(PLANTED) < Decimal(fans["high"])
    assert body["metadata"]["confidence"] == "95%"
    bulb = json.loads(client.get("/api/v1/elasticity/", PERIOD).content)["data"]
    assert next(row for row in bulb if row["label"] == "LED bulb 9W")["reason"].startswith("Not enough price")
    wrong = client.get("/api/v1/elasticity/", {"by": "colour"})
    assert wrong.status_code == 400 and "by" in json.loads(wrong.content)["error"]["message"]
    assert client.get("/api/v1/elasticity/", {"limit": "x"}).status_code == 400


def revenue_ranking(rows) -> list[str]:
    """The planted products, most revenue first (every planted month has sales), then by name."""
    revenue = defaultdict(Decimal)
    for _year, _month, _day, _customer, name, _line, qty, rate in rows:
        revenue[name] += (rate * qty).quantize(CENT, ROUND_HALF_UP)
    return sorted(revenue, key=lambda name: (-revenue[name], name))


def test_page_works_out_the_biggest_products_and_the_download_has_every_one(company, company_client, monkeypatch):
    company, owner = company
    ranking = revenue_ranking(planted())
    assert len(ranking) == 4
    monkeypatch.setattr(pricing, "TOP_PRODUCTS", 3)
    with tenant_context(company):
        built = pricing.build(dashboard_for(company, PERIOD))
    panel = built.panel("elasticity_products")
    assert [row[0] for row in panel.table.rows] == ranking[:3]
    assert "The 3 biggest products by revenue, of 4 sold; the download and the API have every product." in panel.note
    client = company_client(company, owner)
    text = client.get("/pricing/", PERIOD).content.decode()
    assert ranking[0] in text and ranking[3] not in text
    download = client.get("/pricing/", {**PERIOD, "download": "elasticity_products", "format": "csv"})
    assert download.status_code == 200
    rows = download.content.decode("utf-8-sig").splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ranking
    # With every product on the page, the note says nothing of the biggest.
    monkeypatch.setattr(pricing, "TOP_PRODUCTS", 4)
    with tenant_context(company):
        panel = pricing.build(dashboard_for(company, PERIOD)).panel("elasticity_products")
    assert [row[0] for row in panel.table.rows] == ranking and "biggest products" not in panel.note


def test_api_works_out_only_the_page_asked_for(company, api_client):
    company, _ = company
    ranking = revenue_ranking(planted())
    client = api_client(company)
    body = json.loads(client.get("/api/v1/elasticity/", {**PERIOD, "limit": 2, "offset": 1}).content)
    assert [row["label"] for row in body["data"]] == ranking[1:3]
    assert (body["metadata"]["count"], body["metadata"]["limit"], body["metadata"]["offset"]) == (4, 2, 1)
    assert "offset=3" in body["metadata"]["next"]
    with tenant_context(company):
        every = {f.label: f for f in elasticity.elasticities(dashboard_for(company, PERIOD).scope)}
    for row in body["data"]:  # the same figures as when every product is worked out
        found = every[row["label"]]
        assert row["reason"] == found.reason and row["months"] == found.months
        if found.estimate is None:
            assert row["elasticity"] is None
        else:
            assert float(row["elasticity"]) == pytest.approx(found.estimate, abs=0.00005)
    last = json.loads(client.get("/api/v1/elasticity/", {**PERIOD, "limit": 2, "offset": 2}).content)
    assert [row["label"] for row in last["data"]] == ranking[2:] and last["metadata"]["next"] is None
    past = json.loads(client.get("/api/v1/elasticity/", {**PERIOD, "offset": 10}).content)
    assert past["data"] == [] and past["metadata"]["count"] == 4


def test_a_price_under_half_a_paisa_still_gives_its_change():
    """A bulk item sold by the gram: its old price rounds to 0.00, and the change is worked out from what was paid
    (hypothesis found the division by the rounded price)."""
    from datetime import date as day

    from analytics.elasticity import _last_change

    row = {"moved_month": day(2025, 8, 1), "revenue_before": Decimal("0.04"), "quantity_before": Decimal(10),
           "revenue_after": Decimal("5.00"), "quantity_after": Decimal(10), "share_before": 1.0, "share_after": 1.0,
           "months_after": 1}  # fmt: skip
    change = _last_change(row, None)
    assert change.old_price == Decimal("0.00") and change.new_price == Decimal("0.50")
    assert change.change == Decimal("0.5") / Decimal("0.004") - 1


def test_the_pricing_pages_report_holds_every_product_and_is_what_its_button_makes(company, monkeypatch):
    from reports import kinds
    from reports.rendering.pdf import report_html
    from reports.rendering.spreadsheet import render_xlsx

    company, _ = company
    ranking = revenue_ranking(planted())
    monkeypatch.setattr(pricing, "TOP_PRODUCTS", 3)
    assert kinds.FOR_PAGE["pricing"] == "pricing"
    with tenant_context(company):
        d = dashboard_for(company, PERIOD)
        report = kinds.build("pricing", d)
        page_panels = {panel.key: panel for panel in pricing.build(dashboard_for(company, PERIOD)).panels}
        html = report_html(report, charts=False)
        workbook = render_xlsx(report)
    sections = {section.key: section for section in report.sections}
    assert set(sections) == set(page_panels)
    assert [row[0] for row in sections["elasticity_products"].table.rows] == ranking  # every product, not 3
    assert sections["elasticity_lines"].table.rows == page_panels["elasticity_lines"].table.rows
    assert "not cause" in html and ranking[-1] in html and workbook[:2] == b"PK"
