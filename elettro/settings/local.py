"""Developer machine: `make run`. Debug on, mails printed to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-not-secret-8f1c1c3e0b9a4c0f9d7e")
# In local mode Razorpay Checkout is replaced by a page of our own unless real keys are set.

# Static files straight from the source folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A developer's own fakes on 127.0.0.1 (bench/reports.py's Slack) may be reached when asked for; never in production.
OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS = env.bool("OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS", default=False)
