"""Catalog queries. No rules, no permissions.

Every query here is portable to MongoDB: relations are followed with
``select_related`` or reverse-FK ``Prefetch`` (never many-to-many prefetches),
and filters on related rows are resolved to id lists first (``pk__in``), so no
query filters one collection by another's fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet

from apps.catalog.models import Category, Course, CourseInstructor, Lesson, Resource, Section


def course_get(course_id: UUID) -> Course | None:
    return Course.objects.filter(pk=course_id).first()


def course_is_instructor(*, user_id: UUID, course_id: UUID) -> bool:
    return CourseInstructor.objects.filter(user_id=user_id, course_id=course_id).exists()


def _instructors_prefetch() -> Prefetch:
    # Only what the API shows: cached courses must not carry users' emails or hashes.
    return Prefetch(
        "course_instructors",
        queryset=CourseInstructor.objects.select_related("user")
        .only("id", "course_id", "user_id", "position", "user__id", "user__display_name")
        .order_by("position", "id"),
    )


def course_with_outline(course_id: UUID) -> Course | None:
    """The course with category, instructors, and its sections and lessons in order."""
    lessons = Prefetch("lessons", queryset=Lesson.objects.order_by("position", "id"))
    sections = Prefetch("sections", queryset=Section.objects.order_by("position", "id").prefetch_related(lessons))
    return (
        Course.objects.filter(pk=course_id)
        .select_related("category")
        .prefetch_related(_instructors_prefetch(), sections)
        .first()
    )


def course_queryset(
    *,
    published_only: bool,
    search: str | None = None,
    level: str | None = None,
    category_id: UUID | None = None,
    is_free: bool | None = None,
    course_ids: Iterable[UUID] | None = None,
) -> QuerySet[Course]:
    """Courses matching the filters, with category and instructors loaded."""
    queryset = Course.objects.select_related("category").prefetch_related(_instructors_prefetch())
    if published_only:
        queryset = queryset.filter(status=Course.Status.PUBLISHED)
    if search:
        queryset = queryset.filter(Q(title__icontains=search) | Q(summary__icontains=search))
    if level:
        queryset = queryset.filter(level=level)
    if category_id is not None:
        queryset = queryset.filter(category_id=category_id)
    if is_free is True:
        queryset = queryset.filter(price=Decimal("0"))
    elif is_free is False:
        queryset = queryset.filter(price__gt=Decimal("0"))
    if course_ids is not None:
        queryset = queryset.filter(pk__in=list(course_ids))
    return queryset


def course_ids_taught_by(user_id: UUID) -> list[UUID]:
    return list(CourseInstructor.objects.filter(user_id=user_id).values_list("course_id", flat=True))


def course_instructor_ids(course_id: UUID) -> list[UUID]:
    return list(CourseInstructor.objects.filter(course_id=course_id).values_list("user_id", flat=True))


def course_seats_taken(course_ids: Iterable[UUID]) -> dict[UUID, int]:
    return dict(Course.objects.filter(pk__in=list(course_ids)).values_list("id", "seats_taken"))


def course_slug_exists(slug: str, *, exclude_id: UUID | None = None) -> bool:
    queryset = Course.objects.filter(slug=slug)
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    return queryset.exists()


def course_insert(*, course_id: UUID | None, values: dict) -> Course:
    course = Course(**values)
    if course_id is not None:
        course.id = course_id
    course.save(force_insert=True)
    return course


def course_update_fields(*, course_id: UUID, values: dict) -> int:
    """Write only ``values`` (never the seat counters, which change concurrently)."""
    return Course.objects.filter(pk=course_id).update(**values)


def course_set_capacity(*, course_id: UUID, capacity: int | None) -> bool:
    """Change the capacity unless it would fall below the seats already taken."""
    if capacity is None:
        return Course.objects.filter(pk=course_id).update(capacity=None) == 1
    # Invariant: seats_taken <= capacity. The filter makes the change
    # conditional, so a seat claimed concurrently cannot end up over capacity.
    return Course.objects.filter(pk=course_id, seats_taken__lte=capacity).update(capacity=capacity) == 1


def course_ids_in_category(category_id: UUID) -> list[UUID]:
    return list(Course.objects.filter(category_id=category_id).values_list("id", flat=True))


def category_get(category_id: UUID) -> Category | None:
    return Category.objects.filter(pk=category_id).first()


def category_id_by_slug(slug: str) -> UUID | None:
    return Category.objects.filter(slug=slug).values_list("id", flat=True).first()


def category_queryset() -> QuerySet[Category]:
    return Category.objects.all()


def resource_queryset(course_id: UUID) -> QuerySet[Resource]:
    return Resource.objects.filter(course_id=course_id)


def lesson_ids_in_outline_order(course_id: UUID) -> list[UUID]:
    """The course's lesson ids in outline order (section position, then lesson position)."""
    section_order = {
        section_id: index
        for index, section_id in enumerate(
            Section.objects.filter(course_id=course_id).order_by("position", "id").values_list("id", flat=True)
        )
    }
    lessons = Lesson.objects.filter(course_id=course_id).values_list("id", "section_id", "position")
    ordered = sorted(lessons, key=lambda row: (section_order.get(row[1], len(section_order)), row[2], str(row[0])))
    return [lesson_id for lesson_id, _, _ in ordered]


def lesson_course_id(lesson_id: UUID) -> UUID | None:
    return Lesson.objects.filter(pk=lesson_id).values_list("course_id", flat=True).first()


def lesson_ids(course_id: UUID) -> set[UUID]:
    return set(Lesson.objects.filter(course_id=course_id).values_list("id", flat=True))
