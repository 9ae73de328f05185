"""Billing URLs on the public domain (the Razorpay webhook lives here)."""

urlpatterns: list = []
