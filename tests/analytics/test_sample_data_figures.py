"""The public sample data sets, loaded through the real upload pipeline: every figure the dashboards show must
match an independent pandas computation from the raw file, to the paisa, and the published figures of
../shared/datasets/README.md (so a wrong pandas computation is caught too).

Each data set is loaded once per module into its own committed company (loading takes a couple of seconds);
every test then reads it inside its own rolled-back transaction.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum
from django_tenants.utils import tenant_context

from analytics import engine
from analytics.dashboard import dashboard_for
from analytics.engine import Scope
from analytics.filters import Filters
from analytics.pages import overview, people
from analytics.pages.common import customer_names
from analytics.periods import Period
from elettro.kernel.money import format_money, format_money_compact, format_number
from ingestion.models import SalesLine
from tests.conftest import PASSWORD
from tests.ingestion.test_pipeline import load, sample

pytestmark = [pytest.mark.sample_data, pytest.mark.django_db]

CENT = Decimal("0.01")


def paisa(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def dsum(values: Iterable) -> Decimal:
    """Exact sum of Decimals (pandas would fall back to floats for some reductions)."""
    return sum(values, Decimal(0))


def by_key(frame: pd.DataFrame, key: str, value: str = "amount") -> dict:
    return {k: paisa(dsum(group)) for k, group in frame.groupby(key, sort=False)[value]}


def money_of(rows: list[dict], key: str, value: str = "revenue") -> dict:
    return {row[key]: paisa(row[value]) for row in rows}


# ---------------------------------------------------------------- companies loaded once per module


def _load_company(django_db_blocker, subdomain: str, filename: str):
    from tenants import services

    path = sample(filename)  # skips the module's tests when the data sets are not there
    with django_db_blocker.unblock():
        company, owner = services.company_create(
            name=f"Company {subdomain}", subdomain=subdomain, owner_email=f"owner@{subdomain}.example.com",
            owner_password=PASSWORD,
        )  # fmt: skip
        with tenant_context(company):
            job = load(path)
        connection.set_schema_to_public()
    assert job.status == "succeeded", job.error
    return company, owner, job


def _drop_company(django_db_blocker, company, owner) -> None:
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        company.delete(force_drop=True)
        owner.delete()


@pytest.fixture(scope="module")
def sds_company(django_db_setup, django_db_blocker):
    company, owner, job = _load_company(django_db_blocker, "figures-sds", "sales_data_sample.csv")
    yield company, owner, job
    _drop_company(django_db_blocker, company, owner)


@pytest.fixture(scope="module")
def store_company(django_db_setup, django_db_blocker):
    company, owner, job = _load_company(django_db_blocker, "figures-store", "superstore.xls")
    yield company, owner, job
    _drop_company(django_db_blocker, company, owner)


# ---------------------------------------------------------------- the raw files, read independently


@pytest.fixture(scope="module")
def sds_all() -> pd.DataFrame:
    """Every line of sales_data_sample.csv, as text (DOS Latin), with SALES as an exact Decimal."""
    frame = pd.read_csv(sample("sales_data_sample.csv"), encoding="cp850", dtype=str, keep_default_na=False)
    frame["amount"] = frame["SALES"].map(Decimal)
    return frame


@pytest.fixture(scope="module")
def sds(sds_all) -> pd.DataFrame:
    """The lines that count: all but the cancelled ones."""
    return sds_all[sds_all["STATUS"] != "Cancelled"]


def _four_places(value: float) -> Decimal:
    exact = Decimal(repr(float(value))).quantize(Decimal("0.0001"))
    assert abs(float(exact) - value) < 1e-9, value
    return exact


@pytest.fixture(scope="module")
def store_book() -> dict[str, pd.DataFrame]:
    book = pd.read_excel(sample("superstore.xls"), sheet_name=None, engine="calamine")
    orders = book["Orders"]
    # Cells are binary floats of amounts with at most 4 decimals; some carry float noise (6.8713999999999995 for
    # 6.8714), so each is read as its shortest text rounded to 4 places, checked to be the same number.
    orders["amount"] = [_four_places(value) for value in orders["Sales"]]
    orders["profit"] = [_four_places(value) for value in orders["Profit"]]
    orders["year"] = orders["Order Date"].dt.year
    returned = set(book["Returns"].loc[book["Returns"]["Returned"] == "Yes", "Order ID"])
    orders["returned"] = orders["Order ID"].isin(returned)
    orders = orders.merge(book["People"], on="Region", how="left", validate="many_to_one")
    return {"all": orders, "kept": orders[~orders["returned"]], "people": book["People"]}


def frame_totals(frame: pd.DataFrame, order: str, customer: str) -> dict:
    revenue = paisa(dsum(frame["amount"]))
    orders = frame[order].nunique()
    return {
        "lines": len(frame),
        "revenue": revenue,
        "orders": orders,
        "customers": frame[customer].nunique(),
        "aov": paisa(dsum(frame["amount"]) / orders),
    }


# ---------------------------------------------------------------- what the app says


def app_totals(scope: Scope) -> dict:
    totals = engine.sales_total(scope)
    return {
        "lines": totals["lines"],
        "revenue": paisa(totals["revenue"]),
        "orders": totals["orders"],
        "customers": engine.customer_counts(scope)[0],
        "aov": paisa(totals["revenue"] / totals["orders"]),
    }


def revenue_by_year(scope: Scope) -> dict[int, Decimal]:
    years: dict[int, Decimal] = {}
    for row in engine.sales(scope, ("month",)):
        years[row["month"].year] = years.get(row["month"].year, Decimal(0)) + row["revenue"]
    return {year: paisa(value) for year, value in years.items()}


def every_figure(scope: Scope) -> dict:
    """All the engine's answers for a scope, exactly (no rounding): rollups and raw lines must agree on these."""

    def rows(found: list[dict]) -> list[tuple]:
        return sorted(tuple(sorted(row.items(), key=lambda item: item[0])) for row in found)

    return {
        "span": engine.data_span(),
        "total": engine.sales_total(scope),
        "customer_counts": engine.customer_counts(scope),
        **{f"by {key}": rows(engine.sales(scope, (key,))) for key in ("month", "day", *engine.DIMENSION_KEYS)},
        "by product_line and month": rows(engine.sales(scope, ("product_line", "month"))),
        "by person and branch": rows(engine.sales(scope, ("person", "branch"))),
        "customers": rows(engine.customers(scope)),
        "new_and_returning": rows(engine.new_and_returning(scope)),
        "products": rows(engine.products(scope)),
        "order_sizes": rows(engine.order_sizes(scope)),
    }


def assert_rollups_equal_raw_lines(scope: Scope) -> None:
    from_rollups = every_figure(scope)
    from_lines = every_figure(dataclasses.replace(scope, from_lines=True))
    assert from_rollups["total"], "the scope has no sales: the comparison would prove nothing"
    for key in from_rollups:
        assert from_rollups[key] == from_lines[key], f"rollups and raw lines disagree on {key} for {scope}"


def card_values(page) -> dict:
    return {card.key: card.value for card in page.cards}


def html_cards(html: str) -> dict[str, tuple[str, str]]:
    """{kpi: (title, shown text)} of the overview's KPI cards."""
    found = re.findall(
        r'data-kpi="(\w+)">\s*<span class="muted">[^<]*</span>\s*<strong data-value title="([^"]*)">([^<]*)</strong>',
        html,
    )
    return {key: (title, text) for key, title, text in found}


def kpis_command(company, start: date, end: date) -> dict:
    out = io.StringIO()
    call_command("kpis", "--company", company.subdomain, "--from", start.isoformat(), "--to", end.isoformat(),
                 stdout=out)  # fmt: skip
    return json.loads(out.getvalue())


def check_year_everywhere(company, owner, company_client, year: int, expected: dict) -> None:
    """For one calendar year: the kpis command, the Overview page's cards and the rendered HTML agree with each
    other and with the pandas figures in `expected` (revenue, orders, customers, aov)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    command = kpis_command(company, start, end)
    assert Decimal(command["revenue"]) == expected["revenue"]
    assert Decimal(command["aov"]) == expected["aov"]
    assert command["orders"] == expected["orders"] and command["customers"] == expected["customers"]

    with tenant_context(company):
        page = overview.build(dashboard_for(company, {"from": start.isoformat(), "to": end.isoformat()}))
    cards = card_values(page)
    assert paisa(cards["revenue"]) == Decimal(command["revenue"]) == expected["revenue"]
    assert paisa(cards["aov"]) == Decimal(command["aov"]) == expected["aov"]
    assert cards["orders"] == command["orders"] == expected["orders"]
    assert cards["customers"] == command["customers"] == expected["customers"]

    response = company_client(company, owner).get("/", {"from": start.isoformat(), "to": end.isoformat()})
    assert response.status_code == 200
    shown = html_cards(response.content.decode())
    assert shown["revenue"] == (format_money(expected["revenue"]), format_money_compact(expected["revenue"]))
    assert shown["aov"] == (format_money(expected["aov"]), format_money_compact(expected["aov"]))
    assert shown["orders"][1] == format_number(expected["orders"])
    assert shown["customers"][1] == format_number(expected["customers"])


# ================================================================ sales_data_sample.csv

SDS_SPAN = Period(date(2003, 1, 1), date(2005, 12, 31))


def test_sds_pandas_reproduces_the_published_figures(sds, sds_all):
    totals = frame_totals(sds, "ORDERNUMBER", "CUSTOMERNAME")
    assert totals == {
        "lines": 2763,
        "revenue": Decimal("9838141.37"),
        "orders": 303,
        "customers": 92,
        "aov": Decimal("32469.11"),
    }
    assert paisa(dsum(sds_all["amount"])) == Decimal("10032628.85") and sds_all["ORDERNUMBER"].nunique() == 307
    assert sds["COUNTRY"].nunique() == 19 and sds["PRODUCTLINE"].nunique() == 7
    assert by_key(sds, "YEAR_ID") == {
        "2003": Decimal("3468268.62"),
        "2004": Decimal("4578386.04"),
        "2005": Decimal("1791486.71"),
    }
    assert max(by_key(sds, "PRODUCTLINE").items(), key=lambda item: item[1]) == (
        "Classic Cars",
        Decimal("3860372.85"),
    )
    assert max(by_key(sds, "COUNTRY").items(), key=lambda item: item[1]) == ("USA", Decimal("3582625.17"))
    assert max(by_key(sds, "CUSTOMERNAME").items(), key=lambda item: item[1]) == (
        "Euro Shopping Channel",
        Decimal("862283.46"),
    )
    # YEAR_ID agrees with ORDERDATE (month/day/two-digit year), which is what the app reads.
    assert (sds["ORDERDATE"].str.split(" ").str[0].str[-2:].radd("20") == sds["YEAR_ID"]).all()


def test_sds_totals_on_the_engine_and_the_overview_match_pandas(sds_company, sds):
    company, _, job = sds_company
    expected = frame_totals(sds, "ORDERNUMBER", "CUSTOMERNAME")
    assert job.rows_loaded == 2823

    with tenant_context(company):
        assert app_totals(Scope(SDS_SPAN)) == expected
        page = overview.build(dashboard_for(company, {"from": "2003-01-01", "to": "2005-12-31"}))
        assert SalesLine.objects.count() == len(sds) + 60  # the 60 cancelled lines are kept, not counted
        assert SalesLine.objects.filter(counts=True).count() == len(sds)

    cards = card_values(page)
    assert paisa(cards["revenue"]) == expected["revenue"] == Decimal("9838141.37")
    assert cards["orders"] == expected["orders"] == 303
    assert cards["customers"] == expected["customers"] == 92
    assert paisa(cards["aov"]) == expected["aov"] == Decimal("32469.11")
    assert cards["new_customers"] == 92  # everyone's first purchase is in the data's span
    assert "gross_profit" not in cards  # the file has no cost or profit


def test_sds_revenue_by_year_matches_pandas(sds_company, sds):
    company, _, _ = sds_company
    expected = {int(year): value for year, value in by_key(sds, "YEAR_ID").items()}

    with tenant_context(company):
        assert revenue_by_year(Scope(SDS_SPAN)) == expected
        for year, revenue in expected.items():
            assert paisa(engine.sales_total(Scope(Period(date(year, 1, 1), date(year, 12, 31))))["revenue"]) == revenue
    assert sum(expected.values()) == Decimal("9838141.37")


def test_sds_revenue_by_product_line_matches_pandas_on_the_engine_overview_and_products(sds_company, sds):
    company, _, _ = sds_company
    expected = by_key(sds, "PRODUCTLINE")
    assert len(expected) == 7

    with tenant_context(company):
        scope = Scope(SDS_SPAN)
        from_engine = money_of(engine.sales(scope, ("product_line",)), "product_line")
        from_products: dict[str, Decimal] = {}
        for row in engine.products(scope):
            from_products[row["product_line"]] = from_products.get(row["product_line"], Decimal(0)) + row["revenue"]
        page = overview.build(dashboard_for(company, {"from": "2003-01-01", "to": "2005-12-31"}))

    assert from_engine == expected
    assert {line: paisa(value) for line, value in from_products.items()} == expected
    table = page.panel("product_lines").table
    assert [row[0] for row in table.rows] == sorted(expected, key=lambda line: -expected[line])
    assert {row[0]: paisa(row[1]) for row in table.rows} == expected


def test_sds_revenue_by_country_matches_pandas(sds_company, sds):
    company, _, _ = sds_company
    expected = by_key(sds, "COUNTRY")
    assert len(expected) == 19 and expected["USA"] == Decimal("3582625.17")

    with tenant_context(company):
        from_engine = money_of(engine.sales(Scope(SDS_SPAN), ("country",)), "country")
        page = overview.build(dashboard_for(company, {"from": "2003-01-01", "to": "2005-12-31"}))

    assert from_engine == expected
    places = page.panel("places")
    assert places.title == "Revenue by country"
    assert {row[0]: paisa(row[1]) for row in places.table.rows} == expected
    assert [row[0] for row in places.table.rows] == sorted(expected, key=lambda country: -expected[country])


def test_sds_top_ten_customers_match_pandas_names_amounts_and_order(sds_company, sds):
    company, _, _ = sds_company
    revenue = by_key(sds, "CUSTOMERNAME")
    orders = sds.groupby("CUSTOMERNAME")["ORDERNUMBER"].nunique().to_dict()
    ranked = sorted(revenue.items(), key=lambda item: -item[1])
    assert ranked[9][1] != ranked[10][1]  # no tie at the cut, so the ten are well defined
    expected = [(name, amount, orders[name]) for name, amount in ranked[:10]]
    assert expected[0] == ("Euro Shopping Channel", Decimal("862283.46"), orders["Euro Shopping Channel"])

    with tenant_context(company):
        page = overview.build(dashboard_for(company, {"from": "2003-01-01", "to": "2005-12-31"}))
        top = sorted(engine.customers(Scope(SDS_SPAN)), key=lambda row: -row["revenue"])[:10]
        names = customer_names(row["customer_key"] for row in top)

    table = page.panel("top_customers").table
    assert [(row[0], paisa(row[1]), row[2]) for row in table.rows] == expected
    assert [(names[row["customer_key"]], paisa(row["revenue"]), row["orders"]) for row in top] == expected


def test_sds_kpis_command_and_overview_agree_for_a_full_year(sds_company, sds, company_client):
    company, owner, _ = sds_company
    year = sds[sds["YEAR_ID"] == "2004"]
    expected = frame_totals(year, "ORDERNUMBER", "CUSTOMERNAME")
    assert expected["revenue"] == Decimal("4578386.04")

    check_year_everywhere(company, owner, company_client, 2004, expected)


@pytest.mark.parametrize(
    ("period", "filters"),
    [
        (SDS_SPAN, Filters()),
        (Period(date(2003, 3, 15), date(2004, 11, 20)), Filters()),  # edge days as well as whole months
        (Period(date(2003, 3, 15), date(2004, 11, 20)), Filters(product_line="Classic Cars")),
        (SDS_SPAN, Filters(country="France")),
    ],
    ids=["span", "edges", "edges-product-line", "country"],
)
def test_sds_rollups_give_the_same_figures_as_the_raw_lines(sds_company, period, filters):
    company, _, _ = sds_company
    with tenant_context(company):
        assert_rollups_equal_raw_lines(Scope(period, filters))


# ================================================================ superstore.xls

STORE_SPAN = Period(date(2011, 1, 1), date(2014, 12, 31))
MANAGERS_ALL_LINES = {  # README: sales and profit by regional manager, all lines
    "Anna Andreadi": ("West", Decimal("725457.82"), Decimal("108418.45")),
    "Chuck Magee": ("East", Decimal("678781.24"), Decimal("91522.78")),
    "Kelly Williams": ("Central", Decimal("501239.89"), Decimal("39706.36")),
    "Cassandra Brandow": ("South", Decimal("391721.90"), Decimal("46749.43")),
}


def store_totals(frame: pd.DataFrame) -> dict:
    return {**frame_totals(frame, "Order ID", "Customer ID"), "profit": paisa(dsum(frame["profit"]))}


def test_store_pandas_reproduces_the_published_figures(store_book):
    every, kept = store_book["all"], store_book["kept"]
    assert store_totals(every) == {
        "lines": 9994,
        "revenue": Decimal("2297200.86"),
        "profit": Decimal("286397.02"),
        "orders": 5009,
        "aov": Decimal("458.61"),
        "customers": 793,
    }
    assert store_totals(kept) == {
        "lines": 9194,
        "revenue": Decimal("2116696.58"),
        "profit": Decimal("263164.66"),
        "orders": 4713,
        "aov": Decimal("449.12"),
        "customers": 791,
    }
    returned = every[every["returned"]]
    assert (returned["Order ID"].nunique(), len(returned)) == (296, 800)
    assert paisa(dsum(returned["amount"])) == Decimal("180504.28")
    assert by_key(every, "year") == {
        2011: Decimal("484247.50"),
        2012: Decimal("470532.51"),
        2013: Decimal("608473.83"),
        2014: Decimal("733947.02"),
    }
    managers = {
        person: (group["Region"].iloc[0], dsum(group["amount"]), dsum(group["profit"]))
        for person, group in every.groupby("Person")
    }
    assert set(managers) == set(MANAGERS_ALL_LINES)
    for person, (region, sales, profit) in MANAGERS_ALL_LINES.items():
        # Within half a paisa: South's sales are exactly 391,721.905, which the README rounds down (binary float
        # rounding); rounded half-up, as the app writes money, it is 391,721.91.
        assert managers[person][0] == region
        assert abs(managers[person][1] - sales) <= Decimal("0.005") and paisa(managers[person][2]) == profit
    assert managers["Cassandra Brandow"][1] == Decimal("391721.905")
    assert paisa(managers["Anna Andreadi"][1]) == Decimal("725457.82")
    assert every["Person"].notna().all()


def test_store_dashboards_count_the_lines_without_returned_orders(store_company, store_book):
    company, _, job = store_company
    every, kept = store_book["all"], store_book["kept"]
    expected = store_totals(kept)
    assert job.rows_loaded == 9994

    with tenant_context(company):
        lines = SalesLine.objects.aggregate(lines=Count("id"), revenue=Sum("net_amount"), profit=Sum("profit"))
        returned = SalesLine.objects.filter(is_returned=True)
        counted = SalesLine.objects.filter(counts=True)
        engine_totals = app_totals(Scope(STORE_SPAN))
        gross_profit = engine.sales_total(Scope(STORE_SPAN))["gross_profit"]
        page = overview.build(dashboard_for(company, {"from": "2011-01-01", "to": "2014-12-31"}))

        # Every line is stored, the returned ones marked and left out of the figures.
        assert (lines["lines"], paisa(lines["revenue"]), paisa(lines["profit"])) == (
            len(every),
            paisa(dsum(every["amount"])),
            paisa(dsum(every["profit"])),
        )
        assert returned.count() == int(every["returned"].sum()) == 800
        assert set(returned.values_list("invoice_number", flat=True)) == set(every.loc[every["returned"], "Order ID"])
        assert counted.count() == len(kept) and not counted.filter(is_returned=True).exists()

    assert engine_totals == {key: expected[key] for key in engine_totals}
    assert paisa(gross_profit) == expected["profit"] == Decimal("263164.66")
    cards = card_values(page)
    assert paisa(cards["revenue"]) == expected["revenue"] == Decimal("2116696.58")
    assert cards["revenue"] != paisa(dsum(every["amount"]))  # not the all-lines 2,297,200.86
    assert cards["orders"] == expected["orders"] == 4713
    assert cards["customers"] == expected["customers"] == 791
    assert paisa(cards["aov"]) == expected["aov"] == Decimal("449.12")
    assert paisa(cards["gross_profit"]) == expected["profit"]


def test_store_revenue_by_year_and_category_match_pandas(store_company, store_book):
    company, _, _ = store_company
    kept = store_book["kept"]
    years, categories = by_key(kept, "year"), by_key(kept, "Category")
    profits = by_key(kept, "Category", "profit")
    assert set(categories) == {"Furniture", "Office Supplies", "Technology"}

    with tenant_context(company):
        scope = Scope(STORE_SPAN)
        assert revenue_by_year(scope) == years
        lines = engine.sales(scope, ("product_line",))
        page = overview.build(dashboard_for(company, {"from": "2011-01-01", "to": "2014-12-31"}))

    assert money_of(lines, "product_line") == categories
    assert money_of(lines, "product_line", "gross_profit") == profits
    table = page.panel("product_lines").table
    assert {row[0]: (paisa(row[1]), paisa(row[2])) for row in table.rows} == {
        category: (categories[category], profits[category]) for category in categories
    }


def test_store_regional_managers_match_pandas_on_the_engine_and_the_people_leaderboard(store_company, store_book):
    company, _, _ = store_company
    kept = store_book["kept"]
    expected = {
        person: {
            "region": group["Region"].iloc[0],
            "revenue": paisa(dsum(group["amount"])),
            "profit": paisa(dsum(group["profit"])),
            "orders": group["Order ID"].nunique(),
        }
        for person, group in kept.groupby("Person")
    }
    assert set(expected) == set(MANAGERS_ALL_LINES)
    for person, (region, revenue, _) in MANAGERS_ALL_LINES.items():  # returned orders come off each one's sales
        assert expected[person]["region"] == region and expected[person]["revenue"] < revenue

    with tenant_context(company):
        scope = Scope(STORE_SPAN)
        rows = engine.sales(scope, ("person",))
        leaderboard = people.build(dashboard_for(company, {"from": "2011-01-01", "to": "2014-12-31"}))
        leaderboard = leaderboard.panel("leaderboard").table

    assert {row["person"]: (paisa(row["revenue"]), paisa(row["gross_profit"]), row["orders"]) for row in rows} == {
        person: (e["revenue"], e["profit"], e["orders"]) for person, e in expected.items()
    }
    columns = [column.key for column in leaderboard.columns]
    table = [dict(zip(columns, row, strict=True)) for row in leaderboard.rows]
    # Ranked by gross profit (the file has profit), highest first.
    assert [row["person"] for row in table] == sorted(expected, key=lambda person: -expected[person]["profit"])
    assert [row["rank"] for row in table] == [1, 2, 3, 4]
    for row in table:
        e = expected[row["person"]]
        assert row["branch"] == e["region"]
        assert (paisa(row["revenue"]), paisa(row["gross_profit"]), row["orders"]) == (
            e["revenue"],
            e["profit"],
            e["orders"],
        )
        assert row["margin"].quantize(Decimal("0.0001")) == (e["profit"] / e["revenue"]).quantize(Decimal("0.0001"))


def test_store_kpis_command_and_overview_agree_for_a_full_year(store_company, store_book, company_client):
    company, owner, _ = store_company
    kept = store_book["kept"]
    expected = frame_totals(kept[kept["year"] == 2014], "Order ID", "Customer ID")

    check_year_everywhere(company, owner, company_client, 2014, expected)


@pytest.mark.parametrize(
    ("period", "filters"),
    [
        (STORE_SPAN, Filters()),
        (Period(date(2012, 2, 10), date(2014, 7, 3)), Filters()),
        (Period(date(2012, 2, 10), date(2014, 7, 3)), Filters(product_line="Technology")),
        (STORE_SPAN, Filters(salesperson="Chuck Magee")),
        (STORE_SPAN, Filters(segment="Corporate", state="California")),
    ],
    ids=["span", "edges", "edges-product-line", "manager", "segment-state"],
)
def test_store_rollups_give_the_same_figures_as_the_raw_lines(store_company, period, filters):
    company, _, _ = store_company
    with tenant_context(company):
        assert_rollups_equal_raw_lines(Scope(period, filters))
