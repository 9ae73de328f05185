"""Rate limits and account enumeration: signups per client IP and in total, failed logins per account and client
IP, X-Forwarded-For only from our own proxies, and signup and password reset answering the same for any address."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import caches
from django.test import Client, RequestFactory
from django_tenants.utils import schema_exists

from tenants import ratelimits
from tenants.client_ip import client_ip
from tenants.models import Company, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

_REAL_CACHES = django_settings.CACHES


@pytest.fixture(autouse=True)
def _own_caches(settings):
    """Counters in caches of this test alone: no other test (or parallel run on the shared test Redis) can add to
    them or clear them midway, and none are left behind. Redis itself is exercised by the concurrency test."""
    location = f"rate-limits-{uuid.uuid4().hex}"
    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"{location}-{alias}"}
        for alias in ("default", "shared")
    }
    settings.SIGNUP_RATE_LIMIT_PER_IP = "5/h"
    settings.SIGNUP_RATE_LIMIT_TOTAL = "30/10m"
    settings.TRUSTED_PROXIES = []
    yield
    for alias in ("default", "shared"):
        caches[alias].clear()


def _public(ip: str = "198.51.100.10", **extra) -> Client:
    return Client(HTTP_HOST=django_settings.BASE_DOMAIN, REMOTE_ADDR=ip, **extra)


def _signup_data(name: str, **change) -> dict:
    return {
        "company_name": f"{name.title()} Traders",
        "subdomain": name,
        "home_state": "27",
        "full_name": "Ravi Kumar",
        "email": f"ravi@{name}.example.com",
        "password": "Ledger-Book-2024",
        **change,
    }


def _created(name: str) -> bool:
    return (
        Company.objects.filter(subdomain=name).exists()
        or User.objects.filter(email=f"ravi@{name}.example.com").exists()
        or schema_exists(name)
    )


# ---------------------------------------------------------------- signup limits


def test_signups_past_the_per_ip_limit_get_429_and_create_nothing(settings):
    settings.SIGNUP_RATE_LIMIT_PER_IP = "2/h"

    first = _public("198.51.100.10").post("/signup/", _signup_data("ipone"))
    second = _public("198.51.100.10").post("/signup/", _signup_data("iptwo"))
    refused = _public("198.51.100.10").post("/signup/", _signup_data("ipthree"))
    elsewhere = _public("198.51.100.11").post("/signup/", _signup_data("ipfour"))

    assert first.status_code == second.status_code == 302
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "Too many signups from your network" in body and 'role="alert"' in body
    assert 'name="company_name"' in body and "Ipthree Traders" in body  # the form, as it was filled in
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert not _created("ipthree")
    assert elsewhere.status_code == 302 and _created("ipfour")


def test_signups_past_the_total_limit_get_429_from_any_address(settings):
    settings.SIGNUP_RATE_LIMIT_TOTAL = "2/10m"

    answers = [_public(f"198.51.100.{20 + n}").post("/signup/", _signup_data(f"total{n}")) for n in range(3)]

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert "unusual number of signups" in answers[2].content.decode()
    assert 0 < int(answers[2]["Retry-After"]) <= 600
    assert not _created("total2")


def test_a_refused_or_mistaken_signup_does_not_use_up_the_allowance(settings, make_company):
    settings.SIGNUP_RATE_LIMIT_PER_IP = "1/h"
    make_company("takenname")

    taken = _public().post("/signup/", _signup_data("takenname", email="ravi@other.example.com"))
    weak = _public().post("/signup/", _signup_data("weakpass", password="password123"))
    good = _public().post("/signup/", _signup_data("goodname"))
    again = _public().post("/signup/", _signup_data("onemore"))

    assert taken.status_code == weak.status_code == 400
    assert good.status_code == 302 and again.status_code == 429


def test_concurrent_signups_on_redis_cannot_pass_the_limit_together(monkeypatch):
    """Twelve at once against a limit of five on the real Redis: cache.add + cache.incr let exactly five through."""
    from django.core.cache.backends.redis import RedisCache

    shared = _REAL_CACHES["shared"]
    redis = RedisCache(shared["LOCATION"], {"KEY_PREFIX": f"{shared.get('KEY_PREFIX', '')}-{uuid.uuid4().hex}"})
    monkeypatch.setattr(ratelimits, "_cache", lambda: redis)
    rate = ratelimits.parse_rate("5/h")
    allowed, start = ratelimits.Hits(), threading.Barrier(12)

    def one():
        start.wait()
        hits = ratelimits.Hits()
        if ratelimits.hit("signup:ip", "203.0.113.50", rate, hits) is None:
            allowed.keys.extend(hits.keys)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(allowed.keys) == 5
    allowed.refund()
    assert ratelimits.hit("signup:ip", "203.0.113.50", rate, allowed) is None  # handed back, usable again
    redis.delete_many(set(allowed.keys))  # never clear(): other runs share the test Redis


@pytest.mark.parametrize(
    ("text", "amount", "seconds"),
    [("5/h", 5, 3600), ("30/10m", 30, 600), ("100/3600s", 100, 3600), ("2/d", 2, 86400), ("7/90", 7, 90)],
)
def test_rates_read_as_amount_per_period(text, amount, seconds):
    assert ratelimits.parse_rate(text) == ratelimits.Rate(amount, seconds)


# ---------------------------------------------------------------- the client IP behind proxies


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),  # no proxy in between
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # a client that is not our proxy: its header is ignored
        ("10.0.0.5", "198.51.100.7", "198.51.100.7"),  # our proxy says who connected to it
        ("10.0.0.5", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # what the client wrote in front is never read
        ("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),  # two of our proxies in a row
        ("10.0.0.5", "not-an-ip", "10.0.0.5"),  # rubbish: stop at the last proxy we trust
        ("10.0.0.5", "[2001:db8::1]:4711", "2001:db8::1"),
        ("::ffff:203.0.113.9", "", "203.0.113.9"),
    ],
)
def test_client_ip_reads_x_forwarded_for_only_from_trusted_proxies(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_a_spoofed_x_forwarded_for_from_an_untrusted_client_is_ignored(settings):
    settings.SIGNUP_RATE_LIMIT_PER_IP = "2/h"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    answers = [
        _public("203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post("/signup/", _signup_data(f"spoof{n}"))
        for n in range(3)
    ]

    assert [answer.status_code for answer in answers] == [302, 302, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance(settings):
    settings.SIGNUP_RATE_LIMIT_PER_IP = "1/h"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    def via_proxy(client: str, name: str):
        return _public("10.0.0.5", HTTP_X_FORWARDED_FOR=f"6.6.6.6, {client}").post("/signup/", _signup_data(name))

    assert via_proxy("198.51.100.1", "viaone").status_code == 302
    assert via_proxy("198.51.100.1", "viatwo").status_code == 429
    assert via_proxy("198.51.100.2", "viathree").status_code == 302


# ---------------------------------------------------------------- failed logins: per account and client IP


def _login(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def _locked(response) -> bool:
    return "Too many failed login attempts" in response.content.decode()


def test_guessing_at_one_account_locks_only_that_account_from_that_ip(make_company):
    _, alice = make_company("lockalpha")
    _, bob = make_company("lockbeta")
    attacker = _public("203.0.113.66")

    guesses = [_login(attacker, alice.email, "wrong-guess") for _ in range(5)]
    blocked = _login(attacker, alice.email, PASSWORD)

    assert not any(_locked(guess) for guess in guesses) and _locked(blocked)
    assert "_auth_user_id" not in attacker.session
    # The same IP may still log in to another account ...
    other_account = _login(_public("203.0.113.66"), bob.email, PASSWORD)
    assert other_account.status_code == 302 and not _locked(other_account)
    # ... and Alice, from her own address, is not locked out by the stranger.
    owner = _public("198.51.100.42")
    mine = _login(owner, alice.email, PASSWORD)
    assert mine.status_code == 302 and owner.session["_auth_user_id"] == str(alice.pk)


def test_login_lockout_uses_the_client_behind_a_trusted_proxy_and_ignores_spoofed_headers(settings, make_company):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    _, alice = make_company("proxyalpha")

    # Behind our proxy, the forwarded client is who is counted: a guesser does not lock out another client.
    guesser = _public("10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for _ in range(5):
        _login(guesser, alice.email, "wrong-guess")
    assert _locked(_login(guesser, alice.email, PASSWORD))
    owner = _public("10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.42")
    assert _login(owner, alice.email, PASSWORD).status_code == 302

    # Straight to us, a client inventing a new X-Forwarded-For each time is still one client.
    for n in range(5):
        _login(_public("203.0.113.77", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), alice.email, "wrong-guess")
    assert _locked(_login(_public("203.0.113.77", HTTP_X_FORWARDED_FOR="192.0.2.99"), alice.email, PASSWORD))


# ---------------------------------------------------------------- no account enumeration


def test_signup_with_an_existing_address_looks_like_signup_with_a_new_one(settings, make_company):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"  # as in production
    _, existing = make_company("enumfirst", owner_email="taken@enum.example.com")
    new_email, old_email = "fresh@enum.example.com", "Taken@enum.example.com"
    new_client, old_client = _public("198.51.100.30"), _public("198.51.100.31")

    new = new_client.post("/signup/", _signup_data("enumnew", email=new_email))
    old = old_client.post("/signup/", _signup_data("enumold", email=old_email))

    assert new.status_code == old.status_code == 200
    assert new.content.decode().replace(new_email, "@") == old.content.decode().replace(old_email, "@")
    assert "Check your email" in new.content.decode() and "already" not in old.content.decode()
    assert set(new.cookies) == set(old.cookies)
    assert "_auth_user_id" not in new_client.session and "_auth_user_id" not in old_client.session
    # The new address gets its verification link and a company waiting; the existing one a note and nothing else.
    assert Company.objects.filter(subdomain="enumnew").exists() and not _created("enumold")
    assert User.objects.filter(email__iexact=old_email).count() == 1
    to_new, to_old = ([m for m in mail.outbox if m.to == [address]] for address in (new_email, old_email))
    assert len(to_new) == 1 and "/accounts/confirm-email/" in to_new[0].body
    assert len(to_old) == 1 and "already exists" in to_old[0].body and "/accounts/password/reset/" in to_old[0].body
    assert existing.memberships.count() == 1


def test_an_existing_address_never_gets_the_account_exists_error(make_company):
    """Even when new signups go straight in (verification optional), the page says nothing about the account."""
    make_company("enumoptional", owner_email="known@enum.example.com")

    response = _public().post("/signup/", _signup_data("enumother", email="known@enum.example.com"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Check your email" in body and "already" not in body and 'data-field="email"' not in body
    assert not _created("enumother")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["known@enum.example.com"]


def test_password_reset_answers_the_same_for_an_unknown_address(make_company):
    _, owner = make_company("resetco")

    known = _public().post("/accounts/password/reset/", {"email": owner.email})
    unknown = _public().post("/accounts/password/reset/", {"email": "nobody@resetco.example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    done = [_public().get(answer["Location"]).content.decode() for answer in (known, unknown)]
    assert done[0] == done[1]
    assert [m.to for m in mail.outbox] == [[owner.email], ["nobody@resetco.example.com"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body
