"""Unusual days on the Trends page: more than three standard deviations from the 30 days before."""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from decimal import Decimal

from analytics.pages.trends import WINDOW, Z_LIMIT, anomalies


def _series(values: list[int]) -> list[tuple[date, Decimal, int]]:
    start = date(2025, 4, 1)
    return [(start + timedelta(days=n), Decimal(value), 1) for n, value in enumerate(values)]


def test_a_spike_is_flagged_with_its_z_score_and_the_mean_of_the_days_before():
    usual = [1000 + (37 * n) % 200 for n in range(60)]  # 1,000 to 1,199, never flat
    values = [*usual[:45], 5000, *usual[45:]]
    flagged = anomalies(_series(values))
    assert [day for day, *_ in flagged] == [date(2025, 4, 1) + timedelta(days=45)]
    (_, revenue, z, mean), window = flagged[0], [float(v) for v in values[45 - WINDOW : 45]]
    assert revenue == Decimal(5000)
    assert z == round((5000 - statistics.fmean(window)) / statistics.pstdev(window), 1) >= Z_LIMIT
    assert mean == Decimal(str(round(statistics.fmean(window), 2)))


def test_flat_days_and_ordinary_ups_and_downs_are_not_flagged():
    assert anomalies(_series([500] * 40)) == []  # no spread: nothing is unusual
    assert anomalies(_series([1000 + (37 * n) % 200 for n in range(90)])) == []
