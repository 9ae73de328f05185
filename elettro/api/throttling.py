"""A rate per key (or per signed-in person, or per address for calls with neither), answered with 429 and
Retry-After. The rate is settings.API_THROTTLE_RATE, read on every call so a deployment (or a test) can change it."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class PerKeyThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        key = getattr(request, "auth", None)
        if getattr(key, "digest", None):
            who = f"key:{key.pk}"
        elif request.user and request.user.is_authenticated:
            who = f"user:{request.user.pk}"
        else:
            who = f"ip:{self.get_ident(request)}"
        return f"api-throttle:{who}"
