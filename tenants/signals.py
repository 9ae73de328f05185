from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from .handoff import login_family_end


@receiver(user_logged_out)
def end_login_family(sender, request, user, **kwargs):
    """Logging out on any host logs the same login out of the public site and every subdomain."""
    family = request.session.get("login_family") if request is not None else None
    if family:
        login_family_end(family)
