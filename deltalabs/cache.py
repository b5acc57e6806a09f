"""Cache key layout (docs/architecture.md, Redis): keys are stored exactly as the code names them,
``cache:{resource}:v1:{id}``, ``ratelimit:{scope}:{id}``, ``idempotency:{scope}:{key}``,
so operators can find them in Redis. A ``KEY_PREFIX`` (tests use one per
worker) is prepended when set; Django's numeric version suffix is not used.

Also the request's prefetched entries: the rate limiter can read cache
entries a view will need in its own Redis round trip (``remember``); readers
``take`` them instead of asking Redis again. Each value is taken at most once
and ``forget_prefetched`` drops the rest at the end of every request, so a
prefetched value never outlives the request that read it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

MISSING = object()
_prefetched: ContextVar[dict[str, Any] | None] = ContextVar("deltalabs_cache_prefetched", default=None)


def make_key(key: str, key_prefix: str, version: int) -> str:
    return f"{key_prefix}:{key}" if key_prefix else key


def resource_key(resource: str, identifier: object) -> str:
    return f"cache:{resource}:v1:{identifier}"


def redis_client(cache) -> Any | None:
    """The redis-py client behind a django-redis cache, or None (local memory)."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client is not None else None


def same_server(first, second) -> bool:
    """Whether two django-redis caches talk to the same Redis database."""
    return getattr(first, "_server", None) == getattr(second, "_server", None) is not None


def remember(keys: list[str], found: dict[str, Any]) -> None:
    """Record entries read ahead for this request: ``found`` maps the keys
    that exist to their values; the other ``keys`` are remembered as absent."""
    _prefetched.set({key: found.get(key, MISSING) for key in keys})


def remember_raw(cache, keys: list[str], raws: list[bytes | None]) -> None:
    """``remember`` for raw Redis replies of ``cache``'s keys (decoded as django-redis would)."""
    decode = cache.client.decode
    _prefetched.set({key: (MISSING if raw is None else decode(raw)) for key, raw in zip(keys, raws, strict=True)})


def take(key: str) -> Any:
    """The prefetched value of ``key`` (None if it was absent), or ``MISSING``
    when this request did not prefetch it. Each entry is handed out once."""
    values = _prefetched.get()
    if not values or key not in values:
        return MISSING
    value = values.pop(key)
    return None if value is MISSING else value


def forget_prefetched() -> None:
    _prefetched.set(None)
