"""Date ranges as owners speak of them: this month, this quarter, this fiscal year (from the company's month)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

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


# ---------------------------------------------------------------- naming dates, month to date, partial buckets


def range_label(start: date, end: date, *, today: date | None = None, months: bool = False) -> str:
    """Dates as an Indian owner writes them: '4 Dec', '1–4 Dec', '28 Nov – 4 Dec', '28 Dec 2025 – 4 Jan 2026'.

    The year is left out when both ends fall in `today`'s year (always written without a `today`). With `months`,
    whole calendar months are named as months, with their year: 'Nov 2025', 'Apr 2024 – Mar 2025'.
    """
    if months and start.day == 1 and end == month_end(end):
        if (start.year, start.month) == (end.year, end.month):
            return f"{start:%b %Y}"
        return f"{start:%b %Y} – {end:%b %Y}"
    if start.year != end.year:
        return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"
    year = "" if today is not None and end.year == today.year else f" {end.year}"
    if start == end:
        return f"{end.day} {end:%b}{year}"
    if start.month == end.month:
        return f"{start.day}–{end.day} {end:%b}{year}"
    return f"{start.day} {start:%b} – {end.day} {end:%b}{year}"


@dataclass(frozen=True)
class MonthToDate:
    """A month so far, with the same days of the month before and of the same month a year before."""

    current: Period
    last_month: Period
    last_year: Period


def month_to_date(day: date) -> MonthToDate:
    """The month of `day` up to and including it, against the same days a month and a year before.

    Days past a shorter month's end clamp to it (1–30 Mar against 1–28 Feb), and a finished month is compared with
    the whole of the others (1–30 Apr against 1–31 Mar; 1–28 Feb 2025 against 1–29 Feb 2024).
    """
    current = Period(month_start(day), day)
    finished = day == month_end(day)

    def back(months: int) -> Period:
        start = add_months(current.start, -months)
        return Period(start, month_end(start) if finished else add_months(day, -months))

    return MonthToDate(current, back(1), back(12))


PAISA = Decimal("0.01")


def bucket_period(start: date, grain: str) -> Period:
    """The whole bucket that begins on `start`: a day, a week from Monday, a month, a quarter or a fiscal year."""
    if grain == "day":
        return Period(start, start)
    if grain == "week":
        return Period(start, start + timedelta(days=6))
    months = {"month": 1, "quarter": 3, "fy": 12}[grain]
    return Period(start, add_months(start, months) - timedelta(days=1))


def shown_days(period: Period, span: tuple[date, date] | None) -> Period | None:
    """The days of `period` that figures can cover: those within the company's days with sales."""
    if span is None:
        return None
    start, end = max(period.start, span[0]), min(period.end, span[1])
    return Period(start, end) if start <= end else None


@dataclass(frozen=True)
class Coverage:
    """How much of a chart's bucket its figure covers: a month's bar drawn on 4 December covers 1–4 Dec."""

    bucket: Period
    covered: Period

    @property
    def partial(self) -> bool:
        return self.covered != self.bucket

    def pace(self, value) -> Decimal:
        """The bucket's figure had the rest of it gone at the same pace, to the paisa."""
        projected = Decimal(value) * self.bucket.days / self.covered.days
        return projected.quantize(PAISA, rounding=ROUND_HALF_UP)

    def label(self, today: date | None = None) -> str:
        return f"{range_label(self.covered.start, self.covered.end, today=today)}, partial"


def coverage(bucket: Period, shown: Period) -> Coverage | None:
    """The part of `bucket` inside the days shown; None when they do not meet."""
    start, end = max(bucket.start, shown.start), min(bucket.end, shown.end)
    return Coverage(bucket, Period(start, end)) if start <= end else None


def partial_buckets(starts: list[date], grain: str, shown: Period | None) -> dict[int, Coverage]:
    """The buckets (by index, given by their first days) that the days shown cover only in part."""
    if shown is None:
        return {}
    found = {}
    for index, start in enumerate(starts):
        part = coverage(bucket_period(start, grain), shown)
        if part is not None and part.partial:
            found[index] = part
    return found


def partial_note(labels: list[str], partial: dict[int, Coverage], today: date | None = None) -> str:
    """The sentence under a chart with partial buckets: which days each covers, and what the projection means."""
    if not partial:
        return ""
    parts = "; ".join(f"{labels[i]} covers {range_label(c.covered.start, c.covered.end, today=today)} only"
                      for i, c in sorted(partial.items()))  # fmt: skip
    return f"{parts}. Hatched bars are partial; the outline is projected at this pace to the period's end."
