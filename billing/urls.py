"""Billing pages on a company's host."""

from django.urls import path

from . import sandbox_views, views

urlpatterns = [
    path("", views.billing_page, name="billing"),
    path("subscribe/", views.subscribe, name="billing_subscribe"),
    path("checkout/", views.checkout, name="billing_checkout"),
    path("checkout/complete/", views.checkout_complete, name="billing_checkout_complete"),
    path("status/", views.status, name="billing_status"),
    path("change-plan/", views.change_plan, name="billing_change_plan"),
    path("cancel/", views.cancel, name="billing_cancel"),
    path("invoices/<int:invoice_id>.pdf", views.invoice_download, name="billing_invoice"),
    path("sandbox/checkout/", sandbox_views.checkout, name="billing_sandbox_checkout"),
    path("sandbox/pay/", sandbox_views.pay, name="billing_sandbox_pay"),
]
