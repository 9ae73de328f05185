"""Date ranges as owners speak of them: this month, this quarter, this fiscal year (from the company's month)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

PRESETS = {
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "this_fy": "This fiscal year",
    "last_fy": "Last fiscal year",
    "last_12": "Latest 12 months",
    "custom": "Custom",
}


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def fiscal_year_start(day: date, start_month: int = 4) -> date:
    year = day.year if day.month >= start_month else day.year - 1
    return date(year, start_month, 1)


def fiscal_year_label(day: date, start_month: int = 4) -> str:
    """'FY 2024-25' for a year from April 2024; 'FY 2024' when the fiscal year is the calendar year."""
    start = fiscal_year_start(day, start_month)
    if start_month == 1:
        return f"FY {start.year}"
    return f"FY {start.year}-{(start.year + 1) % 100:02d}"


def quarter_start(day: date, start_month: int = 4) -> date:
    """Quarters of the fiscal year: with April, Q1 is April to June."""
    offset = (day.month - start_month) % 3
    return month_start(add_months(month_start(day), -offset))


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period just before, of the same length; whole months map to the same number of whole months."""
        if self.is_whole_months:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            start = add_months(self.start, -months)
            return Period(start, self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_ago(self) -> Period:
        end = add_months(self.end, -12)
        if self.end == month_end(self.end):
            end = month_end(end)  # 29 Feb 2024 a year back is 28 Feb 2023, and 28 Feb 2025 back is 29 Feb 2024
        return Period(add_months(self.start, -12), end)

    @property
    def is_whole_months(self) -> bool:
        return self.start.day == 1 and self.end == month_end(self.end)

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        months, current = [], month_start(self.start)
        while current <= self.end:
            months.append(current)
            current = add_months(current, 1)
        return months

    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start:%-d %b %Y}"
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


def preset_period(name: str, *, today: date, fiscal_start_month: int = 4, last_day: date | None = None) -> Period:
    """A named range as of `today` in the company's timezone; 'last_12' ends at the last day with sales."""
    if name == "this_month":
        return Period(month_start(today), today)
    if name == "last_month":
        end = month_start(today) - timedelta(days=1)
        return Period(month_start(end), end)
    if name == "this_quarter":
        return Period(quarter_start(today, fiscal_start_month), today)
    if name == "this_fy":
        return Period(fiscal_year_start(today, fiscal_start_month), today)
    if name == "last_fy":
        start = fiscal_year_start(today, fiscal_start_month)
        return Period(add_months(start, -12), start - timedelta(days=1))
    if name == "last_12":
        return latest_twelve_months(last_day or today)
    raise ValueError(f"unknown preset {name!r}")


def latest_twelve_months(last_day: date) -> Period:
    """The 12 calendar months up to and including the month of `last_day`."""
    return Period(add_months(month_start(last_day), -11), last_day)
