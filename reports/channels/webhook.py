"""A generic webhook: Elettro POSTs JSON to a company's own URL, signed the way Razorpay signs the webhooks it
sends us (billing.razorpay_client.webhook_signature_valid): HMAC-SHA256 of the raw body with the channel's
secret, in hex, in `X-Elettro-Signature`.

A receiver checks it as we check Razorpay's:

    expected = hmac.new(secret.encode(), request_body_bytes, hashlib.sha256).hexdigest()
    hmac.compare_digest(expected, request.headers["X-Elettro-Signature"])

The body also carries `timestamp` (Unix seconds, repeated in `X-Elettro-Timestamp`) and `id` (repeated in
`X-Elettro-Delivery`). Both are inside the signed body, so a receiver can trust them: it can refuse a body older
than a few minutes (a captured request replayed later) and drop a second copy of an `id` (our retries). A
timestamp only in a header would not be signed, and so would prove nothing.

The URL is the company's, so it goes through elettro.outbound: https, a public host name, no address inside our
network (checked when the channel is saved and again, after the name lookup, on every send). The URL is treated
as a secret, like a Slack webhook URL: no message here repeats it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError

from elettro import outbound

from .errors import ChannelError, retry_after_seconds

SIGNATURE_HEADER = "X-Elettro-Signature"
TIMESTAMP_HEADER = "X-Elettro-Timestamp"
DELIVERY_HEADER = "X-Elettro-Delivery"
SECRET_MAX_LENGTH = 100  # AlertChannel.secret


def new_secret() -> str:
    """A signing secret for a new webhook channel (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def validate_webhook_url(url: str) -> None:
    """What can be said without looking the host name up: https, the standard port, a host name that is not an
    IP address or localhost, nothing that reads two ways. A name that resolves inside our network is refused at
    send time, when elettro.outbound looks it up (an answer now could change by then)."""
    try:
        outbound.check_url(url.strip(), outbound.ANY_PUBLIC_HOST)
    except outbound.URLRefused as exc:
        raise ValidationError(
            f"This webhook URL is not allowed: {exc.reason}. It should look like https://example.com/elettro-alerts"
        ) from None


def validate_secret(secret: str) -> None:
    if len(secret) < 16 or len(secret) > SECRET_MAX_LENGTH:
        raise ValidationError(f"A webhook signing secret has 16 to {SECRET_MAX_LENGTH} characters.")


def post(url: str, payload: dict[str, Any], *, secret: str, delivery_id: str) -> str:
    """POST `payload` (with `id` and `timestamp` added) as signed JSON; returns `delivery_id`, the id the
    receiver sees on every attempt of this delivery."""
    try:
        validate_webhook_url(url)
    except ValidationError as exc:
        raise ChannelError(exc.messages[0], retryable=False) from None
    if not secret:
        raise ChannelError(
            "This webhook has no signing secret, so its receiver could not tell our messages from forged ones; "
            "add one to the channel.",
            retryable=False,
        )
    timestamp = int(time.time())
    body = json.dumps({"id": delivery_id, "timestamp": timestamp, **payload}, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Elettro-Webhooks/1",
        SIGNATURE_HEADER: sign(secret, body),
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: delivery_id,
    }
    timeout = getattr(settings, "CHANNEL_TIMEOUT_SECONDS", 20)
    try:
        response = outbound.post(url, hosts=outbound.ANY_PUBLIC_HOST, data=body, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise _unreachable(exc, timeout) from None
    if 200 <= response.status_code < 300:
        return delivery_id
    raise _error(response)


def _unreachable(exc: requests.RequestException, timeout: float) -> ChannelError:
    """As errors.unreachable says it for a named service; raised `from None`, since the URL may be a secret."""
    if isinstance(exc, outbound.URLRefused):
        return ChannelError(f"Elettro will not connect to this webhook address: {exc.reason}.", retryable=False)
    if isinstance(exc, outbound.ResponseTooLarge):
        return ChannelError("The webhook answered with far more data than expected.", retryable=False)
    if isinstance(exc, requests.Timeout):
        return ChannelError(f"The webhook did not answer within {timeout:g} seconds.", retryable=True)
    if isinstance(exc, requests.exceptions.SSLError):
        return ChannelError("Could not make a secure connection to the webhook.", retryable=True)
    if isinstance(exc, requests.ConnectionError):
        return ChannelError("Could not connect to the webhook.", retryable=True)
    return ChannelError(f"The webhook address is not usable ({type(exc).__name__}).", retryable=False)


def _error(response: requests.Response) -> ChannelError:
    status = response.status_code
    retry_after = retry_after_seconds(response)
    said = _said(response)
    if 300 <= status < 400:
        return ChannelError(
            f"The webhook answered with a redirect (HTTP {status}), which Elettro does not follow; "
            "save the address it redirects to.",
            retryable=False,
        )
    if status == 429:
        text, retryable = f"The webhook asked Elettro to slow down (HTTP 429{said})", True
    elif status >= 500 or status == 408:
        text, retryable = f"The webhook had a temporary problem (HTTP {status}{said})", True
    elif status in (401, 403):
        text = f"The webhook refused the delivery (HTTP {status}{said}); check that it uses this channel's secret"
        retryable = False
    else:
        text, retryable = f"The webhook refused the delivery (HTTP {status}{said})", False
    if retry_after is not None:
        text += f"; it asked to wait {retry_after:g} seconds"
    return ChannelError(text + ".", retryable=retryable, retry_after=retry_after)


def _said(response: requests.Response) -> str:
    """The first line of a short text answer: receivers often say what they did not like ("bad signature")."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not (kind.startswith("text/") or kind == "application/json"):
        return ""
    line = " ".join(response.text.strip().splitlines()[:1]).strip()
    line = "".join(char for char in line if char.isprintable())[:120]
    return f": {line}" if line else ""
