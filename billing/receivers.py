"""Billing's answers to what tenants announces: the plan's limits on a company's people."""

from __future__ import annotations

from django.dispatch import receiver

from tenants.signals import member_adding

from .limits import ensure_can_add_member


@receiver(member_adding, dispatch_uid="billing.member_adding")
def plan_allows_another_member(sender, *, company, existing_count: int, **kwargs) -> None:
    ensure_can_add_member(company, existing_count=existing_count)
