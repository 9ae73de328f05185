"""The public site: landing, pricing, signup, the company picker, invitations."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from elettro.kernel.errors import ApplicationError

from . import ratelimits, services
from .forms import AcceptInvitationForm, SignupForm
from .handoff import handoff_create, login_family
from .models import Company, Invitation, User
from .selectors import memberships_of_user
from .two_factor import session_passed_two_factor
from .urls_util import company_url

_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _add_errors(form, error: ApplicationError) -> None:
    for field, problems in error.field_errors.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
    if not error.field_errors:
        form.add_error(None, error.message)


def go_to_company(request: HttpRequest, company: Company, next_path: str = "/") -> HttpResponse:
    token = handoff_create(
        user=request.user, company=company, family=login_family(request.session), next_path=next_path,
        two_factor=session_passed_two_factor(request),
    )  # fmt: skip
    return redirect(company_url(company, f"/auth/handoff/?token={token}"))


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A new company. Limited per client IP and in total (tenants/ratelimits.py); an address that already has an
    account gets a mail and the same "check your email" page a new one gets when verification is mandatory."""
    existing_user = request.user if request.user.is_authenticated else None
    form = SignupForm(request.POST or None, existing_user=existing_user)
    if request.method == "POST" and form.is_valid():
        try:
            hits = ratelimits.signup_consume(request)
        except ratelimits.RateLimited as limited:
            form.add_error(None, limited.message)
            response = render(request, "tenants/signup.html", {"form": form}, status=429)
            response["Retry-After"] = str(limited.retry_after)
            return response
        data = form.cleaned_data
        try:
            company, user = services.company_create(
                name=data["company_name"],
                subdomain=data["subdomain"],
                home_state=data["home_state"],
                currency=data.get("currency") or "INR",
                owner=existing_user,
                owner_name=data.get("full_name", ""),
                owner_email=data.get("email", ""),
                owner_password=data.get("password", ""),
            )
        except ApplicationError as error:
            if error.code == "account_exists":  # counted: it sends a mail
                _send_account_exists(request, data["email"])
                return _check_your_email(request, data["email"])
            hits.refund()  # nothing was made: a typo does not use up the allowance
            _add_errors(form, error)
        except BaseException:
            hits.refund()
            raise
        else:
            if existing_user is None:
                _send_verification(request, user)
                if _verification_mandatory():
                    return _check_your_email(request, data["email"])
                login(request, user, backend=_BACKEND)
            return go_to_company(request, company)
    return render(request, "tenants/signup.html", {"form": form}, status=400 if form.errors else 200)


def _verification_mandatory() -> bool:
    from allauth.account import app_settings

    return app_settings.EMAIL_VERIFICATION == app_settings.EmailVerificationMethod.MANDATORY


def _check_your_email(request: HttpRequest, email: str) -> HttpResponse:
    """The one answer for a new address (verification mandatory) and for one that has an account."""
    return render(request, "tenants/signup.html", {"form": None, "sent_to": email})


def _send_account_exists(request: HttpRequest, email: str) -> None:
    """allauth's "someone tried to sign up with your address" mail, with a link to reset the password."""
    from allauth.account.adapter import get_adapter

    get_adapter(request).send_account_already_exists_mail(email)


def _send_verification(request: HttpRequest, user: User) -> None:
    """allauth's email verification, for accounts made by our company signup rather than allauth's form."""
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(user=user, primary=True).first()
    if address is not None and not address.verified:
        address.send_confirmation(request, signup=True)


@login_required
def company_picker(request: HttpRequest) -> HttpResponse:
    memberships = list(memberships_of_user(user=request.user))
    return render(request, "tenants/company_picker.html", {"memberships": memberships})


@login_required
def go(request: HttpRequest, subdomain: str) -> HttpResponse:
    """Hand the current login to one of the user's companies."""
    membership = memberships_of_user(user=request.user).filter(company__subdomain=subdomain).first()
    if membership is None:
        return render(request, "tenants/not_a_member.html", {"company": None}, status=403)
    return go_to_company(request, membership.company, request.GET.get("next", "/"))


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email: join with the current login, or create an account and join."""
    invitation = get_object_or_404(Invitation.objects.select_related("company"), token=token)
    user = request.user if request.user.is_authenticated else None
    has_account = user is None and User.objects.filter(email__iexact=invitation.email).exists()
    form = AcceptInvitationForm(request.POST or None) if user is None and not has_account else None
    error = None
    if request.method == "POST" and (form is None or form.is_valid()) and not has_account:
        try:
            fields = form.cleaned_data if form is not None else {}
            membership, joined = services.invitation_accept(token=token, user=user, **fields)
        except ApplicationError as problem:
            error = problem
            if form is not None:
                _add_errors(form, problem)
        else:
            if user is None:
                login(request, joined, backend=_BACKEND)
            return go_to_company(request, membership.company)
    context = {"invitation": invitation, "form": form, "has_account": has_account, "error": error}
    return render(request, "tenants/invitation.html", context, status=400 if error or (form and form.errors) else 200)
