"""Sending a generated report to a schedule's recipients, one Delivery row per recipient and channel, through
the one channel interface (reports/channels/send.py) that alerts send through too.

A failure the service says may pass (a timeout, a rate limit) is retried by the task with backoff; anything
else (a revoked token, an unknown channel) fails at once, and the history shows why.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from elettro.kernel.money import format_money_compact, format_number
from tenants.models import Company
from tenants.urls_util import company_url

from .channels import email
from .channels.errors import ChannelError
from .channels.send import Attachment, ChannelConfig, Message, send, target_label
from .generation import CONTENT_TYPES
from .models import ChannelSettings, Delivery, ReportRun, Schedule


def channel_settings() -> ChannelSettings:
    return ChannelSettings.objects.first() or ChannelSettings()


def whatsapp_sender(config: ChannelSettings) -> tuple[str, str, str, str]:
    """(phone number id, access token, template, language): the company's own WhatsApp Business number, else
    Elettro's (WHATSAPP_PHONE_NUMBER_ID / WHATSAPP_ACCESS_TOKEN in the environment)."""
    if config.whatsapp_phone_number_id and config.whatsapp_access_token:
        return (
            config.whatsapp_phone_number_id,
            config.whatsapp_access_token,
            config.whatsapp_template,
            config.whatsapp_template_language or "en",
        )
    return (
        getattr(settings, "WHATSAPP_PHONE_NUMBER_ID", ""),
        getattr(settings, "WHATSAPP_ACCESS_TOKEN", ""),
        config.whatsapp_template or getattr(settings, "WHATSAPP_TEMPLATE", ""),
        config.whatsapp_template_language or "en",
    )


def channel_problems(schedule: Schedule, config: ChannelSettings | None = None) -> list[str]:
    """What stops this schedule's channels from working, said so a manager can fix it; [] when nothing does."""
    config = config or channel_settings()
    problems = []
    if schedule.slack_channel and not config.slack_bot_token:
        problems.append("Slack: posting to a channel needs the company's Slack bot token (Channels settings).")
    if schedule.whatsapp_to.strip():
        number_id, token, _, _ = whatsapp_sender(config)
        if not (number_id and token):
            problems.append(
                "WhatsApp: no WhatsApp Business number is set up; add its phone number ID and access token in "
                "Channels settings."
            )
    if not (schedule.email_to.strip() or schedule.slack_webhook_url or schedule.slack_channel or schedule.whatsapp_to):
        problems.append("No recipients: add an email address, a Slack channel or a WhatsApp number.")
    return problems


def recipients(schedule: Schedule) -> list[tuple[str, str]]:
    """(channel, target) for every recipient of the schedule."""
    found: list[tuple[str, str]] = []
    if schedule.email_to.strip():
        found += [(Delivery.Channel.EMAIL, address) for address in email.validate_email_list(schedule.email_to)]
    if schedule.slack_webhook_url:
        found.append((Delivery.Channel.SLACK, schedule.slack_webhook_url))
    if schedule.slack_channel:
        found.append((Delivery.Channel.SLACK, schedule.slack_channel))
    for line in _phones(schedule.whatsapp_to):
        found.append((Delivery.Channel.WHATSAPP, line))
    return found


def _phones(text: str) -> list[str]:
    return [piece.strip() for piece in text.replace(";", ",").replace("\n", ",").split(",") if piece.strip()]


def deliveries_create(run: ReportRun, schedule: Schedule, *, is_test: bool = False) -> list[Delivery]:
    return [
        Delivery.objects.create(
            schedule=schedule,
            run=run,
            channel=channel,
            target=target_label(channel, target),
            is_test=is_test,
        )
        for channel, target in recipients(schedule)
    ]


def _target_for(delivery: Delivery) -> str:
    """The real target: a webhook delivery stores only a label, the URL stays on the schedule."""
    if delivery.channel == Delivery.Channel.SLACK and delivery.target.startswith("Slack webhook"):
        if delivery.schedule is None or not delivery.schedule.slack_webhook_url:
            raise ChannelError("The schedule no longer has a Slack webhook URL.", retryable=False)
        return delivery.schedule.slack_webhook_url
    return delivery.target


# ---------------------------------------------------------------- what is said


def headline_text(run: ReportRun, currency: str) -> str:
    parts = []
    for key in ("revenue", "orders", "gross_profit", "taxable", "gst"):
        figure = (run.headline or {}).get(key)
        if not figure or figure.get("value") in (None, "None"):
            continue
        parts.append(f"{figure['label']} {_figure(figure, currency)}")
    return ", ".join(parts)


def _subject(run: ReportRun, company: Company) -> str:
    return f"{run.get_kind_display()}: {company.name}, {run.period_label}"


def download_link(run: ReportRun, company: Company) -> str:
    return company_url(company, reverse("report_download", args=[run.pk]))


def _message(run: ReportRun, company: Company) -> str:
    figures = headline_text(run, company.currency)
    lines = [_subject(run, company)]
    if run.filters_label:
        lines.append(f"Filters: {run.filters_label}")
    if figures:
        lines.append(figures)
    return "\n".join(lines)


# ---------------------------------------------------------------- sending


def send_config(config: ChannelSettings | None = None, *, webhook_secret: str = "") -> ChannelConfig:
    """What the channel interface needs from the company's Channels settings (WhatsApp falls back to Elettro's
    own number, see whatsapp_sender)."""
    config = config or channel_settings()
    number_id, token, template, language = whatsapp_sender(config)
    return ChannelConfig(
        slack_bot_token=config.slack_bot_token,
        whatsapp_phone_number_id=number_id,
        whatsapp_access_token=token,
        whatsapp_template=template,
        whatsapp_language=language,
        webhook_secret=webhook_secret,
    )


def delivery_send(delivery: Delivery, company: Company) -> None:
    """Send one delivery; raises ChannelError when it did not go."""
    message = _test_message(delivery, company) if delivery.is_test else _report_message(delivery, company)
    external_id = send(delivery.channel, _target_for(delivery), message, config=send_config())
    delivery.external_id = external_id or delivery.external_id


def _report_message(delivery: Delivery, company: Company) -> Message:
    run = delivery.run
    if run is None or run.status != ReportRun.Status.DONE or not run.file:
        raise ChannelError("The report was not generated, so there was nothing to send.", retryable=False)
    if delivery.channel == Delivery.Channel.WHATSAPP and run.format != "pdf":
        raise ChannelError("WhatsApp delivers PDF reports only; set this schedule's format to PDF.", retryable=False)
    with run.file.open("rb") as handle:
        content = handle.read()
    text = _message(run, company)
    link = download_link(run, company)
    figures = run.headline or {}
    return Message(
        subject=_subject(run, company),
        text=text,
        link=link,
        link_label="Download the report",
        email_body=f"{text}\n\nThe report is attached. Members of {company.name} can also download it here:\n{link}\n",
        attachment=Attachment(run.filename, content, CONTENT_TYPES[run.format]),
        template_parameters=(
            run.period_label,
            _figure(figures.get("revenue") or figures.get("taxable"), company.currency),
            _figure(figures.get("orders"), company.currency),
        ),
    )


def _test_message(delivery: Delivery, company: Company) -> Message:
    text = f"Test from Elettro: {company.name}'s scheduled reports will arrive here."
    if delivery.channel != Delivery.Channel.WHATSAPP:
        return Message(subject=f"Elettro test: {company.name}", text=text)
    from .rendering.pdf import test_pdf

    # A report reaches WhatsApp as a document, then the template, which is what reaches people outside WhatsApp's
    # 24-hour window: the test sends both.
    return Message(
        subject=text,  # the document's caption
        text=text,
        attachment=Attachment("elettro-test.pdf", test_pdf(text), "application/pdf"),
        template_parameters=("a test", format_money_compact(0, company.currency), "0"),
    )


def _figure(figure: dict | None, currency: str) -> str:
    if not figure or figure.get("value") in (None, "None"):
        return "–"
    value = Decimal(figure["value"])
    return format_money_compact(value, currency) if figure.get("kind") == "money" else format_number(value, currency)


def mark_sent(delivery: Delivery) -> None:
    delivery.status, delivery.error, delivery.sent_at = Delivery.Status.SENT, "", timezone.now()
    delivery.save(update_fields=["status", "error", "sent_at", "external_id", "attempts"])


def mark_failed(delivery: Delivery, message: str, *, retrying: bool) -> None:
    delivery.status = Delivery.Status.RETRYING if retrying else Delivery.Status.FAILED
    delivery.error = message
    delivery.save(update_fields=["status", "error", "attempts", "external_id"])
