"""Dashboards under load while a big upload runs, on the real stack: N locust users (50) browse the dashboards of
M companies (20) through gunicorn while another company uploads 1,000,000 lines that the etl_bulk Celery worker
loads; the pages' p50 and p95, the errors, and the upload's time beside its time alone.

Run: .venv/bin/python bench/load.py [--companies 20] [--users 50] [--spawn-rate 10] [--lines-per-company 50000]
     [--upload-lines 1000000] [--duration 120] [--fresh]

Prints each page's p50/p95 ms (from locust's CSV stats, bench/out/load_stats.csv), all pages', the requests and
failures, the time the same requests spent inside Django (the web's request log: the rest is the wait for a free
gunicorn worker), and the upload's seconds from upload to job done, alone and under load, with their ratio, against the
targets (page p95 500 ms or less, 0 errors, the upload 1.5x its time alone at most); writes them to
bench/out/load.txt. Set ELETTRO_DATA_DIR to use another checkout's embedded PostgreSQL.

The stack is what production runs (Dockerfile, docker-compose.yml): gunicorn with 3 workers and the production
settings, and the etl and etl_bulk workers as in the Procfile, on the embedded PostgreSQL and Redis, all started
here and stopped at the end. Its own database (elettro_bench_load), Redis database, media folder and secret key
keep it apart from `make run` and the tests running on the same machine.

The first run creates the companies through the real signup service and loads each with generated invoice lines
and a customer master through the real pipeline; later runs reuse them (--fresh to start again). Every run
signs each owner in with a session made on the server (no login form, no rate limit), then times the upload alone
into a new company and again, under load, into another new one, so both do the same work.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
DATABASE = "elettro_bench_load"
# `make run` uses Redis database 0 and the tests 7 to 15 (elettro/settings/test.py): the bench's cache and queues
# stay apart from both, so no other worker takes its tasks.
REDIS_DB = 6
MEDIA = OUT / "load-media"
# The web and the workers must read the sessions this process writes: one key for all of them.
SECRET_KEY = "bench-load-not-secret-6f0c2a9e41d7"
PASSWORD = "Bench-Mark-2025!"
UPLOADERS = ("upload-alone", "upload-busy")  # new companies every run: the same work alone and under load
TARGET_P95_MS, TARGET_RATIO = 500, 1.5
# Production runs behind a TLS proxy that says so (without it every page redirects to https); bench/locustfile.py too.
PROXY = {"X-Forwarded-Proto": "https"}


@dataclass
class Upload:
    seconds: float  # upload to job done (the lines committed and queryable)
    dashboards: float | None  # upload to the rollups read it (the dashboards show its lines)
    status: str
    loaded: int
    error: str


def _setup(fresh: bool) -> None:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    os.environ["UPLOAD_MAX_MB"] = "2048"  # 1,000,000 lines are 250 MB; the web's 50 MB limit is not what is timed
    os.environ["SECRET_KEY"] = SECRET_KEY
    os.environ["MEDIA_ROOT"] = str(MEDIA)
    if not os.environ.get("REDIS_URL"):
        from elettro.embedded import ensure_redis

        os.environ["REDIS_URL"] = f"{ensure_redis()}/{REDIS_DB}"
    from _django import setup

    setup(DATABASE, fresh=fresh)


def _lines_file(lines: int, seed: int, name: str) -> Path:
    from ingestion.sample_exports.invoice_lines import write_invoice_lines

    path = OUT / name
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        write_invoice_lines(path, lines=lines, seed=seed)
    return path


def _load_inline(path: Path, **options):
    """Upload a file through the real service and run its job here, rollups included (set-up, not timed)."""
    from django.core.files import File

    from ingestion import services as ingestion

    with path.open("rb") as handle:
        job = ingestion.upload_create(file=File(handle, name=path.name), run="inline", **options)
    job = ingestion.import_run(job_id=job.pk)
    if job.status != "succeeded":
        raise SystemExit(f"set-up upload of {path.name} ended {job.status}: {job.error}")
    return job


def _browse_companies(count: int, lines: int) -> list:
    """The companies people browse, each with its own generated lines (a seed each) and a customer master that gives
    its customers segments and countries; made and loaded once, reused on later runs."""
    from django_tenants.utils import tenant_context

    from ingestion.models import Customer, Kind, SalesLine
    from ingestion.sample_exports import write_customer_segments
    from ingestion.sample_exports.invoice_lines import write_invoice_lines
    from tenants import services
    from tenants.models import Company

    companies = []
    for n in range(1, count + 1):
        subdomain = f"load-{n:02d}"
        company = Company.objects.filter(subdomain=subdomain).first()
        if company is None:
            company, _ = services.company_create(
                name=f"Load {n:02d}", subdomain=subdomain, owner_email=f"owner@{subdomain}.example.com",
                owner_password=PASSWORD,
            )  # fmt: skip
        with tenant_context(company):
            if not SalesLine.objects.exists():
                started = time.perf_counter()
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / f"{subdomain}-lines.csv"
                    write_invoice_lines(path, lines=lines, seed=100 + n)
                    job = _load_inline(path)
                    master = write_customer_segments(
                        Path(folder) / f"{subdomain}-customers.csv", Customer.objects.values_list("name", flat=True)
                    )
                    _load_inline(master, kind=Kind.CUSTOMERS)
                print(f"  {subdomain}: {job.rows_loaded:,} lines and a customer master in "
                      f"{time.perf_counter() - started:.1f} s")  # fmt: skip
            elif SalesLine.objects.count() != lines:
                print(f"  {subdomain}: reusing its {SalesLine.objects.count():,} lines (--fresh loads {lines:,})")
        companies.append(company)
    return companies


def _uploaders() -> list:
    """Two new companies for the timed uploads; those of an earlier run go first, schema, rows and files."""
    from tenants import services
    from tenants.models import Company, User

    for company in Company.objects.filter(subdomain__in=UPLOADERS):
        schema = company.schema_name
        company.delete(force_drop=True)
        shutil.rmtree(MEDIA / schema, ignore_errors=True)
    email = "owner@upload.example.com"
    owner = User.objects.filter(email=email).first()
    made = []
    for subdomain in UPLOADERS:
        credentials = {"owner": owner} if owner else {"owner_email": email, "owner_password": PASSWORD}
        company, owner = services.company_create(name=subdomain.title(), subdomain=subdomain, **credentials)
        made.append(company)
    return made


def _owner_session(company) -> str:
    """A session of the company's owner, made as a login makes it: the login form and its rate limits stay out of
    the figures, and 50 users need not log in 20 owners."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from tenants.models import Membership

    owner = Membership.objects.get(company=company, role="owner").user
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = owner._meta.pk.value_to_string(owner)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
    session.create()
    return session.session_key


def _write_sessions(companies: list, port: int) -> Path:
    """The file bench/locustfile.py reads: each company's host, its owner's session cookie, and a salesperson of its
    lines (bench/dashboards.py's salesperson selection)."""
    from django.conf import settings
    from django_tenants.utils import tenant_context

    from ingestion.models import SalesLine
    from tenants.urls_util import company_host

    rows = []
    for company in companies:
        with tenant_context(company):
            person = SalesLine.objects.exclude(salesperson="").values_list("salesperson", flat=True).first()
        rows.append({"host": f"{company_host(company.subdomain)}:{port}", "person": person or "",
                     "cookie": {settings.SESSION_COOKIE_NAME: _owner_session(company)}})  # fmt: skip
    path = OUT / "load_sessions.json"
    path.write_text(json.dumps(rows, indent=1))
    return path


def _settle() -> None:
    """Vacuum and flush what the set-up or the last upload churned, so neither timed upload meets the other's
    autovacuum or checkpoint."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")


# ---------------------------------------------------------------- the stack


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stack_env() -> dict:
    """What the web and the workers run with: production settings, on the bench's database, Redis and media."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "elettro.settings.production",
        "ELETTRO_DB_NAME": DATABASE,
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }


def _start(name: str, command: list[str]) -> subprocess.Popen:
    log = open(OUT / f"load-{name}.log", "w")  # noqa: SIM115 - the process keeps it open
    # A session of its own, so stopping it ends the whole process group (gunicorn's and Celery's children too).
    return subprocess.Popen(command, cwd=ROOT, env=_stack_env(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip


def _start_stack(port: int) -> dict[str, subprocess.Popen]:
    python = sys.executable
    worker = [python, "-m", "elettro.keep_running", python, "-m", "celery", "-A", "elettro", "worker"]
    return {
        # Dockerfile's command (WEB_CONCURRENCY 3, timeout 60); no control socket, whose one default path in the
        # home folder another gunicorn on this machine may hold.
        "web": _start("web", [python, "-m", "gunicorn", "elettro.wsgi:application", "--bind", f"127.0.0.1:{port}",
                              "--workers", "3", "--timeout", "60", "--no-control-socket"]),
        # Procfile's upload workers; their own host names, apart from any `make run` worker.
        "etl": _start("etl", [*worker, "--hostname", "load-etl@%h", "--queues", "etl", "--concurrency", "2",
                              "--loglevel", "INFO"]),
        "etl_bulk": _start("etl_bulk", [*worker, "--hostname", "load-etl-bulk@%h", "--queues", "etl_bulk",
                                        "--concurrency", "1", "--loglevel", "INFO"]),
    }  # fmt: skip


def _stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for name, process in processes.items():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print(f"  {name} did not stop in 30 s: killed")
        with contextlib.suppress(ProcessLookupError):  # whatever of its group is left (a worker's child mid-task)
            os.killpg(process.pid, signal.SIGKILL)


def _wait_for_stack(processes: dict[str, subprocess.Popen], port: int, sessions: Path) -> None:
    """Up when gunicorn answers every company's home page with 200 for its owner's cookie, and both workers answer a
    ping: a cookie the server refused would turn the whole run into redirects."""
    import requests

    from elettro.celery import app

    deadline = time.monotonic() + 120
    pending = {row["host"]: row for row in json.loads(sessions.read_text())}
    workers = {"load-etl", "load-etl-bulk"}
    while pending or workers:
        for name, process in processes.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} stopped (exit {process.returncode}): see {OUT / f'load-{name}.log'}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the stack is not up after 120 s: waiting for {sorted(pending) + sorted(workers)}")
        for host, row in list(pending.items()):
            try:
                response = requests.get(f"http://127.0.0.1:{port}/", headers={**PROXY, "Host": host},
                                        cookies=row["cookie"], allow_redirects=False, timeout=30)  # fmt: skip
            except requests.ConnectionError:
                break  # gunicorn is not listening yet
            if response.status_code != 200:
                raise SystemExit(f"GET / on {host} with its owner's session answered {response.status_code}")
            del pending[host]
        for reply in app.control.ping(timeout=1):
            workers -= {name.split("@")[0] for name in reply}
        time.sleep(0.5 if pending or workers else 0)


# ---------------------------------------------------------------- the timed upload


def _timed_upload(company, path: Path, timeout: float = 1800) -> Upload:
    """Upload the file to the company as the web does (stored, its job queued to a worker; over UPLOAD_BULK_MB it
    goes to etl_bulk) and wait for the job to be done, then for the dashboards to follow."""
    from django.core.files import File
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from analytics.models import RollupState
    from ingestion import services
    from ingestion.models import ImportJob

    ended = ("succeeded", "failed", "review", "mapping", "deleted")
    with tenant_context(company):
        wall, deadline = timezone.now(), time.monotonic() + timeout
        with path.open("rb") as handle:
            job = services.upload_create(file=File(handle, name=path.name), run="worker")
        while job.status not in ended and time.monotonic() < deadline:
            time.sleep(0.5)
            job = ImportJob.objects.get(pk=job.pk)
        if job.status not in ended:
            raise SystemExit(f"the upload to {company.subdomain} is still {job.status} after {timeout:.0f} s")
        seconds = ((job.finished_at or timezone.now()) - wall).total_seconds()
        # A new company's rollups are refreshed only for this upload: by its task after the job is done, or inside
        # the job's own transaction (then they follow the moment it is done).
        dashboards = None
        while job.status == "succeeded" and time.monotonic() < deadline:
            state = RollupState.objects.filter(refreshed_at__gte=wall).first()
            if state is not None:
                dashboards = (max(state.refreshed_at, job.finished_at) - wall).total_seconds()
                break
            time.sleep(0.5)
    return Upload(seconds, dashboards, job.status, job.rows_loaded, job.error)


def _under_load(company, path: Path, args, port: int, sessions: Path, alone: Upload):
    """The same upload while locust users browse: the users spawn first, then the upload starts; the load goes on
    until the upload is done and the dashboards have followed, and for at least --duration seconds."""
    cap = max(args.duration, 5 * (alone.dashboards or alone.seconds) + 300)  # only if the upload never ends
    for old in OUT.glob("load_*.csv"):
        old.unlink()
    web_log_from = (OUT / "load-web.log").stat().st_size  # the web's own request times from here on
    log = OUT / "load-locust.log"
    with log.open("w") as handle:
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(args.users),
             "-r", str(args.spawn_rate), "--run-time", f"{cap:.0f}s", "--csv", str(OUT / "load"),
             "--host", f"http://127.0.0.1:{port}"],
            cwd=ROOT, env={**os.environ, "LOAD_SESSIONS": str(sessions)}, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60 + args.users / args.spawn_rate
        while "All users spawned" not in log.read_text():
            if locust.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"locust did not spawn its users: see {log}")
            time.sleep(0.2)
        spawned = time.monotonic()
        upload = _timed_upload(company, path)
        covered = locust.poll() is None  # still browsing when the dashboards had followed
        time.sleep(max(0.0, args.duration - (time.monotonic() - spawned)))
        browsed = time.monotonic() - spawned
    finally:
        if locust.poll() is None:
            os.killpg(locust.pid, signal.SIGTERM)  # locust writes its final stats and CSV files on SIGTERM
        try:
            locust.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(locust.pid, signal.SIGKILL)
    return upload, covered, browsed, _server_times(web_log_from)


# ---------------------------------------------------------------- figures


def _server_times(offset: int) -> list[float]:
    """Milliseconds each request spent in Django, from the web's request log (JSON lines in production) past
    `offset`: beside locust's times, which add the wait for a free gunicorn worker, they tell slow pages from a
    server with too few workers."""
    times = []
    with (OUT / "load-web.log").open() as handle:
        handle.seek(offset)
        for line in handle:
            if line.startswith("{") and '"elettro.request"' in line:
                times.append(json.loads(line)["duration_ms"])
    return times


def _percentile(values: list[float], share: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else None


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:  # "N/A": no requests
        return None


def _stats() -> tuple[list[dict], dict, list[dict]]:
    """Locust's per-page rows, its Aggregated row, and its failures by page and error."""
    with (OUT / "load_stats.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    with (OUT / "load_failures.csv").open() as handle:
        failures = list(csv.DictReader(handle))
    pages = [row for row in rows if row["Name"] != "Aggregated"]
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return pages, total, failures


def _report(args, alone: Upload, busy: Upload, covered: bool, browsed: float, server: list[float],
            setup_seconds: float) -> list[str]:  # fmt: skip
    from dashboards import PAGES

    pages, total, failures = _stats()
    order = {page: n for n, page in enumerate(PAGES)}
    lines = [
        f"dashboards under load: {args.users} users browsing {args.companies} companies "
        f"({args.lines_per_company:,} lines each) for {browsed:.0f} s, while another company uploads "
        f"{args.upload_lines:,} lines ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f})",
        f"{'page':<13} {'requests':>8} {'failures':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}",
    ]
    for row in sorted(pages, key=lambda row: order.get(row["Name"], len(order))):
        lines.append(f"{row['Name']:<13} {int(row['Request Count']):>8,} {int(row['Failure Count']):>8,} "
                     f"{row['50%']:>7} {row['95%']:>7} {float(row['Max Response Time']):>7.0f}")  # fmt: skip
    requests, failed = int(total["Request Count"]), int(total["Failure Count"])
    p50, p95 = _number(total["50%"]), _number(total["95%"])
    rate, slowest = float(total["Requests/s"]), float(total["Max Response Time"])
    lines.append(f"{'all pages':<13} {requests:>8,} {failed:>8,} {total['50%']:>7} {total['95%']:>7} "
                 f"{slowest:>7.0f}   {rate:.1f} requests/s")  # fmt: skip
    for failure in failures:
        lines.append(f"  failed: {failure['Occurrences']} x {failure['Name']}: {failure['Error']}")
    lines.append(f"  time inside Django (the web's request log, {len(server):,} requests): "
                 f"p50 {_ms(_percentile(server, 0.5))}, p95 {_ms(_percentile(server, 0.95))}; "
                 f"the rest of locust's time is mostly the wait for a free gunicorn worker")  # fmt: skip
    ratio = busy.seconds / alone.seconds if alone.seconds else float("nan")
    lines += [
        f"upload of {args.upload_lines:,} lines, upload to job done: alone {alone.seconds:.1f} s, "
        f"under load {busy.seconds:.1f} s = {ratio:.2f}x",
        f"  loaded {alone.loaded:,} ({alone.status}) alone and {busy.loaded:,} ({busy.status}) under load"
        + "".join(f"; {name} error: {u.error}" for name, u in (("alone", alone), ("under load", busy)) if u.error),
        f"  the dashboards followed (rollups refreshed) {_seconds(alone.dashboards)} alone, "
        f"{_seconds(busy.dashboards)} under load, after the upload started",
    ]
    if not covered:
        lines.append("  the users stopped before the upload's dashboards had followed: part of it ran without load")
    met = {
        f"page p95 {TARGET_P95_MS} ms or less": p95 is not None and p95 <= TARGET_P95_MS,
        "0 errors": failed == 0 and busy.status == alone.status == "succeeded",
        f"upload under load {TARGET_RATIO}x its time alone or less": ratio <= TARGET_RATIO,
    }
    lines.append("targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in met.items()))
    lines.append(f"overall p50 {_ms(p50)}, p95 {_ms(p95)}; set-up and start {setup_seconds:.0f} s; locust's CSV in "
                 f"{OUT}/load_*.csv, server logs in {OUT}/load-*.log")  # fmt: skip
    return lines


def _revision() -> str:
    """The code measured: others may be changing the checkout while the bench runs."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                             text=True).stdout.splitlines()  # fmt: skip
    return f"{head.strip() or 'unknown'}" + (f" with {len(changed)} files changed" if changed else "")


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=20, help="companies the users browse")
    parser.add_argument("--users", type=int, default=50, help="locust users, each reading one company")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    parser.add_argument("--lines-per-company", type=int, default=50_000)
    parser.add_argument("--upload-lines", type=int, default=1_000_000, help="lines of the timed upload")
    parser.add_argument("--duration", type=float, default=120, help="seconds of browsing at least")
    parser.add_argument("--fresh", action="store_true", help="drop the bench database and set up again")
    args = parser.parse_args()

    started, revision = time.perf_counter(), _revision()
    print(f"code {revision}; load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    _setup(args.fresh)
    # The same file as bench/ingest.py and bench/dashboards.py (seed 1): generated once, reused.
    upload_file = _lines_file(args.upload_lines, 1, f"lines_{args.upload_lines}.csv")
    print(f"set-up: {args.companies} companies of {args.lines_per_company:,} lines (database {DATABASE})")
    companies = _browse_companies(args.companies, args.lines_per_company)
    alone_company, busy_company = _uploaders()
    port = _free_port()
    sessions = _write_sessions(companies, port)
    _settle()
    stack = _start_stack(port)
    try:
        _wait_for_stack(stack, port, sessions)
        setup_seconds = time.perf_counter() - started
        print(f"stack up on port {port} after {setup_seconds:.0f} s; timing the upload alone")
        alone = _timed_upload(alone_company, upload_file)
        print(f"  alone: {alone.seconds:.1f} s to done, dashboards after {_seconds(alone.dashboards)} ({alone.status})")
        _settle()
        print(f"browsing with {args.users} users, then the same upload")
        busy, covered, browsed, server = _under_load(busy_company, upload_file, args, port, sessions, alone)
    finally:
        _stop(stack)
    lines = _report(args, alone, busy, covered, browsed, server, setup_seconds)
    lines.append(f"code {revision}; total run {time.perf_counter() - started:.0f} s")
    print("\n" + "\n".join(lines))
    (OUT / "load.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
