"""The overview answers at a glance: every card shows the month so far against the same days of the month before
and of the same month a year before, naming the dates, and the period comparisons name theirs too."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.dashboard import dashboard_for
from analytics.pages import overview
from analytics.periods import month_to_date, range_label
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = pytest.mark.django_db

# (invoice, day, customer, state, quantity, rate): the latest sale is 31 March 2025, long before today.
PLANTED = [
    ("A-1", date(2025, 3, 1), "Ravi", "Maharashtra", 1, 1000),
    ("A-2", date(2025, 3, 15), "Kiran", "Gujarat", 2, 1500),
    ("A-3", date(2025, 3, 31), "Ravi", "Gujarat", 1, 2000),
    ("B-1", date(2025, 2, 1), "Ravi", "Maharashtra", 1, 2500),
    ("B-2", date(2025, 2, 28), "Kiran", "Gujarat", 1, 2500),
    ("C-1", date(2025, 1, 31), "Kiran", "Gujarat", 1, 9999),  # in no month-to-date window
    ("D-1", date(2024, 3, 31), "Ravi", "Gujarat", 1, 4000),
    ("D-2", date(2024, 3, 10), "Kiran", "Maharashtra", 1, 4000),
    ("E-1", date(2024, 2, 29), "Ravi", "Gujarat", 1, 777),  # a year and a month back: in no window either
]


def _rows(planted) -> list[list]:
    return [HEADER] + [[inv, f"{day:%d/%m/%Y}", who, state, "Fan", qty, rate, qty * rate, 18]
                       for inv, day, who, state, qty, rate in planted]  # fmt: skip


def _truth(planted, start: date, end: date, state: str | None = None) -> dict:
    rows = [r for r in planted if start <= r[1] <= end and (state is None or r[3] == state)]
    return {
        "revenue": sum((Decimal(r[4] * r[5]) for r in rows), Decimal(0)),
        "orders": len({r[0] for r in rows}),
        "customers": len({r[2] for r in rows}),
    }


def _change(now, then) -> str:
    percent = ((Decimal(now) - Decimal(then)) / Decimal(then) * 100).quantize(Decimal("0.1"))
    return f"{'+' if percent > 0 else ''}{percent}%"


def _card_html(html: str, key: str) -> str:
    start = html.index(f'data-kpi="{key}"')
    following = html.find("data-kpi=", start + 1)
    return html[start : following if following != -1 else len(html)]


def _text(block: str, marker: str) -> str:
    found = re.search(rf'data-mtd="{marker}">(.*?)</span>', block, re.S)
    assert found, f"no {marker} in {block}"
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


def _money(amount: Decimal) -> str:
    whole, paise = f"{amount:.2f}".split(".")
    head, tail = whole[:-3], whole[-3:]
    groups = []
    while len(head) > 2:
        head, groups = head[:-2], [head[-2:], *groups]
    return "₹" + ",".join([g for g in [head, *groups] if g] + [tail]) + "." + paise


def test_each_card_shows_the_latest_month_against_the_same_days_before(make_company, company_client):
    company, owner = make_company("mtd")
    with tenant_context(company):
        load(csv_bytes(_rows(PLANTED)), "sales.csv")

    html = company_client(company, owner).get("/").content.decode()

    # No sales this month: the cards show the month of the latest sale, through its last day with sales.
    now = _truth(PLANTED, date(2025, 3, 1), date(2025, 3, 31))
    last_month = _truth(PLANTED, date(2025, 2, 1), date(2025, 2, 28))  # 31 March clamps to February's end
    last_year = _truth(PLANTED, date(2024, 3, 1), date(2024, 3, 31))
    assert now["revenue"] == 6000 and last_month["revenue"] == 5000 and last_year["revenue"] == 8000
    revenue = _card_html(html, "revenue")
    assert _text(revenue, "value").startswith("Latest month with sales, 1–31 Mar 2025:")
    assert f'title="{_money(now["revenue"])}"' in revenue
    assert _text(revenue, "previous") == f"{_change(now['revenue'], last_month['revenue'])} vs 1–28 Feb 2025"
    assert _text(revenue, "year_ago") == f"{_change(now['revenue'], last_year['revenue'])} vs 1–31 Mar 2024"
    assert "+20.0%" in revenue and "-25.0%" in revenue  # the same truths, read by eye

    orders = _card_html(html, "orders")
    assert _text(orders, "value") == f"Latest month with sales, 1–31 Mar 2025: {now['orders']}"
    assert _text(orders, "previous") == f"{_change(now['orders'], last_month['orders'])} vs 1–28 Feb 2025"
    customers = _card_html(html, "customers")
    assert _text(customers, "year_ago") == f"{_change(now['customers'], last_year['customers'])} vs 1–31 Mar 2024"

    # The period's own comparisons name their dates: the latest 12 months against the 12 before.
    assert "vs Apr 2023 – Mar 2024" in revenue
    assert 'title="against 1 Apr 2023 – 31 Mar 2024, the period before"' in revenue


def test_the_month_to_date_follows_the_filters(make_company, company_client):
    company, owner = make_company("mtd")
    with tenant_context(company):
        load(csv_bytes(_rows(PLANTED)), "sales.csv")

    html = company_client(company, owner).get("/?state=Gujarat").content.decode()

    now = _truth(PLANTED, date(2025, 3, 1), date(2025, 3, 31), "Gujarat")
    last_month = _truth(PLANTED, date(2025, 2, 1), date(2025, 2, 28), "Gujarat")
    last_year = _truth(PLANTED, date(2024, 3, 1), date(2024, 3, 31), "Gujarat")
    assert (now["revenue"], last_month["revenue"], last_year["revenue"]) == (5000, 2500, 4000)
    revenue = _card_html(html, "revenue")
    assert f'title="{_money(now["revenue"])}"' in revenue
    assert _text(revenue, "previous") == f"{_change(now['revenue'], last_month['revenue'])} vs 1–28 Feb 2025"
    assert _text(revenue, "year_ago") == f"{_change(now['revenue'], last_year['revenue'])} vs 1–31 Mar 2024"


def test_a_custom_period_names_the_days_it_is_compared_with(make_company):
    company, _ = make_company("mtd")
    with tenant_context(company):
        load(csv_bytes(_rows(PLANTED)), "sales.csv")
        dashboard = dashboard_for(company, {"from": "2025-03-01", "to": "2025-03-15"}, today=date(2026, 12, 5))
        cards = {card.key: card for card in overview.cards(dashboard.scope, today=date(2026, 12, 5))}

    card = cards["revenue"]
    # 15 days: compared with the 15 days before (14–28 Feb) and the same days of 2024.
    assert card.value == _truth(PLANTED, date(2025, 3, 1), date(2025, 3, 15))["revenue"] == 4000
    assert card.previous == _truth(PLANTED, date(2025, 2, 14), date(2025, 2, 28))["revenue"] == 2500
    assert card.year_ago == _truth(PLANTED, date(2024, 3, 1), date(2024, 3, 15))["revenue"] == 4000
    assert (card.previous_dates, card.year_ago_dates) == ("14–28 Feb 2025", "1–15 Mar 2024")
    # The month to date does not depend on the period chosen.
    assert card.month_to_date.value == 6000 and card.month_to_date.previous_dates == "1–28 Feb 2025"


def test_this_month_runs_to_today_when_it_has_sales(make_company, company_client):
    company, owner = make_company("mtd")
    today = timezone.localtime(timezone=company.zone).date()
    first = today.replace(day=1)
    before = (first - timedelta(days=1)).replace(day=1)
    same_day_before = min(today.day, (first - timedelta(days=1)).day)
    planted = [
        ("T-1", first, "Ravi", "Kerala", 1, 3000),
        ("T-2", today, "Kiran", "Kerala", 1, 1000),
        ("L-1", before, "Ravi", "Kerala", 1, 1000),
        ("L-2", before.replace(day=same_day_before), "Asha", "Kerala", 1, 1000),
        ("Y-1", first.replace(year=first.year - 1), "Ravi", "Kerala", 1, 8000),
    ]
    if same_day_before < (first - timedelta(days=1)).day:  # a later day of last month is not compared
        planted.append(("L-3", before.replace(day=same_day_before + 1), "Ravi", "Kerala", 1, 50000))
    with tenant_context(company):
        load(csv_bytes(_rows(planted)), "sales.csv")

    html = company_client(company, owner).get("/").content.decode()

    def named(start: date, end: date) -> str:
        year = "" if end.year == today.year else f" {end.year}"
        days = f"{start.day}" if start == end else f"{start.day}–{end.day}"
        return f"{days} {end:%b}{year}"

    now = _truth(planted, first, today)
    then = _truth(planted, before, before.replace(day=same_day_before))
    year_ago = _truth(planted, first.replace(year=first.year - 1), today.replace(year=today.year - 1))  # not 29 Feb
    assert now["revenue"] == 4000 and then["revenue"] == 2000 and year_ago["revenue"] == 8000
    revenue = _card_html(html, "revenue")
    assert _text(revenue, "value").startswith(f"This month, {named(first, today)}:")
    assert _text(revenue, "previous") == f"+100.0% vs {named(before, before.replace(day=same_day_before))}"
    a_year_back = (first.replace(year=first.year - 1), today.replace(year=today.year - 1))
    assert _text(revenue, "year_ago") == f"-50.0% vs {named(*a_year_back)}"


@pytest.mark.parametrize(
    ("day", "current", "last_month", "last_year"),
    [
        (date(2025, 12, 4), "1–4 Dec 2025", "1–4 Nov 2025", "1–4 Dec 2024"),
        (date(2025, 3, 31), "1–31 Mar 2025", "1–28 Feb 2025", "1–31 Mar 2024"),  # the month clamps to February
        (date(2025, 3, 30), "1–30 Mar 2025", "1–28 Feb 2025", "1–30 Mar 2024"),
        (date(2024, 3, 30), "1–30 Mar 2024", "1–29 Feb 2024", "1–30 Mar 2023"),
        (date(2024, 2, 29), "1–29 Feb 2024", "1–31 Jan 2024", "1–28 Feb 2023"),  # a whole month against whole
        (date(2025, 2, 28), "1–28 Feb 2025", "1–31 Jan 2025", "1–29 Feb 2024"),
        (date(2025, 4, 30), "1–30 Apr 2025", "1–31 Mar 2025", "1–30 Apr 2024"),
        (date(2026, 1, 1), "1 Jan 2026", "1 Dec 2025", "1 Jan 2025"),
    ],
)
def test_the_same_days_before_clamp_to_shorter_months(day, current, last_month, last_year):
    spans = month_to_date(day)
    named = [range_label(p.start, p.end) for p in (spans.current, spans.last_month, spans.last_year)]
    assert named == [current, last_month, last_year]
    assert spans.current.start == day.replace(day=1) and spans.current.end == day


@pytest.mark.parametrize(
    ("start", "end", "today", "months", "expected"),
    [
        (date(2026, 12, 1), date(2026, 12, 4), date(2026, 12, 5), False, "1–4 Dec"),
        (date(2026, 11, 28), date(2026, 12, 4), date(2026, 12, 5), False, "28 Nov – 4 Dec"),
        (date(2025, 12, 28), date(2026, 1, 4), date(2026, 12, 5), False, "28 Dec 2025 – 4 Jan 2026"),
        (date(2025, 12, 1), date(2025, 12, 4), date(2026, 12, 5), False, "1–4 Dec 2025"),
        (date(2026, 12, 4), date(2026, 12, 4), date(2026, 12, 5), False, "4 Dec"),
        (date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 5), True, "Nov 2026"),
        (date(2024, 12, 1), date(2025, 11, 30), date(2026, 12, 5), True, "Dec 2024 – Nov 2025"),
        (date(2024, 12, 1), date(2025, 11, 30), None, False, "1 Dec 2024 – 30 Nov 2025"),
    ],
)
def test_dates_are_named_the_indian_way(start, end, today, months, expected):
    assert range_label(start, end, today=today, months=months) == expected
