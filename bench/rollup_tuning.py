"""What each tuning of the rollups' full rebuild saves, on the company bench/ingest.py loaded (1,000,000 lines or
more): the rebuild as it is, without the second connection, without dropping the indexes while the tables fill,
and without either; then where a one-connection rebuild's time goes, by the table each statement fills; then the
amounts summed as NUMERIC beside the integer copies (`*_e4` columns) the rebuild adds up.

Run after bench/ingest.py: .venv/bin/python bench/rollup_tuning.py [--repeat 2] [--sums-only]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_IT_IS = "as it is (second connection, indexes built after)"


def _best(repeat: int, run) -> float:
    return min(run() for _ in range(repeat))


def _statement_name(text: str) -> str:
    """What a rebuild's statement fills: a table, its indexes, the fingerprints or the statistics."""
    index = re.search(r"CREATE (?:UNIQUE )?INDEX \S+ ON (?:ONLY )?(\S+)|ALTER TABLE (\S+) ADD", text)
    if index:
        return f"indexes of {(index.group(1) or index.group(2)).split('.')[-1]}"
    if "pg_export_snapshot" in text or "xmin" in text:
        return "fingerprints"
    if text.lstrip().startswith("ANALYZE"):
        return "statistics (ANALYZE)"
    found = re.search(r"(?:INSERT INTO|CREATE TEMP TABLE|TRUNCATE)\s+(\w+)", text)
    return found.group(1) if found else text.split()[0]


def rebuilds(repeat: int, lines: int) -> None:
    from django.db import connection

    from analytics import rollups

    print(f"full rebuild of the rollups, {lines:,} lines, best of {repeat}")
    ways = {
        AS_IT_IS: {},
        "one connection": {"alongside": False},
        "indexes kept while filling": {"build_indexes_after": False},
        "neither": {"alongside": False, "build_indexes_after": False},
    }
    times = {name: _best(repeat, lambda o=options: rollups.refresh(**o)) for name, options in ways.items()}
    for name, seconds in times.items():
        print(f"  {name:52s} {seconds:6.1f} s   {seconds / times[AS_IT_IS]:4.2f}x")

    shares: dict[str, float] = defaultdict(float)

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            text = sql if isinstance(sql, str) else sql.as_string(context["connection"].connection)
            shares[_statement_name(text)] += time.perf_counter() - started

    with connection.execute_wrapper(timed):
        total = rollups.refresh(alongside=False)
    print(f"  where a one-connection rebuild's {total:.1f} s go (by what each statement fills):")
    for name, seconds in sorted(shares.items(), key=lambda item: -item[1])[:16]:
        print(f"    {name:44s} {seconds:6.2f} s")


def sums(repeat: int, lines: int) -> None:
    from django.db import connection, transaction

    from analytics import rollups

    columns = ("net_amount", "cgst", "sgst", "igst")
    ways = {
        "NUMERIC": ", ".join(f"SUM(l.{c}) AS {c}" for c in columns),
        "integer copies": ", ".join(f"SUM(l.{c}_e4) * 1e-4 AS {c}" for c in columns),
    }

    def grouped(sums_sql: str) -> float:
        with transaction.atomic(), connection.cursor() as cursor:
            rollups.tune(cursor)
            started = time.perf_counter()
            cursor.execute(
                "CREATE TEMP TABLE t ON COMMIT DROP AS SELECT l.invoice_date, l.invoice_number, l.customer_key, "
                f"l.branch, l.product_line, {sums_sql} FROM ingestion_salesline l WHERE l.counts "
                "GROUP BY 1, 2, 3, 4, 5"
            )
            seconds = time.perf_counter() - started
            transaction.set_rollback(True)
        return seconds

    times = {name: _best(repeat, lambda s=sql: grouped(s)) for name, sql in ways.items()}
    numeric, integer = times["NUMERIC"], times["integer copies"]
    print(f"  the orders' grouping of {lines:,} lines, four amounts: NUMERIC sums {numeric:.2f} s, "
          f"integer copies {integer:.2f} s   ({numeric / integer:.2f}x)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sums-only", action="store_true", help="only the NUMERIC sums against the integer copies")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from _django import setup

    setup("elettro_bench_ingest", fresh=False)
    from django_tenants.utils import tenant_context

    from ingestion.models import SalesLine
    from tenants.models import Company

    company = Company.objects.filter(subdomain="bench").first()
    if company is None:
        sys.exit("Run bench/ingest.py first: it loads the company this measures.")
    with tenant_context(company):
        lines = SalesLine.objects.count()
        if not args.sums_only:
            rebuilds(args.repeat, lines)
        sums(args.repeat, lines)


if __name__ == "__main__":
    main()
