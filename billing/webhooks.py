"""Razorpay's webhooks: verified, stored once, applied in any order with exactly one effect.

- The signature is checked over the raw bytes before anything is parsed.
- Each event is stored under Razorpay's `x-razorpay-event-id`, in the same transaction as its effect: a replay
  finds the row and changes nothing; a crash mid-way stores nothing, so Razorpay's retry applies it.
- The subscription row is locked while an event is applied, so two events for it never interleave.
- State follows the subscription entity in the newest event (Razorpay's `created_at`); an older event arriving
  late is recorded but changes no state, and a cancelled or completed subscription never comes back.
- Charges are keyed by payment id, so each makes exactly one invoice whatever order they arrive in.
- The same body is applied once whatever event id it comes with: the first row keeps the body's SHA-256, and a
  replay under a new id is answered "already received" and recorded as a short row with no effect.
- A signed body that is not a usable event (not JSON, nested absurdly deep, NUL characters, a field of the wrong
  type or missing) is answered 400 and logged, never 500: Razorpay retries a 500 for days, and it would fail the
  same way every time.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from types import NoneType
from typing import Any

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from tenants.models import Company
from tenants.services import company_set_status

from . import razorpay_client
from .invoices import invoice_issue, rupees
from .models import Subscription, WebhookEvent
from .periods import period_days
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
# What a signed body may hold; anything else is refused with 400 before it is stored.
MAX_DEPTH = 20  # Razorpay's events nest about 5 deep
MAX_TIMESTAMP = 253402300799  # 9999-12-31: anything later is not a time
MAX_PAISE = 10**13
MAX_ID = 40  # the columns that keep Razorpay's ids


@dataclass(frozen=True)
class Outcome:
    status_code: int
    message: str


def _time(value: Any) -> datetime | None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_TIMESTAMP:
        return None
    return datetime.fromtimestamp(value, tz=UTC)


class Refused(Exception):
    """A signed body that is not a usable Razorpay event: answered 400 (Razorpay does not retry it) and logged."""


# ---------------------------------------------------------------- reading a body safely


def _finite_float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is not a finite number")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _parse(body: bytes) -> dict:
    try:
        data = json.loads(body, parse_float=_finite_float, parse_constant=_no_constant)
    except RecursionError:
        raise Refused("JSON nested too deep") from None
    except ValueError:  # includes a body that is not UTF-8, and integers too long to read
        raise Refused("not JSON") from None
    _check_values(data)
    return data


def _check_values(data: Any) -> None:
    """What PostgreSQL could not store (NUL characters, unpaired surrogates) or we would not read (deep nesting)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Refused(f"JSON nested deeper than {MAX_DEPTH}")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_text(value)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise Refused("a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused("an unpaired surrogate") from None


def _expect(entity: dict, where: str, key: str, kinds: tuple, *, required: bool = False) -> None:
    """entity[key] is one of `kinds` (None only if NoneType is listed; a bool is never an int)."""
    if key not in entity:
        if required:
            raise Refused(f"{where}.{key} is missing")
        return
    value = entity[key]
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise Refused(f"{where}.{key} is {type(value).__name__}")


def _check_id(entity: dict, where: str, key: str, *, required: bool = False) -> None:
    _expect(entity, where, key, (str,) if required else (str, NoneType), required=required)
    value = entity.get(key)
    if required and not value:
        raise Refused(f"{where}.{key} is empty")
    if isinstance(value, str) and len(value) > MAX_ID:
        raise Refused(f"{where}.{key} is longer than {MAX_ID}")


def _check_time(entity: dict, where: str, key: str, *, required: bool = False) -> None:
    _expect(entity, where, key, (int,) if required else (int, NoneType), required=required)
    value = entity.get(key)
    if value is not None and not 0 <= value <= MAX_TIMESTAMP:
        raise Refused(f"{where}.{key} is not a time")


def _check_shape(data: Any) -> None:
    """Every field we read has the type Razorpay documents; anything else is refused before it is stored."""
    if not isinstance(data, dict):
        raise Refused(f"the body is a {type(data).__name__}, not an object")
    _expect(data, "event", "event", (str,), required=True)
    if not data["event"]:
        raise Refused("event is empty")
    _expect(data, "event", "entity", (str,))
    _expect(data, "event", "payload", (dict,), required=True)
    _check_time(data, "event", "created_at", required=True)
    for name, wrapper in data["payload"].items():
        where = f"payload.{name}"
        if not isinstance(wrapper, dict):
            raise Refused(f"{where} is {type(wrapper).__name__}")
        _expect(wrapper, where, "entity", (dict,), required=True)
    payload = data["payload"]
    if "subscription" in payload:
        sub, where = payload["subscription"]["entity"], "subscription"
        _check_id(sub, where, "id", required=True)
        _expect(sub, where, "status", (str,))
        _check_id(sub, where, "plan_id")
        for key in ("current_start", "current_end", "ended_at", "charge_at", "start_at", "end_at"):
            _check_time(sub, where, key)
        _expect(sub, where, "notes", (dict, list, NoneType))
        if isinstance(sub.get("notes"), dict):
            _expect(sub["notes"], "subscription.notes", "company_id", (str, int, NoneType))
    if "payment" in payload:
        payment, where = payload["payment"]["entity"], "payment"
        _check_id(payment, where, "id", required=True)
        # Razorpay's amounts are integer paise; a fractional one is kept and invoices nothing (logged in _charged).
        _expect(payment, where, "amount", (int, float), required=True)
        if not 0 <= payment["amount"] <= MAX_PAISE:
            raise Refused(f"{where}.amount is out of range")
        _check_id(payment, where, "subscription_id")
        _check_id(payment, where, "invoice_id")
        _check_time(payment, where, "created_at")
        for key in ("error_description", "error_reason", "currency", "status"):
            _expect(payment, where, key, (str, NoneType))


# ---------------------------------------------------------------- receiving


def webhook_receive(*, body: bytes, signature: str, event_id: str) -> Outcome:
    if not razorpay_client.webhook_signature_valid(body=body, signature=signature):
        logger.warning("razorpay webhook with a missing or wrong signature refused")
        return Outcome(400, "invalid signature")
    digest = hashlib.sha256(body).hexdigest()
    try:
        data = _parse(body)
        _check_shape(data)
    except Refused as problem:
        logger.warning("razorpay webhook %r refused: %s (%d bytes, sha256 %s)", event_id[:64], problem, len(body),
                       digest)  # fmt: skip
        return Outcome(400, "not a Razorpay event")
    if not event_id:
        return Outcome(400, "missing x-razorpay-event-id")
    event_id = event_id[:64]
    try:
        with transaction.atomic():
            event = _store_once(event_id=event_id, digest=digest, body=body, data=data)
            if event is None:
                return Outcome(200, "already received")
            event.outcome = _apply(event, data)[:300]
            event.save(update_fields=["outcome", "company", "razorpay_subscription_id"])
    except (TypeError, AttributeError, ValueError, KeyError, OverflowError, DataError):
        # A shape _check_shape let through and our code could not use: nothing was stored (rolled back). A 500
        # would make Razorpay retry the same body for days; the traceback tells us what to fix.
        logger.exception("razorpay webhook %s %s could not be applied; refused (sha256 %s)", data["event"],
                         event_id, digest)  # fmt: skip
        return Outcome(400, "not a usable Razorpay event")
    return Outcome(200, event.outcome)


def _store_once(*, event_id: str, digest: str, body: bytes, data: dict) -> WebhookEvent | None:
    """The new event's row, or None when this event id or this very body was received before. A body replayed
    under another id gets a short row (no body, no effect) so operators can see the replay."""
    if WebhookEvent.objects.filter(event_id=event_id).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin makes this insert fail, not the transaction
            return WebhookEvent.objects.create(
                event_id=event_id, body_sha256=digest, event=data["event"][:64],
                raw_body=body.decode("utf-8", "replace"), payload=data,
                created_at_razorpay=_time(data.get("created_at")),
            )  # fmt: skip
    except IntegrityError:
        pass
    first = WebhookEvent.objects.filter(body_sha256=digest).first()
    if first is not None and first.event_id != event_id:
        logger.warning("razorpay webhook %s replays the body of %s: ignored", event_id, first.event_id)
        WebhookEvent.objects.get_or_create(
            event_id=event_id,
            defaults={"event": first.event, "company": first.company, "created_at_razorpay": first.created_at_razorpay,
                      "razorpay_subscription_id": first.razorpay_subscription_id, "raw_body": "",
                      "outcome": f"same body as event {first.event_id}: ignored"[:300]},
        )  # fmt: skip
    return None


def _entity(data: dict, name: str) -> dict:
    entity = (data["payload"].get(name) or {}).get("entity")
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
    notes = sub_entity.get("notes")
    company_id = str((notes if isinstance(notes, dict) else {}).get("company_id") or "")
    usable = company_id.isascii() and company_id.isdigit() and len(company_id) <= 18
    company = Company.objects.filter(pk=int(company_id)).first() if usable else None
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
        **_invoice_period(sub_entity),
    )  # fmt: skip
    if not created:
        return f"charge {payment_id} already invoiced as {invoice.number}"
    history_add(company=company, kind="charged", amount_paise=amount, event=event,
                message=f"Payment of {rupees(amount)} received; invoice {invoice.number}.")  # fmt: skip
    return f"invoice {invoice.number}"


def _invoice_period(sub_entity: dict) -> dict:
    """The charged period's days as the billing page shows them (not the UTC dates of Razorpay's moments)."""
    days = period_days(_time(sub_entity.get("current_start")), _time(sub_entity.get("current_end")))
    return {"period_start": days[0], "period_end": days[1]} if days else {}


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
