"""Email through Django's configured backend, so tests capture it in memory and production speaks SMTP."""

from __future__ import annotations

import re
import smtplib

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email

from .errors import ChannelError

_SEPARATORS = re.compile(r"[,;\n]")
# "Asha Rao <asha@example.com>", as Outlook and Gmail copy an address.
_NAMED = re.compile(r"[^<>]*<([^<>]*)>")


def send_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    attachment: tuple[str, bytes, str] | None = None,
    html: str | None = None,
) -> None:
    """Send one message to all of `to`; `attachment` is (filename, content, MIME type)."""
    if not to:
        raise ChannelError("The email has no recipients.", retryable=False)
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html is not None:
        message.attach_alternative(html, "text/html")
    if attachment is not None:
        message.attach(*attachment)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        # Raised only when every recipient was refused; 4xx codes are a full mailbox or greylisting, which pass.
        refused = ", ".join(f"{address} ({code})" for address, (code, _) in exc.recipients.items())
        temporary = all(code < 500 for code, _ in exc.recipients.values())
        raise ChannelError(f"The mail server refused every recipient: {refused}.", retryable=temporary) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise ChannelError(
            f"The mail server refused Elettro's sign-in ({exc.smtp_code}); check the outgoing mail settings.",
            retryable=exc.smtp_code < 500,
        ) from exc
    except smtplib.SMTPResponseException as exc:
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise ChannelError(
            f"The mail server refused the email ({exc.smtp_code} {reply[:120]}).", retryable=exc.smtp_code < 500
        ) from exc
    except smtplib.SMTPException as exc:
        raise ChannelError(f"The mail server broke off the delivery: {exc}.", retryable=True) from exc
    except OSError as exc:
        raise ChannelError(f"Could not reach the mail server: {exc.strerror or exc}.", retryable=True) from exc


def validate_email_list(text: str) -> list[str]:
    """Addresses typed or pasted into one box, separated by commas, semicolons or new lines; duplicates dropped."""
    addresses: list[str] = []
    seen: set[str] = set()
    errors: list[ValidationError] = []
    for piece in filter(None, (part.strip() for part in _SEPARATORS.split(text))):
        named = _NAMED.fullmatch(piece)
        address = (named.group(1) if named else piece).strip()
        try:
            validate_email(address)
        except ValidationError:
            errors.append(ValidationError("“%(value)s” is not a valid email address.", params={"value": piece}))
            continue
        if address.lower() not in seen:
            seen.add(address.lower())
            addresses.append(address)
    if errors:
        raise ValidationError(errors)
    if not addresses:
        raise ValidationError("Enter at least one email address.")
    return addresses
