"""Alert rules judged from the rollups: a fall of 30% per customer month on month fires for exactly the customers
that fell, once; a replay tells no one again; a fix resolves them. Thresholds, unusual values and no data too."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from elettro.kernel.errors import ApplicationError
from reports.alerts import evaluation, rules, states
from reports.models import AlertEvent, AlertRule, AlertState
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Date", "Customer", "Item", "Branch", "Qty", "Amount"]
# February: every customer 1,000. March: Asha -50%, Bala -40%, Chetan -10%, Dev +10%.
FEBRUARY = {"Asha Traders": 1000, "Bala & Sons": 1000, "Chetan Stores": 1000, "Dev Agencies": 1000}
MARCH = {"Asha Traders": 500, "Bala & Sons": 600, "Chetan Stores": 900, "Dev Agencies": 1100}
END_OF_MARCH = date(2025, 3, 31)


def _rows(month: int, amounts: dict, prefix: str) -> list[list]:
    return [[f"{prefix}-{n}", f"{10 + n:02d}/{month:02d}/2025", customer, "Fan", "Pune", 1, str(amount)]
            for n, (customer, amount) in enumerate(amounts.items())]  # fmt: skip


@pytest.fixture
def company(make_company):
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes([HEADER, *_rows(2, FEBRUARY, "F"), *_rows(3, MARCH, "M")]), "feb-mar.csv")
    return company


def _fall_rule(company, **more) -> AlertRule:
    return rules.rule_create(company, measure="revenue", each="customer", window="month", condition="change-below",
                             value="30", compare="previous", **more)  # fmt: skip


def _evaluate(rule, company, as_of=END_OF_MARCH):
    return states.apply(rule, evaluation.evaluate(rule, company, as_of=as_of))


def test_a_fall_per_customer_fires_for_exactly_those_that_fell_once_and_resolves_when_fixed(company):
    with tenant_context(company):
        rule = _fall_rule(company)
        observations = {o.label: o for o in evaluation.evaluate(rule, company, as_of=END_OF_MARCH)}
        # The truth, from the amounts above: (March - February) / February.
        for name, before in FEBRUARY.items():
            assert observations[name].change == (Decimal(MARCH[name]) - before) / before
            assert observations[name].period_label == "1–31 Mar 2025 vs 1–28 Feb 2025"
        transitions, _ = _evaluate(rule, company)
        assert sorted((t.what, t.observation.label) for t in transitions) == [
            ("fired", "Asha Traders"), ("fired", "Bala & Sons")
        ]  # fmt: skip
        firing = AlertState.objects.filter(rule=rule, status="firing")
        assert sorted(firing.values_list("entity_label", "value", "baseline")) == [
            ("Asha Traders", Decimal("500.0000"), Decimal("1000.0000")),
            ("Bala & Sons", Decimal("600.0000"), Decimal("1000.0000")),
        ]
        assert _evaluate(rule, company)[0] == []  # the same evaluation again: nothing new to tell
        load(csv_bytes([HEADER, *_rows(3, {"Asha Traders": 500, "Bala & Sons": 400}, "FIX")]), "march-fix.csv")
        transitions, _ = _evaluate(rule, company)
        assert sorted((t.what, t.observation.label) for t in transitions) == [
            ("resolved", "Asha Traders"), ("resolved", "Bala & Sons")
        ]  # fmt: skip
        log = AlertEvent.objects.filter(rule=rule, kind="state").order_by("pk")
        assert [(e.entity_label, e.from_status, e.to_status) for e in log] == [
            ("Asha Traders", "ok", "firing"), ("Bala & Sons", "ok", "firing"),
            ("Asha Traders", "firing", "ok"), ("Bala & Sons", "firing", "ok"),
        ]  # fmt: skip


def test_a_rule_held_for_two_evaluations_is_pending_first_and_a_snoozed_entity_tells_no_one(company):
    with tenant_context(company):
        rule = _fall_rule(company, hold_for=2)
        assert _evaluate(rule, company)[0] == []
        assert set(AlertState.objects.filter(rule=rule).values_list("status", flat=True)) == {"pending"}
        bala = AlertState.objects.get(rule=rule, entity_label="Bala & Sons")
        states.snooze(bala, timezone.now() + timedelta(days=1))
        transitions, changes = _evaluate(rule, company)
        assert [t.observation.label for t in transitions] == ["Asha Traders"]  # Bala fires, snoozed: no message
        assert {(c.entity_label, c.to_status) for c in changes} == {
            ("Asha Traders", "firing"),
            ("Bala & Sons", "firing"),
        }


def test_thresholds_and_the_company_as_a_whole(company):
    with tenant_context(company):
        above = rules.rule_create(company, measure="revenue", window="month", condition="above", value="3000")
        below = rules.rule_create(company, measure="orders", window="month", condition="below", value="4")
        (total,) = evaluation.evaluate(above, company, as_of=END_OF_MARCH)
        assert (total.value, total.breached) == (Decimal(3100), True)  # 500 + 600 + 900 + 1,100
        (orders,) = evaluation.evaluate(below, company, as_of=END_OF_MARCH)
        assert (orders.value, orders.breached) == (4, False)


def test_an_unusual_month_stands_out_against_the_trailing_months(make_company):
    company, _ = make_company()
    months = {m: {"Asha Traders": 1000 + 10 * (m % 3)} for m in range(1, 12)}
    months[12] = {"Asha Traders": 5000}
    rows = [
        [f"U-{m}", f"15/{m:02d}/2024", c, "Fan", "Pune", 1, str(a)] for m, d in months.items() for c, a in d.items()
    ]
    with tenant_context(company):
        load(csv_bytes([HEADER, *rows]), "year.csv")
        rule = rules.rule_create(company, measure="revenue", window="month", condition="unusual", value="3")
        (seen,) = evaluation.evaluate(rule, company, as_of=date(2024, 12, 31))
        history = [1000 + 10 * (m % 3) for m in range(4, 12)]  # the 8 months before December
        mean = sum(history) / len(history)
        spread = (sum((h - mean) ** 2 for h in history) / len(history)) ** 0.5
        assert seen.breached and abs(float(seen.change) - (5000 - mean) / spread) < 0.001
        (usual,) = evaluation.evaluate(rule, company, as_of=date(2024, 11, 30))
        assert not usual.breached


def test_no_sales_for_n_days(company):
    last_sale = date(2025, 3, 13)  # the March rows are dated 10 to 13 March
    with tenant_context(company):
        rule = rules.rule_create(company, measure="revenue", condition="no-data", value="10")
        (quiet,) = evaluation.evaluate(rule, company, as_of=date(2025, 3, 20))
        assert (quiet.value, quiet.breached) == ((date(2025, 3, 20) - last_sale).days, False)
        (silent,) = evaluation.evaluate(rule, company, as_of=date(2025, 4, 5))
        assert (silent.value, silent.breached) == ((date(2025, 4, 5) - last_sale).days, True)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"measure": "happiness", "condition": "above", "value": "1"}, "measure"),
        ({"measure": "revenue", "condition": "above", "value": "a lot"}, "value"),
        ({"measure": "revenue", "condition": "above"}, "value"),
        ({"measure": "revenue", "condition": "change-below", "value": "30", "each": "galaxy"}, "each"),
        ({"measure": "gross_profit", "condition": "below", "value": "100"}, "measure"),  # no line has a cost
        (
            {"measure": "revenue", "condition": "above", "value": "1", "channels": [("webhook", "http://10.0.0.1/x")]},
            "channels",
        ),
        (
            {"measure": "revenue", "condition": "above", "value": "1", "channels": [("email", "not an address")]},
            "channels",
        ),
    ],
)
def test_a_bad_rule_says_what_is_wrong_and_saves_nothing(company, given, field):
    with tenant_context(company):
        with pytest.raises(ApplicationError) as refused:
            rules.rule_create(company, **given)
        assert field in refused.value.field_errors
        assert AlertRule.objects.count() == 0


def test_the_backtest_names_the_months_and_customers_it_would_have_fired_for_without_saving(make_company):
    from reports.alerts.backtest import backtest

    company, _ = make_company()
    # A year of 1,000 a month for two customers; Asha falls by half in June and Bala in October.
    amounts = {m: {"Asha Traders": 1000, "Bala & Sons": 1000} for m in range(1, 13)}
    amounts[6]["Asha Traders"] = 500
    amounts[10]["Bala & Sons"] = 400
    rows = [[f"Y-{m}-{c[:1]}", f"12/{m:02d}/2024", c, "Fan", "Pune", 1, str(a)]
            for m, d in amounts.items() for c, a in d.items()]  # fmt: skip
    with tenant_context(company):
        load(csv_bytes([HEADER, *rows]), "year.csv")
        rule = AlertRule(measure="revenue", each="customer", window="month", condition="change-below",
                         value=Decimal(30), compare="previous", hold_for=1)  # fmt: skip
        result = backtest(rule, company, today=date(2024, 12, 31))
        assert [(f.day, f.label) for f in result.firings] == [(date(2024, 6, 30), "Asha Traders"),
                                                              (date(2024, 10, 31), "Bala & Sons")]  # fmt: skip
        assert result.evaluations == 12 and "fired 2 times" in result.sentence()
        assert AlertRule.objects.count() == 0 and AlertState.objects.count() == 0
