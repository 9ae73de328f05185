"""The one error type services raise for a problem the user can fix; views show its message as it is."""

from __future__ import annotations


class ApplicationError(Exception):
    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}
        self.code = code
