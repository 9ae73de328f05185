"""Sending a generated report to a schedule's recipients, one Delivery row per recipient and channel, through
the channel clients in reports/channels (the alerts will send through the same clients).

A failure the service says may pass (a timeout, a rate limit) is retried by the task with backoff; anything
else (a revoked token, an unknown channel) fails at once, and the history shows why.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from elettro.kernel.money import format_money_compact, format_number
from tenants.models import Company
from tenants.urls_util import company_url

from .channels import email, slack, whatsapp
from .channels.errors import ChannelError
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


def _webhook_label(url: str) -> str:
    # The URL is the secret; the last characters tell two webhooks apart without revealing it.
    return f"Slack webhook …{urlsplit(url).path[-4:]}"


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
            target=_webhook_label(target) if target.startswith("http") else target,
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


def delivery_send(delivery: Delivery, company: Company) -> None:
    """Send one delivery; raises ChannelError when it did not go."""
    if delivery.is_test:
        return _send_test(delivery, company)
    run = delivery.run
    if run is None or run.status != ReportRun.Status.DONE or not run.file:
        raise ChannelError("The report was not generated, so there was nothing to send.", retryable=False)
    with run.file.open("rb") as handle:
        content = handle.read()
    attachment = (run.filename, content, CONTENT_TYPES[run.format])
    text = _message(run, company)
    link = download_link(run, company)
    target = _target_for(delivery)
    if delivery.channel == Delivery.Channel.EMAIL:
        body = f"{text}\n\nThe report is attached. Members of {company.name} can also download it here:\n{link}\n"
        email.send_email(to=[target], subject=_subject(run, company), body=body, attachment=attachment)
    elif delivery.channel == Delivery.Channel.SLACK and target.startswith("http"):
        slack.post_webhook(target, text=f"{text}\n<{link}|Download the report>", blocks=_slack_blocks(text, link))
    elif delivery.channel == Delivery.Channel.SLACK:
        config = channel_settings()
        if not config.slack_bot_token:
            raise ChannelError("Slack is not set up: add the bot token in Channels settings.", retryable=False)
        delivery.external_id = slack.upload_file(
            config.slack_bot_token,
            target,
            filename=run.filename,
            content=content,
            title=_subject(run, company),
            initial_comment=f"{text}\n{link}",
        )
    elif delivery.channel == Delivery.Channel.WHATSAPP:
        delivery.external_id = _send_whatsapp(target, run, company, content)
    else:
        raise ChannelError(f"Unknown channel {delivery.channel!r}.", retryable=False)


def _slack_blocks(text: str, link: str) -> list[dict]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Download"}, "url": link}],
        },
    ]


def _whatsapp_ready(config: ChannelSettings) -> tuple[str, str, str, str]:
    number_id, token, template, language = whatsapp_sender(config)
    if not (number_id and token):
        raise ChannelError(
            "WhatsApp is not set up: add the phone number ID and access token in Channels settings.", retryable=False
        )
    return number_id, token, template, language


def _send_whatsapp(to: str, run: ReportRun, company: Company, content: bytes) -> str:
    number_id, token, template, language = _whatsapp_ready(channel_settings())
    if run.format != "pdf":
        raise ChannelError("WhatsApp delivers PDF reports only; set this schedule's format to PDF.", retryable=False)
    message_id = whatsapp.send_pdf(
        phone_number_id=number_id,
        token=token,
        to=to,
        filename=run.filename,
        content=content,
        caption=_subject(run, company)[:1000],
    )
    if template:
        figures = run.headline or {}
        whatsapp.send_template(
            phone_number_id=number_id,
            token=token,
            to=to,
            template=template,
            language=language,
            body_parameters=[
                run.period_label,
                _figure(figures.get("revenue") or figures.get("taxable"), company.currency),
                _figure(figures.get("orders"), company.currency),
            ],
        )
    return message_id


def _figure(figure: dict | None, currency: str) -> str:
    if not figure or figure.get("value") in (None, "None"):
        return "–"
    value = Decimal(figure["value"])
    return format_money_compact(value, currency) if figure.get("kind") == "money" else format_number(value, currency)


def _send_test(delivery: Delivery, company: Company) -> None:
    text = f"Test from Elettro: {company.name}'s scheduled reports will arrive here."
    target = _target_for(delivery)
    if delivery.channel == Delivery.Channel.EMAIL:
        email.send_email(to=[target], subject=f"Elettro test: {company.name}", body=text)
    elif delivery.channel == Delivery.Channel.SLACK and target.startswith("http"):
        slack.post_webhook(target, text=text)
    elif delivery.channel == Delivery.Channel.SLACK:
        config = channel_settings()
        if not config.slack_bot_token:
            raise ChannelError("Slack is not set up: add the bot token in Channels settings.", retryable=False)
        delivery.external_id = slack.post_message(config.slack_bot_token, target, text=text)
    elif delivery.channel == Delivery.Channel.WHATSAPP:
        from .rendering.pdf import test_pdf

        number_id, token, template, language = _whatsapp_ready(channel_settings())
        delivery.external_id = whatsapp.send_pdf(
            phone_number_id=number_id,
            token=token,
            to=target,
            filename="elettro-test.pdf",
            content=test_pdf(text),
            caption=text,
        )
        if template:  # the template is what reaches people outside WhatsApp's 24-hour window: test it too
            whatsapp.send_template(
                phone_number_id=number_id,
                token=token,
                to=target,
                template=template,
                language=language,
                body_parameters=["a test", format_money_compact(0, company.currency), "0"],
            )


def mark_sent(delivery: Delivery) -> None:
    delivery.status, delivery.error, delivery.sent_at = Delivery.Status.SENT, "", timezone.now()
    delivery.save(update_fields=["status", "error", "sent_at", "external_id", "attempts"])


def mark_failed(delivery: Delivery, message: str, *, retrying: bool) -> None:
    delivery.status = Delivery.Status.RETRYING if retrying else Delivery.Status.FAILED
    delivery.error = message
    delivery.save(update_fields=["status", "error", "attempts", "external_id"])
