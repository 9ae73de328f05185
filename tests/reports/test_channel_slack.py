"""Slack delivery against a local fake Slack that checks requests as Slack documents them."""

from __future__ import annotations

import socket

import pytest
import requests
from django.core.exceptions import ValidationError

from reports.channels import ChannelError
from reports.channels.slack import post_message, post_webhook, upload_file, validate_bot_token, validate_webhook_url
from tests.fakes.http import Reply
from tests.fakes.slack import FakeSlack

PDF = b"%PDF-1.7\r\n\x00\xff binary \r\n%%EOF\r\n"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Weekly sales*: ₹12.4 L, up 8%"}}]


@pytest.fixture
def slack(settings):
    with FakeSlack() as fake:
        settings.SLACK_API_BASE = fake.api_base
        settings.SLACK_WEBHOOK_HOSTS = ["hooks.slack.com", "127.0.0.1"]
        settings.CHANNEL_TIMEOUT_SECONDS = 5
        yield fake


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raised(call, *args, **kwargs) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        call(*args, **kwargs)
    return caught.value


# ---------------------------------------------------------------- incoming webhook


def test_webhook_message_arrives_as_json(slack):
    post_webhook(slack.webhook_url, text="Weekly sales report is ready", blocks=BLOCKS)

    (request,) = slack.requests
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {"text": "Weekly sales report is ready", "blocks": BLOCKS}
    assert slack.posted == [{"via": "webhook", "text": "Weekly sales report is ready", "blocks": BLOCKS}]


def test_webhook_without_blocks_sends_no_blocks_key(slack):
    post_webhook(slack.webhook_url, text="Stock alert: 3 products below reorder level")

    assert slack.requests[0].json == {"text": "Stock alert: 3 products below reorder level"}


def test_removed_webhook_reads_clearly(slack):
    error = raised(post_webhook, slack.url + "/services/T000/B000/REMOVED", text="hello")

    assert error.message == "Slack says the webhook URL no longer exists (404 no_service)."
    assert not error.retryable


def test_empty_message_is_refused_by_slack_as_invalid_payload(slack):
    error = raised(post_webhook, slack.webhook_url, text="")

    assert error.message == "Slack says it could not read the message Elettro sent (400 invalid_payload)."
    assert not error.retryable
    assert slack.posted == []


@pytest.mark.parametrize(
    ("status", "code", "retryable", "words"),
    [
        (403, "action_prohibited", False, "admins do not allow posting"),
        (404, "channel_not_found", False, "channel does not exist"),
        (410, "channel_is_archived", False, "archived"),
        (410, "no_active_hooks", False, "turned off"),
        (500, "rollup_error", True, "temporary problem"),
    ],
)
def test_webhook_errors_say_what_happened(slack, status, code, retryable, words):
    slack.queue_reply(Reply(status, code))

    error = raised(post_webhook, slack.webhook_url, text="hello")

    assert words in error.message
    assert f"({status} {code})" in error.message
    assert error.retryable is retryable


def test_webhook_rate_limit_carries_retry_after(slack):
    slack.queue_reply(Reply(429, "rate_limited", headers={"Retry-After": "30"}))

    error = raised(post_webhook, slack.webhook_url, text="hello")

    assert error.retryable
    assert error.retry_after == 30.0
    assert error.message == "Slack says Elettro is posting too fast (429 rate_limited); it asked to wait 30 seconds."


def test_slow_slack_is_a_retryable_timeout(slack, settings):
    settings.CHANNEL_TIMEOUT_SECONDS = 0.3
    slack.queue_reply(Reply(200, "ok", delay=1.5))

    error = raised(post_webhook, slack.webhook_url, text="hello")

    assert error.message == "Slack did not answer within 0.3 seconds."
    assert error.retryable


def test_unreachable_slack_is_retryable_and_the_message_hides_the_webhook_secret(settings):
    settings.SLACK_WEBHOOK_HOSTS = ["127.0.0.1"]
    url = f"http://127.0.0.1:{closed_port()}/services/T000/B000/SECRETPART"

    error = raised(post_webhook, url, text="hello")

    assert error.message == "Could not connect to Slack."
    assert error.retryable
    assert error.__cause__ is None and error.__suppress_context__
    assert "SECRETPART" not in str(error)


def test_webhook_outside_slack_is_never_posted_to(slack, settings):
    settings.SLACK_WEBHOOK_HOSTS = ["hooks.slack.com"]

    error = raised(post_webhook, slack.webhook_url, text="hello")

    assert "not a Slack webhook URL" in error.message
    assert not error.retryable
    assert slack.requests == []


# ---------------------------------------------------------------- validation


def test_real_webhook_url_is_valid():
    validate_webhook_url("https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/abcDEF123ghiJKL456mno789")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/abc123", "must start with https://"),
        ("https://hooks.slack.com.evil.example/services/T0AB12CD3/B0EF45GH6/abc123", "not a Slack webhook URL"),
        ("https://hooks.slack.com@evil.example/services/T0AB12CD3/B0EF45GH6/abc123", "not a Slack webhook URL"),
        ("hooks.slack.com/services/T0AB12CD3/B0EF45GH6/abc123", "not a Slack webhook URL"),
        ("https://hooks.slack.com/services/T0AB12CD3", "incomplete"),
        ("https://hooks.slack.com/workflows/T0AB12CD3/A0/1/abc", "incomplete"),
        ("http://127.0.0.1:8000/services/T000/B000/XXXX", "not a Slack webhook URL"),  # only tests allow the fake
    ],
)
def test_webhook_url_validation_explains(url, words, settings):
    settings.SLACK_WEBHOOK_HOSTS = ["hooks.slack.com"]  # production's list (the test settings add the fake's host)
    with pytest.raises(ValidationError) as caught:
        validate_webhook_url(url)
    assert words in caught.value.messages[0]


def test_bot_token_validation():
    validate_bot_token("xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx")


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("xoxp-1234-5678-abcd", "user token"),
        ("xapp-1-A0-123-abc", "app-level token"),
        ("abc123", "starts with xoxb-"),
        ("xoxb-123 456", "starts with xoxb-"),
        ("", "starts with xoxb-"),
    ],
)
def test_wrong_tokens_are_named(token, words):
    with pytest.raises(ValidationError) as caught:
        validate_bot_token(token)
    assert words in caught.value.messages[0]


# ---------------------------------------------------------------- Web API with a bot token


def test_bot_message_arrives_with_bearer_token_and_utf8_json(slack):
    ts = post_message(slack.token, "C0REPORTS", text="Weekly sales report is ready", blocks=BLOCKS)

    (request,) = slack.requests
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == f"Bearer {slack.token}"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.json == {"channel": "C0REPORTS", "text": "Weekly sales report is ready", "blocks": BLOCKS}
    assert slack.warnings == []
    assert slack.posted[0]["channel"] == "C0REPORTS" and slack.posted[0]["ts"] == ts


def test_wrong_bot_token(slack):
    error = raised(post_message, "xoxb-1-2-notthetoken", "C0REPORTS", text="hello")

    assert error.message == "Slack says the bot token is not valid (invalid_auth)."
    assert not error.retryable
    assert "xoxb-1-2-notthetoken" not in error.message


def test_bot_not_invited_to_the_channel(slack):
    error = raised(post_message, slack.token, "C0PRIVATE", text="hello")

    assert error.message == (
        "Slack says the Slack app is not a member of the channel; invite it with /invite (not_in_channel)."
    )
    assert not error.retryable


def test_unknown_channel(slack):
    error = raised(post_message, slack.token, "C0NOSUCH", text="hello")

    assert error.message == "Slack says the channel does not exist or the Slack app cannot see it (channel_not_found)."
    assert not error.retryable


def test_missing_scope_names_the_permission(slack):
    slack.queue_reply(Reply(200, {"ok": False, "error": "missing_scope", "needed": "chat:write"}))

    error = raised(post_message, slack.token, "C0REPORTS", text="hello")

    assert error.message == "Slack says the Slack app lacks a permission it needs (missing_scope, needs chat:write)."


def test_web_api_rate_limit(slack):
    slack.queue_reply(Reply(429, {"ok": False, "error": "ratelimited"}, headers={"Retry-After": "12"}))

    error = raised(post_message, slack.token, "C0REPORTS", text="hello")

    assert error.retryable
    assert error.retry_after == 12.0
    assert "(429 ratelimited)" in error.message


@pytest.mark.parametrize(
    "reply",
    [Reply(503, "<html>Service Unavailable</html>"), Reply(200, {"ok": False, "error": "internal_error"})],
)
def test_slack_outages_are_retryable(slack, reply):
    slack.queue_reply(reply)

    error = raised(post_message, slack.token, "C0REPORTS", text="hello")

    assert error.retryable
    assert error.message.startswith("Slack had a temporary problem")


# ---------------------------------------------------------------- file upload (external upload flow)


def test_pdf_upload_follows_the_external_upload_flow(slack):
    file_id = upload_file(
        slack.token,
        "C0REPORTS",
        filename="sales-week-32.pdf",
        content=PDF,
        title="Sales, week 32",
        initial_comment="This week's sales report",
    )

    ticket, upload, complete = slack.requests
    assert ticket.path == "/api/files.getUploadURLExternal"
    assert ticket.headers["Authorization"] == f"Bearer {slack.token}"
    assert ticket.form == {"filename": "sales-week-32.pdf", "length": str(len(PDF))}
    assert upload.path.startswith("/upload/v1/")
    assert upload.body == PDF
    assert "Authorization" not in upload.headers
    assert complete.path == "/api/files.completeUploadExternal"
    assert complete.headers["Authorization"] == f"Bearer {slack.token}"
    assert complete.json == {
        "files": [{"id": file_id, "title": "Sales, week 32"}],
        "channel_id": "C0REPORTS",
        "initial_comment": "This week's sales report",
    }
    shared = slack.files[file_id]
    assert (shared.content, shared.channel, shared.title) == (PDF, "C0REPORTS", "Sales, week 32")
    assert slack.posted[-1] == {
        "via": "files",
        "channel": "C0REPORTS",
        "text": "This week's sales report",
        "files": [file_id],
    }


def test_upload_into_a_channel_without_the_bot(slack):
    error = raised(upload_file, slack.token, "C0PRIVATE", filename="r.pdf", content=PDF, title="r", initial_comment="r")

    assert "(not_in_channel)" in error.message
    assert not error.retryable


def test_failed_byte_upload_stops_before_sharing(slack):
    slack.queue_reply(Reply(503, "upstream unavailable"), path="/upload/")

    error = raised(upload_file, slack.token, "C0REPORTS", filename="r.pdf", content=PDF, title="r", initial_comment="r")

    assert error.message == "Slack had a temporary problem (HTTP 503)."
    assert error.retryable
    assert slack.requests_to("/api/files.completeUploadExternal") == []


def test_upload_with_a_wrong_token(slack):
    error = raised(
        upload_file, "xoxb-9-9-wrong", "C0REPORTS", filename="r.pdf", content=PDF, title="r", initial_comment=""
    )

    assert error.message == "Slack says the bot token is not valid (invalid_auth)."
    assert len(slack.requests) == 1


# ---------------------------------------------------------------- the fake holds clients to Slack's rules


def test_fake_refuses_to_complete_a_file_whose_bytes_never_arrived(slack):
    headers = {"Authorization": f"Bearer {slack.token}"}
    ticket = requests.post(
        slack.api_base + "files.getUploadURLExternal",
        data={"filename": "r.pdf", "length": "10"},
        headers=headers,
        timeout=5,
    ).json()

    completed = requests.post(
        slack.api_base + "files.completeUploadExternal",
        json={"files": [{"id": ticket["file_id"]}], "channel_id": "C0REPORTS"},
        headers=headers,
        timeout=5,
    ).json()

    assert completed == {"ok": False, "error": "file_not_found"}


def test_fake_checks_the_uploaded_length_and_the_json_charset(slack):
    headers = {"Authorization": f"Bearer {slack.token}"}
    ticket = requests.post(
        slack.api_base + "files.getUploadURLExternal",
        data={"filename": "r.pdf", "length": "10"},
        headers=headers,
        timeout=5,
    ).json()
    assert requests.post(ticket["upload_url"], data=b"short", timeout=5).status_code == 400

    answer = requests.post(
        slack.api_base + "chat.postMessage", json={"channel": "C0REPORTS", "text": "hi"}, headers=headers, timeout=5
    ).json()
    assert answer["ok"] and answer["warning"] == "missing_charset"
