"""Ingestion speed: upload to dashboards current (the lines committed with the rollups that follow them, the job
done) for N CSV lines into a fresh company, beside the bare COPY of the same file into an unlogged table; a small
upload (10,000 lines) into that big company; re-upload of the same lines; M XLSX lines; and the naive way (pandas
read, then DataFrame.to_sql) beside it.

Each load runs in a child process so its peak memory (max RSS) is its own.
Run: .venv/bin/python bench/ingest.py [--lines 1000000] [--xlsx-lines 200000] [--naive-lines 1000000]
     [--small-lines 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DATABASE = "elettro_bench_ingest"


def _child(args: list[str]) -> dict:
    """Run this script in a child process and return what it printed, with its peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    output = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(output.stdout.strip().splitlines()[-1])
    result["peak_mb_at_least"] = round(max(peak, before) / 1024)
    return result


def _setup(fresh: bool):
    sys.path.insert(0, str(HERE))
    os.environ["UPLOAD_MAX_MB"] = "2048"
    from _django import setup

    setup(DATABASE, fresh=fresh)


def _company():
    from tenants import services
    from tenants.models import Company

    company = Company.objects.filter(subdomain="bench").first()
    if company is None:
        company, _ = services.company_create(
            name="Bench", subdomain="bench", owner_email="bench@bench.example.com", owner_password="Bench-Mark-2025!"
        )
    return company


def _settle() -> None:
    """Let the set-up's own work (a new database, migrations, spare schemas) finish before the first timing:
    vacuum what it churned, so autovacuum does not start during the load, and flush its writes."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
    except DatabaseError:  # not a superuser on a managed server: measure as it is
        pass


def load(path: str, rebuild_too: bool = False) -> None:
    """Child: upload the file through the real service and run its job in this process; with `rebuild_too`, then
    rebuild the months it touched, the way before merging."""
    _setup(fresh=False)
    from django.core.files import File
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from analytics import rollups
    from analytics.models import RollupState
    from ingestion import services
    from ingestion.models import SalesLine

    with tenant_context(_company()):
        started, wall = time.perf_counter(), timezone.now()
        with open(path, "rb") as handle:
            job = services.upload_create(file=File(handle, name=Path(path).name), run="inline")
        job = services.import_run(job_id=job.pk)
        # The job is marked done in the transaction that commits the lines and the rollups that follow them: from
        # then on the dashboards show them.
        current = (job.finished_at - wall).total_seconds()
        total = SalesLine.objects.count()
        task = time.perf_counter() - started
        follow = RollupState.objects.get().seconds  # what the rollups' step of the load took
        rebuild = None
        if rebuild_too and job.date_from:  # the way before merging: rebuild the months the file touched
            rebuild = rollups.refresh(job.date_from, job.date_to)
    print(json.dumps({"seconds": round(current, 2), "task": round(task, 2), "follow": round(follow, 2),
                      "rebuild": rebuild and round(rebuild, 2),
                      "status": job.status, "loaded": job.rows_loaded, "duplicates": job.duplicates,
                      "rejected": job.rows_rejected, "lines_in_table": total, "error": job.error}))  # fmt: skip


def bare_copy(path: str) -> None:
    """Child: the floor, the same file COPYed as it is into an unlogged table of text columns (no parsing of
    values, no checks, no indexes)."""
    _setup(fresh=False)
    import csv

    from django.db import connection
    from psycopg import sql

    with open(path, newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle))
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(f"c{i}")) for i in range(len(header)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bare_copy")
        cursor.execute(sql.SQL("CREATE UNLOGGED TABLE bare_copy ({})").format(columns))
        started = time.perf_counter()
        with open(path, "rb") as handle, cursor.copy("COPY bare_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT COUNT(*) FROM bare_copy")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bare_copy")
    print(json.dumps({"seconds": round(seconds, 2), "loaded": rows}))


def naive(path: str) -> None:
    """Child: the naive way, pandas.read_csv then DataFrame.to_sql into a plain table."""
    _setup(fresh=False)
    import pandas as pd
    import sqlalchemy
    from django.conf import settings

    db = settings.DATABASES["default"]
    url = sqlalchemy.engine.URL.create(
        "postgresql+psycopg", username=db["USER"], password=db.get("PASSWORD") or None, database=db["NAME"],
        host=db["HOST"], port=db.get("PORT") or None,
    )  # fmt: skip
    engine = sqlalchemy.create_engine(url)
    started = time.perf_counter()
    frame = pd.read_csv(path)
    frame.to_sql("naive_lines", engine, if_exists="replace", index=False, chunksize=10_000)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": round(seconds, 1), "loaded": len(frame)}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--xlsx-lines", type=int, default=200_000)
    parser.add_argument("--naive-lines", type=int, default=None, help="default: the same as --lines")
    parser.add_argument("--small-lines", type=int, default=10_000)
    parser.add_argument("--child", choices=("load", "load-and-rebuild", "naive", "copy"))
    parser.add_argument("--path")
    args = parser.parse_args()
    if args.child in ("load", "load-and-rebuild"):
        return load(args.path, rebuild_too=args.child == "load-and-rebuild")
    if args.child == "naive":
        return naive(args.path)
    if args.child == "copy":
        return bare_copy(args.path)

    OUT.mkdir(exist_ok=True)
    sys.path.insert(0, str(HERE.parent))
    from ingestion.sample_exports.invoice_lines import write_invoice_lines

    csv_path = OUT / f"lines_{args.lines}.csv"
    xlsx_path = OUT / f"lines_{args.xlsx_lines}.xlsx"
    small_path = OUT / f"lines_{args.small_lines}_new.csv"  # other lines (another seed): all of them new
    if not csv_path.exists():
        write_invoice_lines(csv_path, lines=args.lines, fmt="csv")
    if not small_path.exists():
        write_invoice_lines(small_path, lines=args.small_lines, fmt="csv", seed=3)
    if not xlsx_path.exists():
        write_invoice_lines(xlsx_path, lines=args.xlsx_lines, fmt="xlsx", seed=2)
    _setup(fresh=True)
    _company()
    _settle()

    floor = _child(["--child", "copy", "--path", str(csv_path)])
    first = _child(["--child", "load", "--path", str(csv_path)])
    small = _child(["--child", "load-and-rebuild", "--path", str(small_path)])
    again = _child(["--child", "load", "--path", str(csv_path)])
    xlsx = _child(["--child", "load", "--path", str(xlsx_path)])
    naive_path = csv_path if (args.naive_lines or args.lines) == args.lines else OUT / f"lines_{args.naive_lines}.csv"
    if not naive_path.exists():
        write_invoice_lines(naive_path, lines=args.naive_lines, fmt="csv")
    slow = _child(["--child", "naive", "--path", str(naive_path)])

    mb = csv_path.stat().st_size / 1024 / 1024
    print(f"ingestion, upload to dashboards current ({os.cpu_count()} cores)")
    print(
        f"  {args.lines:,} CSV lines ({mb:.0f} MB) into a fresh company: {first['seconds']:6.1f} s   loaded "
        f"{first['loaded']:,}, rejected {first['rejected']:,}   peak RSS {first['peak_mb_at_least']} MB"
    )
    print(f"  bare COPY of the same file into an unlogged table: {floor['seconds']:.1f} s ({floor['loaded']:,} rows)"
          f"   ratio {first['seconds'] / floor['seconds']:.1f}x   (target 3x or less)")  # fmt: skip
    print(f"  {args.small_lines:,} new lines into that {args.lines:,}-line company: {small['seconds']:.2f} s upload to "
          f"dashboards current   loaded {small['loaded']:,}")  # fmt: skip
    print(f"    of it the rollups' merge, after the lines are loaded: {small['follow']:.2f} s   (target 2 s)   "
          f"rebuilding the months the file touches instead: {small['rebuild']:.2f} s   "
          f"ratio {small['rebuild'] / max(small['follow'], 0.01):.0f}x")  # fmt: skip
    print(f"  same file again (all duplicates): {again['seconds']:6.1f} s   duplicates {again['duplicates']:,}"
          f"   target 30 s")  # fmt: skip
    print(
        f"  {args.xlsx_lines:,} XLSX lines:          {xlsx['seconds']:6.1f} s   loaded {xlsx['loaded']:,}   target 30 s"
    )
    print("  (each time is upload to job done; the rollups follow in the load's own transaction, so done is current)")
    print(f"  naive: pandas.read_csv + DataFrame.to_sql, {slow['loaded']:,} lines: {slow['seconds']:.1f} s"
          f"   (no cleaning, no duplicates check)")  # fmt: skip
    per_line = (slow["seconds"] / slow["loaded"]) / (first["seconds"] / first["loaded"])
    print(f"  ratio naive / ours (per line): {per_line:.1f}x")


if __name__ == "__main__":
    main()
