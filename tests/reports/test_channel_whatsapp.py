"""WhatsApp delivery against a local fake of Meta's Cloud API that checks requests as Meta documents them."""

from __future__ import annotations

import socket

import pytest
import requests
from django.core.exceptions import ValidationError

from reports.channels import ChannelError
from reports.channels.whatsapp import (
    normalize_phone,
    send_document,
    send_pdf,
    send_template,
    upload_media,
    validate_phone,
)
from tests.fakes.http import Reply
from tests.fakes.whatsapp import FakeWhatsApp

PDF = b"%PDF-1.7\r\n\x00\xff binary \r\n%%EOF\r\n"


@pytest.fixture
def whatsapp(settings):
    with FakeWhatsApp() as fake:
        settings.WHATSAPP_GRAPH_BASE = fake.url + "/"
        settings.CHANNEL_TIMEOUT_SECONDS = 5
        yield fake


@pytest.fixture
def account(whatsapp):
    """The keyword arguments every call takes, as a delivery would pass them from the company's settings."""
    return {"phone_number_id": whatsapp.phone_number_id, "token": whatsapp.token}


def raised(call, **kwargs) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        call(**kwargs)
    return caught.value


# ---------------------------------------------------------------- what arrives


def test_pdf_is_uploaded_as_multipart_media(whatsapp, account):
    media_id = upload_media(**account, filename="sales-week-32.pdf", content=PDF)

    (request,) = whatsapp.requests
    assert request.path == f"/v21.0/{whatsapp.phone_number_id}/media"
    assert request.headers["Authorization"] == f"Bearer {whatsapp.token}"
    assert request.content_type == "multipart/form-data"
    fields = request.multipart
    assert fields["messaging_product"].text == "whatsapp"
    assert fields["type"].text == "application/pdf"
    assert (fields["file"].filename, fields["file"].content_type) == ("sales-week-32.pdf", "application/pdf")
    assert fields["file"].content == PDF
    assert whatsapp.media[media_id].content == PDF


def test_pdf_goes_out_as_a_document_message_referencing_the_uploaded_media(whatsapp, account):
    message_id = send_pdf(
        **account, to="+91 98765 43210", filename="sales-week-32.pdf", content=PDF, caption="Sales, week 32"
    )

    prefix = f"/v21.0/{whatsapp.phone_number_id}"
    assert [request.path for request in whatsapp.requests] == [f"{prefix}/media", f"{prefix}/messages"]
    send = whatsapp.requests[1]
    (media_id,) = whatsapp.media
    assert send.headers["Authorization"] == f"Bearer {whatsapp.token}"
    assert send.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "919876543210",
        "type": "document",
        "document": {"id": media_id, "filename": "sales-week-32.pdf", "caption": "Sales, week 32"},
    }
    assert message_id.startswith("wamid.")
    assert whatsapp.media[media_id].filename == "sales-week-32.pdf"


def test_template_message_fills_the_body_parameters_in_order(whatsapp, account):
    message_id = send_template(
        **account, to="919876543210", template="weekly_sales_report", body_parameters=["Asha", "₹12.4 L"]
    )

    assert whatsapp.requests[0].json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "919876543210",
        "type": "template",
        "template": {
            "name": "weekly_sales_report",
            "language": {"code": "en"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Asha"}, {"type": "text", "text": "₹12.4 L"}]}
            ],
        },
    }
    assert message_id.startswith("wamid.")


# ---------------------------------------------------------------- what the service refuses


def test_expired_or_wrong_token(whatsapp, account):
    error = raised(upload_media, **{**account, "token": "EAAGsomeOtherToken"}, filename="r.pdf", content=PDF)

    assert error.message == (
        "WhatsApp says the access token has expired or is not valid; "
        "create a new one in Meta Business settings (code 190)."
    )
    assert not error.retryable
    assert "EAAGsomeOtherToken" not in error.message


def test_document_must_reference_uploaded_media(whatsapp, account):
    error = raised(
        send_document, **account, to="919876543210", media_id="999", filename="r.pdf", caption="never uploaded"
    )

    assert (
        error.message == "WhatsApp says a value Elettro sent is not valid: document.id: unknown media id (code 131009)."
    )
    assert not error.retryable
    assert whatsapp.messages == []


def test_number_outside_the_test_recipient_list(settings):
    with FakeWhatsApp(allowed_recipients={"14155550100"}) as fake:
        settings.WHATSAPP_GRAPH_BASE = fake.url
        account = {"phone_number_id": fake.phone_number_id, "token": fake.token}

        error = raised(
            send_template, **account, to="+91 98765 43210", template="weekly_sales_report", body_parameters=["A", "B"]
        )
        send_template(**account, to="+1 (415) 555-0100", template="weekly_sales_report", body_parameters=["A", "B"])

    assert "not on the recipient list of the WhatsApp test number" in error.message
    assert "(code 131030)" in error.message
    assert not error.retryable
    assert [message["to"] for message in fake.messages] == ["14155550100"]


def test_wrong_phone_number_id(whatsapp, account):
    error = raised(upload_media, **{**account, "phone_number_id": "111111111111111"}, filename="r.pdf", content=PDF)

    assert (
        error.message
        == "WhatsApp says the phone number ID does not exist or the access token cannot use it (code 100)."
    )
    assert not error.retryable


def test_phone_number_id_that_is_not_digits_never_leaves(whatsapp, account):
    error = raised(upload_media, **{**account, "phone_number_id": "../me"}, filename="r.pdf", content=PDF)

    assert "must be digits" in error.message
    assert whatsapp.requests == []


@pytest.mark.parametrize(
    ("template", "parameters", "code"),
    [("monthly_summary", ["Asha", "₹1"], 132001), ("weekly_sales_report", ["only one"], 132000)],
)
def test_template_mistakes(whatsapp, account, template, parameters, code):
    error = raised(send_template, **account, to="919876543210", template=template, body_parameters=parameters)

    assert f"(code {code})" in error.message
    assert "template" in error.message
    assert not error.retryable


@pytest.mark.parametrize(
    ("code", "message", "status", "retryable", "words"),
    [
        (131047, "(#131047) Re-engagement message", 400, False, "only an approved template message can reach them"),
        (131026, "(#131026) Message Undeliverable", 400, False, "check that it uses WhatsApp"),
        (4, "(#4) Application request limit reached", 400, True, "too many calls"),
        (80007, "(#80007) Rate limit issues", 400, True, "rate limit"),
        (130429, "(#130429) Rate limit hit", 400, True, "throughput limit"),
        (131000, "(#131000) Something went wrong", 500, True, "Something went wrong"),
        (368, "(#368) Temporarily blocked for policies violations", 400, False, "blocked for policies violations"),
    ],
)
def test_graph_errors_are_classified_by_code(whatsapp, account, code, message, status, retryable, words):
    whatsapp.fail_next(code, message, status=status)

    error = raised(
        send_template, **account, to="919876543210", template="weekly_sales_report", body_parameters=["a", "b"]
    )

    assert words in error.message
    assert error.message.endswith(f"(code {code}).")
    assert error.retryable is retryable


def test_rate_limit_carries_retry_after(whatsapp, account):
    whatsapp.fail_next(130429, "(#130429) Rate limit hit", status=429, headers={"Retry-After": "60"})

    error = raised(upload_media, **account, filename="r.pdf", content=PDF)

    assert error.retryable
    assert error.retry_after == 60.0


def test_gateway_error_without_a_graph_body_is_retryable(whatsapp, account):
    whatsapp.queue_reply(Reply(502, "<html>Bad Gateway</html>"))

    error = raised(upload_media, **account, filename="r.pdf", content=PDF)

    assert error.message == "WhatsApp answered HTTP 502."
    assert error.retryable


def test_slow_graph_api_is_a_retryable_timeout(whatsapp, account, settings):
    settings.CHANNEL_TIMEOUT_SECONDS = 0.3
    whatsapp.queue_reply(Reply(200, {"id": "1"}, delay=1.5))

    error = raised(upload_media, **account, filename="r.pdf", content=PDF)

    assert error.message == "WhatsApp did not answer within 0.3 seconds."
    assert error.retryable


def test_unreachable_graph_api_is_retryable(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.WHATSAPP_GRAPH_BASE = f"http://127.0.0.1:{port}/"

    error = raised(upload_media, phone_number_id="123456789", token="t", filename="r.pdf", content=PDF)

    assert error.message == "Could not connect to WhatsApp."
    assert error.retryable


def test_bad_recipient_costs_no_upload(whatsapp, account):
    error = raised(send_pdf, **account, to="98765 43210", filename="r.pdf", content=PDF, caption="")

    assert error.message == (
        "The WhatsApp number “98765 43210” is not usable: "
        "Add the country code to this number, such as +91 98765 43210 for India."
    )
    assert not error.retryable
    assert whatsapp.requests == []


def test_fake_refuses_a_recipient_with_a_plus(whatsapp):
    answer = requests.post(
        f"{whatsapp.url}/v21.0/{whatsapp.phone_number_id}/messages",
        json={"messaging_product": "whatsapp", "to": "+919876543210", "type": "template", "template": {}},
        headers={"Authorization": f"Bearer {whatsapp.token}"},
        timeout=5,
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100


# ---------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("+91 98765 43210", "919876543210"),
        ("919876543210", "919876543210"),
        ("+1 (415) 555-0100", "14155550100"),
        ("0091-98765-43210", "919876543210"),
        ("+65 9123 4567", "6591234567"),
        (" +44 20 7946 0958 ", "442079460958"),
    ],
)
def test_phone_numbers_become_e164_digits(typed, digits):
    assert normalize_phone(typed) == digits
    validate_phone(typed)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("9876543210", "Add the country code"),
        ("98765 43210", "Add the country code"),
        ("09876543210", "instead of 0"),
        ("+91 98765 4321O", "digits only"),
        ("+91 98765 43210 ext 5", "digits only"),
        ("", "digits only"),
        ("+1234567", "8 to 15 digits"),
        ("+1234567890123456", "8 to 15 digits"),
        ("+0 415 555 0100", "instead of 0"),
    ],
)
def test_phone_numbers_that_cannot_be_used(typed, words):
    with pytest.raises(ValidationError) as caught:
        validate_phone(typed)
    assert words in caught.value.messages[0]
    assert "+91 98765 43210" in caught.value.messages[0]
