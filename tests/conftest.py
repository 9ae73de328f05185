"""Shared fixtures: one test database with the public tenant and the template schema, companies made by the
real signup service, committed data for the live server and the real Celery worker, and headless Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After pytest-django migrated the public schema: the public tenant and the template companies clone."""
    from django.test.utils import setup_databases, teardown_databases

    from tenants.platform import public_tenant_ensure, template_schema_ensure

    own_setup = None
    with django_db_blocker.unblock():
        # pytest-django creates the test database only when a collected test is marked for the database; a run of
        # committed-data tests alone (browser, worker) would otherwise write into the development database.
        if not connection.settings_dict["NAME"].startswith("test_"):
            own_setup = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        public_tenant_ensure()
        template_schema_ensure()
    yield
    # Workers killed on purpose may leave a session behind; end them so the test database can be dropped.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    if own_setup is not None:
        with django_db_blocker.unblock():
            connection.close()
            teardown_databases(own_setup, verbosity=0)


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """After each test's transaction is rolled back, drop the connection. Tests create company schemas and roll
    them back on one long-lived connection, and that server process's catalog caches grow with every schema it
    has seen, so each rollback is slower than the last: a single-process run slowed about 50-fold by its 250th
    test. A fresh connection per test keeps every test as fast as the first."""
    yield
    from django.db import connections

    for alias_connection in connections.all(initialized_only=True):
        if not alias_connection.in_atomic_block:
            alias_connection.close()


@pytest.fixture(autouse=True)
def _back_to_public():
    """Requests switch the connection to a company's schema; every test starts and ends in public."""
    yield
    if connection.connection is not None or connection.schema_name != "public":
        connection.set_schema_to_public()


PASSWORD = "Correct-Horse-77"


@pytest.fixture
def make_company(db):
    """Create a company (schema, domain, owner) through the real signup service."""
    from tenants import services

    counter = iter(range(1, 10_000))

    def make(subdomain: str | None = None, *, owner_email: str | None = None, **extra):
        n = next(counter)
        subdomain = subdomain or f"co{n}-{os.getpid()}"
        company, owner = services.company_create(
            name=extra.pop("name", f"Company {subdomain}"),
            subdomain=subdomain,
            owner_email=owner_email or f"owner@{subdomain}.example.com",
            owner_password=PASSWORD,
            owner_name="Owner Person",
            **extra,
        )
        return company, owner

    return make


@pytest.fixture
def add_member(db):
    from tenants.models import Membership, User

    def add(company, role: str, email: str | None = None):
        user = User.objects.create_user(email=email or f"{role}@{company.subdomain}.example.com", password=PASSWORD)
        Membership.objects.create(user=user, company=company, role=role)
        return user

    return add


@pytest.fixture
def company_client():
    """A Django test client speaking to a company's host, logged in as `user`."""
    from django.test import Client

    from tenants.urls_util import company_host

    def make(company, user=None):
        client = Client(HTTP_HOST=company_host(company.subdomain))
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def public_client():
    from django.conf import settings
    from django.test import Client

    return Client(HTTP_HOST=settings.BASE_DOMAIN)


# ---------------------------------------------------------------- committed data (live server, real worker)


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access outside a test transaction: what the test creates is committed, and removed afterwards."""
    from django.contrib.sessions.models import Session

    from tenants.models import Company, User

    with django_db_blocker.unblock():
        companies_before = set(Company.objects.values_list("pk", flat=True))
        users_before = set(User.objects.values_list("pk", flat=True))
        yield
        connection.set_schema_to_public()
        for company in Company.objects.exclude(pk__in=companies_before):
            company.delete(force_drop=True)
        User.objects.exclude(pk__in=users_before).delete()
        Session.objects.all().delete()


@pytest.fixture
def make_company_committed(committed_db):
    from tenants import services

    def make(subdomain: str):
        return services.company_create(
            name=f"Company {subdomain}", subdomain=subdomain, owner_email=f"owner@{subdomain}.example.com",
            owner_password=PASSWORD,
        )  # fmt: skip

    return make


@pytest.fixture
def live_site(committed_db, settings):
    """The real WSGI app on a free loopback port, serving localhost and every *.localhost company host."""
    import threading

    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(StaticFilesHandler(WSGIHandler()))
    server.daemon_threads = True
    port = server.server_address[1]
    settings.SITE_PORT = port
    settings.DEBUG = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{settings.BASE_DOMAIN}:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.fail(f"Browser tests need Debian's chromium at {chromium}: apt-get install chromium (.ci/run does).")
    # Playwright's sync API keeps an event loop in this thread; our database calls here are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / f"last-page-{os.getpid()}.png"))
    context.close()


# ---------------------------------------------------------------- a real Celery worker


@pytest.fixture
def hanging_browser(tmp_path):
    """A 'Chromium' that starts and never answers, as a broken or half-installed browser does."""
    path = tmp_path / "chromium"
    path.write_text("#!/bin/sh\nexec sleep 600\n")
    path.chmod(0o755)
    return str(path)


def start_worker(
    log_name: str,
    queues: str = "default,etl,etl_bulk,reports,alerts",
    *,
    env: dict[str, str] | None = None,
    concurrency: int = 2,
    wait: bool = True,
    supervised: bool = False,
) -> subprocess.Popen:
    """A real `celery worker` process on the test Redis database and the test PostgreSQL database; `env` adds to
    its environment (a settings value, a browser path)."""
    from django.conf import settings

    from elettro.celery import app

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "elettro.settings.test",
        "ELETTRO_DB_NAME": settings.DATABASES["default"]["NAME"],
        **(env or {}),
    }
    log_name = f"{log_name}-{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}"  # parallel runs keep their own logs
    log = open(REPO / ".data" / f"{log_name}.log", "w")  # noqa: SIM115 - the process keeps it until it exits
    process = subprocess.Popen(
        [*([sys.executable, "-m", "elettro.keep_running"] if supervised else []),  # as the Procfile runs it
         sys.executable, "-m", "celery", "-A", "elettro", "worker", "--queues", queues,
         "--concurrency", str(concurrency), "--loglevel", "INFO", "--without-gossip", "--without-mingle",
         "--hostname", f"{log_name}@%h"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while wait and not any(f"{log_name}@" in name for reply in app.control.ping(timeout=0.5) for name in reply):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the test worker did not start: see {log.name}")
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    from elettro.celery import app

    app.control.purge()
    process = start_worker("test-worker")
    yield process
    stop_worker(process)


@pytest.fixture
def api_client():
    """A test client on a company's host sending a new API key of `role` (and the key itself, as `client.key`)."""
    from django.test import Client

    from tenants.api_keys import api_key_create
    from tenants.urls_util import company_host

    def make(company, role: str = "viewer", *, host_of=None):
        _, raw = api_key_create(company=company, name=f"test {role}", role=role)
        client = Client(HTTP_HOST=company_host((host_of or company).subdomain), HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.key = raw
        return client

    return make


@pytest.fixture
def connections(monkeypatch):
    """Every connection urllib3 opens, as (host, port) it was asked for; the connection itself still happens."""
    import urllib3.util.connection

    attempts: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def spy(address, *args, **kwargs):
        attempts.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", spy)
    return attempts
