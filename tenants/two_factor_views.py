"""The public page a company that requires two-factor sends its members to: set it up, or prove it, then go back."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from .handoff import safe_next_path
from .selectors import memberships_of_user
from .two_factor import CONTINUE_SESSION_KEY, has_authenticator_app, session_passed_two_factor


@require_GET
@login_required
def two_factor_required(request: HttpRequest, subdomain: str) -> HttpResponse:
    """Members without an authenticator app set one up; those with one confirm a code (a login made before the
    company required it, or before they set it up, never passed it). Then the /go/ hand-off carries the fact."""
    membership = memberships_of_user(user=request.user).filter(company__subdomain=subdomain).first()
    if membership is None:
        return render(request, "tenants/not_a_member.html", {"company": None}, status=403)
    company = membership.company
    next_path = safe_next_path(request.GET.get("next"))
    go_back = f"/go/{subdomain}/" + (f"?{urlencode({'next': next_path}, safe='/')}" if next_path != "/" else "")
    has_app = has_authenticator_app(request.user)
    if not company.require_two_factor or (has_app and session_passed_two_factor(request)):
        request.session.pop(CONTINUE_SESSION_KEY, None)
        return redirect(go_back)
    if has_app:
        messages.info(request, f"{company.name} requires two-factor sign-in: enter a code from your authenticator app.")
        return redirect(reverse("mfa_reauthenticate") + "?" + urlencode({"next": go_back}, safe="/"))
    # After set-up allauth shows the recovery codes; that page links back here (templates/mfa/_continue.html).
    request.session[CONTINUE_SESSION_KEY] = {"url": request.get_full_path(), "company": company.name}
    messages.info(request, f"{company.name} requires two-factor sign-in. Set up an authenticator app to open it.")
    return redirect("mfa_activate_totp")
