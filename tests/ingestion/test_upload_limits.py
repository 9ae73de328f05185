"""Uploads are bounded while they stream: a body declared too long is refused unread, a file that grows past the
limit is cut off as it arrives, the plan's storage limit holds, old failed uploads' files go, a sheet 16,384
columns wide is cut or refused in seconds, and a CSV with a few NUL bytes loads and says where they were."""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone
from django_tenants.utils import tenant_context
from openpyxl import Workbook

from billing import services as billing
from billing.models import Plan
from ingestion import retention, services, undo
from ingestion.models import ImportJob, SalesLine
from tests.ingestion.test_pipeline import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Date", "Customer", "Item", "Qty", "Amount"]
ROWS = [HEADER, *[[f"INV-{n}", "01/04/2025", f"Customer {n % 3}", "Cable", "2", str(1000 + n)] for n in range(40)]]
MB = 1024 * 1024


class CountingStream(io.BytesIO):
    """A request body that counts how much of it the server read."""

    consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def _post_streamed(client, body: bytes, **headers) -> tuple[object, CountingStream]:
    stream = CountingStream(body)
    environ = client._base_environ(
        PATH_INFO="/uploads/new/", REQUEST_METHOD="POST", CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(len(body)), **{"wsgi.input": stream}, **headers,
    )  # fmt: skip
    return client.handler(environ), stream


def test_a_file_over_the_limit_is_cut_off_as_it_arrives(make_company, company_client, settings):
    settings.UPLOAD_MAX_BYTES = 1 * MB
    company, owner = make_company()
    huge = SimpleUploadedFile("huge.csv", csv_bytes(ROWS) * 1 + b"INV-9,01/04/2025,X,Cable,1,1\n" * 800_000)
    body = encode_multipart(BOUNDARY, {"kind": "sales", "mode": "append", "files": [huge]})
    assert len(body) > 20 * MB

    response, stream = _post_streamed(company_client(company, owner), body)

    assert response.status_code == 413
    assert "“huge.csv” is over the 1 MB limit for one file" in response.content.decode()
    assert stream.consumed < 2 * MB, f"read {stream.consumed:,} bytes of a {len(body):,}-byte upload"
    with tenant_context(company):
        assert ImportJob.objects.count() == 0


def test_a_body_declared_longer_than_any_upload_is_refused_unread(make_company, company_client, settings):
    company, owner = make_company()
    body = encode_multipart(BOUNDARY, {"kind": "sales", "mode": "append"})
    client = company_client(company, owner)
    stream = CountingStream(body)
    environ = client._base_environ(
        PATH_INFO="/uploads/new/", REQUEST_METHOD="POST", CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(1024 * MB), HTTP_ACCEPT="application/json", **{"wsgi.input": stream},
    )  # fmt: skip

    response = client.handler(environ)

    assert response.status_code == 413 and stream.consumed == 0
    assert "The upload is 1024.0 MB; one upload may send up to 200 MB" in json.loads(response.content)["error"]


def test_files_within_the_limit_still_upload(make_company, company_client, settings):
    settings.UPLOAD_MAX_BYTES = 1 * MB
    company, owner = make_company()
    file = SimpleUploadedFile("april.csv", csv_bytes(ROWS))
    response = company_client(company, owner).post("/uploads/new/", {"kind": "sales", "mode": "append",
                                                                      "files": [file]})  # fmt: skip
    assert response.status_code == 302
    with tenant_context(company):
        assert ImportJob.objects.get().original_name == "april.csv"


def test_the_plans_storage_limit_holds_and_deleting_an_upload_makes_room(make_company):
    company, _ = make_company()
    Plan.objects.filter(slug="starter").update(max_storage_mb=1)
    billing.plan_grant_free(company=company, plan=Plan.objects.get(slug="starter"), until=None, operator=None,
                            reason="test set-up")  # fmt: skip
    # The same lines made bigger by a long note column, so that two such files do not fit in 1 MB.
    big = csv_bytes([[*HEADER, "Note"], *[[*row, "x" * 15_000] for row in ROWS[1:]]])
    assert 0.5 * MB < len(big) < MB
    with tenant_context(company):
        first = services.upload_create(file=ContentFile(big, name="april.csv"), run="inline")
        assert services.import_run(job_id=first.pk).status == "succeeded"

        with pytest.raises(services.ApplicationError) as refused:
            services.upload_create(file=ContentFile(big, name="may.csv"), run="inline")
        assert "The Starter plan keeps 1 MB of uploaded files" in refused.value.message
        assert "Delete old uploads on the Uploads page" in refused.value.message
        assert ImportJob.objects.count() == 1

        undo.upload_delete(job_id=first.pk)
        second = services.upload_create(file=ContentFile(big, name="may.csv"), run="inline")
        assert second.pk


def _failed_job(name: str, *, finished_days_ago: int) -> ImportJob:
    job = services.upload_create(file=ContentFile(b"not,a\nsales,file\n", name=name), run="inline")
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, error="No date column.",
        finished_at=timezone.now() - timedelta(days=finished_days_ago),
    )  # fmt: skip
    job.refresh_from_db()
    return job


def test_failed_uploads_lose_their_files_after_thirty_days_and_keep_their_row(make_company, company_client):
    company, owner = make_company()
    with tenant_context(company):
        old = _failed_job("old.csv", finished_days_ago=31)
        recent = _failed_job("recent.csv", finished_days_ago=29)
        loaded = services.upload_create(file=ContentFile(csv_bytes(ROWS), name="loaded.csv"), run="inline")
        services.import_run(job_id=loaded.pk)
        ImportJob.objects.filter(pk=loaded.pk).update(finished_at=timezone.now() - timedelta(days=400))
        old_path = Path(old.file.path)

        assert retention.upload_files_purge() == 1

        old.refresh_from_db()
        assert not old_path.exists() and not old.file and old.file_removed_at is not None
        assert not undo.can_retry(old)
        assert Path(ImportJob.objects.get(pk=recent.pk).file.path).exists()
        assert Path(ImportJob.objects.get(pk=loaded.pk).file.path).exists()
        assert retention.upload_files_purge() == 0  # nothing left to do the next night
    page = company_client(company, owner).get("/uploads/").content.decode()
    assert "File removed on" in page and "30 days after it failed or was deleted" in page


def _wide_workbook(rows: int, *, every_column_filled: bool) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sales Register")
    header = [*HEADER, *([f"Extra {n}" for n in range(16_384 - len(HEADER))] if every_column_filled else
                         [None] * (16_384 - len(HEADER) - 1) + ["stray"])]  # fmt: skip
    sheet.append(header)
    for row in ROWS[1 : rows + 1]:
        sheet.append([*row, *(["1"] * (16_384 - len(HEADER)) if every_column_filled else [])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_sheet_16384_columns_wide_with_a_stray_cell_is_cut_to_its_used_columns(make_company, company_client):
    company, owner = make_company()
    client = company_client(company, owner)
    file = SimpleUploadedFile("wide.xlsx", _wide_workbook(40, every_column_filled=False))
    assert client.post("/uploads/new/", {"kind": "sales", "mode": "append", "files": [file]}).status_code == 302
    with tenant_context(company):
        job = ImportJob.objects.get()
        started = time.monotonic()
        services.import_run(job_id=job.pk)
        seconds = time.monotonic() - started
        job.refresh_from_db()
    assert job.status == "mapping" and seconds < 10
    check = client.get(f"/uploads/{job.pk}/columns/")
    assert check.status_code == 200 and len(check.content) < 300_000  # the column check stays a page
    assert "Extra" not in check.content.decode()


def test_a_sheet_with_16384_filled_columns_is_refused_in_seconds(make_company):
    company, _ = make_company()
    with tenant_context(company):
        job = services.upload_create(
            file=ContentFile(_wide_workbook(3, every_column_filled=True), name="wide.xlsx"), run="inline"
        )
        started = time.monotonic()
        services.import_run(job_id=job.pk)
        job.refresh_from_db()
        assert time.monotonic() - started < 10
        assert job.status == "failed" and "has 16,384 filled columns; we read sheets of up to 512" in job.error
        assert SalesLine.objects.count() == 0


def test_a_csv_with_a_few_nul_bytes_loads_and_names_their_lines(make_company):
    company, _ = make_company()
    data = csv_bytes(ROWS).replace(b"Customer 1", b"Customer\x00 1", 1).replace(b"INV-7,", b"INV-7\x00,")
    with tenant_context(company):
        job = services.upload_create(file=ContentFile(data, name="damaged.csv"), run="inline")
        finished = services.import_run(job_id=job.pk)
        assert finished.status == "succeeded", finished.error
        assert SalesLine.objects.count() == 40
        assert SalesLine.objects.filter(customer_name="Customer 1").exists()
        assert any("Removed 2 NUL characters (a damaged export) on lines 3, 9." in m for m in finished.messages)
