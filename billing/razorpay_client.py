"""Every call to Razorpay goes through here, with the official `razorpay` client.

Keys come from the environment (settings.RAZORPAY_*), the API address from RAZORPAY_API_BASE_URL so tests can
point it at the fake in tests/fakes/razorpay.py. With no keys (and where settings allow it) the in-process
stand-in from billing/sandbox.py answers instead, so `make run` works offline.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any, Protocol

import razorpay
import requests
from django.conf import settings
from razorpay.errors import BadRequestError, GatewayError, ServerError

from elettro import outbound
from elettro.kernel.errors import ApplicationError

logger = logging.getLogger(__name__)


class PaymentGatewayError(ApplicationError):
    """Razorpay refused or could not be reached; the message is one an owner can act on."""


class Gateway(Protocol):
    key_id: str

    def plan_create(self, *, period: str, amount_paise: int, name: str, description: str,
                    notes: dict[str, str]) -> dict[str, Any]: ...  # fmt: skip

    def subscription_create(self, *, plan_id: str, total_count: int, notes: dict[str, str]) -> dict[str, Any]: ...

    def subscription_fetch(self, subscription_id: str) -> dict[str, Any]: ...

    def subscription_cancel(self, subscription_id: str, *, at_cycle_end: bool) -> dict[str, Any]: ...

    def subscription_update(self, subscription_id: str, *, plan_id: str, schedule_change_at: str) -> dict[str, Any]: ...


def sandbox_active() -> bool:
    """The stand-in is used only when no real keys are set and the environment allows it (never production)."""
    has_keys = bool(settings.RAZORPAY_KEY_ID and settings.RAZORPAY_KEY_SECRET)
    return not has_keys and settings.BILLING_SANDBOX_ALLOWED


def key_secret() -> str:
    if sandbox_active():
        from .sandbox import SANDBOX

        return SANDBOX.key_secret
    return settings.RAZORPAY_KEY_SECRET


def webhook_secret() -> str:
    if sandbox_active():
        from .sandbox import SANDBOX

        return SANDBOX.webhook_secret
    return settings.RAZORPAY_WEBHOOK_SECRET


def gateway() -> Gateway:
    if sandbox_active():
        from .sandbox import SANDBOX

        return SANDBOX
    if not (settings.RAZORPAY_KEY_ID and settings.RAZORPAY_KEY_SECRET):
        raise PaymentGatewayError("Payments are not set up on this server yet. Please contact support.")
    return RazorpayGateway(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET, settings.RAZORPAY_API_BASE_URL)


def hmac_sha256(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(*, secret: str, message: bytes, signature: str) -> bool:
    """Constant-time comparison; an empty secret never verifies anything."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(hmac_sha256(secret, message), signature)


def checkout_signature_valid(*, payment_id: str, subscription_id: str, signature: str) -> bool:
    """Checkout's `razorpay_signature` for a subscription: HMAC-SHA256(key secret, "payment_id|subscription_id")."""
    return signature_matches(
        secret=key_secret(), message=f"{payment_id}|{subscription_id}".encode(), signature=signature
    )


def webhook_signature_valid(*, body: bytes, signature: str) -> bool:
    """`X-Razorpay-Signature`: HMAC-SHA256 of the raw body with the webhook secret."""
    return signature_matches(secret=webhook_secret(), message=body, signature=signature)


def _razorpay_session() -> outbound.Session:
    """The razorpay client sets no timeout of its own; through elettro.outbound a hung API cannot hang a web worker
    (OUTBOUND_CONNECT_TIMEOUT_SECONDS / OUTBOUND_READ_TIMEOUT_SECONDS), and only api.razorpay.com is reached, at
    a vetted public address, with no redirects and a capped answer."""
    return outbound.Session(outbound.RAZORPAY_HOSTS)


class RazorpayGateway:
    def __init__(self, key_id: str, key_secret: str, base_url: str) -> None:
        self.key_id = key_id
        self._client = razorpay.Client(session=_razorpay_session(), auth=(key_id, key_secret), base_url=base_url)
        self._client.set_app_details({"title": "Elettro", "version": "1"})

    def _call(self, what: str, function, *args, **kwargs) -> dict[str, Any]:
        try:
            return function(*args, **kwargs)
        except outbound.URLRefused as error:  # RAZORPAY_API_BASE_URL is not api.razorpay.com: a setup mistake
            logger.error("razorpay address refused for %s: %s", what, error.reason)
            raise PaymentGatewayError(
                "Payments are not set up correctly on this server. Please contact support.", code="gateway_refused_url"
            ) from error
        except BadRequestError as error:
            logger.warning("razorpay refused %s: %s", what, error)
            raise PaymentGatewayError(f"Razorpay refused this: {error}", code="gateway_refused") from error
        except (GatewayError, ServerError, ValueError) as error:
            logger.warning("razorpay failed %s: %s", what, error)
            raise PaymentGatewayError(
                "Razorpay could not be reached just now. Nothing was charged; please try again in a few minutes.",
                code="gateway_down",
            ) from error
        except requests.RequestException as error:
            logger.warning("razorpay unreachable for %s: %s", what, error)
            raise PaymentGatewayError(
                "Razorpay could not be reached just now. Nothing was charged; please try again in a few minutes.",
                code="gateway_down",
            ) from error

    def plan_create(self, *, period: str, amount_paise: int, name: str, description: str,
                    notes: dict[str, str]) -> dict[str, Any]:  # fmt: skip
        data = {
            "period": period, "interval": 1, "notes": notes,
            "item": {"name": name, "amount": int(amount_paise), "currency": "INR", "description": description},
        }  # fmt: skip
        return self._call("plan create", self._client.plan.create, data)

    def subscription_create(self, *, plan_id: str, total_count: int, notes: dict[str, str]) -> dict[str, Any]:
        data = {"plan_id": plan_id, "total_count": total_count, "quantity": 1, "customer_notify": 1, "notes": notes}
        return self._call("subscription create", self._client.subscription.create, data)

    def subscription_fetch(self, subscription_id: str) -> dict[str, Any]:
        return self._call("subscription fetch", self._client.subscription.fetch, subscription_id)

    def subscription_cancel(self, subscription_id: str, *, at_cycle_end: bool) -> dict[str, Any]:
        data = {"cancel_at_cycle_end": 1 if at_cycle_end else 0}
        return self._call("subscription cancel", self._client.subscription.cancel, subscription_id, data)

    def subscription_update(self, subscription_id: str, *, plan_id: str, schedule_change_at: str) -> dict[str, Any]:
        data = {"plan_id": plan_id, "schedule_change_at": schedule_change_at, "customer_notify": 1}
        return self._call("subscription update", self._client.subscription.edit, subscription_id, data)
