"""Email delivery: the in-memory backend for what is sent, a scripted SMTP server for what mail servers refuse."""

from __future__ import annotations

import socket
import socketserver
import threading

import pytest
from django.core.exceptions import ValidationError

from reports.channels import ChannelError
from reports.channels.email import send_email, validate_email_list

PDF = b"%PDF-1.7\r\n\x00\xff binary \r\n%%EOF\r\n"


def test_report_arrives_with_pdf_and_html(mailoutbox):
    send_email(
        to=["asha@example.com", "ravi@example.in"],
        subject="Sales, week 32",
        body="This week's sales report is attached.",
        attachment=("sales-week-32.pdf", PDF, "application/pdf"),
        html="<p>This week's sales report is attached.</p>",
    )

    (message,) = mailoutbox
    assert message.to == ["asha@example.com", "ravi@example.in"]
    assert message.subject == "Sales, week 32"
    assert message.body == "This week's sales report is attached."
    assert message.alternatives == [("<p>This week's sales report is attached.</p>", "text/html")]
    assert message.attachments == [("sales-week-32.pdf", PDF, "application/pdf")]


def test_plain_alert_has_no_html_part_or_attachment(mailoutbox):
    send_email(to=["asha@example.com"], subject="Stock alert", body="3 products are below reorder level.")

    (message,) = mailoutbox
    assert message.alternatives == []
    assert message.attachments == []


def test_no_recipients_is_not_retryable(mailoutbox):
    with pytest.raises(ChannelError) as caught:
        send_email(to=[], subject="s", body="b")

    assert caught.value.message == "The email has no recipients."
    assert not caught.value.retryable
    assert mailoutbox == []


# ---------------------------------------------------------------- what a mail server refuses


class ScriptedSMTP(socketserver.StreamRequestHandler):
    """Speaks just enough SMTP for smtplib; `server.replies` overrides the answer to a verb (RCPT, AUTH, …) and
    `server.verbs` records the conversation."""

    def handle(self) -> None:
        self.wfile.write(b"220 fake.example ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line.split(b":")[0].split(b" ")[0].strip().upper().decode()
            self.server.verbs.append(verb)
            if verb == "EHLO":
                self.wfile.write(b"250-fake.example\r\n250 AUTH PLAIN\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(self.server.replies.get(verb, b"250 ok") + b"\r\n")


@pytest.fixture
def smtp_server(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), ScriptedSMTP)
    server.daemon_threads = True
    server.replies, server.verbs = {}, []
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.server_address
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.shutdown()
    server.server_close()


def failure(**kwargs) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        send_email(to=["asha@example.com"], subject="Sales", body="Attached.", **kwargs)
    return caught.value


def test_smtp_delivery_through_the_scripted_server(smtp_server):
    send_email(to=["asha@example.com"], subject="Sales", body="Attached.", attachment=("r.pdf", PDF, "application/pdf"))

    assert smtp_server.verbs == ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"]


def test_unknown_recipient_is_not_retryable(smtp_server):
    smtp_server.replies["RCPT"] = b"550 5.1.1 No such user"

    error = failure()

    assert error.message == "The mail server refused every recipient: asha@example.com (550)."
    assert not error.retryable


def test_greylisted_recipient_is_retryable(smtp_server):
    smtp_server.replies["RCPT"] = b"450 4.7.1 Greylisted, try again later"

    assert failure().retryable


def test_wrong_mail_password_is_not_retryable(smtp_server, settings):
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "reports@elettro.example", "wrong"
    smtp_server.replies["AUTH"] = b"535 5.7.8 Authentication credentials invalid"

    error = failure()

    assert error.message == "The mail server refused Elettro's sign-in (535); check the outgoing mail settings."
    assert not error.retryable


def test_busy_mail_server_is_retryable(smtp_server):
    smtp_server.replies["MAIL"] = b"421 4.3.2 Too many connections, try later"

    error = failure()

    assert error.retryable
    assert "421" in error.message


def test_unreachable_mail_server_is_retryable(smtp_server, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = sock.getsockname()[1]

    error = failure()

    assert error.message == "Could not reach the mail server: Connection refused."
    assert error.retryable


# ---------------------------------------------------------------- recipient lists typed by a manager


def test_addresses_split_on_commas_semicolons_and_lines():
    text = "asha@example.com, ravi@example.in;meera@example.co.uk\n\n  dev@example.org  "

    assert validate_email_list(text) == [
        "asha@example.com",
        "ravi@example.in",
        "meera@example.co.uk",
        "dev@example.org",
    ]


def test_pasted_names_and_duplicates():
    text = "Asha Rao <asha@example.com>; ASHA@example.com, Ravi <ravi@example.in>"

    assert validate_email_list(text) == ["asha@example.com", "ravi@example.in"]


def test_every_bad_address_is_named():
    with pytest.raises(ValidationError) as caught:
        validate_email_list("asha@example.com, not-an-email; ravi@\nmeera@example.co.uk")

    assert caught.value.messages == [
        "“not-an-email” is not a valid email address.",
        "“ravi@” is not a valid email address.",
    ]


@pytest.mark.parametrize("text", ["", " , ;\n "])
def test_an_empty_list_asks_for_an_address(text):
    with pytest.raises(ValidationError) as caught:
        validate_email_list(text)

    assert caught.value.messages == ["Enter at least one email address."]
