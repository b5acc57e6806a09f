"""Periodic jobs of the labs domain (Celery beat): booking reminders.

Jobs are entry points, like views and management commands: they run use cases
through the services (a reminder is claimed on the booking row first,
``reminder_sent_at``, so a job that runs twice, or two beat runs that overlap,
send one email per booking). Nothing below them imports this module, so the
imports run one way: jobs -> services -> tasks -> repositories.
"""

from __future__ import annotations

from apps.labs import services
from apps.labs.tasks import email_context
from deltalabs.emails import send_once
from deltalabs.tasks import idempotent_task


@idempotent_task(name="apps.labs.jobs.send_booking_reminders")
def send_booking_reminders() -> int:
    """Celery beat: queue a reminder for every booking starting within 24 hours."""
    due = services.booking_reminders_due()
    for booking_id in due:
        send_booking_reminder.delay(booking_id=str(booking_id))
    return len(due)


@idempotent_task(name="apps.labs.jobs.send_booking_reminder")
def send_booking_reminder(*, booking_id: str) -> bool:
    """Claim the booking's reminder, then send it; a failed send releases the
    claim so the retry sends it. Returns True if this run sent it."""
    booking = services.booking_reminder_claim(booking_id=booking_id)
    if booking is None:
        return False
    try:
        return send_once(
            key=f"booking-reminder:{booking.pk}",
            template="labs/booking_reminder",
            to=booking.user.email,
            context=email_context(booking),
        )
    except Exception:
        services.booking_reminder_release(booking_id=booking.pk, claimed_at=booking.reminder_sent_at)
        raise
