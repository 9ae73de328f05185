"""A worker killed with SIGKILL in the middle of a file leaves no partial data; running the job again loads it all."""

from __future__ import annotations

import os
import signal
import time
from decimal import Decimal

import pytest
from django.core.files import File
from django_tenants.utils import tenant_context

from analytics.selectors import kpis
from ingestion import services
from ingestion.models import ExclusionRule, ImportJob, SalesLine
from ingestion.recovery import recover_stuck_jobs
from ingestion.sample_exports import write_invoice_lines
from ingestion.tasks import run_import
from tests.conftest import start_worker

pytestmark = pytest.mark.worker


def test_kill_9_mid_load_leaves_nothing_and_the_retry_gives_the_same_result(make_company_committed, tmp_path, settings):
    company, _ = make_company_committed("crash")
    with tenant_context(company):
        ExclusionRule.objects.all().delete()  # the generator's totals count freight and packaging as sales
    path = tmp_path / "lines.csv"
    expected = write_invoice_lines(path, lines=180_000, fmt="csv", seed=5)
    worker = start_worker("crash-worker", queues="crash-test")  # its own queue: only it may take the job
    try:
        with tenant_context(company), path.open("rb") as handle:
            job = services.upload_create(file=File(handle, name=path.name), run="inline")
            run_import.apply_async([job.pk], queue="crash-test")
        deadline = time.monotonic() + 60
        with tenant_context(company):
            while ImportJob.objects.get(pk=job.pk).progress < 70:
                assert time.monotonic() < deadline, "the job never reached the loading stage"
                time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool, mid-load
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)

    with tenant_context(company):
        assert ImportJob.objects.get(pk=job.pk).status == "running"
        assert SalesLine.objects.count() == 0  # the load was one transaction: nothing of it stayed
        # A redelivered task while the lease holds leaves the job to the worker that has it.
        assert services.import_run(job_id=job.pk).status == "running"

        settings.WORK_LEASE_SECONDS = 2
        time.sleep(3)
        assert recover_stuck_jobs() == [job.pk]  # the sweeper: marked with the reason, queued again once
        # This process or the suite's worker, if one runs, takes it: the claim lets exactly one of them load it.
        services.import_run(job_id=job.pk)
        deadline = time.monotonic() + 300
        while (retried := ImportJob.objects.get(pk=job.pk)).status not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, "the job was not run again"
            time.sleep(0.5)

        assert retried.status == "succeeded" and retried.rows_loaded == 180_000 and retried.attempts == 2
        assert SalesLine.objects.count() == expected.lines
        assert kpis().revenue == Decimal(expected.revenue) and kpis().orders == expected.invoices
