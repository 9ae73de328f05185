from django.conf import settings

from .permissions import has_permission
from .urls_util import public_url


def company(request):
    tenant = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)
    return {
        # Only members learn anything about a company, even its name in the page title.
        "company": tenant if membership is not None else None,
        "membership": membership,
        "public_home": public_url("/"),
        "public_companies": public_url("/companies/"),
        "base_domain": settings.BASE_DOMAIN,
        "can": _Can(request),
    }


class _Can:
    """`{% if can.members_manage %}` in templates asks the same matrix as the views."""

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name: str) -> bool:
        # The last underscore is the dot: api_keys_manage is api_keys.manage, company_settings company.settings.
        return has_permission(self._request, ".".join(name.rsplit("_", 1)))
