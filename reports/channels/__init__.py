"""Clients for the services that carry reports and alerts out of Elettro.

- `email`: Django's mail backend, with a PDF attachment and an optional HTML body.
- `slack`: an incoming webhook, or a bot token posting messages and files through the Web API.
- `whatsapp`: the WhatsApp Cloud API, uploading a PDF and sending it as a document or a template message.

Every failure is a `ChannelError` whose message a manager can read and whose `retryable` flag the scheduler obeys.
"""

from .errors import ChannelError

__all__ = ["ChannelError"]
