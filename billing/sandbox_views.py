"""The sandbox's stand-in for Razorpay Checkout, on the company's host. Every view is a 404 unless sandbox mode
is on (no RAZORPAY_* keys, not production)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tenants.permissions import require_permission

from .invoices import rupees
from .models import Subscription
from .razorpay_client import sandbox_active
from .sandbox import SANDBOX
from .selectors import subscription_of


def sandbox_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not sandbox_active():
            raise Http404("Sandbox mode is off")
        return view(request, *args, **kwargs)

    return wrapped


def _open_checkout(request: HttpRequest) -> Subscription | None:
    sub = subscription_of(request.tenant)
    return sub if sub.status == Subscription.Status.CREATED and sub.razorpay_subscription_id else None


@sandbox_only
@require_GET
@require_permission("billing.manage")
def checkout(request: HttpRequest) -> HttpResponse:
    sub = _open_checkout(request)
    if sub is None:
        return redirect("billing")
    entity = SANDBOX.subscription_fetch(sub.razorpay_subscription_id)
    plan = SANDBOX._get("plan", entity["plan_id"])
    context = {"sub": sub, "amount": rupees(plan["item"]["amount"]), "item": plan["item"]}
    return render(request, "billing/sandbox_checkout.html", context)


@sandbox_only
@require_POST
@require_permission("billing.manage")
def pay(request: HttpRequest) -> HttpResponse:
    sub = _open_checkout(request)
    if sub is None or request.POST.get("subscription_id") != sub.razorpay_subscription_id:
        messages.error(request, "This checkout is no longer open.")
        return redirect("billing")
    if request.POST.get("outcome") != "success":
        SANDBOX.checkout_fail(sub.razorpay_subscription_id)
        messages.error(request, "The payment failed (sandbox). Nothing was charged; try again.")
        return redirect("billing_sandbox_checkout")
    payment_id, signature = SANDBOX.checkout_pay(sub.razorpay_subscription_id)
    # What Checkout's JavaScript handler does with the result: post it to our success handler.
    context = {"payment_id": payment_id, "subscription_id": sub.razorpay_subscription_id, "signature": signature}
    return render(request, "billing/sandbox_handback.html", context)
