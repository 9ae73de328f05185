"""Tenancy's API: who belongs to the company (`members.view`, as the Members page), read-only."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema

from elettro.api.paging import page_of
from elettro.api.schema import PAGE_PARAMETERS, enveloped
from elettro.api.views import ApiView

from .roles import Role
from .selectors import members_of_company

MEMBER = {
    "type": "object",
    "properties": {
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string", "nullable": True},
        "role": {"type": "string", "enum": list(Role.values)},
        "joinedAt": {"type": "string", "format": "date-time"},
    },
    "required": ["email", "role", "joinedAt"],
}


class MembersView(ApiView):
    required_permission = "members.view"

    @extend_schema(
        operation_id="members_list",
        summary="The company's members and their roles, by email",
        parameters=[
            *PAGE_PARAMETERS,
        ],
        responses={200: enveloped({"type": "array", "items": MEMBER})},
    )
    def get(self, request):
        # The host's company only: a key or session of another company never gets this far (tenants/api_auth.py).
        members = members_of_company(company=request.tenant)
        page, paging = page_of(request, list(members))
        rows = [
            {
                "email": m.user.email,
                "name": m.user.full_name or None,
                "role": m.role,
                "joinedAt": m.created_at.isoformat(),
            }
            for m in page
        ]
        return self.answer(rows, **paging)


urlpatterns = [
    path("members/", MembersView.as_view(), name="api_members"),
]
