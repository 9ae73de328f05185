"""A fake Razorpay API holding plans and subscriptions, checking requests the way Razorpay documents them, and
able to play Checkout (a payment and its `razorpay_signature`) and Razorpay's servers (signed webhooks).

- Every call needs HTTP Basic auth with the key id and secret, else 401 with Razorpay's error body.
- Errors are `{"error": {"code": "BAD_REQUEST_ERROR", "description": ..., "source", "step", "reason",
  "metadata", "field"}}` with status 400 (the official client turns them into BadRequestError).
- POST /v1/plans: period daily|weekly|monthly|yearly, integer interval, item with name and integer amount
  (paise, at least 100) and currency.
- GET /v1/plans/:id; POST /v1/subscriptions (known plan_id, integer total_count); GET /v1/subscriptions/:id;
  POST /v1/subscriptions/:id/cancel (cancel_at_cycle_end 0|1; not twice); PATCH /v1/subscriptions/:id (only
  authenticated or active subscriptions; plan_id and schedule_change_at now|cycle_end).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from .http import FakeHTTPServer, RecordedRequest, Reply

KEY_ID = "rzp_test_FAKEKEY00001"
KEY_SECRET = "fake-key-secret-0123456789"
WEBHOOK_SECRET = "fake-webhook-secret-abcdef"


def _error(description: str, *, field: str | None = None, status: int = 400) -> Reply:
    return Reply(status, {"error": {"code": "BAD_REQUEST_ERROR", "description": description, "source": "business",
                                    "step": "payment_initiation", "reason": "input_validation_failed",
                                    "metadata": {}, "field": field}})  # fmt: skip


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class FakeRazorpay(FakeHTTPServer):
    def __init__(self, *, key_id: str = KEY_ID, key_secret: str = KEY_SECRET,
                 webhook_secret: str = WEBHOOK_SECRET) -> None:  # fmt: skip
        super().__init__()
        self.key_id, self.key_secret, self.webhook_secret = key_id, key_secret, webhook_secret
        self.plans: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.clock = int(time.time())

    # ------------------------------------------------------------ the API

    def respond(self, request: RecordedRequest) -> Reply:
        if not self._authorised(request):
            return _error("The api key provided is invalid", status=401)
        parts = request.path.strip("/").split("/")
        if parts[:1] != ["v1"]:
            return _error("The requested URL was not found on the server.", status=404)
        body = request.json if isinstance(request.json, dict) else {}
        match request.method, parts[1:]:
            case "POST", ["plans"]:
                return self._plan_create(body)
            case "GET", ["plans", plan_id]:
                return (
                    Reply(200, self.plans[plan_id])
                    if plan_id in self.plans
                    else _error("The id provided does not exist")
                )
            case "POST", ["subscriptions"]:
                return self._subscription_create(body)
            case "GET", ["subscriptions", sub_id]:
                return (
                    Reply(200, self.subscriptions[sub_id])
                    if sub_id in self.subscriptions
                    else _error("The id provided does not exist")
                )
            case "POST", ["subscriptions", sub_id, "cancel"]:
                return self._cancel(sub_id, body)
            case "PATCH", ["subscriptions", sub_id]:
                return self._update(sub_id, body)
        return _error("The requested URL was not found on the server.", status=404)

    def _authorised(self, request: RecordedRequest) -> bool:
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Basic":
            return False
        try:
            key_id, _, secret = base64.b64decode(credentials).decode().partition(":")
        except ValueError:
            return False
        return key_id == self.key_id and secret == self.key_secret

    def _plan_create(self, body: dict) -> Reply:
        item = body.get("item")
        if body.get("period") not in ("daily", "weekly", "monthly", "yearly"):
            return _error("The period field is invalid.", field="period")
        if not isinstance(body.get("interval"), int) or isinstance(body.get("interval"), bool):
            return _error("The interval must be an integer.", field="interval")
        if not isinstance(item, dict) or not item.get("name"):
            return _error("The item name field is required.", field="item.name")
        amount = item.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 100:
            return _error("The amount must be an integer of at least 100.", field="item.amount")
        if item.get("currency") != "INR":
            return _error("The currency field is invalid.", field="item.currency")
        plan = {"id": f"plan_{secrets.token_hex(7)}", "entity": "plan", "interval": body["interval"],
                "period": body["period"], "item": {"id": f"item_{secrets.token_hex(7)}", "active": True, **item},
                "notes": body.get("notes") or {}, "created_at": self.clock}  # fmt: skip
        self.plans[plan["id"]] = plan
        return Reply(200, plan)

    def _subscription_create(self, body: dict) -> Reply:
        if body.get("plan_id") not in self.plans:
            return _error("The id provided does not exist", field="plan_id")
        total = body.get("total_count")
        if not isinstance(total, int) or isinstance(total, bool) or total < 1:
            return _error("The total count field is required.", field="total_count")
        sub = {"id": f"sub_{secrets.token_hex(7)}", "entity": "subscription", "plan_id": body["plan_id"],
               "status": "created", "current_start": None, "current_end": None, "ended_at": None,
               "quantity": body.get("quantity", 1), "notes": body.get("notes") or {}, "charge_at": None,
               "start_at": None, "end_at": None, "auth_attempts": 0, "total_count": total, "paid_count": 0,
               "customer_notify": bool(body.get("customer_notify", 1)), "created_at": self.clock,
               "expire_by": None, "short_url": "https://rzp.io/i/fake", "has_scheduled_changes": False,
               "change_scheduled_at": None, "source": "api", "remaining_count": total}  # fmt: skip
        self.subscriptions[sub["id"]] = sub
        return Reply(200, sub)

    def _cancel(self, sub_id: str, body: dict) -> Reply:
        sub = self.subscriptions.get(sub_id)
        if sub is None:
            return _error("The id provided does not exist")
        if sub["status"] in ("cancelled", "completed", "expired"):
            return _error(f"Subscription is not cancellable in {sub['status']} status.")
        if body.get("cancel_at_cycle_end") not in (0, 1, None):
            return _error("The cancel at cycle end field is invalid.", field="cancel_at_cycle_end")
        if body.get("cancel_at_cycle_end") == 1 and sub["status"] == "active":
            sub["has_scheduled_changes"] = True
            sub["change_scheduled_at"] = sub["current_end"]
        else:
            sub.update(status="cancelled", ended_at=self.clock)
        return Reply(200, sub)

    def _update(self, sub_id: str, body: dict) -> Reply:
        sub = self.subscriptions.get(sub_id)
        if sub is None:
            return _error("The id provided does not exist")
        if sub["status"] not in ("authenticated", "active"):
            return _error(f"Subscription cannot be updated in {sub['status']} state.")
        if body.get("plan_id") not in self.plans:
            return _error("The id provided does not exist", field="plan_id")
        if body.get("schedule_change_at", "now") not in ("now", "cycle_end"):
            return _error("The schedule change at field is invalid.", field="schedule_change_at")
        if body.get("schedule_change_at", "now") == "now":
            sub["plan_id"] = body["plan_id"]
        else:
            sub.update(has_scheduled_changes=True, change_scheduled_at=sub["current_end"])
        return Reply(200, sub)

    # ------------------------------------------------------------ Checkout and Razorpay's servers

    def tick(self, seconds: int = 1) -> int:
        self.clock += seconds
        return self.clock

    def checkout_pay(self, sub_id: str) -> dict[str, str]:
        """What Checkout's handler receives after the first payment."""
        sub = self.subscriptions[sub_id]
        payment_id = f"pay_{secrets.token_hex(7)}"
        sub.update(status="authenticated", auth_attempts=1)
        self.last_payment_id = payment_id
        return {"razorpay_payment_id": payment_id, "razorpay_subscription_id": sub_id,
                "razorpay_signature": sign(self.key_secret, f"{payment_id}|{sub_id}".encode())}  # fmt: skip

    def payment(self, sub_id: str, *, payment_id: str | None = None, status: str = "captured",
                amount: int | None = None) -> dict[str, Any]:  # fmt: skip
        sub = self.subscriptions[sub_id]
        return {"id": payment_id or f"pay_{secrets.token_hex(7)}", "entity": "payment",
                "amount": self.plans[sub["plan_id"]]["item"]["amount"] if amount is None else amount,
                "currency": "INR", "status": status, "invoice_id": f"inv_{secrets.token_hex(7)}",
                "method": "card", "captured": status == "captured", "created_at": self.clock,
                "error_code": None if status == "captured" else "BAD_REQUEST_ERROR",
                "error_description": None if status == "captured" else "Your card was declined."}  # fmt: skip

    def event(self, name: str, sub_id: str | None = None, *, status: str | None = None,
              payment: dict | None = None, at: int | None = None, **changes: Any) -> dict[str, Any]:  # fmt: skip
        """A webhook body for `name`, moving the stored subscription to `status` first (as Razorpay does)."""
        payload: dict[str, Any] = {}
        if sub_id is not None:
            sub = self.subscriptions[sub_id]
            if status is not None:
                sub["status"] = status
            if status == "active" and sub["current_start"] is None:
                sub.update(current_start=self.clock, current_end=self.clock + 30 * 86400)
            sub.update(changes)
            payload["subscription"] = {"entity": dict(sub)}
        if payment is not None:
            payload["payment"] = {"entity": payment}
        return {"entity": "event", "account_id": "acc_FAKE000001", "event": name, "contains": list(payload),
                "payload": payload, "created_at": self.clock if at is None else at}  # fmt: skip

    def signed(self, event: dict[str, Any], *, event_id: str | None = None) -> tuple[bytes, dict[str, str]]:
        """The bytes and headers Razorpay's servers send for `event`."""
        body = json.dumps(event).encode()
        return body, {"X-Razorpay-Signature": sign(self.webhook_secret, body),
                      "X-Razorpay-Event-Id": event_id or f"evt_{secrets.token_hex(8)}"}  # fmt: skip

    def signed_bytes(self, body: bytes) -> str:
        return sign(self.webhook_secret, body)

    def deliver(self, url: str, event: dict[str, Any], *, event_id: str | None = None):
        """POST a signed webhook to `url` over HTTP (a live server)."""
        import requests

        body, headers = self.signed(event, event_id=event_id)
        return requests.post(url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=20)
