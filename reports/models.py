"""Reports a company has generated, the schedules that generate them, and every delivery of one.

All of these live in the company's own schema. People are kept as id and email (users live in the public
schema), so the history still says who made a report after they leave.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
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
    file_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="when the retention period removed the file (the run's row stays)"
    )
    file_kept_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="the retention period, in days, that removed the file"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.period_label or 'no period'})"

    @property
    def file_deleted_message(self) -> str:
        """What a page or a download says of a file the retention period removed ('' while it is kept)."""
        if self.file_deleted_at is None:
            return ""
        days = self.file_kept_days
        after = f" after {days} day{'s' if days != 1 else ''}" if days else ""
        return f"The file was deleted{after}, as the company's report retention says. Generate the report again."

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


REPORT_RETENTION_DEFAULT_DAYS = 90
REPORT_RETENTION_MAX_DAYS = 3650


class ReportSettings(models.Model):
    """The company's report settings (one row): how long a generated report's file is kept. After that a daily
    task (reports.report_files_purge) deletes the file; the run stays in the history."""

    file_retention_days = models.PositiveSmallIntegerField(
        default=REPORT_RETENTION_DEFAULT_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(REPORT_RETENTION_MAX_DAYS)],
        help_text=f"Days a generated report's file is kept, 1 to {REPORT_RETENTION_MAX_DAYS}. "
        "Older files are deleted every night; the list of reports keeps them.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Report files kept {self.file_retention_days} days"


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


# ---------------------------------------------------------------- alerts (reports/alerts/)


class AlertChannel(models.Model):
    """Where a company's alerts go: an email address, a Slack webhook or channel, a WhatsApp number, or a generic
    webhook (signed with `secret`). Counted against the plan's alert-channel limit."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        SLACK = "slack", "Slack"
        WHATSAPP = "whatsapp", "WhatsApp"
        WEBHOOK = "webhook", "Webhook"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.CharField(max_length=300, help_text="address, Slack webhook URL or channel, phone, webhook URL")
    secret = models.CharField(max_length=100, blank=True, help_text="a webhook's signing secret (HMAC-SHA256)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "target"]
        constraints = [models.UniqueConstraint(fields=["kind", "target"], name="alert_channel_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"


class AlertRule(models.Model):
    """A measure of the catalogue, optionally for each value of a dimension, under the page filters, over a
    window, with a condition; it fires after holding for `hold_for` evaluations (reports/alerts/)."""

    class Window(models.TextChoices):
        DAY = "day", "Day"
        WEEK = "week", "Week to date"
        MONTH = "month", "Month to date"
        FYTD = "fytd", "Fiscal year to date"

    class Condition(models.TextChoices):
        ABOVE = "above", "Above a value"
        BELOW = "below", "Below a value"
        CHANGE_ABOVE = "change-above", "Up by at least X%"
        CHANGE_BELOW = "change-below", "Down by at least X%"
        UNUSUAL = "unusual", "Unusual (z-score against the trailing periods)"
        NO_DATA = "no-data", "No data for N days"
        BEHIND_PACE = "behind-pace", "Behind the pace its monthly target needs"

    class Compare(models.TextChoices):
        PREVIOUS = "previous", "The previous period"
        LAST_YEAR = "last-year", "The same period last year"

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    name = models.CharField(max_length=120)
    measure = models.CharField(max_length=40, help_text="a key of analytics.catalogue.MEASURES")
    each = models.CharField(max_length=40, blank=True, help_text="a dimension key: one alert per value; '' the whole")
    filters = models.JSONField(default=dict, blank=True, help_text="the page filters: branch, product_line, ...")
    window = models.CharField(max_length=8, choices=Window.choices, default=Window.MONTH)
    condition = models.CharField(max_length=14, choices=Condition.choices)
    value = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True,
        help_text="the threshold; the % for a change; the z-score; the days for no data",
    )  # fmt: skip
    compare = models.CharField(max_length=10, choices=Compare.choices, default=Compare.PREVIOUS)
    trailing = models.PositiveSmallIntegerField(default=8, help_text="periods an unusual value is judged against")
    no_data_of = models.CharField(max_length=8, default="sales", help_text="'sales' or 'uploads', for no-data")
    hold_for = models.PositiveSmallIntegerField(default=1, help_text="evaluations the condition must hold to fire")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    remind_after_hours = models.PositiveIntegerField(null=True, blank=True)
    channels = models.ManyToManyField(AlertChannel, blank=True, related_name="rules")
    is_active = models.BooleanField(default=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_by_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class AlertState(models.Model):
    """One rule's state for one entity ('' for the whole company): ok, pending (breached, not yet for long
    enough) or firing; snoozed or acknowledged per entity."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        PENDING = "pending", "Pending"
        FIRING = "firing", "Firing"

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="states")
    entity = models.CharField(max_length=255, blank=True)
    entity_label = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OK)
    breaches = models.PositiveIntegerField(default=0, help_text="evaluations in a row the condition held")
    since = models.DateTimeField(null=True, blank=True, help_text="when it started firing")
    value = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    baseline = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    period_label = models.CharField(max_length=120, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["rule", "entity"]
        constraints = [models.UniqueConstraint(fields=["rule", "entity"], name="alert_state_once")]

    def __str__(self) -> str:
        return f"{self.rule} {self.entity or 'all'}: {self.status}"


class AlertEvent(models.Model):
    """The alert log: every state change, notification and delivery attempt, with its result and error."""

    class Kind(models.TextChoices):
        STATE = "state", "State change"
        NOTIFICATION = "notification", "Notification"
        DELIVERY = "delivery", "Delivery attempt"

    class Result(models.TextChoices):
        DONE = "done", "Done"
        PENDING = "pending", "Waiting"
        HELD = "held", "Held for quiet hours"
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    rule = models.ForeignKey(AlertRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    rule_name = models.CharField(max_length=120, help_text="kept when the rule is deleted")
    entity = models.CharField(max_length=255, blank=True)
    entity_label = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=14, choices=Kind.choices)
    from_status = models.CharField(max_length=8, blank=True)
    to_status = models.CharField(max_length=8, blank=True)
    message = models.TextField(blank=True, help_text="what the notification says")
    values = models.JSONField(default=dict, blank=True, help_text="value, baseline, change, period, link")
    channel = models.ForeignKey(AlertChannel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel_kind = models.CharField(max_length=10, blank=True)
    target = models.CharField(max_length=300, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.DONE)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # A notification's identity (rule, entity, what happened, since when): a replayed evaluation finds it taken.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.rule_name} {self.entity}: {self.kind} {self.to_status or self.result}"
