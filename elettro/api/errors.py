"""The API's errors: each a status, a stable code and a message a person can act on (naming the parameter to
change, when one is at fault)."""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException


class ApiError(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_request"

    def __init__(self, message: str, *, code: str | None = None, parameter: str | None = None, status_code=None):
        super().__init__(message, code or self.default_code)
        self.message = message
        self.code = code or self.default_code
        self.parameter = parameter
        if status_code is not None:
            self.status_code = status_code


def bad_parameter(parameter: str, message: str) -> ApiError:
    """A 400 for one parameter; its message starts with the parameter's name unless it already names it."""
    if parameter not in message:
        message = f"{parameter}: {message}"
    return ApiError(message, code="invalid_parameter", parameter=parameter)


def not_found(message: str = "Nothing here by that id.") -> ApiError:
    return ApiError(message, code="not_found", status_code=status.HTTP_404_NOT_FOUND)
