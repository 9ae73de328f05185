"""Keep the rollups in step with the sales lines: what analytics does when ingestion announces a change."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from ingestion.models import Kind
from ingestion.signals import import_finished, sales_lines_remarked

from . import rollups

logger = logging.getLogger(__name__)


@receiver(import_finished, dispatch_uid="analytics.import_finished")
def refresh_after_import(sender, *, kind, date_from, date_to, **kwargs) -> None:
    if kind == Kind.SALES and date_from and date_to:
        _refresh(date_from, date_to)
    elif kind == Kind.CUSTOMERS:
        _refresh()  # a customer master fills in the state and segment of lines loaded before: their months


@receiver(sales_lines_remarked, dispatch_uid="analytics.sales_lines_remarked")
def refresh_after_remark(sender, **kwargs) -> None:
    _refresh()


def _refresh(date_from=None, date_to=None) -> None:
    # The lines are committed whatever happens here; a failed refresh is repaired by the nightly rebuild.
    try:
        if date_from and date_to:
            rollups.refresh(date_from, date_to)
        else:
            rollups.refresh_changed()
    except Exception:
        logger.exception("rollup refresh after an import failed; the nightly rebuild will repair it")
