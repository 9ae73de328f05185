"""/health/ on the public domain: can Elettro serve, run background work and draw charts right now?

Everyone gets the status only, `{"status": "ok" | "degraded" | "down"}`:

- "down" (503): PostgreSQL, Redis (the cache), the Celery broker or every worker is unreachable;
- "degraded" (200): it serves, but report PDFs would have no charts (no Chromium where kaleido looks), a queue's
  oldest task has waited longer than any task may run, or the queues could not be read;
- "ok" (200) otherwise.

Staff logged in on the public site, and monitoring sending `Authorization: Bearer <settings.OPERATOR_TOKEN>`, also
get each check's details: database, redis, broker, worker (the workers that answered a ping), queues (tasks
waiting, and how long the oldest has waited when it was enqueued with a send time, see elettro/request_id.py)
and charts (true/false, and the Chromium found).

Every check has its own hard timeout (PostgreSQL: connect_timeout and statement_timeout on a connection of its
own; Redis: socket timeouts; Celery: a 1 s ping), the checks run side by side, and the answer never waits more
than DEADLINE_SECONDS. `HealthMiddleware` answers before the tenant middleware when the database or Redis is
down (that middleware needs both), so the answer is this JSON and not an error page.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

PATH = "/health/"
DEADLINE_SECONDS = 4.0
DB_CONNECT_TIMEOUT = 2  # libpq's smallest
DB_STATEMENT_TIMEOUT_MS = 1000
REDIS_TIMEOUT = 1.0
WORKER_PING_TIMEOUT = 1.0
CHARTS_CACHE_SECONDS = 60
# A task waiting longer than the longest a task may run (an import's 30 minutes) means workers are not keeping up.
QUEUE_WAIT_DEGRADED_SECONDS = 30 * 60
# Django-only keys of DATABASES OPTIONS, which libpq does not know.
_NOT_LIBPQ = {"pool", "server_side_binding", "isolation_level", "assume_role", "prepare_threshold", "cursor_factory",
              "context", "connect_timeout"}  # fmt: skip
# kombu's Redis transport keeps a priority's tasks in "<queue>\x06\x16<priority>"; priority 0 is the plain name.
_PRIORITY_SEP = "\x06\x16"
_PRIORITIES = (0, 3, 6, 9)


# ---------------------------------------------------------------- the checks


def _timed(probe) -> dict:
    started = time.perf_counter()
    try:
        detail = probe()
    except Exception as error:  # any failure means "not ok"; the message tells the operator why
        return {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1), **(detail or {})}


def _database() -> None:
    """SELECT 1 on a connection of its own (never the request's), made from the default database's settings."""
    import psycopg

    db = settings.DATABASES["default"]
    params = {key: value for key, value in (db.get("OPTIONS") or {}).items() if key not in _NOT_LIBPQ}
    for key, name in (("NAME", "dbname"), ("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"),
                      ("PORT", "port")):  # fmt: skip
        if db.get(key):
            params[name] = str(db[key])
    with psycopg.connect(**params, connect_timeout=DB_CONNECT_TIMEOUT, autocommit=True) as conn:
        conn.execute(f"SET statement_timeout = {DB_STATEMENT_TIMEOUT_MS}")
        conn.execute("SELECT 1").fetchone()


def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)


def _cache_location() -> str:
    location = settings.CACHES["shared"]["LOCATION"]
    if isinstance(location, list | tuple):
        location = location[0]
    return str(location).split(",")[0]


def _redis() -> None:
    client = _redis_client(_cache_location())
    try:
        if not client.ping():
            raise ConnectionError("no PONG")
    finally:
        client.close()


def _broker_url() -> str:
    from elettro.celery import app

    return str(app.conf.broker_url or "")


def _broker() -> None:
    url = _broker_url()
    if urlsplit(url).scheme in ("redis", "rediss"):
        client = _redis_client(url)
        try:
            if not client.ping():
                raise ConnectionError("no PONG")
        finally:
            client.close()
        return
    from elettro.celery import app

    with app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=REDIS_TIMEOUT)


def _workers() -> dict:
    from elettro.celery import app

    replies = app.control.inspect(timeout=WORKER_PING_TIMEOUT).ping() or {}
    if not replies:
        raise TimeoutError(f"no Celery worker answered within {WORKER_PING_TIMEOUT:g} s")
    return {"workers": sorted(replies)}


def _queue_names() -> list[str]:
    names = str(getattr(settings, "CELERY_WORKER_QUEUES", "") or "").split(",")
    names.append(getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery"))
    return sorted({name.strip() for name in names if name.strip()})


def _oldest_wait(raw: bytes | None, now: float) -> float | None:
    """Seconds since the task was sent, from the send time our before_task_publish hook stamps."""
    from elettro.request_id import SENT_AT_HEADER

    if not raw:
        return None
    try:
        sent_at = json.loads(raw)["headers"][SENT_AT_HEADER]
    except (ValueError, KeyError, TypeError):
        return None
    return round(max(0.0, now - float(sent_at)), 1) if isinstance(sent_at, int | float) else None


def _queues() -> dict:
    """Tasks waiting in each queue, and how long the oldest has waited (kombu pushes on the left, pops on the
    right: the oldest is the last element)."""
    url = _broker_url()
    if urlsplit(url).scheme not in ("redis", "rediss"):
        return {"note": "queue lengths are read from a Redis broker only"}
    client = _redis_client(url)
    try:
        names = _queue_names()
        keys = [(name, name if p == 0 else f"{name}{_PRIORITY_SEP}{p}") for name in names for p in _PRIORITIES]
        pipe = client.pipeline(transaction=False)
        for _, key in keys:
            pipe.llen(key)
            pipe.lindex(key, -1)
        answers = pipe.execute()
    finally:
        client.close()
    now = time.time()
    queues = {name: {"waiting": 0, "oldest_wait_seconds": None} for name in names}
    for index, (name, _) in enumerate(keys):
        length, oldest = answers[2 * index], answers[2 * index + 1]
        queue = queues[name]
        queue["waiting"] += int(length or 0)
        wait = _oldest_wait(oldest, now)
        if wait is not None and (queue["oldest_wait_seconds"] is None or wait > queue["oldest_wait_seconds"]):
            queue["oldest_wait_seconds"] = wait
    return queues


_charts_lock = threading.Lock()
_charts_cache: tuple[float, str | None] | None = None  # (checked at, monotonic; the Chromium found)


def chromium_path() -> str | None:
    """The Chromium kaleido would start (choreographer's own search: BROWSER_PATH, a local download, PATH and the
    usual places), if it is an executable file; remembered for a minute."""
    global _charts_cache
    with _charts_lock:
        if _charts_cache is not None and time.monotonic() - _charts_cache[0] < CHARTS_CACHE_SECONDS:
            return _charts_cache[1]
        try:
            from choreographer.browsers.chromium import Chromium

            path = Chromium.find_browser(skip_local=False)
        except Exception:  # kaleido missing or broken: no charts either way
            logger.warning("could not look for the chart browser", exc_info=True)
            path = None
        if path and not (os.path.isfile(path) and os.access(path, os.X_OK)):
            path = None
        _charts_cache = (time.monotonic(), path)
        return path


def _broker_group() -> dict:
    broker = _timed(_broker)
    if not broker["ok"]:
        # Without the broker a ping would wait on it; the workers are unreachable anyway.
        down = {"ok": False, "error": "the broker is down"}
        return {"broker": broker, "worker": down, "queues": down}
    return {"broker": broker, "worker": _timed(_workers), "queues": _timed(_queues)}


def run_checks(deadline: float = DEADLINE_SECONDS) -> dict:
    """Every check, side by side, each in a thread; one that has not answered by the deadline counts as down."""
    groups = {
        "database": lambda: {"database": _timed(_database)},
        "redis": lambda: {"redis": _timed(_redis)},
        "broker": _broker_group,
        "charts": lambda: {"charts": chromium_path()},
    }
    results: dict = {}

    def run(name, group):
        try:
            results[name] = group()
        except Exception as error:  # a check that raises is a failed check, never a failed health page
            results[name] = error

    threads = {name: threading.Thread(target=run, args=(name, g), name=f"health-{name}", daemon=True)
               for name, g in groups.items()}  # fmt: skip
    for thread in threads.values():
        thread.start()
    ends = time.monotonic() + deadline
    for thread in threads.values():
        thread.join(max(0.0, ends - time.monotonic()))
    checks: dict = {}
    for name in groups:
        result = results.get(name)
        if isinstance(result, dict):
            checks.update(result)
            continue
        error = f"no answer within {deadline:g} s" if result is None else f"{type(result).__name__}: {result}"
        failed = {"ok": False, "error": error[:300]}
        if name == "broker":
            checks.update(broker=failed, worker=failed, queues=failed)
        elif name == "charts":
            checks["charts"] = None
        else:
            checks[name] = failed
    chromium = checks.pop("charts")
    checks["charts"] = chromium is not None
    checks["chromium"] = chromium
    return checks


def status_of(checks: dict) -> str:
    if not all(checks[name]["ok"] for name in ("database", "redis", "broker", "worker")):
        return "down"
    queues = checks["queues"]
    waits = [queue.get("oldest_wait_seconds") or 0 for queue in queues.values() if isinstance(queue, dict)]
    if not checks["charts"] or not queues["ok"] or any(wait > QUEUE_WAIT_DEGRADED_SECONDS for wait in waits):
        return "degraded"
    return "ok"


# ---------------------------------------------------------------- who sees the details


def _operator_token_given(request) -> bool:
    token = settings.OPERATOR_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _is_staff(request) -> bool:
    user = getattr(request, "user", None)  # set only when the request went through the auth middleware
    try:
        return bool(user is not None and user.is_active and user.is_staff)
    except Exception:  # the session or user could not be read: no details
        logger.warning("health: could not tell whether the caller is staff", exc_info=True)
        return False


def _response(request, checks: dict, *, may_check_staff: bool) -> JsonResponse:
    status = status_of(checks)
    if status != "ok":
        failing = [name for name in ("database", "redis", "broker", "worker", "queues") if not checks[name]["ok"]]
        logger.warning("health %s: %s", status, ", ".join(failing + ([] if checks["charts"] else ["charts"])))
    body = {"status": status}
    if _operator_token_given(request) or (may_check_staff and _is_staff(request)):
        body.update(checks)
    response = JsonResponse(body, status=503 if status == "down" else 200)
    add_never_cache_headers(response)
    return response


@never_cache
def health(request):
    checks = getattr(request, "_health_checks", None) or run_checks()
    return _response(request, checks, may_check_staff=True)


class HealthMiddleware:
    """For /health/ on the public domain: run the checks before the tenant middleware, which needs the database
    (and sessions Redis). When either is down, answer here (details for the operator token only: nobody can be
    recognised as staff); otherwise hand the results to the view through the usual middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != PATH or not self._public_host(request):
            return self.get_response(request)
        checks = run_checks()
        if not (checks["database"]["ok"] and checks["redis"]["ok"]):
            return _response(request, checks, may_check_staff=False)
        request._health_checks = checks
        return self.get_response(request)

    @staticmethod
    def _public_host(request) -> bool:
        try:
            host = request.get_host()
        except Exception:  # a host we do not serve: the usual middleware answers it
            return False
        return host.rsplit(":", 1)[0].lower() == settings.BASE_DOMAIN.lower()
