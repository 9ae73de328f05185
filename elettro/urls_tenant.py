"""URLs of a company's subdomain. Every one of them sits behind tenants.middleware.CompanyAccessMiddleware."""

from django.urls import include, path

from analytics import department_views, target_views, why_views
from analytics import views as analytics_views
from analytics.detail import views as detail_views
from analytics.refresh_views import refresh as dashboard_refresh
from analytics.refresh_views import version as dashboard_version
from billing import sandbox_views as billing_sandbox
from billing import views as billing_views
from ingestion import views as ingestion_views
from reports import views as report_views
from reports.alerts import views as alert_views
from tenants import company_views

urlpatterns = [
    path("api/", include("elettro.api.urls")),
    path("", analytics_views.page, name="home"),
    *[
        path(f"{name}/", analytics_views.page, {"name": name}, name=f"dashboard_{name}")
        for name in ("trends", "geography", "products", "pricing", "customers", "people", "operations", "data")
    ],
    path("operations/<str:department>/", department_views.department_page, name="department"),
    path(
        "operations/<str:department>/download/<str:fmt>/",
        department_views.department_download,
        name="department_download",
    ),
    path("customers/<path:key>/", detail_views.customer_detail, name="customer_detail"),
    path("products/<path:key>/", detail_views.product_detail, name="product_detail"),
    path("invoices/", detail_views.invoices, name="invoices"),
    path("search/", detail_views.search, name="search"),
    path("why/", why_views.why_page, name="why"),
    path("dashboard/version/", dashboard_version, name="dashboard_version"),
    path("dashboard/refresh/", dashboard_refresh, name="dashboard_refresh"),
    path("auth/handoff/", company_views.handoff, name="handoff"),
    path("logout/", company_views.logout_everywhere, name="logout"),
    path("members/", company_views.members, name="members"),
    path("members/invite/", company_views.invite, name="invite"),
    path("members/<int:membership_id>/role/", company_views.change_role, name="change_role"),
    path("members/<int:membership_id>/scope/", company_views.change_scope, name="change_scope"),
    path("members/<int:membership_id>/remove/", company_views.remove_member, name="remove_member"),
    path("settings/", company_views.company_settings, name="company_settings"),
    path("settings/api-keys/", company_views.api_keys, name="api_keys"),
    path("settings/api-keys/<int:key_id>/revoke/", company_views.revoke_api_key, name="api_key_revoke"),
    path("audit/", company_views.audit_log, name="audit_log"),
    path("uploads/", ingestion_views.uploads, name="uploads"),
    path("uploads/new/", ingestion_views.upload, name="upload"),
    path("uploads/progress/", ingestion_views.progress, name="upload_progress"),
    path("uploads/status/", ingestion_views.status, name="upload_status"),
    path("uploads/<int:job_id>/columns/", ingestion_views.mapping, name="upload_mapping"),
    path("uploads/<int:job_id>/rejected-rows.csv", ingestion_views.rejects, name="upload_rejects"),
    path("uploads/<int:job_id>/load-good-rows/", ingestion_views.load_good_rows, name="upload_load_good_rows"),
    path("uploads/<int:job_id>/check-columns/", ingestion_views.recheck, name="upload_recheck"),
    path("uploads/<int:job_id>/delete/", ingestion_views.delete, name="upload_delete"),
    path("uploads/<int:job_id>/retry/", ingestion_views.retry, name="upload_retry"),
    path("uploads/what-counts/", ingestion_views.sale_rules_page, name="sale_rules"),
    path("settings/exclusions/", ingestion_views.exclusions, name="exclusions"),
    path("reports/", report_views.reports, name="reports"),
    path("reports/generate/", report_views.generate, name="report_generate"),
    path("reports/<int:run_id>/", report_views.run, name="report_run"),
    path("reports/<int:run_id>/status/", report_views.run_status, name="report_status"),
    path("reports/<int:run_id>/retry/", report_views.retry, name="report_retry"),
    path("reports/<int:run_id>/download/", report_views.download, name="report_download"),
    path("reports/schedules/", report_views.schedules, name="report_schedules"),
    path("reports/schedules/new/", report_views.schedule_edit, name="report_schedule_new"),
    path("reports/schedules/<int:schedule_id>/", report_views.schedule_edit, name="report_schedule_edit"),
    path("reports/schedules/<int:schedule_id>/delete/", report_views.schedule_delete, name="report_schedule_delete"),
    path("reports/schedules/<int:schedule_id>/test/", report_views.schedule_test, name="report_schedule_test"),
    path("reports/channels/", report_views.channels, name="report_channels"),
    path("reports/retention/", report_views.retention, name="report_retention"),
    path("alerts/", alert_views.rules_page, name="alerts"),
    path("alerts/new/", alert_views.rule_edit, name="alert_rule_new"),
    path("alerts/backtest/", alert_views.backtest, name="alert_backtest"),
    path("alerts/log/", alert_views.log, name="alert_log"),
    path("alerts/<int:rule_id>/", alert_views.rule_edit, name="alert_rule_edit"),
    path("alerts/<int:rule_id>/delete/", alert_views.rule_delete, name="alert_rule_delete"),
    path("alerts/states/<int:state_id>/snooze/", alert_views.snooze, name="alert_snooze"),
    path("alerts/states/<int:state_id>/acknowledge/", alert_views.acknowledge, name="alert_acknowledge"),
    path("targets/", target_views.targets_page, name="targets"),
    path("billing/", billing_views.billing_page, name="billing"),
    path("billing/subscribe/", billing_views.subscribe, name="billing_subscribe"),
    path("billing/checkout/", billing_views.checkout, name="billing_checkout"),
    path("billing/checkout/complete/", billing_views.checkout_complete, name="billing_checkout_complete"),
    path("billing/status/", billing_views.status, name="billing_status"),
    path("billing/change-plan/", billing_views.change_plan, name="billing_change_plan"),
    path("billing/cancel/", billing_views.cancel, name="billing_cancel"),
    path("billing/invoices/<int:invoice_id>.pdf", billing_views.invoice_download, name="billing_invoice"),
    # Stand-in for Razorpay Checkout in sandbox mode only (404 whenever Razorpay keys are set)
    path("billing/sandbox/checkout/", billing_sandbox.checkout, name="billing_sandbox_checkout"),
    path("billing/sandbox/pay/", billing_sandbox.pay, name="billing_sandbox_pay"),
]
