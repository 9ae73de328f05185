"""Slack, either through an incoming webhook (one fixed channel, no token) or a bot token and the Web API (any
channel the app was invited to, and files).

Webhooks answer with an HTTP status and a plain-text code (`404 no_service`); the Web API answers HTTP 200 with
`{"ok": false, "error": "not_in_channel"}`. Both use 429 and Retry-After when rate limiting.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError

from elettro import outbound

from .errors import ChannelError, retry_after_seconds, unreachable

_CODE = re.compile(r"[a-z_]{2,60}")
_WEBHOOK_PATH = re.compile(r"/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+")
_BOT_TOKEN = re.compile(r"xoxb-[A-Za-z0-9-]+")
_OTHER_TOKENS = {"xoxp-": "a user token", "xapp-": "an app-level token", "xoxe": "a refresh token"}

# Codes from Slack's webhook and Web API documentation, said so a manager knows what to change.
_PHRASES = {
    "invalid_payload": "it could not read the message Elettro sent",
    "invalid_blocks": "the message layout Elettro sent is not valid",
    "no_service": "the webhook URL no longer exists",
    "no_team": "the workspace of this webhook no longer exists",
    "no_active_hooks": "this webhook has been turned off",
    "invalid_token": "the webhook URL is not valid",
    "action_prohibited": "the workspace admins do not allow posting here",
    "channel_not_found": "the channel does not exist or the Slack app cannot see it",
    "channel_is_archived": "the channel is archived",
    "is_archived": "the channel is archived",
    "not_in_channel": "the Slack app is not a member of the channel; invite it with /invite",
    "not_authed": "no bot token was sent",
    "invalid_auth": "the bot token is not valid",
    "token_revoked": "the bot token has been revoked",
    "token_expired": "the bot token has expired",
    "account_inactive": "the Slack app was removed from the workspace",
    "missing_scope": "the Slack app lacks a permission it needs",
    "file_uploads_disabled": "file uploads are turned off in this workspace",
    "file_upload_size_restricted": "the file is larger than this workspace allows",
    "file_not_found": "the uploaded file was not found",
    "ratelimited": "Elettro is posting too fast",
    "rate_limited": "Elettro is posting too fast",
}
_TRANSIENT = {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def validate_webhook_url(url: str) -> None:
    """Only Slack's own webhook host, read the way the HTTP client will read it (elettro.outbound), so a stored
    URL can never make Elettro post somewhere else."""
    example = "https://hooks.slack.com/services/T…/B…/…"
    try:
        target = outbound.parse(url.strip())
    except outbound.URLRefused as exc:
        raise ValidationError(f"This is not a Slack webhook URL: {exc.reason}. It should look like {example}") from None
    hosts = _webhook_hosts()
    if target.host not in hosts:
        raise ValidationError(f"This is not a Slack webhook URL: it should look like {example}")
    try:
        outbound.check(target, hosts)
    except outbound.URLRefused as exc:
        if target.scheme != "https":
            raise ValidationError("The Slack webhook URL must start with https://.") from None
        raise ValidationError(
            f"This Slack webhook URL is not allowed: {exc.reason}. It should look like {example}"
        ) from None
    path = urlsplit(url.strip())
    if not _WEBHOOK_PATH.fullmatch(path.path) or path.query or path.fragment:
        raise ValidationError(f"This Slack webhook URL is incomplete: it should look like {example}")


def validate_bot_token(token: str) -> None:
    token = token.strip()
    for prefix, kind in _OTHER_TOKENS.items():
        if token.startswith(prefix):
            raise ValidationError(
                f"This is {kind} ({prefix}…); paste the Bot User OAuth Token, which starts with xoxb-."
            )
    if not _BOT_TOKEN.fullmatch(token):
        raise ValidationError(
            "A Slack bot token starts with xoxb- (OAuth & Permissions page of the Slack app, “Bot User OAuth Token”)."
        )


def post_webhook(url: str, *, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    """`text` is also the notification preview when `blocks` give the message its layout."""
    try:
        validate_webhook_url(url)
    except ValidationError as exc:
        raise ChannelError(exc.messages[0], retryable=False) from None
    response = _post(
        url,
        data=_json({"text": text, "blocks": blocks}),
        headers={"Content-Type": "application/json"},
        hosts=_webhook_hosts(),
    )
    if response.status_code != 200:
        body = response.text.strip()
        raise _error(body if _CODE.fullmatch(body) else "", response)


def post_message(token: str, channel: str, *, text: str, blocks: list[dict[str, Any]] | None = None) -> str:
    """Returns the message's `ts`, Slack's id for it within the channel."""
    result = _call(token, "chat.postMessage", json_body={"channel": channel, "text": text, "blocks": blocks})
    return str(result.get("ts", ""))


def upload_file(token: str, channel: str, *, filename: str, content: bytes, title: str, initial_comment: str) -> str:
    """Slack's external upload flow (files.upload is retired): reserve an upload URL, send the bytes there, then
    share the file into the channel. Returns the file id."""
    ticket = _call(token, "files.getUploadURLExternal", form={"filename": filename, "length": str(len(content))})
    upload_url, file_id = ticket.get("upload_url"), ticket.get("file_id")
    if not isinstance(upload_url, str) or not isinstance(file_id, str):
        raise ChannelError("Slack answered files.getUploadURLExternal without an upload address.", retryable=False)
    # The upload URL is pre-signed, so the bot token is not sent to it.
    uploaded = _post(upload_url, data=content, headers={"Content-Type": "application/octet-stream"})
    if uploaded.status_code != 200:
        raise _error("", uploaded, doing="did not accept the file")
    body = {"files": [{"id": file_id, "title": title}], "channel_id": channel, "initial_comment": initial_comment}
    _call(token, "files.completeUploadExternal", json_body=body)
    return file_id


def _call(
    token: str, method: str, *, json_body: dict[str, Any] | None = None, form: dict[str, str] | None = None
) -> dict[str, Any]:
    base = getattr(settings, "SLACK_API_BASE", "https://slack.com/api/")
    headers = {"Authorization": f"Bearer {token}"}
    if json_body is not None:
        headers["Content-Type"] = "application/json; charset=utf-8"
    response = _post(f"{base.rstrip('/')}/{method}", data=form or _json(json_body or {}), headers=headers)
    try:
        result = response.json()
    except ValueError:
        result = None
    if response.status_code == 200 and isinstance(result, dict) and result.get("ok") is True:
        return result
    code = str(result.get("error", "")) if isinstance(result, dict) else ""
    needed = result.get("needed") if isinstance(result, dict) else None
    if response.status_code == 200 and not code:
        raise ChannelError(f"Slack answered {method} with something Elettro does not understand.", retryable=False)
    raise _error(code, response, needed=needed)


def _error(
    code: str, response: requests.Response, *, doing: str = "refused the request", needed: Any = None
) -> ChannelError:
    status = response.status_code
    retry_after = retry_after_seconds(response)
    retryable = status == 429 or status >= 500 or code in _TRANSIENT
    label = f"{status} {code}" if code else f"HTTP {status}"
    shown = code if status == 200 else label  # Web API failures come with HTTP 200: the status adds nothing
    if needed:
        shown += f", needs {needed}"
    if code in _PHRASES:
        text = f"Slack says {_PHRASES[code]} ({shown})"
    elif status == 429:
        text = f"Slack says {_PHRASES['ratelimited']} ({shown})"
    elif retryable:
        text = f"Slack had a temporary problem ({shown})"
    else:
        text = f"Slack {doing} ({shown})"
    if retry_after is not None:
        text += f"; it asked to wait {retry_after:g} seconds"
    return ChannelError(text + ".", retryable=retryable, retry_after=retry_after)


def _post(
    url: str,
    *,
    data: bytes | dict[str, str],
    headers: dict[str, str],
    hosts: frozenset[str] = outbound.SLACK_API_HOSTS,
) -> requests.Response:
    """Through elettro.outbound: the webhook URL is the company's, and the upload URL is whatever Slack answered
    with, so both are vetted (host list, public address, pinned connection) before anything is sent."""
    timeout = getattr(settings, "CHANNEL_TIMEOUT_SECONDS", 20)
    try:
        return outbound.post(url, hosts=hosts, data=data, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise unreachable("Slack", exc, timeout) from None


def _json(payload: dict[str, Any]) -> bytes:
    """Slack rejects `"blocks": null`, so absent optional fields are left out."""
    return json.dumps({key: value for key, value in payload.items() if value is not None}).encode()


def _webhook_hosts() -> frozenset[str]:
    return frozenset(host.lower() for host in getattr(settings, "SLACK_WEBHOOK_HOSTS", ["hooks.slack.com"]))
