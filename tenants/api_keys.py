"""API keys: created by owners and admins (on the API keys page or with `create_api_key`), shown once, kept hashed,
listed by prefix, revocable. A key acts with its role, exactly as a member with that role would on the pages, and
only on its own company's host (tenants/api_auth.py checks both on every call)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from elettro.kernel.errors import ApplicationError

from .audit import audit_record
from .models import ApiKey, AuditEvent, Company
from .roles import Role, can
from .scopes import normalized

KEY_START = "elk_"  # tells a leaked key apart in logs and secret scanners
PREFIX_LENGTH = 12  # KEY_START and 8 random characters: how a key is listed
# A key may act as any role but owner: owners' own powers (billing, owners) stay with people.
KEY_ROLES = (Role.ADMIN, Role.MANAGER, Role.ANALYST, Role.VIEWER)
_RANK = {role: rank for rank, role in enumerate(reversed(list(Role)))}
# A key's last use is written at most this often, so a busy script does not write on every call.
LAST_USED_EVERY = timedelta(minutes=1)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def api_key_create(
    *, company: Company, name: str, role: str, created_by=None, actor_role: str | None = None, scope=None
):
    """A new key: (the ApiKey, the key itself, which is never shown again). `actor_role` is the creator's role on
    the page: a key may not act above it. `scope` limits the key's data as a member's scope does (tenants/scopes.py);
    a maker who is scoped themselves passes theirs, so a key never sees more than its maker."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ApplicationError("Name the key after what will use it, such as 'Power BI' or 'Tally sync'.",
                               field_errors={"name": ["Enter a name."]})  # fmt: skip
    if role not in KEY_ROLES:
        raise ApplicationError(
            f"A key's role is one of {', '.join(KEY_ROLES)}.", field_errors={"role": ["Pick a role."]}
        )
    if actor_role is not None:
        if not can(actor_role, "api_keys.manage"):
            raise ApplicationError("Your role does not allow this.", code="forbidden")
        if _RANK[Role(role)] > _RANK[Role(actor_role)]:
            raise ApplicationError("A key cannot have a higher role than yours.", field_errors={"role": ["Too high."]})
    raw = KEY_START + secrets.token_urlsafe(30)  # 40 characters of randomness
    with transaction.atomic():
        key = ApiKey.objects.create(
            company=company,
            name=name,
            role=role,
            prefix=raw[:PREFIX_LENGTH],
            digest=digest(raw),
            created_by=created_by,
            scope=normalized(scope),
        )
        audit_record(AuditEvent.Action.API_KEY_CREATED, f"Created the API key {key.prefix}… “{name}” ({role})",
                     user=created_by, company=company, key=key.prefix, role=role)  # fmt: skip
    return key, raw


def api_key_revoke(*, key: ApiKey, by=None) -> ApiKey:
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is None:
            locked.revoked_at, locked.revoked_by = timezone.now(), by
            locked.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(AuditEvent.Action.API_KEY_REVOKED, f"Revoked the API key {locked.prefix}… “{locked.name}”",
                         user=by, company=locked.company, key=locked.prefix)  # fmt: skip
    return locked


def api_key_for(raw: str) -> ApiKey | None:
    """The key whose hash this is, revoked or not, with its company."""
    if not raw.startswith(KEY_START) or len(raw) > 200:
        return None
    return ApiKey.objects.select_related("company", "created_by").filter(digest=digest(raw)).first()


def api_key_used(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def api_keys_of(company: Company):
    return ApiKey.objects.filter(company=company).select_related("created_by", "revoked_by")


@dataclass(frozen=True)
class KeyMembership:
    """What a key acts as inside its company, in place of a person's Membership: permissions read `role`."""

    company: Company
    role: str
    api_key: ApiKey
    user: object = None

    @property
    def scope(self) -> dict:
        return self.api_key.scope or {}
