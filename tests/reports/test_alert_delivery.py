"""Alert notifications: what they say, one per channel and never twice for the same transition, delivered through
the shared channel interface to local fakes of Slack, WhatsApp and a webhook receiver (and the in-memory mail
outbox), with retries logged, WhatsApp's quiet hours, and nothing sent by a read-only company.

The worker is played by the test: `enqueue` is watched to see what would be queued and when, and each task is
then run with `apply()` (which runs Celery's retries at once instead of after their countdown)."""

from __future__ import annotations

import hashlib
import hmac
import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from elettro.celery import app
from reports.alerts import notify, tasks
from reports.alerts.observations import Observation, Transition
from reports.models import AlertChannel, AlertEvent, AlertRule, AlertState, ChannelSettings
from tests.fakes.slack import FakeSlack
from tests.fakes.webhook import SECRET, FakeWebhook
from tests.fakes.whatsapp import ACCESS_TOKEN, FakeWhatsApp

pytestmark = pytest.mark.django_db
IST = zoneinfo.ZoneInfo("Asia/Kolkata")
AFTERNOON = datetime(2025, 12, 1, 14, 0, tzinfo=IST)
SINCE = datetime(2025, 12, 1, 8, 35, 12, 345678, tzinfo=zoneinfo.ZoneInfo("UTC"))
LINK = "https://alerting.elettro.example/?from=2025-11-01&to=2025-11-30&customer=C-0042"
ALERT_TEMPLATE = ("elettro_alert", "en")


@pytest.fixture
def company(make_company):
    company, _ = make_company("alerting", name="Kaveri Switchgear Pvt Ltd")
    return company


@pytest.fixture
def slack(settings):
    with FakeSlack() as fake:
        settings.CHANNEL_TIMEOUT_SECONDS = 5
        yield fake


@pytest.fixture
def receiver(settings):
    with FakeWebhook() as fake:
        settings.CHANNEL_TIMEOUT_SECONDS = 5
        yield fake


@pytest.fixture
def whatsapp(settings, company):
    with FakeWhatsApp(templates={ALERT_TEMPLATE: 4}) as fake:
        settings.WHATSAPP_GRAPH_BASE = fake.url + "/"
        settings.CHANNEL_TIMEOUT_SECONDS = 5
        with tenant_context(company):
            ChannelSettings.objects.create(
                whatsapp_phone_number_id=fake.phone_number_id, whatsapp_access_token=ACCESS_TOKEN
            )
        yield fake


@pytest.fixture
def queued(monkeypatch):
    """What enqueue hands to the broker: (notification id, eta)."""
    calls: list[tuple[int, datetime | None]] = []
    monkeypatch.setattr(tasks.deliver, "apply_async", lambda args, eta=None, **_: calls.append((args[0], eta)))
    return calls


def make_rule(*channels: tuple[str, str], severity: str = "warning") -> AlertRule:
    rule = AlertRule.objects.create(
        name="Revenue per customer down 30%", measure="revenue", each="customer", window="month",
        condition="change-below", value=Decimal(30), compare="previous", severity=severity,
    )  # fmt: skip
    for kind, target in channels:
        channel, _ = AlertChannel.objects.get_or_create(kind=kind, target=target, defaults={"secret": SECRET})
        rule.channels.add(channel)
    return rule


def transition(what: str = "fired", **fields) -> Transition:
    observation = {
        "entity": "C-0042",
        "label": "Acme Traders",
        "value": Decimal(70000),
        "baseline": Decimal(100000),
        "change": Decimal("-0.30"),
        "breached": what != "resolved",
        "period_label": "1–30 Nov 2025 vs 1–31 Oct 2025",
        "link": LINK,
    } | fields
    return Transition(what, Observation(**observation))


def notify_now(rule: AlertRule, what: str = "fired", *, now: datetime = AFTERNOON, **fields) -> list[AlertEvent]:
    return notify.notifications_create(rule, transition(what, **fields), occurrence=SINCE, now=now)


def work(queued, django_capture_on_commit_callbacks, events) -> list[str]:
    """Enqueue (as the transaction commits) and run every queued delivery, as a worker would."""
    with django_capture_on_commit_callbacks(execute=True):
        notify.enqueue(events)
    return [tasks.deliver.apply(args=[pk]).get() for pk, _ in queued]


def attempts(event: AlertEvent) -> list[tuple[str, str]]:
    logged = AlertEvent.objects.filter(kind="delivery", values__notification=event.pk).order_by("pk")
    return [(attempt.result, attempt.error) for attempt in logged]


# ---------------------------------------------------------------- what is said, once per channel


def test_one_notification_per_channel_saying_the_values(company):
    with tenant_context(company):
        rule = make_rule(("email", "asha@example.com"), ("slack", "C0ALERTS"))
        events = notify_now(rule)

    assert sorted(event.channel_kind for event in events) == ["email", "slack"]
    assert all(event.kind == "notification" and event.result == "pending" for event in events)
    assert events[0].message == (
        "Warning alert: Revenue per customer down 30% – Acme Traders\n"
        "Revenue ₹70.0 K against ₹1.00 L in the previous period (-30.0%)\n"
        "Period: 1–30 Nov 2025 vs 1–31 Oct 2025\n"
        f"{LINK}"
    )
    values = events[0].values
    assert (values["value"], values["baseline"], values["change"]) == ("70000", "100000", "-0.30")
    assert (values["period"], values["link"], values["severity"]) == ("1–30 Nov 2025 vs 1–31 Oct 2025", LINK, "warning")
    assert (events[0].entity, events[0].entity_label, events[0].rule_name) == (
        "C-0042",
        "Acme Traders",
        "Revenue per customer down 30%",
    )


def test_a_resolved_notification_says_it_is_back_to_normal(company):
    with tenant_context(company):
        rule = make_rule(("email", "asha@example.com"))
        (event,) = notify_now(rule, "resolved", value=Decimal(98000), change=Decimal("-0.02"))

    assert event.message.splitlines()[:2] == [
        "Back to normal: Revenue per customer down 30% – Acme Traders",
        "Revenue ₹98.0 K against ₹1.00 L in the previous period (-2.0%)",
    ]


def test_figures_that_round_alike_are_shown_in_full(company):
    with tenant_context(company):
        rule = make_rule(("email", "asha@example.com"))
        rule.condition = "above"
        (event,) = notify_now(rule, value=Decimal("100400.60"), baseline=Decimal(100000), change=None)

    assert event.message.splitlines()[1] == "Revenue ₹1,00,401, threshold ₹1,00,000"


def test_the_same_transition_notified_twice_creates_one_notification(
    company, slack, queued, django_capture_on_commit_callbacks
):
    with tenant_context(company):
        rule = make_rule(("slack", slack.webhook_url))
        first = notify_now(rule)
        again = notify_now(rule)  # a replayed evaluation
        results = work(queued, django_capture_on_commit_callbacks, first + again)
        notifications = AlertEvent.objects.filter(kind="notification").count()

    assert len(first) == 1 and again == []
    assert notifications == 1 and results == ["sent"]
    assert len(slack.posted) == 1


def test_fired_resolved_and_the_next_firing_are_each_told_once(company):
    """Without an explicit occurrence, the state says which firing this is (as states.apply leaves it)."""
    with tenant_context(company):
        rule = make_rule(("email", "asha@example.com"))
        state = AlertState.objects.create(rule=rule, entity="C-0042", status="firing", since=SINCE, notified_at=SINCE)

        def told(what, **fields):
            return notify.notifications_create(rule, transition(what, **fields), now=AFTERNOON)

        fired, fired_again = told("fired"), told("fired")
        state.notified_at = SINCE + timedelta(hours=24)
        state.save()
        reminder, reminder_again = told("reminder"), told("reminder")
        state.notified_at = SINCE + timedelta(hours=48)
        state.save()
        second_reminder = told("reminder")
        resolved = told("resolved", value=Decimal(99000))
        state.since = SINCE + timedelta(days=7)
        state.save()
        next_firing = told("fired")

    assert [len(batch) for batch in (fired, fired_again, reminder, reminder_again, second_reminder)] == [1, 0, 1, 0, 1]
    assert [len(batch) for batch in (resolved, next_firing)] == [1, 1]


# ---------------------------------------------------------------- delivered through the shared channel interface


def test_each_channel_receives_the_values(
    company, slack, receiver, whatsapp, queued, django_capture_on_commit_callbacks
):
    with tenant_context(company):
        rule = make_rule(
            ("email", "asha@example.com"),
            ("slack", slack.webhook_url),
            ("webhook", receiver.hook_url),
            ("whatsapp", "+91 98765 43210"),
        )
        events = notify_now(rule)
        results = work(queued, django_capture_on_commit_callbacks, events)
        logged = {event.channel_kind: event for event in AlertEvent.objects.filter(kind="notification")}
        delivered = AlertEvent.objects.filter(kind="delivery", result="sent").count()
    headline = "Warning alert: Revenue per customer down 30% – Acme Traders"
    figures = "Revenue ₹70.0 K against ₹1.00 L in the previous period (-30.0%)"

    assert results == ["sent"] * 4 and delivered == 4
    assert all(event.result == "sent" and event.attempts == 1 for event in logged.values())

    (posted,) = slack.posted
    assert headline in posted["text"] and figures in posted["text"]
    assert posted["blocks"][1]["elements"][0]["url"] == LINK

    (payload,) = receiver.received
    assert payload["subject"] == headline and payload["link"] == LINK
    data = payload["data"]
    assert (data["value"], data["baseline"], data["change"], data["entity"]) == ("70000", "100000", "-0.30", "C-0042")
    assert data["what"] == "fired" and data["severity"] == "warning"
    assert payload["id"] == f"alert-{logged['webhook'].pk}"

    (message,) = whatsapp.messages
    assert message["to"] == "919876543210" and message["template"]["name"] == "elettro_alert"
    parameters = [p["text"] for p in message["template"]["components"][0]["parameters"]]
    assert parameters == [headline, figures, "1–30 Nov 2025 vs 1–31 Oct 2025", LINK]

    (email,) = mail.outbox
    assert email.to == ["asha@example.com"] and email.subject == headline
    assert figures in email.body and LINK in email.body
    # The log never shows a webhook's whole URL: it can be a secret.
    assert (
        logged["webhook"].target.startswith("Webhook 127.0.0.1 …") and receiver.hook_url not in logged["webhook"].target
    )


def test_a_500_then_a_200_is_retried_and_logged_as_two_attempts(
    company, receiver, queued, django_capture_on_commit_callbacks
):
    with tenant_context(company):
        (event,) = notify_now(make_rule(("webhook", receiver.hook_url)))
        receiver.fail_next(500)
        results = work(queued, django_capture_on_commit_callbacks, [event])
        event.refresh_from_db()
        logged = attempts(event)

    assert results == ["sent"]
    assert logged == [("retrying", "The webhook had a temporary problem (HTTP 500: upstream down)."), ("sent", "")]
    assert (event.result, event.attempts, event.error) == ("sent", 2, "")
    assert len(receiver.requests) == 2 and len(receiver.received) == 1
    # Both attempts were signed, over their own bodies, and carry the same delivery id for the receiver to dedupe.
    for request in receiver.requests:
        assert (
            request.headers["X-Elettro-Signature"]
            == hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        )
    assert {request.headers["X-Elettro-Delivery"] for request in receiver.requests} == {f"alert-{event.pk}"}


def test_a_401_fails_at_once_and_is_logged_with_the_error(
    company, receiver, queued, django_capture_on_commit_callbacks
):
    with tenant_context(company):
        (event,) = notify_now(make_rule(("webhook", receiver.hook_url)))
        receiver.fail_next(401)
        results = work(queued, django_capture_on_commit_callbacks, [event])
        event.refresh_from_db()
        logged = attempts(event)
    error = "The webhook refused the delivery (HTTP 401: unauthorized); check that it uses this channel's secret."

    assert results == ["failed"]
    assert logged == [("failed", error)]
    assert (event.result, event.attempts, event.error) == ("failed", 1, error)
    assert len(receiver.requests) == 1 and receiver.received == []


@pytest.mark.parametrize(
    ("reply", "attempt", "wait"),
    [((500, None), 0, 60), ((500, None), 2, 240), ((429, 30), 0, 30), ((429, 30), 3, 30)],
)
def test_retries_back_off_or_wait_as_the_service_asks(company, receiver, reply, attempt, wait):
    status, retry_after = reply
    with tenant_context(company):
        (event,) = notify_now(make_rule(("webhook", receiver.hook_url)))
        receiver.fail_next(status, retry_after=retry_after)
        outcome = notify.notification_send(event.pk, company, attempt=attempt, may_retry=True)
        event.refresh_from_db()

    assert (outcome.result, outcome.retry_in) == ("retrying", wait)
    assert event.result == "retrying"


def test_the_last_attempt_of_a_passing_failure_fails(company, receiver):
    with tenant_context(company):
        (event,) = notify_now(make_rule(("webhook", receiver.hook_url)))
        receiver.fail_next(503)
        outcome = notify.notification_send(event.pk, company, attempt=4, may_retry=False)
        event.refresh_from_db()
        logged = attempts(event)

    assert (outcome.result, outcome.retry_in, event.result) == ("failed", None, "failed")
    assert logged == [("failed", "The webhook had a temporary problem (HTTP 503: refused).")]


def test_a_channel_removed_before_sending_fails_saying_so(
    company, receiver, queued, django_capture_on_commit_callbacks
):
    with tenant_context(company):
        (event,) = notify_now(make_rule(("webhook", receiver.hook_url)))
        AlertChannel.objects.all().delete()
        results = work(queued, django_capture_on_commit_callbacks, [event])
        event.refresh_from_db()

    assert results == ["failed"] and event.error == notify.CHANNEL_GONE
    assert receiver.requests == []


def test_deliveries_go_to_the_alerts_queue():
    assert app.amqp.router.route({}, "reports.alerts.deliver")["queue"].name == "alerts"


# ---------------------------------------------------------------- quiet hours


@pytest.mark.parametrize(
    ("local", "until"),
    [
        (datetime(2025, 12, 1, 21, 59), None),
        (datetime(2025, 12, 1, 22, 0), datetime(2025, 12, 2, 8, 0)),
        (datetime(2025, 12, 1, 23, 0), datetime(2025, 12, 2, 8, 0)),
        (datetime(2025, 12, 2, 0, 30), datetime(2025, 12, 2, 8, 0)),
        (datetime(2025, 12, 2, 7, 59), datetime(2025, 12, 2, 8, 0)),
        (datetime(2025, 12, 2, 8, 0), None),
    ],
)
@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/New_York"])
def test_quiet_hours_are_the_company_s_night(local, until, zone):
    place = zoneinfo.ZoneInfo(zone)
    now_utc = local.replace(tzinfo=place).astimezone(zoneinfo.ZoneInfo("UTC"))

    assert notify.quiet_until(now_utc, place) == (until.replace(tzinfo=place) if until else None)


def test_whatsapp_at_23_ist_is_held_until_08_and_slack_goes_at_once(
    company, slack, whatsapp, queued, django_capture_on_commit_callbacks
):
    night = datetime(2025, 12, 1, 23, 0, tzinfo=IST)
    with tenant_context(company):
        rule = make_rule(("whatsapp", "+919876543210"), ("slack", slack.webhook_url))
        events = {event.channel_kind: event for event in notify_now(rule, now=night)}
        with django_capture_on_commit_callbacks(execute=True):
            notify.enqueue(list(events.values()))
        when = {pk: eta for pk, eta in queued}

    assert events["whatsapp"].result == "held" and events["slack"].result == "pending"
    assert when[events["whatsapp"].pk] == datetime(2025, 12, 2, 8, 0, tzinfo=IST)
    assert when[events["slack"].pk] is None
    assert whatsapp.messages == []

    # 08:00 comes: the worker runs the held delivery.
    with tenant_context(company):
        assert tasks.deliver.apply(args=[events["whatsapp"].pk]).get() == "sent"
        events["whatsapp"].refresh_from_db()
    assert events["whatsapp"].result == "sent" and len(whatsapp.messages) == 1


def test_a_critical_alert_reaches_whatsapp_at_night(company, whatsapp, queued, django_capture_on_commit_callbacks):
    night = datetime(2025, 12, 1, 23, 0, tzinfo=IST)
    with tenant_context(company):
        rule = make_rule(("whatsapp", "+919876543210"), severity="critical")
        (event,) = notify_now(rule, now=night)
        results = work(queued, django_capture_on_commit_callbacks, [event])

    assert event.result == "pending" and queued == [(event.pk, None)]
    assert results == ["sent"]
    assert whatsapp.messages[0]["template"]["components"][0]["parameters"][0]["text"].startswith("Critical alert: ")


# ---------------------------------------------------------------- read-only companies


def _end_trial(company):
    from tenants.models import Company

    Company.objects.filter(pk=company.pk).update(trial_ends_at=timezone.now() - timedelta(days=1))
    company.refresh_from_db()


def test_a_read_only_company_logs_its_notifications_and_sends_nothing(
    company, slack, queued, django_capture_on_commit_callbacks
):
    _end_trial(company)
    with tenant_context(company):
        (event,) = notify_now(make_rule(("slack", slack.webhook_url)))
        results = work(queued, django_capture_on_commit_callbacks, [event])

    assert (event.result, event.error) == ("failed", notify.READ_ONLY)
    assert queued == [] and results == []
    assert slack.requests == []


def test_a_held_alert_is_not_sent_if_the_company_became_read_only_overnight(
    company, whatsapp, queued, django_capture_on_commit_callbacks
):
    night = datetime(2025, 12, 1, 23, 0, tzinfo=IST)
    with tenant_context(company):
        (event,) = notify_now(make_rule(("whatsapp", "+919876543210")), now=night)
    _end_trial(company)
    with tenant_context(company):
        results = work(queued, django_capture_on_commit_callbacks, [event])
        event.refresh_from_db()

    assert results == ["failed"] and (event.result, event.error) == ("failed", notify.READ_ONLY)
    assert whatsapp.messages == []


def test_a_delivery_task_run_twice_sends_once(company, receiver, queued, django_capture_on_commit_callbacks):
    """A task queued with a long eta can reach two workers (the broker's visibility timeout); the second finds the
    notification sent and does nothing."""
    with tenant_context(company):
        (event,) = notify_now(make_rule(("webhook", receiver.hook_url)))
        first = work(queued, django_capture_on_commit_callbacks, [event])
        second = tasks.deliver.apply(args=[event.pk]).get()
        logged = attempts(event)

    assert (first, second) == (["sent"], "skipped")
    assert logged == [("sent", "")] and len(receiver.requests) == 1


def test_a_slack_channel_gets_the_alert_from_the_bot_with_a_button(
    company, slack, settings, queued, django_capture_on_commit_callbacks
):
    from tests.fakes.slack import BOT_TOKEN

    settings.SLACK_API_BASE = slack.api_base
    with tenant_context(company):
        ChannelSettings.objects.create(slack_bot_token=BOT_TOKEN)
        (event,) = notify_now(make_rule(("slack", "C0REPORTS")))
        results = work(queued, django_capture_on_commit_callbacks, [event])
        logged = attempts(event)

    assert results == ["sent"] and logged == [("sent", "")]
    (posted,) = slack.posted
    assert posted["via"] == "chat.postMessage" and posted["channel"] == "C0REPORTS"
    assert posted["text"].startswith("Warning alert: Revenue per customer down 30% – Acme Traders\n")
    assert posted["blocks"][1]["elements"][0]["url"] == LINK


def test_a_whatsapp_template_that_is_not_approved_fails_at_once_saying_so(
    company, settings, queued, django_capture_on_commit_callbacks
):
    with FakeWhatsApp(templates={("another_template", "en"): 4}) as fake:
        settings.WHATSAPP_GRAPH_BASE = fake.url + "/"
        with tenant_context(company):
            ChannelSettings.objects.create(
                whatsapp_phone_number_id=fake.phone_number_id, whatsapp_access_token=ACCESS_TOKEN
            )
            (event,) = notify_now(make_rule(("whatsapp", "+919876543210")))
            results = work(queued, django_capture_on_commit_callbacks, [event])
            logged = attempts(event)

    assert results == ["failed"]
    assert logged == [("failed", "WhatsApp says the template does not exist in this language (code 132001).")]
    assert fake.messages == []


def test_an_error_on_our_side_is_logged_as_ours(
    company, receiver, monkeypatch, queued, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(notify, "send", broken)
    with tenant_context(company):
        (event,) = notify_now(make_rule(("webhook", receiver.hook_url)))
        results = work(queued, django_capture_on_commit_callbacks, [event])
        logged = attempts(event)

    assert results == ["failed"] and logged == [("failed", notify.OUR_FAULT)]
