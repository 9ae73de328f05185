"""Thin tasks: load by id, call one service."""

from elettro.celery import company_task

from . import rollups, services


@company_task(name="analytics.nightly_refresh", time_limit=1800)
def nightly_refresh() -> int:
    """Rebuild every rollup from the lines (repairing anything a failed refresh left) and measure the schema;
    returns the usage snapshot's id."""
    rollups.refresh()
    return services.usage_snapshot_take().pk
