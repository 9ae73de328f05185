"""Rollups built by older code: rebuilt once a company's schema is migrated. (Uploads, deletions and exclusion
remarks bring the rollups up to date in their own transaction: ingestion/followers.py.)"""

from __future__ import annotations

import logging

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.dispatch import receiver
from django_tenants.signals import schema_migrated
from django_tenants.utils import get_public_schema_name, schema_context

from . import rollups
from .models import RollupMonth, RollupState

logger = logging.getLogger(__name__)


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
    try:
        rollups.refresh_changed()
    except Exception:  # a migration must not fail on it: the nightly rebuild repairs the rollups
        logger.exception("rollup rebuild after migrating failed; the nightly rebuild will repair it")
