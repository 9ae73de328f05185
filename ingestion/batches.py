"""Files uploaded together: those with the same columns get one column check, and load when it is confirmed."""

from __future__ import annotations

from django.db import connection, transaction

from .etl import mapping as fields
from .loading import lock_table
from .models import ImportJob


def proposal_signature(proposal: dict) -> str:
    # Sheets by position, not name: a CSV's one sheet is named after its file.
    columns = [f"{index}:{column}" for index, plan in enumerate(proposal.values()) for column in plan["columns"]]
    return fields.columns_signature(columns)


@transaction.atomic
def hold_for_check(job: ImportJob, proposal: dict) -> None:
    """Hold `job` for its column check, unless a file of its batch with the same columns is waiting for one
    already: then `job` waits for that check instead of asking again."""
    signature = proposal_signature(proposal)
    leader = None
    if job.batch:
        with connection.cursor() as cursor:  # two workers reading two files of one batch must not both ask
            lock_table(cursor, f"batch.{job.batch}")
        leader = (
            ImportJob.objects.filter(batch=job.batch, kind=job.kind, column_signature=signature,
                                     status=ImportJob.Status.MAPPING, waiting_on__isnull=True, kind_question={})
            .exclude(pk=job.pk)
            .order_by("pk")
            .first()
        )  # fmt: skip
    stage = f"Waits for the column check of {leader.original_name}"[:80] if leader else "Check the columns"
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.MAPPING, proposal=proposal, progress=10, stage=stage, column_signature=signature,
        waiting_on=leader.pk if leader else None,
    )  # fmt: skip


def release_followers(leader: ImportJob) -> int:
    """The uploads that waited for `leader`'s column check run now: with its columns remembered, they load (or, if
    the leader was discarded, the first of them asks)."""
    from .services import enqueue

    followers = list(ImportJob.objects.filter(waiting_on=leader.pk, status=ImportJob.Status.MAPPING))
    confirmed = leader.status != ImportJob.Status.DELETED and bool(leader.column_mapping)
    for follower in followers:
        follower.status, follower.stage, follower.progress = ImportJob.Status.QUEUED, "Queued", 0
        follower.waiting_on = None
        if confirmed:
            # Same sheets, same columns: the person's choice for the leader is their choice for these too.
            names = dict(zip(leader.proposal, follower.proposal, strict=False))
            follower.column_mapping = {names[sheet]: chosen for sheet, chosen in leader.column_mapping.items()}
            follower.sheet_roles = {names[sheet]: role for sheet, role in leader.sheet_roles.items()}
            follower.needs_review = False
        follower.proposal = {}
        follower.save()
        transaction.on_commit(lambda pk=follower.pk: enqueue(pk))
    return len(followers)
