"""Clients for the services that carry reports and alerts out of Elettro, and the one interface both send through.

- `send`: `Message`, `ChannelConfig` and `send(kind, target, message, config=...)`, dispatching to the clients below.
- `email`: Django's mail backend, with a PDF attachment and an optional HTML body.
- `slack`: an incoming webhook, or a bot token posting messages and files through the Web API.
- `whatsapp`: the WhatsApp Cloud API, uploading a PDF and sending it as a document or a template message.
- `webhook`: a company's own URL, sent signed JSON (HMAC-SHA256 of the body, as Razorpay signs ours).

Every failure is a `ChannelError` whose message a manager can read and whose `retryable` flag the scheduler obeys.
"""

from .errors import ChannelError

__all__ = ["ChannelError"]
