"""Request id propagation and the per-request access log (docs/api.md, Errors; docs/architecture.md, Background jobs).

``RequestIdMiddleware`` runs first: it accepts a sane ``X-Request-ID`` from the
client or makes one, exposes it to logs and error bodies, and echoes it on
every response. ``AccessLogMiddleware`` runs right after it, so it wraps every
other middleware: exactly one line per request, including responses that a
middleware produced on its own (HTTPS redirects, CORS preflights, CSRF
failures), with ``requestId``, ``user_id``, ``method``, ``path``, ``status``
and ``duration_ms`` as structured fields (JSON keys in production). Errors
inside views are logged with their traceback by the exception handlers; the
client only ever sees the error body with the request id.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import DisallowedHost

from deltalabs import errors, request_context
from deltalabs.cache import forget_prefetched

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_logger = logging.getLogger("deltalabs.access")
error_logger = logging.getLogger("deltalabs.errors")
disallowed_host_logger = logging.getLogger("django.security.DisallowedHost")


def _incoming_request_id(request) -> str:
    candidate = request.META.get("HTTP_X_REQUEST_ID", "")
    if _SANE_REQUEST_ID.match(candidate):
        return candidate
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _incoming_request_id(request)
        request.request_id = request_id
        token = request_context.set_request_id(request_id)
        path_token = request_context.set_request_path(request.path)
        request_context.set_user_id(None)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            return response
        finally:
            request_context.reset_request_path(path_token)
            request_context.reset_request_id(token)
            # Cache entries the rate limiter read ahead belong to this request only.
            forget_prefetched()


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        access_logger.info(
            "%s %s %s %.0fms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "requestId": getattr(request, "request_id", None) or request_context.current_request_id() or "-",
                "user_id": _user_id(request),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response


def _user_id(request) -> str | None:
    """The API user (JWT, recorded by the authentication class) or the admin's session user."""
    user_id = request_context.current_user_id()
    if user_id:
        return user_id
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return str(user.pk)
    return None


class RequestIdLogFilter(logging.Filter):
    """Adds ``requestId`` and ``user_id`` to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "requestId"):
            record.requestId = request_context.current_request_id() or "-"
        if not hasattr(record, "user_id"):
            record.user_id = request_context.current_user_id()
        return True


class ApiErrorBodyMiddleware:
    """The error body on every non-2xx under /v1/, whatever ``DEBUG`` says (docs/api.md, Errors).

    Sits right inside the access log, so it wraps every other middleware:

    - A ``Host`` outside ``ALLOWED_HOSTS`` is answered at once, on any path, by a
      small JSON 400 ``validation_error``; Django would answer it with its debug
      page under ``DEBUG`` (tracebacks and settings) or its HTML 400 elsewhere.
    - Under /v1/, an error response that is not JSON (Django's debug 404 listing
      every route, its debug 500 page) is replaced by the error body of its status,
      headers kept; an exception that escaped Django's own conversion (a failure
      while rendering the error page) becomes a JSON 500 ``internal_error``.

    Other paths (the admin, the landing page) keep Django's pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = _refuse_disallowed_host(request)
        if refusal is not None:
            return refusal
        if not errors.is_api_path(request.path):
            return self.get_response(request)
        try:
            response = self.get_response(request)
        except Exception:
            error_logger.exception("Unhandled error outside the API views on %s %s", request.method, request.path)
            return errors.error_response_for_status(500)
        if response.status_code >= 400 and not _is_json(response):
            return _with_headers_of(errors.error_response_for_status(response.status_code), response)
        return response


def _refuse_disallowed_host(request):
    """A JSON 400 for a ``Host`` this deployment does not serve, else None."""
    try:
        request.get_host()
    except DisallowedHost as exc:
        disallowed_host_logger.error("%s", exc, extra={"status_code": 400})
        message = "The Host header names a host this server does not serve."
        if settings.DEBUG:
            message += " Add it to ALLOWED_HOSTS to serve it."
        return errors.json_error_response(400, errors.ErrorCode.VALIDATION_ERROR, message)
    return None


def _is_json(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"


def _with_headers_of(replacement, original):
    """Keeps the original's headers (``Allow``, ``Retry-After``, ``WWW-Authenticate``...)
    on its replacement, except those describing the body."""
    for name, value in original.items():
        if name.lower() not in {"content-type", "content-length", "content-encoding", "content-language"}:
            replacement[name] = value
    return replacement
