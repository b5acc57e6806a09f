"""Background jobs the labs services queue on commit: cancellation notices.

Every job takes ids and is idempotent: emails go through ``send_once`` with a
key naming the booking and the event. Tasks sit below the services: they read
through the repositories and never import a service (the reminder jobs, which
claim bookings through the services, live in ``apps.labs.jobs``), so
services -> tasks is the only direction between the two.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apps.labs import repositories
from deltalabs.emails import send_once
from deltalabs.tasks import idempotent_task


def email_context(booking) -> dict:
    """What the booking emails show, in the lab's local time."""
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


@idempotent_task(name="apps.labs.tasks.send_booking_cancelled")
def send_booking_cancelled(*, booking_id: str) -> bool:
    """Tell the learner that staff or a lab closure cancelled their booking."""
    booking = repositories.booking_get(booking_id)
    if booking is None or booking.status != booking.Status.CANCELLED:
        return False
    return send_once(
        key=f"booking-cancelled:{booking.pk}",
        template="labs/booking_cancelled",
        to=booking.user.email,
        context=email_context(booking),
    )
