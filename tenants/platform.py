"""The parts of the platform that exist once: the public tenant and the template new companies are cloned from."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_exists

from .models import Company, Domain
from .schema_pool import spares_fill


def public_tenant_ensure() -> Company:
    company, _ = Company.objects.get_or_create(
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        defaults={"name": "Elettro", "subdomain": "public", "status": Company.Status.ACTIVE},
    )
    Domain.objects.update_or_create(domain=settings.BASE_DOMAIN, defaults={"tenant": company, "is_primary": True})
    return company


def template_schema_ensure(*, verbosity: int = 0) -> None:
    """Create the template schema if missing and bring it up to the latest tenant migrations."""
    name = settings.TENANT_BASE_SCHEMA
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", schema_name=name, interactive=False, verbosity=verbosity)
    connection.set_schema_to_public()
    spares_fill()
