"""Periodic jobs of the commerce domain (Celery beat): upkeep of carts and orders.

Jobs are entry points, like views and management commands: they run use cases
through the services. Nothing below them imports this module: the services
queue their emails through ``apps.commerce.tasks``, which sits below the
services and reads through the repositories. So the imports run one way,
jobs -> services -> tasks -> repositories, and never in a circle.

Every job is idempotent (conditional updates) and safe to run twice.
"""

from __future__ import annotations

from apps.commerce.services import checkout as checkout_services
from apps.commerce.services import orders as order_services
from deltalabs.tasks import idempotent_task


@idempotent_task(name="apps.commerce.jobs.expire_stale_carts")
def expire_stale_carts() -> int:
    """Open carts untouched for 30 days become ``expired``. Idempotent."""
    return order_services.carts_expire_stale()


@idempotent_task(name="apps.commerce.jobs.reconcile_pending_orders")
def reconcile_pending_orders() -> dict[str, int]:
    """Orders pending for more than 15 minutes (a crash, or a provider that did
    not answer) are settled by asking the provider about their key: paid, or
    failed with their seats and cart given back. Idempotent."""
    return checkout_services.orders_reconcile()
