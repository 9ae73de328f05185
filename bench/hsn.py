"""GSTR-1's HSN summary at 1,000,000 lines (the dashboards bench's company): from the HSN rollup beside the naive
way, a GROUP BY over the period's sales lines, and the Geography page that shows it.

Run: .venv/bin/python bench/hsn.py [--repeat 9]

Everything happens in one transaction that is rolled back: the HSN rollup is made and filled when the bench
database does not have it yet (about 3 s, a read of every line), and three items in four are given an HSN, unit
and GST rate by "item master" (the generated lines have none), so the summary reads the master as it would.
Nothing is migrated and nothing stays behind.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from _timing import p95_of, timed

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "elettro_bench_dash"
TARGET_MEDIAN_MS = 150  # issue 22
SELECTIONS = {
    "latest 12 months": {},
    "FY 2024-25": {"from": "2024-04-01", "to": "2025-03-31"},
    "two years": {"from": "2024-04-01", "to": "2026-03-31"},
    "custom, edge days": {"from": "2024-05-17", "to": "2025-02-03"},
    "branch (reads the lines)": {"from": "2025-04-01", "to": "2026-03-31", "branch": "Pune"},
}


def _setup() -> None:
    """Django on the bench database, without migrating it (other work's migrations may be pending there)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elettro.settings.local")
    os.environ["ELETTRO_DB_NAME"] = DATABASE
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _prepare(cursor) -> str:
    """The HSN rollup made and filled if missing or empty, and items given an HSN: what it took."""
    from django.db import connection

    from analytics import rollups
    from analytics.models import HsnMonth

    said = []
    cursor.execute("SELECT to_regclass('analytics_hsn_month') IS NOT NULL")
    if not cursor.fetchone()[0]:
        with connection.schema_editor() as editor:
            editor.create_model(HsnMonth)
        said.append("made the HSN rollup")
    cursor.execute("SELECT EXISTS (SELECT 1 FROM analytics_hsn_month)")
    if not cursor.fetchone()[0]:
        started = time.perf_counter()
        rollups.tune(cursor)
        cursor.execute(rollups.sql.SQL("INSERT INTO analytics_hsn_month ({}) {}").format(
            rollups.HSN_COLUMNS, rollups.hsn_months(None)))  # fmt: skip
        said.append(f"filled it in {time.perf_counter() - started:.1f} s")
    # Three items in four get an HSN (one in fifty of them a 5-digit one), a unit and a rate, as a master gives.
    cursor.execute(
        """
        UPDATE ingestion_product SET hsn = CASE WHEN id % 200 = 1 THEN '85365' ELSE (8501 + id % 40)::text || '10' END,
               unit = (ARRAY['NOS', 'PCS', 'MTR'])[1 + id % 3], gst_rate = (ARRAY[5, 12, 18, 28])[1 + id % 4]
        WHERE id % 4 <> 0
        """
    )
    cursor.execute("SELECT COUNT(*) FROM analytics_hsn_month")
    said.append(f"{cursor.fetchone()[0]:,} rollup rows")
    return ", ".join(said)


def run(repeat: int = 9) -> None:
    """Print median/p95 ms of the HSN summary per selection: from the rollup, the naive way, and the Geography
    page built with it."""
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context

    from analytics.dashboard import dashboard_for
    from analytics.gst import hsn_summary
    from analytics.pages import PAGES
    from tenants.models import Company

    # The columns the pages read: others may be pending in a migration the bench database has not had yet.
    fields = ("schema_name", "subdomain", "currency", "timezone", "fiscal_year_start_month", "home_state", "gstin")
    company = Company.objects.only(*fields).get(subdomain="bench")
    geography = PAGES["geography"][1]
    with tenant_context(company), transaction.atomic(), connection.cursor() as cursor:
        print(_prepare(cursor))
        print(f"{'selection':28} {'rows':>5} {'rollup ms (median/p95)':>24} {'naive ms':>10} {'Geography page ms':>20}")
        for name, query in SELECTIONS.items():
            d = dashboard_for(company, query)
            naive = dashboard_for(company, query, from_lines=True)
            rows = len(hsn_summary(d.scope).rows)
            fast = timed(lambda d=d: hsn_summary(d.scope), repeat)
            slow = timed(lambda naive=naive: hsn_summary(naive.scope), max(1, repeat // 3))
            page = timed(lambda query=query: geography(dashboard_for(company, query)), max(1, repeat // 3))
            flag = "" if statistics.median(fast) <= TARGET_MEDIAN_MS else "  over target"
            print(f"{name:28} {rows:>5} {statistics.median(fast):>11.0f} / {p95_of(fast):>6.0f}    "
                  f"{statistics.median(slow):>10.0f} {statistics.median(page):>20.0f}{flag}")  # fmt: skip
        transaction.set_rollback(True)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    arguments = parser.parse_args()
    _setup()
    run(arguments.repeat)
