"""Old report files are deleted after the company's retention period (90 days unless it sets another); the runs
stay in the history, the pages say the file went and after how long, and a download of it says so too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from elettro.celery import app
from reports import tasks
from reports.models import ReportRun, ReportSettings

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 a report\n"


def _run(age_days: float, *, status: str = ReportRun.Status.DONE, label: str = "") -> ReportRun:
    """A report run finished `age_days` ago, with its file in the company's storage."""
    run = ReportRun.objects.create(kind="sales-review", format="pdf", status=status, period_label=label)
    run.file.save(f"run-{run.pk}.pdf", ContentFile(PDF), save=False)
    finished = timezone.now() - timedelta(days=age_days)
    run.finished_at = finished
    run.size_bytes = len(PDF)
    run.save()
    ReportRun.objects.filter(pk=run.pk).update(created_at=finished - timedelta(minutes=1))
    return run


def _stored(run: ReportRun, name: str) -> bool:
    return run.file.storage.exists(name)


@pytest.fixture
def company(make_company):
    company, owner = make_company("keeper")
    return company, owner


def test_files_older_than_90_days_are_deleted_recent_ones_kept_and_every_run_stays(company, company_client):
    company, owner = company
    with tenant_context(company):
        old, edge, recent = _run(120, label="old"), _run(91, label="edge"), _run(89, label="recent")
        names = {run.pk: run.file.name for run in (old, edge, recent)}
        assert all(_stored(run, names[run.pk]) for run in (old, edge, recent))

        assert tasks.report_files_purge() == 2  # what the nightly beat runs in each company

        assert ReportRun.objects.count() == 3  # the history stays
        for run in (old, edge):
            run.refresh_from_db()
            assert not run.file and run.file_deleted_at is not None and run.file_kept_days == 90
            assert not _stored(run, names[run.pk])
        recent.refresh_from_db()
        assert recent.file.name == names[recent.pk] and _stored(recent, names[recent.pk])
        assert recent.file_deleted_at is None
        assert tasks.report_files_purge() == 0  # nothing left to do the next night

    client = company_client(company, owner)
    listing = client.get(reverse("reports")).content.decode()
    assert listing.count("File deleted after 90 days") == 2
    assert "Files are deleted after 90 days" in listing
    assert listing.count(reverse("report_download", args=[recent.pk])) == 1
    run_page = client.get(reverse("report_run", args=[old.pk])).content.decode()
    assert "The file was deleted after 90 days" in run_page and 'id="download"' not in run_page

    kept = client.get(reverse("report_download", args=[recent.pk]))
    assert kept.status_code == 200 and b"".join(kept.streaming_content) == PDF


def test_downloading_a_deleted_file_says_why_on_the_page_and_in_the_api(company, company_client, api_client):
    company, owner = company
    with tenant_context(company):
        old = _run(100)
        tasks.report_files_purge()

    page = company_client(company, owner).get(reverse("report_download", args=[old.pk]))
    assert page.status_code == 410
    html = page.content.decode()
    assert "The file was deleted after 90 days" in html and "Generate the report again" in html

    api = api_client(company, "analyst").get(f"/api/v1/report-runs/{old.pk}/download/")
    assert api.status_code == 410
    assert "deleted after 90 days" in api.json()["error"]["message"]
    assert api.json()["error"]["code"] == "file_deleted"


def test_the_company_setting_decides_and_each_company_keeps_its_own(make_company, company_client):
    short, short_owner = make_company("short-keeper")
    usual, _ = make_company("usual-keeper")
    client = company_client(short, short_owner)
    assert client.get(reverse("report_retention")).status_code == 200
    response = client.post(reverse("report_retention"), {"file_retention_days": "10"})
    assert response.status_code == 302
    assert "Report files are kept 10 days." in client.get(response["Location"]).content.decode()

    with tenant_context(short):
        assert ReportSettings.objects.get().file_retention_days == 10
        short_old, short_new = _run(15), _run(5)
        assert tasks.report_files_purge() == 1
        short_old.refresh_from_db(), short_new.refresh_from_db()
        assert not short_old.file and short_old.file_kept_days == 10 and short_new.file
    with tenant_context(usual):
        assert not ReportSettings.objects.exists()  # untouched: the default applies
        usual_old = _run(15)
        assert tasks.report_files_purge() == 0
        usual_old.refresh_from_db()
        assert usual_old.file and usual_old.file_deleted_at is None
    listing = client.get(reverse("reports")).content.decode()
    assert "File deleted after 10 days" in listing and "Files are deleted after 10 days" in listing


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Keep report files for at least 1 day."),
        ("-5", "Keep report files for at least 1 day."),
        ("3651", "Keep report files for at most 3650 days (ten years)."),
        ("ninety", "Give a whole number of days, such as 90."),
        ("", "Say how many days to keep report files, such as 90."),
    ],
)
def test_a_bad_retention_is_refused_with_a_message(company, company_client, value, message):
    company, owner = company
    response = company_client(company, owner).post(reverse("report_retention"), {"file_retention_days": value})
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(company):
        assert ReportSettings.objects.values_list("file_retention_days", flat=True).first() in (None, 90)


def test_only_those_who_change_company_settings_set_the_retention(company, add_member, company_client):
    company, _ = company
    for role in ("manager", "analyst", "viewer"):
        member = add_member(company, role)
        client = company_client(company, member)
        assert client.get(reverse("report_retention")).status_code == 403
        assert client.post(reverse("report_retention"), {"file_retention_days": "1"}).status_code == 403
    admin = add_member(company, "admin")
    assert company_client(company, admin).post(reverse("report_retention"), {"file_retention_days": "30"})[
        "Location"
    ] == reverse("report_retention")
    with tenant_context(company):
        assert ReportSettings.objects.get().file_retention_days == 30


def test_a_file_already_gone_from_storage_and_unfinished_runs_are_handled(company):
    company, _ = company
    with tenant_context(company):
        vanished = _run(200)
        vanished.file.storage.delete(vanished.file.name)  # removed by hand: the run still gets marked
        running = _run(200, status=ReportRun.Status.RUNNING)
        assert tasks.report_files_purge() == 1
        vanished.refresh_from_db(), running.refresh_from_db()
        assert vanished.file_deleted_at is not None and not vanished.file
        assert running.file and running.file_deleted_at is None


def test_beat_runs_the_purge_every_day_in_every_company():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry.get("kwargs", {}).get("task_name") == "reports.report_files_purge"
    ]
    assert len(entries) == 1 and entries[0]["task"] == "tenants.dispatch_to_companies"
    schedule = entries[0]["schedule"]
    assert schedule.hour == {3} and len(schedule.day_of_week) == 7  # once a day
    assert "reports.report_files_purge" in app.tasks
