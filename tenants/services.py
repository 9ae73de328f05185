"""Writes about companies and people: signup, invitations, roles, removal.

Every function validates before it writes and is atomic, so a failure leaves nothing behind.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import schema_exists

from elettro.kernel.errors import ApplicationError
from elettro.kernel.india import GST_STATES, gstin_error, normalize_gstin
from elettro.kernel.money import currency_problem, normalize_currency

from . import schema_pool
from .audit import Action, audit_record
from .models import Company, Domain, Invitation, Membership, User
from .roles import Role, can
from .scopes import UNSCOPED_ROLES
from .signals import member_adding
from .subdomains import schema_name_for, subdomain_problem
from .urls_util import company_host, public_url

logger = logging.getLogger(__name__)

INVITATION_DAYS = 7


ACCOUNT_EXISTS = "An account with this email already exists. Log in, then add a company from the company list."


def _email_problem(email: str) -> str | None:
    try:
        validate_email(email)
    except ValidationError:
        return "Enter a valid email address."
    return None


def _password_problems(password: str, *, email: str, full_name: str) -> list[str]:
    try:
        validate_password(password, user=User(email=email, full_name=full_name))
    except ValidationError as error:
        return list(error.messages)
    return []


def _company_field_errors(
    *, name: str, subdomain: str, home_state: str, gstin: str, currency: str = "INR"
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["company_name"] = ["Enter your company's name."]
    if problem := subdomain_problem(subdomain):
        errors["subdomain"] = [problem]
    elif (
        Company.objects.filter(subdomain=subdomain).exists()
        or Domain.objects.filter(domain=company_host(subdomain)).exists()
        or schema_exists(schema_name_for(subdomain))
    ):
        errors["subdomain"] = [f"“{subdomain}” is taken. Please choose another."]
    if home_state not in GST_STATES:
        errors["home_state"] = ["Choose the state your company is registered in."]
    if gstin and (problem := gstin_error(gstin)):
        errors["gstin"] = [problem]
    elif gstin and normalize_gstin(gstin)[:2] != home_state:
        errors["gstin"] = ["This GSTIN belongs to another state than the home state chosen."]
    if problem := currency_problem(currency):
        errors["currency"] = [problem]
    return errors


@transaction.atomic
def company_create(
    *,
    name: str,
    subdomain: str,
    owner: User | None = None,
    owner_email: str = "",
    owner_password: str = "",
    owner_name: str = "",
    home_state: str = "27",
    gstin: str = "",
    currency: str = "INR",
) -> tuple[Company, User]:
    """Create a company with its own schema, domain and owner; the owner is new unless `owner` is given.

    `currency` is what its figures are in (an ISO code elettro.kernel.money knows; blank is INR)."""
    subdomain = (subdomain or "").strip().lower()
    gstin = normalize_gstin(gstin)
    currency = normalize_currency(currency)
    errors = _company_field_errors(
        name=name, subdomain=subdomain, home_state=home_state, gstin=gstin, currency=currency
    )
    if owner is None:
        owner_email = (owner_email or "").strip().lower()
        if problem := _email_problem(owner_email):
            errors["email"] = [problem]
        if problems := _password_problems(owner_password, email=owner_email, full_name=owner_name):
            errors["password"] = problems
    if errors:
        raise ApplicationError("Please correct the highlighted fields.", field_errors=errors)
    # Raised only once everything else is valid, with its own code: the signup page answers an existing address
    # exactly as it answers a new one (a mail to the address, the same page), so it never tells who has an account.
    if owner is None and User.objects.filter(email__iexact=owner_email).exists():
        raise ApplicationError(ACCOUNT_EXISTS, field_errors={"email": [ACCOUNT_EXISTS]}, code="account_exists")

    if owner is None:
        owner = User.objects.create_user(email=owner_email, password=owner_password, full_name=owner_name.strip())
        _record_email_address(owner, verified=False)

    company = Company(
        schema_name=schema_name_for(subdomain),
        name=name.strip(),
        subdomain=subdomain,
        home_state=home_state,
        gstin=gstin,
        currency=currency,
        status=Company.Status.TRIAL,
        trial_ends_at=timezone.now() + timedelta(days=settings.TRIAL_DAYS),
    )
    # A spare schema renamed into place when one is ready; otherwise save() clones the template. Either way it
    # happens inside this transaction, so a failure below leaves no schema behind.
    took_spare = schema_pool.spare_take(schema_name=company.schema_name)
    company.save(verbosity=0)
    Domain.objects.create(domain=company_host(subdomain), tenant=company, is_primary=True)
    Membership.objects.create(user=owner, company=company, role=Role.OWNER)
    connection.set_schema_to_public()
    if took_spare:
        transaction.on_commit(_refill_spares)
    logger.info("company created", extra={"subdomain": subdomain, "schema": company.schema_name})
    return company, owner


def _refill_spares() -> None:
    from .tasks import schema_pool_refill

    schema_pool_refill.delay()


def _record_email_address(user: User, *, verified: bool) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"primary": True, "verified": verified})


def company_set_status(*, company: Company, status: str, reason: str = "") -> Company:
    company.status = status
    company.suspended_reason = reason if status == Company.Status.SUSPENDED else ""
    company.save(update_fields=["status", "suspended_reason"])
    return company


# ---------------------------------------------------------------- members


def _require(membership: Membership, permission: str) -> None:
    if not can(membership.role, permission):
        raise ApplicationError("Your role does not allow this.", code="forbidden")


@transaction.atomic
def invitation_create(*, actor: Membership, email: str, role: str) -> Invitation:
    _require(actor, "members.manage")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ApplicationError(
            "Enter a valid email address.", field_errors={"email": ["Enter a valid email address."]}
        ) from error
    if role not in Role.values:
        raise ApplicationError("Choose a role.", field_errors={"role": ["Choose a role."]})
    if role == Role.OWNER:
        _require(actor, "owners.manage")
    company = actor.company
    if Membership.objects.filter(company=company, user__email__iexact=email).exists():
        raise ApplicationError(
            f"{email} is already a member.", field_errors={"email": [f"{email} is already a member."]}
        )
    Invitation.objects.filter(company=company, email__iexact=email, accepted_at__isnull=True).delete()
    pending = Invitation.objects.filter(company=company, accepted_at__isnull=True, expires_at__gt=timezone.now())
    existing = Membership.objects.filter(company=company).count() + pending.count()
    member_adding.send(sender=Company, company=company, existing_count=existing)  # billing: the plan's limit
    invitation = Invitation.objects.create(
        company=company,
        email=email,
        role=role,
        token=secrets.token_urlsafe(32),
        invited_by=actor.user,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    audit_record(Action.MEMBER_INVITED, f"Invited {email} as {Role(role).label.lower()}", user=actor.user,
                 company=company, email=email, role=role)  # fmt: skip
    link = public_url(f"/invitations/{invitation.token}/")
    context = {"invitation": invitation, "link": link, "days": INVITATION_DAYS}
    transaction.on_commit(
        lambda: send_mail(
            subject=f"[Elettro] {actor.user.get_full_name()} invited you to {company.name}",
            message=render_to_string("tenants/email/invitation.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    )
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, user: User | None = None, full_name: str = "", password: str = ""
) -> tuple[Membership, User]:
    """Attach the invited person to the company, creating their account when they have none."""
    invitation = Invitation.objects.select_for_update().select_related("company").filter(token=token).first()
    if invitation is None or not invitation.is_pending:
        raise ApplicationError("This invitation has expired or was already used. Ask for a new one.", code="gone")
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ApplicationError("You already have an account: log in to accept.", code="login_required")
        if problems := _password_problems(password, email=invitation.email, full_name=full_name):
            raise ApplicationError("Please choose a stronger password.", field_errors={"password": problems})
        user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name.strip())
        _record_email_address(user, verified=True)  # the link reached this inbox
    elif user.email.lower() != invitation.email.lower():
        raise ApplicationError(
            f"This invitation is for {invitation.email}; you are logged in as {user.email}.", code="wrong_user"
        )
    membership, _ = Membership.objects.get_or_create(
        user=user, company=invitation.company, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership, user


def _guard_owner_change(actor: Membership, target: Membership, *, new_role: str | None) -> None:
    """Only owners make or unmake owners, and the last owner always stays."""
    if Role.OWNER in (target.role, new_role):
        _require(actor, "owners.manage")
    if target.role == Role.OWNER and new_role != Role.OWNER:
        # Locks the owner rows so two owners demoting each other at once cannot leave none.
        owners = Membership.objects.select_for_update().filter(company=target.company, role=Role.OWNER)
        if len(owners.values_list("pk", flat=True)) <= 1:
            raise ApplicationError("A company needs at least one owner. Make someone else an owner first.")


@transaction.atomic
def membership_change_role(*, actor: Membership, target: Membership, role: str) -> Membership:
    _require(actor, "members.manage")
    if role not in Role.values:
        raise ApplicationError("Choose a role.")
    target = Membership.objects.select_for_update().get(pk=target.pk, company=actor.company)
    if role == target.role:
        return target
    _guard_owner_change(actor, target, new_role=role)
    before = target.role
    target.role = role
    if role in UNSCOPED_ROLES:  # owners and admins see all of the company's sales (tenants/scopes.py)
        target.scope = {}
    target.save(update_fields=["role", "scope"])
    audit_record(
        Action.ROLE_CHANGED,
        f"Changed {target.user.email} from {Role(before).label.lower()} to {Role(role).label.lower()}",
        user=actor.user, company=actor.company, email=target.user.email, before=before, after=role,
    )  # fmt: skip
    return target


@transaction.atomic
def membership_remove(*, actor: Membership, target: Membership) -> None:
    """Remove a member; anyone may leave, owners and admins may remove others."""
    if actor.pk != target.pk:
        _require(actor, "members.manage")
    target = Membership.objects.select_for_update().get(pk=target.pk, company=actor.company)
    _guard_owner_change(actor, target, new_role=None)
    email = target.user.email
    role = Role(target.role).label.lower()
    summary = f"{email} left the company" if actor.pk == target.pk else f"Removed {email} ({role})"
    audit_record(Action.MEMBER_REMOVED, summary, user=actor.user, company=actor.company, email=email,
                 role=target.role)  # fmt: skip
    target.delete()


def _shown(value) -> str:
    return "" if value in (None, "") else str(value)[:80]


@transaction.atomic
def company_settings_save(*, form, user) -> Company:
    """Save the company settings form and log which settings changed, from what to what."""
    changed = [name for name in form.changed_data if name in form.fields]
    before = {name: _shown(form.initial.get(name)) for name in changed}
    company = form.save()
    if changed:
        labels = ", ".join(str(form.fields[name].label or name).lower() for name in changed)
        changes = {name: [before[name], _shown(form.cleaned_data.get(name))] for name in changed}
        audit_record(Action.SETTINGS_CHANGED, f"Changed the company settings: {labels}", user=user, company=company,
                     changes=changes)  # fmt: skip
    return company
