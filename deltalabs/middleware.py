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

from deltalabs import request_context
from deltalabs.cache import forget_prefetched

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_logger = logging.getLogger("deltalabs.access")


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
