"""Log records that say which request, company, user and task they belong to; JSON lines in production.

`ContextFilter` (on the console handler, see LOGGING in elettro/settings/base.py) adds to every record:
`request_id`, `company` (the connection's schema), `user_id` and `task_id`, each None when there is none, and
`context`, the same as short text for the plain format (" [request_id=… company=…]", or nothing).
`JsonFormatter` writes one JSON object per line with those fields, the time, level, logger and message,
anything passed in `extra=` (the request line's method, path, status and duration_ms), and the traceback
when there is one.

Celery workers and beat use the same LOGGING (the `setup_logging` hook in elettro/celery.py).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from . import request_id as ids

CONTEXT_FIELDS = ("request_id", "company", "user_id", "task_id")
# Attributes every LogRecord has: anything else on a record came from `extra=` and goes into the JSON.
_STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {"message", "asctime"}


def _company() -> str | None:
    try:
        from django.db import connection

        return getattr(connection, "schema_name", None)
    except Exception:  # settings not ready, or no tenant backend: a log line must never fail
        return None


def _user_id():
    request = ids.request_var.get()
    # Only a user the request already loaded: a log line must not cause a query.
    user = getattr(request, "_cached_user", None) if request is not None else None
    return user.pk if user is not None and getattr(user, "is_authenticated", False) else None


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = ids.request_id_var.get()
        if not hasattr(record, "task_id"):
            record.task_id = ids.task_id_var.get()
        if not hasattr(record, "company"):
            record.company = _company()
        if not hasattr(record, "user_id"):
            record.user_id = _user_id()
        known = [f"{name}={value}" for name in CONTEXT_FIELDS if (value := getattr(record, name, None)) is not None]
        record.context = f" [{' '.join(known)}]" if known else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; values JSON cannot hold are written as their str()."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            line[name] = getattr(record, name, None)
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in line and name != "context":
                line[name] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        try:
            return json.dumps(line, default=str, ensure_ascii=False)
        except (ValueError, TypeError):  # a circular or odd `extra`: keep the line, its values as text
            return json.dumps({key: value if key in _PLAIN else str(value) for key, value in line.items()})


_PLAIN = {"time", "level", "logger", "message", *CONTEXT_FIELDS}
