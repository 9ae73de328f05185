"""Pricing page speed (price elasticity and correlation, issue 22) on the 1,000,000-line bench company of
bench/dashboards.py: the page's figures and the two API endpoints' answers under the dashboards bench's selections,
median and p95 in milliseconds, and beside each the same worked out from the raw sales lines (the naive way: no
rollups) with the ratio.

Run: .venv/bin/python bench/pricing.py [--repeat 7] [--raw-repeat 1] [--selections "branch,product line"] [--http]

Target (issue 22): median 150 ms or less per page. By default it times the server's work (the page's build and
the endpoints' selectors, no template or HTTP); --http times whole requests through Django's test client instead
(the bench database must then have every migration applied: bench/dashboards.py does that when it runs). The bench
database must exist (run bench/dashboards.py once); this never loads or migrates it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path
from urllib.parse import parse_qsl

from _timing import p95_of, timed

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TARGET_MEDIAN_MS = 150
DATABASE = "elettro_bench_dash"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elettro.settings.local")
    os.environ["ELETTRO_DB_NAME"] = DATABASE
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _company():
    """The bench company, reading only the columns the figures need (so a migration not yet applied to the bench
    database does not stop it)."""
    from tenants.models import Company

    return Company.objects.only("schema_name", "subdomain", "currency", "fiscal_year_start_month", "timezone").get(
        subdomain="bench"
    )


def page_work(company, query: str, from_lines: bool = False):
    """The Pricing page's figures for a selection, as the view builds them (no template)."""
    from analytics.dashboard import dashboard_for
    from analytics.pages import pricing

    return lambda: pricing.build(dashboard_for(company, dict(parse_qsl(query)), from_lines=from_lines))


def elasticity_work(company, query: str, from_lines: bool = False, by: str = "product"):
    """What /api/v1/elasticity/ computes: its first page of products' elasticities (the default limit), as JSON
    rows, with the count of them all."""
    from analytics import api, elasticity
    from analytics.dashboard import dashboard_for
    from elettro.api.paging import DEFAULT_PAGE_SIZE

    def work():
        scope = dashboard_for(company, dict(parse_qsl(query)), from_lines=from_lines).scope
        found, total = elasticity.elasticity_page(scope, by, DEFAULT_PAGE_SIZE)
        return [api.elasticity_json(f) for f in found], total

    return work


def correlations_work(company, query: str, from_lines: bool = False):
    """What /api/v1/correlations/ computes: both matrices, as JSON."""
    from analytics import api, correlation
    from analytics.dashboard import dashboard_for

    def work():
        scope = dashboard_for(company, dict(parse_qsl(query)), from_lines=from_lines).scope
        customers = correlation.biggest_customers(scope)
        return (
            api.matrix_json(correlation.line_revenue(scope)),
            api.matrix_json(correlation.customer_price_quantity(scope, customers)),
        )

    return work


def run(selections: dict[str, str] | None = None, repeat: int = 7, raw_repeat: int = 1, http: bool = False) -> bool:
    """Print median/p95 (ms) per surface and selection with the raw lines' time beside it; True when every
    median is within the target. Call after Django is set up on the bench database."""
    import dashboards
    from django_tenants.utils import tenant_context

    from ingestion.models import SalesLine

    company = _company()
    client = None
    if http:
        from django.test import Client

        from tenants.models import Membership
        from tenants.urls_util import company_host

        client = Client(HTTP_HOST=company_host(company.subdomain))
        client.force_login(Membership.objects.filter(company=company, role="owner").first().user)
    surfaces = {
        "Pricing page": ("/pricing/", page_work),
        "API elasticity": ("/api/v1/elasticity/", elasticity_work),
        "API correlations": ("/api/v1/correlations/", correlations_work),
    }
    ok = True
    with tenant_context(company):
        person = SalesLine.objects.values_list("salesperson", flat=True).first()
        chosen = {name: query.format(person=person) for name, query in (selections or dashboards.SELECTIONS).items()}
        print(f"{'surface':18} {'selection':22} {'median':>8} {'p95':>8} {'raw lines':>10} {'ratio':>7}")
        for name, query in chosen.items():
            for surface, (url, work) in surfaces.items():
                if client is not None:
                    full = f"{url}?{query}" if query else url

                    def fetch(full=full):
                        response = client.get(full)
                        assert response.status_code == 200, (full, response.status_code)

                    fetch()  # warm, as a running server is
                    times = timed(fetch, repeat)
                else:
                    build = work(company, query)
                    build()
                    times = timed(build, repeat)
                raw = statistics.median(timed(work(company, query, True), raw_repeat)) if raw_repeat else None
                median = statistics.median(times)
                ok = ok and median <= TARGET_MEDIAN_MS
                ratio = f"{raw / median:6.1f}x" if raw else ""
                raw_text = f"{raw:10.0f}" if raw else ""
                flag = "" if median <= TARGET_MEDIAN_MS else "  over target"
                print(f"{surface:18} {name:22} {median:8.1f} {p95_of(times):8.1f} {raw_text:>10} {ratio:>7}{flag}")
    print(f"target: median {TARGET_MEDIAN_MS} ms or less: {'met' if ok else 'NOT met'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--raw-repeat", type=int, default=1, help="timed runs from the raw lines (0 skips them)")
    parser.add_argument("--selections", default="", help="comma-separated names of bench/dashboards.py selections")
    parser.add_argument("--http", action="store_true", help="time whole requests (needs every migration applied)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    _setup()
    import dashboards

    selections = None
    if args.selections:
        wanted = [name.strip() for name in args.selections.split(",")]
        selections = {name: query for name, query in dashboards.SELECTIONS.items() if name in wanted}
    return 0 if run(selections, args.repeat, args.raw_repeat, args.http) else 1


if __name__ == "__main__":
    sys.exit(main())
