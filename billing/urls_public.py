"""Billing URLs on the public domain: Razorpay's webhook arrives here, where no company schema is active."""

from django.urls import path

from . import views

urlpatterns = [
    path("razorpay/webhook/", views.razorpay_webhook, name="razorpay_webhook"),
]
