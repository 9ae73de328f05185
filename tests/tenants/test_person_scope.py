"""A member limited to one salesperson sees only that salesperson's sales on every surface: each page's cards and
tables, a download, a report, the API and GraphQL, an alert, a customer's page, the search, the "why" page and the
invoice list. Each is compared with what the owner sees with the same salesperson chosen in the filter bar, and
with sums worked out here from the planted lines; no other salesperson's customer shows anywhere."""

from __future__ import annotations

import html
import io
import json
import zipfile
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pytest
from django_tenants.utils import tenant_context

from analytics.pages import PAGES
from ingestion.models import Customer
from tenants.models import AuditEvent, Membership
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Invoice Date", "Customer", "State", "Product", "Product Line", "Qty", "Rate",
          "Taxable Value", "Cost", "GST %", "Sales Person", "Branch"]  # fmt: skip
PLACES = {"Alpha Traders": ("Maharashtra", "Pune"), "Bharat Electricals": ("Maharashtra", "Pune"),
          "Chennai Power": ("Tamil Nadu", "Chennai"), "Delta Lights": ("Karnataka", "Bengaluru"),
          "Eastern Wires": ("West Bengal", "Kolkata")}  # fmt: skip
LINE_OF = {"Copper wire": "Cables", "MCB 16A": "Switchgear", "LED panel": "Lighting"}
# (invoice, day, customer, product, quantity, amount, salesperson). Delta Lights buys from Ravi and from Meena.
SALES = [
    ("R-1", date(2023, 7, 3), "Alpha Traders", "Copper wire", 10, "50000", "Ravi"),
    ("R-2", date(2024, 4, 12), "Alpha Traders", "Copper wire", 20, "120000", "Ravi"),
    ("R-2", date(2024, 4, 12), "Alpha Traders", "MCB 16A", 4, "8000", "Ravi"),
    ("R-3", date(2024, 6, 2), "Bharat Electricals", "LED panel", 30, "45000", "Ravi"),
    ("R-4", date(2024, 9, 18), "Delta Lights", "LED panel", 10, "15000", "Ravi"),
    ("R-5", date(2025, 2, 7), "Bharat Electricals", "Copper wire", 5, "31000", "Ravi"),
    ("M-1", date(2023, 8, 9), "Chennai Power", "MCB 16A", 50, "100000", "Meena"),
    ("M-2", date(2024, 5, 20), "Chennai Power", "Copper wire", 40, "260000", "Meena"),
    ("M-3", date(2024, 9, 18), "Delta Lights", "MCB 16A", 25, "52000", "Meena"),
    ("M-4", date(2025, 1, 30), "Chennai Power", "LED panel", 12, "18000", "Meena"),
    ("A-1", date(2024, 11, 4), "Eastern Wires", "Copper wire", 15, "90000", "Arjun"),
]
QUERY = "from=2024-04-01&to=2025-03-31"
FY = (date(2024, 4, 1), date(2025, 3, 31))
ONLY_OTHERS = ("Chennai Power", "Eastern Wires")  # customers Ravi never sold to


def _rows() -> list[list[str]]:
    rows = [HEADER]
    for invoice, day, customer, product, quantity, amount, person in SALES:
        state, branch = PLACES[customer]
        rate = str(Decimal(amount) / quantity)
        rows.append([invoice, f"{day:%d/%m/%Y}", customer, state, product, LINE_OF[product], str(quantity), rate,
                     amount, str(Decimal(amount) * Decimal("0.8")), "18", person, branch])  # fmt: skip
    return rows


def _revenue(person: str, *, customer: str | None = None, start=FY[0], end=FY[1]) -> Decimal:
    return sum(
        (Decimal(s[5]) for s in SALES if s[6] == person and start <= s[1] <= end and customer in (None, s[2])),
        Decimal(0),
    )


@pytest.fixture
def shop(make_company, add_member):
    company, owner = make_company("scoped")
    with tenant_context(company):
        job = load(csv_bytes(_rows()), "sales.csv")
        assert job.status == "succeeded" and job.rows_loaded == len(SALES), job.error or job.messages
        keys = dict(Customer.objects.values_list("name", "key"))
    ravi = add_member(company, "manager", "ravi@scoped.example.com")
    Membership.objects.filter(user=ravi, company=company).update(scope={"salesperson": ["Ravi"]})
    return company, owner, ravi, keys


def _figures(page) -> dict:
    """What a page shows: its cards' values and each panel's table."""
    return {
        "cards": [(card.key, card.value, card.previous, card.year_ago) for card in page.cards],
        "panels": {panel.key: ([c.label for c in panel.table.columns], panel.table.rows) for panel in page.panels},
        "empty": page.empty,
    }


def _text(response) -> str:
    return response.content.decode()


def _assert_no_other_customers(text: str) -> None:
    for name in ONLY_OTHERS:
        assert name not in text


# ---------------------------------------------------------------- the pages and their downloads


def test_every_page_shows_what_the_owner_sees_with_that_salesperson_chosen(shop, company_client):
    company, owner, ravi, _ = shop
    as_owner, as_ravi = company_client(company, owner), company_client(company, ravi)
    for name in PAGES:
        path = "/" if name == "overview" else f"/{name}/"
        mine = as_ravi.get(f"{path}?{QUERY}")
        filtered = as_owner.get(f"{path}?{QUERY}&salesperson=Ravi")
        assert mine.status_code == filtered.status_code == 200, name
        assert _figures(mine.context["page"]) == _figures(filtered.context["page"]), name
        _assert_no_other_customers(_text(mine))
        assert "Meena" not in _text(mine).split('id="filter-bar"')[1].split("</form>")[0], name  # not a choice
    overview = as_ravi.get(f"/?{QUERY}")
    revenue = next(card for card in overview.context["page"].cards if card.key == "revenue")
    assert revenue.value == _revenue("Ravi")  # worked out on Ravi's lines alone
    assert "Your view: Ravi's sales" in html.unescape(_text(overview))


def test_a_download_holds_what_the_owner_downloads_with_the_filter(shop, company_client):
    company, owner, ravi, _ = shop
    as_owner, as_ravi = company_client(company, owner), company_client(company, ravi)
    mine = as_ravi.get(f"/customers/?{QUERY}&download=top_customers&format=csv")
    filtered = as_owner.get(f"/customers/?{QUERY}&salesperson=Ravi&download=top_customers&format=csv")
    assert mine.status_code == filtered.status_code == 200
    assert mine.content == filtered.content
    assert b"Alpha Traders" in mine.content
    for name in ONLY_OTHERS:
        assert name.encode() not in mine.content


def test_choosing_another_salesperson_shows_nothing_and_says_why(shop, company_client):
    company, _, ravi, _ = shop
    response = company_client(company, ravi).get(f"/customers/?{QUERY}&salesperson=Meena")
    assert response.status_code == 200
    page = response.context["page"]
    assert all(panel.is_empty for panel in page.panels) or page.empty
    assert "does not include the salesperson / manager “Meena”" in _text(response)
    _assert_no_other_customers(_text(response))
    api = company_client(company, ravi).get(f"/api/v1/kpis/?{QUERY}&salesperson=Meena&measures=revenue")
    rows = json.loads(api.content)["data"]
    assert Decimal(next(row for row in rows if row["measure"] == "revenue")["value"] or 0) == 0


# ---------------------------------------------------------------- reports and alerts


def test_a_report_made_by_a_scoped_member_holds_only_their_sales(shop):
    from reports.services import run_create, run_generate

    company, owner, ravi, _ = shop
    with tenant_context(company):
        query = {"from": FY[0].isoformat(), "to": FY[1].isoformat()}
        mine = run_generate(run_create(company=company, kind="sales-review", fmt="csv", query=query, user=ravi,
                                       enqueue=False))  # fmt: skip
        ravi_query = {**query, "salesperson": "Ravi"}
        filtered = run_generate(run_create(company=company, kind="sales-review", fmt="csv", query=ravi_query,
                                           user=owner, enqueue=False))  # fmt: skip
        assert mine.status == filtered.status == "done", (mine.error, filtered.error)
        assert mine.headline == filtered.headline
        assert Decimal(mine.headline["revenue"]["value"]) == _revenue("Ravi")
        with zipfile.ZipFile(io.BytesIO(mine.file.read())) as archive:
            text = "".join(archive.read(name).decode() for name in archive.namelist())
        _assert_no_other_customers(text)
        assert "Alpha Traders" in text
        # Lifted later, their scheduled reports follow: the scope is read when the report is made.
        Membership.objects.filter(user=ravi, company=company).update(scope={})
        lifted = run_generate(run_create(company=company, kind="sales-review", fmt="csv", query=query, user=ravi,
                                         enqueue=False))  # fmt: skip
        total = sum((Decimal(s[5]) for s in SALES if FY[0] <= s[1] <= FY[1]), Decimal(0))
        assert Decimal(lifted.headline["revenue"]["value"]) == total


def test_an_alert_rule_made_by_a_scoped_member_watches_only_their_customers(shop):
    from reports.alerts.evaluation import evaluate
    from reports.alerts.rules import rule_create

    company, owner, ravi, keys = shop
    with tenant_context(company):
        mine = rule_create(company, measure="revenue", condition="above", value="0", each="customer", window="fytd",
                           user=ravi)  # fmt: skip
        filtered = rule_create(company, measure="revenue", condition="above", value="0", each="customer",
                               window="fytd", filters={"salesperson": "Ravi"}, user=owner)  # fmt: skip
        as_of = date(2025, 3, 31)
        seen = {(o.entity, o.value) for o in evaluate(mine, company, as_of=as_of)}
        expected = {(o.entity, o.value) for o in evaluate(filtered, company, as_of=as_of)}
    assert seen == expected
    assert {entity for entity, _ in seen} == {keys["Alpha Traders"], keys["Bharat Electricals"], keys["Delta Lights"]}


# ---------------------------------------------------------------- the API and GraphQL


def test_the_api_and_graphql_answer_as_the_owner_with_the_filter(shop, company_client, api_client):
    company, owner, ravi, _ = shop
    as_owner, as_ravi = company_client(company, owner), company_client(company, ravi)
    for path in ("/api/v1/kpis/", "/api/v1/breakdowns/customer/", "/api/v1/breakdowns/product_line/",
                 "/api/v1/customers/", "/api/v1/series/"):  # fmt: skip
        mine = json.loads(as_ravi.get(f"{path}?{QUERY}").content)
        filtered = json.loads(as_owner.get(f"{path}?{QUERY}&salesperson=Ravi").content)
        assert mine["data"] and mine["error"] is None, (path, mine)
        assert mine["data"] == filtered["data"], path
        _assert_no_other_customers(json.dumps(mine))
    kpis = json.loads(as_ravi.get(f"/api/v1/kpis/?{QUERY}&measures=revenue").content)["data"]
    assert Decimal(kpis[0]["value"]) == _revenue("Ravi")

    query = "query($f: Filters) { breakdown(dimension: customer, filters: $f) { rows { label values { value } } } }"

    def graphql(client, **filters):
        body = {"query": query, "variables": {"f": {"from": "2024-04-01", "to": "2025-03-31", **filters}}}
        return json.loads(client.post("/api/graphql", json.dumps(body), content_type="application/json").content)

    mine, filtered = graphql(as_ravi), graphql(as_owner, salesperson="Ravi")
    assert mine["data"] and mine["data"] == filtered["data"], mine
    _assert_no_other_customers(json.dumps(mine))

    # A key made for Ravi's figures reads only them.
    from tenants.api_keys import api_key_create

    with tenant_context(company):
        _, raw = api_key_create(company=company, name="Ravi's sheet", role="viewer", scope={"salesperson": ["Ravi"]})
    keyed = company_client(company)
    rows = json.loads(keyed.get(f"/api/v1/kpis/?{QUERY}&measures=revenue", HTTP_AUTHORIZATION=f"Bearer {raw}")
                      .content)["data"]  # fmt: skip
    assert Decimal(rows[0]["value"]) == _revenue("Ravi")


# ---------------------------------------------------------------- drill-down pages, search, why, invoices


def test_customer_pages_search_why_and_invoices_stay_within_the_scope(shop, company_client):
    company, owner, ravi, keys = shop
    as_owner, as_ravi = company_client(company, owner), company_client(company, ravi)
    alpha = as_ravi.get(f"/customers/{quote(keys['Alpha Traders'])}/?{QUERY}")
    assert alpha.status_code == 200
    assert alpha.context["found"].now.revenue == _revenue("Ravi", customer="Alpha Traders")
    # Delta Lights bought from both: Ravi sees his part only.
    delta = as_ravi.get(f"/customers/{quote(keys['Delta Lights'])}/?{QUERY}")
    assert delta.context["found"].now.revenue == _revenue("Ravi", customer="Delta Lights")
    assert [row["invoice_number"] for row in delta.context["found"].invoices] == ["R-4"]
    assert as_owner.get(f"/customers/{quote(keys['Delta Lights'])}/?{QUERY}").context["found"].now.revenue == (
        _revenue("Ravi", customer="Delta Lights") + _revenue("Meena", customer="Delta Lights")
    )
    for name in ONLY_OTHERS:
        assert as_ravi.get(f"/customers/{quote(keys[name])}/").status_code == 404
        assert as_owner.get(f"/customers/{quote(keys[name])}/").status_code == 200

    product = as_ravi.get(f"/products/{quote('copper wire')}/?{QUERY}")
    if product.status_code == 200:
        assert product.context["found"].totals["revenue"] == sum(
            (Decimal(s[5]) for s in SALES if s[6] == "Ravi" and s[3] == "Copper wire" and FY[0] <= s[1] <= FY[1]),
            Decimal(0),
        )
        _assert_no_other_customers(_text(product))

    def found(client, text: str) -> list[str]:
        results = client.get(f"/search/?q={quote(text)}").context["results"]
        return [c["name"] for c in results.customers] + [row["invoice_number"] for row in results.invoices]

    for name in ONLY_OTHERS:
        assert found(as_ravi, name) == []
        assert found(as_owner, name) == [name]
    assert found(as_ravi, "Alpha") == ["Alpha Traders"]
    assert found(as_ravi, "M-2") == [] and found(as_owner, "M-2") == ["M-2"]

    invoices = as_ravi.get("/invoices/")
    numbers = {row["invoice_number"] for row in invoices.context["page"].rows}
    assert numbers == {s[0] for s in SALES if s[6] == "Ravi"}
    _assert_no_other_customers(_text(invoices))

    mine = as_ravi.get(f"/why/?{QUERY}&measure=revenue")
    filtered = as_owner.get(f"/why/?{QUERY}&measure=revenue&salesperson=Ravi")
    assert mine.status_code == filtered.status_code == 200
    assert (mine.context["change"].now, mine.context["change"].before) == (
        filtered.context["change"].now,
        filtered.context["change"].before,
    )
    assert mine.context["change"].now == _revenue("Ravi")
    _assert_no_other_customers(_text(mine))


# ---------------------------------------------------------------- setting a scope


def test_owners_set_a_scope_from_the_data_and_a_name_it_lacks_is_refused(shop, company_client, add_member):
    company, owner, ravi, _ = shop
    meena = add_member(company, "viewer", "meena@scoped.example.com")
    member = Membership.objects.get(user=meena, company=company)
    as_owner = company_client(company, owner)
    page = _text(as_owner.get("/members/"))
    assert 'value="Meena"' in page and "Ravi's sales" in html.unescape(page)

    refused = as_owner.post(f"/members/{member.pk}/scope/", {"salesperson": ["Meena", "Nobody Such"]}, follow=True)
    assert "There is no salesperson called “Nobody Such”" in _text(refused)
    member.refresh_from_db()
    assert member.scope == {}

    as_owner.post(f"/members/{member.pk}/scope/", {"salesperson": ["Meena"], "branch": ["Chennai"]})
    member.refresh_from_db()
    assert member.scope == {"salesperson": ["Meena"], "branch": ["Chennai"]}
    assert AuditEvent.objects.filter(company=company, action="scope_changed").exists()
    revenue = company_client(company, meena).get(f"/?{QUERY}").context["page"].cards[0]
    assert revenue.value == sum(
        (Decimal(s[5]) for s in SALES if s[6] == "Meena" and PLACES[s[2]][1] == "Chennai" and FY[0] <= s[1] <= FY[1]),
        Decimal(0),
    )

    owner_membership = Membership.objects.get(user=owner, company=company)
    refused = as_owner.post(f"/members/{owner_membership.pk}/scope/", {"salesperson": ["Ravi"]}, follow=True)
    assert "owners and admins manage the company" in _text(refused)
    owner_membership.refresh_from_db()
    assert owner_membership.scope == {}

    # A scoped member may not set scopes, their own included.
    ravi_membership = Membership.objects.get(user=ravi, company=company)
    response = company_client(company, ravi).post(f"/members/{ravi_membership.pk}/scope/", {})
    assert response.status_code == 403
    ravi_membership.refresh_from_db()
    assert ravi_membership.scope == {"salesperson": ["Ravi"]}


def test_two_salespeople_in_one_scope_add_up_on_the_rollups_and_the_lines(shop, company_client):
    """A scope of several values is an IN on the rollups and on the lines alike."""
    from analytics.dashboard import dashboard_for
    from analytics.pages import overview
    from tenants.scopes import viewing

    company, *_ = shop
    with tenant_context(company), viewing({"salesperson": ["Ravi", "Arjun"]}):
        query = {"from": FY[0].isoformat(), "to": FY[1].isoformat()}
        rollups = overview.build(dashboard_for(company, query))
        lines = overview.build(dashboard_for(company, query, from_lines=True))
    assert _figures(rollups) == _figures(lines)
    assert rollups.cards[0].value == _revenue("Ravi") + _revenue("Arjun")


def test_a_scoped_page_runs_the_very_queries_of_the_owners_filtered_page(shop):
    """Why a scoped member's pages are no slower than the owner's with the same filter (bench/scope.py times
    both): a scope of one salesperson becomes the same SQL, with the same parameters."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from analytics.dashboard import dashboard_for
    from tenants.scopes import viewing

    company, *_ = shop
    query = {"from": FY[0].isoformat(), "to": FY[1].isoformat()}
    with tenant_context(company):
        for name in ("overview", "customers"):
            build = PAGES[name][1]
            with CaptureQueriesContext(connection) as owner:
                build(dashboard_for(company, {**query, "salesperson": "Ravi"}))
            with viewing({"salesperson": ["Ravi"]}), CaptureQueriesContext(connection) as scoped:
                build(dashboard_for(company, query))
            assert [q["sql"] for q in scoped.captured_queries] == [q["sql"] for q in owner.captured_queries], name
