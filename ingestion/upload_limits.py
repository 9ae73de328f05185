"""Upload size limits, enforced while the bytes arrive rather than after they are on disk.

Two guards, both before any view runs:
- a request whose declared length is over `UPLOAD_MAX_REQUEST_BYTES` is answered 413 without reading its body
  (elettro.request_checks asks `declared_too_large`);
- `SizeLimitHandler`, first in FILE_UPLOAD_HANDLERS, counts each file's bytes as they stream in and stops reading
  the body the moment one passes `UPLOAD_MAX_BYTES`, so an oversized file never reaches the temporary folder whole.
  The request then carries `upload_refused`, a message naming the file, which the upload page shows (413).

`ingestion.services.upload_create` checks the size again for files that arrive by other ways (the `ingest`
command), and the plan's storage limit.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


def limit_text(size_bytes: int) -> str:
    return f"{size_bytes / 1024 / 1024:g} MB"


def too_large_message(name: str) -> str:
    return (
        f"“{name}” is over the {limit_text(settings.UPLOAD_MAX_BYTES)} limit for one file. "
        "Export a shorter period, or split the file."
    )


def declared_too_large(request) -> str | None:
    """The refusal message when the request says it is longer than any upload may be, else None."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None  # Django treats an unreadable length as no body
    if length > settings.UPLOAD_MAX_REQUEST_BYTES:
        return (
            f"The upload is {length / 1024 / 1024:.1f} MB; one upload may send up to "
            f"{limit_text(settings.UPLOAD_MAX_REQUEST_BYTES)} ({limit_text(settings.UPLOAD_MAX_BYTES)} a file). "
            "Upload fewer files at once, or export a shorter period."
        )
    return None


class SizeLimitHandler(FileUploadHandler):
    """Passes every chunk on to the next handler until a file passes the per-file limit, then stops the upload
    without reading the rest of the body."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.request.upload_refused = too_large_message(self.file_name or "The file")
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) makes the file
