"""elettro/outbound.py, the one client for requests to other servers: URLs a company types (a Slack webhook) or a
service answers with (Slack's upload URL) can never make Elettro connect to itself or its own network.

Refusals are proven with a TCP listener on 127.0.0.1 that must see no connection, and a spy on urllib3's
`create_connection` that must see no attempt. The resolver is replaced in some tests (that is the outside world);
Elettro's own code never is.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import socket
import ssl
import threading
import time as time_module
from datetime import time

import pytest
import requests
import urllib3.util.connection
from django.urls import reverse
from django_tenants.utils import tenant_context

from elettro import outbound
from reports.channels import ChannelError
from reports.channels.slack import post_webhook, validate_webhook_url
from tests.fakes.http import FakeHTTPServer, RecordedRequest, Reply
from tests.fakes.slack import FakeSlack

PUBLIC_IP = "93.184.216.34"
WEBHOOK_PATH = "/services/T0AB12CD3/B0EF45GH6/abcDEF123ghiJKL456mno789"


# ---------------------------------------------------------------- harness


class Listener:
    """A TCP socket listening on 127.0.0.1 that nobody should reach. The kernel completes a connection into the
    backlog without accept(), so accept() with a short timeout tells whether anyone connected."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        self.sock.settimeout(0.2)
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                return count
            conn.close()
            count += 1


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.sock.close()


@pytest.fixture
def production_policy(settings):
    """What production runs with: no loopback exception for test fakes, Slack's webhook host only."""
    settings.OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS = False
    settings.SLACK_WEBHOOK_HOSTS = ["hooks.slack.com"]
    settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS = 1
    settings.OUTBOUND_READ_TIMEOUT_SECONDS = 2
    return settings


@pytest.fixture
def resolver(monkeypatch, listener):
    """DNS, as an attacker would like it: names map to what a test says, and every answer's port is the
    listener's, so a connection that got past the checks would land on the listener. IP literals pass through."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        host = host.decode() if isinstance(host, bytes) else host
        try:
            ipaddress.ip_address(host)
        except ValueError:
            getaddrinfo.asked.append(host)
            if host not in getaddrinfo.answers:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (address, listener.port) if ":" not in address else (address, listener.port, 0, 0),
                )
                for address in getaddrinfo.answers[host]
            ]
        return real(host, port, *args, **kwargs)

    getaddrinfo.answers = {}  # host name -> addresses
    getaddrinfo.asked = []  # host names looked up, in order
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return getaddrinfo


def attack_urls(port: int) -> list[str]:
    """The three URLs of the security review (its port swapped for the listener's), and the usual others."""
    return [
        f"https://127.0.0.1:{port}\\@hooks.slack.com{WEBHOOK_PATH}",
        f"https://evil.example\\@hooks.slack.com{WEBHOOK_PATH}",
        f"https://hooks.slack.com:{port}{WEBHOOK_PATH}",
        f"http://hooks.slack.com{WEBHOOK_PATH}",
        f"https://user:secret@hooks.slack.com{WEBHOOK_PATH}",
        f"https://hooks.slack.com@127.0.0.1:{port}{WEBHOOK_PATH}",
        f"https://127.0.0.1:{port}{WEBHOOK_PATH}",
        f"https://127.0.0.1{WEBHOOK_PATH}",
        f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        f"https://localhost:{port}{WEBHOOK_PATH}",
        f"https://localhost{WEBHOOK_PATH}",
        f"https://[::1]:{port}{WEBHOOK_PATH}",
        f"https://0x7f000001{WEBHOOK_PATH}",
        f"https://2130706433{WEBHOOK_PATH}",
        f"https://0177.0.0.1{WEBHOOK_PATH}",
        f"https://127.1{WEBHOOK_PATH}",
        "https://169.254.169.254/latest/meta-data/",
        f"https://10.0.0.1{WEBHOOK_PATH}",
        f"https://192.168.1.1{WEBHOOK_PATH}",
        f"https://172.16.0.1{WEBHOOK_PATH}",
        f"https://100.64.0.1{WEBHOOK_PATH}",
        f"https://[::ffff:127.0.0.1]:{port}{WEBHOOK_PATH}",
        f"https://[::ffff:7f00:1]{WEBHOOK_PATH}",
        f"https://[fd00::1]{WEBHOOK_PATH}",
        f"https://[fe80::1]{WEBHOOK_PATH}",
        f"https://%31%32%37.0.0.1:{port}{WEBHOOK_PATH}",
        f"https://hooks%2eslack.com{WEBHOOK_PATH}",
        f"https://hooks.slack.com\t{WEBHOOK_PATH}",
        f" https://hooks.slack.com{WEBHOOK_PATH}",
        f"https://ｈｏｏｋｓ.slack.com{WEBHOOK_PATH}",
        f"https:/127.0.0.1:{port}{WEBHOOK_PATH}",
        f"//127.0.0.1:{port}{WEBHOOK_PATH}",
        "file:///etc/passwd",
        f"gopher://127.0.0.1:{port}/_stats",
    ]


# ---------------------------------------------------------------- refused, and nothing connects


@pytest.mark.parametrize("index", range(len(attack_urls(1))))
def test_attack_urls_are_refused_without_a_connection(production_policy, listener, connections, index):
    url = attack_urls(listener.port)[index]

    with pytest.raises(outbound.URLRefused):
        outbound.check_url(url, outbound.ANY_PUBLIC_HOST)
    with pytest.raises(outbound.URLRefused):
        outbound.post(url, hosts=outbound.ANY_PUBLIC_HOST, data=b"{}")
    with pytest.raises(ChannelError) as caught:
        post_webhook(url, text="hello")

    assert not caught.value.retryable
    assert "secret" not in caught.value.message and WEBHOOK_PATH not in caught.value.message
    assert connections == []
    assert listener.connections() == 0


def test_the_three_review_urls_say_why(production_policy):
    reasons = [
        outbound_reason(url)
        for url in (
            f"https://127.0.0.1:9443\\@hooks.slack.com{WEBHOOK_PATH}",
            f"https://evil.example\\@hooks.slack.com{WEBHOOK_PATH}",
            f"https://hooks.slack.com:6390{WEBHOOK_PATH}",
        )
    ]
    assert reasons == [
        "it contains a backslash",
        "it contains a backslash",
        "it names a port (:6390); only the standard HTTPS port is allowed",
    ]


def outbound_reason(url: str) -> str:
    with pytest.raises(outbound.URLRefused) as caught:
        outbound.check_url(url, frozenset({"hooks.slack.com"}))
    return caught.value.reason


INTERNAL_ANSWERS = [
    ["127.0.0.1"],
    ["127.8.9.10"],
    ["10.0.0.1"],
    ["172.16.5.4"],
    ["192.168.1.1"],
    ["169.254.169.254"],
    ["100.64.1.1"],
    ["0.0.0.0"],  # noqa: S104
    ["224.0.0.1"],
    ["240.0.0.1"],
    ["255.255.255.255"],
    ["192.0.0.8"],
    ["::1"],
    ["::"],
    ["::ffff:127.0.0.1"],
    ["::ffff:169.254.169.254"],
    ["::ffff:10.1.2.3"],
    ["64:ff9b::7f00:1"],
    ["2002:7f00:1::1"],
    ["fd12:3456::1"],
    ["fe80::1"],
    ["fec0::1"],
    ["ff02::1"],
    [PUBLIC_IP, "127.0.0.1"],  # one bad answer among good ones is enough
    ["10.0.0.1", PUBLIC_IP],
]


@pytest.mark.parametrize("answer", INTERNAL_ANSWERS, ids=lambda answer: ",".join(answer))
def test_a_host_name_that_resolves_inside_is_refused_before_connecting(
    production_policy, resolver, listener, connections, answer
):
    resolver.answers["hooks.slack.com"] = answer
    resolver.answers["webhook.customer.example"] = answer

    with pytest.raises(outbound.URLRefused) as caught:
        outbound.post("https://webhook.customer.example/hook", hosts=outbound.ANY_PUBLIC_HOST, json={})
    assert caught.value.reason.startswith("its host name leads to ")
    error = _raised(post_webhook, f"https://hooks.slack.com{WEBHOOK_PATH}", text="hello")

    assert error.message.startswith("Elettro will not connect to this Slack address: its host name leads to ")
    assert not error.retryable
    assert connections == []
    assert listener.connections() == 0


def test_the_real_localhost_is_refused(production_policy, listener, connections):
    with pytest.raises(outbound.URLRefused):
        outbound.post(f"https://localhost:{listener.port}/", hosts=outbound.ANY_PUBLIC_HOST)
    with pytest.raises(outbound.URLRefused):
        outbound.resolve(outbound.parse("https://localhost/"))  # the system resolver's own answer is vetted too
    assert connections == [] and listener.connections() == 0


def test_an_unknown_host_is_a_retryable_connection_failure(production_policy, resolver):
    error = _raised(post_webhook, f"https://hooks.slack.com{WEBHOOK_PATH}", text="hello")

    assert error.message == "Could not connect to Slack."
    assert error.retryable


def test_a_resolver_that_hangs_is_given_up_on_after_the_lookup_timeout(production_policy, monkeypatch, settings):
    settings.OUTBOUND_DNS_TIMEOUT_SECONDS = 1
    released = threading.Event()

    def hanging_getaddrinfo(*args, **kwargs):
        released.wait(30)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hanging_getaddrinfo)
    started = time_module.monotonic()
    try:
        error = _raised(post_webhook, f"https://hooks.slack.com{WEBHOOK_PATH}", text="hello")
    finally:
        released.set()
    assert time_module.monotonic() - started < 5
    assert error.message == "Could not connect to Slack." and error.retryable


def test_only_each_service_s_own_hosts(production_policy, resolver):
    resolver.answers["evil.example"] = [PUBLIC_IP]
    for hosts in (outbound.SLACK_API_HOSTS, outbound.WHATSAPP_HOSTS, outbound.RAZORPAY_HOSTS):
        with pytest.raises(outbound.URLRefused) as caught:
            outbound.post("https://evil.example/v1/x", hosts=hosts)
        assert caught.value.reason.startswith("only ")
    assert resolver.asked == []  # refused before any lookup


# ---------------------------------------------------------------- what passes, and where it connects


@pytest.mark.parametrize(
    ("url", "hosts"),
    [
        (f"https://hooks.slack.com{WEBHOOK_PATH}", frozenset({"hooks.slack.com"})),
        (f"https://HOOKS.slack.com:443{WEBHOOK_PATH}", frozenset({"hooks.slack.com"})),
        ("https://graph.facebook.com/v21.0/123/messages", outbound.WHATSAPP_HOSTS),
        ("https://api.razorpay.com/v1/plans", outbound.RAZORPAY_HOSTS),
        ("https://files.slack.com/upload/v1/abc", outbound.SLACK_API_HOSTS),
        ("https://hooks.customer.example/in?a=b#c", outbound.ANY_PUBLIC_HOST),
    ],
)
def test_a_good_https_host_passes_vetting(production_policy, resolver, url, hosts):
    host = outbound.parse(url).host
    resolver.answers[host] = ["2606:2800:220:1:248:1893:25c8:1946", PUBLIC_IP]

    target, address = outbound.vet(url, hosts)

    assert target.host == host and target.scheme == "https"
    assert address == ipaddress.ip_address(PUBLIC_IP)  # IPv4 first, when there is one


def test_a_real_webhook_url_passes_the_form_check(production_policy):
    validate_webhook_url(f"https://hooks.slack.com{WEBHOOK_PATH}")


def test_the_connection_is_pinned_to_the_vetted_address(production_policy, resolver, listener, connections):
    """A rebinding DNS answers a public address to the check and 127.0.0.1 afterwards: the name is looked up
    once, and the connection goes to the address that was checked."""
    calls = iter([[PUBLIC_IP], ["127.0.0.1"], ["127.0.0.1"]])

    class Rebinding(dict):
        def __contains__(self, host):
            return host == "hooks.slack.com"

        def __getitem__(self, host):
            return next(calls)

    resolver.answers = Rebinding()
    production_policy.OUTBOUND_CONNECT_TIMEOUT_SECONDS = 0.3

    with pytest.raises(requests.RequestException):  # nothing answers at the public address from here
        outbound.post(f"https://hooks.slack.com{WEBHOOK_PATH}", hosts=frozenset({"hooks.slack.com"}), json={})

    assert resolver.asked == ["hooks.slack.com"]
    assert connections == [(PUBLIC_IP, 443)]
    assert listener.connections() == 0


def test_pinned_tls_keeps_the_name_for_sni_the_certificate_and_the_host_header(
    production_policy, resolver, monkeypatch, tmp_path
):
    """The socket goes to the vetted IP, and the server sees the name: in SNI, in the Host header, and in the
    certificate Elettro checks (a certificate for another name is refused)."""
    production_policy.OUTBOUND_CONNECT_TIMEOUT_SECONDS = production_policy.OUTBOUND_READ_TIMEOUT_SECONDS = 10
    ca_file, server = _tls_server(tmp_path, "hooks.slack.com")
    resolver.answers["hooks.slack.com"] = [PUBLIC_IP]
    real = urllib3.util.connection.create_connection
    dialled = []

    def to_local_server(address, *args, **kwargs):
        dialled.append(address)
        return real(("127.0.0.1", server.port), *args, **kwargs)  # the "internet", here

    monkeypatch.setattr(urllib3.util.connection, "create_connection", to_local_server)

    response = outbound.post(
        f"https://hooks.slack.com{WEBHOOK_PATH}", hosts=frozenset({"hooks.slack.com"}), json={}, verify=ca_file
    )

    assert response.status_code == 200 and response.text == "ok"
    assert response.url == f"https://hooks.slack.com{WEBHOOK_PATH}"
    assert dialled == [(PUBLIC_IP, 443)]
    assert server.sni == ["hooks.slack.com"]
    assert b"\r\nHost: hooks.slack.com\r\n" in server.requests[0]

    other_ca, other = _tls_server(tmp_path / "other", "not-slack.example")
    monkeypatch.setattr(
        urllib3.util.connection, "create_connection", lambda address, *a, **k: real(("127.0.0.1", other.port), *a, **k)
    )
    with pytest.raises(requests.exceptions.SSLError):
        outbound.post(
            f"https://hooks.slack.com{WEBHOOK_PATH}", hosts=frozenset({"hooks.slack.com"}), json={}, verify=other_ca
        )


# ---------------------------------------------------------------- redirects, size, time


class Echo(FakeHTTPServer):
    def respond(self, request: RecordedRequest) -> Reply:
        return Reply(200, "ok")


@pytest.fixture
def echo():
    with Echo() as fake:
        yield fake


def test_redirects_are_not_followed(echo, listener):
    echo.queue_reply(Reply(302, "", headers={"Location": f"http://127.0.0.1:{listener.port}/"}))

    response = outbound.post(echo.url + "/hook", hosts=outbound.ANY_PUBLIC_HOST, json={})

    assert response.status_code == 302
    assert listener.connections() == 0


def test_a_large_answer_is_cut_off(echo, settings):
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 1000
    echo.queue_reply(Reply(200, "x" * 5000))

    with pytest.raises(outbound.ResponseTooLarge):
        outbound.post(echo.url + "/hook", hosts=outbound.ANY_PUBLIC_HOST, json={})
    assert outbound.post(echo.url + "/hook", hosts=outbound.ANY_PUBLIC_HOST, json={}).text == "ok"


def test_every_request_has_a_timeout_even_when_the_caller_gives_none(echo, settings):
    settings.OUTBOUND_READ_TIMEOUT_SECONDS = 0.3
    echo.queue_reply(Reply(200, "late", delay=1.5))

    with pytest.raises(requests.Timeout):
        outbound.request("GET", echo.url + "/slow", hosts=outbound.ANY_PUBLIC_HOST)


def test_environment_proxies_are_ignored(echo, monkeypatch, listener):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{listener.port}")
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{listener.port}")
    monkeypatch.setenv("NO_PROXY", "")

    assert outbound.post(echo.url + "/hook", hosts=outbound.ANY_PUBLIC_HOST).text == "ok"
    assert listener.connections() == 0


# ---------------------------------------------------------------- the setting that lets tests reach their fakes


def test_the_test_setting_lets_loopback_fakes_through_and_nothing_else(settings, connections):
    assert settings.OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS is True  # elettro/settings/test.py
    with FakeSlack() as slack:
        post_webhook(slack.webhook_url, text="hello")  # plain http, a random port, 127.0.0.1
        assert len(slack.requests) == 1

        port = slack.url.rsplit(":", 1)[1]
        for url in (
            f"http://localhost:{port}/services/T000/B000/XXXX",  # a name, not a loopback literal
            f"http://user@127.0.0.1:{port}/services/T000/B000/XXXX",
            f"http://127.0.0.1:{port}\\@hooks.slack.com/services/T000/B000/XXXX",
            f"http://10.0.0.1:{port}/services/T000/B000/XXXX",
            f"http://169.254.169.254:{port}/latest/meta-data/",
        ):
            with pytest.raises(outbound.URLRefused):
                outbound.post(url, hosts=outbound.ANY_PUBLIC_HOST)
        assert len(slack.requests) == 1

        settings.OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS = False  # production
        error = _raised(post_webhook, slack.webhook_url, text="hello")
        assert error.message == "The Slack webhook URL must start with https://."
        with pytest.raises(outbound.URLRefused):
            outbound.post(slack.webhook_url, hosts=outbound.ANY_PUBLIC_HOST)
        assert len(slack.requests) == 1
    assert [address[0] for address in connections] == ["127.0.0.1"]


def test_own_site_is_exactly_the_configured_origin(settings):
    settings.OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS = False
    settings.SITE_SCHEME, settings.BASE_DOMAIN, settings.SITE_PORT = "http", "localhost", 8000

    outbound.check_url("http://localhost:8000/billing/razorpay/webhook/", outbound.OWN_SITE)
    for url in (
        "http://localhost:8001/billing/razorpay/webhook/",
        "http://127.0.0.1:8000/billing/razorpay/webhook/",
        "http://acme.localhost:8000/",
        "https://localhost:8000/",
    ):
        with pytest.raises(outbound.URLRefused):
            outbound.check_url(url, outbound.OWN_SITE)


# ---------------------------------------------------------------- the schedule form and "Send test"


REVIEW_URLS = [
    f"https://127.0.0.1:9443\\@hooks.slack.com{WEBHOOK_PATH}",
    f"https://evil.example\\@hooks.slack.com{WEBHOOK_PATH}",
    f"https://hooks.slack.com:6390{WEBHOOK_PATH}",
    f"https://hooks.slack.com@127.0.0.1{WEBHOOK_PATH}",
    f"https://user:pass@hooks.slack.com{WEBHOOK_PATH}",
    f"https://hooks.slack.com%2e{WEBHOOK_PATH}",
]


@pytest.mark.parametrize("url", REVIEW_URLS)
@pytest.mark.parametrize("loopback_for_tests", [True, False])
def test_validation_refuses_the_review_urls_whatever_the_test_setting(settings, url, loopback_for_tests):
    settings.OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS = loopback_for_tests
    settings.SLACK_WEBHOOK_HOSTS = ["hooks.slack.com", "127.0.0.1"]  # even with the fakes' host allowed
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        validate_webhook_url(url)
    message = caught.value.messages[0]
    assert message.startswith(("This is not a Slack webhook URL", "This Slack webhook URL is not allowed"))
    assert "https://hooks.slack.com/services/T…/B…/…" in message


FORM = {
    "name": "Board pack",
    "kind": "sales-review",
    "format": "pdf",
    "frequency": "monthly",
    "time_of_day": "09:00",
    "day_of_month": "1",
    "period": "previous",
    "is_active": "on",
}


@pytest.mark.django_db
def test_the_schedule_form_refuses_the_review_urls_with_a_clear_message(make_company, company_client):
    from reports.models import Schedule

    company, owner = make_company()
    client = company_client(company, owner)
    expected = {
        REVIEW_URLS[0]: "This is not a Slack webhook URL: it contains a backslash.",
        REVIEW_URLS[1]: "This is not a Slack webhook URL: it contains a backslash.",
        REVIEW_URLS[2]: "This Slack webhook URL is not allowed: it names a port (:6390)",
    }
    for url, words in expected.items():
        response = client.post(reverse("report_schedule_new"), {**FORM, "slack_webhook_url": url})
        assert response.status_code == 400
        assert words in response.content.decode()
    with tenant_context(company):
        assert not Schedule.objects.exists()

    response = client.post(
        reverse("report_schedule_new"), {**FORM, "slack_webhook_url": f"https://hooks.slack.com{WEBHOOK_PATH}"}
    )
    assert response.status_code == 302
    with tenant_context(company):
        assert Schedule.objects.get().slack_webhook_url == f"https://hooks.slack.com{WEBHOOK_PATH}"


@pytest.mark.django_db
def test_send_test_never_connects_for_a_url_saved_before_the_check(
    make_company, add_member, company_client, listener, connections
):
    """A schedule saved before this check existed still holds the attack URL: "Send test" fails, saying why, and
    nothing connects."""
    from reports.models import Delivery, Schedule

    company, _ = make_company()
    manager = add_member(company, "manager")
    urls = [
        f"https://127.0.0.1:{listener.port}\\@hooks.slack.com{WEBHOOK_PATH}",
        f"https://evil.example\\@hooks.slack.com{WEBHOOK_PATH}",
        f"https://hooks.slack.com:{listener.port}{WEBHOOK_PATH}",
    ]
    with tenant_context(company):
        schedules = [
            Schedule.objects.create(
                name=f"Old {n}",
                kind="sales-review",
                frequency="daily",
                time_of_day=time(9),
                email_to="",
                slack_webhook_url=url,
                next_run_at=datetime.datetime(2025, 4, 1, 9, tzinfo=datetime.UTC),
            )
            for n, url in enumerate(urls)
        ]
    client = company_client(company, manager)
    for schedule in schedules:
        response = client.post(reverse("report_schedule_test", args=[schedule.pk]), follow=True)
        assert "Slack webhook" in response.content.decode()
    with tenant_context(company):
        failed = list(Delivery.objects.filter(is_test=True).values_list("status", "error"))
    assert len(failed) == 3
    assert all(status == "failed" and "Slack webhook URL" in error for status, error in failed), failed
    assert connections == []
    assert listener.connections() == 0


# ---------------------------------------------------------------- helpers


def _raised(call, *args, **kwargs) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        call(*args, **kwargs)
    return caught.value


class _TLSServer:
    def __init__(self, context: ssl.SSLContext) -> None:
        self.sni: list[str | None] = []
        self.requests: list[bytes] = []
        context.sni_callback = lambda sock, name, ctx: self.sni.append(name)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.context = context
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            try:
                with self.context.wrap_socket(raw, server_side=True) as conn:
                    conn.settimeout(5)
                    data = b""
                    while b"\r\n\r\n" not in data and (chunk := conn.recv(65536)):
                        data += chunk
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = re.search(rb"\r\nContent-Length: (\d+)", head)
                    # The whole body is read before answering: closing with unread bytes would reset the connection.
                    while length and len(body) < int(length[1]) and (chunk := conn.recv(65536)):
                        body += chunk
                    self.requests.append(head + b"\r\n\r\n")
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            except (OSError, ssl.SSLError):
                raw.close()


def _tls_server(folder, name: str) -> tuple[str, _TLSServer]:
    """A TLS server on 127.0.0.1 with a certificate for `name` from a throwaway CA; returns the CA file."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Elettro test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # key_cert_sign, crl_sign
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return str(ca_file), _TLSServer(context)
