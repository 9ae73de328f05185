"""The Targets page and the overview's gauges: a manager sets a target through the form, an analyst may look but
not set one, and the overview of this month shows each target's progress and the pace the rest of the month
needs, in rupees the Indian way."""

from __future__ import annotations

import calendar
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics import targets
from analytics.models import Target
from elettro.kernel.money import format_money
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Date", "Customer", "Item", "Branch", "Salesperson", "Qty", "Amount"]


@pytest.fixture
def company(make_company):
    company, owner = make_company()
    today = timezone.localtime(timezone=company.zone).date()
    first = today.replace(day=1)
    rows = [
        HEADER,
        ["T-1", f"{first:%d/%m/%Y}", "Ravi Stores", "Fan", "Pune", "Asha", 1, "800000"],
        ["T-2", f"{first.replace(year=first.year - 1):%d/%m/%Y}", "Ravi Stores", "Fan", "Pune", "Asha", 1, "5"],
    ]
    with tenant_context(company):
        load(csv_bytes(rows), "this-month.csv")
    return company, owner, today


def test_a_manager_sets_a_target_through_the_form_and_sees_it_listed(company, company_client, add_member):
    company, _, today = company
    client = company_client(company, add_member(company, "manager"))

    form = client.get("/targets/").content.decode()
    assert 'value="salesperson:Asha"' in form and 'value="branch:Pune"' in form  # the filter bar's values

    answer = client.post("/targets/", {"month": f"{today:%Y-%m}", "measure": "revenue", "who": "salesperson:Asha",
                                       "amount": "12,00,000"})  # fmt: skip
    assert answer.status_code == 302
    with tenant_context(company):
        saved = Target.objects.get()
    assert (saved.month, saved.measure, saved.dimension, saved.value, saved.amount) == (
        today.replace(day=1),
        "revenue",
        "salesperson",
        "Asha",
        Decimal(1200000),
    )
    page = client.get(answer["Location"]).content.decode()
    assert "₹12,00,000" in page and "₹8,00,000" in page and 'data-target="salesperson:Asha:revenue"' in page

    refused = client.post("/targets/", {"month": f"{today:%Y-%m}", "measure": "aov", "who": "", "amount": "-1"})
    assert refused.status_code == 400
    with tenant_context(company):
        assert Target.objects.count() == 1

    removed = client.post("/targets/", {"month": f"{today:%Y-%m}", "measure": "revenue", "who": "salesperson:Asha",
                                        "amount": "1200000.0000", "clear": "1"})  # fmt: skip
    assert removed.status_code == 302
    with tenant_context(company):
        assert Target.objects.count() == 0


def test_an_analyst_sees_targets_but_cannot_set_one(company, company_client, add_member):
    company, _, today = company
    client = company_client(company, add_member(company, "analyst"))

    assert client.get("/targets/").status_code == 200
    answer = client.post("/targets/", {"month": f"{today:%Y-%m}", "measure": "revenue", "amount": "100"})

    assert answer.status_code == 403
    with tenant_context(company):
        assert Target.objects.count() == 0


def test_the_overview_of_this_month_shows_each_gauge_with_the_pace_needed(company, company_client):
    company, owner, today = company
    with tenant_context(company):
        targets.target_set(measure="revenue", month=today, amount=3000000, dimension="salesperson", value="Asha")
        targets.target_set(measure="revenue", month=today, amount=2000000)
    client = company_client(company, owner)

    page = client.get("/").content.decode()

    days = calendar.monthrange(today.year, today.month)[1]
    left = days - today.day
    gauges = page[page.index('id="targets"') : page.index("</section>", page.index('id="targets"'))]
    company_gauge, asha_gauge = gauges.split('data-gauge="')[1:]
    assert company_gauge.startswith("::revenue") and asha_gauge.startswith("salesperson:Asha:revenue")  # company first
    assert "₹8,00,000" in company_gauge and "of ₹20,00,000 (40.0%)" in company_gauge
    assert "₹12,00,000 to go" in company_gauge and 'aria-valuenow="40"' in company_gauge
    assert "₹22,00,000 to go" in asha_gauge and 'aria-valuenow="26"' in asha_gauge  # 8 of 30 lakh, 26.7%
    if left:  # on the month's last day no day is left to need anything
        needed = (Decimal(1200000) / left).quantize(Decimal("0.01"))
        assert f"Needs {format_money(needed, 'INR', decimals=0)} a day for the rest of the month" in company_gauge
        needed = (Decimal(2200000) / left).quantize(Decimal("0.01"))
        assert f"Needs {format_money(needed, 'INR', decimals=0)} a day for the rest of the month" in asha_gauge

    last_year = client.get(f"/?from={today.year - 1}-01-01&to={today.year - 1}-12-31").content.decode()
    filtered = client.get("/?branch=Pune").content.decode()
    assert "data-gauge" not in last_year and "data-gauge" not in filtered
