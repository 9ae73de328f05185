"""The invoice prints the same billing period as the billing page: the days in India's time, both included, the
last one being the day before the next period starts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from billing.models import Invoice
from billing.periods import period_days
from tests.billing.test_invoices import _pdf_text

pytestmark = pytest.mark.django_db


def _stamp(*parts) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp())


def test_a_period_starting_just_after_midnight_in_india_prints_the_same_days_everywhere(
    subscribed, razorpay, send_webhook
):
    company, client, sub_id = subscribed("growth")
    handback = razorpay.checkout_pay(sub_id)
    client.post("/billing/checkout/complete/", handback)
    razorpay.tick()
    # 00:30 on 4 December in India is still 3 December in UTC; the next period starts at 00:30 on 4 January.
    start, end = _stamp(2025, 12, 3, 19, 0), _stamp(2026, 1, 3, 19, 0)
    activated = razorpay.event("subscription.activated", sub_id, status="active", current_start=start, current_end=end)
    assert send_webhook(activated).status_code == 200
    payment = razorpay.payment(sub_id, payment_id=handback["razorpay_payment_id"])
    assert send_webhook(razorpay.event("subscription.charged", sub_id, payment=payment)).status_code == 200

    page = client.get("/billing/").content.decode()
    invoice = Invoice.objects.get(company=company)
    pdf = " ".join(_pdf_text(client.get(f"/billing/invoices/{invoice.pk}.pdf").content).split())

    assert (invoice.period_start, invoice.period_end) == (date(2025, 12, 4), date(2026, 1, 3))
    assert "Current period: 4 Dec 2025 – 3 Jan 2026." in page
    assert "Period 4 Dec 2025 – 3 Jan 2026" in pdf


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        # 23:59 and 00:01 in India on either side of midnight: a day apart, whatever UTC says.
        ((2025, 3, 31, 18, 29), (2025, 4, 30, 18, 29), (date(2025, 3, 31), date(2025, 4, 29))),
        ((2025, 3, 31, 18, 31), (2025, 4, 30, 18, 31), (date(2025, 4, 1), date(2025, 4, 30))),
        ((2025, 1, 15, 6, 0), (2026, 1, 15, 6, 0), (date(2025, 1, 15), date(2026, 1, 14))),  # a year
    ],
)
def test_period_days_are_indian_and_inclusive(start, end, days):
    assert period_days(datetime(*start, tzinfo=UTC), datetime(*end, tzinfo=UTC)) == days


def test_a_period_without_both_ends_has_no_days():
    assert period_days(None, datetime(2025, 1, 1, tzinfo=UTC)) is None
