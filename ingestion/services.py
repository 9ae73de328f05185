"""Writes of the ingestion app: taking an upload in, running its job, remembering mappings, exclusions."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from billing.limits import ensure_can_upload
from elettro.errors import ApplicationError

from .etl import mapping as fields
from .etl.errors import IngestError
from .models import ColumnMapping, ExclusionRule, ImportJob, Kind
from .pipeline import propose, run_job
from .selectors import lines_loaded_this_month
from .signals import import_finished, sales_lines_remarked

logger = logging.getLogger(__name__)

ACCEPTED_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".txt")


def upload_create(*, file: UploadedFile, kind: str = Kind.SALES, mode: str = ImportJob.Mode.APPEND,
                  user=None, run: str = "worker", review: bool = False) -> ImportJob:  # fmt: skip
    """Store an uploaded file in the company's storage and make its import job; the worker runs it."""
    name = Path(file.name or "upload").name
    if kind not in Kind.values:
        raise ApplicationError(f"Unknown kind of data: {kind}.", field_errors={"kind": ["Choose what the file holds."]})
    if mode not in ImportJob.Mode.values:
        raise ApplicationError(f"Unknown mode: {mode}.")
    if not name.lower().endswith(ACCEPTED_EXTENSIONS):
        raise ApplicationError(
            f"“{name}” is not a spreadsheet or CSV file. Upload .xlsx, .xls, .csv or .tsv.",
            field_errors={"file": ["Upload .xlsx, .xls, .csv or .tsv."]},
        )
    if file.size > settings.UPLOAD_MAX_BYTES:
        limit = settings.UPLOAD_MAX_BYTES / 1024 / 1024
        raise ApplicationError(
            f"“{name}” is {file.size / 1024 / 1024:.1f} MB; the limit is {limit:g} MB. Export a shorter period.",
            field_errors={"file": [f"The limit is {limit:g} MB."]},
        )
    # The plan's monthly line quota, and read-only mode (trial over, payments halted past grace) pause uploads.
    ensure_can_upload(connection.tenant, lines_this_month=lines_loaded_this_month())
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    with transaction.atomic():
        job = ImportJob(
            kind=kind, mode=mode, original_name=name, checksum=digest.hexdigest(), size_bytes=file.size,
            uploaded_by_id=getattr(user, "pk", None), uploaded_by_email=getattr(user, "email", "") or "",
            needs_review=review,
        )  # fmt: skip
        job.file.save(name, file, save=False)
        job.save()
        if run == "worker":
            transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import run_import

    run_import.delay(job_id)


def import_run(*, job_id: int) -> ImportJob:
    """Run one import job to the end: succeeded with its counts, or failed with a message and no row loaded."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status == ImportJob.Status.SUCCEEDED:
        return job  # a redelivered task after a crash: the load is already committed
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), progress=1, stage="Starting", error=""
    )

    def progress(percent: int, stage: str) -> None:
        ImportJob.objects.filter(pk=job.pk).update(progress=percent, stage=stage[:80])

    try:
        if job.needs_review and (proposal := propose(job)) is not None:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.MAPPING, proposal=proposal, progress=10, stage="Check the columns"
            )
            job.refresh_from_db()
            return job
        outcome = run_job(job, progress=progress)
    except IngestError as error:
        _fail(job, error.message)
    except Exception:
        logger.exception("import job %s crashed", job.pk)
        _fail(job, "Something went wrong while reading this file. We have been told; please try again later.")
        raise
    else:
        import_finished.send(sender=ImportJob, job=job, kind=job.kind, date_from=outcome.date_from,
                             date_to=outcome.date_to)  # fmt: skip
    job.refresh_from_db()
    return job


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now(), stage="Failed",
        rows_loaded=0, duplicates=0,
    )  # fmt: skip


@transaction.atomic
def job_mapping_confirm(*, job: ImportJob, mappings: dict[str, dict[str, str]], user=None) -> ImportJob:
    """A person's columns for each sheet of a waiting job: remembered, then the job runs with them."""
    if job.status != ImportJob.Status.MAPPING:
        raise ApplicationError("This upload is not waiting for its columns.")
    confirmed = {}
    for sheet, mapping in mappings.items():
        columns = job.proposal.get(sheet, {}).get("columns")
        if columns is None:
            raise ApplicationError(f"This file has no sheet called {sheet!r}.")
        if not any(mapping.values()):
            continue  # a sheet the person left out
        confirmed[sheet] = mapping_confirm(kind=job.kind, columns=columns, mapping=mapping, user=user).mapping
    if not confirmed:
        raise ApplicationError("Choose the columns of at least one sheet.")
    job.column_mapping = confirmed
    job.status = ImportJob.Status.QUEUED
    job.needs_review = False
    job.stage = "Queued"
    job.save(update_fields=["column_mapping", "status", "needs_review", "stage"])
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def mapping_confirm(*, kind: str, columns: list[str], mapping: dict[str, str], user=None) -> ColumnMapping:
    """Remember a person's mapping for the next file with the same columns."""
    mapping = {name: column for name, column in mapping.items() if column}
    try:
        fields.check_mapping(mapping, columns, kind)
    except IngestError as error:
        raise ApplicationError(
            str(error), field_errors={getattr(error, "field", None) or "mapping": [str(error)]}
        ) from error
    saved, _ = ColumnMapping.objects.update_or_create(
        kind=kind, signature=fields.columns_signature(columns),
        defaults={"columns": list(columns), "mapping": mapping, "confirmed_by_email": getattr(user, "email", "")},
    )  # fmt: skip
    return saved


def _pg_regex(patterns: list[str]) -> str | None:
    """One case-insensitive PostgreSQL regex matching any of the plain-text patterns."""
    escaped = [re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", pattern.strip()) for pattern in patterns if pattern.strip()]
    return "|".join(escaped) or None


@transaction.atomic
def exclusions_apply() -> int:
    """Re-mark every stored sales line against the current exclusion rules; returns how many are excluded now."""
    rules = list(ExclusionRule.objects.filter(is_active=True).values_list("field", "pattern"))
    products = _pg_regex([pattern for field, pattern in rules if field == ExclusionRule.Field.PRODUCT])
    lines = _pg_regex([pattern for field, pattern in rules if field == ExclusionRule.Field.PRODUCT_LINE])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE ingestion_salesline SET
              is_excluded = new.excluded,
              counts = NOT (is_cancelled OR is_returned OR new.excluded)
            FROM (
              SELECT id, (COALESCE(product_name ~* %(p)s OR product_code ~* %(p)s, false)
                          OR COALESCE(product_line ~* %(l)s, false)) AS excluded
              FROM ingestion_salesline
            ) new
            WHERE new.id = ingestion_salesline.id AND new.excluded IS DISTINCT FROM ingestion_salesline.is_excluded
            """,
            {"p": products, "l": lines},
        )
        cursor.execute("SELECT count(*) FROM ingestion_salesline WHERE is_excluded")
        excluded = cursor.fetchone()[0]
    sales_lines_remarked.send(sender=ExclusionRule)
    return excluded


def exclusion_add(*, field: str, pattern: str) -> ExclusionRule:
    pattern = " ".join((pattern or "").split())
    if not pattern:
        raise ApplicationError("Type the words to match.", field_errors={"pattern": ["Type the words to match."]})
    if field not in ExclusionRule.Field.values:
        raise ApplicationError("Choose what to match.", field_errors={"field": ["Choose what to match."]})
    rule, _ = ExclusionRule.objects.get_or_create(field=field, pattern=pattern, defaults={"is_active": True})
    return rule
