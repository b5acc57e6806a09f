"""Catalog rules: visibility, search, content access, authoring, caching."""

import uuid
from datetime import timedelta
from decimal import Decimal

import orjson
import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from apps.catalog import caching, services
from apps.catalog import outputs as catalog_outputs
from apps.catalog.models import Course
from deltalabs.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from tests.factories.catalog import (
    CategoryFactory,
    CourseFactory,
    CourseInstructorFactory,
    DraftCourseFactory,
    LessonFactory,
    ResourceFactory,
    SectionFactory,
)
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db


def titles(page) -> list[str]:
    return [course.title for course in page.items]


class TestVisibility:
    def test_published_course_is_visible_to_everyone(self, user):
        course = CourseFactory()
        assert services.course_get_visible(actor=None, course_id=course.pk) == course
        assert services.course_get_visible(actor=user, course_id=course.pk) == course

    @pytest.mark.parametrize("status", [Course.Status.DRAFT, Course.Status.ARCHIVED])
    def test_unpublished_course_is_not_found_for_learners(self, user, status):
        course = CourseFactory(status=status)
        with pytest.raises(NotFound):
            services.course_get_visible(actor=user, course_id=course.pk)
        with pytest.raises(NotFound):
            services.course_detail(actor=None, course_id=course.pk)

    def test_unpublished_course_is_visible_to_staff_and_its_instructors(self, staff_user):
        course = DraftCourseFactory()
        instructor = CourseInstructorFactory(course=course).user
        assert services.course_get_visible(actor=staff_user, course_id=course.pk) == course
        assert services.course_get_visible(actor=instructor, course_id=course.pk) == course
        assert services.course_detail(actor=instructor, course_id=course.pk).course.pk == course.pk

    def test_unknown_course_is_not_found(self, user):
        import uuid

        with pytest.raises(NotFound):
            services.course_get_visible(actor=user, course_id=uuid.uuid4())


class TestSearch:
    def test_non_staff_see_published_only_staff_see_all(self, user, staff_user):
        CourseFactory(title="Published")
        DraftCourseFactory(title="Draft")
        CourseFactory(title="Archived", status=Course.Status.ARCHIVED)
        assert titles(services.course_search(actor=None)) == ["Published"]
        assert titles(services.course_search(actor=user)) == ["Published"]
        assert sorted(titles(services.course_search(actor=staff_user))) == ["Archived", "Draft", "Published"]

    def test_q_searches_title_and_summary_case_insensitively(self):
        CourseFactory(title="Intro to PYTHON", summary="x")
        CourseFactory(title="Robots", summary="Uses python for control")
        CourseFactory(title="Cooking", summary="Pasta")
        assert sorted(titles(services.course_search(actor=None, q="Python"))) == ["Intro to PYTHON", "Robots"]

    def test_category_by_id_or_slug(self):
        category = CategoryFactory(slug="robotics")
        CourseFactory(title="In", category=category)
        CourseFactory(title="Out")
        assert titles(services.course_search(actor=None, category=str(category.pk))) == ["In"]
        assert titles(services.course_search(actor=None, category="robotics")) == ["In"]
        assert titles(services.course_search(actor=None, category="no-such-category")) == []

    def test_level_price_and_instructor_filters(self):
        teacher = UserFactory()
        CourseFactory(title="Free beginner", level="beginner", price=0)
        CourseFactory(title="Paid advanced", level="advanced", price=Decimal("10.00"))
        CourseInstructorFactory(course=CourseFactory(title="Taught", price=Decimal("5.00")), user=teacher)
        assert titles(services.course_search(actor=None, level="advanced")) == ["Paid advanced"]
        assert titles(services.course_search(actor=None, is_free=True)) == ["Free beginner"]
        assert sorted(titles(services.course_search(actor=None, is_free=False))) == ["Paid advanced", "Taught"]
        assert titles(services.course_search(actor=None, instructor=teacher.pk)) == ["Taught"]
        assert titles(services.course_search(actor=None, instructor=str(UserFactory().pk))) == []

    def test_orderings(self):
        now = timezone.now()
        CourseFactory(title="B", price=Decimal("20"), published_at=now - timedelta(days=2))
        CourseFactory(title="A", price=Decimal("30"), published_at=now - timedelta(days=1))
        CourseFactory(title="C", price=Decimal("10"), published_at=now - timedelta(days=3))
        assert titles(services.course_search(actor=None)) == ["A", "B", "C"]
        assert titles(services.course_search(actor=None, ordering="title")) == ["A", "B", "C"]
        assert titles(services.course_search(actor=None, ordering="-title")) == ["C", "B", "A"]
        assert titles(services.course_search(actor=None, ordering="price")) == ["C", "B", "A"]
        assert titles(services.course_search(actor=None, ordering="-price")) == ["A", "B", "C"]

    def test_cursor_pages_do_not_overlap(self):
        for number in range(5):
            CourseFactory(title=f"Course {number}")
        first = services.course_search(actor=None, ordering="title", limit=2)
        second = services.course_search(actor=None, ordering="title", limit=2, cursor=first.next_cursor)
        third = services.course_search(actor=None, ordering="title", limit=2, cursor=second.next_cursor)
        assert titles(first) + titles(second) + titles(third) == [f"Course {n}" for n in range(5)]
        assert third.next_cursor is None

    def test_public_pages_seek_into_the_published_index_at_any_depth(self):
        """Published courses always have published_at, so the public keyset is
        a plain range on (status, published_at): no ``OR IS NULL`` branch that
        would make the database scan from the first row."""
        from django.test.utils import CaptureQueriesContext

        now = timezone.now()
        for number in range(5):
            CourseFactory(title=f"Course {number}", published_at=now - timedelta(days=number))
        first = services.course_search(actor=None, limit=2)
        with CaptureQueriesContext(connection) as captured:
            second = services.course_search(actor=None, limit=2, cursor=first.next_cursor)
        assert titles(first) + titles(second) == ["Course 0", "Course 1", "Course 2", "Course 3"]
        page_sql = next(q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"].upper())
        if connection.vendor == "mongodb":
            # the first key bounded (a range the index can seek to), no branch for nulls
            assert "'published_at': {'$lte'" in page_sql and "'$exists': False" not in page_sql, page_sql
            return
        assert "IS NULL" not in page_sql
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {page_sql}")
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        # a range on the index (IS NOT NULL shows as published_at>?), not a walk from its start
        assert "USING INDEX course_status_published (status=? AND published_at>? AND published_at<?)" in plan, plan
        assert "TEMP B-TREE" not in plan, plan

    def test_staff_pages_still_list_courses_without_a_publication_date(self, staff_user):
        now = timezone.now()
        CourseFactory(title="Old", published_at=now - timedelta(days=1))
        CourseFactory(title="New", published_at=now)
        DraftCourseFactory(title="Draft")
        first = services.course_search(actor=staff_user, limit=2)
        second = services.course_search(actor=staff_user, limit=2, cursor=first.next_cursor)
        assert titles(first) + titles(second) == ["New", "Old", "Draft"]

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"level": "expert"}, "level"),
            ({"ordering": "seats_taken"}, "ordering"),
            ({"instructor": "not-a-uuid"}, "instructor"),
            ({"is_free": "yes"}, "is_free"),
            ({"q": "x" * 201}, "q"),
        ],
    )
    def test_invalid_values_are_validation_errors(self, arguments, field):
        with pytest.raises(ValidationFailed) as error:
            services.course_search(actor=None, **arguments)
        assert error.value.code == "validation_error"
        assert field in error.value.details


class TestLessonContent:
    """Catalog decides with the enrollment fact its caller supplies (``enrolled``);
    who is enrolled is learning's to say (tests/apps/learning/test_course_access.py)."""

    @pytest.fixture
    def outline(self):
        course = CourseFactory()
        section = SectionFactory(course=course)
        preview = LessonFactory(section=section, is_preview=True, content="preview text")
        locked = LessonFactory(section=section, content="locked text")
        return course, preview, locked

    def visible(self, actor, course, lesson, *, enrolled=False):
        detail = services.course_detail(actor=actor, course_id=course.pk, enrolled=enrolled)
        [shown] = [
            item for section in detail.course.sections.all() for item in section.lessons.all() if item.pk == lesson.pk
        ]
        return detail.lesson_content(shown)

    def test_anonymous_and_others_see_preview_content_only(self, outline, user):
        course, preview, locked = outline
        for actor in (None, user):
            assert self.visible(actor, course, preview) == "preview text"
            assert self.visible(actor, course, locked) is None

    def test_a_learner_the_caller_says_is_enrolled_sees_everything(self, outline, user):
        course, _, locked = outline
        assert self.visible(user, course, locked, enrolled=True) == "locked text"

    def test_nobody_anonymous_is_enrolled(self, outline):
        course, _, locked = outline
        assert self.visible(None, course, locked, enrolled=True) is None

    def test_instructors_and_staff_see_everything(self, outline, staff_user):
        course, _, locked = outline
        instructor = CourseInstructorFactory(course=course).user
        assert self.visible(instructor, course, locked) == "locked text"
        assert self.visible(staff_user, course, locked) == "locked text"


class TestResources:
    def test_enrolled_instructor_and_staff_get_resources(self, user, staff_user):
        course = CourseFactory()
        ResourceFactory(course=course, title="Slides")
        instructor = CourseInstructorFactory(course=course).user
        for actor, enrolled in ((user, True), (instructor, False), (staff_user, False)):
            page = services.course_resources(actor=actor, course_id=course.pk, enrolled=enrolled)
            assert [resource.title for resource in page.items] == ["Slides"]

    def test_others_are_denied_on_a_visible_course(self, user):
        course = CourseFactory()
        with pytest.raises(PermissionDenied):
            services.course_resources(actor=user, course_id=course.pk)

    def test_invisible_course_is_not_found(self, user):
        course = DraftCourseFactory()
        with pytest.raises(NotFound):
            services.course_resources(actor=user, course_id=course.pk, enrolled=True)


class TestAuthoring:
    def test_only_staff_create_update_publish_archive(self, user):
        course = DraftCourseFactory()
        instructor = CourseInstructorFactory(course=course).user
        # Signed in without the staff role: 403; nobody signed in: 401 (require_user).
        for actor, refusal in ((user, PermissionDenied), (instructor, PermissionDenied), (None, NotAuthenticated)):
            with pytest.raises(refusal):
                services.course_create(actor=actor, values={"slug": "x", "title": "X"})
            with pytest.raises(refusal):
                services.course_update(actor=actor, course_id=course.pk, values={"title": "Y"})
            with pytest.raises(refusal):
                services.course_publish(actor=actor, course_id=course.pk)
            with pytest.raises(refusal):
                services.course_archive(actor=actor, course_id=course.pk)

    def test_create_makes_a_draft(self, staff_user):
        category = CategoryFactory()
        course = services.course_create(
            actor=staff_user,
            values={"slug": "new-course", "title": "New", "category": category, "price": Decimal("12.50")},
        )
        course.refresh_from_db()
        assert (course.status, course.category_id, course.price) == ("draft", category.pk, Decimal("12.50"))

    def test_create_rejects_duplicate_slug_and_bad_window(self, staff_user):
        CourseFactory(slug="taken")
        with pytest.raises(ValidationFailed) as error:
            services.course_create(actor=staff_user, values={"slug": "taken", "title": "X"})
        assert "slug" in error.value.details
        now = timezone.now()
        with pytest.raises(ValidationFailed) as error:
            services.course_create(
                actor=staff_user,
                values={"slug": "w", "title": "W", "enrollment_opens_at": now, "enrollment_closes_at": now},
            )
        assert error.value.code == "invalid_enrollment_window"

    def test_counters_and_status_are_not_editable(self, staff_user):
        course = CourseFactory()
        for field in ("seats_taken", "waitlist_length", "status", "published_at"):
            with pytest.raises(ValidationFailed):
                services.course_update(actor=staff_user, course_id=course.pk, values={field: 1})

    def test_update_writes_only_the_given_fields(self, staff_user):
        course = CourseFactory(capacity=10, seats_taken=0)
        # a seat taken after the editor loaded the course is not overwritten
        Course.objects.filter(pk=course.pk).update(seats_taken=4)
        services.course_update(actor=staff_user, course_id=course.pk, values={"title": "Renamed"})
        course.refresh_from_db()
        assert (course.title, course.seats_taken) == ("Renamed", 4)

    def test_capacity_cannot_drop_below_seats_taken(self, staff_user):
        course = CourseFactory(capacity=10, seats_taken=6)
        with pytest.raises(ValidationFailed) as error:
            services.course_update(actor=staff_user, course_id=course.pk, values={"capacity": 5})
        assert error.value.code == "capacity_below_seats_taken"
        services.course_update(actor=staff_user, course_id=course.pk, values={"capacity": 6})
        course.refresh_from_db()
        assert course.capacity == 6

    def test_publish_sets_status_and_first_publication_date(self, staff_user):
        course = DraftCourseFactory()
        published = services.course_publish(actor=staff_user, course_id=course.pk)
        assert published.status == "published" and published.published_at is not None
        first_date = published.published_at
        services.course_archive(actor=staff_user, course_id=course.pk)
        again = services.course_publish(actor=staff_user, course_id=course.pk)
        assert again.status == "published" and again.published_at == first_date

    def test_publish_and_archive_are_idempotent(self, staff_user):
        course = CourseFactory()
        assert services.course_publish(actor=staff_user, course_id=course.pk).status == "published"
        services.course_archive(actor=staff_user, course_id=course.pk)
        assert services.course_archive(actor=staff_user, course_id=course.pk).status == "archived"


def listed(actor=None, **arguments) -> dict:
    """The REST API's course list: the cached rendering."""
    query = services.course_query(actor=actor, **arguments)
    return orjson.loads(services.course_list_document(query=query, render=catalog_outputs.render_course_page))


def detailed(actor, course_id) -> dict:
    """The REST API's course detail: the cached rendering."""
    return services.course_detail_document(
        actor=actor, course_id=course_id, render=catalog_outputs.render_course_detail
    )


def listed_titles(actor=None, **arguments) -> list[str]:
    return [course["title"] for course in listed(actor, **arguments)["results"]]


class TestCaching:
    def test_detail_is_cached_rendered_under_the_resource_key(self, django_assert_num_queries):
        course = CourseFactory()
        LessonFactory(section=SectionFactory(course=course), content="locked")
        detailed(None, course.pk)
        cached = caches["default"].get(caching.course_key(course.pk))
        assert cached["title"] == course.title
        assert cached["sections"][0]["lessons"][0]["content"] == "locked"  # every lesson's content is cached
        with django_assert_num_queries(1):  # only the fresh seats_taken
            assert detailed(None, course.pk)["sections"][0]["lessons"][0]["content"] is None

    def test_detail_hit_gives_full_content_to_whom_the_services_say(self, staff_user, django_assert_num_queries):
        course = CourseFactory()
        LessonFactory(section=SectionFactory(course=course), content="locked")
        instructor = CourseInstructorFactory(course=course).user
        detailed(None, course.pk)

        def content(actor, **arguments):
            document = services.course_detail_document(
                actor=actor, course_id=course.pk, render=catalog_outputs.render_course_detail, **arguments
            )
            return document["sections"][0]["lessons"][0]["content"]

        with django_assert_num_queries(1):
            assert content(staff_user) == "locked"
        with django_assert_num_queries(1):
            assert content(instructor) == "locked"
        learner = UserFactory()
        assert content(learner) is None
        assert content(learner, enrolled=True) == "locked"
        assert content(None, enrolled=True) is None  # only a signed-in learner can be enrolled

    def test_unknown_course_is_404_and_not_cached(self):
        missing = uuid.uuid4()
        with pytest.raises(NotFound):
            detailed(None, missing)
        assert caches["default"].get(caching.course_key(missing)) is None

    def test_list_pages_are_cached_rendered_with_their_version(self, django_assert_num_queries):
        CourseFactory()
        listed()
        version = caches["default"].get(caching.LIST_VERSION_KEY)
        query = services.course_query(actor=None)
        cached = caches["default"].get(query.page_key)
        assert version and cached["version"] == version
        page = cached["page"]  # the page written out, seats left open
        assert orjson.loads(page.with_seats(page.seats))["results"][0]["title"]
        with django_assert_num_queries(1):  # only the fresh seats_taken
            listed()

    def test_a_page_of_another_version_is_a_miss(self, django_assert_num_queries):
        CourseFactory(title="Listed")
        listed()
        caching.forget_courses([])
        with django_assert_num_queries(2):  # the page query and its instructors
            assert listed_titles() == ["Listed"]

    def test_a_worker_reads_only_the_version_for_a_page_it_holds(self, django_assert_num_queries, monkeypatch):
        CourseFactory(title="Held")
        query = services.course_query(actor=None)
        assert services.course_list_cache_keys(query) == [caching.LIST_VERSION_KEY, query.page_key]
        first = services.course_list_document(query=query, render=catalog_outputs.render_course_page)
        assert services.course_list_cache_keys(query) == [caching.LIST_VERSION_KEY]
        monkeypatch.setattr(caching, "get", lambda key: pytest.fail(f"read {key} from the cache"))
        monkeypatch.setattr(caching, "list_version", lambda: caches["default"].get(caching.LIST_VERSION_KEY))
        with django_assert_num_queries(1):  # only the fresh seats_taken
            again = services.course_list_document(query=query, render=catalog_outputs.render_course_page)
        assert again == first

    def test_a_held_page_of_another_version_is_not_served(self, django_assert_num_queries):
        CourseFactory(title="Before")
        assert listed_titles() == ["Before"]
        # Another worker changed a course: the version in Redis is new, this worker's copy is old.
        Course.objects.update(title="After")
        caches["default"].set(caching.LIST_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        with django_assert_num_queries(2):  # the page query and its instructors
            assert listed_titles() == ["After"]

    def test_a_held_page_expires_with_its_cache_entry(self, settings):
        settings.CATALOG_CACHE_SECONDS = 60
        CourseFactory()
        query = services.course_query(actor=None)
        listed()
        assert caching.has_list_page_copy(query.page_key)
        with time_machine.travel(timezone.now() + timedelta(seconds=61)):
            assert not caching.has_list_page_copy(query.page_key)
            assert services.course_list_cache_keys(query) == [caching.LIST_VERSION_KEY, query.page_key]

    def test_a_page_read_from_the_cache_is_held_until_its_entry_expires(self, settings):
        settings.CATALOG_CACHE_SECONDS = 60
        CourseFactory()
        query = services.course_query(actor=None)
        listed()
        entry = caches["default"].get(query.page_key)
        caching.forget_list_page_copies()  # as in a worker that did not render it
        assert listed()["results"]
        copy = caching._local_pages[query.page_key]
        assert copy.expires_at == entry["expires_at"] and copy.version == entry["version"]

    def test_a_worker_holds_a_bounded_number_of_pages(self, monkeypatch):
        monkeypatch.setattr(caching, "LOCAL_PAGES_MAX", 3)
        CourseFactory.create_batch(6)
        for limit in range(1, 7):
            listed(limit=limit)
        assert len(caching._local_pages) == 3
        newest = services.course_query(actor=None, limit=6).page_key
        assert caching.has_list_page_copy(newest)

    def test_nothing_is_written_when_caching_is_off(self, settings):
        settings.CATALOG_CACHE_SECONDS = 0
        course = CourseFactory()
        listed()
        detailed(None, course.pk)
        query = services.course_query(actor=None)
        assert caches["default"].get(query.page_key) is None
        assert caches["default"].get(caching.course_key(course.pk)) is None

    def test_update_is_visible_at_once(self, staff_user):
        course = CourseFactory(title="Old title")
        assert detailed(None, course.pk)["title"] == "Old title"
        assert listed_titles() == ["Old title"]
        services.course_update(actor=staff_user, course_id=course.pk, values={"title": "New title"})
        assert detailed(None, course.pk)["title"] == "New title"
        assert listed_titles() == ["New title"]

    def test_publish_and_archive_are_visible_at_once(self, staff_user):
        course = DraftCourseFactory(title="Soon")
        assert listed_titles() == []
        services.course_publish(actor=staff_user, course_id=course.pk)
        assert listed_titles() == ["Soon"]
        assert detailed(None, course.pk)["status"] == "published"
        services.course_archive(actor=staff_user, course_id=course.pk)
        assert listed_titles() == []
        with pytest.raises(NotFound):
            detailed(None, course.pk)

    def test_seats_taken_is_never_stale(self):
        course = CourseFactory(capacity=10)
        detailed(None, course.pk)
        listed()
        Course.objects.filter(pk=course.pk).update(seats_taken=3)  # an enrollment elsewhere
        assert detailed(None, course.pk)["seats_taken"] == 3
        assert listed()["results"][0]["seats_taken"] == 3

    def test_staff_and_public_lists_are_cached_apart(self, staff_user):
        DraftCourseFactory(title="Draft")
        assert listed_titles(staff_user) == ["Draft"]
        assert listed_titles(None) == []

    def test_cached_draft_is_still_hidden_from_the_public(self, staff_user):
        course = DraftCourseFactory()
        assert detailed(staff_user, course.pk)["status"] == "draft"
        with pytest.raises(NotFound):
            detailed(None, course.pk)

    def test_category_change_invalidates_embedding_courses(self):
        category = CategoryFactory(name="Old name")
        course = CourseFactory(category=category)
        detailed(None, course.pk)
        category.name = "New name"
        category.save()
        services.category_changed(category.pk)
        assert detailed(None, course.pk)["category"]["name"] == "New name"

    def test_a_broken_cache_is_a_miss(self, monkeypatch):
        course = CourseFactory(title="Still here")

        def broken(*args, **kwargs):
            raise ConnectionError("redis down")

        cache = caches["default"]
        for method in ("get", "set", "add", "delete_many"):
            monkeypatch.setattr(cache, method, broken)
        assert listed_titles() == ["Still here"]
        assert detailed(None, course.pk)["title"] == "Still here"
        services.course_changed(course.pk)  # invalidation fails soft too
