"""Background jobs of the identity domain."""

from celery import shared_task

from apps.identity import services


@shared_task(
    name="apps.identity.tasks.cleanup_revoked_tokens",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def cleanup_revoked_tokens() -> int:
    """Idempotent: deleting already-expired rows twice deletes nothing more."""
    return services.revoked_tokens_cleanup()
