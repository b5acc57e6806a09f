"""Cache key layout (docs/architecture.md, Redis): keys are stored exactly as the code names them,
``cache:{resource}:v1:{id}``, ``ratelimit:{scope}:{id}``, ``idempotency:{scope}:{key}``,
so operators can find them in Redis. A ``KEY_PREFIX`` (tests use one per
worker) is prepended when set; Django's numeric version suffix is not used.
"""

from __future__ import annotations


def make_key(key: str, key_prefix: str, version: int) -> str:
    return f"{key_prefix}:{key}" if key_prefix else key


def resource_key(resource: str, identifier: object) -> str:
    return f"cache:{resource}:v1:{identifier}"
