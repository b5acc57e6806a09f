"""Rate limits as DRF throttles on Redis counters (docs/api.md, Rate limits; docs/architecture.md, Redis).

Fixed one-minute windows counted with an atomic ``INCR`` on
``ratelimit:{scope}:{identity}``; the key expires with its window, so
``Retry-After`` is the key's remaining lifetime. Limits come from
``settings.RATE_LIMITS``. If Redis is unreachable the limiter fails open and
logs a warning: an outage of the counter store must not take the API down.

On Redis a request costs one round trip and one command whatever its
identities: a Lua script does ``INCR`` + ``TTL`` per identity and sets the
expiry only when the key has none (the first hit of a window, so the window
keeps its fixed end). A view may ask for cache entries to be read by the same
script (``prefetch_cache_keys``, see ``deltalabs.cache.prefetched``): a
cached read then costs one round trip in all. The embedded fallback (local memory) counts
with ``add`` + ``incr``.

Each thread sends the script over a connection of its own (``_held``), of
the cache's redis-py pool's kind, with its address, timeouts and
credentials, but outside the pool's count: taking a pooled connection and
giving it back cost three system calls a request (a readiness poll and two
``getpid``), and on a virtual machine a system call is dear. After an error
the connection is closed and the next request opens it again.
"""

from __future__ import annotations

import logging
import math
import os
import threading

from django.conf import settings
from django.core.cache import caches
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
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


# One round trip, one command: count on every counter, start the window of a
# new one (or of one that lost its expiry), and read the prefetched entries.
# KEYS: the counters, then the entries; ARGV: the window in seconds, the
# number of counters. Returns count, seconds left per counter, then each
# entry (false, i.e. nil, when absent). One script instead of a pipeline of
# five commands halved what the limiter cost a cached read (issue 15).
_HIT_SCRIPT = """
local period = tonumber(ARGV[1])
local counters = tonumber(ARGV[2])
local replies = {}
for index = 1, counters do
    local count = redis.call('INCR', KEYS[index])
    local left = redis.call('TTL', KEYS[index])
    if left < 0 then
        redis.call('EXPIRE', KEYS[index], period)
        left = period
    end
    replies[#replies + 1] = count
    replies[#replies + 1] = left
end
for index = counters + 1, #KEYS do
    replies[#replies + 1] = redis.call('GET', KEYS[index]) or false
end
return replies
"""
_hit_script = None


def _script(client):
    """The script object (its SHA computed once)."""
    global _hit_script
    if _hit_script is None:
        _hit_script = client.register_script(_HIT_SCRIPT)
    return _hit_script


_threads = threading.local()


def _forget_held_connections() -> None:
    global _threads
    _threads = threading.local()  # a forked child must not share its parent's sockets


os.register_at_fork(after_in_child=_forget_held_connections)


def _held(client):
    """This thread's own connection to ``client``'s Redis: the pool's kind of
    connection with the pool's settings, but not counted by the pool.

    ``pool.make_connection()`` would count it against the pool's
    ``max_connections`` (100 by default) and never give the count back, so
    every thread that ever hit the limiter and then ended used up a place:
    after a hundred (a server that runs each request on a new thread, a test
    suite's racing threads) the cache itself was refused connections. The
    connection closes when its thread ends (its thread-local data is freed)."""
    pool = client.connection_pool
    held = getattr(_threads, "held", None)
    if held is None or held[0] is not pool:
        if held is not None:
            held[1].disconnect()
        held = _threads.held = (pool, pool.connection_class(**pool.connection_kwargs))
    return held[1]


def _run_script(client, names: list[str], args: list) -> list:
    """The script on this thread's connection. A Redis that lost the script
    (restart, ``SCRIPT FLUSH``) is sent it once and asked again; a connection
    the server dropped (restart, idle timeout) is opened again once, as
    redis-py's client would retry."""
    script = _script(client)
    connection = _held(client)
    try:
        try:
            return _evalsha(connection, script.sha, names, args)
        except RedisConnectionError:
            connection.disconnect()
            return _evalsha(connection, script.sha, names, args)
        except NoScriptError:
            client.script_load(script.script)
            return _evalsha(connection, script.sha, names, args)
    except Exception:
        connection.disconnect()  # never leave half a reply for the next request
        raise


def _evalsha(connection, sha: str, names: list[str], args: list) -> list:
    """One round trip: KEYS are ``names``, ARGV ``args``."""
    connection.send_command("EVALSHA", sha, len(names), *names, *args)
    return connection.read_response()


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
    default = caches["default"]
    same_server = bool(prefetch) and shared_cache.same_server(default, strict)
    names = [strict.make_key(key) for key in keys]
    if same_server:
        names += [default.make_key(key) for key in prefetch]
    replies = _run_script(client, names, [period, len(keys)])
    counted = [(int(replies[index]), int(replies[index + 1])) for index in range(0, 2 * len(keys), 2)]
    if same_server:
        shared_cache.remember_raw(default, prefetch, replies[2 * len(keys) :])
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
