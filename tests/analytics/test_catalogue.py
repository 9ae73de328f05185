"""One catalogue of headline measures: the overview's cards and the `kpis` command read the same definitions, so
they agree, even where a figure has no value; and a measure added to the catalogue (quantity sold, and discount given,
a new sum) shows on both, from rollups built, merged and rebuilt alike."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from analytics import catalogue
from analytics.dashboard import dashboard_for
from analytics.pages import overview
from analytics.periods import Period
from analytics.selectors import kpis
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

ROWS = [["Invoice No", "Date", "Customer", "Item", "Qty", "Amount"],
        ["A-1", "02/04/2025", "Acme", "Fan", "2.5", "1000.10"],
        ["A-1", "02/04/2025", "Acme", "Lamp", "4", "200.20"],
        ["B-7", "09/05/2025", "Beta", "Fan", "1", "300.00"]]  # fmt: skip


def _cards(company, query):
    page = overview.build(dashboard_for(company, query, today=date(2026, 4, 15)))
    return {card.key: card for card in page.cards}


def test_the_overview_and_kpis_agree_on_every_shared_measure(make_company):
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes(ROWS), "sales.csv")
        cards = _cards(company, {"from": "2025-04-01", "to": "2026-03-31"})
        figures = kpis(date_from=date(2025, 4, 1), date_to=date(2026, 3, 31))
    for key in ("revenue", "orders", "aov", "customers", "quantity"):
        assert cards[key].value == getattr(figures, key), key
    assert figures.revenue == Decimal("1500.30") and figures.orders == 2 and figures.aov == Decimal("750.15")
    assert figures.quantity == Decimal("7.5")


def test_with_no_orders_average_order_value_has_no_value_on_both(make_company):
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes(ROWS), "sales.csv")
        cards = _cards(company, {"from": "2025-07-01", "to": "2025-07-31"})  # no sale in July
        figures = kpis(date_from=date(2025, 7, 1), date_to=date(2025, 7, 31))
        out = StringIO()
        call_command("kpis", "--company", company.subdomain, "--from", "2025-07-01", "--to", "2025-07-31",
                     "--json", stdout=out)  # fmt: skip
    assert cards["aov"].value is None and figures.aov is None
    printed = json.loads(out.getvalue())
    assert printed["aov"] is None and printed["orders"] == 0 and printed["quantity"] == "0"


def test_quantity_sold_is_a_card_and_a_kpi_from_one_catalogue_entry(make_company, company_client):
    company, owner = make_company()
    with tenant_context(company):
        load(csv_bytes(ROWS), "sales.csv")
    html = company_client(company, owner).get("/?from=2025-04-01&to=2026-03-31").content.decode()
    assert 'data-kpi="quantity"' in html and "Quantity sold" in html
    measure = catalogue.MEASURES["quantity"]
    assert (measure.label, measure.unit, measure.combine) == ("Quantity sold", "number", "sum")
    assert "quantity" in catalogue.OVERVIEW_CARDS


def test_every_dimension_says_where_its_values_come_from_and_every_comparison_shifts_the_period():
    assert all(dimension.source for dimension in catalogue.DIMENSIONS.values())
    period = Period(date(2025, 4, 1), date(2025, 6, 30))
    shifted = {key: c.shift(period) for key, c in catalogue.COMPARISONS.items()}
    assert shifted["previous"] == Period(date(2025, 1, 1), date(2025, 3, 31))
    assert shifted["year_ago"] == Period(date(2024, 4, 1), date(2024, 6, 30))


# A register with a discount column; the second file adds lines (one to an existing order), so it is merged.
DISCOUNTED = [["Invoice No", "Date", "Customer", "Item", "Product Line", "Qty", "Discount", "Amount"],
              ["D-1", "03/06/2025", "Acme", "Fan", "Fans", "2", "120.50", "2279.50"],
              ["D-1", "03/06/2025", "Acme", "MCB", "Switchgear", "10", "", "850.00"],
              ["D-2", "19/07/2025", "Beta", "Fan", "Fans", "1", "64.25", "1135.75"]]  # fmt: skip
# Lines with no discount, enough that the next file's two lines are merged rather than rebuilt.
DISCOUNTED += [[f"F-{n}", f"{n + 1:02d}/08/2025", "Delta", "Cable", "Cables", "1", "", "100.00"] for n in range(12)]
MORE_DISCOUNTED = [DISCOUNTED[0],
                   ["D-1", "03/06/2025", "Acme", "Lamp", "Lighting", "4", "8.00", "392.00"],
                   ["D-3", "21/07/2025", "Gamma", "MCB", "Switchgear", "3", "15.30", "239.70"]]  # fmt: skip


def _discount_of(*files) -> Decimal:
    """The files' own discount column, added up here."""
    return sum((Decimal(row[6] or 0) for rows in files for row in rows[1:]), Decimal(0))


def test_discount_given_is_one_catalogue_entry_on_the_overview_in_kpis_and_in_the_rollups(
    make_company, company_client, caplog
):
    from analytics import engine, rollups
    from analytics.models import ProductMonth, SalesMonth
    from tests.analytics.test_rollups_follow_changes import assert_same_rows, rollup_rows

    company, owner = make_company()
    query = {"from": "2025-04-01", "to": "2026-03-31"}
    with tenant_context(company):
        load(csv_bytes(DISCOUNTED), "june.csv")
        with caplog.at_level(logging.INFO, logger="analytics.rollup_merge"):
            load(csv_bytes(MORE_DISCOUNTED), "more.csv")
        assert "rollups: merged the lines above id" in caplog.text  # merged into the rollups, not rebuilt
        total = _discount_of(DISCOUNTED, MORE_DISCOUNTED)
        assert total == Decimal("208.05")
        figures = kpis(date_from=date(2025, 4, 1), date_to=date(2026, 3, 31))
        assert figures.discount == total
        scope = dashboard_for(company, query, today=date(2026, 4, 15)).scope
        assert engine.sales_total(scope)["discount"] == total
        assert (
            engine.sales_total(dataclasses.replace(scope, from_lines=True))["discount"] == total
        )  # the raw-lines oracle agrees
        # Per product line, and per product, from the rollups the merge left.
        by_line = {row["product_line"]: row["discount"] for row in engine.sales(scope, ("product_line",))}
        assert by_line == {
            "Fans": Decimal("184.75"),
            "Switchgear": Decimal("15.30"),
            "Lighting": Decimal("8.00"),
            "Cables": 0,
        }
        assert sum(ProductMonth.objects.values_list("discount", flat=True)) == total
        assert sum(SalesMonth.objects.values_list("discount", flat=True)) == total
        merged = rollup_rows()
        rollups.refresh()
        assert_same_rows(merged, rollup_rows())  # the merge kept the discounts a rebuild makes
        out = StringIO()
        call_command("kpis", "--company", company.subdomain, "--from", "2025-04-01", "--to", "2026-03-31", "--json",
                     stdout=out)  # fmt: skip
    assert json.loads(out.getvalue())["discount"] == "208.05"
    html = company_client(company, owner).get("/?from=2025-04-01&to=2026-03-31").content.decode()
    assert 'data-kpi="discount"' in html and "Discount given" in html and "208" in html


def test_a_company_whose_files_give_no_discount_gets_no_discount_card(make_company):
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes(ROWS), "sales.csv")
        cards = _cards(company, {"from": "2025-04-01", "to": "2026-03-31"})
    assert "discount" not in cards and "revenue" in cards
