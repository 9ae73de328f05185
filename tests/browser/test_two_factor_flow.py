"""Two-factor sign-in in a real browser: an owner requires it for the company, is sent to set up an authenticator
app, then logs in on the public site with the password and a code computed here (RFC 6238), and lands on the
company's own subdomain."""

from __future__ import annotations

import base64
import re
import time

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.tenants.test_two_factor import STEP, rfc6238

pytestmark = pytest.mark.browser


def _code(secret: str, *, after_step: int | None = None) -> tuple[str, int]:
    """The app's code now, and its step. It waits for a later step than `after_step` (a code is accepted once) and
    for one with time left to type it."""
    while True:
        now = time.time()
        step = int(now // STEP)
        if (after_step is None or step > after_step) and STEP - now % STEP > 8:
            return rfc6238(base64.b32decode(secret, casefold=True), now), step
        time.sleep(0.5)


def test_an_owner_requires_two_factor_then_logs_in_across_subdomains_with_a_code(
    live_site, page, make_company_committed
):
    _, owner = make_company_committed("twofa")
    EmailAddress.objects.update_or_create(user=owner, email=owner.email, defaults={"primary": True, "verified": True})
    port = live_site.rsplit(":", 1)[1]
    home = f"http://twofa.localhost:{port}"

    # Log in with the password only; the company opens.
    page.goto(f"{live_site}/accounts/login/?next=/go/twofa/%3Fnext%3D/settings/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{home}/settings/")

    # The owner requires two-factor: their own session has not passed it, so the company sends them to set it up.
    page.get_by_label("Require two-factor sign-in").check()
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_site)}/accounts/"))
    expect(page.locator("main")).to_contain_text("Company twofa requires two-factor sign-in")
    if "/accounts/reauthenticate/" in page.url:  # allauth confirms the password before changing how one signs in
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    expect(page).to_have_url(f"{live_site}/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    code, set_up_step = _code(secret)
    page.get_by_label("Code from the app").fill(code)
    page.get_by_role("button", name="Turn on").click()

    expect(page).to_have_url(f"{live_site}/accounts/2fa/recovery-codes/")
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    page.get_by_role("link", name="Continue to Company twofa").click()
    expect(page).to_have_url(f"{home}/settings/")
    expect(page.get_by_label("Require two-factor sign-in")).to_be_checked()

    # Log out everywhere, then log in again: password, then a code, on the public site; then the subdomain.
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{home}/")
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_site)}/accounts/login/"))
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_site}/accounts/2fa/authenticate/")

    code, _ = _code(secret, after_step=set_up_step)
    page.get_by_label("Code").fill(f"{(int(code) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("main")).to_contain_text("That code is not right")

    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{home}/")
    expect(page.locator(".who")).to_contain_text(f"{owner.email} · Owner")
