"""A lease on long work: while a job or report runs, a thread stamps its row every few seconds; a row whose stamp
is older than LEASE_SECONDS belongs to a worker that died (killed, out of memory) or lost its database, and the
sweeper (`recovery.py` of each app, run by beat every minute) fails it with that reason and runs it again once.

The stamp is written on its own connection, outside the work's transaction, so it shows while a load runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, connections
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)


def beat_every() -> float:
    return max(1.0, settings.WORK_LEASE_SECONDS / 6)


@contextmanager
def beating(model, pk: int) -> Iterator[None]:
    """Stamp `model` row `pk`'s heartbeat_at now and every few seconds until the block ends."""
    schema = connection.schema_name
    stop = threading.Event()
    model.objects.filter(pk=pk).update(heartbeat_at=timezone.now())

    def beat() -> None:
        try:
            connection.set_schema(schema)  # this thread's own connection
            while not stop.wait(beat_every()):
                try:
                    model.objects.filter(pk=pk).update(heartbeat_at=timezone.now())
                except Exception:  # the database is away: the lease lapses, and the sweeper tells the user
                    logger.warning("could not renew the lease of %s %s", model.__name__, pk, exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"lease-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def lapsed(stamp: datetime | None, now: datetime | None = None) -> bool:
    """Whether a lease last renewed at `stamp` (None: never) has lapsed: its worker is gone."""
    return stamp is None or (now or timezone.now()) - stamp > timedelta(seconds=settings.WORK_LEASE_SECONDS)


def lapsed_rows(since: str) -> Q:
    """The rows whose lease lapsed, as `lapsed` judges them: heartbeat_at, else the `since` column, too old."""
    cutoff = timezone.now() - timedelta(seconds=settings.WORK_LEASE_SECONDS)
    return (
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at=None, **{f"{since}__lt": cutoff})
        | Q(heartbeat_at=None, **{f"{since}__isnull": True})
    )
