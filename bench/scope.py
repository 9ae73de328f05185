"""Scoped members' speed (issue 22: "a scoped member's pages are no slower than the company's own pages with the same
filter") on the 1,000,000-line bench company of bench/dashboards.py.

For the overview and customers pages it times the page's figures (the build, no template) three ways, median and
p95 in milliseconds:
  - owner:  the company's own page with ?salesperson=X chosen in the filter bar;
  - scoped: a member limited to salesperson X (tenants/scopes.py), with nothing chosen;
  - two:    a member limited to two salespeople (an IN on the rollups), for scale;
and the naive way beside them: the scoped page read from the sales lines instead of the rollups. The ratio
scoped / owner is the target (1.0 or less, within noise).

Run: .venv/bin/python bench/scope.py [--repeat 9] [--raw-repeat 1] [--pages overview,customers]

The bench database must exist (run bench/dashboards.py once); this never loads or migrates it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from _timing import p95_of, timed

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

DATABASE = "elettro_bench_dash"
QUERY = {"preset": "last_12"}


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elettro.settings.local")
    os.environ["ELETTRO_DB_NAME"] = DATABASE
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _company():
    from tenants.models import Company

    return Company.objects.only("schema_name", "subdomain", "currency", "fiscal_year_start_month", "timezone").get(
        subdomain="bench"
    )


def _line(label: str, times: list[float]) -> str:
    return f"{label:<34} median {statistics.median(times):8.1f} ms   p95 {p95_of(times):8.1f} ms"


def run(pages: tuple[str, ...] = ("overview", "customers"), repeat: int = 9, raw_repeat: int = 1) -> dict:
    """Print, for each page, the owner's filtered build against the scoped member's, and return
    {page: (owner median, scoped median, ratio)}. Call inside Django set up on the bench database."""
    from django_tenants.utils import tenant_context

    from analytics.dashboard import dashboard_for
    from analytics.models import DimensionValue
    from analytics.pages import PAGES
    from tenants.scopes import viewing

    company = _company()
    results = {}
    with tenant_context(company):
        people = list(
            DimensionValue.objects.filter(dimension="salesperson").order_by("-revenue").values_list("value", flat=True)
        )
        if len(people) < 2:
            print("The bench company has fewer than two salespeople: nothing to compare.")
            return results
        person, other = people[0], people[1]
        print(f"salesperson {person!r} (and {other!r} for the two-person scope); {repeat} runs each")
        for page in pages:
            build = PAGES[page][1]

            def owner(build=build):
                return build(dashboard_for(company, {**QUERY, "salesperson": person}))

            def scoped(build=build, scope=None, from_lines=False):
                with viewing(scope or {"salesperson": [person]}):
                    return build(dashboard_for(company, QUERY, from_lines=from_lines))

            owner(), scoped()  # warm the caches both ways alike
            owner_times, scoped_times = [], []
            for _ in range(repeat):  # interleaved, so drift on a shared machine hits both alike
                owner_times += timed(owner, 1)
                scoped_times += timed(scoped, 1)
            two = timed(lambda build=build: scoped(build, {"salesperson": [person, other]}), repeat)
            naive = timed(lambda build=build: scoped(build, from_lines=True), raw_repeat)
            ratio = statistics.median(scoped_times) / statistics.median(owner_times)
            print(f"\n{page}")
            print(_line("owner, ?salesperson chosen", owner_times))
            print(_line("scoped member (one salesperson)", scoped_times))
            print(_line("scoped member (two salespeople)", two))
            if naive:  # --raw-repeat 0 skips the naive way
                print(_line("naive: scoped, from the lines", naive))
            print(f"{'scoped / owner':<34} {ratio:.2f}")
            results[page] = (statistics.median(owner_times), statistics.median(scoped_times), ratio)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--raw-repeat", type=int, default=1)
    parser.add_argument("--pages", default="overview,customers")
    args = parser.parse_args()
    _setup()
    run(tuple(p.strip() for p in args.pages.split(",") if p.strip()), args.repeat, args.raw_repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
