"""Monthly targets and their progress: the month to date against the target, the share of the month gone, and the
pace each remaining day needs, for the company and per salesperson and branch, against truths worked out here
from the test's own rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from analytics import targets
from analytics.models import Target
from elettro.kernel.errors import ApplicationError
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Date", "Customer", "Item", "Branch", "Salesperson", "Qty", "Amount"]
# (day of June 2025, salesperson, branch, quantity, amount); the July row is outside the month.
SALES = [
    (date(2025, 6, 2), "Asha", "Pune", 2, 3000),
    (date(2025, 6, 5), "Bala", "Kochi", 5, 5000),
    (date(2025, 6, 12), "Asha", "Pune", 1, 2000),
    (date(2025, 7, 1), "Bala", "Kochi", 9, 9000),
]
JUNE = date(2025, 6, 1)
TENTH = date(2025, 6, 10)


def _rows(sales) -> list[list]:
    return [[f"J-{n}", f"{day:%d/%m/%Y}", f"Customer {n}", "Fan", branch, person, qty, amount]
            for n, (day, person, branch, qty, amount) in enumerate(sales)]  # fmt: skip


def _sold(as_of: date, *, person: str = "", branch: str = "", index: int = 4) -> Decimal:
    """The truth: what the rows sold in June up to `as_of` (amount, or quantity with index=3)."""
    kept = [row for row in SALES if JUNE <= row[0] <= as_of]
    return Decimal(sum(row[index] for row in kept if row[1] == (person or row[1]) and row[2] == (branch or row[2])))


@pytest.fixture
def company(make_company):
    company, _ = make_company()
    with tenant_context(company):
        job = load(csv_bytes([HEADER, *_rows(SALES)]), "june.csv")
        assert job.status == "succeeded", job.error
    return company


def test_behind_pace_on_the_tenth_with_the_pace_the_other_twenty_days_need(company):
    with tenant_context(company):
        targets.target_set(measure="revenue", month=JUNE, amount="30,000")
        progress = targets.progress("revenue", date(2025, 6, 17), today=TENTH)

    assert _sold(TENTH) == Decimal(8000)
    assert progress.target == Decimal(30000) and progress.actual == Decimal(8000)
    assert (progress.days_gone, progress.days_in_month, progress.days_left) == (10, 30, 20)
    assert progress.share_done == Decimal(8000) / Decimal(30000)
    assert progress.share_gone == Decimal(10) / Decimal(30)
    assert progress.behind is True and progress.met is False
    assert progress.left == Decimal(22000)
    assert progress.needed_per_day == Decimal(22000) / 20 == Decimal(1100)
    assert progress.expected == Decimal(10000)


def test_per_salesperson_and_branch_exactly_on_pace_is_not_behind(company):
    with tenant_context(company):
        targets.target_set(measure="revenue", month=JUNE, amount=9000, dimension="salesperson", value="Asha")
        targets.target_set(measure="revenue", month=JUNE, amount=18000, dimension="salesperson", value="Bala")
        targets.target_set(measure="quantity", month=JUNE, amount=12, dimension="branch", value="Pune")
        asha = targets.progress("revenue", JUNE, "salesperson", "Asha", today=TENTH)
        bala = targets.progress("revenue", JUNE, "salesperson", "Bala", today=TENTH)
        pune = targets.progress("quantity", JUNE, "branch", "Pune", today=TENTH)
        listed = targets.month_progress(JUNE, today=TENTH, dimension="salesperson")

    # Asha: 3,000 of 9,000 after a third of the month is exactly on pace; Bala: 5,000 of 18,000 is behind.
    assert asha.actual == _sold(TENTH, person="Asha") == Decimal(3000)
    assert asha.behind is False and asha.needed_per_day == (Decimal(9000) - 3000) / 20
    assert bala.actual == _sold(TENTH, person="Bala") == Decimal(5000)
    assert bala.behind is True and bala.needed_per_day == Decimal(650)
    assert pune.actual == _sold(TENTH, branch="Pune", index=3) == Decimal(2)
    assert pune.behind is True  # 2 of 12 units (1/6) after 1/3 of the month
    assert [(p.value, p.actual) for p in listed] == [("Asha", Decimal(3000)), ("Bala", Decimal(5000))]


def test_the_last_day_counts_as_complete_and_a_month_not_begun_is_not_behind(company):
    last_day = date(2025, 6, 30)
    with tenant_context(company):
        targets.target_set(measure="revenue", month=JUNE, amount=11000)
        end = targets.progress("revenue", JUNE, today=last_day)
        after = targets.progress("revenue", JUNE, today=date(2025, 8, 15))
        before = targets.progress("revenue", JUNE, today=date(2025, 5, 31))
        targets.target_set(measure="revenue", month=JUNE, amount=10000)  # changed, not added
        met = targets.progress("revenue", JUNE, today=last_day)
        count = Target.objects.count()

    assert end.actual == _sold(last_day) == Decimal(10000)  # the July sale is not June's
    assert (end.days_gone, end.days_left, end.needed_per_day, end.behind) == (30, 0, None, True)
    assert after.actual == Decimal(10000) and after.days_gone == 30
    assert (before.actual, before.days_gone, before.behind, before.needed_per_day) == (0, 0, False, Decimal("366.67"))
    assert met.met and not met.behind and met.left == 0 and count == 1


def test_no_target_is_none_and_a_cleared_target_is_gone(company):
    with tenant_context(company):
        assert targets.progress("revenue", JUNE, today=TENTH) is None
        targets.target_set(measure="orders", month=date(2025, 6, 20), amount=10)
        assert Target.objects.get().month == JUNE  # any day of the month is the month
        assert targets.target_clear(measure="orders", month=JUNE) is True
        assert targets.target_clear(measure="orders", month=JUNE) is False
        assert targets.month_progress(JUNE, today=TENTH) == []


@pytest.mark.parametrize(
    ("arguments", "field", "said"),
    [
        ({"measure": "aov"}, "measure", "add up"),
        ({"measure": "customers"}, "measure", "add up"),
        ({"measure": "margin"}, "measure", "add up"),
        ({"amount": "a lot"}, "amount", "must be a number"),
        ({"amount": "-5"}, "amount", "above zero"),
        ({"amount": "0"}, "amount", "above zero"),
        ({"amount": "NaN"}, "amount", "above zero"),
        ({"month": "2025-06"}, "month", "date like 2025-06-01"),
        ({"dimension": "customer", "value": "X"}, "dimension", "salesperson or a branch"),
        ({"dimension": "salesperson", "value": "  "}, "value", "Name the salesperson"),
        ({"value": "Asha"}, "value", "names no salesperson"),
    ],
)
def test_bad_targets_are_refused_and_save_nothing(company, arguments, field, said):
    given = {"measure": "revenue", "month": JUNE, "amount": "1000", **arguments}
    with tenant_context(company):
        with pytest.raises(ApplicationError) as refused:
            targets.target_set(**given)
        assert Target.objects.count() == 0
    assert field in refused.value.field_errors and said in refused.value.message
