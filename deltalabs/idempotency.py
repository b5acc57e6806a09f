"""Idempotency-Key handling for mutations (docs/api.md, Idempotency).

Scope is (user, method, path, key); records live in the ``strict`` cache
(Redis in production) under ``idempotency:{scope}:{key}`` for 24 hours.

1. The first request claims the key atomically (``SET NX``) with a
   fingerprint of its payload and the state ``running``.
2. When it finishes with a status below 500, the response is stored; a 5xx
   or an exception releases the claim so the client may retry.
3. A later request with the same key: different payload -> 422
   ``idempotency_key_reused``; first still running -> 409
   ``idempotency_key_in_use``; otherwise the stored status and body are
   replayed with ``Idempotent-Replayed: true``.

If the record store is down, mutations that carry a key fail closed with 503:
we would rather refuse than risk running a payment twice. Anonymous requests
are not scoped to anyone, so their keys are ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from rest_framework.response import Response

from deltalabs.errors import Conflict, ErrorCode, ServiceUnavailable, Unprocessable, ValidationFailed

logger = logging.getLogger("deltalabs.idempotency")

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REPLAYED_HEADER = "Idempotent-Replayed"
_REPLAYED_HEADERS = ("Location",)


class IdempotentReplay(Exception):
    """Raised before the handler runs when a finished request is replayed."""

    def __init__(self, record: dict):
        super().__init__("replay")
        self.record = record


@dataclass
class Claim:
    cache_key: str
    fingerprint: str


def _store():
    return caches["strict"]


def fingerprint(request) -> str:
    # A malformed or oversized body must fail here, with its own 400/413/415:
    # DRF answers a second read of request.data with an empty dict, so
    # swallowing the error would let the view run on "{}".
    data = request.data
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _cache_key(request, key: str) -> str:
    scope = hashlib.sha256(f"{request.user.pk}:{request.method}:{request.path}".encode()).hexdigest()[:32]
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"idempotency:{scope}:{digest}"


def read_key(request, *, required: bool) -> str | None:
    key = request.headers.get(HEADER)
    if key is None or key == "":
        if required:
            raise ValidationFailed(
                "This endpoint requires an Idempotency-Key header.",
                {HEADER: ["This header is required."]},
                code=ErrorCode.IDEMPOTENCY_KEY_REQUIRED,
            )
        return None
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed(
            f"Idempotency-Key must be at most {MAX_KEY_LENGTH} printable characters.",
            {HEADER: [f"At most {MAX_KEY_LENGTH} printable characters."]},
            code=ErrorCode.IDEMPOTENCY_KEY_INVALID,
        )
    return key


def begin(request, key: str) -> Claim:
    """Claim ``key`` for this request, or raise replay/conflict errors."""
    claim = Claim(cache_key=_cache_key(request, key), fingerprint=fingerprint(request))
    store = _store()
    try:
        claimed = store.add(
            claim.cache_key,
            {"state": "running", "fingerprint": claim.fingerprint},
            timeout=settings.IDEMPOTENCY_LOCK_SECONDS,
        )
        record = None if claimed else store.get(claim.cache_key)
    except Exception as exc:
        logger.warning("Idempotency store unavailable; refusing the mutation", exc_info=True)
        raise ServiceUnavailable("Cannot guarantee exactly-once processing right now; try again shortly.") from exc
    if claimed:
        return claim
    if record is None:  # expired between add() and get(): claim again
        return begin(request, key)
    if record["fingerprint"] != claim.fingerprint:
        raise Unprocessable(
            ErrorCode.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key was used with a different request body."
        )
    if record["state"] == "running":
        raise Conflict(
            ErrorCode.IDEMPOTENCY_KEY_IN_USE, "A request with this Idempotency-Key is still being processed."
        )
    raise IdempotentReplay(record)


def finish(claim: Claim, response: Response) -> None:
    store = _store()
    try:
        if response.status_code >= 500:
            store.delete(claim.cache_key)
            return
        record = {
            "state": "done",
            "fingerprint": claim.fingerprint,
            "status": response.status_code,
            "body": response.data,
            "headers": {name: response[name] for name in _REPLAYED_HEADERS if name in response},
        }
        store.set(claim.cache_key, record, timeout=settings.IDEMPOTENCY_TTL_SECONDS)
    except Exception:
        # The mutation already happened; services guard money paths with their
        # own unique keys, so a lost record cannot cause a second charge.
        logger.error("Could not store the idempotency record %s", claim.cache_key, exc_info=True)


def replay_response(record: dict) -> Response:
    response = Response(record["body"], status=record["status"])
    for name, value in record.get("headers", {}).items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response
