"""A monthly revenue forecast an owner can read: a least-squares trend, with seasonal factors once there are two
years of history, and an 80% interval from how far the past strayed from the fit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from .periods import add_months

MIN_MONTHS = 12
SEASONAL_MONTHS = 24
Z80 = 1.2816  # two-sided 80% interval of a normal error


@dataclass(frozen=True)
class Forecast:
    method: str
    months: list[date]
    values: list[Decimal]
    low: list[Decimal]
    high: list[Decimal]


@dataclass(frozen=True)
class NoForecast:
    reason: str


def forecast(history: list[tuple[date, Decimal]]) -> Forecast | NoForecast:
    """`history` is (first day of month, revenue) for consecutive whole months, oldest first."""
    n = len(history)
    if n < MIN_MONTHS:
        return NoForecast(
            f"A forecast needs at least {MIN_MONTHS} whole months of sales to see a trend; "
            f"there {'is' if n == 1 else 'are'} {n}."
        )
    y = np.array([float(value) for _, value in history])
    x = np.arange(n, dtype=float)
    seasonal = n >= SEASONAL_MONTHS
    factors = np.ones(12)
    if seasonal:
        factors = _seasonal_factors(history, x, y)
        seasonal = factors is not None
        factors = factors if seasonal else np.ones(12)
    if seasonal:
        deseasoned = y / np.array([factors[m.month - 1] for m, _ in history])
        slope, intercept = np.polyfit(x, deseasoned, 1)
        fitted = (intercept + slope * x) * np.array([factors[m.month - 1] for m, _ in history])
        method = f"Linear trend with monthly seasonal factors, fitted by least squares on {n} months"
    else:
        slope, intercept = np.polyfit(x, y, 1)
        fitted = intercept + slope * x
        method = f"Linear trend fitted by least squares on {n} months"
        if n < SEASONAL_MONTHS:
            method += f" (seasonal factors need {SEASONAL_MONTHS})"
    residual = y - fitted
    spread = float(np.sqrt((residual**2).sum() / max(n - 2, 1)))
    horizon = 6 if seasonal else 3
    sxx = float(((x - x.mean()) ** 2).sum())
    months, values, low, high = [], [], [], []
    last = history[-1][0]
    for step in range(1, horizon + 1):
        month = add_months(last, step)
        x0 = n - 1 + step
        value = (intercept + slope * x0) * factors[month.month - 1]
        width = Z80 * spread * np.sqrt(1 + 1 / n + (x0 - x.mean()) ** 2 / sxx)
        months.append(month)
        values.append(_rupees(max(value, 0)))
        low.append(_rupees(max(value - width, 0)))
        high.append(_rupees(max(value + width, 0)))
    return Forecast(method + "; the band is an 80% interval.", months, values, low, high)


def _seasonal_factors(history, x, y):
    """Each calendar month's average ratio to the trend, scaled to average one; None when a month never sells
    (a factor of zero cannot be divided out), so the forecast falls back to the trend alone."""
    slope, intercept = np.polyfit(x, y, 1)
    trend = intercept + slope * x
    ratios = np.where(trend > 0, y / np.where(trend > 0, trend, 1), 1.0)
    factors = np.ones(12)
    for month in range(12):
        picked = [ratios[i] for i in range(len(history)) if history[i][0].month == month + 1]
        factors[month] = float(np.mean(picked)) if picked else 1.0
    if factors.min() <= 0:
        return None
    return factors * 12 / factors.sum()


def _rupees(value: float) -> Decimal:
    return Decimal(str(round(float(value))))
