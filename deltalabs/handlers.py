"""Django-level error handlers: JSON error bodies under /v1/ (unknown URLs,
errors outside DRF), Django's HTML pages elsewhere (the admin)."""

from __future__ import annotations

from django.views import defaults

from deltalabs import errors


def _is_api(request) -> bool:
    return request.path.startswith("/v1/") or request.path.rstrip("/") == "/v1"


def not_found(request, exception=None):
    if _is_api(request):
        return errors.json_error_response(404, errors.ErrorCode.NOT_FOUND, "Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return errors.json_error_response(
            500,
            errors.ErrorCode.INTERNAL_ERROR,
            "Something went wrong on our side. Quote the request id when you report it.",
        )
    return defaults.server_error(request)


def bad_request(request, exception=None):
    if _is_api(request):
        if isinstance(exception, errors.RequestDataTooBig):
            return errors.json_error_response(413, errors.ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large.")
        return errors.json_error_response(400, errors.ErrorCode.VALIDATION_ERROR, "The request is malformed.")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return errors.json_error_response(
            403, errors.ErrorCode.PERMISSION_DENIED, "You do not have permission to do this."
        )
    return defaults.permission_denied(request, exception)
