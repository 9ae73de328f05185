"""Keeping signup fast however many companies exist.

Cloning the template schema gets slower as the catalog grows (3.6 s with 200 companies, bench/signup.py), so a
few clones are made ahead of time by a worker, and signup renames one into place: constant time, inside the
signup transaction, so a failed signup puts the spare back. When no spare is left, signup clones as before.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import connection, transaction
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists

from .models import SpareSchema

logger = logging.getLogger(__name__)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def template_state() -> str:
    """Fingerprint of the migrations applied to the template; spares built from another state are stale."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT md5(string_agg(app || '.' || name, ',' ORDER BY app, name)) "
            f"FROM {_quoted(settings.TENANT_BASE_SCHEMA)}.django_migrations"
        )
        return cursor.fetchone()[0] or ""


def spare_take(*, schema_name: str) -> bool:
    """Rename a spare into `schema_name` inside the current transaction; False when none is ready."""
    spare = (
        SpareSchema.objects.select_for_update(skip_locked=True)
        .filter(migration_state=template_state())
        .order_by("created_at")
        .first()
    )
    if spare is None or not schema_exists(spare.name):
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {_quoted(spare.name)} RENAME TO {_quoted(schema_name)}")
    spare.delete()
    return True


def spares_fill(*, target: int | None = None) -> int:
    """Drop spares of an old migration state, then clone until `target` are ready. Returns how many were made."""
    target = settings.SCHEMA_POOL_SIZE if target is None else target
    state = template_state()
    for stale in SpareSchema.objects.exclude(migration_state=state):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {_quoted(stale.name)} CASCADE")
            stale.delete()
    made = 0
    while SpareSchema.objects.filter(migration_state=state).count() < target:
        name = f"spare_{uuid.uuid4().hex[:16]}"
        with transaction.atomic():
            CloneSchema().clone_schema(settings.TENANT_BASE_SCHEMA, name, "DATA")
            SpareSchema.objects.create(name=name, migration_state=state)
        made += 1
    connection.set_schema_to_public()
    if made:
        logger.info("made %d spare schemas", made)
    return made
