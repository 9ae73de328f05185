"""Periods as owners name them, the company's fiscal year, and the filter bar's URL."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl

import pytest

from analytics.filters import Filters, selection_from_query
from analytics.periods import Period, fiscal_year_label, fiscal_year_start, preset_period, quarter_start

TODAY = date(2025, 2, 14)


@pytest.mark.parametrize(
    ("day", "start_month", "start", "label"),
    [
        (date(2025, 3, 31), 4, date(2024, 4, 1), "FY 2024-25"),
        (date(2025, 4, 1), 4, date(2025, 4, 1), "FY 2025-26"),
        (date(2025, 1, 1), 1, date(2025, 1, 1), "FY 2025"),
        (date(2025, 6, 30), 7, date(2024, 7, 1), "FY 2024-25"),
        (date(2099, 12, 31), 4, date(2099, 4, 1), "FY 2099-00"),
    ],
)
def test_fiscal_years_start_in_the_company_s_month(day, start_month, start, label):
    assert fiscal_year_start(day, start_month) == start
    assert fiscal_year_label(day, start_month) == label


def test_quarters_follow_the_fiscal_year():
    assert quarter_start(date(2025, 2, 14), 4) == date(2025, 1, 1)  # Q4 of FY 2024-25
    assert quarter_start(date(2025, 5, 2), 4) == date(2025, 4, 1)
    assert quarter_start(date(2025, 5, 2), 2) == date(2025, 5, 1)


@pytest.mark.parametrize(
    ("preset", "start_month", "expected"),
    [
        ("this_month", 4, Period(date(2025, 2, 1), TODAY)),
        ("last_month", 4, Period(date(2025, 1, 1), date(2025, 1, 31))),
        ("this_quarter", 4, Period(date(2025, 1, 1), TODAY)),
        ("this_fy", 4, Period(date(2024, 4, 1), TODAY)),
        ("last_fy", 4, Period(date(2023, 4, 1), date(2024, 3, 31))),
        ("this_fy", 1, Period(date(2025, 1, 1), TODAY)),
        ("last_fy", 1, Period(date(2024, 1, 1), date(2024, 12, 31))),
    ],
)
def test_presets(preset, start_month, expected):
    assert preset_period(preset, today=TODAY, fiscal_start_month=start_month) == expected


def test_previous_and_year_ago_periods():
    fy = Period(date(2024, 4, 1), date(2025, 3, 31))
    assert fy.previous() == Period(date(2023, 4, 1), date(2024, 3, 31))
    assert fy.year_ago() == Period(date(2023, 4, 1), date(2024, 3, 31))
    february = Period(date(2024, 2, 1), date(2024, 2, 29))
    assert february.previous() == Period(date(2024, 1, 1), date(2024, 1, 31))
    assert february.year_ago() == Period(date(2023, 2, 1), date(2023, 2, 28))
    days = Period(date(2024, 5, 10), date(2024, 5, 19))
    assert days.previous() == Period(date(2024, 4, 30), date(2024, 5, 9))


def test_with_no_dates_a_page_shows_the_latest_twelve_months_with_data():
    selection = selection_from_query({}, today=TODAY, fiscal_start_month=4, last_day=date(2005, 5, 31))
    assert selection.period == Period(date(2004, 6, 1), date(2005, 5, 31)) and selection.preset == "last_12"
    assert selection_from_query({}, today=TODAY, fiscal_start_month=4, last_day=None).period is None


def test_filters_live_in_the_url_and_come_back_the_same():
    query = {"from": "2024-04-01", "to": "2025-03-31", "branch": "Pune", "product_line": "Fans & Coolers",
             "state": "Maharashtra", "country": "India", "salesperson": "Asha  Rao", "segment": "Retail"}  # fmt: skip
    selection = selection_from_query(query, today=TODAY, fiscal_start_month=4, last_day=TODAY)
    assert selection.period == Period(date(2024, 4, 1), date(2025, 3, 31)) and selection.preset == "custom"
    assert selection.filters == Filters("Pune", "Fans & Coolers", "Maharashtra", "India", "Asha Rao", "Retail")
    again = selection_from_query(
        dict(parse_qsl(selection.query())),
        today=TODAY, fiscal_start_month=4, last_day=TODAY,
    )  # fmt: skip
    assert again == selection
    assert "product_line=Fans+%26+Coolers" in selection.query()
    assert selection.filters.columns()["person"] == "Asha Rao"  # the rollups' name for salesperson/manager


def test_a_named_preset_wins_over_stale_dates_and_bad_dates_are_explained():
    selection = selection_from_query({"preset": "last_month", "from": "2020-01-01"}, today=TODAY,
                                     fiscal_start_month=4, last_day=TODAY)  # fmt: skip
    assert selection.period == Period(date(2025, 1, 1), date(2025, 1, 31)) and selection.query() == "preset=last_month"
    bad = selection_from_query({"from": "31/03/2025", "to": "2024-01-01x"}, today=TODAY, fiscal_start_month=4,
                               last_day=TODAY)  # fmt: skip
    assert len(bad.errors) == 2 and bad.period.end == TODAY  # the default period, with the reasons shown
    backwards = selection_from_query({"from": "2025-03-01", "to": "2025-01-01"}, today=TODAY, fiscal_start_month=4,
                                     last_day=TODAY)  # fmt: skip
    assert backwards.errors == ("The end date is before the start date.",)
