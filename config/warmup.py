"""What a web worker does once, after loading the application and before its first request.

- Import every view (Django resolves the URLconf lazily, on the first request).
- ``gc.freeze()``: move everything loaded so far (~110,000 objects: Django,
  DRF, Celery, pymongo, our modules) out of the garbage collector's sight.
  Those objects live as long as the process, yet every full collection walked
  them all, a pause that landed on whichever request triggered it. Measured in
  ``make bench`` (docs/decisions.md, Read-path performance): the 31-day lab
  availability, which allocates ~500 slots per request, had a p99 of 81-137 ms
  at a p50 of 14-19 ms; frozen, 54-64 ms at 17 ms.
"""

from __future__ import annotations

import gc


def warm_up() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every urls module, so every view)
    gc.collect()
    gc.freeze()
