"""Billing pages on a company's host (owners only) and Razorpay's webhook on the public domain. Thin: the work
is in services.py and webhooks.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from elettro.kernel.errors import ApplicationError
from tenants.permissions import require_permission

from . import services
from .invoices import invoice_pdf
from .models import Cycle, Invoice, Plan, Subscription
from .razorpay_client import gateway, sandbox_active
from .selectors import billing_state, history_of, invoices_of, public_plans, subscription_of
from .webhooks import webhook_receive

# ---------------------------------------------------------------- the public site's plans


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html", {"plans": public_plans()})


def pricing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/pricing.html", {"plans": public_plans()})


@require_GET
@require_permission("billing.manage")
def billing_page(request: HttpRequest) -> HttpResponse:
    company = request.tenant
    state = billing_state(company)
    context = {
        "state": state,
        "sub": state.subscription,
        "plans": public_plans(),
        "cycles": Cycle.choices,
        "history": history_of(company)[:100],
        "invoices": invoices_of(company),
        "sandbox": sandbox_active(),
        "can_change_plan": state.subscription.status in (Subscription.Status.ACTIVE, Subscription.Status.AUTHENTICATED)
        and not state.subscription.cancel_at_period_end,
        # Razorpay's webhooks are on their way: the page polls and reloads when they move the state.
        "waiting": state.subscription.status
        in (Subscription.Status.AWAITING_ACTIVATION, Subscription.Status.AUTHENTICATED),
    }
    return render(request, "billing/billing.html", context)


@require_GET
@require_permission("billing.manage")
def status(request: HttpRequest) -> JsonResponse:
    """Polled by the billing page while Razorpay confirms a payment."""
    state = billing_state(request.tenant)
    sub = state.subscription
    return JsonResponse({"status": sub.status, "label": sub.get_status_display(), "read_only": state.read_only})


def _fail(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    messages.error(request, error.message)
    return redirect("billing")


@require_POST
@require_permission("billing.manage")
def subscribe(request: HttpRequest) -> HttpResponse:
    plan = get_object_or_404(Plan, slug=request.POST.get("plan", ""), is_public=True)
    try:
        services.subscription_start(actor=request.membership, plan=plan, cycle=request.POST.get("cycle", ""))
    except ApplicationError as error:
        return _fail(request, error)
    return redirect("billing_checkout")


# The session remembers an owner who said the company has no GSTIN, so checkout asks once.
UNREGISTERED = "billing_gst_unregistered"


@require_http_methods(["GET", "POST"])
@require_permission("billing.manage")
def checkout(request: HttpRequest) -> HttpResponse:
    """Payment, after asking for the company's GSTIN when it has none (the tax invoice carries it)."""
    sub = subscription_of(request.tenant)
    if sub.status != Subscription.Status.CREATED:
        return redirect("billing")
    if request.method == "POST":
        return _gstin_answer(request, sub)
    if not request.tenant.gstin and request.session.get(UNREGISTERED) != request.tenant.pk:
        return render(request, "billing/checkout_gstin.html", {"sub": sub, "gstin": ""})
    if sandbox_active():
        return redirect("billing_sandbox_checkout")
    from django.conf import settings

    context = {"sub": sub, "key_id": gateway().key_id, "checkout_js": settings.RAZORPAY_CHECKOUT_JS}
    return render(request, "billing/checkout.html", context)


def _gstin_answer(request: HttpRequest, sub: Subscription) -> HttpResponse:
    if request.POST.get("registered") == "no":
        request.session[UNREGISTERED] = request.tenant.pk
        return redirect("billing_checkout")
    given = request.POST.get("gstin", "")
    try:
        gstin = services.company_gstin_record(actor=request.membership, gstin=given)
    except ApplicationError as error:
        context = {"sub": sub, "gstin": given[:20], "error": error.message}
        return render(request, "billing/checkout_gstin.html", context, status=400)
    messages.success(request, f"GSTIN {gstin} saved: your tax invoices will carry it.")
    return redirect("billing_checkout")


@require_POST
@require_permission("billing.manage")
def checkout_complete(request: HttpRequest) -> HttpResponse:
    try:
        services.checkout_complete(
            actor=request.membership,
            payment_id=request.POST.get("razorpay_payment_id", ""),
            subscription_id=request.POST.get("razorpay_subscription_id", ""),
            signature=request.POST.get("razorpay_signature", ""),
        )
    except ApplicationError as error:
        return _fail(request, error)
    messages.success(request, "Payment received. Razorpay is confirming the subscription; this page updates itself.")
    return redirect("billing")


@require_POST
@require_permission("billing.manage")
def change_plan(request: HttpRequest) -> HttpResponse:
    plan = get_object_or_404(Plan, slug=request.POST.get("plan", ""), is_public=True)
    try:
        services.subscription_change_plan(actor=request.membership, plan=plan)
    except ApplicationError as error:
        return _fail(request, error)
    messages.success(request, f"Plan change to {plan} requested.")
    return redirect("billing")


@require_POST
@require_permission("billing.manage")
def cancel(request: HttpRequest) -> HttpResponse:
    try:
        services.subscription_cancel(actor=request.membership)
    except ApplicationError as error:
        return _fail(request, error)
    messages.success(request, "Cancellation requested.")
    return redirect("billing")


@require_GET
@require_permission("billing.manage")
def invoice_download(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=invoice_id, company=request.tenant)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number.replace("/", "-")}.pdf"'
    return response


@csrf_exempt  # Razorpay cannot send a CSRF token; the body's HMAC signature is checked before anything else
@require_POST
def razorpay_webhook(request: HttpRequest) -> JsonResponse:
    outcome = webhook_receive(
        body=request.body,
        signature=request.headers.get("X-Razorpay-Signature", ""),
        event_id=request.headers.get("X-Razorpay-Event-Id", ""),
    )
    return JsonResponse({"status": outcome.message}, status=outcome.status_code)
