"""Plans companies can buy. Prices are integers in paise, never floats."""

from __future__ import annotations

from django.db import models


class Plan(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(unique=True)
    tagline = models.CharField(max_length=200, blank=True)
    monthly_price_paise = models.PositiveBigIntegerField()
    annual_price_paise = models.PositiveBigIntegerField()
    max_members = models.PositiveIntegerField(help_text="People who can log in to the company.")
    max_lines_per_month = models.PositiveBigIntegerField(help_text="Uploaded sales/ERP lines per calendar month.")
    max_storage_mb = models.PositiveIntegerField()
    max_report_schedules = models.PositiveIntegerField()
    max_alert_channels = models.PositiveIntegerField()
    features = models.JSONField(default=list, blank=True, help_text="Bullet points shown on the pricing page.")
    is_public = models.BooleanField(default=True, help_text="Shown on the pricing page and offered at checkout.")
    sort_order = models.PositiveSmallIntegerField(default=0)

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
