"""Periodic jobs of the identity domain (Celery beat): entry points that run
services, like views and management commands."""

from apps.identity import services
from deltalabs.tasks import idempotent_task


@idempotent_task(name="apps.identity.jobs.cleanup_revoked_tokens")
def cleanup_revoked_tokens() -> int:
    """Idempotent: deleting already-expired rows twice deletes nothing more."""
    return services.revoked_tokens_cleanup()
