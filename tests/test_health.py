"""/health/ tells the truth: the status to everyone, the details to staff and the operator token, 503 JSON when
PostgreSQL or Redis is really unreachable, and never a wait longer than its timeouts."""

from __future__ import annotations

import socket
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from elettro import health

pytestmark = pytest.mark.django_db

TOKEN = "operator-token-for-tests-5f1c0e"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def _operator_token(settings):
    settings.OPERATOR_TOKEN = TOKEN


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again on leaving: nothing listens there


def _database_at(settings, host: str, port: int) -> None:
    """The health probe connects with the default database's settings; only its own connection sees these."""
    settings.DATABASES = {
        **settings.DATABASES,
        "default": {**settings.DATABASES["default"], "HOST": host, "PORT": port},
    }


@pytest.mark.worker
def test_health_is_200_when_database_redis_and_worker_are_up(public_client, celery_worker_process):
    response = public_client.get("/health/", **AUTH)

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == ("ok" if health.chromium_path() else "degraded")
    assert body["database"]["ok"] and body["redis"]["ok"] and body["broker"]["ok"] and body["worker"]["ok"]
    assert any(name.startswith("test-worker") for name in body["worker"]["workers"])  # test-worker-gw0@host
    assert body["queues"]["ok"]
    assert {"default", "etl", "reports", "alerts"} <= set(body["queues"])
    assert all(isinstance(body["queues"][q]["waiting"], int) for q in ("default", "etl", "reports", "alerts"))
    assert body["charts"] is (health.chromium_path() is not None)


@pytest.mark.worker
def test_no_chromium_where_kaleido_looks_is_degraded(public_client, celery_worker_process, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")  # kaleido's own override: it would fail too
    monkeypatch.setattr(health, "_charts_cache", None)

    response = public_client.get("/health/", **AUTH)

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "degraded"
    assert body["charts"] is False and body["chromium"] is None
    assert body["worker"]["ok"]


def test_the_public_sees_the_status_only(public_client):
    for extra in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong-token"}, {"HTTP_AUTHORIZATION": TOKEN}):
        response = public_client.get("/health/", **extra)
        assert list(response.json()) == ["status"], extra
        assert response.json()["status"] in ("ok", "degraded", "down")
        assert response.status_code == (503 if response.json()["status"] == "down" else 200)
        assert "no-cache" in response["Cache-Control"]


def test_no_operator_token_configured_means_no_token_works(public_client, settings):
    settings.OPERATOR_TOKEN = ""
    assert list(public_client.get("/health/", HTTP_AUTHORIZATION="Bearer ").json()) == ["status"]


def test_staff_see_the_details_and_other_users_do_not(public_client):
    from tenants.models import User

    staff = User.objects.create_user(email="ops@example.com", password="Correct-Horse-77", is_staff=True)
    someone = User.objects.create_user(email="someone@example.com", password="Correct-Horse-77")

    public_client.force_login(someone)
    assert list(public_client.get("/health/").json()) == ["status"]
    public_client.force_login(staff)
    body = public_client.get("/health/").json()
    assert {"database", "redis", "broker", "worker", "queues", "charts"} <= set(body)
    assert body["database"]["ok"]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_an_unreachable_database_is_503_json_without_touching_the_database(public_client, settings):
    _database_at(settings, "127.0.0.1", _closed_port())

    with CaptureQueriesContext(connection) as queries:
        public = public_client.get("/health/")
        detailed = public_client.get("/health/", **AUTH)

    assert public.status_code == 503 and public["Content-Type"] == "application/json"
    assert public.json() == {"status": "down"}
    body = detailed.json()
    assert detailed.status_code == 503 and body["status"] == "down"
    assert body["database"]["ok"] is False and "OperationalError" in body["database"]["error"]
    assert body["redis"]["ok"]
    # Answered before the tenant middleware: not one query on the app's own connection.
    assert len(queries) == 0


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_a_database_that_accepts_but_never_answers_times_out(public_client, settings):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever speaks PostgreSQL
        _database_at(settings, "127.0.0.1", silent.getsockname()[1])

        started = time.monotonic()
        response = public_client.get("/health/", **AUTH)
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False
    assert elapsed < health.DEADLINE_SECONDS + 1


def test_health_is_503_naming_what_is_down(public_client, settings):
    from django.core.cache import caches

    # A Redis nobody listens on: the cache is unreachable.
    settings.CACHES = {**settings.CACHES, "shared": {**settings.CACHES["shared"], "LOCATION": "redis://127.0.0.1:9/0"}}
    caches._settings = None
    try:
        if hasattr(caches._connections, "shared"):
            del caches._connections.shared
        public = public_client.get("/health/")
        response = public_client.get("/health/", **AUTH)
    finally:
        if hasattr(caches._connections, "shared"):
            del caches._connections.shared

    assert public.status_code == 503 and public.json() == {"status": "down"}
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "down" and body["database"]["ok"]
    assert not body["redis"]["ok"] and "Error" in body["redis"]["error"]


def test_queues_report_waiting_tasks_and_the_age_of_the_oldest(settings):
    import os

    import redis

    from elettro.celery import app

    queue = f"health-test-{os.getpid()}"  # a queue no worker consumes
    settings.CELERY_WORKER_QUEUES = f"default,{queue}"
    client = redis.Redis.from_url(app.conf.broker_url)
    try:
        app.send_task("health.never_runs", queue=queue)
        time.sleep(1.1)
        app.send_task("health.never_runs", queue=queue)

        found = health._queues()[queue]
    finally:
        client.delete(queue)
        client.close()

    assert found["waiting"] == 2
    assert 1.0 <= found["oldest_wait_seconds"] < 30  # the first one's, stamped when it was sent


def test_the_status_follows_the_checks():
    ok = {"ok": True}
    checks = {"database": ok, "redis": ok, "broker": ok, "worker": ok, "charts": True,
              "queues": {"ok": True, "etl": {"waiting": 3, "oldest_wait_seconds": 12.0}}}  # fmt: skip
    assert health.status_of(checks) == "ok"
    assert health.status_of({**checks, "charts": False}) == "degraded"
    stale = {"ok": True, "etl": {"waiting": 3, "oldest_wait_seconds": health.QUEUE_WAIT_DEGRADED_SECONDS + 1}}
    assert health.status_of({**checks, "queues": stale}) == "degraded"
    assert health.status_of({**checks, "worker": {"ok": False}}) == "down"


def test_health_is_only_on_the_public_domain(make_company, company_client):
    company, owner = make_company("alpha")

    assert company_client(company, owner).get("/health/").status_code == 404
