"""Writes about billing: syncing plans to Razorpay, subscribing, the Checkout hand-back, cancelling, changing
plan, and operators' trial extensions and free plans. Webhooks are in webhooks.py.

Razorpay is authoritative: what we do here asks Razorpay for something and records that we asked; the state
the company's limits follow changes when Razorpay's webhooks say so.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from elettro.kernel.errors import ApplicationError
from elettro.kernel.india import GST_STATES, gstin_error, normalize_gstin
from tenants.audit import Action, audit_record
from tenants.roles import can

from . import razorpay_client
from .invoices import rupees
from .models import Cycle, HistoryEntry, OperatorAction, Plan, Subscription
from .selectors import PAYING

logger = logging.getLogger(__name__)
Status = Subscription.Status

# Razorpay needs a number of billing cycles; these run for ten years unless cancelled.
TOTAL_COUNT = {Cycle.MONTHLY: 120, Cycle.ANNUAL: 10}
PERIOD = {Cycle.MONTHLY: "monthly", Cycle.ANNUAL: "yearly"}


def gst_inclusive(price_paise: int) -> int:
    """Plan prices are before GST; Razorpay charges the total with 18% GST, rounded half up to the paisa."""
    from django.conf import settings

    return (price_paise * (100 + settings.BILLING_GST_PERCENT) * 2 + 100) // 200


def history_add(*, company, kind: str, message: str, amount_paise: int | None = None, event=None) -> HistoryEntry:
    return HistoryEntry.objects.create(
        company=company, kind=kind, message=message[:400], amount_paise=amount_paise, event=event
    )


def _require_owner(membership) -> None:
    if membership is None or not can(membership.role, "billing.manage"):
        raise ApplicationError("Only an owner can change the plan or pay.", code="forbidden")


def _locked_subscription(company) -> Subscription:
    subscription, _ = Subscription.objects.get_or_create(company=company)
    # of=self: the plan is a nullable join, which PostgreSQL cannot lock (and need not).
    locked = Subscription.objects.select_for_update(of=("self",)).select_related("plan", "company")
    return locked.get(pk=subscription.pk)


# ---------------------------------------------------------------- plans


def plan_sync(*, plan: Plan, cycle: str) -> str:
    """The Razorpay plan for this plan and cycle, created when missing or when the price changed since."""
    amount = gst_inclusive(plan.price_paise(cycle))
    id_field, amount_field = f"razorpay_{cycle}_plan_id", f"razorpay_{cycle}_amount_paise"
    if getattr(plan, id_field) and getattr(plan, amount_field) == amount:
        return getattr(plan, id_field)
    created = razorpay_client.gateway().plan_create(
        period=PERIOD[cycle], amount_paise=amount, name=f"Elettro {plan.name} ({Cycle(cycle).label.lower()})",
        description=f"{plan.name} plan, {rupees(plan.price_paise(cycle))} + GST", notes={"plan": plan.slug},
    )  # fmt: skip
    setattr(plan, id_field, created["id"])
    setattr(plan, amount_field, amount)
    plan.save(update_fields=[id_field, amount_field])
    logger.info("razorpay plan %s synced for %s %s", created["id"], plan.slug, cycle)
    return created["id"]


def plans_sync_all() -> int:
    count = 0
    for plan in Plan.objects.all():
        for cycle in Cycle.values:
            plan_sync(plan=plan, cycle=cycle)
            count += 1
    return count


def plan_for_razorpay_id(razorpay_plan_id: str) -> tuple[Plan, str] | None:
    for cycle in Cycle.values:
        plan = Plan.objects.filter(**{f"razorpay_{cycle}_plan_id": razorpay_plan_id}).first()
        if plan is not None:
            return plan, cycle
    return None


# ---------------------------------------------------------------- the owner's actions


@transaction.atomic
def subscription_start(*, actor, plan: Plan, cycle: str) -> Subscription:
    """Create the Razorpay subscription the owner will pay for in Checkout."""
    _require_owner(actor)
    if cycle not in Cycle.values:
        raise ApplicationError("Choose monthly or annual billing.")
    if not plan.is_public:
        raise ApplicationError("This plan is not offered.")
    company = actor.company
    sub = _locked_subscription(company)
    if sub.status in PAYING:
        raise ApplicationError("You already have a subscription. Change the plan instead of starting another.")
    if sub.status == Status.AWAITING_ACTIVATION:
        raise ApplicationError("Your payment is being confirmed by Razorpay; this page updates when it is.")
    if sub.status == Status.CREATED and sub.plan_id == plan.pk and sub.cycle == cycle and sub.razorpay_subscription_id:
        return sub  # the owner came back to a checkout they had not finished
    if sub.status in (Status.CREATED, Status.HALTED) and sub.razorpay_subscription_id:
        # An unpaid or halted subscription cannot be reused for another plan: cancel it so it never charges.
        try:
            razorpay_client.gateway().subscription_cancel(sub.razorpay_subscription_id, at_cycle_end=False)
        except razorpay_client.PaymentGatewayError as error:
            logger.warning("could not cancel the previous subscription %s: %s", sub.razorpay_subscription_id, error)
    razorpay_plan_id = plan_sync(plan=plan, cycle=cycle)
    created = razorpay_client.gateway().subscription_create(
        plan_id=razorpay_plan_id, total_count=TOTAL_COUNT[cycle],
        notes={"company_id": str(company.pk), "subdomain": company.subdomain, "plan": plan.slug},
    )  # fmt: skip
    sub.plan, sub.cycle, sub.status = plan, cycle, Status.CREATED
    sub.razorpay_subscription_id = created["id"]
    sub.razorpay_status = created.get("status", "created")
    sub.short_url = created.get("short_url") or ""
    sub.current_start = sub.current_end = sub.halted_at = sub.ended_at = None
    sub.cancel_at_period_end, sub.scheduled_plan = False, None
    sub.state_event_at, sub.state_event_rank = None, 0  # events of the previous subscription no longer count
    sub.save()
    history_add(company=company, kind="checkout", message=f"Checkout started for the {plan} plan, {cycle}.")
    return sub


@transaction.atomic
def checkout_complete(*, actor, payment_id: str, subscription_id: str, signature: str) -> Subscription:
    """Checkout's success handler: verify the signature, then wait for Razorpay's webhooks to activate."""
    _require_owner(actor)
    if not razorpay_client.checkout_signature_valid(
        payment_id=payment_id, subscription_id=subscription_id, signature=signature
    ):
        logger.warning("checkout signature mismatch for %s", subscription_id)
        raise ApplicationError("We could not verify this payment. If money was taken, it will be confirmed shortly.")
    sub = _locked_subscription(actor.company)
    if sub.razorpay_subscription_id != subscription_id:
        raise ApplicationError("This payment is for another subscription.")
    if sub.status == Status.CREATED:  # webhooks may already have moved it further: never step back
        sub.status = Status.AWAITING_ACTIVATION
        sub.save(update_fields=["status", "updated_at"])
        message = f"Payment {payment_id} completed in Checkout; waiting for Razorpay to activate."
        history_add(company=sub.company, kind="awaiting_activation", message=message)
    return sub


def company_gstin_record(*, actor, gstin: str) -> str:
    """Save the GSTIN an owner gives at checkout on the company, for its tax invoices; returns it as saved."""
    _require_owner(actor)
    company = actor.company
    gstin = normalize_gstin(gstin)
    if not gstin:
        raise ApplicationError("Enter your GSTIN, or choose “We are not registered for GST”.")
    if problem := gstin_error(gstin):
        raise ApplicationError(problem)
    if gstin[:2] != company.home_state:
        # The home state splits GST on the company's own sales: a GSTIN of another state needs it changed first.
        raise ApplicationError(
            f"This GSTIN is registered in {GST_STATES[gstin[:2]]} ({gstin[:2]}), but the company's home state is "
            f"{company.home_state_name} ({company.home_state}). Enter the GSTIN of that registration, or change "
            "the home state in Settings first."
        )
    before = company.gstin
    company.gstin = gstin
    company.save(update_fields=["gstin"])
    audit_record(Action.SETTINGS_CHANGED, "Changed the company settings: gstin (at checkout)", user=actor.user,
                 company=company, changes={"gstin": [before or "—", gstin]})  # fmt: skip
    return gstin


@transaction.atomic
def subscription_cancel(*, actor) -> Subscription:
    """Cancel at the end of the paid period; an unpaid checkout is cancelled at once."""
    _require_owner(actor)
    sub = _locked_subscription(actor.company)
    if not sub.razorpay_subscription_id or sub.status in (Status.CANCELLED, Status.COMPLETED, Status.TRIAL):
        raise ApplicationError("There is no subscription to cancel.")
    at_cycle_end = sub.status in PAYING
    razorpay_client.gateway().subscription_cancel(sub.razorpay_subscription_id, at_cycle_end=at_cycle_end)
    if at_cycle_end:
        sub.cancel_at_period_end = True
        sub.save(update_fields=["cancel_at_period_end", "updated_at"])
        end = timezone.localtime(sub.current_end).strftime("%-d %B %Y") if sub.current_end else "the period's end"
        history_add(company=sub.company, kind="cancel_requested",
                    message=f"Cancellation requested: the {sub.plan} plan stays active until {end}.")  # fmt: skip
    else:
        sub.status = Status.TRIAL if sub.status == Status.CREATED else sub.status
        sub.save(update_fields=["status", "updated_at"])
        history_add(company=sub.company, kind="checkout_cancelled", message="Unfinished checkout cancelled.")
    return sub


@transaction.atomic
def subscription_change_plan(*, actor, plan: Plan) -> Subscription:
    """Upgrades take effect now (Razorpay charges the difference); downgrades at the end of the period."""
    _require_owner(actor)
    sub = _locked_subscription(actor.company)
    if sub.status not in (Status.ACTIVE, Status.AUTHENTICATED) or not sub.razorpay_subscription_id:
        raise ApplicationError("Razorpay can change the plan of an active subscription only.")
    if sub.cancel_at_period_end:
        raise ApplicationError("This subscription is cancelled at the end of the period; choose a plan after it.")
    if not plan.is_public or plan.pk == sub.plan_id:
        raise ApplicationError("Choose another plan.")
    upgrade = plan.price_paise(sub.cycle) > sub.plan.price_paise(sub.cycle)
    when = "now" if upgrade else "cycle_end"
    updated = razorpay_client.gateway().subscription_update(
        sub.razorpay_subscription_id, plan_id=plan_sync(plan=plan, cycle=sub.cycle), schedule_change_at=when
    )
    if upgrade:
        sub.plan, sub.scheduled_plan = plan, None
        message = f"Upgraded to the {plan} plan; Razorpay charges the difference for this period."
    else:
        sub.scheduled_plan = plan
        message = f"Downgrade to the {plan} plan scheduled for the end of the period."
    sub.razorpay_status = updated.get("status", sub.razorpay_status)
    sub.save()
    history_add(company=sub.company, kind="plan_change", message=message)
    return sub


# ---------------------------------------------------------------- operators


def _audit(*, company, operator, action: str, reason: str, details: dict) -> None:
    if not (reason or "").strip():
        raise ApplicationError("Give a reason: it goes into the audit trail.")
    OperatorAction.objects.create(
        company=company, operator=operator, operator_email=getattr(operator, "email", ""), action=action,
        reason=reason.strip()[:300], details=details,
    )  # fmt: skip


@transaction.atomic
def trial_extend(*, company, days: int, operator, reason: str):
    from tenants.models import Company

    if not 1 <= days <= 365:
        raise ApplicationError("Extend by 1 to 365 days.")
    company = Company.objects.select_for_update().get(pk=company.pk)
    start = max(company.trial_ends_at or timezone.now(), timezone.now())
    company.trial_ends_at = start + timedelta(days=days)
    company.save(update_fields=["trial_ends_at"])
    _audit(company=company, operator=operator, action="trial_extend", reason=reason,
           details={"days": days, "trial_ends_at": company.trial_ends_at.isoformat()})  # fmt: skip
    ends = timezone.localtime(company.trial_ends_at).strftime("%-d %B %Y")
    history_add(company=company, kind="trial_extended", message=f"Free trial extended by {days} days, to {ends}.")
    return company


@transaction.atomic
def plan_grant_free(*, company, plan: Plan, until: datetime | None, operator, reason: str) -> Subscription:
    """Give a company a plan without payment. A running Razorpay subscription is left alone: cancel it first."""
    sub = _locked_subscription(company)
    if sub.status in PAYING:
        raise ApplicationError("This company pays through Razorpay; cancel that subscription before granting a plan.")
    sub.plan, sub.status, sub.free_until = plan, Status.FREE, until
    sub.save()
    _audit(company=company, operator=operator, action="plan_grant_free", reason=reason,
           details={"plan": plan.slug, "until": until.isoformat() if until else None})  # fmt: skip
    until_text = f" until {timezone.localtime(until).strftime('%-d %B %Y')}" if until else ""
    history_add(
        company=company, kind="plan_granted", message=f"The {plan} plan was granted free of charge{until_text}."
    )
    return sub


def default_plans_ensure() -> int:
    """Seed the default plans when there are none (a fresh installation); never touches existing plans."""
    from .default_plans import PLANS

    if Plan.objects.exists():
        return 0
    for plan in PLANS:
        Plan.objects.create(**plan)
    return len(PLANS)
