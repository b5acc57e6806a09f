"""Labs entities: labs, their weekly hours and closures, per-slot counters and bookings.

Invariants (kept by apps.labs.services, never by save()):
- ``LabSlot.booked`` equals the number of active bookings of (lab, start) and
  never exceeds the lab's capacity: it changes only by conditional updates.
- A user holds at most one active booking per (lab, start): a partial unique
  constraint (equality condition, portable to MongoDB).
- ``UserBookingGuard`` is the per-user serialization point of booking
  creation (see services.booking_create).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.identity.models import validate_timezone
from apps.labs.schedule import closing_minutes, minutes_of
from deltalabs.db import TimeStampedModel, UUIDModel


class Lab(TimeStampedModel):
    class Kind(models.TextChoices):
        PHYSICAL = "physical"
        VIRTUAL = "virtual"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PHYSICAL)
    location = models.CharField(max_length=200, blank=True, help_text="Room and building, or the access URL.")
    description = models.TextField(blank=True)
    timezone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone], help_text="IANA name, e.g. Europe/Berlin."
    )
    slot_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(12 * 60)]
    )
    capacity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)], help_text="Seats per slot.")
    is_active = models.BooleanField(default=True)
    required_course = models.ForeignKey(
        "catalog.Course",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="required_by_labs",
        help_text="Learners must be enrolled in this course to book.",
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["is_active", "name", "id"], name="lab_active_name")]

    def __str__(self) -> str:
        return self.name


class LabOpeningHours(UUIDModel):
    """One opening range on a weekday, in the lab's local time. Several per day are allowed."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ["weekday", "opens_at"]
        verbose_name = "opening hours"
        verbose_name_plural = "opening hours"
        indexes = [models.Index(fields=["lab", "weekday"], name="labhours_lab_weekday")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"

    def clean(self) -> None:
        if self.opens_at is None or self.closes_at is None:
            return
        if self.opens_at.second or self.closes_at.second or self.opens_at.microsecond or self.closes_at.microsecond:
            raise ValidationError("Use whole minutes.")
        if closing_minutes(self.closes_at) <= minutes_of(self.opens_at):
            raise ValidationError({"closes_at": "Must be after the opening time (00:00 = midnight)."})


class LabClosure(UUIDModel):
    """Dates (inclusive, lab-local) on which the lab takes no bookings."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="closures")
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Inclusive.")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_on", "id"]
        indexes = [models.Index(fields=["lab", "ends_on"], name="labclosure_lab_ends")]

    def __str__(self) -> str:
        return f"{self.lab} closed {self.starts_on}..{self.ends_on}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "Must be on or after the first closed day."})


class LabSlot(UUIDModel):
    """The booking counter of one slot. Rows exist only for slots someone booked."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField()
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["start"]
        constraints = [models.UniqueConstraint(fields=["lab", "start"], name="uniq_lab_slot")]
        # The availability reads every counter of up to 31 days from this index
        # alone (``booked`` included), never from the table.
        indexes = [models.Index(fields=["lab", "start", "booked"], name="labslot_lab_start_seats")]

    def __str__(self) -> str:
        return f"{self.lab_id} @ {self.start:%Y-%m-%d %H:%M}Z: {self.booked}"


class Booking(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active"
        CANCELLED = "cancelled"

    class CancelReason(models.TextChoices):
        USER = "user", "by the learner"
        STAFF = "staff", "by staff"
        CLOSURE = "closure", "lab closure"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_bookings")
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=10, choices=CancelReason.choices, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start", "id"]
        permissions = [("cancel_booking", "Can cancel other people's bookings")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lab", "start"],
                condition=Q(status="active"),
                name="uniq_active_booking",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status", "start"], name="booking_user_status_start"),
            models.Index(fields=["user", "start", "id"], name="booking_user_start"),
            models.Index(fields=["lab", "start", "status"], name="booking_lab_start"),
            models.Index(fields=["status", "start"], name="booking_status_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.lab_id} {self.start:%Y-%m-%d %H:%M}Z ({self.status})"


class UserBookingGuard(UUIDModel):
    """One row per user who has booked: every booking transaction of the user
    first bumps ``version`` here, so two of them cannot interleave (see
    services.booking_create)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_booking_guard")
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"booking guard of {self.user_id}"
