"""The client's IP address, the one place it is worked out: signup limits and allauth's login limits both use it.

REMOTE_ADDR is the peer that opened the connection. Only when that peer is one of our own proxies
(settings.TRUSTED_PROXIES: addresses or networks, e.g. the load balancer's subnet) do we read X-Forwarded-For, and
then from the right: each proxy appends the address it saw, so the first address from the right that is not one of
ours is the client. Whatever a client writes into X-Forwarded-For itself sits further left and is never reached,
and a client that talks to us directly is not a trusted proxy, so its header is ignored altogether.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted if entry.strip())


def _trusted(address: Address) -> bool:
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    return any(address in network for network in networks)


def _parse(text: str | None) -> Address | None:
    """An address as proxies write it: bare, "[v6]:port" or "v4:port"; None when it is not an address."""
    text = (text or "").strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request: HttpRequest) -> str:
    """The client's address as text, or "" when the request has none (a test or a Unix socket without a peer)."""
    address = _parse(request.META.get("REMOTE_ADDR"))
    if address is None:
        return ""
    if _trusted(address):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed(hops):
            forwarded = _parse(hop)
            if forwarded is None:
                break  # not an address: stop at the last proxy we trust rather than guess
            address = forwarded
            if not _trusted(address):
                break
    return str(address)
