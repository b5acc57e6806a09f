"""Background jobs of the labs domain: booking reminders and cancellation notices.

Every job takes ids and is idempotent: emails go through ``send_once`` with a
key naming the booking and the event, and reminders are claimed on the
booking row first (``reminder_sent_at``), so a task that runs twice, or two
beat runs that overlap, send one email per booking.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from celery import shared_task

from apps.labs import services
from deltalabs.emails import send_once

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_jitter": True, "max_retries": 5}


def _context(booking) -> dict:
    # Formatted here: the template engine would turn aware datetimes back into
    # the server's time zone, and learners read the lab's local time.
    zone = ZoneInfo(booking.lab.timezone)
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    return {
        "booking": booking,
        "lab": booking.lab,
        "user": booking.user,
        "short_when": f"{start:%a %d %b, %H:%M}",
        "when": f"{start:%A %d %B %Y, %H:%M}-{end:%H:%M} ({booking.lab.timezone})",
    }


@shared_task(name="apps.labs.tasks.send_booking_reminders", **RETRY)
def send_booking_reminders() -> int:
    """Celery beat: queue a reminder for every booking starting within 24 hours."""
    due = services.booking_reminders_due()
    for booking_id in due:
        send_booking_reminder.delay(booking_id=str(booking_id))
    return len(due)


@shared_task(name="apps.labs.tasks.send_booking_reminder", **RETRY)
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
            context=_context(booking),
        )
    except Exception:
        services.booking_reminder_release(booking_id=booking.pk, claimed_at=booking.reminder_sent_at)
        raise


@shared_task(name="apps.labs.tasks.send_booking_cancelled", **RETRY)
def send_booking_cancelled(*, booking_id: str) -> bool:
    """Tell the learner that staff or a lab closure cancelled their booking."""
    booking = services.booking_for_notification(booking_id=booking_id)
    if booking is None or booking.status != booking.Status.CANCELLED:
        return False
    return send_once(
        key=f"booking-cancelled:{booking.pk}",
        template="labs/booking_cancelled",
        to=booking.user.email,
        context=_context(booking),
    )
