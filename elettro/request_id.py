"""A request id for every request, carried into the Celery tasks it enqueues, and one log line per request.

- `RequestIdMiddleware` (first in MIDDLEWARE) takes a well-formed incoming `X-Request-ID` (a proxy's) or makes a
  uuid4 hex, keeps it in a contextvar for the request, echoes it as `X-Request-ID` on the response, and logs
  one line at the end: method, path, status and duration in milliseconds (logger `elettro.request`).
- `before_task_publish` puts the id in the task's message headers; `task_prerun` restores it in the worker, with
  the task id, so every log line of the task names the request that caused it (hooks connected in
  elettro/celery.py). A task enqueued by a task passes the id on.
- `elettro.logs.ContextFilter` reads these contextvars for every log record.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

logger = logging.getLogger("elettro.request")

HEADER = "X-Request-ID"
TASK_HEADER = "elettro_request_id"  # in the Celery message headers
SENT_AT_HEADER = "elettro_sent_at"  # when the task was enqueued (epoch seconds): /health/ reports queue ages
# A proxy's id is kept if it is plain: letters, digits, dot, dash, underscore; 8 to 64 characters.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("task_id", default=None)
request_var: ContextVar[object | None] = ContextVar("request", default=None)  # the HttpRequest, for the user id
# Paths polled by machines: their request line is logged at DEBUG, not INFO.
QUIET_PATHS = ("/health/",)


def new_id() -> str:
    return uuid.uuid4().hex


def well_formed(value: str | None) -> bool:
    return bool(value) and WELL_FORMED.fullmatch(value) is not None


def current() -> str | None:
    return request_id_var.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER)
        request_id = incoming if well_formed(incoming) else new_id()
        request.request_id = request_id
        id_token, request_token = request_id_var.set(request_id), request_var.set(request)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[HEADER] = request_id
            return response
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            level = logging.DEBUG if request.path in QUIET_PATHS and status < 500 else logging.INFO
            logger.log(
                level, "%s %s %s %.1fms", request.method, request.path, status, duration_ms,
                extra={"method": request.method, "path": request.path, "status": status, "duration_ms": duration_ms},
            )  # fmt: skip
            request_var.reset(request_token)
            request_id_var.reset(id_token)


# ---------------------------------------------------------------- Celery hooks (connected in elettro/celery.py)

_before_task: dict[str, tuple[str | None, str | None]] = {}


def on_before_task_publish(headers=None, **_):
    """Stamp the message with the current request id and the time it was sent."""
    if headers is None:
        return
    request_id = request_id_var.get()
    if request_id and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id
    headers.setdefault(SENT_AT_HEADER, time.time())


def _header(task, name: str):
    request = task.request
    # With the Redis broker custom headers are merged into the task's request; elsewhere they stay in headers.
    if request.headers and name in request.headers:
        return request.headers.get(name)
    return request.get(name)


def on_task_prerun(task_id=None, task=None, **_):
    """In the worker: the request id from the message (eager tasks keep the caller's), and the task id."""
    _before_task[task_id] = (request_id_var.get(), task_id_var.get())
    carried = _header(task, TASK_HEADER) if task is not None else None
    request_id_var.set(carried if well_formed(carried) else request_id_var.get())
    task_id_var.set(task_id)


def on_task_postrun(task_id=None, **_):
    request_id, outer_task_id = _before_task.pop(task_id, (None, None))
    request_id_var.set(request_id)
    task_id_var.set(outer_task_id)
