"""The base of every API view: the permission it needs (as on the pages), the envelope, and CSV and XLSX for
lists. Views stay thin: they read parameters, call a selector or a service, and answer."""

from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import APIView

from .renderers import CSVRenderer, EnvelopeRenderer, XLSXRenderer


class ApiView(APIView):
    required_permission = "dashboards.view"  # tenants.permissions.IsCompanyMember reads it
    # Lists and breakdowns also answer ?format=csv and ?format=xlsx, named after this.
    export_name: str | None = None

    def get_renderers(self):
        if self.export_name:
            return [EnvelopeRenderer(), CSVRenderer(), XLSXRenderer()]
        return [EnvelopeRenderer()]

    def answer(self, data, **metadata) -> Response:
        response = Response(data)
        response.metadata = metadata
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        following = (getattr(response, "metadata", None) or {}).get("next")
        if following and response.status_code < 400:  # CSV and XLSX carry no metadata: the next page as a header
            response["Link"] = f'<{following}>; rel="next"'
        renderer = getattr(request, "accepted_renderer", None)
        if self.export_name and response.status_code < 400 and getattr(renderer, "format", "") in ("csv", "xlsx"):
            response["Content-Disposition"] = f'attachment; filename="{self.export_name}.{renderer.format}"'
        return response


class ByMethodView(ApiView):
    """An endpoint whose methods need different permissions, as the pages' separate views for them do:
    `permissions` maps a method to its permission (GET's for any method not named)."""

    permissions: dict[str, str] = {}

    @property
    def required_permission(self) -> str:
        return self.permissions.get(self.request.method, self.permissions["GET"])
