"""What follows every change of the sales lines in the same transaction (the dashboards' rollups), and what follows
a finished upload once it is committed (the alerts' evaluation).

An upload, a deletion and a remark of the exclusion rules call `lines_changed()` before they commit, so when an
upload says done the dashboards already show it, and a rollup that cannot be brought up to date fails the change
instead of leaving the dashboards behind. Ingestion does not import analytics (analytics reads ingestion): the
steps are named in settings.LINES_CHANGED_STEPS (`analytics.rollups.follow`, which merges an upload's new lines
into the rollups, and rebuilds the months whose lines differ from what the rollups read after any other change).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.module_loading import import_string

from .etl.errors import IngestError

logger = logging.getLogger(__name__)

NOT_FOLLOWED = (
    "The dashboards could not be brought up to date with this change, so nothing of it was kept. Try again; "
    "if it fails again, we have been told."
)


def lines_changed(*, appended_after: int | None = None) -> None:
    """Run every step named in LINES_CHANGED_STEPS, inside the caller's transaction. `appended_after`, when given,
    says the change only added lines, each with an id above it, so a step may take in just those."""
    for path in settings.LINES_CHANGED_STEPS:
        try:
            import_string(path)(appended_after=appended_after)
        except DatabaseError as error:
            logger.exception("%s failed after a change of the sales lines", path)
            raise IngestError(NOT_FOLLOWED, code="not_followed") from error


def import_finished(job_id: int) -> None:
    """After an upload's lines are committed (and so in the dashboards): every step named in
    IMPORT_FINISHED_STEPS (`reports.alerts.tasks.evaluate_after_import`, which queues the company's alert
    evaluation). The lines are in whatever these do: a step that fails is logged, never fails the upload."""

    def run(path: str) -> None:
        try:
            import_string(path)(job_id=job_id)
        except Exception:
            logger.exception("%s failed after upload %s", path, job_id)

    for path in settings.IMPORT_FINISHED_STEPS:
        transaction.on_commit(lambda path=path: run(path))
