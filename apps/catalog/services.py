"""Catalog use cases: browsing courses (cached), course authoring, publishing.

Visibility rules, in one place:
- a published course is visible to everyone; a draft or archived one only to
  staff and its instructors (404 for everyone else);
- lesson content is shown for preview lessons, and for every lesson to staff,
  the course's instructors and enrolled learners (active or completed);
- resources are for staff, instructors and enrolled learners (403 for others
  on a visible course).

Enrollments are learning's, a domain above this one, which catalog never
imports: callers that know the actor is an enrolled learner say so
(``enrolled=True``; ``apps.learning.services.course_detail`` and
``course_resources`` do, and serve the REST endpoints and the assistant).
The one event catalog sends up is ``signals.course_capacity_changed``.

Catalogue reads go through ``apps.catalog.caching``; every service that
changes a course calls ``course_changed`` so the change is visible at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from django.utils import timezone

from apps.catalog import caching, repositories, signals
from apps.catalog.errors import CatalogErrorCode
from apps.catalog.models import Category, Course, Lesson
from apps.identity.services import is_signed_in, is_staff, require_user
from deltalabs.audit import audit_record, diff
from deltalabs.db import atomic, on_commit, transactional
from deltalabs.errors import NotFound, PermissionDenied, ValidationFailed
from deltalabs.pagination import Page, clamp_limit, paginate
from deltalabs.permissions import require_staff_permission

ORDERINGS = {
    "-published_at": ["-published_at"],
    "title": ["title"],
    "-title": ["-title"],
    "price": ["price"],
    "-price": ["-price"],
}
DEFAULT_ORDERING = "-published_at"
SEARCH_MAX_LENGTH = 200

# Fields staff edit through course_create / course_update. The counters
# (seats_taken, waitlist_length) belong to the learning services; status and
# published_at change only through course_publish / course_archive.
EDITABLE_FIELDS = frozenset(
    {
        "slug",
        "title",
        "summary",
        "description",
        "category",
        "level",
        "language",
        "price",
        "currency",
        "capacity",
        "enrollment_opens_at",
        "enrollment_closes_at",
    }
)


# --- Who may see what ---------------------------------------------------------


def _instructor_ids(course: Course) -> set[UUID]:
    """Instructor ids from the prefetched links when loaded, else one query."""
    prefetched = getattr(course, "_prefetched_objects_cache", {}).get("course_instructors")
    if prefetched is not None:
        return {link.user_id for link in prefetched}
    return set(repositories.course_instructor_ids(course.pk))


def _teaches(actor, course: Course) -> bool:
    return is_signed_in(actor) and actor.pk in _instructor_ids(course)


def _may_see(actor, course: Course) -> bool:
    return course.status == Course.Status.PUBLISHED or is_staff(actor) or _teaches(actor, course)


def _has_full_access(actor, course: Course, *, enrolled: bool) -> bool:
    """Staff, instructors and enrolled learners see all lesson content and resources."""
    return is_staff(actor) or _teaches(actor, course) or (enrolled and is_signed_in(actor))


def _require_permission(actor, perm: str) -> None:
    require_staff_permission(actor, perm, "Your staff role does not allow changing courses.")


def course_get_visible(*, actor, course_id: UUID) -> Course:
    """The course if the actor may see it; 404 ``not_found`` otherwise."""
    course = repositories.course_get(course_id)
    if course is None or not _may_see(actor, course):
        raise NotFound.of("Course")
    return course


# --- Browsing -----------------------------------------------------------------


@dataclass(frozen=True)
class CourseDetail:
    """A course with its outline, and whether this viewer may read every lesson."""

    course: Course
    full_access: bool

    def lesson_content(self, lesson: Lesson) -> str | None:
        return lesson.content if (self.full_access or lesson.is_preview) else None


def course_detail(*, actor, course_id: UUID, enrolled: bool = False) -> CourseDetail:
    """The course with instructors and outline, read from the database, for
    anyone who may see it; ``enrolled``: the caller vouches that the actor is
    an enrolled learner (lesson content for every lesson). The REST API serves
    ``course_detail_document``, the cached rendering of the same course.

    Raises 404 ``not_found`` for unknown courses and for drafts/archived
    courses the actor does not teach (staff see everything).
    """
    course = repositories.course_with_outline(course_id)
    if course is None or not _may_see(actor, course):
        raise NotFound.of("Course")
    return CourseDetail(course=course, full_access=_has_full_access(actor, course, enrolled=enrolled))


def _clean_search_params(
    *, q, level, category, is_free, instructor, ordering
) -> tuple[str | None, str | None, str | None, bool | None, UUID | None, str]:
    errors: dict[str, list[str]] = {}
    search = (q or "").strip() or None
    if search and len(search) > SEARCH_MAX_LENGTH:
        errors["q"] = [f"At most {SEARCH_MAX_LENGTH} characters."]
    level = level or None
    if level is not None and level not in Course.Level.values:
        errors["level"] = [f"One of: {', '.join(Course.Level.values)}."]
    category = (str(category).strip() if category is not None else "") or None
    if is_free is not None and not isinstance(is_free, bool):
        errors["is_free"] = ["Must be true or false."]
    instructor_id = None
    if instructor not in (None, ""):
        try:
            instructor_id = instructor if isinstance(instructor, UUID) else UUID(str(instructor))
        except ValueError:
            errors["instructor"] = ["Must be a user id (UUID)."]
    ordering = ordering or DEFAULT_ORDERING
    if ordering not in ORDERINGS:
        errors["ordering"] = [f"One of: {', '.join(ORDERINGS)}."]
    if errors:
        raise ValidationFailed("The course filters are invalid.", errors)
    return search, level, category, is_free, instructor_id, ordering


def _category_filter(category: str | None) -> tuple[bool, UUID | None]:
    """(matches anything?, category id) for a category given by id or slug."""
    if category is None:
        return True, None
    try:
        return True, UUID(category)
    except ValueError:
        category_id = repositories.category_id_by_slug(category)
        return category_id is not None, category_id


@dataclass(frozen=True)
class CourseQuery:
    """A validated course search: who asks (staff or not) and what."""

    staff: bool
    search: str | None
    level: str | None
    category: str | None
    is_free: bool | None
    instructor_id: UUID | None
    ordering: str
    cursor: str | None
    limit: int

    def is_public_default(self) -> bool:
        """The public list as it opens: no filter, newest first (its page query is prepared)."""
        return (
            not self.staff
            and self.search is None
            and self.level is None
            and self.category is None
            and self.is_free is None
            and self.instructor_id is None
            and self.ordering == DEFAULT_ORDERING
        )

    @functools.cached_property
    def page_key(self) -> str:
        """The cache key of this query's page (asked for twice per request:
        by the rate limiter's prefetch and by the read)."""
        return caching.list_page_key("courses", self.cache_params())

    def cache_params(self) -> dict:
        """The normalised query that names its cached page."""
        return {
            "scope": "staff" if self.staff else "public",
            "q": self.search.casefold() if self.search else None,
            "level": self.level,
            "category": self.category,
            "is_free": self.is_free,
            "instructor": str(self.instructor_id) if self.instructor_id else None,
            "ordering": self.ordering,
            "cursor": self.cursor,
            "limit": self.limit,
        }


def course_query(
    *,
    actor,
    q: str | None = None,
    level: str | None = None,
    category: str | UUID | None = None,
    is_free: bool | None = None,
    instructor: str | UUID | None = None,
    ordering: str = DEFAULT_ORDERING,
    cursor: str | None = None,
    limit: int = 20,
) -> CourseQuery:
    """Validate a course search (400 ``validation_error`` for bad values)."""
    return _course_query(is_staff(actor), q, level, category, is_free, instructor, ordering, cursor, limit)


@functools.lru_cache(maxsize=1024, typed=True)
def _course_query(staff, q, level, category, is_free, instructor, ordering, cursor, limit) -> CourseQuery:
    """``course_query`` for a staff flag and raw parameters. A pure function,
    so each worker keeps the queries it validated lately, each with its cache
    key (``page_key``) worked out once: the list's most asked pages are the
    same few queries."""
    search, level, category, is_free, instructor_id, ordering = _clean_search_params(
        q=q, level=level, category=category, is_free=is_free, instructor=instructor, ordering=ordering
    )
    return CourseQuery(
        staff=staff,
        search=search,
        level=level,
        category=category,
        is_free=is_free,
        instructor_id=instructor_id,
        ordering=ordering,
        cursor=cursor or None,
        limit=clamp_limit(limit),  # normalised before it keys the cache
    )


def _course_page(query: CourseQuery, *, as_rows: bool = False) -> Page:
    if as_rows and query.is_public_default():
        return repositories.public_course_rows_page(cursor=query.cursor, limit=query.limit)
    matches_any, category_id = _category_filter(query.category)
    course_ids = repositories.course_ids_taught_by(query.instructor_id) if query.instructor_id else None
    if not matches_any:
        course_ids = []
    queryset = repositories.course_queryset(
        published_only=not query.staff,
        search=query.search,
        level=query.level,
        category_id=category_id,
        is_free=query.is_free,
        course_ids=course_ids,
        as_rows=as_rows,
    )
    # Published courses always have published_at (the public queryset says
    # so), so public pages seek by it; staff lists include unpublished drafts.
    not_null = () if query.staff else ("published_at",)
    return paginate(
        queryset, ordering=ORDERINGS[query.ordering], cursor=query.cursor, limit=query.limit, not_null=not_null
    )


def course_search(
    *,
    actor,
    q: str | None = None,
    level: str | None = None,
    category: str | UUID | None = None,
    is_free: bool | None = None,
    instructor: str | UUID | None = None,
    ordering: str = DEFAULT_ORDERING,
    cursor: str | None = None,
    limit: int = 20,
) -> Page:
    """One page of courses (``Page.items`` are ``Course`` objects with category
    and instructors loaded), read from the database. Published courses only,
    except for staff.

    Arguments as ``course_query``: ``q`` searches title and summary
    (case-insensitive); ``category`` is an id or a slug; ``instructor`` a
    user id; ``ordering`` one of ``ORDERINGS``. Invalid values raise 400
    ``validation_error``; a bad cursor too. The REST API serves
    ``course_list_document``, the cached rendering of the same page.
    """
    query = course_query(
        actor=actor,
        q=q,
        level=level,
        category=category,
        is_free=is_free,
        instructor=instructor,
        ordering=ordering,
        cursor=cursor,
        limit=limit,
    )
    return _course_page(query)


# --- Rendered reads: what the REST API serves, cached -------------------------
# The cache holds the rendering of a page or a course (JSON-ready data made
# by the view's output serializer), never model objects: a hit decodes plain
# data and overlays what is per viewer or always fresh. Only the services
# decide visibility; the renderer only shapes data.


@dataclass(frozen=True)
class CourseRows:
    """A page of courses as plain rows (``repositories.COURSE_ROW_FIELDS``)
    and each course's instructor rows, in order: what a list page renders
    from, without building model objects."""

    rows: list[dict]
    instructors: dict[UUID, list[dict]]


class RenderedCourses(Protocol):
    """A list page as the view's output wrote it, ``seats_taken`` left open."""

    course_ids: tuple[str, ...]
    seats: tuple[int, ...]

    def with_seats(self, seats: list[int]) -> bytes: ...


RenderCourses = Callable[[CourseRows, "str | None"], RenderedCourses]


def _course_rows(rows: list[dict]) -> CourseRows:
    instructors: dict[UUID, list[dict]] = {row["id"]: [] for row in rows}
    if rows:
        for link in repositories.course_instructor_rows(instructors):
            instructors[link["course_id"]].append(link)
    return CourseRows(rows=rows, instructors=instructors)


# A rendered course id back to its UUID, remembered per process: every cached
# hit needs the ids of its courses, and parsing 20 UUIDs cost a list hit a
# tenth of its time (the set of course ids is small and never changes meaning).
_course_uuid = functools.lru_cache(maxsize=16_384)(UUID)


def _fresh_seats(course_ids: list[UUID], cached: Sequence[int]) -> list[int]:
    """``seats_taken`` of these courses from the database (one query), in
    order: seats change with every enrollment and are never served from the
    cache. A course no longer in the database keeps its ``cached`` count."""
    fresh = repositories.course_seats_taken(course_ids) if course_ids else []
    return [seats if taken is None else taken for taken, seats in zip(fresh, cached, strict=True)]


def course_list_cache_keys(query: CourseQuery) -> list[str]:
    """The cache entries ``course_list_document`` reads for ``query`` (the
    rate limiter fetches them in its own Redis round trip)."""
    if caching.has_list_page_copy(query.page_key):
        return [caching.LIST_VERSION_KEY]  # the page itself is this worker's copy
    return [caching.LIST_VERSION_KEY, query.page_key]


def course_list_document(*, query: CourseQuery, render: RenderCourses) -> bytes:
    """``course_search`` rendered by ``render`` (the view's output): the JSON
    body ``{"results": [...], "next_cursor": ...}``.

    Pages are cached per normalised query and tagged with the list version;
    a page of another version is a miss. ``seats_taken`` is always fresh.
    """
    version = caching.list_version()
    key = query.page_key
    cached = caching.list_page(key, version) if version else None
    if cached is not None:
        return _with_fresh_seats(cached)
    page = _course_page(query, as_rows=True)
    rendered = render(_course_rows(page.items), page.next_cursor)
    if version:
        caching.keep_list_page(key, version, rendered)
    return rendered.with_seats(rendered.seats)  # read just now


def _with_fresh_seats(page: RenderedCourses) -> bytes:
    """The cached page written out with fresh ``seats_taken``."""
    return page.with_seats(_fresh_seats([_course_uuid(course_id) for course_id in page.course_ids], page.seats))


RenderCourseDetail = Callable[[CourseDetail], dict]


def course_id_for_ref(course_ref: UUID | str) -> UUID:
    """The id of the course a path names by id or by slug (``GET
    /v1/courses/{course_id}``): an id is returned as it is, a slug is looked up
    (one indexed query). 404 ``not_found`` for an unknown slug; whether the
    actor may see the course is decided by the caller, as for an id."""
    if isinstance(course_ref, UUID):
        return course_ref
    course_id = repositories.course_id_by_slug(course_ref)
    if course_id is None:
        raise NotFound.of("Course")
    return course_id


def course_detail_cache_keys(course_id: UUID) -> list[str]:
    """The cache entry ``course_detail_document`` reads for this course (the
    rate limiter fetches it in its own Redis round trip)."""
    return [caching.course_key(course_id)]


def _document_may_see(actor, document: dict) -> bool:
    """``_may_see`` for a rendered course: its status and instructor ids."""
    return document["status"] == Course.Status.PUBLISHED or is_staff(actor) or _document_teaches(actor, document)


def _document_teaches(actor, document: dict) -> bool:
    if not is_signed_in(actor):
        return False
    actor_id = str(actor.pk)
    return any(instructor["id"] == actor_id for instructor in document["instructors"])


def _hide_locked_content(document: dict) -> None:
    """Null the content of every lesson that is not a preview (the cached
    rendering holds every lesson's content; this viewer may read previews only)."""
    for section in document["sections"]:
        for lesson in section["lessons"]:
            if not lesson["is_preview"]:
                lesson["content"] = None


def course_detail_document(*, actor, course_id: UUID, render: RenderCourseDetail, enrolled: bool = False) -> dict:
    """``course_detail`` rendered by ``render`` (the view's output serializer),
    as the actor may read it. Same rules and errors as ``course_detail``.

    The rendering of the course with every lesson's content is cached under
    ``cache:course:v1:{id}`` (invalidated by ``course_changed``); on a hit the
    visibility and the lesson content are decided here from the rendering's
    status and instructor ids, and ``seats_taken`` is re-read from the database.
    """
    document = caching.get(caching.course_key(course_id))
    if document is None:
        course = repositories.course_with_outline(course_id)
        if course is None:
            raise NotFound.of("Course")
        document = render(CourseDetail(course=course, full_access=True))
        caching.put(caching.course_key(course_id), document)
    else:
        course = None  # a hit: decide from the rendering
    if not _document_may_see(actor, document):
        raise NotFound.of("Course")
    if course is None:
        (document["seats_taken"],) = _fresh_seats([course_id], [document["seats_taken"]])
    full_access = is_staff(actor) or _document_teaches(actor, document) or (enrolled and is_signed_in(actor))
    if not full_access:
        _hide_locked_content(document)
    return document


def category_list(*, cursor: str | None = None, limit: int = 20) -> Page:
    """Categories in display order (cached with the course lists)."""
    limit = clamp_limit(limit)  # normalised before it keys the cache
    version = caching.list_version()
    key = caching.page_key("categories", version, {"cursor": cursor, "limit": limit}) if version else None
    cached = caching.get(key) if key else None
    if cached is not None:
        return cached
    page = paginate(repositories.category_queryset(), ordering=["position", "name"], cursor=cursor, limit=limit)
    if key:
        caching.put(key, page)
    return page


def course_resources(
    *, actor, course_id: UUID, enrolled: bool = False, cursor: str | None = None, limit: int = 20
) -> Page:
    """The course's resources for staff, instructors and enrolled learners
    (``enrolled``: the caller vouches that the actor is one).

    404 if the course is not visible to the actor, 403 ``permission_denied``
    for anyone else who can see the course.
    """
    course = course_get_visible(actor=actor, course_id=course_id)
    if not _has_full_access(actor, course, enrolled=enrolled):
        raise PermissionDenied("Resources are for enrolled learners and instructors.")
    return paginate(repositories.resource_queryset(course.pk), ordering=["position"], cursor=cursor, limit=limit)


# --- Authoring (staff) ----------------------------------------------------------


def course_changed(course_id: UUID) -> None:
    """Invalidate the cached course and every cached list page.

    Runs now and again after the surrounding transaction commits, so a reader
    who refilled the cache from pre-commit data cannot keep it stale.
    """
    caching.forget_courses([course_id])
    on_commit(lambda: caching.forget_courses([course_id]))


def category_changed(category_id: UUID) -> None:
    """Invalidate cached lists and the courses that embed this category."""
    course_ids = repositories.course_ids_in_category(category_id)
    caching.forget_courses(course_ids)
    on_commit(lambda: caching.forget_courses(course_ids))


def _clean_course_values(values: dict, *, course_id: UUID | None, current: Course | None) -> dict:
    unknown = set(values) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(
            "These course fields cannot be set here.", {field: ["Not editable."] for field in sorted(unknown)}
        )
    cleaned = dict(values)
    if isinstance(cleaned.get("category"), Category):
        cleaned["category_id"] = cleaned.pop("category").pk
    elif "category" in cleaned:
        cleaned["category_id"] = cleaned.pop("category")
    errors: dict[str, list[str]] = {}
    if "slug" in cleaned and repositories.course_slug_exists(cleaned["slug"], exclude_id=course_id):
        errors["slug"] = ["Another course uses this slug."]
    if "price" in cleaned and Decimal(cleaned["price"]) < 0:
        errors["price"] = ["Must not be negative."]
    if "level" in cleaned and cleaned["level"] not in Course.Level.values:
        errors["level"] = [f"One of: {', '.join(Course.Level.values)}."]
    if errors:
        raise ValidationFailed("The course is invalid.", errors)
    opens_at = cleaned.get("enrollment_opens_at", current.enrollment_opens_at if current else None)
    closes_at = cleaned.get("enrollment_closes_at", current.enrollment_closes_at if current else None)
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationFailed(
            "Enrollment must close after it opens.",
            {"enrollment_closes_at": ["Must be after enrollment_opens_at."]},
            code=CatalogErrorCode.INVALID_ENROLLMENT_WINDOW,
        )
    return cleaned


def course_create(*, actor, values: dict, course_id: UUID | None = None) -> Course:
    """Create a draft course (staff with ``catalog.add_course``). ``values``
    holds ``EDITABLE_FIELDS``.

    Side effects: invalidates the catalogue cache; audited.
    """
    require_user(actor)
    _require_permission(actor, "catalog.add_course")
    cleaned = _clean_course_values(values, course_id=course_id, current=None)
    with_status = {**cleaned, "status": Course.Status.DRAFT}
    with atomic():
        course = repositories.course_insert(course_id=course_id, values=with_status)
        audit_record(actor=actor, action="add", target=course, changes=diff({}, with_status))
    course_changed(course.pk)
    return course


def course_update(*, actor, course_id: UUID, values: dict) -> Course:
    """Change a course's editable fields (staff with ``catalog.change_course``).

    Capacity is changed with a conditional update: it cannot drop below the
    seats already taken (400 ``capacity_below_seats_taken``). A capacity
    change sends ``signals.course_capacity_changed`` inside the transaction:
    learning promotes waitlisted learners into any new seats, in the same
    transaction. Side effects: invalidates the catalogue cache; audited (the
    fields that changed, before and after).
    """
    require_user(actor)
    _require_permission(actor, "catalog.change_course")
    current = repositories.course_get(course_id)
    if current is None:
        raise NotFound.of("Course")
    cleaned = _clean_course_values(values, course_id=course_id, current=current)
    changes = diff({field: getattr(current, field) for field in cleaned}, cleaned)
    _course_update_unit(actor=actor, course=current, cleaned=cleaned, changes=changes)
    course_changed(course_id)
    return repositories.course_get(course_id)


@transactional
def _course_update_unit(*, actor, course: Course, cleaned: dict, changes: dict) -> None:
    course_id = course.pk
    cleaned = dict(cleaned)  # popped below; a retried run needs it whole
    has_capacity = "capacity" in cleaned
    capacity = cleaned.pop("capacity", None)
    # Capacity first: if it is refused nothing has been written yet, even when
    # this unit joined a caller's transaction (the admin's) without a savepoint.
    if has_capacity and not repositories.course_set_capacity(course_id=course_id, capacity=capacity):
        raise ValidationFailed(
            "The capacity is below the seats already taken.",
            {"capacity": ["Must be at least the number of seats taken."]},
            code=CatalogErrorCode.CAPACITY_BELOW_SEATS_TAKEN,
        )
    if cleaned:
        repositories.course_update_fields(course_id=course_id, values=cleaned)
    if has_capacity:
        # The one upward notification: learning fills any seats the new
        # capacity freed, inside this transaction (apps.catalog.signals).
        signals.course_capacity_changed.send(sender=Course, course_id=course_id)
    if changes:
        audit_record(actor=actor, action="change", target=course, changes=changes)


def course_publish(*, actor, course_id: UUID) -> Course:
    """Publish a draft or archived course (staff with ``catalog.publish_course``).
    Publishing a published course changes nothing. ``published_at`` is set on
    the first publication.

    Side effects: invalidates the catalogue cache; audited.
    """
    require_user(actor)
    _require_permission(actor, "catalog.publish_course")
    course = repositories.course_get(course_id)
    if course is None:
        raise NotFound.of("Course")
    if course.status == Course.Status.PUBLISHED:
        return course
    values = {"status": Course.Status.PUBLISHED}
    if course.published_at is None:
        values["published_at"] = timezone.now()
    with atomic():
        repositories.course_update_fields(course_id=course_id, values=values)
        audit_record(actor=actor, action="publish", target=course, changes=diff({"status": course.status}, values))
    course_changed(course_id)
    return repositories.course_get(course_id)


def course_archive(*, actor, course_id: UUID) -> Course:
    """Archive a course (staff with ``catalog.publish_course``): it leaves the
    catalogue; enrollments stay. Archiving an archived course changes nothing.

    Side effects: invalidates the catalogue cache; audited.
    """
    require_user(actor)
    _require_permission(actor, "catalog.publish_course")
    course = repositories.course_get(course_id)
    if course is None:
        raise NotFound.of("Course")
    if course.status == Course.Status.ARCHIVED:
        return course
    values = {"status": Course.Status.ARCHIVED}
    with atomic():
        repositories.course_update_fields(course_id=course_id, values=values)
        audit_record(actor=actor, action="archive", target=course, changes=diff({"status": course.status}, values))
    course_changed(course_id)
    return repositories.course_get(course_id)
