"""Plans, each company's subscription, the Razorpay events that move it, what the owner sees, and GST invoices.

Everything here lives in the public schema: webhooks arrive on the public domain, where no company schema is
active, so company-owned rows carry a foreign key to the company instead. Money is integer paise throughout.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .periods import period_days


class Plan(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(unique=True)
    tagline = models.CharField(max_length=200, blank=True)
    monthly_price_paise = models.PositiveBigIntegerField(help_text="Before GST.")
    annual_price_paise = models.PositiveBigIntegerField(help_text="Before GST.")
    max_members = models.PositiveIntegerField(help_text="People who can log in to the company.")
    max_lines_per_month = models.PositiveBigIntegerField(help_text="Uploaded sales/ERP lines per calendar month.")
    max_storage_mb = models.PositiveIntegerField()
    max_report_schedules = models.PositiveIntegerField()
    max_alert_channels = models.PositiveIntegerField()
    features = models.JSONField(default=list, blank=True, help_text="Bullet points shown on the pricing page.")
    is_public = models.BooleanField(default=True, help_text="Shown on the pricing page and offered at checkout.")
    sort_order = models.PositiveSmallIntegerField(default=0)
    # Razorpay plans cannot be edited, so each synced plan remembers the amount it was made for; a new price
    # makes a new Razorpay plan on the next sync.
    razorpay_monthly_plan_id = models.CharField(max_length=40, blank=True)
    razorpay_monthly_amount_paise = models.PositiveBigIntegerField(null=True, blank=True)
    razorpay_annual_plan_id = models.CharField(max_length=40, blank=True)
    razorpay_annual_amount_paise = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["sort_order", "monthly_price_paise"]

    def __str__(self) -> str:
        return self.name

    @property
    def monthly_rupees(self) -> int:
        return self.monthly_price_paise // 100

    @property
    def annual_rupees(self) -> int:
        return self.annual_price_paise // 100

    def price_paise(self, cycle: str) -> int:
        return self.annual_price_paise if cycle == Cycle.ANNUAL else self.monthly_price_paise


class Cycle(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    ANNUAL = "annual", "Annual"


class Subscription(models.Model):
    """A company's one billing record: the plan in effect and the state of its Razorpay subscription."""

    class Status(models.TextChoices):
        TRIAL = "trial", "Free trial"
        CREATED = "created", "Waiting for payment"
        AWAITING_ACTIVATION = "awaiting_activation", "Paid, awaiting activation"
        AUTHENTICATED = "authenticated", "Authorised, starting soon"
        ACTIVE = "active", "Active"
        PENDING = "pending", "Payment failed, retrying"
        HALTED = "halted", "Payments halted"
        PAUSED = "paused", "Paused"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"
        FREE = "free", "Granted free"

    company = models.OneToOneField("tenants.Company", on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cycle = models.CharField(max_length=8, choices=Cycle.choices, default=Cycle.MONTHLY)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TRIAL, db_index=True)
    razorpay_subscription_id = models.CharField(max_length=40, blank=True, db_index=True)
    razorpay_status = models.CharField(max_length=20, blank=True, help_text="as Razorpay last reported it")
    short_url = models.URLField(blank=True)
    current_start = models.DateTimeField(null=True, blank=True)
    current_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    halted_at = models.DateTimeField(null=True, blank=True)
    scheduled_plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    free_until = models.DateTimeField(null=True, blank=True, help_text="a plan granted free by an operator")
    # The Razorpay time (event created_at) of the newest event applied to the state: older ones are stale.
    state_event_at = models.DateTimeField(null=True, blank=True)
    state_event_rank = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company__name"]

    def __str__(self) -> str:
        return f"{self.company} · {self.plan or 'no plan'} ({self.get_status_display()})"

    @property
    def period_days(self):
        """(first day, last day) of the current period, both included: as its invoice prints them."""
        return period_days(self.current_start, self.current_end)


class WebhookEvent(models.Model):
    """Every verified webhook, stored once by Razorpay's event id; the raw body is kept for operators.

    A body already received under another event id (a replay) is stored as a short row without its body and
    with no effect; the first row holds the body's hash, so a body is applied once whatever id it comes with."""

    event_id = models.CharField(max_length=64, unique=True)
    body_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False,
                                   help_text="SHA-256 of the raw body, on the row that applied it")  # fmt: skip
    event = models.CharField(max_length=64, db_index=True)
    razorpay_subscription_id = models.CharField(max_length=40, blank=True, db_index=True)
    company = models.ForeignKey("tenants.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at_razorpay = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    raw_body = models.TextField()
    payload = models.JSONField(default=dict)
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"


class HistoryEntry(models.Model):
    """One line of the billing history the owner reads: every state change, payment, failure and operator act."""

    company = models.ForeignKey("tenants.Company", on_delete=models.CASCADE, related_name="billing_history")
    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=400)
    amount_paise = models.BigIntegerField(null=True, blank=True)
    event = models.ForeignKey(WebhookEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "history entries"

    def __str__(self) -> str:
        return self.message


class OperatorAction(models.Model):
    """The audit trail of what staff did to a company's billing (trial extensions, free plans)."""

    company = models.ForeignKey("tenants.Company", on_delete=models.CASCADE, related_name="+")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    operator_email = models.EmailField(blank=True)
    action = models.CharField(max_length=40)
    details = models.JSONField(default=dict)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} · {self.company} by {self.operator_email}"


class InvoiceCounter(models.Model):
    """The last invoice number used in a financial year; locked while a number is taken, so numbers never
    repeat or skip (a rolled-back invoice rolls its number back with it)."""

    financial_year = models.CharField(max_length=7, unique=True, help_text="e.g. 2025-26")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.financial_year}: {self.last_number}"


class Invoice(models.Model):
    """A GST tax invoice for one successful charge. Every figure is frozen when issued."""

    company = models.ForeignKey("tenants.Company", on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=32, unique=True)
    financial_year = models.CharField(max_length=7)
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    razorpay_payment_id = models.CharField(max_length=40, unique=True)
    razorpay_subscription_id = models.CharField(max_length=40, blank=True)
    razorpay_invoice_id = models.CharField(max_length=40, blank=True)
    description = models.CharField(max_length=200)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    seller_name = models.CharField(max_length=200)
    seller_gstin = models.CharField(max_length=15)
    seller_address = models.CharField(max_length=300, blank=True)
    customer_name = models.CharField(max_length=200)
    customer_gstin = models.CharField(max_length=15, blank=True)
    place_of_supply = models.CharField(max_length=2, help_text="GST state code")
    taxable_paise = models.BigIntegerField()
    cgst_paise = models.BigIntegerField(default=0)
    sgst_paise = models.BigIntegerField(default=0)
    igst_paise = models.BigIntegerField(default=0)
    total_paise = models.BigIntegerField()

    class Meta:
        ordering = ["-issued_at", "-sequence"]
        constraints = [models.UniqueConstraint(fields=["financial_year", "sequence"], name="one_number_per_year")]

    def __str__(self) -> str:
        return self.number
