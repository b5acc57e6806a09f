"""Learning queries. No rules, no permissions.

The course counters (``Course.seats_taken``, ``Course.waitlist_length``) are
changed here and only here, each by ONE conditional update; the invariant each
update keeps is written next to it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db.models import Count, F, Q, QuerySet

from apps.catalog.models import Course
from apps.identity.models import User
from apps.learning.models import Enrollment, LessonProgress

# Statuses that give a learner access to course material.
ACCESS_STATUSES = (Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED)
# Statuses that hold a seat: completing a course does not give the seat back,
# and a pending enrollment holds its seat while the order's payment settles.
SEAT_STATUSES = (*ACCESS_STATUSES, Enrollment.Status.PENDING)


def enrollment_is_active(*, user_id: UUID, course_id: UUID) -> bool:
    """True when the user is enrolled (active or completed) in the course."""
    return Enrollment.objects.filter(user_id=user_id, course_id=course_id, status__in=ACCESS_STATUSES).exists()


def enrollment_current(*, user_id: UUID, course_id: UUID) -> Enrollment | None:
    """The user's non-cancelled enrollment in the course, if any."""
    return Enrollment.objects.filter(
        user_id=user_id, course_id=course_id, status__in=Enrollment.CURRENT_STATUSES
    ).first()


def enrollment_get(enrollment_id: UUID) -> Enrollment | None:
    return Enrollment.objects.select_related("course").filter(pk=enrollment_id).first()


def enrollment_for_email(enrollment_id: UUID) -> Enrollment | None:
    return Enrollment.objects.select_related("course", "user").filter(pk=enrollment_id).first()


def enrollment_queryset(*, user_id: UUID, status: str | None = None) -> QuerySet[Enrollment]:
    """The user's enrollments as learners see them (never ``pending`` holds)."""
    queryset = Enrollment.objects.filter(user_id=user_id).select_related("course")
    if status:
        return queryset.filter(status=status)
    return queryset.filter(status__in=Enrollment.LEARNER_STATUSES)


def enrollment_insert(*, user_id: UUID, course_id: UUID, status: str, source: str, position: int | None = None):
    return Enrollment.objects.create(
        user_id=user_id, course_id=course_id, status=status, source=source, waitlist_position=position
    )


def enrollment_change_status(*, enrollment_id: UUID, from_status: str, values: dict) -> bool:
    """Move an enrollment out of ``from_status``; False if it was no longer in it.

    Conditional on the status, so two concurrent cancellations cannot both
    release the enrollment's seat.
    """
    return Enrollment.objects.filter(pk=enrollment_id, status=from_status).update(**values) == 1


def enrollment_delete_pending(enrollment_id: UUID) -> bool:
    """Delete a ``pending`` hold; False if it is no longer pending (confirmed or
    already released), so two concurrent releases cannot both free its seat."""
    _, per_model = Enrollment.objects.filter(pk=enrollment_id, status=Enrollment.Status.PENDING).delete()
    return per_model.get(Enrollment._meta.label, 0) == 1


def enrollment_touch(*, enrollment_id: UUID, now: datetime) -> None:
    Enrollment.objects.filter(pk=enrollment_id).update(updated_at=now)


# --- Seats ----------------------------------------------------------------------


def seat_claim(course_id: UUID) -> bool:
    """Take one seat of the course; False when it is full."""
    # Invariant: seats_taken <= capacity (null capacity = unlimited). The
    # filter makes the increment conditional, so concurrent requests cannot
    # overshoot: the database applies them one at a time to the course row.
    claimed = Course.objects.filter(Q(capacity__isnull=True) | Q(seats_taken__lt=F("capacity")), pk=course_id).update(
        seats_taken=F("seats_taken") + 1
    )
    return claimed == 1


def seat_release(course_id: UUID) -> bool:
    # Invariant: seats_taken >= 0, and it only drops when an enrollment
    # holding a seat left that status in the same transaction.
    return Course.objects.filter(pk=course_id, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1) == 1


# --- Waitlist ---------------------------------------------------------------------
# Invariant: the course's waitlisted enrollments hold positions exactly
# 1..waitlist_length. Every change updates Course.waitlist_length in the same
# transaction, so concurrent waitlist changes of one course are serialised by
# the course row (SQLite's write lock; a write conflict and retry on MongoDB).


def waitlist_push(course_id: UUID) -> int:
    """Grow the waitlist by one; returns the new last position."""
    Course.objects.filter(pk=course_id).update(waitlist_length=F("waitlist_length") + 1)
    return Course.objects.filter(pk=course_id).values_list("waitlist_length", flat=True).get()


def waitlist_first(course_id: UUID) -> Enrollment | None:
    return (
        Enrollment.objects.filter(course_id=course_id, status=Enrollment.Status.WAITLISTED)
        .order_by("waitlist_position", "enrolled_at", "id")
        .first()
    )


def waitlist_close_gap(*, course_id: UUID, position: int) -> None:
    """Remove ``position`` from the waitlist: everyone behind moves up one."""
    Enrollment.objects.filter(
        course_id=course_id, status=Enrollment.Status.WAITLISTED, waitlist_position__gt=position
    ).update(waitlist_position=F("waitlist_position") - 1)
    Course.objects.filter(pk=course_id, waitlist_length__gt=0).update(waitlist_length=F("waitlist_length") - 1)


# --- Progress ---------------------------------------------------------------------


def progress_rows(enrollment_id: UUID) -> list[LessonProgress]:
    return list(LessonProgress.objects.filter(enrollment_id=enrollment_id))


def progress_get(*, enrollment_id: UUID, lesson_id: UUID) -> LessonProgress | None:
    return LessonProgress.objects.filter(enrollment_id=enrollment_id, lesson_id=lesson_id).first()


def progress_insert(*, enrollment_id: UUID, lesson_id: UUID, completed_at: datetime) -> LessonProgress:
    return LessonProgress.objects.create(
        enrollment_id=enrollment_id, lesson_id=lesson_id, completed=True, completed_at=completed_at
    )


def progress_set(*, progress_id: UUID, completed: bool, completed_at: datetime | None) -> int:
    return LessonProgress.objects.filter(pk=progress_id, completed=not completed).update(
        completed=completed, completed_at=completed_at
    )


def completed_lesson_ids(enrollment_id: UUID) -> set[UUID]:
    return set(
        LessonProgress.objects.filter(enrollment_id=enrollment_id, completed=True).values_list("lesson_id", flat=True)
    )


# --- Admin search -----------------------------------------------------------------

SEARCH_MATCH_LIMIT = 500


def enrollment_search(queryset: QuerySet[Enrollment], term: str) -> QuerySet[Enrollment]:
    """Enrollments whose learner's email starts with ``term`` or whose course
    title contains it. Resolved to id lists first: two small indexed lookups
    instead of a join over every enrollment (and MongoDB-friendly)."""
    term = term.strip()
    user_ids = list(
        User.objects.filter(email__startswith=term.lower()).order_by().values_list("id", flat=True)[:SEARCH_MATCH_LIMIT]
    )
    course_ids = list(
        Course.objects.filter(title__icontains=term).order_by().values_list("id", flat=True)[:SEARCH_MATCH_LIMIT]
    )
    return queryset.filter(Q(user_id__in=user_ids) | Q(course_id__in=course_ids))


# --- Dashboard figures ----------------------------------------------------------


def learners_with_active_enrollment_count() -> int:
    return Enrollment.objects.filter(status=Enrollment.Status.ACTIVE).values("user_id").distinct().count()


def enrollments_current_count() -> int:
    return Enrollment.objects.filter(status__in=Enrollment.CURRENT_STATUSES).count()


def enrollments_per_period(starts: list[datetime], end: datetime) -> list[int]:
    """New enrollments in each [starts[i], starts[i+1]) (the last one up to ``end``), in one query."""
    bounds = [*starts, end]
    counts = Enrollment.objects.aggregate(
        **{
            f"p{index}": Count("id", filter=Q(enrolled_at__gte=bounds[index], enrolled_at__lt=bounds[index + 1]))
            for index in range(len(starts))
        }
    )
    return [counts[f"p{index}"] for index in range(len(starts))]
