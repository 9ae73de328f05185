"""Two-factor sign-in: an authenticator app (TOTP) with recovery codes, a company that requires it, and the hand-off
between the public site and a company's host that keeps it.

Codes are computed here from the secret the set-up page shows, by RFC 6238 written out below, not by allauth."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import struct
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import caches
from django.db import transaction
from django.test import Client

from tenants.forms import CompanySettingsForm
from tenants.handoff import handoff_create
from tenants.models import Company
from tenants.urls_util import company_host
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

STEP = 30


def rfc6238(secret: bytes, at: float, digits: int = 6) -> str:
    """TOTP: HMAC-SHA1 of the count of 30-second steps since 1970, dynamically truncated (RFC 4226 section 5.3)."""
    digest = hmac.new(secret, struct.pack(">Q", int(at // STEP)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


class Clock:
    """The time allauth reads when it checks a code (and only then), moved by the test: codes are computed for it
    here, and a test that needs the next code steps forward instead of waiting half a minute."""

    def __init__(self):
        self.now = (time.time() // STEP) * STEP + 1.0

    def time(self) -> float:
        return self.now

    def next_step(self) -> None:
        self.now += STEP


@pytest.fixture(autouse=True)
def _own_caches(settings):
    """Used codes and failed-attempt counters in caches of this test alone: a counter left in the shared test Redis
    by an earlier run, for a user id the fresh test database hands out again, cannot lock this test out."""
    location = f"two-factor-{uuid.uuid4().hex}"
    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"{location}-{alias}"}
        for alias in ("default", "shared")
    }
    yield
    for alias in ("default", "shared"):
        caches[alias].clear()


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    from allauth.mfa.totp.internal import auth

    fake = Clock()
    monkeypatch.setattr(auth, "time", fake)
    return fake


def code_for(secret_b32: str, clock: Clock) -> str:
    """What the authenticator app shows at the clock's time."""
    return rfc6238(base64.b32decode(secret_b32, casefold=True), clock.now)


def test_the_code_helper_matches_rfc_6238s_published_values():
    secret = b"12345678901234567890"  # RFC 6238 appendix B, SHA1
    assert rfc6238(secret, 59, digits=8) == "94287082"
    assert rfc6238(secret, 1111111109, digits=8) == "07081804"
    assert rfc6238(secret, 2000000000, digits=8) == "69279037"


# ---------------------------------------------------------------- helpers that act as the person would


def _verified(user):
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"primary": True, "verified": True})
    return user


def _public() -> Client:
    return Client(HTTP_HOST="localhost")


def _log_in(client: Client, user):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def _other_than(code: str, by: int = 1) -> str:
    return f"{(int(code) + by) % 1_000_000:06d}"


def _turn_on_app(client: Client, clock: Clock) -> str:
    """Set up the authenticator app on the public site as the signed-in person; the secret it showed. The clock
    then moves to the next step, as the person's next login would come later."""
    page = client.get("/accounts/2fa/totp/activate/")
    if page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/"):
        # allauth asks for the password again before a change to how the account signs in.
        confirmed = client.post(page["Location"], {"password": PASSWORD})
        assert confirmed["Location"] == "/accounts/2fa/totp/activate/", confirmed
        page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200, page
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7=]+)"', page.content.decode()).group(1)
    # allauth announces the new app when its transaction commits, inside the request; the test's own transaction
    # never commits, so here the announcement runs at once, still inside the request, as it would on the site.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transaction, "on_commit", lambda callback, using=None, robust=False: callback())
        done = client.post("/accounts/2fa/totp/activate/", {"code": code_for(secret, clock)})
    assert done.status_code == 302 and done["Location"] == "/accounts/2fa/recovery-codes/", _page_text(done)[-3000:]
    clock.next_step()
    return secret


def _recovery_codes(client: Client) -> list[str]:
    page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    return re.search(r'<textarea id="recovery_codes"[^>]*>([\d\s]+)</textarea>', page).group(1).split()


def _page_text(response) -> str:
    return html.unescape(response.content.decode())


def _enter_company(public: Client, company, next_path: str = "/") -> tuple[Client, object]:
    """Follow the public /go/ hand-off to the company's host as a browser would; the company client and its answer."""
    to_company = public.get(f"/go/{company.subdomain}/", {"next": next_path})
    assert to_company.status_code == 302, to_company
    location = urlsplit(to_company["Location"])
    assert location.hostname == company_host(company.subdomain)
    client = Client(HTTP_HOST=company_host(company.subdomain))
    return client, client.get(location.path, {k: v[0] for k, v in parse_qs(location.query).items()})


def _require_two_factor(company):
    Company.objects.filter(pk=company.pk).update(require_two_factor=True)
    company.refresh_from_db()


# ---------------------------------------------------------------- logging in


def test_password_then_app_code_on_the_public_site_then_the_company_host_shows_its_data(
    make_company, add_member, clock
):
    company, owner = make_company("alpha")
    colleague = add_member(company, "viewer")
    public = _public()
    _log_in(public, _verified(owner))
    secret = _turn_on_app(public, clock)
    public.post("/accounts/logout/")

    after_password = _log_in(public, owner)
    assert after_password["Location"] == "/accounts/2fa/authenticate/"
    assert public.get("/companies/").status_code == 302  # not signed in until the code is given
    signed_in = public.post("/accounts/2fa/authenticate/", {"code": code_for(secret, clock)})
    assert signed_in["Location"] == "/companies/"

    _require_two_factor(company)  # the hand-off carries the second factor: a company that requires it lets it in
    client, landed = _enter_company(public, company, "/members/")
    assert landed["Location"] == "/members/"
    members = client.get("/members/")
    assert members.status_code == 200
    assert colleague.email in _page_text(members)


def test_a_wrong_code_and_a_reused_code_are_refused_with_a_clear_message(make_company, clock):
    _, owner = make_company("bravo")
    public = _public()
    _log_in(public, _verified(owner))
    secret = _turn_on_app(public, clock)
    public.post("/accounts/logout/")

    code = code_for(secret, clock)
    _log_in(public, owner)
    refused = public.post("/accounts/2fa/authenticate/", {"code": _other_than(code)})
    assert refused.status_code == 200
    assert "That code is not right" in _page_text(refused)
    assert public.get("/companies/").status_code == 302

    assert public.post("/accounts/2fa/authenticate/", {"code": code})["Location"] == "/companies/"
    public.post("/accounts/logout/")

    _log_in(public, owner)
    reused = public.post("/accounts/2fa/authenticate/", {"code": code})
    assert reused.status_code == 200
    assert "That code has already been used" in _page_text(reused)
    assert public.get("/companies/").status_code == 302
    # The app's next code, half a minute later, is accepted.
    clock.next_step()
    assert public.post("/accounts/2fa/authenticate/", {"code": code_for(secret, clock)})["Location"] == "/companies/"


def test_a_code_from_an_earlier_step_is_refused(make_company, clock):
    _, owner = make_company("kilo")
    public = _public()
    _log_in(public, _verified(owner))
    secret = _turn_on_app(public, clock)
    public.post("/accounts/logout/")

    stale = code_for(secret, clock)
    clock.next_step()
    _log_in(public, owner)
    if stale != code_for(secret, clock):  # one chance in a million they are the same
        assert "That code is not right" in _page_text(public.post("/accounts/2fa/authenticate/", {"code": stale}))


def test_the_code_typed_to_set_up_the_app_cannot_open_a_login(make_company, clock):
    _, owner = make_company("setup")
    public = _public()
    _log_in(public, _verified(owner))
    public.post(public.get("/accounts/2fa/totp/activate/")["Location"], {"password": PASSWORD})
    page = public.get("/accounts/2fa/totp/activate/").content.decode()
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7=]+)"', page).group(1)
    code = code_for(secret, clock)
    assert public.post("/accounts/2fa/totp/activate/", {"code": code}).status_code == 302
    public.post("/accounts/logout/")

    _log_in(public, owner)
    assert "That code has already been used" in _page_text(public.post("/accounts/2fa/authenticate/", {"code": code}))


def test_a_recovery_code_lets_the_person_in_once(make_company, clock):
    _, owner = make_company("charlie")
    public = _public()
    _log_in(public, _verified(owner))
    _turn_on_app(public, clock)
    codes = _recovery_codes(public)
    assert len(codes) == 10 and len(set(codes)) == 10 and all(len(code) == 8 for code in codes)
    download = public.get("/accounts/2fa/recovery-codes/download/")
    assert download.content.decode().split() == codes
    public.post("/accounts/logout/")

    _log_in(public, owner)
    assert public.post("/accounts/2fa/authenticate/", {"code": codes[3]})["Location"] == "/companies/"
    assert "9 of 10 codes unused" in _page_text(public.get("/accounts/2fa/"))
    public.post("/accounts/logout/")

    _log_in(public, owner)
    again = public.post("/accounts/2fa/authenticate/", {"code": codes[3]})
    assert "That recovery code has already been used" in _page_text(again)
    assert public.get("/companies/").status_code == 302
    assert public.post("/accounts/2fa/authenticate/", {"code": codes[4]})["Location"] == "/companies/"


def test_wrong_codes_are_limited_per_account(make_company, settings, clock):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "1000/m/ip,5/300s/key"}
    _, owner = make_company("delta")
    public = _public()
    _log_in(public, _verified(owner))
    secret = _turn_on_app(public, clock)
    public.post("/accounts/logout/")
    _log_in(public, owner)
    wrong = _other_than(code_for(secret, clock), by=7)
    answers = [_page_text(public.post("/accounts/2fa/authenticate/", {"code": wrong})) for _ in range(6)]

    assert all("That code is not right" in text for text in answers[:5])
    assert "Too many failed login attempts" in answers[5]
    # Even the right code waits now: guessing cannot go on by mixing in a known code.
    right = public.post("/accounts/2fa/authenticate/", {"code": code_for(secret, clock)})
    assert "Too many failed login attempts" in _page_text(right)


def test_an_unverified_email_is_asked_to_be_verified_before_setting_up(make_company):
    _, owner = make_company("echo")
    EmailAddress.objects.filter(user=owner).update(verified=False)
    public = _public()
    _log_in(public, owner)

    refused = public.get("/accounts/2fa/totp/activate/", follow=True)
    assert "until you have verified your email address" in _page_text(refused)


# ---------------------------------------------------------------- a company that requires it


def test_owners_and_admins_turn_it_on_in_settings_and_viewers_cannot(make_company, add_member, company_client):
    company, owner = make_company("foxtrot")
    viewer = add_member(company, "viewer")
    data = {k: v for k, v in CompanySettingsForm(instance=company).initial.items() if v is not None and k != "logo"}
    data["require_two_factor"] = "on"

    assert company_client(company, viewer).post("/settings/", data).status_code == 403
    company.refresh_from_db()
    assert company.require_two_factor is False

    owner_client = company_client(company, owner)
    assert "Require two-factor sign-in" in _page_text(owner_client.get("/settings/"))
    assert owner_client.post("/settings/", data)["Location"] == "/settings/"
    company.refresh_from_db()
    assert company.require_two_factor is True
    # The owner's own session never passed a second factor: it too is sent to set it up.
    assert "/two-factor/required/foxtrot/" in owner_client.get("/settings/")["Location"]


def test_a_member_without_the_app_sets_it_up_before_seeing_anything(make_company, add_member, api_client, clock):
    company, _ = make_company("golf")
    member = _verified(add_member(company, "viewer"))
    _require_two_factor(company)
    public = _public()
    _log_in(public, member)

    client, landed = _enter_company(public, company, "/members/")
    sent = urlsplit(landed["Location"])
    assert (sent.hostname, sent.path) == ("localhost", "/two-factor/required/golf/")
    assert client.get("/").status_code == 302  # the hand-off did not log in
    assert client.get("/members/")["Location"].startswith("http://localhost")

    to_set_up = public.get(sent.path, {k: v[0] for k, v in parse_qs(sent.query).items()}, follow=True)
    assert to_set_up.redirect_chain[0][0] == "/accounts/2fa/totp/activate/"
    assert "Company golf requires two-factor sign-in" in _page_text(to_set_up)

    _turn_on_app(public, clock)
    codes_page = _page_text(public.get("/accounts/2fa/recovery-codes/"))
    go_on = re.search(r'href="([^"]+)">Continue to Company golf', codes_page).group(1)
    assert public.get(go_on)["Location"] == "/go/golf/?next=/members/"

    client, landed = _enter_company(public, company, "/members/")
    assert landed["Location"] == "/members/"
    assert member.email in _page_text(client.get("/members/"))
    assert "Continue to" not in _page_text(public.get("/accounts/2fa/"))  # done: the reminder goes
    # API keys are not people: they are never asked for a second factor.
    assert api_client(company, "viewer").get("/api/v1/kpis/").status_code == 200


def test_a_login_that_skipped_the_second_factor_cannot_enter_through_a_hand_off(make_company, company_client, clock):
    company, owner = make_company("hotel")
    public = _public()
    _log_in(public, _verified(owner))
    secret = _turn_on_app(public, clock)
    _require_two_factor(company)

    # A session on the public site that never gave a code (made before the app, or by any other door).
    skipped = _public()
    skipped.force_login(owner)
    client, landed = _enter_company(skipped, company, "/members/")
    assert urlsplit(landed["Location"]).path == "/two-factor/required/hotel/"
    assert client.get("/members/").status_code == 302

    # A ticket that does not vouch for the second factor is refused even when signed properly.
    forged = Client(HTTP_HOST=company_host("hotel"))
    ticket = handoff_create(user=owner, company=company, family="f", next_path="/members/")
    assert "/two-factor/required/hotel/" in forged.get("/auth/handoff/", {"token": ticket})["Location"]
    assert forged.get("/members/").status_code == 302

    # A company session from before the company required it is stopped on its next page, and so is its API use.
    old_session = company_client(company, owner)
    assert "/two-factor/required/hotel/" in old_session.get("/members/")["Location"]
    assert old_session.get("/api/v1/kpis/").status_code in (401, 403)

    # The skipped login proves the factor with a code on the public site, then goes on.
    asked = skipped.get("/two-factor/required/hotel/", {"next": "/members/"})
    assert asked["Location"].startswith("/accounts/2fa/reauthenticate/")
    wrong = skipped.post(asked["Location"], {"code": _other_than(code_for(secret, clock))})
    assert "That code is not right" in _page_text(wrong)
    confirmed = skipped.post(asked["Location"], {"code": code_for(secret, clock)})
    assert confirmed["Location"] == "/go/hotel/?next=/members/"
    client, landed = _enter_company(skipped, company, "/members/")
    assert landed["Location"] == "/members/"
    assert client.get("/members/").status_code == 200


def test_a_member_who_turns_the_app_off_is_asked_again(make_company, clock):
    company, owner = make_company("india")
    public = _public()
    _log_in(public, _verified(owner))
    _turn_on_app(public, clock)
    _require_two_factor(company)
    client, _ = _enter_company(public, company, "/members/")
    assert client.get("/members/").status_code == 200

    assert public.post("/accounts/2fa/totp/deactivate/")["Location"] == "/accounts/2fa/"
    assert "/two-factor/required/india/" in client.get("/members/")["Location"]


def test_companies_that_do_not_require_it_let_a_password_login_in(make_company):
    company, owner = make_company("juliet")
    public = _public()
    _log_in(public, owner)
    client, landed = _enter_company(public, company, "/members/")
    assert landed["Location"] == "/members/"
    assert client.get("/members/").status_code == 200
