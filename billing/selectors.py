"""Reads about billing: plans, a company's subscription, and what the company may do right now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .models import HistoryEntry, Invoice, Plan, Subscription

Status = Subscription.Status
# Razorpay has taken (or is still collecting) the money for the period: the plan's limits apply.
PAYING = {Status.ACTIVE, Status.AUTHENTICATED, Status.PENDING}
# Not yet paid for: the trial still decides.
UNPAID = {Status.TRIAL, Status.CREATED, Status.AWAITING_ACTIVATION}


def public_plans() -> QuerySet[Plan]:
    return Plan.objects.filter(is_public=True).order_by("sort_order", "monthly_price_paise")


def trial_plan() -> Plan | None:
    """The limits a trial runs with: the plan named by BILLING_TRIAL_PLAN, else the largest public plan."""
    return (
        Plan.objects.filter(slug=settings.BILLING_TRIAL_PLAN).first()
        or public_plans().order_by("-monthly_price_paise").first()
    )


def subscription_of(company) -> Subscription:
    """The company's billing record; a company that never chose a plan has an unsaved one in trial."""
    subscription = Subscription.objects.select_related("plan", "scheduled_plan").filter(company=company).first()
    return subscription or Subscription(company=company, status=Status.TRIAL)


def history_of(company) -> QuerySet[HistoryEntry]:
    return HistoryEntry.objects.filter(company=company)


def invoices_of(company) -> QuerySet[Invoice]:
    return Invoice.objects.filter(company=company)


@dataclass(frozen=True)
class BillingState:
    """What a company may do now and why, in the words the banner and the billing page use."""

    subscription: Subscription
    plan: Plan | None  # whose limits apply; None when nothing applies (read-only)
    read_only: bool
    headline: str
    detail: str = ""
    warning: bool = False
    grace_ends_at: datetime | None = None

    @property
    def on_trial(self) -> bool:
        return self.subscription.status in UNPAID and not self.read_only


def _day(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y") if moment else ""


def billing_state(company, *, now: datetime | None = None) -> BillingState:
    now = now or timezone.now()
    sub = subscription_of(company)
    paused = "Dashboards stay visible; uploads and scheduled reports are paused until a plan is paid for."

    if sub.status == Status.FREE:
        if sub.free_until is None or sub.free_until > now:
            until = f" until {_day(sub.free_until)}" if sub.free_until else ""
            return BillingState(sub, sub.plan, False, f"{sub.plan} plan, free of charge{until}.")
        return BillingState(sub, None, True, f"Your free plan ended on {_day(sub.free_until)}.", paused)

    if sub.status in PAYING:
        headline = f"{sub.plan} plan, {sub.get_cycle_display().lower()}: {sub.get_status_display().lower()}."
        if sub.status == Status.PENDING:
            return BillingState(sub, sub.plan, False, "The last payment failed; Razorpay is retrying it.",
                                "Check the card or UPI mandate with your bank.", warning=True)  # fmt: skip
        if sub.cancel_at_period_end and sub.current_end:
            headline = f"{sub.plan} plan, cancelled: it stays active until {_day(sub.current_end)}."
        return BillingState(sub, sub.plan, False, headline)

    if sub.status == Status.HALTED:
        grace_ends = (sub.halted_at or now) + timedelta(days=settings.BILLING_GRACE_DAYS)
        if now < grace_ends:
            return BillingState(
                sub, sub.plan, False, "Payments for your plan have failed and Razorpay has stopped retrying.",
                f"Pay by {_day(grace_ends)} (choose a plan again on the billing page) or the company becomes "
                "read-only.", warning=True, grace_ends_at=grace_ends,
            )  # fmt: skip
        return BillingState(sub, None, True, f"Payments failed and the grace period ended on {_day(grace_ends)}.",
                            paused, grace_ends_at=grace_ends)  # fmt: skip

    if sub.status == Status.CANCELLED and sub.current_end and now < sub.current_end:
        return BillingState(sub, sub.plan, False, f"{sub.plan} plan, cancelled: active until {_day(sub.current_end)}.")
    if sub.status in (Status.CANCELLED, Status.COMPLETED):
        return BillingState(sub, None, True, f"Your subscription has {sub.status}.", paused)
    if sub.status == Status.PAUSED:
        return BillingState(sub, None, True, "Your subscription is paused.", paused)

    # trial, or a checkout not yet confirmed by Razorpay
    trial_ends = company.trial_ends_at
    if trial_ends is None or trial_ends > now:
        left = f" until {_day(trial_ends)}" if trial_ends else ""
        headline = f"Free trial{left}."
        if sub.status == Status.AWAITING_ACTIVATION:
            headline = "Payment received; waiting for Razorpay to confirm the subscription."
        return BillingState(sub, trial_plan(), False, headline)
    if sub.status == Status.AWAITING_ACTIVATION:
        return BillingState(sub, None, True, "Payment received; waiting for Razorpay to confirm the subscription.",
                            paused)  # fmt: skip
    return BillingState(sub, None, True, f"Your free trial ended on {_day(trial_ends)}.", paused)
