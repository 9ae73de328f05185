"""/api/v1/health/ on a company's host: the same checks as /health/ (elettro/health.py), status only, in the
envelope; 503 when Elettro cannot serve. It needs no key, as monitoring calls it; a key of another company is
still refused, as everywhere on the API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny

from elettro.health import run_checks, status_of
from tenants.api_auth import ApiKeyAuthentication

from .schema import enveloped
from .views import ApiView


class HealthView(ApiView):
    permission_classes = [AllowAny]
    authentication_classes = [ApiKeyAuthentication]
    throttle_classes: list = []

    @extend_schema(summary="Can Elettro serve right now", auth=[],
                   responses={200: enveloped({"type": "object", "properties": {"status": {"type": "string"}}}),
                              503: enveloped({"type": "object"})})  # fmt: skip
    def get(self, request):
        status = status_of(run_checks())
        response = self.answer({"status": status})
        response.status_code = 503 if status == "down" else 200
        return response
