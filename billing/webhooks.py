"""Razorpay's webhooks: verified, stored once, applied in any order with exactly one effect.

- The signature is checked over the raw bytes before anything is parsed.
- Each event is stored under Razorpay's `x-razorpay-event-id`, in the same transaction as its effect: a replay
  finds the row and changes nothing; a crash mid-way stores nothing, so Razorpay's retry applies it.
- The subscription row is locked while an event is applied, so two events for it never interleave.
- State follows the subscription entity in the newest event (Razorpay's `created_at`); an older event arriving
  late is recorded but changes no state, and a cancelled or completed subscription never comes back.
- Charges are keyed by payment id, so each makes exactly one invoice whatever order they arrive in.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tenants.models import Company
from tenants.services import company_set_status

from . import razorpay_client
from .invoices import invoice_issue, rupees
from .models import Subscription, WebhookEvent
from .services import history_add, plan_for_razorpay_id

logger = logging.getLogger(__name__)
Status = Subscription.Status

HANDLED = {
    "subscription.authenticated", "subscription.activated", "subscription.charged", "subscription.pending",
    "subscription.halted", "subscription.cancelled", "subscription.completed", "subscription.paused",
    "subscription.resumed", "payment.failed",
}  # fmt: skip
# Razorpay status -> ours, and a rank that breaks ties between events of the same second (later in life wins).
STATES = {
    "created": (Status.CREATED, 0), "authenticated": (Status.AUTHENTICATED, 1), "active": (Status.ACTIVE, 2),
    "pending": (Status.PENDING, 3), "halted": (Status.HALTED, 4), "paused": (Status.PAUSED, 5),
    "cancelled": (Status.CANCELLED, 7), "completed": (Status.COMPLETED, 7), "expired": (Status.CANCELLED, 7),
}  # fmt: skip
TERMINAL = {"cancelled", "completed", "expired"}


@dataclass(frozen=True)
class Outcome:
    status_code: int
    message: str


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if isinstance(value, int) and value > 0 else None


def webhook_receive(*, body: bytes, signature: str, event_id: str) -> Outcome:
    if not razorpay_client.webhook_signature_valid(body=body, signature=signature):
        logger.warning("razorpay webhook with a missing or wrong signature refused")
        return Outcome(400, "invalid signature")
    try:
        data = json.loads(body)
        event_name = data["event"]
        if not isinstance(event_name, str) or not isinstance(data.get("payload", {}), dict):
            raise ValueError(event_name)
    except (ValueError, KeyError, TypeError):
        return Outcome(400, "not a Razorpay event")
    if not event_id:
        return Outcome(400, "missing x-razorpay-event-id")
    with transaction.atomic():
        event, created = WebhookEvent.objects.get_or_create(
            event_id=event_id[:64],
            defaults={
                "event": event_name[:64],
                "raw_body": body.decode("utf-8", "replace"),
                "payload": data,
                "created_at_razorpay": _time(data.get("created_at")),
            },
        )
        if not created:
            return Outcome(200, "already received")
        event.outcome = _apply(event, data)[:300]
        event.save(update_fields=["outcome", "company", "razorpay_subscription_id"])
    return Outcome(200, event.outcome)


def _entity(data: dict, name: str) -> dict:
    entity = (data.get("payload", {}).get(name) or {}).get("entity")
    return entity if isinstance(entity, dict) else {}


def _apply(event: WebhookEvent, data: dict) -> str:
    if event.event not in HANDLED:
        return "event type not handled"
    sub_entity, payment = _entity(data, "subscription"), _entity(data, "payment")
    razorpay_id = sub_entity.get("id") or payment.get("subscription_id") or ""
    event.razorpay_subscription_id = str(razorpay_id)[:40]
    sub = Subscription.objects.select_for_update(of=("self",)).select_related("company", "plan").filter(
        razorpay_subscription_id=razorpay_id
    ).first() if razorpay_id else None  # fmt: skip
    if sub is None:
        return _apply_to_unknown(event, sub_entity, payment)
    event.company = sub.company
    when = event.created_at_razorpay
    if event.event == "payment.failed":
        return _payment_failed(event, sub.company, payment)
    outcome = []
    if event.event == "subscription.charged":
        outcome.append(_charged(event, sub.company, sub_entity, payment, when))
    outcome.append(_apply_state(event, sub, sub_entity, when))
    return "; ".join(outcome)


def _apply_to_unknown(event: WebhookEvent, sub_entity: dict, payment: dict) -> str:
    """No current subscription has this id. A charge on a company's earlier subscription (told by the notes we
    set when creating it) still gets its invoice; anything else is logged and acknowledged."""
    company_id = str((sub_entity.get("notes") or {}).get("company_id", ""))
    company = Company.objects.filter(pk=int(company_id)).first() if company_id.isdigit() else None
    if company is not None and event.event == "subscription.charged":
        event.company = company
        return _charged(event, company, sub_entity, payment, event.created_at_razorpay) + " (earlier subscription)"
    logger.warning("razorpay event %s %s for unknown subscription %r", event.event, event.event_id,
                   event.razorpay_subscription_id)  # fmt: skip
    return "unknown subscription: ignored"


def _charged(event, company, sub_entity: dict, payment: dict, when: datetime | None) -> str:
    amount, payment_id = payment.get("amount"), payment.get("id")
    if not payment_id or not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        logger.error("razorpay charge without a payment id or integer amount: event %s", event.event_id)
        return "charge without a usable payment: no invoice"
    found = plan_for_razorpay_id(sub_entity.get("plan_id", ""))
    plan_name = found[0].name if found else "Elettro"
    invoice, created = invoice_issue(
        company=company, payment_id=payment_id, total_paise=amount,
        issued_at=_time(payment.get("created_at")) or when or event.received_at,
        description=f"Elettro {plan_name} plan subscription",
        subscription_id=str(sub_entity.get("id", "")), razorpay_invoice_id=str(payment.get("invoice_id") or ""),
        period_start=(d := _time(sub_entity.get("current_start"))) and d.date(),
        period_end=(d := _time(sub_entity.get("current_end"))) and d.date(),
    )  # fmt: skip
    if not created:
        return f"charge {payment_id} already invoiced as {invoice.number}"
    history_add(company=company, kind="charged", amount_paise=amount, event=event,
                message=f"Payment of {rupees(amount)} received; invoice {invoice.number}.")  # fmt: skip
    return f"invoice {invoice.number}"


def _payment_failed(event, company, payment: dict) -> str:
    amount = payment.get("amount")
    reason = payment.get("error_description") or payment.get("error_reason") or "the bank declined it"
    money = rupees(amount) if isinstance(amount, int) and not isinstance(amount, bool) else "a payment"
    history_add(company=company, kind="payment_failed", event=event, amount_paise=amount if money != "a payment"
                else None, message=f"Payment of {money} failed: {reason}")  # fmt: skip
    return "payment failure recorded"


def _apply_state(event, sub: Subscription, entity: dict, when: datetime | None) -> str:
    razorpay_status = entity.get("status")
    if razorpay_status not in STATES or when is None:
        return "no state in the event"
    if sub.razorpay_status in TERMINAL:
        return f"subscription already {sub.razorpay_status}: state unchanged"
    status, rank = STATES[razorpay_status]
    if sub.state_event_at and (when, rank) < (sub.state_event_at, sub.state_event_rank):
        return "older than the state we have: state unchanged"
    previous = sub.status
    sub.status, sub.razorpay_status = status, razorpay_status
    sub.state_event_at, sub.state_event_rank = when, rank
    sub.current_start = _time(entity.get("current_start")) or sub.current_start
    sub.current_end = _time(entity.get("current_end")) or sub.current_end
    sub.ended_at = _time(entity.get("ended_at")) or sub.ended_at
    if (found := plan_for_razorpay_id(entity.get("plan_id", ""))) is not None:
        sub.plan, sub.cycle = found
        if sub.scheduled_plan_id == sub.plan.pk:
            sub.scheduled_plan = None
    if status == Status.HALTED and previous != Status.HALTED:
        sub.halted_at = when
    elif status in (Status.ACTIVE, Status.AUTHENTICATED):
        sub.halted_at = None
    sub.save()
    if status in (Status.ACTIVE, Status.AUTHENTICATED) and sub.company.status == Company.Status.TRIAL:
        company_set_status(company=sub.company, status=Company.Status.ACTIVE)
    if status == previous:
        return f"state {status} confirmed"
    history_add(company=sub.company, kind=f"state_{status}", event=event, message=_state_message(sub, status))
    return f"state {previous} -> {status}"


def _state_message(sub: Subscription, status: str) -> str:
    plan = f"the {sub.plan} plan" if sub.plan else "your subscription"
    until = f" until {timezone.localtime(sub.current_end):%-d %B %Y}" if sub.current_end else ""
    return {
        Status.AUTHENTICATED: f"Razorpay authorised {plan}.",
        Status.ACTIVE: f"Subscription to {plan} is active{until}.",
        Status.PENDING: "A payment failed; Razorpay is retrying it.",
        Status.HALTED: "Payments failed repeatedly and Razorpay stopped retrying. "
        f"Pay within {settings.BILLING_GRACE_DAYS} days to keep uploads and schedules running.",
        Status.PAUSED: "Subscription paused.",
        Status.CANCELLED: f"Subscription to {plan} cancelled.",
        Status.COMPLETED: f"Subscription to {plan} completed its last billing cycle.",
    }.get(status, f"Subscription is now {sub.get_status_display().lower()}.")
