"""Keep the rollups in step with the sales lines: what analytics does when ingestion announces a change."""

from __future__ import annotations

import logging

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.dispatch import receiver
from django_tenants.signals import schema_migrated
from django_tenants.utils import get_public_schema_name, schema_context

from ingestion.models import Kind
from ingestion.signals import import_finished, sales_lines_remarked, upload_deleted

from . import rollups
from .models import RollupMonth, RollupState

logger = logging.getLogger(__name__)


@receiver(import_finished, dispatch_uid="analytics.import_finished")
def refresh_after_import(sender, *, job, kind, **kwargs) -> None:
    """The months whose lines the upload changed, found by their fingerprints: a sales file's new or replaced
    lines (nothing when every line was a duplicate), or the lines a customer master filled in the state and
    segment of, or an item master costed. The lines are committed and the job shows done already; the dashboards
    follow."""
    if (kind == Kind.SALES and (job.rows_loaded or job.rows_replaced)) or kind in (Kind.CUSTOMERS, Kind.ITEMS):
        _refresh()


@receiver(sales_lines_remarked, dispatch_uid="analytics.sales_lines_remarked")
def refresh_after_remark(sender, **kwargs) -> None:
    _refresh()


@receiver(upload_deleted, dispatch_uid="analytics.upload_deleted")
def refresh_after_deletion(sender, **kwargs) -> None:
    """The months the deleted lines were in, or whose lines a deleted master had filled, change fingerprints."""
    _refresh()


@receiver(schema_migrated, dispatch_uid="analytics.schema_migrated")
def rebuild_after_migrating(sender, *, schema_name, **kwargs) -> None:
    """Rollups built before they were fingerprinted (analytics 0007) lack the tables added since: rebuild them
    once the schema has all of today's tables. Migrations cannot: a rebuild runs today's code."""
    if schema_name == get_public_schema_name():
        return
    with schema_context(schema_name):
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            return  # migrated to an older state on purpose: today's code does not fit it
        if RollupState.objects.exists() and not RollupMonth.objects.exists():
            logger.info("rollups of %s predate fingerprints: rebuilding them", schema_name)
            _refresh()  # no fingerprints: everything


def _refresh() -> None:
    # The lines are committed whatever happens here; a failed refresh is repaired by the nightly rebuild.
    try:
        rollups.refresh_changed()
    except Exception:
        logger.exception("rollup refresh after an import failed; the nightly rebuild will repair it")
