"""How current a company's dashboard figures are, and the Refresh button's request for a rebuild.

Pages read the rollups, and every upload brings them up to date in its own transaction, so re-reading a page is
all a Refresh needs as a rule. The rollups fall behind only when a change of the lines was not followed (a
failed refresh, an edit by hand) or the nightly did not run: then someone who may upload can ask for a rebuild,
at most once per REFRESH_REQUEST_SECONDS, and the pages say "Refreshing…" until it is done.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from .models import RollupState

# A rebuild asked for within this long of the last one is not queued again; a request older than this no longer
# shows "Refreshing…" (its task died or is stuck behind others).
REFRESH_REQUEST_SECONDS = 10 * 60
# The nightly refreshes every company once a day: a refresh older than this means it has not run.
NIGHTLY_OVERDUE = timedelta(hours=36)


@dataclass(frozen=True)
class Freshness:
    refreshed_at: datetime | None  # in the company's time zone
    version: int
    refreshing: bool

    @property
    def label(self) -> str:
        """'Updated 4 Dec, 14:32' (with the year when it is not this year's), or what stands for it."""
        if self.refreshing:
            return "Refreshing…"
        if self.refreshed_at is None:
            return "Not updated yet"
        today = timezone.now().astimezone(self.refreshed_at.tzinfo).date()
        shape = "%-d %b, %H:%M" if self.refreshed_at.year == today.year else "%-d %b %Y, %H:%M"
        return f"Updated {self.refreshed_at.strftime(shape)}"

    @property
    def title(self) -> str:
        """The full moment with its zone, for a tooltip: '4 Dec 2025, 14:32 IST'."""
        return self.refreshed_at.strftime("%-d %b %Y, %H:%M %Z") if self.refreshed_at else ""

    @property
    def stamp(self) -> str:
        """Changes whenever the figures may have: what an open page compares to know it must re-read them."""
        text = f"{connection.schema_name}:{self.version}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def as_json(self) -> dict:
        return {
            "version": self.version,
            "stamp": self.stamp,
            "refreshed_at": self.refreshed_at.isoformat() if self.refreshed_at else None,
            "label": self.label,
            "refreshing": self.refreshing,
        }


# The default cache's key function adds the schema: one key of each per company.
_REQUESTED = "analytics:rollups-refresh-requested"  # the rate limit
_RUNNING = "analytics:rollups-refresh-running"  # the refresh time when it was asked for


def _moment(value: datetime | None) -> str:
    return value.isoformat() if value else "never"


def figures_freshness(company) -> Freshness:
    """When the rollups were last refreshed (in the company's time zone), their version, and whether a rebuild
    asked for with Refresh is still under way (the refresh time has not moved since it was asked for)."""
    state = RollupState.objects.values_list("refreshed_at", "version").first()
    refreshed_at, version = state if state else (None, 0)
    asked_at_refresh = cache.get(_RUNNING)
    refreshing = asked_at_refresh is not None and asked_at_refresh == _moment(refreshed_at)
    local = refreshed_at.astimezone(company.zone) if refreshed_at else None
    return Freshness(refreshed_at=local, version=version, refreshing=refreshing)


def rollups_behind() -> str:
    """Why the rollups may not hold every line ('' when they do): never built, the nightly overdue, or lines
    changed that they have not read. Reads every line's month fingerprint: for the Refresh button, not for
    polling."""
    from .rollups import changed_months

    state = RollupState.objects.first()
    if state is None or state.refreshed_at is None:
        return "the figures have never been worked out"
    if timezone.now() - state.refreshed_at > NIGHTLY_OVERDUE:
        return "the nightly refresh has not run"
    changed, _read = changed_months()
    if changed:
        return f"sales in {len(changed)} month{'s' if len(changed) > 1 else ''} changed since"
    return ""


def rollups_refresh_request() -> bool:
    """Queue the company's rollup refresh unless one was asked for in the last REFRESH_REQUEST_SECONDS; returns
    whether it was queued. The pages show "Refreshing…" until the refresh time moves or the task ends."""
    from .tasks import rollups_refresh

    if not cache.add(_REQUESTED, True, timeout=REFRESH_REQUEST_SECONDS):
        return False
    state = RollupState.objects.values_list("refreshed_at", flat=True).first()
    cache.set(_RUNNING, _moment(state), timeout=REFRESH_REQUEST_SECONDS)
    transaction.on_commit(rollups_refresh.delay)
    return True


def rollups_refresh_finished() -> None:
    """The refresh ended, done or failed: the pages stop saying "Refreshing…" (the rate limit stays)."""
    cache.delete(_RUNNING)


def poll_seconds() -> int:
    """How often an open page asks whether its figures changed (DASHBOARD_POLL_SECONDS; tests shorten it)."""
    return max(1, settings.DASHBOARD_POLL_SECONDS)
