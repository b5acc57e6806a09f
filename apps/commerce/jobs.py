"""Periodic jobs of the commerce domain (Celery beat): upkeep of carts and orders.

Jobs are entry points, like views and management commands: they run use cases
through the services. Nothing below them imports this module: the services
queue their emails through ``apps.commerce.tasks``, which sits below the
services and reads through the repositories. So the imports run one way,
jobs -> services -> tasks -> repositories, and never in a circle.

Every job is idempotent (conditional updates) and safe to run twice.
"""

from __future__ import annotations

from apps.commerce.services import orders as order_services
from deltalabs.tasks import idempotent_task


@idempotent_task(name="apps.commerce.jobs.expire_stale_carts")
def expire_stale_carts() -> int:
    """Open carts untouched for 30 days become ``expired``. Idempotent."""
    return order_services.carts_expire_stale()


@idempotent_task(name="apps.commerce.jobs.expire_pending_orders")
def expire_pending_orders() -> int:
    """Pending orders older than 30 minutes become ``failed``, releasing their seats. Idempotent."""
    return order_services.orders_expire_pending()
