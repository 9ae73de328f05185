"""One envelope on every API response, errors included:

    {"data": ..., "error": null | {"code": ..., "message": ..., "parameter": ...}, "metadata": {"requestId": ...}}

`requestId` is the id the logs and the `X-Request-ID` header carry. A view puts more metadata (the period read,
the next page's cursor) on `response.metadata`; DRF's exceptions become the error through `exception_handler`,
and Django's own 404 and 500 pages on /api/ paths through `ApiErrorMiddleware`.
"""

from __future__ import annotations

import json
import logging

from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApiError
from .renderers import EnvelopeRenderer, Failure, envelope

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ParseError: "malformed_request",
    exceptions.ValidationError: "invalid_parameter",
}


def _message(detail) -> tuple[str, str | None]:
    """A DRF error detail as one message, and the parameter it names (a field's first error)."""
    if isinstance(detail, dict):
        for field, errors in detail.items():
            message, _ = _message(errors)
            name = None if field == "non_field_errors" else field
            return (f"{name}: {message}" if name else message), name
        return "The request is not valid.", None
    if isinstance(detail, list):
        return (_message(detail[0])[0] if detail else "The request is not valid."), None
    return str(detail), None


def exception_handler(exc, context):
    """DRF's handler, with its answer put in the envelope; anything else is logged and answered as a 500 in the
    envelope (never a page of HTML to a script)."""
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("API error", exc_info=exc)
        failure = Failure(code="server_error", message="Something went wrong on our side. Quote the request id.")
        response = Response(failure, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    elif isinstance(exc, ApiError):
        failure = Failure(code=exc.code, message=exc.message)
        if exc.parameter:
            failure["parameter"] = exc.parameter
        response.data = failure
    else:
        message, parameter = _message(response.data.get("detail", response.data) if isinstance(response.data, dict)
                                      else response.data)  # fmt: skip
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            message = f"Too many requests with this key. Try again in {int(exc.wait) + 1} s."
        code = next((code for kind, code in _CODES.items() if isinstance(exc, kind)), "invalid_request")
        response.data = Failure(code=code, message=message, **({"parameter": parameter} if parameter else {}))
    # An error never goes out as CSV or XLSX: the script asking for one reads JSON it can show.
    request = context.get("request")
    if request is not None:
        request.accepted_renderer, request.accepted_media_type = EnvelopeRenderer(), EnvelopeRenderer.media_type
    return response


class ApiErrorMiddleware:
    """Django's own error answers on /api/ paths (an unknown address, a crash outside DRF, a body too large) in
    the envelope, so a script always reads JSON."""

    MESSAGES = {
        400: ("bad_request", "The request could not be read."),
        403: ("forbidden", "You may not do this here."),
        404: ("not_found", "No API endpoint at this address. See /api/v1/docs/ for the list."),
        405: ("method_not_allowed", "This address does not take that method."),
        413: ("too_large", "The request is too large."),
        500: ("server_error", "Something went wrong on our side. Quote the request id."),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        code, message = self.MESSAGES.get(response.status_code, ("error", "The request failed."))
        answer = JsonResponse(envelope(error={"code": code, "message": message}), status=response.status_code)
        for header in ("Retry-After", "WWW-Authenticate", "Allow"):
            if header in response:
                answer[header] = response[header]
        return answer

    def process_exception(self, request, exception):
        if not request.path.startswith(API_PREFIX):
            return None
        logger.exception("API error outside the API views", exc_info=exception)
        code, message = self.MESSAGES[500]
        return JsonResponse(envelope(error={"code": code, "message": message}), status=500)


def error_response(status_code: int, code: str, message: str) -> JsonResponse:
    """An envelope error from middleware, before DRF sees the request."""
    return JsonResponse(envelope(error={"code": code, "message": message}), status=status_code)


def parsed(response) -> dict:
    """A response's envelope, for tests and the seed aliases."""
    return json.loads(response.content)
