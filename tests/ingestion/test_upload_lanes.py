"""One company's huge uploads can't starve another company's small one: big files run in their own lane (queue and
worker), so a small upload is done while the big ones are still loading. Real worker processes, real Redis."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context

from ingestion import services
from ingestion.models import ImportJob
from tests.conftest import start_worker, stop_worker
from tests.ingestion.test_pipeline import csv_bytes
from tests.test_faults import wait_for

pytestmark = pytest.mark.worker

HEADER = ["Invoice No", "Date", "Customer", "Item", "Qty", "Amount"]


def _sales(lines: int, prefix: str) -> bytes:
    return csv_bytes([HEADER, *[[f"{prefix}-{n}", f"{1 + n % 28:02d}/04/2025", f"Customer {n % 500}",
                                 f"Item {n % 90}", "1", str(100 + n % 1000)] for n in range(lines)]])  # fmt: skip


def test_a_small_upload_is_not_held_up_by_another_companys_huge_ones(make_company_committed, settings):
    settings.UPLOAD_BULK_BYTES = 1024 * 1024
    settings.ETL_QUEUE, settings.ETL_BULK_QUEUE = "lanes-etl", "lanes-bulk"  # this test's own workers take them
    big_company, _ = make_company_committed("lanesbig")
    small_company, _ = make_company_committed("lanessmall")
    lane = start_worker("lanes-etl", queues="lanes-etl", concurrency=2)  # as the Procfile's etl worker
    bulk_lane = start_worker("lanes-bulk", queues="lanes-bulk", concurrency=1)
    try:
        with tenant_context(big_company):
            huge = [services.upload_create(file=ContentFile(_sales(60_000, f"B{n}"), name=f"year-{n}.csv"))
                    for n in (1, 2)]  # fmt: skip
            assert all(job.size_bytes > settings.UPLOAD_BULK_BYTES for job in huge)
            wait_for(lambda: ImportJob.objects.filter(status="running").exists(), seconds=60, what="a big upload")
        with tenant_context(small_company):
            small = services.upload_create(file=ContentFile(_sales(50, "S"), name="today.csv"))
            done = wait_for(lambda: ImportJob.objects.filter(pk=small.pk, status="succeeded").first(),
                            seconds=60, what="the small upload")  # fmt: skip
            assert done.rows_loaded == 50
        with tenant_context(big_company):
            # Both big files were in the bulk lane when the small one finished: neither had been let through ahead.
            assert ImportJob.objects.filter(pk__in=[job.pk for job in huge], status="succeeded").count() < 2
            assert all(
                job.finished_at is None or job.finished_at > done.finished_at
                for job in ImportJob.objects.filter(pk=huge[1].pk)
            )
            wait_for(lambda: ImportJob.objects.filter(status="succeeded").count() == 2, seconds=240,
                     what="both big uploads")  # fmt: skip
            assert sum(ImportJob.objects.values_list("rows_loaded", flat=True)) == 120_000
    finally:
        stop_worker(lane)
        stop_worker(bulk_lane)
