"""Labs queries. No rules, no permissions.

Every update here that changes a counter or a status is conditional (the
filter carries the precondition), so callers learn from the row count whether
their change happened; none of them reads a value and writes it back.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.db.models import F, QuerySet, Sum

from apps.labs.models import Booking, Lab, LabClosure, LabOpeningHours, LabSlot, UserBookingGuard
from deltalabs.prepared import PreparedSelect

# The availability read's queries run on every request of a public, heavy
# endpoint: compiled once (deltalabs.prepared). Chained filters keep the
# parameters in the order of the values.
_LAB = PreparedSelect(lambda values: Lab.objects.filter(pk=values[0]).order_by()[:1], Lab._meta.pk)
_OPENING_HOURS = PreparedSelect(
    lambda values: LabOpeningHours.objects.filter(lab_id=values[0]).order_by("weekday", "opens_at"),
    LabOpeningHours._meta.get_field("lab"),
)
_CLOSURES_OVERLAPPING = PreparedSelect(
    lambda values: (
        LabClosure.objects.filter(lab_id=values[0])
        .filter(starts_on__lte=values[1])
        .filter(ends_on__gte=values[2])
        .order_by("starts_on", "id")
    ),
    fields=[LabClosure._meta.get_field(name) for name in ("lab", "starts_on", "ends_on")],
)
_SLOT_COUNTERS = PreparedSelect(
    lambda values: (
        LabSlot.objects.filter(lab_id=values[0])
        .filter(start__gte=values[1])
        .filter(start__lt=values[2])
        .order_by()
        .values_list("start", "booked")
    ),
    fields=[LabSlot._meta.get_field(name) for name in ("lab", "start", "start")],
)

# --- Labs ---------------------------------------------------------------------


def lab_get(lab_id: UUID) -> Lab | None:
    return Lab.objects.select_related("required_course").filter(pk=lab_id).first()


def lab_by_id(lab_id: UUID) -> Lab | None:
    """The lab alone (its required course not joined)."""
    labs = _LAB.objects([lab_id])
    return labs[0] if labs else None


def labs_active(*, kind: str | None = None) -> QuerySet[Lab]:
    queryset = Lab.objects.select_related("required_course").filter(is_active=True)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset


def opening_hours(lab_id: UUID) -> list[LabOpeningHours]:
    return _OPENING_HOURS.objects([lab_id])


# --- Closures -----------------------------------------------------------------


def closures_overlapping(lab_id: UUID, first: date, last: date) -> list[LabClosure]:
    """Closures sharing at least one day with ``first..last`` (inclusive)."""
    return _CLOSURES_OVERLAPPING.objects([lab_id, last, first])


def closures_ending_on_or_after(lab_id: UUID, day: date) -> list[LabClosure]:
    return list(LabClosure.objects.filter(lab_id=lab_id, ends_on__gte=day).order_by("starts_on", "id"))


def closure_covers(lab_id: UUID, day: date) -> bool:
    return LabClosure.objects.filter(lab_id=lab_id, starts_on__lte=day, ends_on__gte=day).exists()


def closure_insert(*, lab_id: UUID, starts_on: date, ends_on: date, reason: str) -> LabClosure:
    return LabClosure.objects.create(lab_id=lab_id, starts_on=starts_on, ends_on=ends_on, reason=reason)


def closure_get(closure_id: UUID) -> LabClosure | None:
    return LabClosure.objects.filter(pk=closure_id).first()


def closure_delete(closure_id: UUID) -> int:
    deleted, _ = LabClosure.objects.filter(pk=closure_id).delete()
    return deleted


# --- Slot counters ------------------------------------------------------------


def slot_counters(lab_id: UUID, lower: datetime, upper: datetime) -> dict[datetime, int]:
    """``{start: booked}`` of the counter rows with ``lower <= start < upper``."""
    return dict(_SLOT_COUNTERS.rows([lab_id, lower, upper]))


def slot_exists(lab_id: UUID, start: datetime) -> bool:
    return LabSlot.objects.filter(lab_id=lab_id, start=start).exists()


def slot_insert(lab_id: UUID, start: datetime) -> LabSlot:
    return LabSlot.objects.create(lab_id=lab_id, start=start, booked=0)


def slot_claim(lab_id: UUID, start: datetime, *, capacity: int) -> bool:
    """Take one seat if fewer than ``capacity`` are taken. One conditional update."""
    return bool(LabSlot.objects.filter(lab_id=lab_id, start=start, booked__lt=capacity).update(booked=F("booked") + 1))


def slot_release(lab_id: UUID, start: datetime) -> bool:
    """Give one seat back; never below zero. One conditional update."""
    return bool(LabSlot.objects.filter(lab_id=lab_id, start=start, booked__gt=0).update(booked=F("booked") - 1))


# --- The per-user guard -------------------------------------------------------


def guard_exists(user_id: UUID) -> bool:
    return UserBookingGuard.objects.filter(user_id=user_id).exists()


def guard_insert(user_id: UUID) -> UserBookingGuard:
    return UserBookingGuard.objects.create(user_id=user_id)


def guard_touch(user_id: UUID) -> int:
    return UserBookingGuard.objects.filter(user_id=user_id).update(version=F("version") + 1)


# --- Bookings -----------------------------------------------------------------


def booking_get(booking_id: UUID) -> Booking | None:
    return Booking.objects.select_related("lab", "user").filter(pk=booking_id).first()


def booking_insert(*, user_id: UUID, lab_id: UUID, start: datetime, end: datetime) -> Booking:
    return Booking.objects.create(user_id=user_id, lab_id=lab_id, start=start, end=end)


def user_has_overlapping_booking(user_id: UUID, start: datetime, end: datetime) -> bool:
    """An active booking of the user, in any lab, sharing time with ``start..end``."""
    return Booking.objects.filter(user_id=user_id, status=Booking.Status.ACTIVE, start__lt=end, end__gt=start).exists()


def user_upcoming_count(user_id: UUID, now: datetime) -> int:
    return Booking.objects.filter(user_id=user_id, status=Booking.Status.ACTIVE, start__gt=now).count()


def bookings_of_user(
    user_id: UUID,
    *,
    status: str | None = None,
    starting_after: datetime | None = None,
    starting_until: datetime | None = None,
) -> QuerySet:
    queryset = Booking.objects.select_related("lab").filter(user_id=user_id)
    if status:
        queryset = queryset.filter(status=status)
    if starting_after is not None:
        queryset = queryset.filter(start__gt=starting_after)
    if starting_until is not None:
        queryset = queryset.filter(start__lte=starting_until)
    return queryset


def booking_mark_cancelled(booking_id: UUID, *, now: datetime, reason: str) -> bool:
    """Active -> cancelled. False when it was not active (cancelled concurrently)."""
    return bool(
        Booking.objects.filter(pk=booking_id, status=Booking.Status.ACTIVE).update(
            status=Booking.Status.CANCELLED, cancelled_at=now, cancel_reason=reason, updated_at=now
        )
    )


def bookings_active_between(lab_id: UUID, lower: datetime, upper: datetime) -> list[Booking]:
    """Active bookings of the lab starting in ``lower <= start < upper``, with their users."""
    return list(
        Booking.objects.select_related("user")
        .filter(lab_id=lab_id, status=Booking.Status.ACTIVE, start__gte=lower, start__lt=upper)
        .order_by("start", "created_at", "id")
    )


def booking_ids_due_reminder(now: datetime, until: datetime) -> list[UUID]:
    return list(
        Booking.objects.filter(
            status=Booking.Status.ACTIVE, start__gt=now, start__lte=until, reminder_sent_at__isnull=True
        )
        .order_by("start")
        .values_list("id", flat=True)
    )


def booking_claim_reminder(booking_id: UUID, *, now: datetime) -> bool:
    """Mark the reminder as sent unless someone already did. One conditional update."""
    return bool(
        Booking.objects.filter(
            pk=booking_id, status=Booking.Status.ACTIVE, start__gt=now, reminder_sent_at__isnull=True
        ).update(reminder_sent_at=now)
    )


def booking_release_reminder(booking_id: UUID, *, claimed_at: datetime) -> None:
    Booking.objects.filter(pk=booking_id, reminder_sent_at=claimed_at).update(reminder_sent_at=None)


# --- Dashboard figures ----------------------------------------------------------


def opening_hours_of_labs(lab_ids: list[UUID]) -> list[LabOpeningHours]:
    return list(LabOpeningHours.objects.filter(lab_id__in=lab_ids))


def closures_of_labs_overlapping(lab_ids: list[UUID], first: date, last: date) -> list[LabClosure]:
    return list(LabClosure.objects.filter(lab_id__in=lab_ids, starts_on__lte=last, ends_on__gte=first))


def booked_seats_per_lab(lab_ids: list[UUID], lower: datetime, upper: datetime) -> dict[UUID, int]:
    rows = (
        LabSlot.objects.filter(lab_id__in=lab_ids, start__gte=lower, start__lt=upper)
        .values("lab_id")
        .annotate(seats=Sum("booked"))
    )
    return {row["lab_id"]: row["seats"] or 0 for row in rows}


def bookings_active_starting_between(lower: datetime, upper: datetime) -> int:
    return Booking.objects.filter(status=Booking.Status.ACTIVE, start__gte=lower, start__lt=upper).count()
