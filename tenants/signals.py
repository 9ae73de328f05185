"""What tenants announces, and what it listens to. Billing listens (plan limits); tenants imports no billing."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import Signal, receiver

from .handoff import login_family_end

# Sent with company and existing_count (members plus pending invitations) before someone is invited. A receiver
# refuses by raising an ApplicationError (billing: the plan's member limit), which the person sees.
member_adding = Signal()


@receiver(user_logged_out)
def end_login_family(sender, request, user, **kwargs):
    """Logging out on any host logs the same login out of the public site and every subdomain."""
    family = request.session.get("login_family") if request is not None else None
    if family:
        login_family_end(family)
