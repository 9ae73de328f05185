"""The generic webhook channel against a local fake receiver that checks the signature as a careful receiver would,
and the URLs it refuses: nothing inside our network, when the channel is saved and again when it sends."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time

import pytest
from django.core.exceptions import ValidationError

from reports.channels import ChannelError
from reports.channels.send import ChannelConfig, Message, send, target_label, validate_target
from reports.channels.webhook import post, validate_webhook_url
from tests.fakes.http import Reply
from tests.fakes.webhook import PATH, SECRET, FakeWebhook

MESSAGE = Message(
    subject="Warning alert: Revenue per customer – Acme Traders",
    text="Revenue ₹70.0 K against ₹1.00 L in the previous period (-30.0%)",
    link="https://acme.elettro.example/?from=2025-11-01&to=2025-11-30",
    data={"value": "70000", "baseline": "100000", "change": "-0.3"},
    id="alert-41",
)


@pytest.fixture
def receiver(settings):
    with FakeWebhook() as fake:
        settings.CHANNEL_TIMEOUT_SECONDS = 5
        yield fake


@pytest.fixture
def production_policy(settings):
    """What production runs with: the test fakes' loopback exception off."""
    settings.OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS = False
    settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS = 1
    settings.OUTBOUND_READ_TIMEOUT_SECONDS = 2
    return settings


def signed(secret: str = SECRET) -> ChannelConfig:
    return ChannelConfig(webhook_secret=secret)


def raised(call, *args, **kwargs) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        call(*args, **kwargs)
    return caught.value


# ---------------------------------------------------------------- what arrives


def test_the_signature_is_the_hmac_of_the_exact_raw_body_with_the_channel_secret(receiver):
    before = int(time.time())
    external_id = send("webhook", receiver.hook_url, MESSAGE, config=signed())

    (request,) = receiver.requests
    assert request.method == "POST" and request.path == PATH
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Elettro-Signature"] == expected
    # The same content serialised another way would not verify: the receiver must sign the bytes it got.
    reserialised = json.dumps(json.loads(request.body), sort_keys=True, indent=1).encode()
    assert hmac.new(SECRET.encode(), reserialised, hashlib.sha256).hexdigest() != expected

    body = json.loads(request.body)
    assert body == {
        "id": "alert-41",
        "timestamp": body["timestamp"],
        "subject": MESSAGE.subject,
        "text": MESSAGE.text,
        "link": MESSAGE.link,
        "data": {"value": "70000", "baseline": "100000", "change": "-0.3"},
    }
    # The timestamp and the delivery id are inside the signed body; the headers repeat them for convenience.
    assert before <= body["timestamp"] <= int(time.time())
    assert request.headers["X-Elettro-Timestamp"] == str(body["timestamp"])
    assert request.headers["X-Elettro-Delivery"] == "alert-41" == external_id
    assert receiver.received == [body]


def test_a_receiver_with_another_secret_refuses_and_the_delivery_fails_at_once(receiver):
    error = raised(send, "webhook", receiver.hook_url, MESSAGE, config=signed("not-the-receivers-secret-000"))

    assert error.message == (
        "The webhook refused the delivery (HTTP 401: bad signature); check that it uses this channel's secret."
    )
    assert not error.retryable
    assert receiver.received == []


def test_a_webhook_without_a_secret_is_not_sent_unsigned(receiver):
    error = raised(send, "webhook", receiver.hook_url, MESSAGE, config=ChannelConfig())

    assert "has no signing secret" in error.message and not error.retryable
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("status", "retry_after", "retryable", "message"),
    [
        (500, None, True, "The webhook had a temporary problem (HTTP 500: upstream down)."),
        (503, None, True, "The webhook had a temporary problem (HTTP 503: refused)."),
        (429, 30, True, "The webhook asked Elettro to slow down (HTTP 429: slow down); it asked to wait 30 seconds."),
        (401, None, False, "The webhook refused the delivery (HTTP 401: unauthorized); check that it uses this "
                           "channel's secret."),
        (404, None, False, "The webhook refused the delivery (HTTP 404: refused)."),
        (400, None, False, "The webhook refused the delivery (HTTP 400: refused)."),
    ],
)  # fmt: skip
def test_answers_map_to_retryable_or_final_failures(receiver, status, retry_after, retryable, message):
    receiver.fail_next(status, retry_after=retry_after)

    error = raised(post, receiver.hook_url, {"text": "x"}, secret=SECRET, delivery_id="d1")

    assert (error.message, error.retryable, error.retry_after) == (message, retryable, retry_after)
    # The failure was the receiver's answer to a request that did arrive, and the next one goes through.
    assert post(receiver.hook_url, {"text": "x"}, secret=SECRET, delivery_id="d1") == "d1"
    assert len(receiver.requests) == 2 and len(receiver.received) == 1


def test_a_redirect_is_not_followed(receiver):
    receiver.queue_reply(Reply(302, "", headers={"Location": "http://127.0.0.1:1/elsewhere"}))

    error = raised(post, receiver.hook_url, {}, secret=SECRET, delivery_id="d1")

    assert error.message.startswith("The webhook answered with a redirect (HTTP 302)") and not error.retryable
    assert len(receiver.requests) == 1


def test_a_receiver_that_does_not_answer_in_time_is_retried(receiver, settings):
    settings.CHANNEL_TIMEOUT_SECONDS = 0.3
    receiver.queue_reply(Reply(200, "late", delay=1.0))

    error = raised(post, receiver.hook_url, {}, secret=SECRET, delivery_id="d1")

    assert error.message == "The webhook did not answer within 0.3 seconds." and error.retryable


# ---------------------------------------------------------------- addresses inside our network


INSIDE = [
    ("https://127.0.0.1/hooks/elettro", "it points to this server (a loopback address)"),
    ("https://10.0.0.1/hooks/elettro", "it points to a private network address"),
    ("https://169.254.169.254/latest/meta-data/", "it points to a link-local address (such as the cloud metadata"),
    ("https://192.168.1.20/hooks/elettro", "it points to a private network address"),
    ("https://[::1]/hooks/elettro", "it points to this server (a loopback address)"),
    ("https://localhost/hooks/elettro", "it points to this server (localhost)"),
    ("https://2130706433/hooks/elettro", "its host name is a number"),
    ("https://user:pass@hooks.example.com/x", "it contains a user name or password"),
    ("https://hooks.example.com:8443/x", "it names a port (:8443)"),
    ("http://hooks.example.com/x", "it must start with https://"),
]


@pytest.mark.parametrize(("url", "reason"), INSIDE)
def test_saving_a_url_inside_our_network_is_refused_saying_why(production_policy, url, reason):
    with pytest.raises(ValidationError) as caught:
        validate_target("webhook", url)

    assert caught.value.messages[0].startswith(f"This webhook URL is not allowed: {reason}")


def test_a_public_https_url_can_be_saved(production_policy):
    validate_webhook_url("https://hooks.example.com/elettro?team=sales")  # no error


@pytest.mark.parametrize(("url", "reason"), INSIDE)
def test_sending_to_a_url_inside_our_network_is_refused_without_connecting(production_policy, connections, url, reason):
    error = raised(send, "webhook", url, MESSAGE, config=signed())

    assert error.message.startswith(f"This webhook URL is not allowed: {reason}")
    assert not error.retryable
    assert connections == []


def test_the_test_fakes_loopback_exception_lets_no_other_internal_address_through(receiver, connections):
    port = receiver.url.rsplit(":", 1)[1]
    for url in (
        f"http://10.0.0.1:{port}{PATH}",
        f"http://169.254.169.254:{port}/latest/meta-data/",
        f"http://localhost:{port}{PATH}",
    ):
        assert not raised(send, "webhook", url, MESSAGE, config=signed()).retryable
    assert connections == [] and receiver.requests == []


def test_the_fake_receiver_itself_is_refused_under_the_production_policy(receiver, production_policy, connections):
    error = raised(send, "webhook", receiver.hook_url, MESSAGE, config=signed())

    assert error.message.startswith("This webhook URL is not allowed: it must start with https://")
    assert connections == [] and receiver.requests == []


def test_a_host_name_that_resolves_inside_is_refused_when_sending(production_policy, monkeypatch, connections):
    """A name can pass the check when the channel is saved and point inside later (or always did): the lookup
    made for the request itself is vetted before connecting."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "hooks.customer.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    validate_webhook_url("https://hooks.customer.example/elettro")  # nothing said yet: no lookup when saving

    error = raised(send, "webhook", "https://hooks.customer.example/elettro", MESSAGE, config=signed())

    assert error.message == (
        "Elettro will not connect to this webhook address: its host name leads to a private network address."
    )
    assert not error.retryable
    assert connections == []


def test_the_log_shows_a_webhook_by_host_never_by_its_whole_url():
    assert (
        target_label("webhook", "https://hooks.zapier.com/hooks/catch/123/abcSECRETxyz")
        == "Webhook hooks.zapier.com …Txyz"
    )
