"""Rate limits as DRF throttles on Redis counters (docs/api.md, Rate limits; docs/architecture.md, Redis).

Fixed one-minute windows counted with an atomic ``INCR`` on
``ratelimit:{scope}:{identity}``; the key expires with its window, so
``Retry-After`` is the key's remaining lifetime. Limits come from
``settings.RATE_LIMITS``. If Redis is unreachable the limiter fails open and
logs a warning: an outage of the counter store must not take the API down.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger("deltalabs.ratelimit")

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period]


def _hit(key: str, period: int) -> tuple[int, int]:
    """Count one request in the current window; return (count, seconds left)."""
    cache = caches["strict"]
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
        for identity in self.identities(request, view):
            key = f"ratelimit:{self.scope}:{identity}"
            try:
                count, seconds_left = _hit(key, period)
            except Exception:  # Redis down or misbehaving: fail open, loudly
                logger.warning("Rate limiter unavailable; allowing request (scope=%s)", self.scope, exc_info=True)
                return True
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
