"""A dashboard says when its figures were last updated (in the company's time zone), its Refresh button re-reads
them (and, for those who may upload, queues a rebuild of rollups that fell behind), and the small version status an
open page polls moves when an upload changes the figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics import tasks
from analytics.freshness import rollups_behind
from analytics.models import RollupState
from elettro.kernel.money import format_money_compact
from ingestion.models import SalesLine
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Invoice Date", "Customer", "State", "Product", "Product Line", "Qty", "Rate",
          "Taxable Value", "GST %"]  # fmt: skip
FIRST = [
    ("R-1", "10/04/2024", "Kaveri Cables", "Maharashtra", "Copper wire", "Cables", "400000"),
    ("R-2", "05/05/2024", "Pune Electricals", "Maharashtra", "MCB 16A", "Switchgear", "250000"),
]
SECOND = [("R-3", "15/07/2024", "Chennai Power", "Tamil Nadu", "Copper wire", "Cables", "125000.50")]
PERIOD = {"from": "2024-04-01", "to": "2025-03-31"}


def _file(sales) -> bytes:
    return csv_bytes([HEADER] + [[*sale[:6], "1", sale[6], sale[6], "18"] for sale in sales])


def _revenue(*files) -> Decimal:
    return sum((Decimal(sale[6]) for sales in files for sale in sales), Decimal(0))


def _card(html: str, key: str) -> str:
    block = html[html.index(f'data-kpi="{key}"') :]
    return unescape(re.search(r"<strong data-value[^>]*>([^<]*)</strong>", block).group(1)).strip()


def _updated(html: str) -> str:
    return unescape(re.search(r"<span[^>]*data-updated[^>]*>([^<]*)</span>", html).group(1)).strip()


@pytest.fixture
def company(make_company):
    company, owner = make_company("refresh")
    with tenant_context(company):
        job = load(_file(FIRST), "first.csv")
        assert job.status == "succeeded" and job.rows_loaded == len(FIRST), job.error
    connection.set_schema_to_public()
    cache.clear()  # the Refresh rate limit is kept in the cache
    return company, owner


@pytest.fixture
def queued(monkeypatch):
    """The rebuilds the Refresh button queued (the task is not sent to a broker here)."""
    calls = []
    monkeypatch.setattr(tasks.rollups_refresh, "delay", lambda *args, **kwargs: calls.append(connection.schema_name))
    return calls


def test_the_version_moves_after_an_upload_and_the_page_then_shows_the_new_figures(company, company_client):
    company, owner = company
    client = company_client(company, owner)
    before = client.get("/dashboard/version/").json()
    page = client.get("/", PERIOD).content.decode()
    assert _card(page, "revenue") == format_money_compact(_revenue(FIRST))
    assert client.get("/dashboard/version/").json() == before  # nothing changed: an open page keeps still

    with tenant_context(company):
        job = load(_file(SECOND), "second.csv")
        assert job.status == "succeeded", job.error
    connection.set_schema_to_public()

    after = client.get("/dashboard/version/").json()
    assert after["stamp"] != before["stamp"] and after["version"] > before["version"]
    assert datetime.fromisoformat(after["refreshed_at"]) >= datetime.fromisoformat(before["refreshed_at"])
    assert after["refreshing"] is False and after["label"].startswith("Updated ")
    page = client.get("/", PERIOD).content.decode()
    assert _card(page, "revenue") == format_money_compact(_revenue(FIRST, SECOND))


def test_last_updated_is_shown_near_the_top_in_the_company_time_zone(company, company_client):
    company, owner = company
    company.timezone = "America/New_York"
    company.save(update_fields=["timezone"])
    moment = datetime(2024, 12, 4, 9, 2, tzinfo=UTC)  # 04:02 in New York, 14:32 in Kolkata
    with tenant_context(company):
        RollupState.objects.update(refreshed_at=moment)
    connection.set_schema_to_public()
    local = moment.astimezone(ZoneInfo("America/New_York"))
    expected = f"Updated {local.day} {local:%b %Y, %H:%M}"

    for url in ("/", "/trends/", "/products/"):
        html = company_client(company, owner).get(url, PERIOD).content.decode()
        assert _updated(html) == expected == "Updated 4 Dec 2024, 04:02"
        # Near the top: in the page's heading block, before the filter bar and the panels.
        assert html.index("data-updated") < html.index('id="filter-bar"') < html.index('<div class="panels">')
        assert "14:32" not in html
    status = company_client(company, owner).get("/dashboard/version/").json()
    assert status["label"] == expected and status["refreshed_at"] == local.isoformat()


def test_refresh_goes_back_to_the_same_page_with_its_filters(company, add_member, company_client):
    company, _ = company
    viewer = add_member(company, "viewer")
    client = company_client(company, viewer)
    trends = "/trends/?" + urlencode({**PERIOD, "product_line": "Cables", "grain": "month"})
    assert client.post("/dashboard/refresh/", {"next": trends})["Location"] == trends
    back = "/?" + urlencode({**PERIOD, "product_line": "Cables"})

    response = client.post("/dashboard/refresh/", {"next": back})

    assert response.status_code == 302 and response["Location"] == back
    page = client.get(back)
    html = page.content.decode()
    assert "Figures re-read." in html  # the message, once
    assert _card(html, "revenue") == format_money_compact(_revenue([s for s in FIRST if s[5] == "Cables"]))
    for elsewhere in ("https://evil.example.com/", "//evil.example.com/trends/", ""):
        assert client.post("/dashboard/refresh/", {"next": elsewhere})["Location"] == "/"


def test_refresh_needs_a_member_and_a_post(company, make_company, company_client):
    company, owner = company
    _other, stranger = make_company("refresh-other")
    assert company_client(company).post("/dashboard/refresh/", {"next": "/"}).status_code in (302, 403)
    assert company_client(company, stranger).post("/dashboard/refresh/", {"next": "/"}).status_code in (302, 403)
    assert company_client(company, stranger).get("/dashboard/version/").status_code in (302, 403)
    assert company_client(company, owner).get("/dashboard/refresh/").status_code == 405


def test_a_viewer_re_reads_but_only_an_uploader_queues_a_rebuild_of_stale_rollups_once(
    company, add_member, company_client, queued, django_capture_on_commit_callbacks
):
    company, _ = company
    viewer, analyst = add_member(company, "viewer"), add_member(company, "analyst")
    with tenant_context(company):
        assert rollups_behind() == ""
        # A line moved to another month behind the rollups' back (no upload followed it): they are behind.
        line = SalesLine.objects.get(invoice_number="R-2")
        SalesLine.objects.filter(pk=line.pk).update(invoice_date=line.invoice_date + timedelta(days=40))
        assert rollups_behind().startswith("sales in 2 months changed")
        version = RollupState.objects.get().version
    connection.set_schema_to_public()

    with django_capture_on_commit_callbacks(execute=True):
        assert company_client(company, viewer).post("/dashboard/refresh/", {"next": "/"}).status_code == 302
    assert queued == []  # re-reading is all a viewer may do

    with django_capture_on_commit_callbacks(execute=True):  # queued once the request's transaction commits
        answer = (
            company_client(company, analyst)
            .post("/dashboard/refresh/", {"next": "/"}, HTTP_ACCEPT="application/json")
            .json()
        )
    assert queued == [company.schema_name]
    assert answer["refreshing"] is True and answer["label"] == "Refreshing…"
    assert answer["message"].startswith("Refreshing the figures (sales in 2 months changed")
    html = company_client(company, analyst).get("/").content.decode()
    assert _updated(html) == "Refreshing…"
    # Asked again at once: not queued twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = company_client(company, analyst).post(
            "/dashboard/refresh/", {"next": "/"}, HTTP_ACCEPT="application/json"
        )
    assert queued == [company.schema_name] and "being refreshed" in again.json()["message"]

    with tenant_context(company):
        assert tasks.rollups_refresh() == 2  # what the worker runs
        assert rollups_behind() == "" and RollupState.objects.get().version > version
    connection.set_schema_to_public()
    status = company_client(company, analyst).get("/dashboard/version/").json()
    assert status["refreshing"] is False and status["label"].startswith("Updated ")
    # Still within the rate limit: a second rebuild is not queued even though a new change makes them stale.
    with tenant_context(company):
        SalesLine.objects.filter(invoice_number="R-1").update(invoice_date=datetime(2024, 6, 1).date())
    connection.set_schema_to_public()
    with django_capture_on_commit_callbacks(execute=True):
        later = company_client(company, analyst).post(
            "/dashboard/refresh/", {"next": "/"}, HTTP_ACCEPT="application/json"
        )
    assert queued == [company.schema_name] and "asked for a few minutes ago" in later.json()["message"]


def test_an_overdue_nightly_counts_as_behind(company):
    company, _ = company
    with tenant_context(company):
        RollupState.objects.update(refreshed_at=timezone.now() - timedelta(days=3))
        assert rollups_behind() == "the nightly refresh has not run"
