"""The ready-made rule "behind pace": it fires when the month to date is behind the pace its target needs (for the
company, or each salesperson with a target), and resolves once sales catch up; a rule with no target to judge is
refused with where to set one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from analytics import targets
from elettro.kernel.errors import ApplicationError
from reports.alerts import evaluation, rules, states
from reports.models import AlertEvent, AlertRule, AlertState
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Date", "Customer", "Item", "Branch", "Salesperson", "Qty", "Amount"]
JUNE, TENTH = date(2025, 6, 1), date(2025, 6, 10)


def _sales(*rows) -> bytes:
    return csv_bytes([HEADER, *[[f"{prefix}-{n}", f"{day:%d/%m/%Y}", f"C{n}", "Fan", "Pune", person, 1, amount]
                                for n, (prefix, day, person, amount) in enumerate(rows)]])  # fmt: skip


@pytest.fixture
def company(make_company):
    company, _ = make_company()
    with tenant_context(company):
        load(_sales(("A", date(2025, 6, 2), "Asha", 3000), ("B", date(2025, 6, 5), "Bala", 5000)), "june.csv")
        # The rule is made today, so today's month needs a target too; June 2025's is the one evaluated.
        this_month = evaluation.today_for(company).replace(day=1)
        for month in {JUNE, this_month}:
            targets.target_set(measure="revenue", month=month, amount=30000)
            targets.target_set(measure="revenue", month=month, amount=12000, dimension="salesperson", value="Asha")
            targets.target_set(measure="revenue", month=month, amount=12000, dimension="salesperson", value="Bala")
    return company


def _evaluate(rule, company, as_of=TENTH):
    return states.apply(rule, evaluation.evaluate(rule, company, as_of=as_of))


def test_the_company_behind_pace_fires_once_and_resolves_when_sales_catch_up(company):
    with tenant_context(company):
        rule = rules.rule_create(company, measure="revenue", condition="behind-pace", window="month")
        (seen,) = evaluation.evaluate(rule, company, as_of=TENTH)
        # 8,000 sold by the 10th of 30 days; the 30,000 target's pace asks for 10,000 by then.
        assert (seen.entity, seen.value, seen.baseline, seen.breached) == ("", Decimal(8000), Decimal(10000), True)
        assert seen.change == Decimal("-0.2") and seen.details["neededPerDay"] == "1100.00"
        assert seen.period_label == "1–10 Jun 2025 (10 of 30 days)"
        transitions, _ = _evaluate(rule, company)
        assert [(t.what, t.observation.entity) for t in transitions] == [("fired", "")]
        assert _evaluate(rule, company)[0] == []  # the same day again tells no one

        load(_sales(("C", date(2025, 6, 9), "Bala", 2500)), "catch-up.csv")  # 10,500 by the 10th: on pace
        transitions, _ = _evaluate(rule, company)
        assert [(t.what, t.observation.value) for t in transitions] == [("resolved", Decimal(10500))]
        log = AlertEvent.objects.filter(rule=rule, kind="state").order_by("pk")
        assert [(e.from_status, e.to_status) for e in log] == [("ok", "firing"), ("firing", "ok")]


def test_each_salesperson_is_judged_against_their_own_target(company):
    with tenant_context(company):
        rule = rules.rule_create(company, measure="revenue", each="salesperson", condition="behind-pace")
        transitions, _ = _evaluate(rule, company)
        observations = {o.entity: o for o in evaluation.evaluate(rule, company, as_of=TENTH)}
        firing = list(AlertState.objects.filter(rule=rule, status="firing").values_list("entity", "value"))

    # Asha 3,000 and Bala 5,000 against 4,000 each by the 10th (12,000 over 30 days).
    assert {name: (o.value, o.baseline, o.breached) for name, o in observations.items()} == {
        "Asha": (Decimal(3000), Decimal(4000), True), "Bala": (Decimal(5000), Decimal(4000), False),
    }  # fmt: skip
    assert [(t.what, t.observation.label) for t in transitions] == [("fired", "Asha")]
    assert firing == [("Asha", Decimal("3000.0000"))]


@pytest.mark.parametrize(
    ("arguments", "field", "said"),
    [
        ({"measure": "orders"}, "condition", "Set a target for orders (the company) for"),
        ({"each": "branch"}, "condition", "first on the Targets page"),
        ({"measure": "aov"}, "measure", "does not add up"),
        ({"each": "customer"}, "each", "each salesperson or each branch"),
        ({"window": "week"}, "window", "choose the month window"),
        ({"value": "5"}, "value", "needs no value"),
        ({"filters": {"branch": "Pune"}}, "filters", "leave the filters empty"),
    ],
)
def test_a_rule_that_could_not_judge_a_target_is_refused_and_says_why(company, arguments, field, said):
    given = {"measure": "revenue", "condition": "behind-pace", "window": "month", **arguments}
    with tenant_context(company):
        with pytest.raises(ApplicationError) as refused:
            rules.rule_create(company, **given)
        assert AlertRule.objects.count() == 0
    assert field in refused.value.field_errors and said in refused.value.message
