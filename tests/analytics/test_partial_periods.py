"""A bar that covers only part of its period (a month whose data stops on the 10th, a week, a quarter, a year) is
marked as partial on the overview's and the Trends page's charts, with the figure projected to the period's end at
the same pace; whole periods are left as they are."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import plotly.graph_objects as go
import pytest
from django_tenants.utils import tenant_context

from analytics.dashboard import dashboard_for
from analytics.pages import overview, trends
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 5)
# (day, amount); the data run from 1 January to Monday 10 March 2025.
SALES = [
    (date(2025, 1, 1), 1200),
    (date(2025, 1, 20), 3400),
    (date(2025, 2, 3), 2100),
    (date(2025, 2, 27), 2900),
    (date(2025, 3, 2), 1500),
    (date(2025, 3, 10), 700),
]


@pytest.fixture
def company(make_company):
    company, _ = make_company("partial")
    rows = [HEADER] + [[f"P-{n}", f"{day:%d/%m/%Y}", "Ravi", "Kerala", "Fan", 1, amount, amount, 18]
                       for n, (day, amount) in enumerate(SALES)]  # fmt: skip
    with tenant_context(company):
        load(csv_bytes(rows), "sales.csv")
    return company


def _sum(start: date, end: date) -> Decimal:
    return sum((Decimal(amount) for day, amount in SALES if start <= day <= end), Decimal(0))


def _pace(value: Decimal, days: int, covered: int) -> Decimal:
    return (value * days / covered).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _build(module, company, query: dict):
    with tenant_context(company):
        return module.build(dashboard_for(company, query, today=TODAY))


def _marked(figure: dict, table) -> dict:
    """{bar label: projected figure} as the chart and the table both show it, after checking they agree."""
    go.Figure(figure)  # raises on any property Plotly does not know
    bars = figure["data"][0]
    shapes = bars["marker"].get("pattern", {}).get("shape", [""] * len(bars["x"]))
    hatched = [x for x, shape in zip(bars["x"], shapes, strict=True) if shape]
    ghosts = [trace for trace in figure["data"] if trace.get("name") == "Projected at this pace"]
    if not ghosts:
        assert not hatched and "pace" not in [column.key for column in table.columns]
        return {}
    (ghost,) = ghosts
    assert ghost["x"] == hatched
    index = [column.key for column in table.columns].index("pace")
    from_table = {row[0]: row[index] for row in table.rows if row[index] is not None}
    assert list(from_table) == hatched
    for x, y in zip(ghost["x"], ghost["y"], strict=True):
        assert y == float(from_table[x])
    return from_table


def test_the_overview_marks_a_month_whose_data_stop_on_the_tenth(company):
    page = _build(overview, company, {})
    panel = page.panel("revenue_trend")

    march = _sum(date(2025, 3, 1), date(2025, 3, 10))
    assert _marked(panel.figure, panel.table) == {"Mar 2025": _pace(march, 31, 10)}
    assert all(isinstance(v, Decimal) for v in _marked(panel.figure, panel.table).values())
    labels = [a["text"] for a in panel.figure["layout"]["annotations"]]
    assert labels == ["1–10 Mar 2025, partial"]
    assert "Mar 2025 covers 1–10 Mar 2025 only" in panel.note and "projected at this pace" in panel.note
    # The projection sits under the axis's top, so it is not cut off.
    assert max(panel.figure["layout"]["yaxis"]["tickvals"]) >= float(_pace(march, 31, 10))


def test_a_selection_starting_mid_month_marks_its_first_month(company):
    page = _build(overview, company, {"from": "2025-01-20", "to": "2025-02-28"})
    panel = page.panel("revenue_trend")

    assert _marked(panel.figure, panel.table) == {"Jan 2025": _pace(_sum(date(2025, 1, 20), date(2025, 1, 31)), 31, 12)}


def test_whole_months_are_not_marked(company):
    page = _build(overview, company, {"from": "2025-01-01", "to": "2025-02-28"})
    panel = page.panel("revenue_trend")

    assert _marked(panel.figure, panel.table) == {} and not panel.note
    assert [row[1] for row in panel.table.rows] == [_sum(date(2025, 1, 1), date(2025, 1, 31)),
                                                    _sum(date(2025, 2, 1), date(2025, 2, 28))]  # fmt: skip


@pytest.mark.parametrize(
    ("grain", "expected"),
    [
        ("day", {}),
        ("month", {"Mar 2025": (date(2025, 3, 1), date(2025, 3, 10), 31)}),
        (
            "week",  # Monday 30 December to Sunday 5 January, and Monday 10 March alone
            {
                "w/c 30 Dec 2024": (date(2025, 1, 1), date(2025, 1, 5), 7),
                "w/c 10 Mar 2025": (date(2025, 3, 10), date(2025, 3, 10), 7),
            },
        ),
        ("quarter", {"Q4 FY 2024-25": (date(2025, 1, 1), date(2025, 3, 10), 90)}),  # January to March
        ("fy", {"FY 2024-25": (date(2025, 1, 1), date(2025, 3, 10), 365)}),  # April 2024 to March 2025
    ],
)
def test_trends_marks_partial_buckets_of_every_grain(company, grain, expected):
    page = _build(trends, company, {"grain": grain})
    panel = page.panel("by_period")

    truth = {
        label: _pace(_sum(start, end), days, (end - start).days + 1) for label, (start, end, days) in expected.items()
    }
    assert _marked(panel.figure, panel.table) == truth
    totals = {row[0]: row[1] for row in panel.table.rows}
    for label, (start, end, _) in expected.items():
        assert totals[label] == _sum(start, end)  # the bar itself stays the real figure


def test_the_customer_and_product_pages_mark_the_month_their_data_stop_in(company):
    from analytics.detail.customer import customer_page
    from analytics.detail.product import product_page
    from ingestion.models import Customer

    march = _sum(date(2025, 3, 1), date(2025, 3, 10))
    with tenant_context(company):
        d = dashboard_for(company, {"from": "2025-01-01", "to": "2025-03-31"}, today=TODAY)
        pages = [customer_page(Customer.objects.get().key, d), product_page("fan", d)]
    for found in pages:
        go.Figure(found.figure)
        (ghost,) = [trace for trace in found.figure["data"] if trace.get("name") == "Projected at this pace"]
        assert ghost["x"] == ["Mar 2025"] and ghost["y"] == [float(_pace(march, 31, 10))]
        bars = found.figure["data"][0]
        assert bars["marker"]["pattern"]["shape"] == ["", "", "/"]
