"""Roles and the permission matrix: the one place that says who may do what inside a company.

Views, API endpoints, downloads and tasks all ask `can(role, permission)`; nothing else decides access.
README.md prints this same matrix (tests/tenants/test_roles.py keeps the two in step).
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    ANALYST = "analyst", "Analyst"
    VIEWER = "viewer", "Viewer"


_ALL = frozenset(Role)
_ANALYSTS_UP = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.ANALYST})
_MANAGERS_UP = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER})
_ADMINS_UP = frozenset({Role.OWNER, Role.ADMIN})
_OWNERS = frozenset({Role.OWNER})

# permission -> (what it allows, the roles that have it)
PERMISSIONS: dict[str, tuple[str, frozenset[Role]]] = {
    "dashboards.view": ("See dashboards and KPIs", _ALL),
    "data.export": ("Download a chart's data as CSV/XLSX", _ANALYSTS_UP),
    "uploads.view": ("See uploads and their results", _ANALYSTS_UP),
    "uploads.create": ("Upload files and confirm column mappings", _ANALYSTS_UP),
    "reports.download": ("Download generated reports", _ANALYSTS_UP),
    "reports.generate": ("Generate reports on demand", _ANALYSTS_UP),
    "schedules.manage": ("Create and change report schedules and alert rules", _MANAGERS_UP),
    "members.view": ("See who belongs to the company", _MANAGERS_UP),
    "members.manage": ("Invite people, change roles, remove members", _ADMINS_UP),
    "company.settings": ("Change company settings (GSTIN, fiscal year, logo, exclusions)", _ADMINS_UP),
    "api_keys.manage": ("Create and revoke API keys", _ADMINS_UP),
    "billing.manage": ("Choose a plan, pay, cancel", _OWNERS),
    "owners.manage": ("Make someone an owner or remove an owner", _OWNERS),
    "audit.view": ("See the audit log: who uploaded, deleted, changed or downloaded what", _OWNERS),
}


def can(role: str | None, permission: str) -> bool:
    """True when `role` holds `permission`. Unknown permissions are refused, so a typo fails closed."""
    if role is None or permission not in PERMISSIONS:
        return False
    return role in PERMISSIONS[permission][1]


def permission_matrix_markdown() -> str:
    """The matrix as the Markdown table that README.md carries."""
    roles = list(Role)
    lines = [
        "| permission | what it allows | " + " | ".join(r.label.lower() for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for name, (label, holders) in PERMISSIONS.items():
        marks = " | ".join("✓" if r in holders else "–" for r in roles)
        lines.append(f"| `{name}` | {label} | {marks} |")
    return "\n".join(lines)
