"""Signed webhooks that are not usable events are answered 400 and logged, never 500 (Razorpay would retry a 500
for days), and the same signed body replayed under a new event id changes nothing."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging

import pytest

from billing.models import HistoryEntry, Invoice, Subscription, WebhookEvent

from .conftest import WEBHOOK

pytestmark = pytest.mark.django_db


def _post(client, settings, body: bytes, event_id: str):
    """Exactly what Razorpay's servers send: the raw body, its HMAC-SHA256 hex with the webhook secret, an id."""
    signature = hmac.new(settings.RAZORPAY_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(WEBHOOK, data=body, content_type="application/json", HTTP_X_RAZORPAY_SIGNATURE=signature,
                       HTTP_X_RAZORPAY_EVENT_ID=event_id)  # fmt: skip


def _state(company) -> tuple:
    """Everything a webhook could change: its own rows, the history, invoices, the subscription."""
    return (
        WebhookEvent.objects.count(),
        list(HistoryEntry.objects.filter(company=company).values_list("pk", flat=True)),
        list(Invoice.objects.values_list("pk", "total_paise")),
        Subscription.objects.filter(company=company).values().get(),
    )


def _set(path: str, value):
    def change(event: dict) -> None:
        *parents, last = path.split(".")
        target = event
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def _drop(path: str):
    def change(event: dict) -> None:
        *parents, last = path.split(".")
        target = event
        for key in parents:
            target = target[key]
        del target[last]

    return change


WRONG = {
    "payload is a string": _set("payload", "x"),
    "payload is a list": _set("payload", ["subscription"]),
    "amount is a string": _set("payload.payment.entity.amount", "589882"),
    "amount is a bool": _set("payload.payment.entity.amount", True),
    "amount is negative": _set("payload.payment.entity.amount", -1),
    "event entity is a number": _set("entity", 5),
    "subscription entity is a number": _set("payload.subscription.entity", 5),
    "payment entity is a string": _set("payload.payment.entity", "pay_x"),
    "payment wrapper is a string": _set("payload.payment", "x"),
    "subscription id is a number": _set("payload.subscription.entity.id", 12345),
    "subscription id is too long": _set("payload.subscription.entity.id", "sub_" + "x" * 100),
    "payment id is a dict": _set("payload.payment.entity.id", {"id": "pay_1"}),
    "status is a list": _set("payload.subscription.entity.status", ["active"]),
    "notes is a string": _set("payload.subscription.entity.notes", "company 1"),
    "created_at is a string": _set("created_at", "yesterday"),
    "created_at past year 9999": _set("created_at", 10**20),
    "current_end is a float": _set("payload.subscription.entity.current_end", 1.5e9),
    "event is a number": _set("event", 7),
    "event is missing": _drop("event"),
    "payload is missing": _drop("payload"),
    "created_at is missing": _drop("created_at"),
    "subscription id is missing": _drop("payload.subscription.entity.id"),
    "payment id is missing": _drop("payload.payment.entity.id"),
    "amount is missing": _drop("payload.payment.entity.amount"),
    "NUL in a string": _set("payload.subscription.entity.plan_id", "plan_\x00"),
    "unpaired surrogate": _set("payload.subscription.entity.status", "\ud800"),
}


@pytest.mark.parametrize("change", WRONG.values(), ids=WRONG.keys())
def test_a_signed_event_with_wrong_types_is_400_and_logged(subscribed, razorpay, public_client, settings, caplog,
                                                           change):  # fmt: skip
    company, _, sub_id = subscribed()
    razorpay.checkout_pay(sub_id)
    event = copy.deepcopy(
        razorpay.event("subscription.charged", sub_id, status="active", payment=razorpay.payment(sub_id))
    )
    change(event)
    body = json.dumps(event).encode()
    before = _state(company)

    with caplog.at_level(logging.WARNING, logger="billing.webhooks"):
        response = _post(public_client, settings, body, "evt_wrong_types_01")

    assert response.status_code == 400, response.content
    assert "refused" in caplog.text and "evt_wrong_types_01" in caplog.text
    assert _state(company) == before


BODIES = {
    "not an object": b"[1, 2, 3]",
    "null": b"null",
    "a string": b'"subscription.charged"',
    "NaN": b'{"event": "subscription.charged", "payload": {}, "created_at": NaN}',
    "Infinity": b'{"event": "subscription.charged", "payload": {}, "created_at": 1e999}',
    "an integer too long to read": b'{"event": "x", "payload": {}, "created_at": ' + b"9" * 5000 + b"}",
    "not UTF-8": b'{"event": "\xff\xfe", "payload": {}, "created_at": 1}',
    "empty": b"",
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_a_signed_body_that_is_not_an_event_is_400(subscribed, razorpay, public_client, settings, body):
    company, _, _ = subscribed()
    before = _state(company)

    response = _post(public_client, settings, body, "evt_not_an_event_1")

    assert response.status_code == 400
    assert _state(company) == before


@pytest.mark.parametrize("depth", [5000, 100_000, 25])
def test_json_nested_absurdly_deep_is_400_not_500(subscribed, razorpay, public_client, settings, caplog, depth):
    company, _, sub_id = subscribed()
    event = razorpay.event("subscription.activated", sub_id, status="active")
    # Deep inside the notes of an otherwise valid event: json.loads would raise RecursionError at 5,000.
    nested = "[" * depth + "]" * depth
    body = json.dumps(event).replace('"notes": {', f'"notes": {{"deep": {nested}, ', 1).encode()
    assert b'"deep": [[[' in body
    before = _state(company)

    with caplog.at_level(logging.WARNING, logger="billing.webhooks"):
        response = _post(public_client, settings, body, f"evt_deep_{depth}")

    assert response.status_code == 400
    assert "nested" in caplog.text
    assert _state(company) == before


def test_empty_notes_as_razorpay_sends_them_are_accepted(subscribed, razorpay, public_client, settings):
    company, _, sub_id = subscribed()
    event = razorpay.event("subscription.activated", sub_id, status="active", at=razorpay.tick())
    event["payload"]["subscription"]["entity"]["notes"] = []  # Razorpay's empty notes are a JSON array

    response = _post(public_client, settings, json.dumps(event).encode(), "evt_empty_notes_1")

    assert response.status_code == 200
    assert Subscription.objects.get(company=company).status == "active"


def test_a_charge_replayed_under_a_new_event_id_changes_nothing(subscribed, razorpay, public_client, settings):
    company, _, sub_id = subscribed()
    razorpay.checkout_pay(sub_id)
    event = razorpay.event("subscription.charged", sub_id, status="active", payment=razorpay.payment(sub_id))
    body = json.dumps(event).encode()
    assert _post(public_client, settings, body, "evt_original_0001").status_code == 200
    before = _state(company)

    replay = _post(public_client, settings, body, "evt_replayed_0002")

    assert replay.status_code == 200 and replay.json() == {"status": "already received"}
    webhook_rows, *effects = _state(company)
    assert tuple(effects) == before[1:] and webhook_rows == before[0] + 1  # the replay's short row, nothing else
    assert len(before[2]) == 1  # the one invoice, for the one payment
    replayed = WebhookEvent.objects.get(event_id="evt_replayed_0002")
    assert replayed.outcome == "same body as event evt_original_0001: ignored"
    assert replayed.raw_body == "" and replayed.payload == {} and replayed.body_sha256 is None
    assert WebhookEvent.objects.get(event_id="evt_original_0001").body_sha256 == hashlib.sha256(body).hexdigest()


def test_a_failed_payment_replayed_under_new_ids_adds_no_history_line(subscribed, razorpay, public_client, settings):
    company, _, sub_id = subscribed()
    payment = razorpay.payment(sub_id, status="failed") | {"subscription_id": sub_id}
    body = json.dumps(razorpay.event("payment.failed", None, payment=payment)).encode()

    responses = [_post(public_client, settings, body, f"evt_failed_{n:04d}") for n in range(5)]

    assert [r.status_code for r in responses] == [200] * 5
    assert HistoryEntry.objects.filter(company=company, kind="payment_failed").count() == 1
    assert WebhookEvent.objects.exclude(outcome__startswith="same body as").count() == 1


def test_a_state_change_replayed_under_a_new_id_after_a_newer_one_does_not_bring_it_back(
    subscribed, razorpay, public_client, settings
):
    company, _, sub_id = subscribed()
    halted = json.dumps(razorpay.event("subscription.halted", sub_id, status="halted", at=razorpay.tick())).encode()
    assert _post(public_client, settings, halted, "evt_halted_000001").status_code == 200
    activated = razorpay.event("subscription.activated", sub_id, status="active", at=razorpay.tick())
    assert _post(public_client, settings, json.dumps(activated).encode(), "evt_active_000001").status_code == 200
    lines = HistoryEntry.objects.filter(company=company).count()

    assert _post(public_client, settings, halted, "evt_halted_000002").status_code == 200

    assert Subscription.objects.get(company=company).status == "active"
    assert HistoryEntry.objects.filter(company=company).count() == lines


def test_a_shape_the_checks_let_through_but_the_code_cannot_use_is_400_and_stores_nothing(
    subscribed, razorpay, public_client, settings, caplog, monkeypatch
):
    from billing import webhooks

    company, _, sub_id = subscribed()

    def breaks(event, data):
        return data["payload"]["subscription"]["entity"]["nothing-here"]  # KeyError, as a code bug would

    monkeypatch.setattr(webhooks, "_apply", breaks)
    event = razorpay.event("subscription.activated", sub_id, status="active", at=razorpay.tick())
    before = _state(company)

    with caplog.at_level(logging.ERROR, logger="billing.webhooks"):
        response = _post(public_client, settings, json.dumps(event).encode(), "evt_code_cannot_1")

    assert response.status_code == 400
    assert "could not be applied" in caplog.text
    assert _state(company) == before
