"""Carrying a login from the public site to a company's subdomain.

Browsers will not share a cookie between `localhost` and `acme.localhost`, and a company may one day
bring its own domain, so the public site signs a one-time, one-minute ticket that the subdomain redeems.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.utils.http import url_has_allowed_host_and_scheme

from .models import Company, User

_SALT = "elettro.handoff"


def login_family(session) -> str:
    """The id shared by a login and every subdomain session it hands off to."""
    if "login_family" not in session:
        session["login_family"] = uuid.uuid4().hex
    return session["login_family"]


def safe_next_path(value: str | None) -> str:
    """`value` if it is a path on the same host (query string kept), else "/". Refuses every way of naming another
    site: a scheme, `//host`, `/\\host` (browsers read `\\` as `/`), tabs or newlines browsers drop from `/\t/host`."""
    if not value or not value.startswith("/") or not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return "/"
    return value


class Handoff(NamedTuple):
    user: User
    family: str
    next_path: str
    two_factor: bool  # the login passed its second factor on the public site (tenants/two_factor.py)


def handoff_create(*, user: User, company: Company, family: str, next_path: str = "/", two_factor: bool = False) -> str:
    """A ticket for `user` to enter `company`. `two_factor` says the login passed its second factor: the ticket is
    signed, so a company host can trust it; a company that requires two-factor refuses a ticket without it."""
    payload = {"u": user.pk, "c": company.pk, "f": family, "n": safe_next_path(next_path), "j": uuid.uuid4().hex,
               "m": bool(two_factor)}  # fmt: skip
    return signing.dumps(payload, salt=_SALT, compress=True)


def handoff_redeem(*, token: str, company: Company) -> Handoff | None:
    """The hand-off of a valid, fresh, unused ticket meant for this company; else None."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=settings.HANDOFF_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if payload.get("c") != company.pk:
        return None
    if not caches["shared"].add(f"handoff-used:{payload['j']}", 1, timeout=settings.HANDOFF_MAX_AGE_SECONDS * 2):
        return None
    user = User.objects.filter(pk=payload["u"], is_active=True).first()
    if user is None:
        return None
    return Handoff(user, payload["f"], safe_next_path(payload.get("n")), payload.get("m") is True)


def login_family_end(family: str) -> None:
    caches["shared"].set(f"revoked-login:{family}", 1, timeout=settings.SESSION_COOKIE_AGE)
