"""Empty panels explain themselves: a breakdown whose every value is '(not given)' says what to upload to fill it,
with a link to the upload page, instead of drawing one bar."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django_tenants.utils import tenant_context

from analytics import panel_hints
from analytics.panel_hints import NOT_GIVEN, hints_for
from analytics.tables import Column, Table
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = pytest.mark.django_db

PERIOD = "?from=2024-04-01&to=2025-03-31"
LINES = [
    HEADER,
    ["A-1", "15/05/2024", "Ravi Traders", "Maharashtra", "Fan", "2", "1000", "2000", "18"],
    ["A-2", "20/06/2024", "Kaveri Cables", "Karnataka", "Lamp", "4", "250", "1000", "18"],
]
WITH_PEOPLE = [
    [*HEADER, "Sales Person", "Branch"],
    [*LINES[1], "Sunil", "Pune"],
    [*LINES[2], "Meena", "Bengaluru"],
]
MASTER = [
    ["Customer Name", "Salesperson", "Branch"],
    ["Ravi Traders", "Sunil", "Pune"],
    ["Kaveri Cables", "Meena", "Bengaluru"],
]
SALESPERSON_ACTION = "Upload a customer master with a Salesperson column"


@pytest.fixture
def company(make_company):
    return make_company("hints", home_state="27")


def panel_html(html: str, key: str) -> str:
    match = re.search(rf'<section[^>]*data-panel="{key}".*?</section>', html, re.S)
    assert match, f"no panel {key!r}"
    return match.group(0)


def chart_ids(html: str) -> set[str]:
    start = html.index('id="figures">') + len('id="figures">')
    return {item["id"] for item in json.loads(html[start : html.index("</script>", start)])}


def test_people_page_without_salespeople_says_what_to_upload(company, company_client):
    company, owner = company
    with tenant_context(company):
        load(csv_bytes(LINES), "sales.csv")

    html = company_client(company, owner).get("/people/" + PERIOD).content.decode()

    leaderboard = panel_html(html, "leaderboard")
    assert 'data-hint="salesperson"' in leaderboard
    assert "No sales line names a salesperson." in leaderboard
    assert f'<a href="{reverse("upload")}?kind=customers">{SALESPERSON_ACTION}</a>' in leaderboard
    assert 'id="chart-leaderboard"' not in leaderboard and "chart-leaderboard" not in chart_ids(html)
    assert NOT_GIVEN not in leaderboard  # neither a one-bar chart nor a one-row table
    assert "CSV</a>" not in leaderboard  # nothing worth downloading
    assert 'data-hint="salesperson"' in panel_html(html, "product_mix")
    branches = panel_html(html, "branches")
    assert 'data-hint="branch"' in branches and "Upload a customer master with a Branch column" in branches


def test_people_page_with_salespeople_draws_the_charts(company, company_client):
    company, owner = company
    with tenant_context(company):
        load(csv_bytes(WITH_PEOPLE), "sales.csv")

    html = company_client(company, owner).get("/people/" + PERIOD).content.decode()

    assert 'data-hint="salesperson"' not in html and 'data-hint="branch"' not in html
    assert 'id="chart-leaderboard"' in panel_html(html, "leaderboard")
    assert {"chart-leaderboard", "chart-branches"} <= chart_ids(html)
    assert "Sunil" in panel_html(html, "leaderboard")
    # The file gives salespeople but no product lines: their mix is what is missing now.
    assert 'data-hint="product_line"' in panel_html(html, "product_mix")


def test_a_customer_master_uploaded_afterwards_fills_the_panel(company, company_client):
    company, owner = company
    with tenant_context(company):
        load(csv_bytes(LINES), "sales.csv")
        job = load(csv_bytes(MASTER), "customers.csv", kind="customers")
    assert job.status == "succeeded", job.error

    html = company_client(company, owner).get("/people/" + PERIOD).content.decode()

    leaderboard = panel_html(html, "leaderboard")
    assert 'data-hint="salesperson"' not in leaderboard and "Sunil" in leaderboard and "Meena" in leaderboard
    assert {"chart-leaderboard", "chart-branches"} <= chart_ids(html)


def test_a_viewer_reads_the_hint_without_a_link_they_cannot_use(company, add_member, company_client):
    company, _ = company
    with tenant_context(company):
        load(csv_bytes(LINES), "sales.csv")
    viewer = add_member(company, "viewer")

    leaderboard = panel_html(company_client(company, viewer).get("/people/" + PERIOD).content.decode(), "leaderboard")

    assert SALESPERSON_ACTION in leaderboard
    assert reverse("upload") not in leaderboard


def test_products_without_an_item_master_ask_for_stock_groups_and_costs(company, company_client):
    company, owner = company
    with tenant_context(company):
        load(csv_bytes(LINES), "sales.csv")

    html = company_client(company, owner).get("/products/" + PERIOD).content.decode()

    lines = panel_html(html, "product_lines")
    assert 'data-hint="product_line"' in lines
    assert "Upload an item master (Tally: List of Stock Items) with a Stock Group column" in lines
    assert "chart-product_lines" not in chart_ids(html)
    top = panel_html(html, "top_products")  # the chart of products stays; the blank columns are explained
    assert 'id="chart-top_products"' in top
    assert 'data-hint="product_line"' in top and 'data-hint="cost"' in top
    assert "Upload an item master with a cost or standard rate column" in top
    overview = company_client(company, owner).get("/" + PERIOD).content.decode()
    assert 'data-hint="product_line"' in panel_html(overview, "product_lines")
    assert 'data-hint="state"' not in panel_html(overview, "places")  # the file gives states


# ---------------------------------------------------------------- the rules, on tables


def _people(*names: str, branch: str = "") -> Table:
    columns = [Column("rank", "Rank", "number"), Column("person", "Salesperson"), Column("branch", "Branch"),
               Column("gross_profit", "Gross profit", "money"), Column("revenue", "Revenue", "money")]  # fmt: skip
    return Table("Leaderboard", columns, [[i, name, branch, None, Decimal(1)] for i, name in enumerate(names, 1)])


def test_a_breakdown_is_missing_only_when_every_value_is_blank():
    assert hints_for("leaderboard", _people(NOT_GIVEN)).missing is panel_hints.HINTS["salesperson"]
    partly = hints_for("leaderboard", _people("Sunil", NOT_GIVEN, branch="Pune"))
    assert partly.missing is None
    assert partly.notes == (panel_hints.HINTS["cost"],)  # no gross profit anywhere: a note, the chart stays
    assert hints_for("leaderboard", Table("Leaderboard", _people().columns, [])) == panel_hints.PanelHints()
    assert hints_for("some_other_panel", _people(NOT_GIVEN)) == panel_hints.PanelHints()  # not a breakdown


def test_the_ideal_customer_profile_notes_a_blank_section():
    columns = [Column("dimension", "Looking at"), Column("value", "Value"), Column("amount", "Revenue", "money")]
    rows = [["State", "Goa", Decimal(2)], ["Segment", "Dealer", Decimal(2)], ["Product line", NOT_GIVEN, Decimal(2)]]
    found = hints_for("icp", Table("Ideal-customer profile", columns, rows))
    assert found.missing is None and found.notes == (panel_hints.HINTS["product_line"],)


def test_branch_columns_and_unknown_places_count_as_blank():
    by_branch = Table("Branches", [Column("month", "Month"), Column("b0", NOT_GIVEN, "money")], [["Apr", 1]])
    assert hints_for("branches", by_branch).missing is panel_hints.HINTS["branch"]
    supply = Table("Supply", [Column("supply", "Supply"), Column("taxable", "Taxable", "money")],
                   [["Place not known", Decimal(5)]])  # fmt: skip
    assert hints_for("supply", supply).missing is panel_hints.HINTS["state"]
