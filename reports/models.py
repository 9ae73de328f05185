"""Reports a company has generated, the schedules that generate them, and every delivery of one.

All of these live in the company's own schema. People are kept as id and email (users live in the public
schema), so the history still says who made a report after they leave.
"""

from __future__ import annotations

from django.db import models

from .kinds import CHOICES as KIND_CHOICES


class Format(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"
    CSV = "csv", "CSV (zip, one file per section)"


class ReportRun(models.Model):
    """One generated report: on demand from a page, by a schedule, or by the `report` command."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Generating"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=24, choices=KIND_CHOICES)
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.PDF)
    query = models.JSONField(default=dict, blank=True, help_text="the dashboard selection: from/to/preset/filters")
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    period_label = models.CharField(max_length=120, blank=True)
    filters_label = models.CharField(max_length=500, blank=True)
    schedule = models.ForeignKey("Schedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_by_email = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True, max_length=300)
    size_bytes = models.BigIntegerField(default=0)
    pages = models.PositiveIntegerField(null=True, blank=True)
    seconds = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    headline = models.JSONField(default=dict, blank=True, help_text="the cards' figures, for messages")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="the running worker's lease (heartbeat)")
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0, help_text="runs started")
    charts_missing = models.PositiveSmallIntegerField(
        default=0, db_default=0, help_text="charts the PDF could not draw in time: it has their tables only"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.period_label or 'no period'})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def filename(self) -> str:
        from django.utils.text import slugify

        extension = "zip" if self.format == Format.CSV else self.format
        period = f"{self.period_start:%Y%m%d}-{self.period_end:%Y%m%d}" if self.period_start else "empty"
        return f"{slugify(self.get_kind_display())}-{period}.{extension}"


class Schedule(models.Model):
    """A report that goes out by itself: daily at a time, weekly on a day, or monthly on a date, in the
    company's time zone, for the period just finished (yesterday, last week, last month) or a named preset."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=24, choices=KIND_CHOICES, default="sales-review")
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.PDF)
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.MONTHLY)
    time_of_day = models.TimeField(help_text="In the company's time zone.")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    day_of_month = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 to 31; in shorter months the report goes on the last day."
    )
    period = models.CharField(max_length=16, default="previous", help_text="'previous' or a dashboard preset")
    filters = models.JSONField(default=dict, blank=True)
    email_to = models.TextField(blank=True, help_text="Email addresses, separated by commas or new lines.")
    slack_webhook_url = models.URLField(blank=True, max_length=300)
    slack_channel = models.CharField(max_length=80, blank=True, help_text="With the company's Slack bot token.")
    whatsapp_to = models.TextField(blank=True, help_text="Phone numbers with country code, e.g. +91 98765 43210.")
    is_active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_by_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ChannelSettings(models.Model):
    """The company's own Slack bot and WhatsApp Business number (one row per company). Email goes through
    Elettro's mail server and needs nothing here."""

    slack_bot_token = models.CharField(max_length=200, blank=True)
    whatsapp_phone_number_id = models.CharField(max_length=40, blank=True)
    whatsapp_access_token = models.CharField(max_length=500, blank=True)
    whatsapp_template = models.CharField(
        max_length=120, blank=True, help_text="An approved template with {{1}} period, {{2}} revenue, {{3}} orders."
    )
    whatsapp_template_language = models.CharField(max_length=12, default="en")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "Channel settings"


class Delivery(models.Model):
    """One report (or test message) sent, or trying to be sent, to one recipient on one channel."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SLACK = "slack", "Slack"
        WHATSAPP = "whatsapp", "WhatsApp"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    schedule = models.ForeignKey(Schedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    run = models.ForeignKey(ReportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    target = models.CharField(max_length=300, help_text="address, phone number, Slack channel or webhook host")
    is_test = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    external_id = models.CharField(max_length=200, blank=True, help_text="the service's message or file id")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.target}"
