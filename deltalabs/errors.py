"""One error hierarchy and one mapping to the API error body (docs/api.md, Errors).

Services raise ``ApplicationError`` subclasses with a stable ``code``; the DRF
exception handler below turns those, DRF's own exceptions and Django's
``Http404``/``PermissionDenied``/``ValidationError`` into::

    {"code": "...", "message": "...", "requestId": "...", "details": {...}}

The AI tool runner reuses ``error_payload`` so tool errors read the same.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from deltalabs.request_context import current_request_id

logger = logging.getLogger("deltalabs.errors")


class ErrorCode(StrEnum):
    """Codes any endpoint may answer (docs/api.md, Errors), and the domain codes
    two apps raise alike. Each app declares the rest in one enum in
    ``apps/<domain>/errors.py``; no code is defined twice."""

    VALIDATION_ERROR = "validation_error"
    NOT_AUTHENTICATED = "not_authenticated"
    TOKEN_INVALID = "token_invalid"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    RATE_LIMITED = "rate_limited"
    INTERNAL_ERROR = "internal_error"
    SERVICE_UNAVAILABLE = "service_unavailable"

    # The Idempotency-Key header (deltalabs.idempotency).
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"

    # Shared by learning (POST /v1/enrollments) and commerce (cart, checkout).
    ALREADY_ENROLLED = "already_enrolled"
    COURSE_FULL = "course_full"
    ENROLLMENT_CLOSED = "enrollment_closed"
    INVALID_SPONSORSHIP_CODE = "invalid_sponsorship_code"
    # Shared by engagement and assessment: learners cannot post or submit there.
    COURSE_ARCHIVED = "course_archived"


class ApplicationError(Exception):
    """A domain error with a stable code. Subclasses fix the HTTP status."""

    status_code = 400

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None, *, headers=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


class ValidationFailed(ApplicationError):
    status_code = 400

    def __init__(self, message: str, details: dict[str, Any] | None = None, *, code: str = ErrorCode.VALIDATION_ERROR):
        super().__init__(code, message, details)


class NotAuthenticated(ApplicationError):
    status_code = 401


class PaymentRequired(ApplicationError):
    status_code = 402


class PermissionDenied(ApplicationError):
    status_code = 403

    def __init__(
        self, message: str = "You do not have permission to do this.", *, code: str = ErrorCode.PERMISSION_DENIED
    ):
        super().__init__(code, message)


class NotFound(ApplicationError):
    """404 ``not_found``. Services name what was not found with ``NotFound.of``
    ("Course not found.": one pattern in every app); the bare "Not found." is
    for an unknown path."""

    status_code = 404

    def __init__(self, message: str = "Not found.", *, code: str = ErrorCode.NOT_FOUND):
        super().__init__(code, message)

    @classmethod
    def of(cls, thing: str) -> NotFound:
        """``<Thing> not found.``, the message of every domain 404."""
        return cls(f"{thing} not found.")


class Conflict(ApplicationError):
    status_code = 409


class Unprocessable(ApplicationError):
    status_code = 422


class RateLimited(ApplicationError):
    status_code = 429

    def __init__(self, retry_after: int, message: str = "Too many requests; slow down."):
        super().__init__(
            ErrorCode.RATE_LIMITED, message, {"retry_after": retry_after}, headers={"Retry-After": str(retry_after)}
        )


class BadGateway(ApplicationError):
    """An upstream provider (payments, AI) failed or answered nonsense."""

    status_code = 502


class ServiceUnavailable(ApplicationError):
    status_code = 503

    def __init__(
        self,
        message: str = "A backing service is unavailable; try again shortly.",
        *,
        code: str = ErrorCode.SERVICE_UNAVAILABLE,
    ):
        super().__init__(code, message)


def error_payload(code: str, message: str, details: dict | None = None) -> dict:
    body = {"code": code, "message": message, "requestId": current_request_id()}
    if details:
        body["details"] = details
    return body


def _flatten_detail(detail) -> Any:
    """DRF ErrorDetail trees -> plain lists of strings keyed by field."""
    if isinstance(detail, dict):
        return {str(key): _flatten_detail(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [str(item) for item in detail]
        return [_flatten_detail(item) for item in detail]
    return [str(detail)]


def _validation_details(detail) -> dict:
    flat = _flatten_detail(detail)
    if isinstance(flat, dict):
        return flat
    return {"non_field_errors": flat}


_DRF_CODES: dict[type, str] = {
    drf.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    drf.AuthenticationFailed: ErrorCode.TOKEN_INVALID,
    drf.PermissionDenied: ErrorCode.PERMISSION_DENIED,
    drf.NotFound: ErrorCode.NOT_FOUND,
    drf.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    drf.NotAcceptable: ErrorCode.NOT_ACCEPTABLE,
    drf.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    drf.ParseError: ErrorCode.VALIDATION_ERROR,
    drf.Throttled: ErrorCode.RATE_LIMITED,
}


def describe_exception(exc: Exception) -> tuple[int, str, str, dict | None, dict]:
    """Map any exception to (status, code, message, details, headers)."""
    if isinstance(exc, ApplicationError):
        return exc.status_code, exc.code, exc.message, exc.details, exc.headers
    if isinstance(exc, (Http404, drf.NotFound)):
        return 404, ErrorCode.NOT_FOUND, "Not found.", None, {}
    if isinstance(exc, DjangoPermissionDenied):
        return 403, ErrorCode.PERMISSION_DENIED, "You do not have permission to do this.", None, {}
    if isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return 400, ErrorCode.VALIDATION_ERROR, "The request is invalid.", details, {}
    if isinstance(exc, RequestDataTooBig):
        return 413, ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large.", None, {}
    if isinstance(exc, SuspiciousOperation):
        return 400, ErrorCode.VALIDATION_ERROR, "The request is malformed.", None, {}
    if isinstance(exc, drf.ValidationError):
        return 400, ErrorCode.VALIDATION_ERROR, "The request is invalid.", _validation_details(exc.detail), {}
    if isinstance(exc, drf.Throttled):
        wait = int(exc.wait or 1)
        return (
            429,
            ErrorCode.RATE_LIMITED,
            "Too many requests; slow down.",
            {"retry_after": wait},
            {"Retry-After": str(wait)},
        )
    if isinstance(exc, drf.APIException):
        code = _DRF_CODES.get(type(exc)) or next(
            (value for klass, value in _DRF_CODES.items() if isinstance(exc, klass)), None
        )
        if code is None:
            code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        message = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else "The request failed."
        if isinstance(exc, drf.NotAuthenticated):
            message = "Authentication credentials were not provided."
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        return exc.status_code, code, message, None, headers
    return (
        500,
        ErrorCode.INTERNAL_ERROR,
        "Something went wrong on our side. Quote the request id when you report it.",
        None,
        {},
    )


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF EXCEPTION_HANDLER: every error, expected or not, gets the error body."""
    status, code, message, details, headers = describe_exception(exc)
    if status >= 500:
        view = context.get("view")
        logger.error("Unhandled error in %s", type(view).__name__ if view else "view", exc_info=exc)
    response = Response(error_payload(code, message, details), status=status)
    for name, value in headers.items():
        response[name] = value
    request = context.get("request")
    # An authentication failure tells the client which scheme to use.
    if status == 401 and request is not None and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def json_error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_payload(code, message), status=status)


def is_api_path(path: str) -> bool:
    """Whether a request path belongs to the versioned API (``/v1/...`` and ``/v1`` itself)."""
    return path.startswith("/v1/") or path.rstrip("/") == "/v1"


# What a bare status means when no code was chosen for it (an error response that
# Django, not our exception handler, produced: its 404 page, its debug pages).
_CODES_BY_STATUS: dict[int, tuple[str, str]] = {
    400: (ErrorCode.VALIDATION_ERROR, "The request is malformed."),
    401: (ErrorCode.NOT_AUTHENTICATED, "Authentication credentials were not provided."),
    403: (ErrorCode.PERMISSION_DENIED, "You do not have permission to do this."),
    404: (ErrorCode.NOT_FOUND, "Not found."),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "This method is not allowed on this path."),
    406: (ErrorCode.NOT_ACCEPTABLE, "The Accept header excludes JSON."),
    413: (ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large."),
    415: (ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The request body is not JSON."),
    429: (ErrorCode.RATE_LIMITED, "Too many requests; slow down."),
    503: (ErrorCode.SERVICE_UNAVAILABLE, "A backing service is unavailable; try again shortly."),
}
_INTERNAL_ERROR_MESSAGE = "Something went wrong on our side. Quote the request id when you report it."


def error_response_for_status(status: int) -> JsonResponse:
    """The error body for a bare HTTP status: its shared code, or ``validation_error``
    (other 4xx) / ``internal_error`` (5xx) when the contract names none."""
    if status in _CODES_BY_STATUS:
        code, message = _CODES_BY_STATUS[status]
    elif status < 500:
        code, message = _CODES_BY_STATUS[400]
    else:
        code, message = ErrorCode.INTERNAL_ERROR, _INTERNAL_ERROR_MESSAGE
    return json_error_response(status, code, message)
