"""Every figure the dashboards show from the rollups equals the figure computed from the sales lines.

Each page is built twice for the same selection, once reading the rollups and once reading the lines
(a dashboard made with `from_lines=True`), and every card and every table cell must be the same, to the paisa.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics import rollups
from analytics.dashboard import dashboard_for
from analytics.models import (
    OrderDay,
    ProductSegmentMonth,
    ProductSegmentQuarter,
    RollupMonth,
    RollupState,
    SalesMonth,
)
from analytics.pages import PAGES
from analytics.tasks import nightly_refresh
from ingestion import services
from ingestion.models import ExclusionRule, Kind, SalesLine
from ingestion.sample_exports.invoice_lines import write_customer_segments, write_invoice_lines
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = pytest.mark.django_db

SALES_PAGES = [name for name in PAGES if name not in ("operations", "data")]


def page_figures(company, query: dict, name: str, *, from_lines: bool = False):
    """Everything a page shows: its cards (value, previous, year ago) and every panel's table rows."""
    page = PAGES[name][1](dashboard_for(company, query, today=date(2026, 4, 15), from_lines=from_lines))
    cards = [(c.key, c.value, c.previous, c.year_ago) for c in page.cards]
    panels = {p.key: (p.table.rows, p.figure is not None) for p in page.panels}
    return cards, panels, page.empty


def assert_rollups_equal_raw(company, query: dict) -> None:
    for name in SALES_PAGES:
        from_rollups = page_figures(company, query, name)
        from_lines = page_figures(company, query, name, from_lines=True)
        assert from_rollups == from_lines, f"{name} differs for {query}"


@pytest.fixture
def generated(make_company, tmp_path):
    """A company with 6,000 generated invoice lines over two fiscal years (1 Apr 2024 to 31 Mar 2026), then a
    customer master giving each customer a segment and a country."""
    company, _owner = make_company("rollups")
    path = tmp_path / "lines.csv"
    totals = write_invoice_lines(path, lines=6000, seed=3)
    with tenant_context(company):
        job = load(path)
        assert job.status == "succeeded", job.error
        names = pd.read_csv(path, dtype=str)["Customer"].unique()
        job = load(write_customer_segments(tmp_path / "customers.csv", names), kind=Kind.CUSTOMERS)
        assert job.status == "succeeded", job.error
    return company, totals


QUERIES = [
    {},
    {"preset": "last_fy"},
    {"preset": "this_fy"},
    {"preset": "this_quarter"},
    {"from": "2024-05-17", "to": "2025-02-03"},  # edge days at both ends
    {"from": "2025-03-31", "to": "2025-04-01"},  # across the fiscal year boundary
    {"branch": "Pune"},
    {"product_line": "Lighting"},
    {"product_line": "Cables & Wires", "state": "Karnataka"},
    {"from": "2024-06-10", "to": "2025-09-20", "product_line": "Fans"},
    # Each rollup the engine can pick: a cut by place, the full tables when no cut keeps the filters, and edge
    # days read from the daily tables with a filter on them.
    {"from": "2024-05-17", "to": "2025-02-03", "state": "Karnataka"},
    {"from": "2024-05-17", "to": "2025-02-03", "branch": "Pune"},
    {"from": "2024-05-17", "to": "2025-02-03", "product_line": "Lighting"},
    {"branch": "Pune", "state": "Karnataka"},
    {"from": "2024-04-01", "to": "2026-03-31", "country": "India", "product_line": "Fans"},
    # Country and segment, which the customer master fills in: the monthly products by segment, and the daily
    # tables on edge days.
    {"segment": "Dealer"},
    {"from": "2024-05-17", "to": "2025-02-03", "segment": "Contractor"},
    {"country": "Nepal", "preset": "last_fy"},
    {"country": "India", "segment": "OEM", "product_line": "Lighting"},
    # The cuts that keep the country with the organisation (monthly) and with the product line (daily too).
    {"country": "India", "branch": "Pune", "preset": "last_fy"},
    {"from": "2024-05-17", "to": "2025-02-03", "country": "India"},
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()) or "default")
def test_every_page_shows_the_same_figures_from_rollups_and_from_lines(generated, query):
    company, _ = generated
    with tenant_context(company):
        assert_rollups_equal_raw(company, query)


def test_a_salesperson_and_the_file_s_own_totals(generated, tmp_path):
    company, _ = generated
    with tenant_context(company):
        person = SalesLine.objects.values_list("salesperson", flat=True).first()
        assert_rollups_equal_raw(company, {"salesperson": person, "preset": "last_fy"})
        line = SalesLine.objects.filter(salesperson=person).first()
        assert_rollups_equal_raw(company, {"salesperson": person, "from": "2024-05-17", "to": "2025-02-03"})
        assert_rollups_equal_raw(company, {"salesperson": person, "state": line.state})
        assert_rollups_equal_raw(company, {"state": line.state, "from": "2025-01-09", "to": "2025-01-20"})
        assert_rollups_equal_raw(company, {"segment": "Retail", "preset": "last_fy"})  # no such segment
        cards, _, _ = page_figures(company, {"from": "2024-04-01", "to": "2026-03-31"}, "overview")
        patterns = list(ExclusionRule.objects.filter(is_active=True).values_list("pattern", flat=True))
    # The same file read by pandas: lines not cancelled and not matching the company's exclusion rules.
    frame = pd.read_csv(tmp_path / "lines.csv", dtype=str)
    excluded = frame["Product Name"].str.contains("|".join(patterns), case=False) | frame["Product Line"].str.contains(
        "|".join(patterns), case=False
    )
    counted = frame[(frame["Status"] != "Cancelled") & ~excluded]
    figures = {key: value for key, value, _, _ in cards}
    assert figures["revenue"] == sum(Decimal(v) for v in counted["Net Amount"])
    assert figures["orders"] == counted["Invoice No"].nunique()
    assert figures["customers"] == counted["Customer"].nunique()


def test_segments_and_countries_from_the_customer_master_match_the_files(generated, tmp_path):
    """The lines have no segment or country; the master gives them. A segment's or country's revenue on the
    overview and the products page equals the file's lines of those customers, added up by pandas."""
    company, _ = generated
    lines = pd.read_csv(tmp_path / "lines.csv", dtype=str)
    master = pd.read_csv(tmp_path / "customers.csv", dtype=str)
    with tenant_context(company):
        patterns = list(ExclusionRule.objects.filter(is_active=True).values_list("pattern", flat=True))
        excluded = lines["Product Name"].str.contains("|".join(patterns), case=False) | lines[
            "Product Line"
        ].str.contains("|".join(patterns), case=False)
        counted = lines[(lines["Status"] != "Cancelled") & ~excluded].merge(
            master, left_on="Customer", right_on="Customer Name"
        )
        period = {"from": "2024-04-01", "to": "2026-03-31"}
        for column, value in (("Segment", "Dealer"), ("Segment", "Project"), ("Country", "Nepal")):
            expected = sum(Decimal(v) for v in counted.loc[counted[column] == value, "Net Amount"])
            query = {**period, column.lower(): value}
            cards, _, _ = page_figures(company, query, "overview")
            assert {key: v for key, v, _, _ in cards}["revenue"] == expected > 0, query
            _, panels, _ = page_figures(company, query, "products")
            rows, _ = panels["pareto"]  # every product
            assert sum(row[2] for row in rows) == expected, query


def test_an_upload_refreshes_only_the_months_it_touches(make_company):
    company, _ = make_company("incremental")
    first = [
        HEADER,
        ["A-1", "10/04/2024", "Ravi", "Maharashtra", "Fan", "1", "100", "100", "18"],
        ["A-2", "12/06/2024", "Asha", "Kerala", "Fan", "1", "250", "250", "18"],
    ]
    later = [HEADER, ["B-1", "03/06/2024", "Kiran", "Kerala", "Lamp", "2", "40", "80", "18"]]
    with tenant_context(company):
        load(csv_bytes(first), "first.csv")
        april = SalesMonth.objects.get(month=date(2024, 4, 1)).pk
        version = RollupState.objects.get().version

        load(csv_bytes(later), "later.csv")

        assert SalesMonth.objects.get(month=date(2024, 4, 1)).pk == april  # April was not rebuilt
        june = SalesMonth.objects.get(month=date(2024, 6, 1))  # both Kerala sales, one cell
        assert june.revenue == Decimal("330") and june.orders == 2
        assert OrderDay.objects.filter(day=date(2024, 6, 3)).get().orders == 1
        assert RollupState.objects.get().version == version + 1
        assert_rollups_equal_raw(company, {"from": "2024-04-01", "to": "2024-06-30"})

        load(csv_bytes(later), "again.csv")  # every line a duplicate: nothing changed, nothing rebuilt
        assert RollupState.objects.get().version == version + 1


def test_changing_exclusions_and_the_nightly_rebuild_keep_rollups_right(make_company):
    company, _ = make_company("remark")
    rows = [
        HEADER,
        ["X-1", "01/04/2024", "Ravi", "Maharashtra", "Fan", "1", "100", "100", "18"],
        ["X-1", "01/04/2024", "Ravi", "Maharashtra", "Loading charges", "1", "30", "30", "18"],
    ]
    with tenant_context(company):
        load(csv_bytes(rows), "x.csv")
        assert SalesMonth.objects.get().revenue == Decimal("130")

        services.exclusion_add(field="product", pattern="loading charges")
        services.exclusions_apply()
        assert SalesMonth.objects.get().revenue == Decimal("100")

        with connection.cursor() as cursor:  # a rollup edited by hand: no fingerprint sees it, the weekly rebuild does
            cursor.execute("UPDATE analytics_sales_month SET revenue = 1")
        RollupState.objects.update(rebuilt_at=timezone.now() - timedelta(days=settings.ROLLUP_FULL_REBUILD_DAYS))
        nightly_refresh.apply()
        assert SalesMonth.objects.get().revenue == Decimal("100")
        assert RollupState.objects.get().rebuilt_at > timezone.now() - timedelta(minutes=1)


def test_the_nightly_rebuilds_the_months_whose_lines_changed_and_only_those(make_company):
    company, _ = make_company("fingerprints")
    rows = [
        HEADER,
        ["A-1", "10/04/2024", "Ravi", "Maharashtra", "Fan", "1", "100", "100", "18"],
        ["A-2", "12/06/2024", "Asha", "Kerala", "Fan", "1", "250", "250", "18"],
        ["A-3", "20/08/2024", "Kiran", "Kerala", "Lamp", "2", "40", "80", "18"],
    ]
    with tenant_context(company):
        load(csv_bytes(rows), "lines.csv")  # the first upload changed every month: one full rebuild
        assert rollups.refresh_nightly() == "no month changed"
        august = SalesMonth.objects.get(month=date(2024, 8, 1)).pk

        # Lines changed behind the rollups' back (an operator in the admin, a refresh that failed).
        SalesLine.objects.filter(invoice_number="A-1").update(net_amount=Decimal("120"))
        SalesLine.objects.filter(invoice_number="A-2").delete()
        assert rollups.changed_months() == ([date(2024, 4, 1), date(2024, 6, 1)], (date(2024, 4, 1), date(2024, 8, 1)))
        assert rollups.refresh_nightly() == "2 changed months rebuilt"

        assert SalesMonth.objects.get(month=date(2024, 4, 1)).revenue == Decimal("120")
        assert not SalesMonth.objects.filter(month=date(2024, 6, 1)).exists()
        assert SalesMonth.objects.get(month=date(2024, 8, 1)).pk == august  # unchanged, not rebuilt
        assert rollups.changed_months() == ([], (date(2024, 4, 1), date(2024, 8, 1)))
        assert_rollups_equal_raw(company, {"from": "2024-04-01", "to": "2024-08-31"})

        # A change in every month read is one full rebuild.
        SalesLine.objects.all().delete()
        rebuilt = RollupState.objects.get().rebuilt_at
        assert rollups.refresh_nightly() == "2 changed months rebuilt"
        assert RollupState.objects.get().rebuilt_at > rebuilt
        assert not SalesMonth.objects.exists()


def test_an_invoice_across_product_lines_is_one_order(make_company):
    company, _ = make_company("oneorder")
    rows = [
        HEADER,
        ["M-1", "01/04/2024", "Ravi", "Maharashtra", "Fan", "1", "100", "100", "18"],
        ["M-1", "01/04/2024", "Ravi", "Maharashtra", "Cable", "1", "50", "50", "18"],
        ["M-2", "02/04/2024", "Ravi", "Maharashtra", "Cable", "1", "70", "70", "18"],
    ]
    product_lines = ["Fans", "Cables", "Cables"]
    rows = [rows[0] + ["Product Line"]] + [[*row, line] for row, line in zip(rows[1:], product_lines, strict=True)]
    with tenant_context(company):
        load(csv_bytes(rows), "m.csv")
        cards, _panels, _ = page_figures(company, {"from": "2024-04-01", "to": "2024-04-30"}, "overview")
        values = {key: value for key, value, _, _ in cards}
        assert values["orders"] == 2 and values["revenue"] == Decimal("220") and values["aov"] == Decimal("110.00")
        cables, _, _ = page_figures(
            company, {"from": "2024-04-01", "to": "2024-04-30", "product_line": "Cables"}, "overview"
        )
        assert {key: value for key, value, _, _ in cables}["orders"] == 2  # both invoices sold cables
        assert_rollups_equal_raw(company, {"from": "2024-04-01", "to": "2024-04-30"})


def test_a_refresh_with_no_lines_left_empties_the_rollups(make_company):
    company, _ = make_company("emptied")
    with tenant_context(company):
        load(csv_bytes([HEADER, ["E-1", "01/04/2024", "Ravi", "Maharashtra", "Fan", "1", "100", "100", "18"]]), "e.csv")
        SalesLine.objects.all().delete()
        rollups.refresh()
        assert not SalesMonth.objects.exists() and RollupState.objects.get().last_day is None
        cards, _panels, empty = page_figures(company, {}, "overview")
    assert empty and not cards


def test_operators_refresh_the_changed_months_or_everything_from_the_command_line(make_company):
    company, _ = make_company("refreshcmd")
    rows = [
        HEADER,
        ["C-1", "10/04/2024", "Ravi", "Maharashtra", "Fan", "1", "100", "100", "18"],
        ["C-2", "12/06/2024", "Asha", "Kerala", "Fan", "1", "250", "250", "18"],
    ]
    with tenant_context(company):
        load(csv_bytes(rows), "lines.csv")

    def run(*args: str) -> str:
        out = io.StringIO()
        call_command("refresh_rollups", "--company", company.subdomain, *args, stdout=out)
        return out.getvalue().strip()

    assert run() == "refreshcmd: no month changed; nothing to rebuild"
    with tenant_context(company):
        SalesLine.objects.filter(invoice_number="C-2").update(net_amount=Decimal("300"))
    assert run() == "refreshcmd: 1 changed month rebuilt (Jun 2024)"
    with tenant_context(company):
        assert SalesMonth.objects.get(month=date(2024, 6, 1)).revenue == Decimal("300")
    assert run("--full").startswith("refreshcmd: every month rebuilt in ")


def test_amounts_near_the_limit_add_up_exactly_and_beyond_it_are_refused(make_company):
    company, _ = make_company("bigamounts")
    biggest = "99999999999999.9999"
    rows = [
        HEADER,
        ["B-1", "01/04/2024", "Ravi", "Maharashtra", "Turbine", "1", biggest, biggest, "0"],
        ["B-2", "02/04/2024", "Ravi", "Maharashtra", "Turbine", "1", biggest, biggest, "0"],
        ["B-3", "03/04/2024", "Ravi", "Maharashtra", "Fan", "1", "0.0001", "0.0001", "0"],
    ]
    with tenant_context(company):
        load(csv_bytes(rows), "big.csv")
        assert SalesMonth.objects.get().revenue == Decimal("199999999999999.9999")
        assert_rollups_equal_raw(company, {"from": "2024-04-01", "to": "2024-04-30"})
        line = SalesLine.objects.first()
        line.net_amount = Decimal(10) ** 14
        with pytest.raises(ValidationError, match="Amounts must lie between"):
            line.validate_constraints()


def test_a_company_migrated_from_before_the_country_cuts_and_product_quarters_has_them_filled(generated):
    """analytics 0009 fills the new cuts and quarterly products from the rollups a company has (its rollups are
    not rebuilt until its lines change), so the pages that read them are right from the first request."""
    company, _ = generated
    call_command("migrate_schemas", "analytics", "0008", schema_name=company.schema_name, verbosity=0)
    with tenant_context(company), connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM analytics_sales_month_cut WHERE cut IN (4, 5)")
        assert cursor.fetchone()[0] == 0  # as before the migration
    call_command("migrate_schemas", schema_name=company.schema_name, verbosity=0)
    with tenant_context(company):
        assert ProductSegmentQuarter.objects.exists()
        for query in ({"country": "India", "branch": "Pune", "preset": "last_fy"}, {"segment": "Dealer"}):
            assert_rollups_equal_raw(company, query)


def test_a_company_migrated_from_before_fingerprints_gets_its_rollups_rebuilt(make_company):
    """Upgrading a company whose rollups were built before analytics 0007: the migrations run, and once the
    schema has every table the rollups are rebuilt, the new tables included."""
    company, _ = make_company("upgraded")
    rows = [
        HEADER,
        ["U-1", "10/04/2024", "Ravi", "Maharashtra", "Fan", "1", "100", "100", "18"],
        ["U-2", "12/06/2024", "Asha", "Kerala", "Lamp", "2", "40", "80", "18"],
    ]
    with tenant_context(company):
        load(csv_bytes(rows), "lines.csv")
    call_command("migrate_schemas", "analytics", "0002", schema_name=company.schema_name, verbosity=0)
    call_command("migrate_schemas", schema_name=company.schema_name, verbosity=0)
    with tenant_context(company):
        assert RollupMonth.objects.count() == 2  # fingerprinted: rebuilt by today's code
        assert ProductSegmentMonth.objects.count() == 2
        assert_rollups_equal_raw(company, {"from": "2024-04-01", "to": "2024-06-30"})
