"""Bad request parameters get a 400 with a message, never a 500.

PostgreSQL refuses the NUL character (U+0000) in text, so a request carrying one (`?branch=%00`, a form field, a
path part, a cookie) would fail deep in a view with a DataError. No field of ours accepts it, so every such request
is refused here, on every host, before any view or query runs.

A request declared longer than any upload may be is answered 413 here, before its body is read
(ingestion.upload_limits; a file that grows past its limit while it streams is stopped there and named by the
upload page).

Views and parsers that meet a parameter they cannot read raise `django.core.exceptions.BadRequest("what is
wrong")`; this middleware answers it with a 400 that says so (JSON for a caller that asked for JSON).
"""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError

from ingestion import upload_limits

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL_MESSAGE = "The request holds a NUL character (%00), which no field accepts. Remove it and try again."


def bad_request(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    """A 400 (or `status`) that says what is wrong, as JSON to a caller that asked for JSON, plain text otherwise;
    on the API, in its envelope."""
    if request.path.startswith("/api/"):
        from elettro.api.envelope import error_response

        return error_response(status, "too_large" if status == 413 else "bad_request", message)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=status)
    title = "Too large" if status == 413 else "Bad request"
    return HttpResponse(f"{title}: {message}\n", status=status, content_type="text/plain; charset=utf-8")


def _has_nul(pairs) -> bool:
    return any(NUL in key or any(NUL in str(value) for value in values) for key, values in pairs)


def holds_nul(request: HttpRequest) -> bool:
    """Whether the path, query, form fields, uploaded file names or cookies hold a NUL character."""
    if NUL in request.path or _has_nul(request.GET.lists()):
        return True
    if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
        return True
    if request.method == "POST" and request.content_type in FORM_TYPES:
        try:
            if _has_nul(request.POST.lists()):
                return True
        except UnreadablePostError:  # the client went away mid-upload: the view sees an empty form, as without us
            return False
        names = ((key, [file.name or "" for file in files]) for key, files in request.FILES.lists())
        return _has_nul(names)
    return False


class RequestChecksMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        too_large = upload_limits.declared_too_large(request)
        if too_large:
            return bad_request(request, too_large, status=413)
        if holds_nul(request):
            return bad_request(request, NUL_MESSAGE)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, BadRequest):
            return bad_request(request, str(exception) or "A parameter of this request cannot be read.")
        return None
