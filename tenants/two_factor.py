"""Two-factor sign-in (allauth.mfa's TOTP and recovery codes) and a company's demand for it.

The second factor is checked on the public site, where people log in. A company host learns that a session passed
it only from the hand-off ticket (tenants/handoff.py), which carries the fact; a session that did not pass it, or a
member with no authenticator app, is sent back to the public site to finish first. API keys are not people and are
never asked.
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver

from .urls_util import public_url

# Set on a company host's session by a hand-off whose login passed the second factor.
SESSION_KEY = "two_factor_passed"
# Where a member sent to set up two-factor goes afterwards (the public /go/ hand-off back to their company).
CONTINUE_SESSION_KEY = "two_factor_continue"


def session_passed_two_factor(request) -> bool:
    """Whether this session's login proved the second factor: allauth's record of the login's steps on the public
    site, or the hand-off's word on a company host."""
    if request.session.get(SESSION_KEY) is True:
        return True
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def has_authenticator_app(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def lacks_second_factor(company, *, user, passed: bool) -> bool:
    """True when `company` requires two-factor and this login may not see it yet: it did not pass the second factor,
    or the member has since removed their authenticator app."""
    if not company.require_two_factor:
        return False
    return not (passed and has_authenticator_app(user))


def second_factor_missing(request, company) -> bool:
    """`lacks_second_factor` for the signed-in session of `request`."""
    if not company.require_two_factor:  # no session read, no query, for the companies that do not ask
        return False
    return lacks_second_factor(company, user=request.user, passed=session_passed_two_factor(request))


def required_url(company, next_path: str = "/") -> str:
    """The public page that sends a member to set up or prove the second factor, then back to `next_path`."""
    query = urlencode({"next": next_path}, safe="/") if next_path and next_path != "/" else ""
    return public_url(f"/two-factor/required/{company.subdomain}/") + (f"?{query}" if query else "")


@receiver(authenticator_added)
def count_set_up_as_second_factor(sender, request, user, authenticator, **kwargs):
    """Turning on the authenticator app means typing a code it made, so this login has proved the second factor:
    a member a company sent to set it up goes on to the company without logging in again."""
    if request is not None and authenticator.type == Authenticator.Type.TOTP:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
