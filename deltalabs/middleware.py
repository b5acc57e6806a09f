"""Request id propagation and the per-request access log (SPEC 3.2, 6).

``RequestIdMiddleware`` runs first: it accepts a sane ``X-Request-ID`` from the
client or makes one, exposes it to logs and error bodies, and echoes it on
every response. ``AccessLogMiddleware`` runs last and logs one line per request
with the status, duration and user id.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from deltalabs import request_context

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
        request_context.set_user_id(None)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            return response
        finally:
            request_context.reset_request_id(token)


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        user = getattr(request, "user", None)
        user_id = request_context.current_user_id() or (
            str(user.pk) if user is not None and getattr(user, "is_authenticated", False) else None
        )
        access_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds ``requestId`` and ``user_id`` to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "requestId"):
            record.requestId = request_context.current_request_id() or "-"
        if not hasattr(record, "user_id"):
            record.user_id = request_context.current_user_id()
        return True
