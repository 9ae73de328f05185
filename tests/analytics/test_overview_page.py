"""The company home page: headline figures for the latest 12 months, in rupees the Indian way."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from elettro.kernel.india import format_inr, format_inr_compact
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = pytest.mark.django_db


def test_an_empty_company_is_told_what_to_upload(make_company, company_client):
    company, owner = make_company("home")

    page = company_client(company, owner).get("/").content.decode()

    assert "No sales yet" in page and "Upload your Tally sales register" in page and 'href="/uploads/new/"' in page


def test_the_overview_shows_the_latest_twelve_months_the_indian_way(make_company, company_client):
    company, owner = make_company("home")
    rows = [HEADER, ["OLD", "01/01/2023", "Ravi", "Maharashtra", "Fan", "1", "5000000", "5000000", "18"],
            ["A-1", "15/05/2024", "Ravi", "Maharashtra", "Fan", "1", "9838141.37", "9838141.37", "18"],
            ["A-2", "20/03/2025", "Kiran", "Kerala", "Fan", "1", "45200000", "45200000", "18"]]  # fmt: skip
    with tenant_context(company):
        load(csv_bytes(rows), "s.csv")

    page = company_client(company, owner).get("/").content.decode()

    revenue = Decimal("9838141.37") + Decimal("45200000")  # January 2023 is outside April 2024 to March 2025
    assert format_inr_compact(revenue) == "₹5.50 Cr" and format_inr(revenue) == "₹5,50,38,141.37"
    assert "₹5.50 Cr" in page and 'title="₹5,50,38,141.37"' in page
    assert "1 Apr 2024 to 20 Mar 2025" in page


@pytest.mark.parametrize(
    ("amount", "full", "compact"),
    [
        ("9838141.37", "₹98,38,141.37", "₹98.4 L"),
        ("45200000", "₹4,52,00,000.00", "₹4.52 Cr"),
        ("-1200.5", "-₹1,200.50", "-₹1.20 K"),
        ("950", "₹950.00", "₹950"),
        ("123456789012.345", "₹1,23,45,67,89,012.35", "₹12346 Cr"),
    ],
)
def test_rupees_are_written_the_indian_way(amount, full, compact):
    assert format_inr(Decimal(amount)) == full
    assert format_inr_compact(Decimal(amount)) == compact


def test_the_pricing_page_is_built_from_the_plans_in_rupees(public_client, db):
    from billing.models import Plan

    Plan.objects.create(name="Enterprise", slug="enterprise", monthly_price_paise=4999900, annual_price_paise=49999000,
                        max_members=500, max_lines_per_month=50_000_000, max_storage_mb=1, max_report_schedules=1,
                        max_alert_channels=1, features=["Own domain"], sort_order=9)  # fmt: skip

    page = public_client.get("/pricing/").content.decode()

    assert "₹49,999" in page and "₹4,99,990 a year" in page and "5,00,00,000 uploaded lines" in page
    assert "Own domain" in page and "Starter" in page  # the seeded plans too
