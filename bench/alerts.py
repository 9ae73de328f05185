"""Alert evaluation at scale: companies with 50 rules each, ten of them for each value of a dimension (five over
the company's 1,000 customers), evaluated one company after another as the alerts worker does after a nightly;
beside the same rules evaluated from the raw lines (the naive way: no rollups).

Run: .venv/bin/python bench/alerts.py [--companies 100] [--naive 1]

The first company is loaded with 200,000 generated lines (1,000 customers) through the real pipeline; the others
are clones of its schema with their data (as signup clones the template), so loading is paid once. Prints the
worker time per company and in all, against the target: 100 companies in 60 s or less (issue 20).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DATABASE = "elettro_bench_alerts"
LINES = 200_000  # 1,000 customers, as the generator scales them
TARGET_SECONDS, TARGET_COMPANIES = 60, 100

# (measure, each, window, condition, value, compare): 50 rules, 10 of them per entity.
PER_ENTITY = [
    ("revenue", "customer", "month", "change-below", 30, "previous"),
    ("revenue", "customer", "month", "change-below", 20, "last-year"),
    ("orders", "customer", "month", "below", 1, "previous"),
    ("revenue", "customer", "month", "unusual", 3, "previous"),
    ("revenue", "customer", "fytd", "above", 5_000_000, "previous"),
    ("revenue", "product", "month", "change-below", 40, "previous"),
    ("quantity", "product", "month", "change-above", 50, "previous"),
    ("revenue", "salesperson", "month", "change-below", 25, "previous"),
    ("revenue", "branch", "week", "change-below", 25, "previous"),
    ("revenue", "state", "month", "below", 100_000, "previous"),
]
COMPANY_MEASURES = ["revenue", "orders", "aov", "customers", "new_customers", "quantity", "lines", "cgst"]
COMPANY_CONDITIONS = [("month", "change-below", 10, "previous"), ("month", "change-above", 10, "last-year"),
                      ("week", "below", 1000, "previous"), ("fytd", "above", 10**9, "previous"),
                      ("month", "unusual", 3, "previous")]  # fmt: skip


def _setup() -> None:
    sys.path.insert(0, str(HERE))
    os.environ["UPLOAD_MAX_MB"] = "2048"
    from _django import setup

    setup(DATABASE, fresh=False)


def _first_company():
    from django.core.files.base import ContentFile
    from django_tenants.utils import tenant_context

    from ingestion import services as ingestion
    from ingestion.models import SalesLine
    from ingestion.sample_exports.invoice_lines import write_invoice_lines
    from tenants import services
    from tenants.models import Company

    company = Company.objects.filter(subdomain="alerts1").first()
    if company is None:
        company, _ = services.company_create(name="Alerts 1", subdomain="alerts1", owner_email="a@alerts1.example.com",
                                             owner_password="Bench-Mark-2025!")  # fmt: skip
    with tenant_context(company):
        if not SalesLine.objects.exists():
            path = OUT / f"lines_{LINES}.csv"
            if not path.exists():
                OUT.mkdir(exist_ok=True)
                write_invoice_lines(path, lines=LINES, seed=11)
            job = ingestion.upload_create(file=ContentFile(path.read_bytes(), name=path.name), run="inline",
                                          review=False)  # fmt: skip
            job = ingestion.import_run(job_id=job.pk)
            print(f"loaded {job.rows_loaded:,} lines into the first company")
        _rules(company)
    return company


def _rules(company) -> None:
    from reports.alerts import rules
    from reports.models import AlertRule

    if AlertRule.objects.count() >= 50:
        return
    AlertRule.objects.all().delete()
    for measure, each, window, condition, value, compare in PER_ENTITY:
        rules.rule_create(company, measure=measure, each=each, window=window, condition=condition, value=value,
                          compare=compare)  # fmt: skip
    for measure in COMPANY_MEASURES:
        for window, condition, value, compare in COMPANY_CONDITIONS:
            rules.rule_create(company, measure=measure, window=window, condition=condition, value=value,
                              compare=compare)  # fmt: skip
    assert AlertRule.objects.count() == 50


def _schemas(first, count: int) -> list[str]:
    """The first company's schema and count - 1 clones of it (made once, kept between runs)."""
    from django.db import connection
    from django_tenants.clone import CloneSchema

    names = [first.schema_name]
    for n in range(2, count + 1):
        name = f"bench_alerts_{n}"
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
            if cursor.fetchone() is None:
                started = time.perf_counter()
                CloneSchema().clone_schema(first.schema_name, name, "DATA")
                print(f"cloned {name} in {time.perf_counter() - started:.1f} s")
        names.append(name)
    connection.set_schema_to_public()
    return names


def _evaluate(first, schema: str, *, from_lines: bool = False) -> tuple[float, int]:
    """Seconds to evaluate every rule in this schema (as the alerts worker would), and the state changes."""
    from django.db import connection

    from reports.alerts import evaluation, states
    from reports.models import AlertRule

    connection.set_schema(schema)
    started = time.perf_counter()
    changes = 0
    rules = list(AlertRule.objects.filter(is_active=True))
    memo = evaluation.Memo.for_rules(rules)
    for rule in rules:
        observations = evaluation.evaluate(rule, first, from_lines=from_lines, memo=memo)
        if not from_lines:
            changes += len(states.apply(rule, observations)[1])
    seconds = time.perf_counter() - started
    connection.set_schema_to_public()
    return seconds, changes


def _backtests(first) -> None:
    """The rule form's backtest (12 months) of a few rules on the first company, timed: target about a second."""
    from django_tenants.utils import tenant_context

    from reports.alerts import backtest, rules

    with tenant_context(first):
        for measure, each, window, condition, value, compare in PER_ENTITY[:2] + PER_ENTITY[8:9]:
            rule = rules.rule_checked(measure=measure, each=each, window=window, condition=condition, value=value,
                                      compare=compare)  # fmt: skip
            result = backtest.backtest(rule, first)
            print(f"backtest of {rule.name!r}: {result.seconds:.2f} s, {result.evaluations} evaluations, "
                  f"{len(result.firings)} firings")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=TARGET_COMPANIES)
    parser.add_argument("--naive", type=int, default=1, help="companies also evaluated from the raw lines")
    args = parser.parse_args()
    _setup()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    first = _first_company()
    schemas = _schemas(first, args.companies)
    _evaluate(first, schemas[0])  # warm: the first evaluation also makes the states
    times, changes = [], 0
    for schema in schemas:
        seconds, changed = _evaluate(first, schema)
        times.append(seconds)
        changes += changed
    total = sum(times)
    print(f"\n{len(schemas)} companies x 50 rules (10 per entity, 5 over 1,000 customers), {LINES:,} lines each")
    print(f"worker time: {total:.1f} s in all; per company median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s; {changes} state changes")  # fmt: skip
    projected = total / len(schemas) * TARGET_COMPANIES
    print(f"for {TARGET_COMPANIES} companies: {projected:.1f} s (target {TARGET_SECONDS} s)")
    _backtests(first)
    if args.naive:
        naive = [_evaluate(first, schema, from_lines=True)[0] for schema in schemas[: args.naive]]
        per = statistics.mean(naive)
        print(f"from the raw lines: {per:.1f} s per company = {per / statistics.mean(times):.0f}x; "
              f"{per * TARGET_COMPANIES:.0f} s for {TARGET_COMPANIES} companies")  # fmt: skip
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
