"""Learning entities: enrollments (with the waitlist) and per-lesson progress.

At most one non-cancelled enrollment per (user, course) is enforced by a
partial unique constraint, so concurrent duplicate enrollments cannot both
land whatever the engine.

A ``pending`` enrollment is a seat held for an order whose payment has not
settled (checkout's first phase): it counts in ``seats_taken`` and blocks a
second enrollment like any current one, gives no access to the course, and is
never shown to learners. The payment turns it ``active`` or deletes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deltalabs.db import TimeStampedModel, UUIDModel


class Enrollment(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active"
        WAITLISTED = "waitlisted"
        COMPLETED = "completed"
        CANCELLED = "cancelled"
        PENDING = "pending"

    class Source(models.TextChoices):
        SELF = "self"
        ORDER = "order"
        SPONSORSHIP = "sponsorship"
        STAFF = "staff"

    # Non-cancelled: at most one per (user, course).
    CURRENT_STATUSES = (Status.ACTIVE, Status.WAITLISTED, Status.COMPLETED, Status.PENDING)
    # What learners see and filter by (the API's status enum): not ``pending``.
    LEARNER_STATUSES = (Status.ACTIVE, Status.WAITLISTED, Status.COMPLETED, Status.CANCELLED)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey("catalog.Course", on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SELF)
    enrolled_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Why it was cancelled ("learner", "staff", "refund: order 1042"...), for staff.
    cancellation_reason = models.CharField(max_length=200, blank=True)
    # 1-based and contiguous among the course's waitlisted enrollments; null otherwise.
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-enrolled_at", "id"]
        permissions = [("cancel_enrollment", "Can cancel other people's enrollments")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=Q(status__in=["active", "waitlisted", "completed", "pending"]),
                name="uniq_current_enrollment",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status", "-enrolled_at"], name="enrollment_user_status"),
            models.Index(fields=["user", "-enrolled_at", "id"], name="enrollment_user_recent"),
            models.Index(fields=["course", "status", "waitlist_position"], name="enrollment_course_waitlist"),
            models.Index(fields=["course", "-enrolled_at", "id"], name="enrollment_course_recent"),
            models.Index(fields=["status", "-enrolled_at"], name="enrollment_status_recent"),
            models.Index(fields=["source", "-enrolled_at"], name="enrollment_source_recent"),
            # The admin's unfiltered list, newest first.
            models.Index(fields=["-enrolled_at", "id"], name="enrollment_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.course_id} ({self.status})"


class LessonProgress(UUIDModel):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.CASCADE, related_name="progress")
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "lesson"], name="uniq_lesson_progress")]

    def __str__(self) -> str:
        return f"{self.enrollment_id}/{self.lesson_id}: {self.completed}"
