"""Signup server time: the median of 10 signups with no other companies, then with 200 others.

Between signups the spare-schema pool is refilled, as the worker does after each signup. Beside it: signup
when no spare is ready (cloning the template), and the naive way (migrating each new schema from scratch).
Run: .venv/bin/python bench/signup.py [--others 200] [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import time

from _django import setup


def _signup_ms(client, n: int, tag: str) -> float:
    data = {
        "company_name": f"Bench {tag} {n}", "subdomain": f"bench-{tag}-{n}", "home_state": "27",
        "full_name": "Bench Owner", "email": f"owner-{tag}-{n}@bench.example.com", "password": "Bench-Mark-2025!",
    }  # fmt: skip
    started = time.perf_counter()
    response = client.post("/signup/", data)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 302, response.content[:500]
    client.logout()
    return elapsed


def _timed_signups(client, tag: str, runs: int, *, refill: bool) -> list[float]:
    from tenants.schema_pool import spares_fill

    times = []
    for n in range(runs):
        if refill:
            spares_fill()  # what the worker does in the background after each signup
        times.append(_signup_ms(client, n, tag))
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--others", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    setup()

    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from tenants import services

    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    _signup_ms(client, 0, "warm")  # first request pays for imports and connection set-up

    empty = _timed_signups(client, "empty", args.runs, refill=True)

    started = time.perf_counter()
    for n in range(args.others):
        services.company_create(
            name=f"Other {n}", subdomain=f"other-{n}", owner_email=f"o{n}@bench.example.com",
            owner_password="Bench-Mark-2025!",
        )  # fmt: skip
    filling = time.perf_counter() - started
    crowded = _timed_signups(client, "crowded", args.runs, refill=True)
    with override_settings(SCHEMA_POOL_SIZE=0):
        from tenants.models import SpareSchema

        SpareSchema.objects.all().delete()  # an empty pool: every signup clones (the schemas stay, unused)
        cloning = _timed_signups(client, "clone", 3, refill=False)
        with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
            naive = _timed_signups(client, "naive", 3, refill=False)

    print(f"signup server time, median of {args.runs} (ms)")
    print(f"  with no other companies : {statistics.median(empty):8.0f}   (max {max(empty):.0f})")
    print(f"  with {args.others} other companies: {statistics.median(crowded):8.0f}   (max {max(crowded):.0f})")
    print(f"  no spare ready, cloning the template (median of 3): {statistics.median(cloning):.0f}")
    print(f"  naive, migrating each schema from scratch (median of 3): {statistics.median(naive):.0f}")
    print(f"  ratio naive / spare     : {statistics.median(naive) / statistics.median(crowded):.1f}x")
    print(f"  ratio cloning / spare   : {statistics.median(cloning) / statistics.median(crowded):.1f}x")
    print(f"  (creating the {args.others} other companies took {filling:.1f} s)")


if __name__ == "__main__":
    main()
