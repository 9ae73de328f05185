"""The company audit log: uploads, deletions, role, settings and schedule changes, and exports: who, when, what.

Services call `audit_record` at the moment the change is made, inside the same transaction, so a change that is
rolled back leaves no line. Events live in the public schema with their company (members and roles live there
too); only `tenants.selectors.audit_events(company)` reads them, always for one company.
"""

from __future__ import annotations

import logging

from django.db import connection

from elettro import request_id

from .models import AuditEvent, Company

logger = logging.getLogger(__name__)

Action = AuditEvent.Action


def _company(company) -> Company | None:
    company = company if company is not None else getattr(connection, "tenant", None)
    if company is None or company.schema_name == "public":
        return None
    return company if isinstance(company, Company) else Company.objects.filter(schema_name=company.schema_name).first()


def _request_user():
    request = request_id.request_var.get()
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def audit_record(action: str, summary: str, *, user=None, company=None, **details) -> AuditEvent | None:
    """Add a line to the company's audit log. `user` defaults to the person making the current request; none
    (a command or a scheduled task) is shown as such. `company` defaults to the company the connection is in."""
    company = _company(company)
    if company is None:  # the public site has no company log
        return None
    user = user if user is not None else _request_user()
    return AuditEvent.objects.create(
        company=company, action=action, summary=summary[:300], details=details,
        actor=user if getattr(user, "pk", None) else None, actor_email=getattr(user, "email", "") or "",
        request_id=request_id.current() or "",
    )  # fmt: skip
