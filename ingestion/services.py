"""Writes of the ingestion app: taking an upload in, running its job, remembering mappings, exclusions."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from billing.limits import ensure_can_upload, ensure_storage_room
from elettro import heartbeat
from elettro.kernel.errors import ApplicationError
from tenants.audit import Action, audit_record

from . import batches, exclusions, followers, recovery, sale_rules
from .etl import mapping as fields
from .etl.errors import IngestError, NeedsReview
from .kind_guess import WrongKind
from .models import ColumnMapping, ExclusionRule, ImportJob, Kind, StatusWord, VoucherType
from .pipeline import ROLES, propose, rejects_csv, run_job
from .selectors import lines_loaded_this_month, storage_used_bytes

logger = logging.getLogger(__name__)

ACCEPTED_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".txt", ".xml")


def upload_create(*, file: UploadedFile, kind: str = Kind.SALES, mode: str = ImportJob.Mode.APPEND,
                  user=None, run: str = "worker", review: bool = False, load_good_rows: bool = False,
                  kind_confirmed: bool = False, batch: str = "") -> ImportJob:  # fmt: skip
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
    ensure_storage_room(connection.tenant, used_bytes=storage_used_bytes(), adding_bytes=file.size)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    with transaction.atomic():
        job = ImportJob(
            kind=kind, mode=mode, original_name=name, checksum=digest.hexdigest(), size_bytes=file.size,
            uploaded_by_id=getattr(user, "pk", None), uploaded_by_email=getattr(user, "email", "") or "",
            needs_review=review, load_good_rows=load_good_rows, kind_confirmed=kind_confirmed, batch=batch,
        )  # fmt: skip
        job.file.save(name, file, save=False)
        job.save()
        audit_record(Action.UPLOAD, f"Uploaded “{name}” ({job.get_kind_display()}, {job.get_mode_display().lower()})",
                     user=user, upload=job.pk, size_bytes=job.size_bytes)  # fmt: skip
        if run == "worker":
            transaction.on_commit(lambda: enqueue(job.pk))
    return job


def short_name(name: str, limit: int = 150) -> str:
    """An uploaded file's name cut to `limit` bytes, its extension kept: the stored path adds date folders and
    perhaps a suffix that keeps it unique, and a file system refuses a name part over 255 bytes."""
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        stem, dot, extension = name, "", ""
    room = limit - len((dot + extension).encode())
    return stem.encode()[:room].decode(errors="ignore").strip() + dot + extension


def enqueue(job_id: int) -> None:
    """Queue an upload's run. Files over UPLOAD_BULK_BYTES go to their own queue and worker (`etl_bulk`), so one
    company's huge upload never holds up another company's small one."""
    from .tasks import run_import

    size = ImportJob.objects.filter(pk=job_id).values_list("size_bytes", flat=True).first() or 0
    run_import.apply_async(args=[job_id], queue=queue_for(size))


def queue_for(size_bytes: int) -> str:
    return settings.ETL_BULK_QUEUE if size_bytes > settings.UPLOAD_BULK_BYTES else settings.ETL_QUEUE


def import_run(*, job_id: int) -> ImportJob:
    """Run one import job to the end: succeeded with its counts, or failed with a message and no row loaded."""
    job, claimed = _claim(job_id)
    if not claimed:
        return job  # done, deleted, waiting for a person, or running in a live worker: nothing to do here
    try:
        with heartbeat.beating(ImportJob, job.pk):
            return _run_claimed(job)
    except (OperationalError, InterfaceError):
        # The database went away mid-run (its load's transaction went with it): once it answers again the job is
        # failed with the reason and run again; if it stays away, its lease lapses and the sweeper does that.
        logger.exception("import job %s lost its database", job.pk)
        recovery.recover_after_lost_database(job.pk)
        raise


def _claim(job_id: int) -> tuple[ImportJob, bool]:
    """Take the job for this worker: a queued one, or a running one whose worker's lease lapsed. A redelivered task
    finds it done, or running in a live worker, and leaves it."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        runnable = job.status == ImportJob.Status.QUEUED or recovery.lease_lapsed(job)
        if not runnable:
            return job, False
        job.status, job.started_at, job.progress, job.stage, job.error = (
            ImportJob.Status.RUNNING, timezone.now(), 1, "Starting", "",
        )  # fmt: skip
        job.heartbeat_at, job.attempts = timezone.now(), job.attempts + 1
        job.save(update_fields=["status", "started_at", "progress", "stage", "error", "heartbeat_at", "attempts"])
    return job, True


def _run_claimed(job: ImportJob) -> ImportJob:
    def progress(percent: int, stage: str) -> None:
        ImportJob.objects.filter(pk=job.pk).update(progress=percent, stage=stage[:80])

    try:
        if job.needs_review and (proposal := propose(job)) is not None:
            batches.hold_for_check(job, proposal)
            job.refresh_from_db()
            return job
        run_job(job, progress=progress)
        if ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.SUCCEEDED).exists():
            followers.import_finished(job.pk)
    except WrongKind as wrong:
        _ask_what_it_is(job, wrong)
    except NeedsReview as review:
        _hold_for_review(job, review)
    except IngestError as error:
        if error.code == "missing_required" and not job.column_mapping:
            _ask_for_columns(job, error.message)  # a person can choose the columns we could not find
        else:
            _fail(job, error.message)
    except (DataError, IntegrityError) as error:
        # A value the database can't keep (a number past its column): say which, never "something went wrong".
        logger.warning("import job %s: the database refused a value: %s", job.pk, error)
        detail = str(error).strip().splitlines()[0] if str(error).strip() else "a value is out of range"
        _fail(job, f"A value in this file could not be stored ({detail}). Check that column and upload again.")
    except (OperationalError, InterfaceError) as error:
        if _database_lost():
            raise  # recording a failure would fail too: import_run recovers the job once the database is back
        logger.warning("import job %s: the database stopped the load: %s", job.pk, error)
        detail = str(error).strip().splitlines()[0] if str(error).strip() else "it took too long"
        _fail(job, f"The database stopped this load ({detail}). Try again later, or upload a shorter period.")
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # a panic in a native reader is a BaseException: the job must still end
        logger.exception("import job %s crashed", job.pk)
        _fail(job, "Something went wrong while reading this file. We have been told; please try again later.")
        raise
    job.refresh_from_db()
    return job


@transaction.atomic
def job_kind_answer(*, job: ImportJob, kind: str) -> ImportJob:
    """The person says what a file that looked like another kind is: it loads as that kind, columns checked."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.MAPPING or not job.kind_question:
        raise ApplicationError("This upload is not waiting to be told what it is.")
    if kind not in Kind.values:
        raise ApplicationError(f"Unknown kind of data: {kind}.", field_errors={"kind": ["Choose what the file holds."]})
    job.kind, job.kind_confirmed, job.kind_question = kind, True, {}
    job.status, job.stage, job.error, job.progress = ImportJob.Status.QUEUED, "Queued", "", 0
    job.needs_review = True  # a file of another kind than first said has its columns checked too
    job.column_mapping, job.proposal = {}, {}
    job.save()
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def _ask_what_it_is(job: ImportJob, wrong: WrongKind) -> None:
    """The file looks like another kind than the person said: nothing loads until they say what it is."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.MAPPING, kind_question=wrong.question.as_json(), progress=10,
        stage="Tell us what this file is", error=wrong.message,
    )  # fmt: skip


def _ask_for_columns(job: ImportJob, message: str) -> None:
    try:
        proposal = propose(job, always=True)
    except IngestError as error:
        _fail(job, error.message)
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.MAPPING, proposal=proposal, progress=10, stage="Check the columns", error=message
    )


def _hold_for_review(job: ImportJob, review: NeedsReview) -> None:
    """Nothing loaded: the person sees the top reasons and the rejected rows, then fixes the columns or loads the
    good rows anyway."""
    job.rejects_file.save(f"rejects-{job.pk}.csv", ContentFile(rejects_csv(review.rejects)), save=False)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.REVIEW, error=review.message, finished_at=timezone.now(), stage="Needs review",
        rows_read=review.rows_read, rows_rejected=len(review.rejects), rows_loaded=0, duplicates=0,
        rejects_file=job.rejects_file.name,
    )  # fmt: skip


@transaction.atomic
def job_load_good_rows(*, job: ImportJob) -> ImportJob:
    """Load the readable rows of a file held for review; the rejected ones stay in its rejected-rows file."""
    if job.status != ImportJob.Status.REVIEW:
        raise ApplicationError("This upload is not waiting for a review.")
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.QUEUED, load_good_rows=True, stage="Queued", error="", progress=0
    )
    transaction.on_commit(lambda: enqueue(job.pk))
    job.refresh_from_db()
    return job


def job_columns_reopen(*, job: ImportJob) -> ImportJob:
    """A file held for review goes back to its column check, its earlier choice shown."""
    if job.status != ImportJob.Status.REVIEW:
        raise ApplicationError("This upload is not waiting for a review.")
    proposal = propose(job, always=True)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.MAPPING, proposal=proposal, column_mapping={}, stage="Check the columns"
    )
    job.refresh_from_db()
    return job


def _database_lost() -> bool:
    """Whether the connection is gone (a restart, a failover), as against a statement the database refused."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (OperationalError, InterfaceError):
        return True
    return False


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now(), stage="Failed",
        rows_loaded=0, duplicates=0,
    )  # fmt: skip


_LOOKUP_NEEDS = {"returns": (("invoice",), ("returned",)), "people": (("region",), ("salesperson", "manager"))}


@transaction.atomic
def job_mapping_confirm(
    *,
    job: ImportJob,
    mappings: dict[str, dict[str, str]],
    roles: dict[str, str] | None = None,
    voucher_roles: dict[str, str] | None = None,
    user=None,
) -> ImportJob:
    """A person's columns (and what each sheet holds) for a waiting job: remembered, then the job runs with them."""
    if job.status != ImportJob.Status.MAPPING:
        raise ApplicationError("This upload is not waiting for its columns.")
    job_columns_set(job=job, mappings=mappings, roles=roles, voucher_roles=voucher_roles, user=user)
    job.status = ImportJob.Status.QUEUED
    job.needs_review = False
    job.stage = "Queued"
    job.save(update_fields=["status", "needs_review", "stage"])
    transaction.on_commit(lambda: enqueue(job.pk))
    batches.release_followers(job)  # the batch's files with the same columns load with this choice
    return job


def job_columns_set(
    *,
    job: ImportJob,
    mappings: dict[str, dict[str, str]],
    roles: dict[str, str] | None = None,
    voucher_roles: dict[str, str] | None = None,
    user=None,
) -> ImportJob:
    """Check and keep a job's columns per sheet and each sheet's role (data, returns, people, ignored)."""
    proposal = job.proposal or {}
    roles = {sheet: role for sheet, role in (roles or {}).items() if role}
    confirmed = {}
    for sheet in set(mappings) | set(roles):
        columns = proposal.get(sheet, {}).get("columns")
        if columns is None:
            raise ApplicationError(f"This file has no sheet called {sheet!r}.")
        role = roles.get(sheet) or proposal[sheet].get("role", "data")
        if role not in ROLES:
            raise ApplicationError(f"{sheet}: choose what the sheet holds.")
        mapping = {name: column for name, column in mappings.get(sheet, {}).items() if column}
        if role == "ignored" or (not mapping and sheet not in roles):
            roles[sheet] = "ignored"
            continue  # a sheet the person left out
        roles[sheet] = role
        if role == "data":
            confirmed[sheet] = mapping_confirm(kind=job.kind, columns=columns, mapping=mapping, user=user).mapping
        elif role == "customers":
            confirmed[sheet] = mapping_confirm(kind=Kind.CUSTOMERS, columns=columns, mapping=mapping, user=user).mapping
        else:
            confirmed[sheet] = _lookup_mapping(sheet, role, mapping, columns)
    if not any(role == "data" for role in roles.values()):
        needed = next((plan["missing"] for plan in proposal.values() if plan.get("missing")), None)
        if needed:
            raise ApplicationError("Choose a column for: " + ", ".join(needed) + ".")
        raise ApplicationError("Choose the columns of at least one sheet.")
    for name, role in (voucher_roles or {}).items():
        if role not in VoucherType.Role.values:
            raise ApplicationError(f"Voucher type {name!r}: choose sale, return or not a sale.")
        sale_rules.voucher_role_set(name=name, role=role)
    job.column_mapping, job.sheet_roles = confirmed, roles
    job.save(update_fields=["column_mapping", "sheet_roles"])
    return job


def job_columns_choose(
    *, job: ImportJob, overrides: dict[str, str] | None = None, sheet_roles: dict[str, str] | None = None
) -> ImportJob:
    """The proposal, with a person's (or an operator's) fields and sheet roles on top, as the job's columns.

    An override FIELD=COLUMN applies to every data sheet that has that column. A file that looks like another kind
    is asked about instead (the job waits, its columns unchosen)."""
    try:
        job.proposal = propose(job, always=True)
    except WrongKind as wrong:
        _ask_what_it_is(job, wrong)
        job.refresh_from_db()
        return job
    job.save(update_fields=["proposal"])
    labels = fields.FIELD_LABELS[job.kind]
    roles = {sheet: plan["role"] for sheet, plan in job.proposal.items()} | (sheet_roles or {})
    mappings = {sheet: dict(plan["mapping"]) for sheet, plan in job.proposal.items()}
    for name, column in (overrides or {}).items():
        if name not in labels:
            raise ApplicationError(f"{name!r} is not a field of {job.kind} data: use one of {', '.join(labels)}.")
        sheets = [sheet for sheet, plan in job.proposal.items() if column in plan["columns"]]
        if not sheets:
            raise ApplicationError(f"{labels[name]}: the file has no column called {column!r}.")
        for sheet in sheets:
            mappings[sheet] = {key: value for key, value in mappings[sheet].items() if value != column}
            mappings[sheet][name] = column
            if sheet_roles is None or sheet not in sheet_roles:
                roles[sheet] = "data" if roles[sheet] == "ignored" else roles[sheet]
    job = job_columns_set(job=job, mappings=mappings, roles=roles)
    if job.status == ImportJob.Status.MAPPING:  # its columns are chosen now: it may run
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, needs_review=False, stage="Queued")
        job.refresh_from_db()
    return job


def sale_rules_update(*, voucher_roles: dict[str, str], status_words: str) -> None:
    """The owner's voucher types and status words ('word = cancelled' or 'word = returned', one a line)."""
    for name, role in voucher_roles.items():
        if role not in VoucherType.Role.values:
            raise ApplicationError(f"Voucher type {name!r}: choose sale, return or not a sale.")
    words = {}
    meanings = dict(StatusWord.Meaning.choices)
    for number, line in enumerate(status_words.splitlines(), start=1):
        if not line.strip():
            continue
        word, sign, meaning = line.partition("=")
        word, meaning = word.strip().casefold(), meaning.strip().casefold()
        if not sign or not word or meaning not in meanings:
            raise ApplicationError(
                f"Line {number}: write a word, '=', then cancelled or returned (for example: rto = returned)."
            )
        words[word] = meaning
    with transaction.atomic():
        roles_before = dict(VoucherType.objects.values_list("name", "role"))
        words_before = sale_rules.status_words()
        for name, role in voucher_roles.items():
            sale_rules.voucher_role_set(name=name, role=role)
        sale_rules.status_words_set(words)
        changed = {name: [roles_before.get(name, ""), role] for name, role in voucher_roles.items()
                   if roles_before.get(name) != role}  # fmt: skip
        if changed or sale_rules.status_words() != words_before:
            what = ", ".join(f"{name} → {role}" for name, (_, role) in changed.items()) or "the status words"
            audit_record(Action.SETTINGS_CHANGED, f"Changed what counts as a sale: {what}", voucher_types=changed,
                         status_words=sale_rules.status_words())  # fmt: skip


def _lookup_mapping(sheet: str, role: str, mapping: dict[str, str], columns: list[str]) -> dict[str, str]:
    labels = fields.FIELD_LABELS[Kind.SALES]
    for column in mapping.values():
        if column not in columns:
            raise ApplicationError(f"{sheet}: the sheet has no column called {column!r}.")
    for group in _LOOKUP_NEEDS[role]:
        if not any(mapping.get(name) for name in group):
            needed = " or ".join(labels[name] for name in group)
            raise ApplicationError(f"{sheet}: choose the column for {needed}.")
    return mapping


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


@transaction.atomic
def exclusions_apply() -> int:
    """Re-mark every stored sales line against the current exclusion rules; returns how many are excluded now."""
    exclusions.remark()
    followers.lines_changed()
    return exclusions.excluded_count()


def exclusion_add(*, field: str, pattern: str) -> ExclusionRule:
    pattern = " ".join((pattern or "").split())
    if not pattern:
        raise ApplicationError("Type the words to match.", field_errors={"pattern": ["Type the words to match."]})
    if field not in ExclusionRule.Field.values:
        raise ApplicationError("Choose what to match.", field_errors={"field": ["Choose what to match."]})
    rule, created = ExclusionRule.objects.get_or_create(field=field, pattern=pattern, defaults={"is_active": True})
    if created:
        audit_record(Action.SETTINGS_CHANGED, f"Kept out of sales: lines whose {rule.get_field_display().lower()} "
                     f"contains “{pattern}”", field=field, pattern=pattern)  # fmt: skip
    return rule


def exclusion_remove(*, rule_id: int) -> None:
    rule = ExclusionRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise ApplicationError("There is no such rule to remove.", code="not_found")
    rule.delete()
    audit_record(Action.SETTINGS_CHANGED, f"Counted in sales again: lines whose {rule.get_field_display().lower()} "
                 f"contains “{rule.pattern}”", field=rule.field, pattern=rule.pattern)  # fmt: skip
