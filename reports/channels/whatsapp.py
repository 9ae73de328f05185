"""WhatsApp through Meta's Cloud API (Graph API): upload the PDF once, then send it as a document message.

A document message only reaches someone who wrote to the business number in the last 24 hours; outside that
window only an approved template message is delivered, which is why both are here. Graph errors carry a numeric
`code` that says far more than the HTTP status, so failures are classified by it.
"""

from __future__ import annotations

import re
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError

from elettro import outbound

from .errors import ChannelError, retry_after_seconds, unreachable

_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")

# Codes from Meta's Cloud API error reference, said so a manager knows what to change.
_CONFIG_ERRORS = {
    190: "the access token has expired or is not valid; create a new one in Meta Business settings",
    100: "a value Elettro sent is not valid",
    131009: "a value Elettro sent is not valid",
    131026: "the message could not be delivered to this number; check that it uses WhatsApp",
    131030: "this number is not on the recipient list of the WhatsApp test number; add it in Meta's API setup",
    131047: (
        "more than 24 hours have passed since this person last wrote to the business number, "
        "so only an approved template message can reach them"
    ),
    132000: "the template's number of parameters does not match what Elettro sent",
    132001: "the template does not exist in this language",
}
_TRANSIENT_ERRORS = {
    2: "the service is temporarily unavailable",
    4: "the app made too many calls",
    80007: "the WhatsApp Business Account reached its rate limit",
    130429: "the phone number reached its message throughput limit",
    131056: "too many messages were sent to this person in a short time",
}


def normalize_phone(text: str) -> str:
    """E.164 digits without the '+', which is what the Cloud API's `to` expects.

    Without a '+' (or 00) a number of ten digits or fewer is refused: 98765 43210 could be Indian without +91
    or a local number anywhere, and guessing would send someone's sales report to a stranger.
    """
    compact = _PHONE_PUNCTUATION.sub("", text.strip())
    international = compact.startswith(("+", "00"))
    digits = compact.removeprefix("+") if compact.startswith("+") else compact.removeprefix("00")
    if not digits.isdigit():
        raise ValidationError("Enter a phone number with digits only, such as +91 98765 43210.")
    if not international and len(digits) <= 10:
        raise ValidationError("Add the country code to this number, such as +91 98765 43210 for India.")
    if digits.startswith("0"):
        raise ValidationError("Start the number with its country code instead of 0, such as +91 98765 43210.")
    if not 8 <= len(digits) <= 15:
        raise ValidationError("A phone number with its country code has 8 to 15 digits, such as +91 98765 43210.")
    return digits


def validate_phone(text: str) -> None:
    normalize_phone(text)


def upload_media(
    *, phone_number_id: str, token: str, filename: str, content: bytes, mime_type: str = "application/pdf"
) -> str:
    """Returns the media id, valid for 30 days, that messages refer to."""
    result = _post(
        phone_number_id,
        "media",
        token,
        data={"messaging_product": "whatsapp", "type": mime_type},
        files={"file": (filename, content, mime_type)},
    )
    media_id = result.get("id")
    if not isinstance(media_id, str):
        raise ChannelError("WhatsApp accepted the file but did not say its media id.", retryable=False)
    return media_id


def send_document(*, phone_number_id: str, token: str, to: str, media_id: str, filename: str, caption: str) -> str:
    """Returns the message id (wamid…), which means Meta accepted the message, not that it arrived: outside the
    24-hour customer-service window Meta usually answers 200 and reports 131047 later, through status webhooks."""
    message = {"type": "document", "document": {"id": media_id, "filename": filename, "caption": caption}}
    return _send(phone_number_id, token, to, message)


def send_template(
    *, phone_number_id: str, token: str, to: str, template: str, language: str = "en", body_parameters: list[str]
) -> str:
    """Returns the message id. `body_parameters` fill the template's {{1}}, {{2}}… in order."""
    content: dict[str, Any] = {"name": template, "language": {"code": language}}
    if body_parameters:
        parameters = [{"type": "text", "text": value} for value in body_parameters]
        content["components"] = [{"type": "body", "parameters": parameters}]
    return _send(phone_number_id, token, to, {"type": "template", "template": content})


def send_pdf(*, phone_number_id: str, token: str, to: str, filename: str, content: bytes, caption: str) -> str:
    """Upload then send as a document; the recipient is checked first so a bad number costs no upload."""
    recipient = _recipient(to)
    media_id = upload_media(phone_number_id=phone_number_id, token=token, filename=filename, content=content)
    return send_document(
        phone_number_id=phone_number_id,
        token=token,
        to=recipient,
        media_id=media_id,
        filename=filename,
        caption=caption,
    )


def _send(phone_number_id: str, token: str, to: str, message: dict[str, Any]) -> str:
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": _recipient(to), **message}
    result = _post(phone_number_id, "messages", token, json=body)
    messages = result.get("messages")
    if not (isinstance(messages, list) and messages and isinstance(messages[0], dict) and "id" in messages[0]):
        raise ChannelError("WhatsApp accepted the message but did not say its id.", retryable=False)
    return str(messages[0]["id"])


def _recipient(to: str) -> str:
    try:
        return normalize_phone(to)
    except ValidationError as exc:
        raise ChannelError(f"The WhatsApp number “{to}” is not usable: {exc.messages[0]}", retryable=False) from None


def _post(phone_number_id: str, edge: str, token: str, **kwargs: Any) -> dict[str, Any]:
    if not phone_number_id.isdigit():
        # It becomes part of the URL path, and Meta's ids are all digits.
        raise ChannelError(
            "The WhatsApp phone number ID must be digits (WhatsApp Manager, API setup).", retryable=False
        )
    base = getattr(settings, "WHATSAPP_GRAPH_BASE", "https://graph.facebook.com/")
    version = getattr(settings, "WHATSAPP_API_VERSION", "v21.0")
    timeout = getattr(settings, "CHANNEL_TIMEOUT_SECONDS", 20)
    url = f"{base.rstrip('/')}/{version}/{phone_number_id}/{edge}"
    try:
        response = outbound.post(
            url, hosts=outbound.WHATSAPP_HOSTS, headers={"Authorization": f"Bearer {token}"}, timeout=timeout, **kwargs
        )
    except requests.RequestException as exc:
        raise unreachable("WhatsApp", exc, timeout) from None
    try:
        result = response.json()
    except ValueError:
        result = None
    if response.ok and isinstance(result, dict):
        return result
    raise _graph_error(response, result)


def _graph_error(response: requests.Response, result: Any) -> ChannelError:
    status = response.status_code
    retry_after = retry_after_seconds(response)
    busy = status == 429 or status >= 500
    error = result.get("error") if isinstance(result, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
        return ChannelError(f"WhatsApp answered HTTP {status}.", retryable=busy, retry_after=retry_after)
    code = error["code"]
    if code == 100 and error.get("error_subcode") == 33:
        text, retryable = "WhatsApp says the phone number ID does not exist or the access token cannot use it", False
    elif code in _CONFIG_ERRORS:
        text, retryable = f"WhatsApp says {_CONFIG_ERRORS[code]}", False
    elif code in _TRANSIENT_ERRORS:
        text, retryable = f"WhatsApp says {_TRANSIENT_ERRORS[code]}", True
    else:
        text, retryable = f"WhatsApp refused the request: {error.get('message', 'no reason given')}", busy
    details = (error.get("error_data") or {}).get("details")
    if details and code in (100, 131009):
        # Which parameter was wrong, in Meta's words; without it "a value is not valid" helps nobody.
        text += f": {details}"
    return ChannelError(f"{text} (code {code}).", retryable=retryable, retry_after=retry_after)
