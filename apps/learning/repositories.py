"""Learning queries. No rules, no permissions.

Only learning's own tables (enrollments, progress) are queried here. The
course counters a seat or a waitlist place moves (``seats_taken``,
``waitlist_length``) belong to catalog: the services change them through
``apps.catalog.repositories`` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.db.models import Count, F, Q, QuerySet

from apps.catalog import repositories as catalog_repositories
from apps.identity import repositories as identity_repositories
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
    return Enrollment.objects.select_related("course", "user").filter(pk=enrollment_id).first()


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


# --- Waitlist ---------------------------------------------------------------------
# Invariant: the course's waitlisted enrollments hold positions exactly
# 1..Course.waitlist_length; the services move the counter (catalog's) in the
# same transaction as every waitlist change.


def waitlist_first(course_id: UUID) -> Enrollment | None:
    return (
        Enrollment.objects.filter(course_id=course_id, status=Enrollment.Status.WAITLISTED)
        .order_by("waitlist_position", "enrolled_at", "id")
        .first()
    )


def waitlist_positions_close_gap(*, course_id: UUID, position: int) -> None:
    """Remove ``position`` from the waitlist: everyone behind moves up one."""
    Enrollment.objects.filter(
        course_id=course_id, status=Enrollment.Status.WAITLISTED, waitlist_position__gt=position
    ).update(waitlist_position=F("waitlist_position") - 1)


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
    title contains it. Resolved to id lists first (by identity and catalog,
    whose tables those are): two small indexed lookups instead of a join over
    every enrollment (and MongoDB-friendly)."""
    term = term.strip()
    user_ids = identity_repositories.user_ids_with_email_prefix(term, limit=SEARCH_MATCH_LIMIT)
    course_ids = catalog_repositories.course_ids_with_title_containing(term, limit=SEARCH_MATCH_LIMIT)
    return queryset.filter(Q(user_id__in=user_ids) | Q(course_id__in=course_ids))


# --- For the domains above learning -------------------------------------------------


def enrollment_ids_current(enrollment_ids: Iterable[UUID | None]) -> list[UUID]:
    """Those of ``enrollment_ids`` that are current (not cancelled); None entries are skipped."""
    ids = [pk for pk in enrollment_ids if pk is not None]
    if not ids:
        return []
    return list(
        Enrollment.objects.filter(pk__in=ids, status__in=Enrollment.CURRENT_STATUSES).values_list("pk", flat=True)
    )


def learners_of_course(course_id: UUID) -> QuerySet[Enrollment]:
    """The learners of a course (active or completed), each once (at most one
    current enrollment per user and course), with their names in the same query."""
    return (
        Enrollment.objects.filter(course_id=course_id, status__in=ACCESS_STATUSES)
        .select_related("user")
        .only("id", "enrolled_at", "status", "user_id", "user__id", "user__display_name")
    )


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
