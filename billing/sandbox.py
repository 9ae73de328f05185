"""Sandbox mode: an in-process stand-in for Razorpay, used only when no RAZORPAY_* keys are set (`make run` on a
fresh machine) and never in production (settings.BILLING_SANDBOX_ALLOWED).

It answers the same calls as razorpay_client.RazorpayGateway with entities shaped like Razorpay's, keeps its
subscriptions in the shared cache so web and worker processes agree, and after a simulated payment sends
correctly signed webhooks to our own public webhook URL, from a background thread after the request commits,
as Razorpay would send them: asynchronously, a moment later. Nothing here is trusted more than real Razorpay:
the webhook view verifies the sandbox's signatures with the sandbox's secret exactly as it would the real ones.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.core.cache import caches
from django.db import transaction

from elettro import outbound
from tenants.urls_util import public_url

from .razorpay_client import PaymentGatewayError, hmac_sha256

logger = logging.getLogger(__name__)
KEEP_SECONDS = 90 * 24 * 3600


def _add_period(start: int, period: str) -> int:
    moment = datetime.fromtimestamp(start, tz=UTC)
    months = 12 if period == "yearly" else 1
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


class SandboxRazorpay:
    key_id = "rzp_test_sandbox"

    def _derived(self, purpose: str) -> str:
        # Stable across processes and restarts, unguessable without SECRET_KEY.
        return hmac.new(settings.SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]

    @property
    def key_secret(self) -> str:
        return self._derived("razorpay-sandbox-key-secret")

    @property
    def webhook_secret(self) -> str:
        return self._derived("razorpay-sandbox-webhook-secret")

    # ------------------------------------------------------------ storage

    def _get(self, kind: str, entity_id: str) -> dict[str, Any]:
        entity = caches["shared"].get(f"razorpay-sandbox:{kind}:{entity_id}")
        if entity is None:
            raise PaymentGatewayError("Razorpay refused this: The id provided does not exist", code="gateway_refused")
        return entity

    def _put(self, kind: str, entity: dict[str, Any]) -> dict[str, Any]:
        caches["shared"].set(f"razorpay-sandbox:{kind}:{entity['id']}", entity, KEEP_SECONDS)
        return entity

    # ------------------------------------------------------------ the API calls we make

    def plan_create(self, *, period: str, amount_paise: int, name: str, description: str,
                    notes: dict[str, str]) -> dict[str, Any]:  # fmt: skip
        return self._put("plan", {
            "id": f"plan_sbx{secrets.token_hex(6)}", "entity": "plan", "interval": 1, "period": period,
            "item": {"name": name, "amount": int(amount_paise), "currency": "INR", "description": description},
            "notes": notes, "created_at": int(time.time()),
        })  # fmt: skip

    def subscription_create(self, *, plan_id: str, total_count: int, notes: dict[str, str]) -> dict[str, Any]:
        self._get("plan", plan_id)
        now = int(time.time())
        sub_id = f"sub_sbx{secrets.token_hex(6)}"
        return self._put("subscription", {
            "id": sub_id, "entity": "subscription", "plan_id": plan_id, "status": "created",
            "current_start": None, "current_end": None, "ended_at": None, "quantity": 1, "notes": notes,
            "charge_at": None, "start_at": None, "end_at": None, "auth_attempts": 0, "total_count": total_count,
            "paid_count": 0, "customer_notify": True, "created_at": now, "expire_by": None,
            "short_url": public_url("/"), "has_scheduled_changes": False, "change_scheduled_at": None,
            "source": "api", "remaining_count": total_count,
        })  # fmt: skip

    def subscription_fetch(self, subscription_id: str) -> dict[str, Any]:
        return self._get("subscription", subscription_id)

    def subscription_cancel(self, subscription_id: str, *, at_cycle_end: bool) -> dict[str, Any]:
        sub = self._get("subscription", subscription_id)
        if sub["status"] in ("cancelled", "completed", "expired"):
            raise PaymentGatewayError(f"Razorpay refused this: Subscription is not cancellable in {sub['status']} "
                                      "status.", code="gateway_refused")  # fmt: skip
        if at_cycle_end and sub["status"] == "active":
            sub["has_scheduled_changes"] = True  # Razorpay sends subscription.cancelled at the period's end
            return self._put("subscription", sub)
        sub.update(status="cancelled", ended_at=int(time.time()))
        self._put("subscription", sub)
        self._send_after_commit([self._event("subscription.cancelled", sub)])
        return sub

    def subscription_update(self, subscription_id: str, *, plan_id: str, schedule_change_at: str) -> dict[str, Any]:
        sub = self._get("subscription", subscription_id)
        self._get("plan", plan_id)
        if sub["status"] not in ("authenticated", "active"):
            raise PaymentGatewayError("Razorpay refused this: Subscription cannot be updated in this state.",
                                      code="gateway_refused")  # fmt: skip
        if schedule_change_at == "now":
            sub["plan_id"] = plan_id
        else:
            sub.update(has_scheduled_changes=True, change_scheduled_at=sub["current_end"])
        return self._put("subscription", sub)

    # ------------------------------------------------------------ what Checkout and Razorpay's servers do

    def checkout_pay(self, subscription_id: str) -> tuple[str, str]:
        """A successful first payment: the subscription authenticates, activates and is charged, and Checkout's
        handler gets the payment id and its signature."""
        sub = self._get("subscription", subscription_id)
        plan = self._get("plan", sub["plan_id"])
        now = int(time.time())
        payment = self._payment(sub, plan, now, status="captured")
        sub.update(status="authenticated", auth_attempts=1)
        events = [self._event("subscription.authenticated", sub, now=now)]
        sub.update(status="active", current_start=now, current_end=_add_period(now, plan["period"]),
                   charge_at=_add_period(now, plan["period"]), start_at=now, paid_count=sub["paid_count"] + 1,
                   remaining_count=sub["total_count"] - sub["paid_count"] - 1)  # fmt: skip
        # Razorpay does not promise an order; charging before activating means the page that sees "active"
        # already has the invoice.
        events.append(self._event("subscription.charged", sub, payment=payment, now=now))
        events.append(self._event("subscription.activated", sub, now=now))
        self._put("subscription", sub)
        self._send_after_commit(events)
        signature = hmac_sha256(self.key_secret, f"{payment['id']}|{subscription_id}".encode())
        return payment["id"], signature

    def checkout_fail(self, subscription_id: str) -> None:
        sub = self._get("subscription", subscription_id)
        plan = self._get("plan", sub["plan_id"])
        payment = self._payment(sub, plan, int(time.time()), status="failed")
        payment.update(error_code="BAD_REQUEST_ERROR", error_description="Payment declined by the bank (sandbox).",
                       error_reason="payment_failed")  # fmt: skip
        self._send_after_commit([self._event("payment.failed", None, payment=payment)])

    def _payment(self, sub: dict, plan: dict, now: int, *, status: str) -> dict[str, Any]:
        return {
            "id": f"pay_sbx{secrets.token_hex(6)}", "entity": "payment", "amount": plan["item"]["amount"],
            "currency": "INR", "status": status, "order_id": None, "invoice_id": f"inv_sbx{secrets.token_hex(6)}",
            "subscription_id": sub["id"], "international": False, "method": "card", "amount_refunded": 0,
            "captured": status == "captured", "description": plan["item"]["name"], "email": "", "contact": "",
            "notes": sub["notes"], "fee": 0, "tax": 0, "error_code": None, "error_description": None,
            "created_at": now,
        }  # fmt: skip

    def _event(self, name: str, sub: dict | None, *, payment: dict | None = None, now: int | None = None) -> dict:
        payload: dict[str, Any] = {}
        contains = []
        if sub is not None:
            payload["subscription"] = {"entity": dict(sub)}
            contains.append("subscription")
        if payment is not None:
            payload["payment"] = {"entity": dict(payment)}
            contains.append("payment")
        return {"entity": "event", "account_id": "acc_sandbox", "event": name, "contains": contains,
                "payload": payload, "created_at": now or int(time.time())}  # fmt: skip

    def _send_after_commit(self, events: list[dict]) -> None:
        transaction.on_commit(lambda: threading.Thread(target=self.send, args=(events,), daemon=True).start())

    def send(self, events: list[dict]) -> None:
        """POST each event to our webhook, signed, one after another, as Razorpay's servers would."""
        url = public_url("/billing/razorpay/webhook/")
        for event in events:
            body = json.dumps(event).encode()
            headers = {"Content-Type": "application/json", "X-Razorpay-Event-Id": f"evt_sbx{secrets.token_hex(8)}",
                       "X-Razorpay-Signature": hmac_sha256(self.webhook_secret, body)}  # fmt: skip
            try:
                # Our own site (OWN_SITE: exactly SITE_SCHEME://BASE_DOMAIN:SITE_PORT), through elettro.outbound.
                response = outbound.post(url, hosts=outbound.OWN_SITE, data=body, headers=headers)
                logger.info("sandbox webhook %s -> %s", event["event"], response.status_code)
            except requests.RequestException as error:
                logger.warning("sandbox webhook %s not delivered: %s", event["event"], error)


SANDBOX = SandboxRazorpay()
