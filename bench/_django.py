"""Benchmarks run against their own database on the same server, so they never touch the demo's data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(database: str = "elettro_bench", *, fresh: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elettro.settings.local")
    os.environ["ELETTRO_DB_NAME"] = database
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.conf import settings

    default = settings.DATABASES["default"]
    import psycopg

    given = {key: default.get(key.upper()) for key in ("host", "port", "user", "password")}
    conninfo = {key: value for key, value in given.items() if value}
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
        if not exists or fresh:
            conn.execute(f'CREATE DATABASE "{database}"')
    django.setup()
    from django.core.management import call_command

    call_command("migrate_schemas", shared=True, verbosity=0)
    call_command("setup_platform", verbosity=0)
    call_command("migrate_schemas", tenant=True, verbosity=0)  # companies loaded by an earlier run, too
