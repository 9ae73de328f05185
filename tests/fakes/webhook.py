"""A fake receiver of Elettro's generic webhooks, checking each request as a careful receiver would: a JSON body
whose `X-Elettro-Signature` is the HMAC-SHA256 (hex) of the raw body with the shared secret, else 401
"bad signature"; a missing or malformed body is 400.

Accepted payloads are kept in `received`. `fail_next` makes the next request get an outage (500), a rate limit
(429 with Retry-After) or a refusal (401), whatever it carries.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from .http import FakeHTTPServer, RecordedRequest, Reply

PATH = "/hooks/elettro"
SECRET = "whsec-local-fake-0123456789abcdef"
_SAID = {500: "upstream down", 429: "slow down", 401: "unauthorized"}


class FakeWebhook(FakeHTTPServer):
    def __init__(self, *, secret: str = SECRET) -> None:
        super().__init__()
        self.secret = secret
        self.received: list[dict[str, Any]] = []

    @property
    def hook_url(self) -> str:
        return self.url + PATH

    def fail_next(self, status: int, *, retry_after: int | None = None, body: str = "") -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.queue_reply(Reply(status, body or _SAID.get(status, "refused"), headers=headers))

    def respond(self, request: RecordedRequest) -> Reply:
        if request.method != "POST" or request.path != PATH:
            return Reply(404, "not found")
        expected = hmac.new(self.secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Elettro-Signature", "")):
            return Reply(401, "bad signature")
        if request.content_type != "application/json" or not isinstance(request.json, dict):
            return Reply(400, "expected a JSON object")
        self.received.append(request.json)
        return Reply(200, {"ok": True})
