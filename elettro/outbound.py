"""The one way Elettro makes an HTTP request to another server (Slack, WhatsApp's Cloud API, Razorpay, any future
webhook), so that no URL a company typed, and no address a service answered with, can make Elettro connect to
itself or to the network it runs in (server-side request forgery).

Before every request (and every retry: the check runs in the transport adapter, so nothing can skip it):

1. The URL is read the way `requests`/urllib3 read it, and refused when it could be read two ways: urllib3's
   `parse_url` and `urllib.parse` must agree on scheme, host and port, and backslashes, a user name or password
   (`@` before the host), percent-encoded host names, whitespace, control and non-ASCII characters are refused
   outright. (`https://127.0.0.1:9443\\@hooks.slack.com/` is hooks.slack.com to urllib.parse and 127.0.0.1 to
   urllib3; it never gets as far as a lookup.)
2. The policy: https only, the default port only, a host name (not an IP literal, nor a number dressed up as one
   such as 2130706433 or 0x7f000001) from the caller's allowed list when it has one (Slack: hooks.slack.com).
3. The host name is resolved once with `socket.getaddrinfo`; if ANY address is loopback, private (RFC 1918),
   link-local (169.254/16, the cloud metadata service), shared (100.64/10), multicast, reserved, unspecified,
   IPv6 unique-local/link-local/site-local, or an IPv4 address hidden in IPv6 (mapped, 6to4, NAT64) that is any
   of these, the request is refused.
4. The connection goes to the vetted address itself (pinned: the URL's host is swapped for the IP, the `Host`
   header, TLS SNI and certificate check keep the name), so a second DNS answer (rebinding) is never asked for.

Every request has a connect and a read timeout, a deadline for the whole body, no redirects (a 3xx is returned
as it is), no proxy from the environment, and a cap on the response size.

Tests reach the local fakes in tests/fakes/ (plain http on 127.0.0.1, any port) through one setting,
OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS, which only elettro/settings/test.py turns on; it lets through IP literals in
127.0.0.0/8 or ::1 and nothing else, and every other check still applies.

The name lookup is waited on for OUTBOUND_DNS_TIMEOUT_SECONDS (5) at most: getaddrinfo has no timeout of its own,
so it runs on a small pool of lookup threads and a lookup that hangs is abandoned there (the pool's bound keeps a
hanging resolver from growing threads without end).

Residual risk, accepted: a server that drips its status line and headers more slowly than the read timeout
per byte is only cut off by the read timeout, not by the body deadline.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import re
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

# Allowed hosts, per service. `None` (ANY_PUBLIC_HOST) is a generic webhook: any host name on the public internet.
SLACK_API_HOSTS = frozenset({"slack.com", "files.slack.com"})  # Web API, and the pre-signed file upload URLs
WHATSAPP_HOSTS = frozenset({"graph.facebook.com"})
RAZORPAY_HOSTS = frozenset({"api.razorpay.com"})
ANY_PUBLIC_HOST = None


class _OwnSite:
    """Our own public site (the billing sandbox posting its webhooks to us): exactly the origin built from
    SITE_SCHEME, BASE_DOMAIN and SITE_PORT, which only the operator sets, and no other."""

    def __repr__(self) -> str:
        return "OWN_SITE"


OWN_SITE = _OwnSite()

Hosts = Iterable[str] | _OwnSite | None

_CHUNK = 64 * 1024
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_BLOCKED_NETWORKS = [
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible, deprecated
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
]
_NAT64 = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48")]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class URLRefused(requests.exceptions.InvalidURL):
    """Elettro will not connect to this URL. `reason` says why in words a manager can act on, and never repeats
    the URL (a Slack webhook URL is itself a secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HostNotFound(requests.exceptions.ConnectionError):
    """The host name did not resolve; like a refused connection, it may work later."""


class ResponseTooLarge(requests.RequestException):
    """The answer was larger than OUTBOUND_MAX_RESPONSE_BYTES; it was not read to the end."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int | None
    ip: Address | None  # when the host is an IP literal

    @property
    def effective_port(self) -> int:
        return self.port or (443 if self.scheme == "https" else 80)


# ---------------------------------------------------------------- reading a URL


def parse(url: str) -> Target:
    """Read `url` as urllib3 (and so `requests`) will, refusing anything another parser could read differently.
    No policy here: http and odd ports pass, `check` decides."""
    if not isinstance(url, str) or not url:
        raise URLRefused("it is empty")
    if len(url) > 2048:
        raise URLRefused("it is too long")
    if any(not 0x21 <= ord(char) <= 0x7E for char in url):
        raise URLRefused("it contains spaces, control characters or non-ASCII characters")
    if "\\" in url:
        raise URLRefused("it contains a backslash")
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in ("http", "https"):
        raise URLRefused("it is not a web address starting with https://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if not authority:
        raise URLRefused("it has no host name")
    if "@" in authority:
        raise URLRefused("it contains a user name or password (an @ before the host name)")
    if "%" in authority:
        raise URLRefused("its host name contains percent-encoded characters")
    try:
        ours, theirs = parse_url(url), urlsplit(url)
        their_port = theirs.port
    except (LocationParseError, ValueError):
        raise URLRefused("it is not a valid web address") from None
    if ours.auth is not None or theirs.username is not None or theirs.password is not None:
        raise URLRefused("it contains a user name or password (an @ before the host name)")
    host = (ours.host or "").lower()
    bracketed = host.startswith("[")
    host = host.removeprefix("[").removesuffix("]")
    if not host or host != (theirs.hostname or "").lower():
        raise URLRefused("its host name can be read in more than one way")
    if (ours.scheme or "").lower() != scheme or theirs.scheme.lower() != scheme or ours.port != their_port:
        raise URLRefused("its scheme or port can be read in more than one way")
    ip = _ip_literal(host)
    if bracketed != isinstance(ip, ipaddress.IPv6Address):
        raise URLRefused("its host name is not valid")
    if ip is None:
        if len(host) > 253 or not _HOST_NAME.fullmatch(host):
            raise URLRefused("its host name is not valid")
        if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
            # 2130706433, 0x7f000001, 127.1, 0177.0.0.1: numbers some resolvers read as IPv4 addresses.
            raise URLRefused("its host name is a number, which some systems read as an IP address")
    return Target(scheme=scheme, host=host, port=ours.port, ip=ip)


def _ip_literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)  # strict: dotted-quad IPv4 without leading zeros, or IPv6
    except ValueError:
        return None


# ---------------------------------------------------------------- policy


def _loopback_for_tests(target: Target) -> bool:
    return bool(getattr(settings, "OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS", False)) and (
        target.ip is not None and target.ip.is_loopback
    )


def check(target: Target, hosts: Hosts = ANY_PUBLIC_HOST) -> None:
    """Scheme, port and host against the policy, before any lookup."""
    if _loopback_for_tests(target):
        return
    if isinstance(hosts, _OwnSite):
        if (target.scheme, target.host, target.effective_port) != _own_site():
            raise URLRefused("it is not this site's own address")
        return
    if target.scheme != "https":
        raise URLRefused("it must start with https://")
    if target.port not in (None, 443):
        raise URLRefused(f"it names a port (:{target.port}); only the standard HTTPS port is allowed")
    if target.ip is not None:
        problem = forbidden_address(target.ip)
        if problem:
            raise URLRefused(f"it points to {problem}")
        raise URLRefused("it is an IP address; use the service's host name")
    if target.host == "localhost" or target.host.endswith(".localhost"):
        raise URLRefused("it points to this server (localhost)")
    if hosts is not None:
        allowed = sorted({host.lower() for host in hosts})
        if target.host not in allowed:
            raise URLRefused(f"only {' or '.join(allowed)} is allowed here")


def check_url(url: str, hosts: Hosts = ANY_PUBLIC_HOST) -> Target:
    """`parse` and `check`: everything that can be said without looking the host name up. Forms use this."""
    target = parse(url)
    check(target, hosts)
    return target


def _own_site() -> tuple[str, str, int]:
    default = 443 if settings.SITE_SCHEME == "https" else 80
    return settings.SITE_SCHEME, settings.BASE_DOMAIN.lower(), int(settings.SITE_PORT or default)


def forbidden_address(ip: Address) -> str | None:
    """What kind of internal address `ip` is, or None for an address on the public internet."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or (ip.sixtofour if ip in ipaddress.ip_network("2002::/16") else None)
        if embedded is None and any(ip in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            problem = forbidden_address(embedded)
            return f"{problem} (inside an IPv6 address)" if problem else None
        if ip.teredo:
            return "a tunnelled (Teredo) address"
    if ip.is_loopback:
        return "this server (a loopback address)"
    if ip.is_link_local:
        return "a link-local address (such as the cloud metadata service)"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a shared (carrier-grade NAT) address"
    if ip.is_private or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "a private network address"
    if ip.is_reserved or not ip.is_global or any(ip in net for net in _BLOCKED_NETWORKS if net.version == ip.version):
        return "a reserved address"
    return None


_LOOKUPS = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-dns")


def resolve(target: Target) -> Address:
    """The address to connect to: every address the name resolves to must be public, and the first IPv4 one
    (else the first) is used."""
    if target.ip is not None:
        return target.ip
    seconds = float(getattr(settings, "OUTBOUND_DNS_TIMEOUT_SECONDS", 5))
    lookup = _LOOKUPS.submit(socket.getaddrinfo, target.host, target.effective_port, type=socket.SOCK_STREAM)
    try:
        found = lookup.result(timeout=seconds)
    except concurrent.futures.TimeoutError:
        lookup.cancel()
        raise HostNotFound(f"looking up the host name {target.host} took over {seconds:g}s") from None
    except (OSError, UnicodeError):
        raise HostNotFound(f"the host name {target.host} was not found") from None
    addresses = []
    for *_, sockaddr in found:
        try:
            addresses.append(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
        except ValueError:
            raise URLRefused("its host name resolves to something that is not an IP address") from None
    if not addresses:
        raise HostNotFound(f"the host name {target.host} was not found")
    for address in addresses:
        problem = forbidden_address(address)
        if problem:
            raise URLRefused(f"its host name leads to {problem}")
    return next((a for a in addresses if a.version == 4), addresses[0])


def vet(url: str, hosts: Hosts = ANY_PUBLIC_HOST) -> tuple[Target, Address | None]:
    """`check_url`, then the lookup. Returns the target and the address to connect to (None: connect by name,
    only for the test fakes' loopback literals and our own site)."""
    target = check_url(url, hosts)
    if _loopback_for_tests(target) or isinstance(hosts, _OwnSite):
        return target, None
    return target, resolve(target)


# ---------------------------------------------------------------- the client


class _VettingAdapter(HTTPAdapter):
    """Vets every request it sends and connects to the vetted address. The pool key carries the host name for
    SNI and the certificate check, so connections are never shared between names."""

    def __init__(self, hosts: Hosts) -> None:
        super().__init__(max_retries=0)
        self._hosts = hosts

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        target, address = vet(request.url or "", self._hosts)
        sent = request.copy()
        if address is not None:
            host = f"[{address}]" if address.version == 6 else str(address)
            sent.url = parse_url(request.url)._replace(host=host).url
            sent.headers["Host"] = target.host if target.port is None else f"{target.host}:{target.port}"
            sent._outbound_server_name = target.host  # type: ignore[attr-defined]
        connect, read = _timeout(timeout)
        deadline = time.monotonic() + float(getattr(settings, "OUTBOUND_TOTAL_SECONDS", 60))
        response = super().send(
            sent, stream=True, timeout=(connect, read), verify=verify or True, cert=None, proxies={}
        )
        response.url, response.request = request.url, request
        _read_capped(response, deadline)
        return response

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        name = getattr(request, "_outbound_server_name", None)
        if name and host_params.get("scheme") == "https":
            pool_kwargs["server_hostname"] = name
            pool_kwargs["assert_hostname"] = name
        return host_params, pool_kwargs


def _frozen(hosts: Hosts) -> frozenset[str] | _OwnSite | None:
    if hosts is None or isinstance(hosts, _OwnSite):
        return hosts
    return frozenset(host.lower() for host in hosts)


def _timeout(value: Any) -> tuple[float, float]:
    most_connect = float(getattr(settings, "OUTBOUND_CONNECT_TIMEOUT_SECONDS", 5))
    default_read = float(getattr(settings, "OUTBOUND_READ_TIMEOUT_SECONDS", 15))
    if isinstance(value, tuple) and len(value) == 2:
        connect, read = value
    elif isinstance(value, int | float):
        connect = read = value
    else:
        connect, read = None, None
    read = float(read) if read else default_read
    connect = min(float(connect), most_connect) if connect else most_connect
    return connect, read


def _read_capped(response: requests.Response, deadline: float) -> None:
    limit = int(getattr(settings, "OUTBOUND_MAX_RESPONSE_BYTES", 2 * 1024 * 1024))
    try:
        declared = int(response.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    try:
        if declared > limit:
            raise ResponseTooLarge(f"the answer is {declared} bytes, more than {limit}")
        chunks, size = [], 0
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise ResponseTooLarge(f"the answer is more than {limit} bytes")
            if time.monotonic() > deadline:
                raise requests.exceptions.ReadTimeout("the answer took too long to arrive")
            chunks.append(chunk)
    except BaseException:
        response.close()
        raise
    response._content = b"".join(chunks)


class Session(requests.Session):
    """A `requests.Session` whose every request is vetted against `hosts` (see the module docstring). For
    clients that take a session (razorpay); others call `request`/`post` below."""

    def __init__(self, hosts: Hosts = ANY_PUBLIC_HOST) -> None:
        super().__init__()
        self._hosts = hosts = _frozen(hosts)
        self.trust_env = False  # no HTTP(S)_PROXY: the connection must go to the address that was vetted
        self.adapters.clear()
        adapter = _VettingAdapter(hosts)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, *args, **kwargs):
        # The URL as the caller has it: preparing it would quote a backslash into the path and hide the ambiguity.
        # The adapter checks the prepared URL again, and looks the host name up.
        check_url(url, self._hosts)
        kwargs["allow_redirects"] = False
        kwargs.pop("proxies", None)
        return super().request(method, url, *args, **kwargs)


def request(method: str, url: str, *, hosts: Hosts, **kwargs: Any) -> requests.Response:
    """One vetted request. `hosts`: the allowed host names (e.g. SLACK_API_HOSTS), ANY_PUBLIC_HOST, or OWN_SITE.
    Raises URLRefused (a requests.RequestException) before connecting when the URL is not allowed."""
    with Session(hosts) as session:
        return session.request(method, url, **kwargs)


def post(url: str, *, hosts: Hosts, **kwargs: Any) -> requests.Response:
    return request("POST", url, hosts=hosts, **kwargs)
