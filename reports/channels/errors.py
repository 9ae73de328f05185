"""The one failure type every delivery channel raises, so the scheduler and the delivery history need not know
which service failed or how."""

from __future__ import annotations

import requests

from elettro import outbound


class ChannelError(Exception):
    """A delivery that did not happen.

    `message` is shown to managers on the delivery history, so it names the service and what to fix, and never
    carries a token or a webhook URL. `retryable` tells the scheduler whether trying again later can help (a
    timeout or a rate limit) or only wastes attempts (a revoked token, an unknown channel). `retry_after` is the
    wait in seconds the service asked for, when it said.
    """

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


def unreachable(service: str, exc: requests.RequestException, timeout: float) -> ChannelError:
    """The request never got an answer. Callers raise this `from None`: the chained exception of `requests`
    would print the URL, and a Slack webhook URL is itself the secret."""
    if isinstance(exc, outbound.URLRefused):
        return ChannelError(f"Elettro will not connect to this {service} address: {exc.reason}.", retryable=False)
    if isinstance(exc, outbound.ResponseTooLarge):
        return ChannelError(f"{service} answered with far more data than expected.", retryable=False)
    if isinstance(exc, requests.Timeout):
        return ChannelError(f"{service} did not answer within {timeout:g} seconds.", retryable=True)
    if isinstance(exc, requests.exceptions.SSLError):
        return ChannelError(f"Could not make a secure connection to {service}.", retryable=True)
    if isinstance(exc, requests.ConnectionError):
        return ChannelError(f"Could not connect to {service}.", retryable=True)
    return ChannelError(f"The {service} address is not usable ({type(exc).__name__}).", retryable=False)


def retry_after_seconds(response: requests.Response) -> float | None:
    """Slack and Meta send Retry-After as a number of seconds; anything else is treated as not given."""
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None
