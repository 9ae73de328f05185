"""The one channel interface: a `Message`, said once, and `send(kind, target, message, config=...)`, which puts it
on email, Slack (incoming webhook, or bot token for a channel id), WhatsApp or a generic webhook. Reports'
deliveries and alerts' notifications both send through here.

How each channel says a message:
- email: `subject`, and `email_body` (else `text`, then the link under `link_label`); the attachment attached.
- Slack: `text` with the link as `link_label` and a button; with an attachment (bot only) the file is uploaded and
  `text` and the link are its comment.
- WhatsApp: the attachment (a PDF) as a document captioned with `subject`; then the approved template (the
  message's, else the company's) filled with `template_parameters`. A message with no attachment needs the
  template: outside WhatsApp's 24-hour window nothing else reaches people.
- webhook: signed JSON (channels/webhook.py) with `subject`, `text`, `link` and `data`; an attachment is not sent
  (the link leads to it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from . import email, slack, webhook, whatsapp
from .errors import ChannelError

EMAIL, SLACK, WHATSAPP, WEBHOOK = "email", "slack", "whatsapp", "webhook"
KINDS = (EMAIL, SLACK, WHATSAPP, WEBHOOK)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    link: str = ""
    link_label: str = "Open in Elettro"
    email_body: str = ""
    attachment: Attachment | None = None
    template: str = ""  # an approved WhatsApp template's name, instead of the company's
    template_parameters: tuple[str, ...] = ()  # its {{1}}, {{2}}…; no template is sent without them
    data: dict[str, Any] = field(default_factory=dict)  # the values, for a webhook
    id: str = ""  # the same on every attempt, so a webhook receiver can drop a retried copy


@dataclass(frozen=True)
class ChannelConfig:
    """What sending needs beyond the target: the company's Slack bot, the WhatsApp number it sends from, and a
    webhook channel's signing secret."""

    slack_bot_token: str = ""
    whatsapp_phone_number_id: str = ""
    whatsapp_access_token: str = ""
    whatsapp_template: str = ""
    whatsapp_language: str = "en"
    webhook_secret: str = ""


def send(kind: str, target: str, message: Message, *, config: ChannelConfig) -> str:
    """Send `message` to `target` on channel `kind`; returns the service's id for it ('' when it gives none).
    Raises ChannelError when it did not go."""
    if kind == EMAIL:
        return _email(target, message)
    if kind == SLACK:
        return _slack(target, message, config)
    if kind == WHATSAPP:
        return _whatsapp(target, message, config)
    if kind == WEBHOOK:
        return _webhook(target, message, config)
    raise ChannelError(f"Unknown channel {kind!r}.", retryable=False)


def validate_target(kind: str, target: str) -> None:
    """Raises ValidationError, said for a form, when `target` cannot be sent to on channel `kind`."""
    if kind == EMAIL:
        email.validate_email_list(target)
    elif kind == SLACK:
        if target.strip().lower().startswith(("http:", "https:")):
            slack.validate_webhook_url(target)
        elif not target.strip():
            raise ValidationError("Enter a Slack webhook URL or a channel id.")
    elif kind == WHATSAPP:
        whatsapp.validate_phone(target)
    elif kind == WEBHOOK:
        webhook.validate_webhook_url(target)
    else:
        raise ValidationError(f"Unknown channel {kind!r}.")


def target_label(kind: str, target: str) -> str:
    """How a target is shown in histories and logs: a webhook URL is itself a secret, so only its host (for a
    generic webhook) and last characters, which tell two apart without revealing it."""
    if kind == SLACK and target.startswith("http"):
        return f"Slack webhook …{urlsplit(target).path[-4:]}"
    if kind == WEBHOOK:
        parts = urlsplit(target)
        return f"Webhook {parts.hostname or ''} …{(parts.path + parts.query)[-4:]}"
    return target


# ---------------------------------------------------------------- each channel


def _email(target: str, message: Message) -> str:
    body = message.email_body or message.text
    if message.link and not message.email_body:
        body += f"\n\n{message.link_label}:\n{message.link}\n"
    attachment = message.attachment
    email.send_email(
        to=[target],
        subject=message.subject,
        body=body,
        attachment=(attachment.filename, attachment.content, attachment.content_type) if attachment else None,
    )
    return ""


def _slack(target: str, message: Message, config: ChannelConfig) -> str:
    text = f"{message.text}\n<{message.link}|{message.link_label}>" if message.link else message.text
    blocks = _slack_blocks(message) if message.link else None
    if target.startswith("http"):
        slack.post_webhook(target, text=text, blocks=blocks)
        return ""
    if not config.slack_bot_token:
        raise ChannelError("Slack is not set up: add the bot token in Channels settings.", retryable=False)
    if message.attachment is None:
        return slack.post_message(config.slack_bot_token, target, text=text, blocks=blocks)
    return slack.upload_file(
        config.slack_bot_token,
        target,
        filename=message.attachment.filename,
        content=message.attachment.content,
        title=message.subject,
        initial_comment=f"{message.text}\n{message.link}" if message.link else message.text,
    )


def _slack_blocks(message: Message) -> list[dict]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": message.text}},
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": message.link_label}, "url": message.link}
            ],
        },
    ]


def _whatsapp(target: str, message: Message, config: ChannelConfig) -> str:
    number_id, token = config.whatsapp_phone_number_id, config.whatsapp_access_token
    if not (number_id and token):
        raise ChannelError(
            "WhatsApp is not set up: add the phone number ID and access token in Channels settings.", retryable=False
        )
    template = message.template or config.whatsapp_template
    message_id = ""
    if message.attachment is not None:
        if message.attachment.content_type != "application/pdf":
            raise ChannelError("WhatsApp carries PDF files only.", retryable=False)
        message_id = whatsapp.send_pdf(
            phone_number_id=number_id,
            token=token,
            to=target,
            filename=message.attachment.filename,
            content=message.attachment.content,
            caption=message.subject[:1000],
        )
    elif not (template and message.template_parameters):
        raise ChannelError(
            "WhatsApp needs an approved template for this message: outside the 24-hour window nothing else "
            "reaches people. Set the template in Channels settings.",
            retryable=False,
        )
    if template and message.template_parameters:
        # The template is what reaches people outside WhatsApp's 24-hour window.
        template_id = whatsapp.send_template(
            phone_number_id=number_id,
            token=token,
            to=target,
            template=template,
            language=config.whatsapp_language or "en",
            body_parameters=[_one_line(value) for value in message.template_parameters],
        )
        message_id = message_id or template_id
    return message_id


def _one_line(value: str) -> str:
    # Meta refuses template parameters with new lines, tabs or runs of spaces (error 132018).
    return " ".join(str(value).split()) or "–"


def _webhook(target: str, message: Message, config: ChannelConfig) -> str:
    payload = {"subject": message.subject, "text": message.text, "link": message.link, "data": message.data}
    return webhook.post(target, payload, secret=config.webhook_secret, delivery_id=message.id or uuid.uuid4().hex)
