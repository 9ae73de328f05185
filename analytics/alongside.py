"""Run part of a long rebuild on a second database connection, so it uses a second core.

PostgreSQL runs each connection's statements on one core (parallel query does not help a grouping that keeps
nearly every row, nor any INSERT), so a rebuild that fills independent tables can halve its time by filling some
of them from another connection at once. That work runs in a transaction of its own, in the same company
schema, and is committed just before the caller's: readers briefly see it new and the caller's tables old, two
states the rollups have each been in anyway. Given the caller's exported snapshot, it reads the database exactly
as the caller does.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction


class _Abandoned(Exception):
    """The caller failed: roll the work back."""


@dataclass
class Work:
    result: Any = None  # what the work returned, once the block has ended


@contextlib.contextmanager
def work_alongside(work: Callable, *, enabled: bool = True, snapshot: str | None = None) -> Iterator[Work]:
    """Run `work(cursor)` on a second connection while the block runs; when the block ends, wait for the work and
    commit it, or roll it back if the block raised (and raise the work's own error, if it failed). The work reads
    as of `snapshot` (from pg_export_snapshot()) when given. It sees committed rows only, so with `enabled` False
    (inside a caller's transaction, as in tests, whose rows a second connection cannot see) it runs in the
    block's own transaction first instead."""
    done = Work()
    if not enabled:
        with connection.cursor() as cursor:
            done.result = work(cursor)
        yield done
        return
    schema = connection.schema_name
    finished, decided = threading.Event(), threading.Event()
    outcome: dict = {"commit": False, "error": None}

    def run() -> None:
        try:
            connection.set_schema(schema)
            with transaction.atomic(), connection.cursor() as cursor:
                if snapshot:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    # A utility statement takes no bind parameters: the id goes in as a literal, checked first.
                    if not re.fullmatch(r"[0-9A-F]+-[0-9A-F]+-[0-9]+", snapshot):
                        raise ValueError(f"not a snapshot id: {snapshot!r}")
                    cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                done.result = work(cursor)
                finished.set()
                decided.wait()
                if not outcome["commit"]:
                    raise _Abandoned
        except _Abandoned:
            pass
        except BaseException as error:  # handed to the caller's thread, which raises it
            outcome["error"] = error
        finally:
            finished.set()
            connection.close()

    thread = threading.Thread(target=run, name="work-alongside", daemon=True)
    thread.start()
    try:
        yield done
        finished.wait()
        outcome["commit"] = outcome["error"] is None
    finally:
        decided.set()
        thread.join()
    if outcome["error"] is not None:
        raise outcome["error"]
