"""Thin tasks: load by id, call one service."""

from elettro.celery import company_task

from . import services


@company_task(name="analytics.nightly_refresh", time_limit=600)
def nightly_refresh() -> int:
    return services.usage_snapshot_take().pk
