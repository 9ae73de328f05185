"""Signup limits: each signup makes a company schema, so signups are counted per client IP and across the platform.

Counters live in the shared cache (Redis), one per fixed window: `cache.add` starts a window's counter and
`cache.incr` counts atomically, so concurrent signups on any number of web processes cannot slip past a limit.
The rates are settings, "amount/period" with the period in s, m, h or d ("5/h", "30/10m"):
SIGNUP_RATE_LIMIT_PER_IP and SIGNUP_RATE_LIMIT_TOTAL. Logins are limited by allauth (ACCOUNT_RATE_LIMITS), keyed by
the same client IP (tenants.client_ip) through tenants.adapters.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from .client_ip import client_ip

KEY_PREFIX = "ratelimit"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.amount}/{self.seconds}s"


def parse_rate(text: str) -> Rate:
    """ "5/h", "30/10m", "100/3600s": an amount per period."""
    amount, _, period = str(text).strip().partition("/")
    period = period.strip() or "s"
    unit = period[-1] if period[-1] in _UNITS else "s"
    count = period[:-1] if period[-1] in _UNITS else period
    seconds = int(float(count or 1) * _UNITS[unit])
    if int(amount) < 0 or seconds <= 0:
        raise ValueError(f"not a rate: {text!r}")
    return Rate(int(amount), seconds)


def _cache():
    return caches["shared"]  # a limit means the same whatever host counted it


@dataclass
class Hits:
    """Counted uses, handed back with `refund()` when the attempt turned out to create nothing."""

    keys: list[str] = field(default_factory=list)

    def refund(self) -> None:
        for key in self.keys:
            _give_back(key)
        self.keys.clear()


def _give_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window ended meanwhile
        _cache().decr(key)


class RateLimited(Exception):
    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def hit(name: str, subject: str, rate: Rate, hits: Hits) -> int | None:
    """Count one use of `name` by `subject`. None when within `rate` (the use is added to `hits`), else the
    seconds until the window ends (the refused use is not kept)."""
    now = time.time()
    window = int(now // rate.seconds)
    key = f"{KEY_PREFIX}:{name}:{subject}:{rate}:{window}"
    cache = _cache()
    count = None
    for _ in range(2):
        cache.add(key, 0, timeout=rate.seconds + 60)
        try:
            count = cache.incr(key)
            break
        except ValueError:  # evicted between add and incr: start it again
            continue
    if count is None or count > rate.amount:
        if count is not None:
            _give_back(key)  # a refused use is not counted
        return max(1, math.ceil((window + 1) * rate.seconds - now))
    hits.keys.append(key)
    return None


def ip_subject(ip: str) -> str:
    """IPv6 clients are counted by their /64, which one client usually holds whole; IPv4 by address."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address)
    return str(address)


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def signup_consume(request: HttpRequest) -> Hits:
    """Count a signup from this client and in total, or raise RateLimited saying how long to wait."""
    hits = Hits()
    per_ip = parse_rate(settings.SIGNUP_RATE_LIMIT_PER_IP)
    total = parse_rate(settings.SIGNUP_RATE_LIMIT_TOTAL)
    wait = hit("signup:ip", ip_subject(client_ip(request)), per_ip, hits)
    if wait is not None:
        raise RateLimited(
            f"Too many signups from your network. Please try again in {_minutes(wait)}.", retry_after=wait
        )
    wait = hit("signup:all", "all", total, hits)
    if wait is not None:
        hits.refund()  # this client did not get to sign up, so it keeps its own allowance
        raise RateLimited(
            f"We are receiving an unusual number of signups. Please try again in {_minutes(wait)}.",
            retry_after=wait,
        )
    return hits
