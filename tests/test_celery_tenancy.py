"""A real Celery worker runs each task inside the schema it was sent from, and company tasks refuse public."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from analytics.models import UsageSnapshot
from analytics.tasks import nightly_refresh
from tenants import services
from tenants.tasks import dispatch_to_companies

pytestmark = pytest.mark.worker


def _company(subdomain):
    company, _ = services.company_create(
        name=subdomain.title(), subdomain=subdomain, owner_email=f"o@{subdomain}.example.com",
        owner_password="Correct-Horse-77",
    )  # fmt: skip
    return company


def _snapshots(company) -> int:
    with tenant_context(company):
        return UsageSnapshot.objects.count()


def test_a_task_sent_inside_company_a_writes_into_a_only(committed_db, celery_worker_process):
    a, b = _company("worker-a"), _company("worker-b")

    with tenant_context(a):
        snapshot_id = nightly_refresh.delay().get(timeout=30)

    assert _snapshots(a) == 1 and _snapshots(b) == 0
    with tenant_context(a):
        assert UsageSnapshot.objects.get().pk == snapshot_id and UsageSnapshot.objects.get().table_count >= 2


def test_a_company_task_sent_from_public_fails_loudly(committed_db, celery_worker_process):
    result = nightly_refresh.delay()

    with pytest.raises(RuntimeError, match="ran in the public schema"):
        result.get(timeout=30)


def test_the_dispatcher_enqueues_one_task_per_company(committed_db, celery_worker_process):
    a, b = _company("worker-a"), _company("worker-b")
    suspended = _company("worker-c")
    services.company_set_status(company=suspended, status="suspended")

    dispatched = dispatch_to_companies.delay("analytics.nightly_refresh", stagger_seconds=0).get(timeout=30)

    assert dispatched == 2
    import time

    deadline = time.monotonic() + 30
    while (_snapshots(a), _snapshots(b)) != (1, 1) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (_snapshots(a), _snapshots(b), _snapshots(suspended)) == (1, 1, 0)
