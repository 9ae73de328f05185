"""allauth's hooks, kept thin: signup happens through our company signup, not allauth's form."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from .client_ip import client_ip
from .ratelimits import ip_subject


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False  # people join by creating a company or accepting an invitation

    def get_login_redirect_url(self, request) -> str:
        return reverse("company_picker")

    def get_client_ip(self, request) -> str:
        """The one client IP (tenants/client_ip.py: X-Forwarded-For only from TRUSTED_PROXIES) for every limit."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Failed logins count per account and client IP together ("5/300s/key" in ACCOUNT_RATE_LIMITS), so
        someone guessing at an account locks out only themselves, never its owner logging in from elsewhere.
        A successful password reset clears the count of the IP that reset it."""
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{ip_subject(client_ip(request))}"
