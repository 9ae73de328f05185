"""The Celery app. tenant-schemas-celery stamps the caller's schema on every task and switches to it first."""

from __future__ import annotations

import os

from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun
from django.db import connection
from tenant_schemas_celery.app import CeleryApp
from tenant_schemas_celery.task import TenantTask

from elettro import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elettro.settings.local")


class CompanyTask(TenantTask):
    """A task that must run inside one company's schema; in the public schema it refuses to run."""

    abstract = True
    acks_late = True

    def __call__(self, *args, **kwargs):
        if connection.schema_name == "public":
            raise RuntimeError(
                f"{self.name} is a company task but ran in the public schema: enqueue it inside tenant_context()."
            )
        return super().__call__(*args, **kwargs)


app = CeleryApp("elettro")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["reports.alerts"])  # reports/alerts/tasks.py: only one tasks module per app is found otherwise

# ---------------------------------------------------------------- request ids and logging (elettro/request_id.py)
# A task carries the id of the request (or task) that enqueued it; its log lines name it, and its own task id.
# dispatch_uid: connected once however often this module is imported.
before_task_publish.connect(request_id.on_before_task_publish, dispatch_uid="elettro_request_id_publish")
task_prerun.connect(request_id.on_task_prerun, dispatch_uid="elettro_request_id_prerun")
task_postrun.connect(request_id.on_task_postrun, dispatch_uid="elettro_request_id_postrun")


@setup_logging.connect(dispatch_uid="elettro_logging")
def _use_django_logging(loglevel=None, **_):
    """Workers and beat log through settings.LOGGING (context fields, JSON in production), not Celery's own
    handlers; `--loglevel` still sets the level."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


def _with_limits(options: dict) -> dict:
    """A task that names a hard time limit gets a soft one just below it, so it can clean up first."""
    if "time_limit" in options:
        options.setdefault("soft_time_limit", max(options["time_limit"] - 30, options["time_limit"] * 0.9))
    options.setdefault("acks_late", True)
    return options


def public_task(*args, **options):
    """`@public_task(name=...)`: a task that works across companies from the public schema (dispatchers)."""
    return app.task(*args, **_with_limits(options))


def company_task(*args, **options):
    """`@company_task(name=...)`: the decorator for every task that reads or writes a company's data."""
    options.setdefault("base", CompanyTask)
    return app.task(*args, **_with_limits(options))
