"""Assessment queries. No rules, no permissions: the services decide who sees
what. Only assessment's own tables are queried here (a course's learners come
from ``apps.learning.repositories.learners_of_course``). The gradebook queries are built so that one page costs a fixed number
of queries whatever the class size (see ``submissions_for_learners``)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import Prefetch, QuerySet

from apps.assessment.models import Assessment, AssessmentItem, Submission
from apps.catalog import repositories as catalog_repositories


def assessment_get(assessment_id: UUID) -> Assessment | None:
    return Assessment.objects.select_related("course").filter(pk=assessment_id).first()


def assessment_with_items(assessment_id: UUID) -> Assessment | None:
    return (
        Assessment.objects.select_related("course")
        .prefetch_related(Prefetch("items", queryset=AssessmentItem.objects.order_by("position", "id")))
        .filter(pk=assessment_id)
        .first()
    )


def assessment_list(*, course_id: UUID, published_only: bool) -> QuerySet[Assessment]:
    queryset = Assessment.objects.filter(course_id=course_id).prefetch_related(
        Prefetch("items", queryset=AssessmentItem.objects.order_by("position", "id"))
    )
    if published_only:
        queryset = queryset.filter(is_published=True)
    return queryset


def assessments_published(course_id: UUID) -> list[Assessment]:
    """The published assessments of a course, in course order (the gradebook's columns)."""
    return list(
        Assessment.objects.filter(course_id=course_id, is_published=True)
        .only("id", "title", "weight", "max_score", "due_at", "position")
        .order_by("position", "id")
    )


def assessment_set_published(*, assessment_id: UUID, is_published: bool) -> int:
    return Assessment.objects.filter(pk=assessment_id).update(is_published=is_published)


def submission_exists(*, user_id: UUID, assessment_id: UUID) -> bool:
    return Submission.objects.filter(user_id=user_id, assessment_id=assessment_id).exists()


def submission_create(**fields) -> Submission:
    return Submission.objects.create(**fields)


def submission_get(submission_id: UUID) -> Submission | None:
    return (
        Submission.objects.select_related("assessment", "course", "user", "graded_by").filter(pk=submission_id).first()
    )


def submission_record_grade(*, submission_id: UUID, **fields) -> int:
    return Submission.objects.filter(pk=submission_id).update(**fields)


def submission_delete(submission_id: UUID) -> None:
    Submission.objects.filter(pk=submission_id).delete()


def submission_list_for_user(*, user_id: UUID, course_id: UUID | None = None) -> QuerySet[Submission]:
    queryset = Submission.objects.filter(user_id=user_id).select_related("user", "graded_by")
    if course_id is not None:
        queryset = queryset.filter(course_id=course_id)
    return queryset


def submission_list_for_assessment(
    *, assessment_id: UUID, status: str | None = None, user_id: UUID | None = None
) -> QuerySet[Submission]:
    queryset = Submission.objects.filter(assessment_id=assessment_id).select_related("user", "graded_by")
    if user_id is not None:
        queryset = queryset.filter(user_id=user_id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def submissions_of_user_in_course(*, user_id: UUID, course_id: UUID) -> list[Submission]:
    return list(
        Submission.objects.filter(user_id=user_id, course_id=course_id).only(
            "id", "assessment_id", "user_id", "score", "status", "is_late"
        )
    )


def submissions_for_learners(
    *, course_id: UUID, user_ids: Iterable[UUID], assessment_ids: Iterable[UUID]
) -> list[Submission]:
    """Every submission of these learners on these assessments: ONE query for a
    whole gradebook page (bounded by page size x published assessments)."""
    return list(
        Submission.objects.filter(
            course_id=course_id, user_id__in=list(user_ids), assessment_id__in=list(assessment_ids)
        ).only("id", "assessment_id", "user_id", "score", "status", "is_late")
    )


def submissions_awaiting_grading(*, course_id: UUID | None = None) -> QuerySet[Submission]:
    queryset = Submission.objects.filter(status=Submission.Status.SUBMITTED)
    if course_id is not None:
        queryset = queryset.filter(course_id=course_id)
    return queryset.order_by("submitted_at", "id")


def courses_with_assessments() -> list[tuple[UUID, str]]:
    """(id, title) of the courses that have assessments (the admin's course filter)."""
    course_ids = set(Assessment.objects.values_list("course_id", flat=True).distinct())
    return catalog_repositories.course_titles(course_ids)


def submissions_awaiting_grading_count() -> int:
    return Submission.objects.filter(status=Submission.Status.SUBMITTED).count()
