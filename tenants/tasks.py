"""Public-schema tasks: fanning periodic work out to every company, staggered."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string
from django_tenants.utils import tenant_context

from elettro.celery import app, public_task

from .models import Company

logger = logging.getLogger(__name__)


@public_task(name="tenants.dispatch_to_companies", time_limit=300)
def dispatch_to_companies(task_name: str, *, stagger_seconds: float = 2.0, queue: str | None = None) -> int:
    """Enqueue `task_name` once inside each live company's schema, spread out so they do not all start at once."""
    companies = Company.objects.exclude(schema_name="public").exclude(status=Company.Status.SUSPENDED)
    count = 0
    for index, company in enumerate(companies.order_by("pk").iterator()):
        with tenant_context(company):
            app.send_task(task_name, countdown=index * stagger_seconds, queue=queue)
        count += 1
    logger.info("dispatched %s to %d companies", task_name, count)
    return count


@public_task(name="tenants.schema_pool_refill", time_limit=600)
def schema_pool_refill() -> int:
    """Make spare company schemas ahead of signups (see tenants.schema_pool)."""
    from .schema_pool import spares_fill

    return spares_fill()


@public_task(name="tenants.recover_stuck_work", time_limit=120)
def recover_stuck_work() -> int:
    """Every company's uploads and reports whose worker died: failed with the reason, run again once. The apps
    name their sweepers in settings.STUCK_WORK_SWEEPERS (tenants imports none of them)."""
    sweepers = [import_string(path) for path in settings.STUCK_WORK_SWEEPERS]
    recovered = 0
    for company in Company.objects.exclude(schema_name="public").iterator():
        with tenant_context(company):
            try:
                recovered += sum(len(sweep()) for sweep in sweepers)
            except Exception:  # one company's trouble must not stop the others' recovery
                logger.exception("recovering stuck work of %s failed", company.schema_name)
    return recovered
