"""allauth.mfa's code forms with messages that say what went wrong: a wrong code, or one already used.

allauth answers "Incorrect code." to both; a person holding a code their app still shows needs to hear that it was
accepted once already and to wait for the next one. Settings: MFA_FORMS.
"""

from __future__ import annotations

from allauth.core.internal.cryptokit import normalize_user_code
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.totp.internal.auth import TOTP, validate_totp_code
from allauth.mfa.utils import decrypt
from django import forms

WRONG_CODE = (
    "That code is not right. Enter the 6-digit code your authenticator app shows now, or one of your "
    "8-digit recovery codes."
)
REUSED_CODE = "That code has already been used. Wait for your authenticator app to show the next code and enter that."
REUSED_RECOVERY_CODE = "That recovery code has already been used: each works once. Enter another one."


def _why_refused(user, code: str) -> str:
    """Which message fits a refused code. Called only after allauth refused it, so a code that still matches the
    current time step was refused for having been used in it, and a recovery code on the list but not among the
    unused ones was spent."""
    for authenticator in Authenticator.objects.filter(user_id=user.pk).exclude(type=Authenticator.Type.WEBAUTHN):
        if authenticator.type == Authenticator.Type.TOTP:
            if validate_totp_code(decrypt(authenticator.data["secret"]), code):
                return REUSED_CODE
        elif authenticator.type == Authenticator.Type.RECOVERY_CODES:
            wrapped = authenticator.wrap()
            typed = normalize_user_code(code)
            if typed in wrapped.generate_codes() and typed not in wrapped.get_unused_codes():
                return REUSED_RECOVERY_CODE
    return WRONG_CODE


class _ClearMessages:
    def clean_code(self) -> str:
        try:
            return super().clean_code()
        except forms.ValidationError as error:
            if error.code != "incorrect_code":  # e.g. too many attempts: allauth's own message says it
                raise
            message = _why_refused(self.user, self.cleaned_data["code"])
            raise forms.ValidationError(message, code="incorrect_code") from None


class AuthenticateForm(_ClearMessages, mfa_forms.AuthenticateForm):
    """The code asked for after the password at login."""


class ReauthenticateForm(_ClearMessages, mfa_forms.ReauthenticateForm):
    """The code asked for to confirm a signed-in person (a company that requires two-factor asks it this way)."""


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    """Setting up the app: the code typed to prove it works is spent, so it cannot also open a login."""

    def clean_code(self) -> str:
        code = super().clean_code()
        TOTP(Authenticator(user=self.user, type=Authenticator.Type.TOTP))._mark_code_used(code)
        return code
