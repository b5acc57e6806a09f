"""Catalog queries. No rules, no permissions.

Catalog owns its tables, the course counters included (``capacity``,
``seats_taken``, ``waitlist_length``): every read and write of them is here.
Learning, which decides who takes a seat, changes the counters only through
the seat and waitlist functions below, each ONE conditional update whose
invariant is written next to it.

Every query here is portable to MongoDB: relations are followed with
``select_related`` or reverse-FK ``Prefetch`` (never many-to-many prefetches),
and filters on related rows are resolved to id lists first (``pk__in``), so no
query filters one collection by another's fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from uuid import UUID

from django.db.models import F, Prefetch, Q, QuerySet

from apps.catalog.models import Category, Course, CourseInstructor, Lesson, Resource, Section
from deltalabs.pagination import Page, PreparedPages
from deltalabs.prepared import PreparedSelect


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
    as_rows: bool = False,
) -> QuerySet[Course]:
    """Courses matching the filters, with category and instructors loaded
    (``as_rows``: plain rows of ``COURSE_ROW_FIELDS`` instead, the instructors
    to be read with ``course_instructor_rows``)."""
    if as_rows:
        queryset = Course.objects.values(*COURSE_ROW_FIELDS)
    else:
        queryset = Course.objects.select_related("category").prefetch_related(_instructors_prefetch())
    if published_only:
        # Publishing sets published_at; saying so lets the keyset on it seek (see course_search).
        queryset = queryset.filter(status=Course.Status.PUBLISHED, published_at__isnull=False)
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


# A course as the list shows it, category included (one LEFT JOIN).
COURSE_ROW_FIELDS = (
    "id",
    "slug",
    "title",
    "summary",
    "description",
    "category_id",
    "category__slug",
    "category__name",
    "level",
    "language",
    "price",
    "currency",
    "capacity",
    "seats_taken",
    "status",
    "enrollment_opens_at",
    "enrollment_closes_at",
    "published_at",
)


_PUBLIC_PAGES = PreparedPages(
    lambda values: Course.objects.values(*COURSE_ROW_FIELDS).filter(status=values[0], published_at__isnull=False),
    [Course._meta.get_field("status")],
    model=Course,
    ordering=["-published_at"],
    not_null=["published_at"],
)


def public_course_rows_page(*, cursor: str | None, limit: int) -> Page:
    """A page of published courses, newest first, as ``COURSE_ROW_FIELDS``
    rows: what ``paginate(course_queryset(published_only=True, as_rows=True),
    ordering=["-published_at"], not_null=["published_at"])`` gives, with its
    SQL compiled once (every unfiltered public list miss runs it)."""
    return _PUBLIC_PAGES.page([Course.Status.PUBLISHED], cursor=cursor, limit=limit)


_INSTRUCTOR_ROW_FIELDS = ("course_id", "user_id", "user__display_name")
_INSTRUCTOR_ROWS = PreparedSelect(
    lambda ids: (
        CourseInstructor.objects.filter(course_id__in=ids)
        .order_by("position", "id")
        .values_list(*_INSTRUCTOR_ROW_FIELDS)
    ),
    CourseInstructor._meta.get_field("course"),
)


def course_instructor_rows(course_ids: Iterable[UUID]) -> list[dict]:
    """``course_id``, ``user_id`` and ``user__display_name`` of these courses'
    instructors, in each course's instructor order (every uncached list page
    reads them: compiled once)."""
    return [dict(zip(_INSTRUCTOR_ROW_FIELDS, row, strict=True)) for row in _INSTRUCTOR_ROWS.rows(course_ids)]


def course_ids_taught_by(user_id: UUID) -> list[UUID]:
    return list(CourseInstructor.objects.filter(user_id=user_id).values_list("course_id", flat=True))


def course_instructor_ids(course_id: UUID) -> list[UUID]:
    return list(CourseInstructor.objects.filter(course_id=course_id).values_list("user_id", flat=True))


_SEATS_TAKEN = PreparedSelect(
    lambda ids: Course.objects.filter(pk__in=ids).order_by().values_list("id", "seats_taken"),
    Course._meta.pk,
)


def course_seats_taken(course_ids: Sequence[UUID]) -> list[int | None]:
    """Seats taken of each course, in the order of ``course_ids`` (None for a
    course not found). Every cached list and detail hit reads them: compiled
    once, the ids prepared once per list."""
    return _SEATS_TAKEN.in_order(course_ids)


def course_id_by_slug(slug: str) -> UUID | None:
    """The id of the course with this slug (one lookup on the unique slug index), or None."""
    return Course.objects.filter(slug=slug).values_list("id", flat=True).first()


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


# --- Seat counters (changed by learning's services through these functions only) --------


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
    """Give one seat back; False if none was taken."""
    # Invariant: seats_taken >= 0, and it only drops when an enrollment
    # holding a seat left that status in the same transaction.
    return Course.objects.filter(pk=course_id, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1) == 1


def waitlist_grow(course_id: UUID) -> int:
    """Count one more waitlisted learner; returns the new last position."""
    # Invariant: the course's waitlisted enrollments hold positions exactly
    # 1..waitlist_length. Learning changes the waitlist and this counter in one
    # transaction, so concurrent waitlist changes of one course are serialised
    # by the course row (SQLite's write lock; a write conflict and retry on MongoDB).
    Course.objects.filter(pk=course_id).update(waitlist_length=F("waitlist_length") + 1)
    return Course.objects.filter(pk=course_id).values_list("waitlist_length", flat=True).get()


def waitlist_shrink(course_id: UUID) -> None:
    """Count one waitlisted learner fewer (promoted or cancelled)."""
    Course.objects.filter(pk=course_id, waitlist_length__gt=0).update(waitlist_length=F("waitlist_length") - 1)


def course_counters_reset(*, course_id: UUID, seats_taken: int, waitlist_length: int) -> None:
    """Set the counters to recounted values (seeding, after bulk-loading enrollments)."""
    Course.objects.filter(pk=course_id).update(seats_taken=seats_taken, waitlist_length=waitlist_length)


def course_counters() -> list[tuple[UUID, int, int]]:
    """(id, seats_taken, waitlist_length) of every course (seeding's recount)."""
    return list(Course.objects.values_list("id", "seats_taken", "waitlist_length"))


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


def course_ids_with_title_containing(term: str, *, limit: int) -> list[UUID]:
    """At most ``limit`` ids of courses whose title contains ``term`` (admin search)."""
    return list(Course.objects.filter(title__icontains=term).order_by().values_list("id", flat=True)[:limit])


def course_titles(course_ids: Iterable[UUID]) -> list[tuple[UUID, str]]:
    """(id, title) of these courses, by title."""
    return list(Course.objects.filter(pk__in=list(course_ids)).order_by("title").values_list("pk", "title"))


def lesson_course_id(lesson_id: UUID) -> UUID | None:
    return Lesson.objects.filter(pk=lesson_id).values_list("course_id", flat=True).first()


def lesson_ids(course_id: UUID) -> set[UUID]:
    return set(Lesson.objects.filter(course_id=course_id).values_list("id", flat=True))


def courses_most_enrolled(limit: int = 8) -> list[tuple[str, int]]:
    """Published courses ranked by seats taken (active and completed learners)."""
    return list(
        Course.objects.filter(status=Course.Status.PUBLISHED, seats_taken__gt=0)
        .order_by("-seats_taken", "title")
        .values_list("title", "seats_taken")[:limit]
    )
