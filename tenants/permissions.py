"""Enforcing the role matrix in views and the API. The matrix itself is in roles.py."""

from __future__ import annotations

from functools import wraps

from django.shortcuts import render
from rest_framework.permissions import BasePermission

from .roles import can


def has_permission(request, permission: str) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and can(membership.role, permission)


def require_permission(permission: str):
    """View decorator: 403 with a page that says which permission is missing."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_permission(request, permission):
                return render(request, "tenants/forbidden.html", {"permission": permission}, status=403)
            return view(request, *args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


class IsCompanyMember(BasePermission):
    """API default: a member of the company whose host was called; a view may name a stricter permission."""

    def has_permission(self, request, view) -> bool:
        return has_permission(request, getattr(view, "required_permission", "dashboards.view"))
