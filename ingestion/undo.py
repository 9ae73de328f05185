"""Taking an upload back, and running a failed or stuck one again.

A deleted upload's lines go, what a master upload filled into lines is undone (its customers and items fall back to
the master loaded before it), and the dashboards follow. The upload stays listed as deleted with who deleted it,
when, and what went: that row is the record of the action.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from elettro.kernel.errors import ApplicationError
from tenants.audit import Action, audit_record

from . import batches, followers, masters, recovery
from .etl.errors import IngestError
from .loading import lock_table
from .models import GstinProblem, ImportJob, Kind, MasterRecord, SalesLine
from .services import enqueue

logger = logging.getLogger(__name__)

_ERP_TABLES = {
    Kind.PURCHASE: "ingestion_purchaseorder",
    Kind.PRODUCTION: "ingestion_productionbatch",
    Kind.PACKING: "ingestion_packingrecord",
    Kind.SHIPMENT: "ingestion_shipment",
}
# A job still queued after this was taken by no worker: the import task's hard time limit.
STUCK_AFTER = timedelta(seconds=1800)
_BUSY = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)


def deletion_preview(job: ImportJob) -> dict:
    """What deleting `job` would take away: its lines and their period, the master rows it gave, what it replaced."""
    lines = SalesLine.objects.filter(source_job_id=job.pk).aggregate(
        lines=Count("id"), date_from=Min("invoice_date"), date_to=Max("invoice_date")
    )
    masters_given = dict(
        MasterRecord.objects.filter(job_id=job.pk).values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    return {
        **lines,
        "customers": masters_given.get(Kind.CUSTOMERS, 0),
        "items": masters_given.get(Kind.ITEMS, 0),
        "records": _erp_records(job),
        "replaced": job.rows_replaced,
        "replaced_by": _replaced_by(job) if job.kind == Kind.SALES and job.date_from and not lines["lines"] else None,
    }


def _erp_records(job: ImportJob) -> int:
    table = _ERP_TABLES.get(job.kind)
    if table is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE source_job_id = %s", [job.pk])
        return cursor.fetchone()[0]


def _replaced_by(job: ImportJob) -> ImportJob | None:
    """The later upload that replaced the period this one's lines were in."""
    return (
        ImportJob.objects.filter(
            kind=job.kind, mode=ImportJob.Mode.REPLACE_PERIOD, created_at__gt=job.created_at,
            status__in=(ImportJob.Status.SUCCEEDED, ImportJob.Status.DELETED),
        )
        .filter(Q(date_from__lte=job.date_to) & Q(date_to__gte=job.date_from))
        .order_by("created_at")
        .first()
    )  # fmt: skip


def upload_delete(*, job_id: int, user=None) -> ImportJob:
    """Delete an upload and everything it loaded, in one transaction: all of it goes, or nothing does."""
    with transaction.atomic():
        # The lock loads take: a deletion waits for a load of the same company, and two deletions for each other.
        with connection.cursor() as cursor:
            lock_table(cursor, "ingestion_salesline")
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            raise ApplicationError("There is no such upload.", code="not_found")
        if job.status == ImportJob.Status.DELETED:
            who = job.deleted_by_email or "the command line"
            when = timezone.localtime(job.deleted_at).strftime("%d %b %Y %H:%M")
            raise ApplicationError(f"“{job.original_name}” was already deleted, by {who} on {when}.", code="deleted")
        if job.status in _BUSY and not is_stuck(job):
            raise ApplicationError(
                f"“{job.original_name}” is still loading. Wait for it to finish, then delete it.", code="busy"
            )
        preview = deletion_preview(job)
        nothing_left = not (preview["lines"] or preview["customers"] or preview["items"] or preview["records"])
        if job.kind == Kind.SALES and job.status == ImportJob.Status.SUCCEEDED and job.rows_loaded and nothing_left:
            later = preview["replaced_by"]
            by = ""
            if later:
                by = f" by “{later.original_name}”, uploaded {timezone.localtime(later.created_at):%d %b %Y}"
            raise ApplicationError(
                f"Nothing was deleted: every line of “{job.original_name}” was already replaced{by}. "
                "Delete that upload if it is the one you meant.",
                code="already_replaced",
            )
        with connection.cursor() as cursor:
            keys = _customers_of(cursor, job.pk) if preview["lines"] else []
            cursor.execute("DELETE FROM ingestion_salesline WHERE source_job_id = %s", [job.pk])
            if job.kind in _ERP_TABLES:
                cursor.execute(f"DELETE FROM {_ERP_TABLES[job.kind]} WHERE source_job_id = %s", [job.pk])
        taken = masters.take_back(job.pk)
        GstinProblem.objects.filter(job_id=job.pk).delete()
        _forget_customers(keys)
        job.status = ImportJob.Status.DELETED
        job.deleted_at = timezone.now()
        job.deleted_by_email = getattr(user, "email", "") or ""
        job.deletion = {
            "lines": preview["lines"], "date_from": _iso(preview["date_from"]), "date_to": _iso(preview["date_to"]),
            "customers": taken["customers"], "items": taken["items"], "records": preview["records"],
        }  # fmt: skip
        job.save(update_fields=["status", "deleted_at", "deleted_by_email", "deletion"])
        who = job.deleted_by_email or "the command line"
        logger.info("upload %s (%s) deleted by %s: %s", job.pk, job.original_name, who, job.deletion)
        went = f": {preview['lines']:,} lines" if preview["lines"] else ""
        audit_record(Action.UPLOAD_DELETED, f"Deleted the upload “{job.original_name}”{went}", user=user,
                     upload=job.pk, **job.deletion)  # fmt: skip
        batches.release_followers(job)  # files that waited for its column check ask for their own
        try:
            followers.lines_changed()  # the dashboards, in this transaction
        except IngestError as error:
            raise ApplicationError(error.message, code="not_followed") from error
    return job


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def _customers_of(cursor, job_id: int) -> list[str]:
    cursor.execute(
        "SELECT DISTINCT customer_key FROM ingestion_salesline WHERE source_job_id = %s AND customer_key <> ''",
        [job_id],
    )
    return [key for (key,) in cursor.fetchall()]


def _forget_customers(keys: list[str]) -> None:
    """Customers named only by the deleted lines go (unless a master describes them); the others are last seen on
    their latest remaining line."""
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH seen AS (SELECT customer_key, max(invoice_date) AS last_seen FROM ingestion_salesline
                          WHERE customer_key = ANY(%(keys)s) AND NOT is_cancelled GROUP BY customer_key)
            UPDATE ingestion_customer c SET last_seen = seen.last_seen FROM seen
            WHERE c.key = seen.customer_key AND c.last_seen IS DISTINCT FROM seen.last_seen
            """,
            {"keys": keys},
        )
        cursor.execute(
            """
            DELETE FROM ingestion_customer c WHERE NOT c.from_master AND c.key = ANY(%(keys)s)
              AND NOT EXISTS (SELECT 1 FROM ingestion_salesline l WHERE l.customer_key = c.key)
            """,
            {"keys": keys},
        )


def is_stuck(job: ImportJob) -> bool:
    """Running without its worker's lease renewed (the worker is gone), or queued for longer than an import may
    run (no worker took it)."""
    if job.status == ImportJob.Status.RUNNING:
        return recovery.lease_lapsed(job)
    return job.status == ImportJob.Status.QUEUED and timezone.now() - job.created_at > STUCK_AFTER


def can_retry(job: ImportJob) -> bool:
    """A failed or stuck upload whose file is still kept (the retention sweep removes old failures' files)."""
    return bool(job.file) and (job.status == ImportJob.Status.FAILED or is_stuck(job))


@transaction.atomic
def upload_retry(*, job_id: int, user=None) -> ImportJob:
    """Run a failed or stuck upload again from its stored file. A failed load loaded nothing, so this is safe."""
    job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None:
        raise ApplicationError("There is no such upload.", code="not_found")
    if not can_retry(job):
        raise ApplicationError(
            f"“{job.original_name}” is {job.get_status_display().lower()}: only a failed or stuck upload can be run "
            "again.",
            code="not_retryable",
        )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.QUEUED, progress=0, stage="Queued again", error="", started_at=None, finished_at=None
    )
    logger.info("upload %s (%s) queued again by %s", job.pk, job.original_name, getattr(user, "email", "") or "-")
    audit_record(Action.UPLOAD_RETRIED, f"Ran the upload “{job.original_name}” again", user=user, upload=job.pk)
    transaction.on_commit(lambda: enqueue(job.pk))
    job.refresh_from_db()
    return job
