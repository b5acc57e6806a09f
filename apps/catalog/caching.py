"""The catalogue read cache (docs/architecture.md, Redis), in the fail-soft "default" cache.

Keys:
- ``cache:course:v1:{id}``: one course rendered with its instructors and
  outline (sections, lessons, every lesson's content), as the API shows it.
- ``cache:courses:v1:page:{hash}``: one rendered page of the course list for
  one normalised query (filters, ordering, cursor, limit, public/staff
  scope), tagged with the list version it was rendered under.
- ``cache:categories:v1:{version}:{hash}``: one page of categories.
- ``cache:courses:v1:version``: the list version. Any course or category
  change replaces it with a new random token, so every cached page becomes a
  miss at once (they expire with their TTL). A random token, not a counter: if
  the key is evicted, a counter would restart and resurrect stale pages. The
  version is in the page's value rather than its key so that the version and
  the page can be read together, in one round trip.

What is cached is viewer-neutral: lesson content is in the cached outline, but
whether a viewer may see it is decided per request by the services, and
``seats_taken`` is always re-read from the database (see docs/decisions.md).

Each worker also keeps the list pages it last read or wrote (``list_page``,
``keep_list_page``), tagged with their version and the moment their Redis
entry expires: a hit then reads only the version from Redis, not the 15 KB
page, and unpickles nothing. A copy of another version is ignored, as the
Redis entry would be, and it is dropped when its Redis entry expires, so a
page is never served longer or staler than Redis would serve it.

Reads first look at what the rate limiter prefetched for this request
(``deltalabs.cache.take``). Every read treats a broken cache (Redis down, an
entry that no longer unpickles) as a miss: the catalogue keeps working from
the database. With ``CATALOG_CACHE_SECONDS = 0`` nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import caches

from deltalabs.cache import MISSING, resource_key, take

logger = logging.getLogger("apps.catalog.caching")

LIST_VERSION_KEY = "cache:courses:v1:version"


def _cache():
    return caches["default"]


def get(key: str) -> Any | None:
    prefetched = take(key)
    if prefetched is not MISSING:
        return prefetched
    try:
        return _cache().get(key)
    except Exception:  # a cache outage or an unreadable entry is a miss
        logger.warning("Catalog cache read failed for %s", key, exc_info=True)
        return None


def put(key: str, value: Any) -> None:
    if settings.CATALOG_CACHE_SECONDS <= 0:
        return  # caching switched off: a write would only be a delete
    try:
        _cache().set(key, value, timeout=settings.CATALOG_CACHE_SECONDS)
    except Exception:
        logger.warning("Catalog cache write failed for %s", key, exc_info=True)


def course_key(course_id) -> str:
    return resource_key("course", course_id)


def list_version() -> str | None:
    """The current list namespace, created on first use; None if the cache is down."""
    version = get(LIST_VERSION_KEY)
    if version is None:
        try:
            _cache().add(LIST_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        except Exception:
            logger.warning("Catalog cache unavailable", exc_info=True)
            return None
        version = get(LIST_VERSION_KEY)
    return version


def page_key(resource: str, version: str, params: dict) -> str:
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return f"cache:{resource}:v1:{version}:{digest}"


def list_page_key(resource: str, params: dict) -> str:
    """A list page's key, without the version (which the cached value carries)."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return f"cache:{resource}:v1:page:{digest}"


# --- This worker's copies of list pages -----------------------------------------------

LOCAL_PAGES_MAX = 512  # about 15 KB each


class _LocalPage(NamedTuple):
    version: str
    expires_at: float  # time.time() when the Redis entry expires
    page: Any


_local_pages: dict[str, _LocalPage] = {}
_local_pages_lock = threading.Lock()


def _live_copy(key: str) -> _LocalPage | None:
    """This worker's copy of the page at ``key``, unless its Redis entry has expired."""
    copy = _local_pages.get(key)
    return copy if copy is not None and copy.expires_at > time.time() else None


def has_list_page_copy(key: str) -> bool:
    """Whether this worker holds a live copy of the page at ``key`` (of
    whichever version: the caller reads the version anyway)."""
    return _live_copy(key) is not None


def list_page(key: str, version: str) -> Any | None:
    """The page cached at ``key`` under ``version``: this worker's copy, else
    the cache's entry (then copied here). None on a miss."""
    copy = _live_copy(key)
    if copy is not None and copy.version == version:
        return copy.page
    entry = get(key)
    if not isinstance(entry, dict) or entry.get("version") != version or "page" not in entry:
        return None
    _keep(key, _LocalPage(version, entry.get("expires_at", 0.0), entry["page"]))
    return entry["page"]


def keep_list_page(key: str, version: str, page: Any) -> None:
    """Cache a list page rendered under ``version``, in the cache and here."""
    if settings.CATALOG_CACHE_SECONDS <= 0:
        return
    expires_at = time.time() + settings.CATALOG_CACHE_SECONDS
    put(key, {"version": version, "page": page, "expires_at": expires_at})
    _keep(key, _LocalPage(version, expires_at, page))


def forget_list_page_copies() -> None:
    with _local_pages_lock:
        _local_pages.clear()


def _keep(key: str, copy: _LocalPage) -> None:
    with _local_pages_lock:
        _local_pages.pop(key, None)
        if len(_local_pages) >= LOCAL_PAGES_MAX:
            del _local_pages[next(iter(_local_pages))]  # the oldest copy
        _local_pages[key] = copy


def forget_courses(course_ids) -> None:
    """Drop the detail entries of these courses and every cached list page."""
    try:
        cache = _cache()
        if course_ids:
            cache.delete_many([course_key(course_id) for course_id in course_ids])
        cache.set(LIST_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        # Fail soft: entries expire after CATALOG_CACHE_SECONDS anyway.
        logger.warning("Catalog cache invalidation failed for %s", course_ids, exc_info=True)
