"""The one exception ingestion raises: its message is shown to the person who uploaded the file."""

from __future__ import annotations


class IngestError(Exception):
    """A problem with an uploaded file, worded for a non-technical user.

    ``field`` names the canonical field or column concerned, when there is one; ``code`` is a short
    stable identifier (``"empty"``, ``"encrypted"``, ...) for the UI and tests, never shown to users.
    """

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return self.message


class NeedsReview(IngestError):
    """Too many rows could not be read to call the upload done: nothing is loaded until a person decides.

    ``rejects`` are the rejected rows (for the rejected-rows file); ``rows_read`` and ``rows_good`` the counts."""

    def __init__(self, message: str, *, rejects: list[dict], rows_read: int, rows_good: int) -> None:
        super().__init__(message, code="needs_review")
        self.rejects = rejects
        self.rows_read = rows_read
        self.rows_good = rows_good
