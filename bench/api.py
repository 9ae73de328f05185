"""API speed on the 1,000,000-line bench company (bench/dashboards.py's database): the server time of a KPI call
and of breakdowns and series, with a key, under the dashboards bench's selections; beside each, the same figures
worked out from the raw lines (the naive way: no rollups) as a ratio.

Run: .venv/bin/python bench/api.py [--repeat 15] [--selections "branch,salesperson"]

Targets (issue 19): a KPI call 50 ms or less of server time (median), a breakdown 100 ms or less.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dashboards

KPI_TARGET_MS, BREAKDOWN_TARGET_MS = 50, 100
CALLS = {
    "kpis": ("/api/v1/kpis/", KPI_TARGET_MS),
    "series by month": ("/api/v1/series/?grain=month", BREAKDOWN_TARGET_MS),
    "by branch": ("/api/v1/breakdowns/branch/", BREAKDOWN_TARGET_MS),
    "by product line": ("/api/v1/breakdowns/product_line/", BREAKDOWN_TARGET_MS),
    "by state": ("/api/v1/breakdowns/state/", BREAKDOWN_TARGET_MS),
    "top 10 customers": ("/api/v1/breakdowns/customer/?top=10", BREAKDOWN_TARGET_MS),
    "top 10 products": ("/api/v1/breakdowns/product/?top=10", BREAKDOWN_TARGET_MS),
}


def _time(client, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return times


def _naive_ms(company, url: str, query: str) -> float:
    """The same figures from the sales lines: what the call would cost with no rollups."""
    from analytics import queries
    from analytics.dashboard import dashboard_for

    path, _, own = url.partition("?")
    params = dict(parse_qsl(query)) | dict(parse_qsl(own))
    d = dashboard_for(company, params, from_lines=True)
    scope = dataclasses.replace(d.scope, from_lines=True)
    started = time.perf_counter()
    if path.endswith("/kpis/"):
        queries.compared(scope, queries.DEFAULT_MEASURES)
    else:
        dimension = "month" if "series" in path else path.rstrip("/").rsplit("/", 1)[-1]
        queries.by_dimension(scope, dimension, queries.DEFAULT_MEASURES)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--selections", default="", help="comma-separated names of the selections to run (all)")
    parser.add_argument("--naive", default="latest 12 months,branch", help="selections also timed from the lines")
    args = parser.parse_args()
    os.environ["API_THROTTLE_RATE"] = "1000000/min"  # the bench times the calls, not the per-key limit
    dashboards._setup(False, dashboards.FILE_LINES)

    from django.db import connection
    from django.test import Client
    from django_tenants.utils import tenant_context

    from analytics import rollups
    from analytics.models import RollupState
    from ingestion.models import SalesLine
    from tenants.api_keys import api_key_create
    from tenants.urls_util import company_host

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    company, _ = dashboards._company(dashboards.FILE_LINES)
    with tenant_context(company):
        if RollupState.objects.filter(rebuilt_at__isnull=True).exists():  # a migration added a rollup column
            print(f"full rebuild after a migration: {rollups.refresh():.1f} s")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        person = SalesLine.objects.values_list("salesperson", flat=True).first()
        lines = SalesLine.objects.count()
    _, key = api_key_create(company=company, name="bench", role="viewer")
    client = Client(HTTP_HOST=company_host(company.subdomain), HTTP_AUTHORIZATION=f"Bearer {key}")

    selections = {name: query.format(person=person) for name, query in dashboards.SELECTIONS.items()}
    if args.selections:
        wanted = {name.strip() for name in args.selections.split(",")}
        selections = {name: query for name, query in selections.items() if name in wanted}
    naive = set(args.naive.split(","))
    cells: dict[str, dict[str, str]] = {name: {} for name in CALLS}
    ratios: dict[str, dict[str, str]] = {name: {} for name in CALLS}
    misses, every = [], {name: [] for name in CALLS}
    for selection, query in selections.items():
        for name, (url, target) in CALLS.items():
            full = f"{url}{'&' if '?' in url else '?'}{query}" if query else url
            _time(client, full, 1)  # warm, as a running server is
            times = _time(client, full, args.repeat)
            every[name].extend(times)
            median, p95 = statistics.median(times), dashboards._p95(times)
            cells[name][selection] = f"{median:.0f}/{p95:.0f}"
            if median > target:
                misses.append(f"{name} under {selection}: {median:.0f} ms (target {target})")
            if selection in naive:
                with tenant_context(company):
                    slow = _naive_ms(company, url, query)
                ratios[name][selection] = f"{slow:.0f}={slow / median:.0f}x"
    print(f"\n{lines:,} lines; server time of each call with a key, median/p95 ms over {args.repeat} calls")
    dashboards._table("call x selection", cells, list(selections))
    if naive & set(selections):
        dashboards._table("the same figures from the raw lines: ms = times the API call", ratios,
                          [name for name in selections if name in naive])  # fmt: skip
    for name, times in every.items():
        print(f"{name}: median {statistics.median(times):.0f} ms over all selections (target {CALLS[name][1]})")
    print("over target: " + ("; ".join(misses) if misses else "none"))
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
