"""Reads about companies and people."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import Company, Invitation, Membership, User
from .roles import Role


def membership_for(*, user: User, company: Company) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, company=company)
        .only("id", "role", "scope", "user_id", "company_id")
        .first()
    )


def memberships_of_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .exclude(company__status=Company.Status.SUSPENDED)
        .select_related("company")
        .order_by("company__name")
    )


def members_of_company(*, company: Company) -> QuerySet[Membership]:
    return Membership.objects.filter(company=company).select_related("user").order_by("user__email")


def pending_invitations(*, company: Company) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(company=company, accepted_at__isnull=True, expires_at__gt=timezone.now())


def owner_count(*, company: Company) -> int:
    return Membership.objects.filter(company=company, role=Role.OWNER).count()


def companies_with_member_counts() -> QuerySet[Company]:
    return Company.objects.annotate(member_count=Count("memberships"))


def audit_events(company, *, action: str | None = None):
    """One company's audit log, newest first; `action` narrows it to one kind of event."""
    from .models import AuditEvent

    events = AuditEvent.objects.filter(company=company).order_by("-at", "-pk")
    return events.filter(action=action) if action else events
