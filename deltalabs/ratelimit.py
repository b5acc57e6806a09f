"""Rate limits as DRF throttles on Redis counters (docs/api.md, Rate limits; docs/architecture.md, Redis).

Fixed one-minute windows counted with an atomic ``INCR`` on
``ratelimit:{scope}:{identity}``; the key expires with its window, so
``Retry-After`` is the key's remaining lifetime. Limits come from
``settings.RATE_LIMITS``. If Redis is unreachable the limiter fails open and
logs a warning: an outage of the counter store must not take the API down.

On Redis a request costs one round trip whatever its identities:
``INCR`` + ``EXPIRE NX`` + ``TTL`` per identity, pipelined (``EXPIRE NX``
starts the window on the first hit only, so it keeps its fixed end; it needs
Redis 7). A view may ask for cache entries to be read in the same round trip
(``prefetch_cache_keys``, see ``deltalabs.cache.prefetched``): a cached read
then costs one round trip in all. The embedded fallback (local memory) counts
with ``add`` + ``incr``.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

from deltalabs import cache as shared_cache

logger = logging.getLogger("deltalabs.ratelimit")

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATES: dict[str, tuple[int, int]] = {}


def parse_rate(rate: str) -> tuple[int, int]:
    parsed = _RATES.get(rate)
    if parsed is None:
        count, _, period = rate.partition("/")
        parsed = _RATES[rate] = (int(count), _PERIODS[period])
    return parsed


def _hit_locally(cache, key: str, period: int) -> tuple[int, int]:
    """The embedded fallback: count one request in the current window."""
    for _ in range(2):
        cache.add(key, 0, timeout=period)
        try:
            count = cache.incr(key)
            break
        except ValueError:  # the window expired between add() and incr()
            continue
    else:
        return 1, period
    ttl = cache.ttl(key) if hasattr(cache, "ttl") else None
    return count, max(1, int(ttl)) if ttl and ttl > 0 else period


def hit(keys: list[str], period: int, *, prefetch: list[str] = ()) -> list[tuple[int, int]]:
    """Count one request on each counter in ``keys``; return (count, seconds
    left) per key. ``prefetch`` names entries of the "default" cache to read in
    the same round trip; they are recorded for ``deltalabs.cache.prefetched``."""
    strict = caches["strict"]
    client = shared_cache.redis_client(strict)
    if client is None:
        if prefetch:
            shared_cache.remember(prefetch, caches["default"].get_many(prefetch))
        return [_hit_locally(strict, key, period) for key in keys]
    pipeline = client.pipeline(transaction=False)
    for key in keys:
        name = strict.make_key(key)
        pipeline.incr(name)
        pipeline.expire(name, period, nx=True)
        pipeline.ttl(name)
    default = caches["default"]
    same_server = prefetch and shared_cache.same_server(default, strict)
    if same_server:
        for key in prefetch:
            pipeline.get(default.make_key(key))
    replies = pipeline.execute()
    counted = [
        (int(replies[index]), int(replies[index + 2]) if replies[index + 2] > 0 else period)
        for index in range(0, 3 * len(keys), 3)
    ]
    if same_server:
        shared_cache.remember_raw(default, prefetch, replies[3 * len(keys) :])
    elif prefetch:
        shared_cache.remember(prefetch, default.get_many(prefetch))
    return counted


class WindowThrottle(BaseThrottle):
    """Allows ``settings.RATE_LIMITS[scope]`` requests per window per identity."""

    scope = "default"

    def identities(self, request, view) -> list[str]:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return [f"user:{user.pk}"]
        return [f"ip:{self.get_ident(request)}"]

    def allow_request(self, request, view) -> bool:
        limit, period = parse_rate(settings.RATE_LIMITS[self.scope])
        self._wait = None
        keys = [f"ratelimit:{self.scope}:{identity}" for identity in self.identities(request, view)]
        prefetch_keys = getattr(view, "prefetch_cache_keys", None)
        prefetch = prefetch_keys(request) if prefetch_keys is not None else []
        try:
            counted = hit(keys, period, prefetch=prefetch)
        except Exception:  # Redis down or misbehaving: fail open, loudly
            logger.warning("Rate limiter unavailable; allowing request (scope=%s)", self.scope, exc_info=True)
            return True
        for count, seconds_left in counted:
            if count > limit:
                self._wait = seconds_left
                return False
        return True

    def wait(self) -> float | None:
        return math.ceil(self._wait) if self._wait else None


class DefaultRateThrottle(WindowThrottle):
    scope = "default"


class AuthRateThrottle(WindowThrottle):
    """Login and registration: per client IP and per email address tried."""

    scope = "auth"

    def identities(self, request, view) -> list[str]:
        identities = [f"ip:{self.get_ident(request)}"]
        data = request.data if isinstance(request.data, dict) else {}
        email = data.get("email")
        if isinstance(email, str) and email.strip():
            identities.append(f"email:{email.strip().lower()[:254]}")
        return identities


class AIChatRateThrottle(WindowThrottle):
    scope = "ai_chat"
