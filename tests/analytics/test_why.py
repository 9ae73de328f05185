"""Why a figure changed: a company whose changes we planted (a big customer falling away in Gujarat, one lost in
Karnataka, one new) asks why revenue changed from October to November. The planted customers and states come
first, every split adds up to the change exactly, and the page, the rollups and the sales lines agree."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from analytics import why
from analytics.dashboard import dashboard_for
from elettro.kernel.money import format_money, format_money_compact
from tests.ingestion.test_pipeline import csv_bytes, load

HEADER = ["Invoice No", "Invoice Date", "Customer", "State", "Salesperson", "Product", "Product Line", "Qty", "Rate",
          "Taxable Value", "GST %"]  # fmt: skip
OCT, NOV = "2025-10", "2025-11"
NOVEMBER = {"from": "2025-11-01", "to": "2025-11-30"}


def planted() -> list[tuple]:
    """(invoice, yyyy-mm, day, customer, state, salesperson, product, line, amount) rows."""
    rows = [
        ("S-1", OCT, 3, "Sharma Electricals", "Gujarat", "Ravi", "Copper wire 4 sq mm", "Cables", "500000.00"),
        ("S-2", OCT, 20, "Sharma Electricals", "Gujarat", "Ravi", "MCB 16A", "Switchgear", "300000.00"),
        ("S-3", NOV, 9, "Sharma Electricals", "Gujarat", "Ravi", "Copper wire 4 sq mm", "Cables", "150000.00"),
        ("P-1", OCT, 5, "Patel Traders", "Maharashtra", "Meena", "RCCB 40A", "Switchgear", "300000.00"),
        ("P-2", NOV, 6, "Patel Traders", "Maharashtra", "Meena", "RCCB 40A", "Switchgear", "320000.00"),
        ("K-1", OCT, 14, "Kaveri Cables", "Karnataka", "Ravi", "Copper wire 6 sq mm", "Cables", "200000.00"),
        ("D-1", NOV, 21, "Delta Switchgear", "Gujarat", "Meena", "Isolator 63A", "Switchgear", "100000.00"),
    ]
    draw = random.Random(21)
    small = ["Ravi Traders", "Chennai Power", "Kochi Lights", "Madurai Motors", "Salem Wires", "Trichy Tools"]
    for n, customer in enumerate(small):
        state = "Tamil Nadu" if n % 2 else "Kerala"
        for month in (OCT, NOV):
            amount = Decimal(draw.randrange(1_000_00, 40_000_00)) / 100
            rows.append((f"T-{n}-{month[-2:]}", month, 10 + n, customer, state, "", "Wire clips", "Accessories",
                         f"{amount:.2f}"))  # fmt: skip
    return rows


def _csv(rows) -> bytes:
    lines = [HEADER]
    for invoice, month, day, customer, state, person, product, line, amount in rows:
        y, m = month.split("-")
        lines.append([invoice, f"{day:02d}/{m}/{y}", customer, state, person, product, line, "1", amount, amount, "18"])
    return csv_bytes(lines)


def truth(rows, field: int) -> dict[str, dict[str, Decimal]]:
    """Revenue per value of a planted column, per month."""
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        sums[row[1]][row[field]] += Decimal(row[8])
    return sums


@pytest.fixture
def company(make_company):
    company, owner = make_company()
    with tenant_context(company):
        job = load(_csv(planted()), "oct-nov.csv")
        assert job.status == "succeeded", job.error or job.messages
    return company, owner


def _explain(company, measure="revenue", query=None, from_lines=False):
    d = dashboard_for(company, {**NOVEMBER, **(query or {})}, from_lines=from_lines)
    return why.explain(d.scope, why.compared_with(d.scope.period, query or {}), measure)


def test_revenue_change_splits_into_the_planted_customers_and_states_exactly(company):
    company, _ = company
    rows = planted()
    by_customer, by_state = truth(rows, 3), truth(rows, 4)
    total_oct, total_nov = sum(by_customer[OCT].values()), sum(by_customer[NOV].values())
    with tenant_context(company):
        change = _explain(company)
    assert (change.before, change.now, change.change) == (total_oct, total_nov, total_nov - total_oct)
    assert str(change.before_period.start) == "2025-10-01" and str(change.before_period.end) == "2025-10-31"
    for split in change.splits:  # every split adds up to the change, to the paisa
        assert split.total == change.change, split.key
    customers = change.split("customer")
    first = customers.parts[0]
    assert first.label == "Sharma Electricals"
    assert first.change == by_customer[NOV]["Sharma Electricals"] - by_customer[OCT]["Sharma Electricals"]
    named = {part.label: part.change for part in customers.parts if part.kind == "named"}
    assert named["Kaveri Cables"] == -by_customer[OCT]["Kaveri Cables"]
    assert named["Delta Switchgear"] == by_customer[NOV]["Delta Switchgear"]
    states = change.split("state")
    assert states.parts[0].label == "Gujarat"
    assert states.parts[0].change == by_state[NOV]["Gujarat"] - by_state[OCT]["Gujarat"]
    groups = {part.kind: part.change for part in change.split(why.CUSTOMER_GROUPS).parts}
    assert groups["new"] == by_customer[NOV]["Delta Switchgear"]
    assert groups["lost"] == -by_customer[OCT]["Kaveri Cables"]
    existing = set(by_customer[OCT]) & set(by_customer[NOV])
    assert groups["existing"] == sum(by_customer[NOV][c] - by_customer[OCT][c] for c in existing)
    assert set(change.missing) == set()  # revenue splits every way


def test_the_sentence_names_the_drivers_and_the_rollups_agree_with_the_sales_lines(company):
    company, _ = company
    with tenant_context(company):
        change = _explain(company)
        oracle = _explain(company, from_lines=True)
        text = why.sentence(change, "INR")
    assert [(s.key, s.parts) for s in change.splits] == [(s.key, s.parts) for s in oracle.splits]
    assert text.startswith(f"Revenue is down {format_money_compact(abs(change.change))}")
    assert "Sharma Electricals −" in text and "Gujarat −" in text


def test_orders_customers_and_ratios_split_only_where_they_add_up(company):
    company, _ = company
    rows = planted()
    with tenant_context(company):
        orders = _explain(company, "orders")
        customers = _explain(company, "customers")
        aov = _explain(company, "aov")
    invoices = {month: {r[0] for r in rows if r[1] == month} for month in (OCT, NOV)}
    assert orders.change == len(invoices[NOV]) - len(invoices[OCT])
    assert orders.split("customer").total == orders.change
    assert "product" in orders.missing and "product_line" in orders.missing
    names = {month: {r[3] for r in rows if r[1] == month} for month in (OCT, NOV)}
    parts = {part.kind: part.change for part in customers.split(why.CUSTOMER_GROUPS).parts}
    assert parts == {"new": len(names[NOV] - names[OCT]), "lost": -len(names[OCT] - names[NOV]), "existing": 0}
    assert customers.change == len(names[NOV]) - len(names[OCT])
    revenue = truth(rows, 3)
    expected = {m: (sum(revenue[m].values()) / len(invoices[m])).quantize(Decimal("0.01")) for m in (OCT, NOV)}
    assert (aov.before, aov.now) == (expected[OCT], expected[NOV])
    assert aov.split("ratio").total == aov.change


def test_the_why_page_shows_the_sentence_the_waterfall_and_the_tables(company, company_client):
    company, owner = company
    client = company_client(company, owner)
    response = client.get("/why/", {"measure": "revenue", **NOVEMBER})
    assert response.status_code == 200
    html = response.content.decode()
    with tenant_context(company):
        change = _explain(company)
    assert "Sharma Electricals" in html and "Gujarat" in html and "Delta Switchgear" in html
    assert '"type": "waterfall"' in html or '"type":"waterfall"' in html
    assert f"−{format_money(abs(change.change))}" in html  # the tables' total line
    year = client.get("/why/", {"measure": "revenue", "compare": "year_ago", **NOVEMBER})
    assert year.status_code == 200 and "Nov 2025 against Nov 2024" in year.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ({"compare": "fortnight"}, "compare is one of"),
        ({"vs_from": "2025-10-01"}, "Give both vs_from and vs_to"),
        ({"vs_from": "2025-10-31", "vs_to": "2025-10-01"}, "is before vs_from"),
        ({"vs_from": "yesterday", "vs_to": "2025-10-01"}, "dates like"),
        ({"measure": "happiness"}, "Unknown measure"),
    ],
)
def test_a_bad_comparison_is_a_clear_400(company, company_client, query, message):
    company, owner = company
    response = company_client(company, owner).get("/why/", {**NOVEMBER, **query})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_api_gives_the_same_split_and_a_400_for_a_bad_parameter(company, api_client):
    company, _ = company
    client = api_client(company, "viewer")
    response = client.get("/api/v1/changes/", {"measure": "revenue", **NOVEMBER, "named": "3"})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    with tenant_context(company):
        expected = _explain(company)
    assert Decimal(data["change"]) == expected.change and data["comparedWith"] == {"from": "2025-10-01",
                                                                                  "to": "2025-10-31"}  # fmt: skip
    for split in data["splits"]:
        assert sum(Decimal(str(part["change"])) for part in split["parts"]) == Decimal(data["change"]), split["key"]
    customers = next(split for split in data["splits"] if split["key"] == "customer")
    assert [part["label"] for part in customers["parts"][:3]] == ["Sharma Electricals", "Kaveri Cables",
                                                                  "Delta Switchgear"]  # fmt: skip
    assert customers["parts"][3]["kind"] == "others" and len(customers["parts"]) == 4
    assert data["sentence"] == why.sentence(expected, "INR")
    for query, parameter in (({"compare": "week"}, "compare"), ({"named": "0"}, "named"),
                             ({"measure": "mood"}, "measure"), ({"vs_to": "2025-01-01"}, "vs_from")):  # fmt: skip
        bad = client.get("/api/v1/changes/", {**NOVEMBER, **query})
        assert bad.status_code == 400 and bad.json()["error"]["parameter"] == parameter, (query, bad.content)


def test_the_sales_review_report_explains_the_change_as_the_page_does(company):
    from reports.kinds import sales_review
    from reports.rendering.pdf import report_html

    company, _ = company
    with tenant_context(company):
        d = dashboard_for(company, NOVEMBER)
        report = sales_review.build(d)
        change = _explain(company)
        section = next(section for section in report.sections if section.key == "why_revenue")
        html = report_html(report, charts=False)
    assert section.note == why.sentence(change, "INR")
    rows = {(row[0], row[1]): row[4] for row in section.table.rows}
    assert rows[("Customers", "Sharma Electricals")] == change.split("customer").parts[0].change
    assert rows[("States", "Gujarat")] == change.split("state").parts[0].change
    assert section.note in html.replace("&#x27;", "'")


def test_every_overview_card_with_a_comparison_links_to_its_why(company, company_client):
    company, owner = company
    client = company_client(company, owner)
    html = client.get("/", NOVEMBER).content.decode()
    links = re.findall(r'href="(/why/\?[^"]+)" data-why="(\w+)"', html)
    assert {key for _, key in links} >= {"revenue", "orders", "customers", "aov"}
    for url, key in links:
        response = client.get(url.replace("&amp;", "&"))
        assert response.status_code == 200, url
        assert f"measure={key}" in url and "from=2025-11-01" in url and "to=2025-11-30" in url


def test_dates_out_of_range_fall_back_with_the_filter_bars_message(company, company_client):
    company, owner = company
    response = company_client(company, owner).get("/why/", {"from": "0001-01-01", "to": "9999-12-31"})
    assert response.status_code == 200 and "must fall between 1900 and 2100" in response.content.decode()


def test_the_split_tabs_keep_the_comparison_asked_for_and_only_that(company, company_client):
    company, owner = company
    client = company_client(company, owner)
    plain = client.get("/why/", {"measure": "revenue", **NOVEMBER}).content.decode()
    tabs = re.findall(r'href="(\?[^"]*split=state[^"]*)"', plain)
    assert tabs and "vs_from" not in tabs[0]  # the period before, worked out from whatever period comes next
    assert 'name="vs_from" value=""' in plain
    pinned = client.get("/why/", {"measure": "revenue", **NOVEMBER, "vs_from": "2025-09-01", "vs_to": "2025-09-30"})
    html = pinned.content.decode()
    tab = re.findall(r'href="(\?[^"]*split=state[^"]*)"', html)[0].replace("&amp;", "&")
    assert "vs_from=2025-09-01" in tab and "vs_to=2025-09-30" in tab
    followed = client.get("/why/" + tab).content.decode()
    assert "Nov 2025 against Sep 2025" in followed and 'data-split="state"' in followed
