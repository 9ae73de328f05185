"""The days a subscription period covers, worked out once for the billing page and the invoice alike."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Razorpay bills in India and our tax invoices are Indian documents: their days are India's.
INDIA = ZoneInfo("Asia/Kolkata")


def period_days(start: datetime | None, end: datetime | None) -> tuple[date, date] | None:
    """(first day, last day) of a period Razorpay gives as two moments, both days included.

    Razorpay's end is the moment the next period begins, so the last day is the day before it: a month charged at
    00:30 on 4 December (18:00 UTC on the 3rd) runs 4 December to 3 January, and the next one starts on 4 January.
    """
    if start is None or end is None:
        return None
    first = start.astimezone(INDIA).date()
    last = end.astimezone(INDIA).date() - timedelta(days=1)
    return first, max(first, last)
