"""Companies (one PostgreSQL schema each), their domains, the people who log in, and who belongs where."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_tenants.models import DomainMixin, TenantMixin

from elettro.kernel.india import GST_STATES, gstin_error, normalize_gstin

from .roles import Role


def validate_gstin(value: str) -> None:
    if value and (error := gstin_error(value)):
        raise ValidationError(error)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value} is not a time zone name such as Asia/Kolkata.")


class Company(TenantMixin):
    class Status(models.TextChoices):
        TRIAL = "trial", "Trial"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    MONTHS = [(m, timezone.datetime(2000, m, 1).strftime("%B")) for m in range(1, 13)]

    name = models.CharField(max_length=200)
    subdomain = models.SlugField(max_length=63, unique=True)
    gstin = models.CharField("GSTIN", max_length=15, blank=True, validators=[validate_gstin])
    home_state = models.CharField(
        max_length=2, choices=sorted(GST_STATES.items(), key=lambda item: item[1]), default="27",
        help_text="Used to split GST: CGST+SGST within this state, IGST across states.",
    )  # fmt: skip
    fiscal_year_start_month = models.PositiveSmallIntegerField(choices=MONTHS, default=4)
    timezone = models.CharField(max_length=64, default="Asia/Kolkata", validators=[validate_timezone])
    currency = models.CharField(max_length=3, default="INR")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TRIAL, db_index=True)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.CharField(max_length=300, blank=True)
    logo = models.ImageField(
        upload_to="branding/",
        blank=True,
        help_text="Printed at the top of every report page (PNG or JPEG, up to 1 MB).",
    )
    require_two_factor = models.BooleanField(
        "Require two-factor sign-in",
        default=False,
        help_text="Every member, you included, signs in with an authenticator app code as well as the password; "
        "members who have not set one up are asked to before they see anything. API keys are not affected.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.gstin = normalize_gstin(self.gstin)
        if self.gstin and self.gstin[:2] != self.home_state and not gstin_error(self.gstin):
            raise ValidationError({"gstin": "The GSTIN's state code does not match the home state."})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The company's time zone; Asia/Kolkata if the stored name is unknown to this machine."""
        try:
            return zoneinfo.ZoneInfo(self.timezone or "Asia/Kolkata")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("Asia/Kolkata")

    @property
    def is_public(self) -> bool:
        return self.schema_name == settings.PUBLIC_SCHEMA_NAME

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    @property
    def home_state_name(self) -> str:
        return GST_STATES.get(self.home_state, "")

    @property
    def url(self) -> str:
        from .urls_util import company_url

        return company_url(self)


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]


class SpareSchema(models.Model):
    """A ready, migrated copy of the template schema, renamed into place when a company signs up."""

    name = models.CharField(max_length=63, unique=True)
    migration_state = models.CharField(max_length=32, help_text="fingerprint of the migrations it was built with")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person who logs in with an email address; lives in the public schema and may join several companies."""

    username = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    scope = models.JSONField(
        default=dict, blank=True,
        help_text='the sales this member may see, e.g. {"salesperson": ["Ravi"]}; empty: all',
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company__name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="one_membership_per_company")]

    def __str__(self) -> str:
        return f"{self.user} · {self.company} ({self.get_role_display()})"

    @property
    def scope_label(self) -> str:
        """What the member sees, in words: "all sales", "Ravi's sales"."""
        from .scopes import describe

        return describe(self.scope)


class Invitation(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class AuditEvent(models.Model):
    """Who did what in a company, and when: the owner's audit log (tenants/audit.py writes it)."""

    class Action(models.TextChoices):
        UPLOAD = "upload", "Uploaded a file"
        UPLOAD_DELETED = "upload_deleted", "Deleted an upload"
        UPLOAD_RETRIED = "upload_retried", "Ran an upload again"
        MEMBER_INVITED = "member_invited", "Invited someone"
        ROLE_CHANGED = "role_changed", "Changed a role"
        SCOPE_CHANGED = "scope_changed", "Changed what someone sees"
        MEMBER_REMOVED = "member_removed", "Removed someone"
        SETTINGS_CHANGED = "settings_changed", "Changed settings"
        SCHEDULE_SAVED = "schedule_saved", "Saved a report schedule"
        SCHEDULE_DELETED = "schedule_deleted", "Deleted a report schedule"
        EXPORT = "export", "Downloaded data"
        API_KEY_CREATED = "api_key_created", "Created an API key"
        API_KEY_REVOKED = "api_key_revoked", "Revoked an API key"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="audit_events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")  # fmt: skip
    actor_email = models.EmailField(blank=True, help_text="kept when the account is deleted; empty: a command")
    action = models.CharField(max_length=24, choices=Action.choices)
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["company", "-at"], name="audit_company_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email or 'command'}: {self.summary}"


class ApiKey(models.Model):
    """A key for the API of one company: shown once, kept as its SHA-256 (a key is 40 random characters, so a slow
    hash would add nothing but time to every call), listed by its prefix. It acts with its role, on its own
    company's host only, until it is revoked (tenants/api_keys.py)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    prefix = models.CharField(max_length=16, unique=True, help_text="the key's first characters, to tell keys apart")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the whole key, in hex")
    scope = models.JSONField(
        default=dict, blank=True, help_text="the sales the key may read, as a member's scope; its maker's at least"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
