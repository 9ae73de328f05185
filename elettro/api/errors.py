"""The API's errors: each a status, a stable code and a message a person can act on (naming the parameter to
change, when one is at fault)."""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException

from elettro.kernel.errors import ApplicationError


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


def refusal(problem: ApplicationError, names: dict[str, str] | None = None) -> ApiError:
    """A service's refusal as the API's: a plan limit or a read-only company is a 402 with its code, a role that
    may not is a 403, and anything else a 400 naming the field at fault when the service names one (`names` maps
    a form's field names to the API's)."""
    if problem.code in ("plan_limit", "read_only"):
        return ApiError(problem.message, code=problem.code, status_code=status.HTTP_402_PAYMENT_REQUIRED)
    if problem.code == "forbidden":
        return ApiError(problem.message, code="forbidden", status_code=status.HTTP_403_FORBIDDEN)
    field = next(iter(problem.field_errors), None)
    if field is not None:
        return bad_parameter((names or {}).get(field, field), problem.message)
    return ApiError(problem.message, code="invalid_request" if problem.code == "invalid" else problem.code)
