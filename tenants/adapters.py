"""allauth's hooks, kept thin: signup happens through our company signup, not allauth's form."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False  # people join by creating a company or accepting an invitation

    def get_login_redirect_url(self, request) -> str:
        return reverse("company_picker")
