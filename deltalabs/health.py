"""Liveness and readiness probes (docs/api.md, Health and documentation): no auth, 200 or 503."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import JsonResponse

logger = logging.getLogger("deltalabs.health")


def healthz(request):
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


def _database_ready() -> dict:
    connection = connections["default"]
    if connection.vendor == "mongodb":
        # Transactions (deltalabs.db.atomic) need a replica set or sharded cluster.
        connection.ensure_connection()
        connection.connection.admin.command("ping")
        return {"database": "ok", "replica_set": "ok" if connection.features._supports_transactions else "missing"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"database": "ok"}


def _redis_ready() -> dict:
    if not settings.REDIS_URL:
        return {"redis": "not_configured"}
    caches["strict"].get("readyz:probe")
    return {"redis": "ok"}


def readyz(request):
    """Database (and on MongoDB a replica set) and Redis reachable."""
    checks: dict[str, str] = {}
    healthy = True
    for probe, name in ((_database_ready, "database"), (_redis_ready, "redis")):
        try:
            checks.update(probe())
        except Exception:
            logger.warning("Readiness probe %s failed", name, exc_info=True)
            checks[name] = "unavailable"
            healthy = False
    if checks.get("replica_set") == "missing":
        healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )
