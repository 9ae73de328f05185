"""Report speed: a sales review of the 1,000,000-line bench company (time, pages, peak memory, warm and cold chart
browser), and 100 companies with a schedule due in the same minute delivered by two real Celery workers.

Run: .venv/bin/python bench/reports.py review     (uses bench/dashboards.py's database; run that first)
     .venv/bin/python bench/reports.py schedules [--companies 100]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def _rss_mb(pid: int | None = None) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def _browser_mb() -> float:
    """Memory of the Chromium processes this process started (kaleido's warm browser), as PSS: Chromium's
    processes share most of their pages, and adding up their RSS would count those pages once per process."""
    import psutil

    return sum(child.memory_full_info().pss for child in psutil.Process().children(recursive=True)) / 2**20


def review(args) -> None:
    from _django import setup

    os.environ["UPLOAD_MAX_MB"] = "2048"
    setup("elettro_bench_dash", fresh=False)
    import plotly.graph_objects as go
    import plotly.io as pio
    from django_tenants.utils import tenant_context

    from analytics.dashboard import dashboard_for
    from analytics.pages import overview
    from ingestion.models import SalesLine
    from reports.generation import report_build, report_render
    from reports.rendering import chart_images
    from tenants.models import Company

    company = Company.objects.filter(subdomain="bench").first()
    if company is None:
        sys.exit("No bench company: run bench/dashboards.py first (it loads the 1,000,000 lines).")
    query = {"from": args.date_from, "to": args.date_to}
    with tenant_context(company):
        lines = SalesLine.objects.count()
        figure = overview.build(dashboard_for(company, query)).panels[0].figure

        started = time.perf_counter()
        chart_images._ensure_browser()
        chart_images.figure_svg(figure)
        cold = time.perf_counter() - started
        warm = []
        for _ in range(5):
            started = time.perf_counter()
            chart_images.figure_svg(figure)
            warm.append(time.perf_counter() - started)
        naive = []
        if args.naive:
            chart_images._stop()  # the naive way: a fresh browser for every chart
            for _ in range(2):
                started = time.perf_counter()
                pio.to_image(go.Figure(figure), format="svg", width=900, height=340)
                naive.append(time.perf_counter() - started)
            chart_images._ensure_browser()
            chart_images.figure_svg(figure)

        baseline = _rss_mb()
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = report_build(company, "sales-review", query)
            built = time.perf_counter() - started
            content = report_render(report, "pdf")
            timings.append((time.perf_counter() - started, built))
        from io import BytesIO

        from pypdf import PdfReader

        pages = len(PdfReader(BytesIO(content)).pages)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        xlsx_started = time.perf_counter()
        workbook = report_render(report, "xlsx")
        xlsx_seconds = time.perf_counter() - xlsx_started
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "sales-review-1m.pdf").write_bytes(content)
    total = [t for t, _ in timings]
    print(
        f"sales review of {lines:,} lines, {args.date_from} to {args.date_to}: {pages} pages, "
        f"{len(content) / 1024:,.0f} KB"
    )
    print(f"  total with a warm browser: median {statistics.median(total):.2f} s over {len(total)} "
          f"(figures {statistics.median(b for _, b in timings):.2f} s, charts and PDF the rest)")  # fmt: skip
    print(f"  peak memory: this process {peak:,.0f} MB (it was {baseline:,.0f} MB before the reports), "
          f"the warm Chromium {_browser_mb():,.0f} MB")  # fmt: skip
    print(f"  one chart: cold browser {cold:.2f} s, warm median {statistics.median(warm) * 1000:.0f} ms"
          + (f", a new browser per chart (naive) {statistics.median(naive):.2f} s: "
             f"{statistics.median(naive) / statistics.median(warm):.0f}x the warm one" if naive else ""))  # fmt: skip
    print(f"  the Excel version: {xlsx_seconds:.2f} s, {len(workbook) / 1024:,.0f} KB")
    print(f"  written to {out / 'sales-review-1m.pdf'}")


# ---------------------------------------------------------------- 100 schedules due in one minute


def _start_worker(name: str, env: dict) -> subprocess.Popen:
    log = open(HERE / "out" / f"{name}.log", "w")  # noqa: SIM115 - the worker keeps it open
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "elettro", "worker", "--queues", "reports", "--concurrency", "1",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--hostname", f"{name}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def schedules(args) -> None:
    from _django import setup

    (HERE / "out").mkdir(exist_ok=True)
    database = "elettro_bench_sched"
    setup(database, fresh=True)
    from datetime import time as clock_time

    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from elettro.celery import app
    from ingestion import services as ingestion
    from ingestion.sample_exports.invoice_lines import write_invoice_lines
    from reports.models import Delivery, Schedule
    from tenants import services
    from tests.fakes.slack import WEBHOOK_PATH, FakeSlack

    broker = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/13"  # its own queue, away from `make run`'s worker
    app.conf.broker_url = broker
    app.conf.result_backend = broker
    path = HERE / "out" / "lines_500.csv"
    write_invoice_lines(path, lines=500, seed=3)
    started = time.perf_counter()
    companies = []
    with FakeSlack() as slack:
        for n in range(args.companies):
            company, _ = services.company_create(
                name=f"Scheduled {n}", subdomain=f"sched-{n}", owner_email=f"owner@sched-{n}.example.com",
                owner_password="Bench-Mark-2025!",
            )  # fmt: skip
            with tenant_context(company):
                job = ingestion.upload_create(file=ContentFile(path.read_bytes(), name=path.name), run="inline")
                ingestion.import_run(job_id=job.pk)
                Schedule.objects.create(
                    name="Daily review", kind="sales-review", frequency="daily", time_of_day=clock_time(9),
                    period="last_12", slack_webhook_url=slack.webhook_url,
                    next_run_at=timezone.now().replace(second=0, microsecond=0),
                )  # fmt: skip
            companies.append(company)
        print(
            f"{args.companies} companies with 500 lines and a schedule each, "
            f"made in {time.perf_counter() - started:.0f} s"
        )

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "elettro.settings.local",
            "ELETTRO_DB_NAME": database,
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": broker,
            "SLACK_WEBHOOK_HOSTS": "hooks.slack.com,127.0.0.1",
            "OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS": "true",  # the fake Slack on 127.0.0.1
            "REPORTS_WARM_BROWSER": "true",
            "LOG_LEVEL": "WARNING",
        }
        workers = [_start_worker(f"bench-reports-{n}", env) for n in (1, 2)]
        try:
            time.sleep(20)  # the workers are up and their browsers warm, as they are long before 09:00
            due_at = time.perf_counter()
            app.send_task("reports.dispatch_due", queue="reports")
            deadline = due_at + args.timeout
            done = 0
            while time.perf_counter() < deadline:
                done = 0
                for company in companies:
                    with tenant_context(company):
                        done += Delivery.objects.filter(status__in=["sent", "failed"]).count()
                if done >= len(companies):
                    break
                time.sleep(1)
            elapsed = time.perf_counter() - due_at
            failed = 0
            for company in companies:
                with tenant_context(company):
                    failed += Delivery.objects.filter(status="failed").count()
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
        posted = len(slack.requests_to(WEBHOOK_PATH))
    print(f"two workers (one process each, warm browser) delivered {done} of {len(companies)} due schedules "
          f"in {elapsed:.1f} s: {elapsed / max(done, 1):.2f} s per report; {failed} failed; "
          f"Slack got {posted} posts")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("review")
    one.add_argument("--from", dest="date_from", default="2024-04-01")
    one.add_argument("--to", dest="date_to", default="2026-03-31")
    one.add_argument("--repeat", type=int, default=3)
    one.add_argument("--naive", action="store_true", default=True)
    many = sub.add_parser("schedules")
    many.add_argument("--companies", type=int, default=100)
    many.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()
    review(args) if args.what == "review" else schedules(args)


if __name__ == "__main__":
    main()
