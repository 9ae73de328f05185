"""Shared by management commands that work inside one company: `--company SUB` and its schema."""

from __future__ import annotations

from django.core.management.base import CommandError

from .models import Company


def company_by_subdomain(subdomain: str) -> Company:
    company = Company.objects.exclude(schema_name="public").filter(subdomain=subdomain).first()
    if company is None:
        raise CommandError(f"No company with subdomain {subdomain!r}. See: manage.py create_company --help")
    return company
