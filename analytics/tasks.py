"""Thin tasks: load by id, call one service."""

from elettro.celery import company_task

from . import rollups, services


@company_task(name="analytics.nightly_refresh", time_limit=1800)
def nightly_refresh() -> int:
    """Rebuild the months whose lines changed since the rollups read them (repairing anything a failed refresh or
    an edit of the lines left; everything once a week) and measure the schema; returns the usage snapshot's id."""
    rollups.refresh_nightly()
    return services.usage_snapshot_take().pk


@company_task(name="analytics.rollups_refresh", time_limit=1800)
def rollups_refresh() -> int:
    """Asked for with a dashboard's Refresh button when the rollups are behind: rebuild the months whose lines
    changed; returns how many."""
    from .freshness import rollups_refresh_finished

    try:
        return len(rollups.refresh_changed())
    finally:
        rollups_refresh_finished()
