"""Schedules: when they run in the company's time zone, which period they cover, the form's field errors,
the dispatcher, and deliveries by email (locmem), Slack and WhatsApp (local fakes speaking their protocols)."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time

import pytest
from django.core import mail
from django.urls import reverse
from django_tenants.utils import tenant_context

from reports import scheduling, services, tasks
from reports.models import ChannelSettings, Delivery, ReportRun, Schedule
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.whatsapp import ACCESS_TOKEN, FakeWhatsApp

pytestmark = pytest.mark.django_db
IST = zoneinfo.ZoneInfo("Asia/Kolkata")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=IST)


@pytest.mark.parametrize(
    ("fields", "after", "expected"),
    [
        ({"frequency": "daily"}, at(2025, 3, 10, 8, 0), at(2025, 3, 10, 9, 0)),
        ({"frequency": "daily"}, at(2025, 3, 10, 9, 0), at(2025, 3, 11, 9, 0)),
        ({"frequency": "weekly", "weekday": 0}, at(2025, 3, 10, 9, 30), at(2025, 3, 17, 9, 0)),  # a Monday
        ({"frequency": "weekly", "weekday": 4}, at(2025, 3, 10, 9, 30), at(2025, 3, 14, 9, 0)),
        ({"frequency": "monthly", "day_of_month": 1}, at(2025, 3, 1, 9, 0), at(2025, 4, 1, 9, 0)),
        ({"frequency": "monthly", "day_of_month": 31}, at(2025, 2, 1, 0, 0), at(2025, 2, 28, 9, 0)),
        ({"frequency": "monthly", "day_of_month": 31}, at(2024, 2, 29, 9, 1), at(2024, 3, 31, 9, 0)),
        ({"frequency": "monthly", "day_of_month": 30}, at(2025, 12, 30, 10, 0), at(2026, 1, 30, 9, 0)),
    ],
)
def test_the_next_run_is_at_the_company_s_wall_clock_time(fields, after, expected):
    schedule = Schedule(time_of_day=time(9, 0), **fields)
    assert scheduling.next_run_after(schedule, after, IST) == expected
    # 09:00 in Kolkata is 03:30 UTC, whatever zone the server runs in.
    assert scheduling.next_run_after(schedule, after.astimezone(zoneinfo.ZoneInfo("UTC")), IST) == expected


def test_the_period_a_schedule_covers():
    daily = Schedule(frequency="daily", time_of_day=time(9), period="previous", filters={"branch": "Pune"})
    weekly = Schedule(frequency="weekly", weekday=0, time_of_day=time(9), period="previous")
    monthly = Schedule(frequency="monthly", day_of_month=1, time_of_day=time(9), period="previous")
    fiscal = Schedule(frequency="monthly", day_of_month=1, time_of_day=time(9), period="this_fy")
    assert scheduling.period_query(daily, date(2025, 3, 1)) == {
        "branch": "Pune",
        "from": "2025-02-28",
        "to": "2025-02-28",
    }
    assert scheduling.period_query(weekly, date(2025, 3, 10)) == {"from": "2025-03-03", "to": "2025-03-09"}
    assert scheduling.period_query(monthly, date(2025, 3, 1)) == {"from": "2025-02-01", "to": "2025-02-28"}
    assert scheduling.period_query(fiscal, date(2025, 3, 1)) == {"preset": "this_fy"}


VALID = {
    "name": "Board pack",
    "kind": "sales-review",
    "format": "pdf",
    "frequency": "monthly",
    "time_of_day": "09:00",
    "day_of_month": "1",
    "period": "previous",
    "email_to": "asha@example.com",
    "is_active": "on",
}


def test_bad_recipients_get_field_errors_and_nothing_is_saved(sales_company, company_client):
    company, owner, _ = sales_company
    client = company_client(company, owner)
    bad = {
        **VALID,
        "email_to": "asha@example, ravi@example.com",
        "whatsapp_to": "98765 43210",
        "slack_webhook_url": "https://evil.example.com/services/T1/B1/X",
        "slack_channel": "#sales",
    }
    response = client.post(reverse("report_schedule_new"), bad)
    html = response.content.decode()
    assert response.status_code == 400
    assert "“asha@example” is not a valid email address." in html
    assert "Add the country code" in html
    assert "This is not a Slack webhook URL" in html
    assert "needs the company&#x27;s Slack bot token" in html
    response = client.post(reverse("report_schedule_new"), {**VALID, "email_to": "", "frequency": "weekly"})
    assert response.status_code == 400
    assert "Choose the day of the week." in response.content.decode()
    with tenant_context(company):
        assert not Schedule.objects.exists()


def test_a_manager_saves_a_schedule_and_it_knows_when_it_runs(sales_company, add_member, company_client):
    company, _, _ = sales_company
    manager = add_member(company, "manager")
    analyst = add_member(company, "analyst")
    assert company_client(company, analyst).get(reverse("report_schedules")).status_code == 403
    client = company_client(company, manager)
    data = {**VALID, "whatsapp_to": "+91 98765 43210\n+91 91234 56789", "filter_branch": " Pune "}
    response = client.post(reverse("report_schedule_new"), data)
    assert response.status_code == 302
    with tenant_context(company):
        schedule = Schedule.objects.get()
    assert schedule.whatsapp_to == "+919876543210, +919123456789"
    assert schedule.filters == {"branch": "Pune"}
    assert schedule.next_run_at.astimezone(IST).timetz().replace(tzinfo=None) == time(9, 0)
    assert schedule.next_run_at.astimezone(IST).day == 1
    page = client.get(reverse("report_schedules")).content.decode()
    # WhatsApp is not set up for this company (nor Elettro's number here): the page says so.
    assert "WhatsApp: no WhatsApp Business number is set up" in page


def _schedule(**fields) -> Schedule:
    values = {
        "name": "Monthly",
        "kind": "sales-review",
        "frequency": "monthly",
        "day_of_month": 1,
        "time_of_day": time(9),
        "email_to": "asha@example.com, ravi@example.com",
        "next_run_at": at(2025, 4, 1, 9, 0),
    }
    values.update(fields)
    return Schedule.objects.create(**values)


def test_due_schedules_start_one_run_each_and_move_on(sales_company, django_capture_on_commit_callbacks):
    company, _, _ = sales_company
    with tenant_context(company):
        due = _schedule()
        _schedule(name="Later", next_run_at=at(2025, 4, 2, 9, 0))
        with django_capture_on_commit_callbacks(execute=False) as queued:
            created = scheduling.due_schedules_run(now=at(2025, 4, 1, 9, 0, 20))
            again = scheduling.due_schedules_run(now=at(2025, 4, 1, 9, 0, 40))
        due.refresh_from_db()
        run = ReportRun.objects.get()
    assert len(created) == 1 and again == [] and len(queued) == 1
    assert run.schedule_id == due.pk and run.query == {"from": "2025-03-01", "to": "2025-03-31"}
    assert due.next_run_at == at(2025, 5, 1, 9, 0)


def test_a_scheduled_report_is_emailed_with_the_pdf_attached(sales_company, django_capture_on_commit_callbacks):
    company, _, _ = sales_company
    with tenant_context(company):
        schedule = _schedule()
        run = services.run_create(
            company=company, kind="sales-review", query={"from": "2025-03-01", "to": "2025-03-31"},
            schedule=schedule, enqueue=False,
        )  # fmt: skip
        services.run_generate(run)
        from reports import delivery

        items = delivery.deliveries_create(run, schedule)
        for item in items:
            assert tasks.deliver.apply(args=[item.pk]).get() == "sent"
        sent = list(Delivery.objects.order_by("target"))
    assert [d.target for d in sent] == ["asha@example.com", "ravi@example.com"]
    assert all(d.status == "sent" and d.sent_at for d in sent)
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.subject == "Sales review: Kaveri Switchgear Pvt Ltd, 1 Mar 2025 to 31 Mar 2025"
    name, content, mime = message.attachments[0]
    assert name == "sales-review-20250301-20250331.pdf" and mime == "application/pdf" and content.startswith(b"%PDF")
    assert f"/reports/{run.pk}/download/" in message.body
    assert "Revenue ₹" in message.body


@pytest.fixture
def slack(settings):
    with FakeSlack(channels={"C0REPORTS": True}) as fake:
        settings.SLACK_API_BASE = fake.api_base
        settings.CHANNEL_TIMEOUT_SECONDS = 5
        yield fake


@pytest.fixture
def whatsapp(settings):
    with FakeWhatsApp(templates={("monthly_sales", "en"): 3}) as fake:
        settings.WHATSAPP_GRAPH_BASE = fake.url + "/"
        settings.CHANNEL_TIMEOUT_SECONDS = 5
        yield fake


def test_slack_gets_the_summary_by_webhook_and_the_file_by_bot_and_whatsapp_the_pdf_and_template(
    sales_company, slack, whatsapp
):
    company, _, _ = sales_company
    with tenant_context(company):
        ChannelSettings.objects.create(
            slack_bot_token=BOT_TOKEN, whatsapp_phone_number_id=whatsapp.phone_number_id,
            whatsapp_access_token=ACCESS_TOKEN, whatsapp_template="monthly_sales",
        )  # fmt: skip
        schedule = _schedule(
            email_to="", slack_webhook_url=slack.webhook_url, slack_channel="C0REPORTS", whatsapp_to="+919876543210"
        )
        run = services.run_generate(
            services.run_create(
                company=company, kind="sales-review", query={"from": "2025-03-01", "to": "2025-03-31"},
                schedule=schedule, enqueue=False,
            )
        )  # fmt: skip
        from reports import delivery

        results = [tasks.deliver.apply(args=[item.pk]).get() for item in delivery.deliveries_create(run, schedule)]
        history = {d.channel + ":" + d.target: d for d in Delivery.objects.all()}
    assert results == ["sent", "sent", "sent"]
    assert "slack:Slack webhook …XXXX" in history  # the webhook URL itself is a secret and is not shown

    webhook = slack.requests_to("/services/T000/B000/XXXX")[0].json
    assert "Sales review: Kaveri Switchgear Pvt Ltd, 1 Mar 2025 to 31 Mar 2025" in webhook["text"]
    assert webhook["blocks"][1]["elements"][0]["url"].endswith(f"/reports/{run.pk}/download/")
    uploaded = list(slack.files.values())
    assert len(uploaded) == 1 and uploaded[0].content.startswith(b"%PDF")

    assert [m["type"] for m in whatsapp.messages] == ["document", "template"]
    document, template = whatsapp.messages
    assert document["to"] == "919876543210"
    assert whatsapp.media[document["document"]["id"]].filename == "sales-review-20250301-20250331.pdf"
    parameters = [p["text"] for p in template["template"]["components"][0]["parameters"]]
    assert parameters[0] == "1 Mar 2025 to 31 Mar 2025" and parameters[1].startswith("₹")


def test_a_passing_failure_is_retried_and_a_lasting_one_fails_at_once_saying_why(sales_company, slack, whatsapp):
    from tests.fakes.http import Reply

    company, _, _ = sales_company
    with tenant_context(company):
        ChannelSettings.objects.create(
            whatsapp_phone_number_id=whatsapp.phone_number_id, whatsapp_access_token="EAAGrevoked"
        )
        schedule = _schedule(email_to="", slack_webhook_url=slack.webhook_url, whatsapp_to="+919876543210")
        run = services.run_generate(
            services.run_create(company=company, kind="gst-summary", query={}, schedule=schedule, enqueue=False)
        )
        from reports import delivery

        items = delivery.deliveries_create(run, schedule)
        slack.queue_reply(Reply(429, "rate_limited", headers={"Retry-After": "30"}), path="/services/T000/B000/XXXX")
        outcomes = [tasks.deliver.apply(args=[item.pk]) for item in items]
        slack_delivery, whatsapp_delivery = (Delivery.objects.get(pk=item.pk) for item in items)
    # Slack's 429 is retried (run at once by apply(); a worker waits the Retry-After), and the retry gets through.
    assert outcomes[0].get() == "sent"
    assert slack_delivery.status == "sent" and slack_delivery.attempts == 2 and slack_delivery.error == ""
    assert len(slack.requests_to("/services/T000/B000/XXXX")) == 2
    assert outcomes[1].get() == "failed"
    assert whatsapp_delivery.status == "failed" and "access token" in whatsapp_delivery.error


def test_send_test_reports_each_channel_on_the_page(sales_company, add_member, company_client, slack):
    company, _, _ = sales_company
    manager = add_member(company, "manager")
    with tenant_context(company):
        schedule = _schedule(
            email_to="asha@example.com", slack_webhook_url=slack.webhook_url, whatsapp_to="+919876543210"
        )
    client = company_client(company, manager)
    response = client.post(reverse("report_schedule_test", args=[schedule.pk]), follow=True)
    html = response.content.decode()
    assert "Test sent by Email to asha@example.com." in html
    assert "Test sent by Slack to Slack webhook …XXXX." in html
    assert "WhatsApp to +919876543210: WhatsApp is not set up" in html
    assert len(mail.outbox) == 1 and "Test from Elettro" in mail.outbox[0].body
    assert "Test from Elettro" in slack.requests_to("/services/T000/B000/XXXX")[0].json["text"]
    with tenant_context(company):
        assert Delivery.objects.filter(is_test=True, status="failed", channel="whatsapp").count() == 1


def test_channel_settings_check_the_slack_token_and_never_show_saved_secrets(sales_company, add_member, company_client):
    company, _, _ = sales_company
    client = company_client(company, add_member(company, "manager"))
    url = reverse("report_channels")
    wrong = client.post(url, {"slack_bot_token": "xoxp-123-user-token", "whatsapp_template_language": "en"})
    assert wrong.status_code == 400 and "this is a user token" in wrong.content.decode().lower()
    number = {"whatsapp_phone_number_id": "106540352242922", "whatsapp_template_language": "en"}
    secrets = {
        "slack_bot_token": BOT_TOKEN,
        "whatsapp_access_token": ACCESS_TOKEN,
        "whatsapp_template": "monthly_sales",
    }
    saved = client.post(url, {**number, **secrets})
    assert saved.status_code == 302
    # Saving again with the secret fields left empty keeps them, and the page never prints them.
    assert (
        client.post(
            url, {"whatsapp_phone_number_id": "106540352242922", "whatsapp_template_language": "en"}
        ).status_code
        == 302
    )
    page = client.get(url).content.decode()
    assert BOT_TOKEN not in page and ACCESS_TOKEN not in page and "token saved" in page
    with tenant_context(company):
        config = ChannelSettings.objects.get()
    assert (config.slack_bot_token, config.whatsapp_access_token) == (BOT_TOKEN, ACCESS_TOKEN)


def test_the_plan_limits_schedules_and_a_read_only_company_s_schedules_wait(
    sales_company, company_client, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from billing import services as billing
    from billing.models import Plan
    from tenants.models import Company

    company, owner, _ = sales_company
    billing.plan_grant_free(company=company, plan=Plan.objects.get(slug="starter"), until=None, operator=None,
                            reason="test set-up")  # fmt: skip
    limit = Plan.objects.get(slug="starter").max_report_schedules
    client = company_client(company, owner)
    for n in range(limit):
        assert client.post(reverse("report_schedule_new"), {**VALID, "name": f"S{n}"}).status_code == 302
    refused = client.post(reverse("report_schedule_new"), {**VALID, "name": "One too many"})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert f"The Starter plan allows {limit} report schedules" in html and "See plans and upgrade" in html
    with tenant_context(company):
        assert Schedule.objects.count() == limit
        Schedule.objects.update(next_run_at=timezone.now() - timedelta(minutes=1))

    # The free grant ends and so has the trial: read-only, and the dispatcher leaves the due schedules waiting.
    billing.plan_grant_free(company=Company.objects.get(pk=company.pk), plan=Plan.objects.get(slug="starter"),
                            until=timezone.now() - timedelta(seconds=1), operator=None, reason="ended")  # fmt: skip
    Company.objects.filter(pk=company.pk).update(trial_ends_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=False):
        assert tasks.dispatch_due() == 0
    with tenant_context(company):
        assert not ReportRun.objects.exists()
