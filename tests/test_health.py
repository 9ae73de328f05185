"""/health/ tells an operator whether the database, Redis and a worker are up."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.worker
def test_health_is_200_when_database_redis_and_worker_are_up(public_client, celery_worker_process):
    response = public_client.get("/health/")

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["redis"]["ok"] and body["worker"]["ok"]
    assert body["worker"]["workers"]


def test_health_is_503_naming_what_is_down(public_client, settings):
    from django.core.cache import caches

    # A Redis nobody listens on: the cache, and so the worker, are unreachable.
    settings.CACHES = {**settings.CACHES, "shared": {**settings.CACHES["shared"], "LOCATION": "redis://127.0.0.1:9/0"}}
    caches._settings = None
    try:
        if hasattr(caches._connections, "shared"):
            del caches._connections.shared
        response = public_client.get("/health/")
    finally:
        if hasattr(caches._connections, "shared"):
            del caches._connections.shared

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "down" and body["database"]["ok"]
    assert not body["redis"]["ok"] and "Error" in body["redis"]["error"]
    assert not body["worker"]["ok"]


def test_health_is_only_on_the_public_domain(make_company, company_client):
    company, owner = make_company("alpha")

    assert company_client(company, owner).get("/health/").status_code == 404
