"""Which company a request is for, whether it may see it, and logins that end everywhere at once."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import logout
from django.core.cache import caches
from django.db import connection
from django.shortcuts import redirect, render
from django_tenants.middleware.main import TenantMainMiddleware

from .roles import can
from .scopes import request_viewer, set_viewer
from .selectors import membership_for
from .two_factor import required_url as two_factor_required_url
from .two_factor import second_factor_missing
from .urls_util import public_url

# Paths on a company host that answer without a membership: the login hand-off and static files.
OPEN_TENANT_PATHS = ("/auth/handoff/", "/static/", "/favicon.ico")
# The API answers for itself (tenants/api_auth.py): a key or a member's session, never a redirect to a login page.
API_PATHS = ("/api/",)


def _go_back_to(company, request) -> str:
    """The public /go/ hand-off back to the page asked for, query string and all, so a shared link keeps its filters
    through login. The path is encoded as one value: its own `&` must not become /go/'s parameters."""
    return f"/go/{company.subdomain}/?" + urlencode({"next": request.get_full_path()}, safe="/")


class CompanyHostMiddleware(TenantMainMiddleware):
    """django-tenants' host-to-schema switch, with a friendly page for a subdomain nobody has."""

    def no_tenant_found(self, request, hostname):
        return render(request, "tenants/unknown_company.html", {"hostname": hostname}, status=404)


class LoginFamilyMiddleware:
    """A login on the public site and its hand-offs to subdomains form one family; logging out of any ends all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        family = request.session.get("login_family")
        if family and request.user.is_authenticated and caches["shared"].get(f"revoked-login:{family}"):
            logout(request)
        return self.get_response(request)


class CompanyAccessMiddleware:
    """Fail closed on company hosts: suspended companies show nothing, non-members get 403, strangers log in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Whoever this request acts for (their scope: tenants/scopes.py) is forgotten when it ends.
        with request_viewer():
            return self._call(request)

    def _call(self, request):
        company = getattr(request, "tenant", None)
        request.membership = None
        if company is None or company.is_public:
            return self.get_response(request)
        if request.path.startswith(OPEN_TENANT_PATHS):
            return self.get_response(request)
        if request.path.startswith(API_PATHS):
            return self._api(request, company)
        if not request.user.is_authenticated:
            return redirect(public_url("/accounts/login/", next=_go_back_to(company, request)))
        membership = membership_for(user=request.user, company=company)
        if membership is None or not can(membership.role, "dashboards.view"):
            return render(request, "tenants/not_a_member.html", status=403)
        if company.is_suspended:
            return render(request, "tenants/suspended.html", {"suspended": company}, status=403)
        if second_factor_missing(request, company):  # the company requires two-factor: finish it first
            return redirect(two_factor_required_url(company, request.get_full_path()))
        request.membership = membership
        set_viewer(membership)
        assert connection.schema_name == company.schema_name
        return self.get_response(request)

    def _api(self, request, company):
        if company.is_suspended:
            from elettro.api.envelope import error_response

            return error_response(403, "suspended", "This company is suspended.")
        if request.user.is_authenticated:
            membership = membership_for(user=request.user, company=company)
            # A session short of the second factor its company requires is no member here; keys are not asked.
            allowed = membership is not None and not second_factor_missing(request, company)
            if allowed and can(membership.role, "dashboards.view"):
                request.membership = membership
                set_viewer(membership)
        return self.get_response(request)
