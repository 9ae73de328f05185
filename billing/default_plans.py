"""The plans a fresh installation starts with; operators change them in admin afterwards."""

from __future__ import annotations

PLANS = [
    {
        "slug": "starter", "name": "Starter", "tagline": "One business, the owner and a few people.",
        "monthly_price_paise": 149900, "annual_price_paise": 1499000, "max_members": 3,
        "max_lines_per_month": 50_000, "max_storage_mb": 1024, "max_report_schedules": 2, "max_alert_channels": 1,
        "features": ["Tally and Excel uploads", "Sales dashboards", "PDF reports"], "sort_order": 1,
    },
    {
        "slug": "growth", "name": "Growth", "tagline": "Sales teams, branches and scheduled reports.",
        "monthly_price_paise": 499900, "annual_price_paise": 4999000, "max_members": 15,
        "max_lines_per_month": 500_000, "max_storage_mb": 10240, "max_report_schedules": 20, "max_alert_channels": 5,
        "features": ["Everything in Starter", "Salesperson and branch profit", "Email, Slack and WhatsApp delivery"],
        "sort_order": 2,
    },
    {
        "slug": "scale", "name": "Scale", "tagline": "Manufacturers with ERP data across departments.",
        "monthly_price_paise": 1499900, "annual_price_paise": 14999000, "max_members": 100,
        "max_lines_per_month": 5_000_000, "max_storage_mb": 102400, "max_report_schedules": 200,
        "max_alert_channels": 50, "features": ["Everything in Growth", "Operations views", "Priority support"],
        "sort_order": 3,
    },
]  # fmt: skip
