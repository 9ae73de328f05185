"""/health/: is the database, Redis and at least one worker up? 200 when all are, 503 when one is not."""

from __future__ import annotations

import time

from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check(probe) -> dict:
    started = time.perf_counter()
    try:
        detail = probe()
    except Exception as error:  # any failure means "down"; the message tells the operator why
        return {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    result = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result.update(detail)
    return result


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _redis():
    client = caches["shared"]._cache.get_client(write=True)
    if not client.ping():
        raise ConnectionError("no PONG")


def _worker():
    from elettro.celery import app

    replies = app.control.ping(timeout=1.0, limit=1)
    if not replies:
        raise TimeoutError("no Celery worker answered within 1 s")
    return {"workers": sorted(name for reply in replies for name in reply)}


@never_cache
def health(request):
    checks = {"database": _check(_database), "redis": _check(_redis)}
    # Without Redis a worker ping would wait on the broker; the worker is unreachable anyway.
    checks["worker"] = _check(_worker) if checks["redis"]["ok"] else {"ok": False, "error": "Redis is down"}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503)
