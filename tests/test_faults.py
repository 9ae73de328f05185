"""The product under faults, against the real stack (PostgreSQL, Redis, Celery worker processes): a report whose
charts hang renders without them and holds up no upload; a worker killed mid-task leaves its work failed with the
reason and run again, never "Running" for ever, and nothing partly loaded or done twice."""

from __future__ import annotations

import io
import os
import signal
import time

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context
from pypdf import PdfReader

from ingestion import services as ingestion
from ingestion.models import ImportJob, SalesLine
from ingestion.tasks import run_import
from reports import recovery
from reports import services as reports
from reports.models import ReportRun
from reports.tasks import generate
from tests.conftest import start_worker
from tests.ingestion.test_pipeline import csv_bytes

pytestmark = pytest.mark.worker

SALES = [["Invoice No", "Date", "Customer", "State", "Item", "Product Line", "Amount"],
         *[[f"S-{n}", f"{1 + n % 28:02d}/04/2024", f"Customer {n % 7}", ["Maharashtra", "Gujarat", "Goa"][n % 3],
            f"Item {n % 5}", ["Wires", "Fans"][n % 2], str(100 + n)] for n in range(60)]]  # fmt: skip


def wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, f"waited {seconds}s for {what}"
        time.sleep(0.2)
    return value


def _company_with_sales(make_company_committed, name):
    company, owner = make_company_committed(name)
    with tenant_context(company):
        job = ingestion.upload_create(file=ContentFile(csv_bytes(SALES), name="april.csv"), run="inline")
        assert ingestion.import_run(job_id=job.pk).status == "succeeded"
    return company, owner


def test_a_report_whose_charts_hang_renders_without_them_and_leaves_uploads_flowing(
    make_company_committed, hanging_browser
):
    company, owner = _company_with_sales(make_company_committed, "faults")
    worker_env = {"BROWSER_PATH": hanging_browser, "CHART_TIMEOUT_SECONDS": "12", "REPORTS_WARM_BROWSER": "false"}
    report_worker = start_worker("faults-reports", queues="faults-reports", env=worker_env)
    etl_worker = start_worker("faults-etl", queues="faults-etl")
    try:
        with tenant_context(company):
            run = reports.run_create(company=company, kind="sales-review", query={}, user=owner, enqueue=False)
            generate.apply_async([run.pk], queue="faults-reports")
            wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == "running", seconds=30, what="the report")
            more = [SALES[0], ["S-900", "30/04/2024", "Customer 1", "Goa", "Item 1", "Fans", "900"]]
            job = ingestion.upload_create(file=ContentFile(csv_bytes(more), name="late.csv"), run="inline")
            run_import.apply_async([job.pk], queue="faults-etl")

            # The upload flows while the report waits on its charts.
            wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == "succeeded", seconds=30, what="the upload")
            assert ReportRun.objects.get(pk=run.pk).status == "running"

            # The report ends in seconds, without charts, and says so.
            started = time.monotonic()
            done = wait_for(lambda: ReportRun.objects.filter(pk=run.pk, status__in=("done", "failed")).first(),
                            seconds=60, what="the report to end")  # fmt: skip
            assert done.status == "done" and done.charts_missing >= 1, done.error
            assert "without charts" in done.stage and time.monotonic() - started < 45
            text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(done.file.read())).pages)
            assert "The charts could not be drawn" in " ".join(text.split())
            assert SalesLine.objects.count() == len(SALES)  # 60 lines, then 1
    finally:
        for worker in (report_worker, etl_worker):
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def test_a_report_whose_worker_is_killed_is_failed_with_the_reason_and_made_again(
    make_company_committed, hanging_browser, settings
):
    company, owner = _company_with_sales(make_company_committed, "killreport")
    env = {"BROWSER_PATH": hanging_browser, "CHART_TIMEOUT_SECONDS": "300", "REPORTS_WARM_BROWSER": "false"}
    worker = start_worker("killed-reports", queues="killed-reports", env=env)
    try:
        with tenant_context(company):
            run = reports.run_create(company=company, kind="sales-review", query={}, user=owner, enqueue=False)
            generate.apply_async([run.pk], queue="killed-reports")
            wait_for(lambda: ReportRun.objects.get(pk=run.pk).progress >= 45, seconds=30, what="the charts stage")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    settings.WORK_LEASE_SECONDS = 3
    with tenant_context(company):
        assert ReportRun.objects.get(pk=run.pk).status == "running"  # until the lease lapses
        time.sleep(settings.WORK_LEASE_SECONDS + 1)
        assert recovery.recover_stuck_runs() == [run.pk]
        queued = ReportRun.objects.get(pk=run.pk)
        assert queued.status == "queued" and "stopped before it finished" in queued.error
        # The recovery queued it again: whichever worker claims it first makes it (the suite's worker, if one
        # runs, or this process); the claim lets only one of them.
        reports.run_generate(queued)
        made = wait_for(lambda: ReportRun.objects.filter(pk=run.pk, status__in=("done", "failed")).first(),
                        seconds=120, what="the report made again")  # fmt: skip
        assert made.status == "done" and made.attempts == 2 and made.file


@pytest.mark.django_db
def test_an_upload_whose_worker_is_killed_is_run_again_once_then_offered_for_retry(make_company, settings):
    """In the test's transaction: the re-run the recovery queues is never sent, so no worker loads the file."""
    company, _ = make_company("killupload")
    settings.WORK_LEASE_SECONDS = 3
    with tenant_context(company):
        job = ingestion.upload_create(file=ContentFile(csv_bytes(SALES), name="april.csv"), run="inline")
        # A worker took it and died: running, with a lease nobody renews.
        ImportJob.objects.filter(pk=job.pk).update(status="running", attempts=1)
        time.sleep(settings.WORK_LEASE_SECONDS + 1)
        from ingestion.recovery import recover_stuck_jobs

        assert recover_stuck_jobs() == [job.pk]
        job.refresh_from_db()
        assert job.status == "queued" and "Nothing of it was loaded" in job.error
        # The second death is the last automatic one: it waits for a person's Retry.
        ImportJob.objects.filter(pk=job.pk).update(status="running", attempts=2, heartbeat_at=None)
        assert recover_stuck_jobs() == [job.pk]
        job.refresh_from_db()
        assert job.status == "failed" and "Use Retry" in job.error and not SalesLine.objects.exists()
