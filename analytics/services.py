"""Writes of the analytics app."""

from __future__ import annotations

from django.db import connection

from .models import UsageSnapshot


def usage_snapshot_take() -> UsageSnapshot:
    """Measure the current company's schema (the connection's schema, never a parameter)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0), COUNT(*)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind = 'r'
            """,
            [connection.schema_name],
        )
        size, tables = cursor.fetchone()
    return UsageSnapshot.objects.create(database_bytes=size, table_count=tables)
