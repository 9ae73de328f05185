"""Who is calling the API: a key (`Authorization: Bearer KEY`) or the pages' own session. A key acts with its
role on its own company's host only; a session acts as the member's Membership, exactly as on the pages."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from .api_keys import KeyMembership, api_key_for, api_key_used
from .scopes import set_viewer


class ApiKeyAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the key as one word: Authorization: Bearer KEY.")
        key = api_key_for(parts[1].decode("latin-1"))
        if key is None:
            raise exceptions.AuthenticationFailed("This API key is not known. Check that it was copied whole.")
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                f"The API key {key.prefix}… was revoked on {key.revoked_at:%d %b %Y}. "
                "Ask an owner or admin for a new one."
            )
        company = getattr(request._request, "tenant", None)
        if company is None or key.company_id != company.pk:
            raise exceptions.PermissionDenied(
                "This key belongs to another company: call that company's own address with it."
            )
        if company.is_suspended:
            raise exceptions.PermissionDenied("This company is suspended.")
        api_key_used(key)
        request._request.membership = KeyMembership(company=company, role=key.role, api_key=key, user=key.created_by)
        set_viewer(request._request.membership)  # the key's scope, for this call
        return (key.created_by or AnonymousUser()), key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class MemberSessionAuthentication(SessionAuthentication):
    """The pages' session, as CompanyAccessMiddleware found its membership (none: not signed in here)."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None or getattr(request._request, "membership", None) is None:
            return None
        return found


class KeyScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes a key."""

    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "an API key from the company's API keys page"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = MemberSessionAuthentication
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid", "description": "the pages' own session"}
