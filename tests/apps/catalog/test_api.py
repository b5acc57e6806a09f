"""The catalog API contract (docs/api.md, Catalog): fields, filters, errors, query counts."""

import uuid
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog import services
from apps.catalog.models import Category, Course, CourseInstructor, Lesson, Section
from tests.conftest import client_for
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
from tests.factories.learning import EnrollmentFactory

pytestmark = pytest.mark.django_db

COURSE_FIELDS = {
    "id",
    "slug",
    "title",
    "summary",
    "description",
    "category",
    "level",
    "language",
    "price",
    "currency",
    "is_free",
    "capacity",
    "seats_taken",
    "status",
    "enrollment_opens_at",
    "enrollment_closes_at",
    "instructors",
    "published_at",
}


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["requestId"] == response["X-Request-ID"]
    return body


def bulk_courses(count: int, *, instructors_each: int = 2, category=None) -> list[Course]:
    """Published courses with instructors, inserted in bulk."""
    teachers = UserFactory.create_batch(instructors_each)
    courses = Course.objects.bulk_create(
        [
            Course(
                slug=f"bulk-{number}",
                title=f"Bulk course {number:03d}",
                status=Course.Status.PUBLISHED,
                published_at=f"2026-01-01T00:{number // 60:02d}:{number % 60:02d}Z",
                category=category,
                price=Decimal(number % 3),
            )
            for number in range(count)
        ]
    )
    CourseInstructor.objects.bulk_create(
        [CourseInstructor(course=course, user=teacher) for course in courses for teacher in teachers]
    )
    return courses


class TestCourseList:
    def test_fields(self, api_client):
        category = CategoryFactory(slug="robotics", name="Robotics")
        course = CourseFactory(
            category=category, price=Decimal("49.00"), capacity=12, summary="Build robots", description="Long"
        )
        teacher = UserFactory(display_name="Grace Hopper")
        CourseInstructor.objects.create(course=course, user=teacher)
        response = api_client.get("/v1/courses")
        assert response.status_code == 200
        body = response.json()
        assert body["next_cursor"] is None
        [item] = body["results"]
        assert set(item) == COURSE_FIELDS
        assert item["id"] == str(course.pk)
        assert item["category"] == {"id": str(category.pk), "slug": "robotics", "name": "Robotics"}
        assert item["price"] == "49.00" and item["currency"] == "USD" and item["is_free"] is False
        assert item["capacity"] == 12 and item["seats_taken"] == 0 and item["status"] == "published"
        assert item["instructors"] == [{"id": str(teacher.pk), "display_name": "Grace Hopper"}]
        assert item["published_at"].endswith("Z")

    def test_free_course_without_category(self, api_client):
        CourseFactory(price=0)
        [item] = api_client.get("/v1/courses").json()["results"]
        assert item["is_free"] is True and item["price"] == "0.00" and item["category"] is None
        assert item["capacity"] is None

    def test_filters_and_ordering(self, api_client):
        category = CategoryFactory(slug="data")
        teacher = UserFactory()
        CourseFactory(title="Pandas", category=category, level="intermediate", price=Decimal("10"))
        taught = CourseFactory(title="Python basics", summary="start here", price=0)
        CourseInstructorFactory(course=taught, user=teacher)
        DraftCourseFactory(title="Python draft")

        def listed(query: str) -> list[str]:
            response = api_client.get(f"/v1/courses?{query}")
            assert response.status_code == 200, response.content
            return [item["title"] for item in response.json()["results"]]

        assert listed("q=PYTHON") == ["Python basics"]
        assert listed("q=start") == ["Python basics"]
        assert listed("category=data") == ["Pandas"]
        assert listed(f"category={category.pk}") == ["Pandas"]
        assert listed("level=intermediate") == ["Pandas"]
        assert listed("is_free=true") == ["Python basics"]
        assert listed("is_free=false") == ["Pandas"]
        assert listed(f"instructor={teacher.pk}") == ["Python basics"]
        assert listed("ordering=title") == ["Pandas", "Python basics"]
        assert listed("ordering=-price") == ["Pandas", "Python basics"]

    def test_staff_see_drafts(self, staff_client):
        DraftCourseFactory(title="Draft")
        assert [item["title"] for item in staff_client.get("/v1/courses").json()["results"]] == ["Draft"]

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("level=expert", "level"),
            ("is_free=maybe", "is_free"),
            ("instructor=nope", "instructor"),
            ("ordering=seats", "ordering"),
        ],
    )
    def test_invalid_filters_are_400(self, api_client, query, field):
        body = assert_error(api_client.get(f"/v1/courses?{query}"), 400, "validation_error")
        assert field in body["details"]

    @pytest.mark.parametrize("field", ["level", "is_free", "instructor", "ordering", "limit"])
    def test_empty_typed_parameters_are_400(self, api_client, field):
        # An enum, a boolean, a UUID or an integer is never "": not a silent "no filter".
        body = assert_error(api_client.get(f"/v1/courses?{field}="), 400, "validation_error")
        assert field in body["details"]

    def test_empty_search_text_means_no_filter(self, api_client):
        CourseFactory(title="Pandas")
        response = api_client.get("/v1/courses?q=&category=&cursor=")
        assert [item["title"] for item in response.json()["results"]] == ["Pandas"]

    def test_bad_cursor_and_limit_are_400(self, api_client):
        assert_error(api_client.get("/v1/courses?cursor=garbage"), 400, "validation_error")
        assert_error(api_client.get("/v1/courses?limit=0"), 400, "validation_error")

    def test_cursor_pagination(self, api_client):
        bulk_courses(5)
        first = api_client.get("/v1/courses?limit=2&ordering=title").json()
        second = api_client.get(f"/v1/courses?limit=2&ordering=title&cursor={first['next_cursor']}").json()
        assert [item["title"] for item in first["results"] + second["results"]] == [
            f"Bulk course {n:03d}" for n in range(4)
        ]

    def test_a_sent_token_must_be_valid(self, api_client):
        api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
        assert_error(api_client.get("/v1/courses"), 401, "token_invalid")

    def test_query_count_does_not_grow_with_page_size(self, api_client, django_assert_num_queries):
        bulk_courses(100)
        # courses (with category joined) + instructors (with users joined)
        with django_assert_num_queries(2):
            assert len(api_client.get("/v1/courses?limit=5").json()["results"]) == 5
        with django_assert_num_queries(2):
            assert len(api_client.get("/v1/courses?limit=100").json()["results"]) == 100

    def test_query_count_does_not_grow_with_page_depth(self, api_client, django_assert_num_queries):
        bulk_courses(100)
        cursor = None
        for _ in range(49):  # walk to page 50 of 2-course pages through the service
            cursor = services.course_search(actor=None, ordering="title", limit=2, cursor=cursor).next_cursor
        caches["default"].clear()  # measure cold pages
        with django_assert_num_queries(2):
            page_1 = api_client.get("/v1/courses?limit=2&ordering=title").json()
        with django_assert_num_queries(2):
            page_50 = api_client.get(f"/v1/courses?limit=2&ordering=title&cursor={cursor}").json()
        assert [item["title"] for item in page_1["results"]] == ["Bulk course 000", "Bulk course 001"]
        assert [item["title"] for item in page_50["results"]] == ["Bulk course 098", "Bulk course 099"]
        assert page_50["next_cursor"] is None

    def test_cached_page_costs_one_query_for_fresh_seats(self, api_client, django_assert_num_queries):
        bulk_courses(30)
        api_client.get("/v1/courses?limit=20")
        with django_assert_num_queries(1):
            api_client.get("/v1/courses?limit=20")


class TestCourseDetail:
    def test_outline_in_order_with_content_rules(self, api_client):
        course = CourseFactory()
        second = SectionFactory(course=course, position=2, title="Second")
        first = SectionFactory(course=course, position=1, title="First")
        LessonFactory(section=second, position=1, title="2.1")
        LessonFactory(section=first, position=2, title="1.2", content="locked")
        LessonFactory(section=first, position=1, title="1.1", is_preview=True, content="free sample")
        body = api_client.get(f"/v1/courses/{course.pk}").json()
        assert set(body) == COURSE_FIELDS | {"sections"}
        assert [section["title"] for section in body["sections"]] == ["First", "Second"]
        lessons = body["sections"][0]["lessons"]
        assert [lesson["title"] for lesson in lessons] == ["1.1", "1.2"]
        assert set(lessons[0]) == {"id", "title", "kind", "duration_minutes", "is_preview", "position", "content"}
        assert lessons[0]["content"] == "free sample"
        assert lessons[1]["content"] is None

    def test_enrolled_learner_sees_content(self, user):
        course = CourseFactory()
        LessonFactory(section=SectionFactory(course=course), content="locked")
        EnrollmentFactory(user=user, course=course)
        body = client_for(user).get(f"/v1/courses/{course.pk}").json()
        assert body["sections"][0]["lessons"][0]["content"] == "locked"

    def test_cached_payload_never_leaks_content_to_the_next_viewer(self, user, api_client):
        course = CourseFactory()
        LessonFactory(section=SectionFactory(course=course), content="locked")
        EnrollmentFactory(user=user, course=course)
        assert client_for(user).get(f"/v1/courses/{course.pk}").json()["sections"][0]["lessons"][0]["content"]
        assert api_client.get(f"/v1/courses/{course.pk}").json()["sections"][0]["lessons"][0]["content"] is None

    def test_drafts_are_404_except_for_staff_and_instructors(self, api_client, user_client, staff_client):
        course = DraftCourseFactory()
        instructor = CourseInstructorFactory(course=course).user
        assert_error(api_client.get(f"/v1/courses/{course.pk}"), 404, "not_found")
        assert_error(user_client.get(f"/v1/courses/{course.pk}"), 404, "not_found")
        assert staff_client.get(f"/v1/courses/{course.pk}").status_code == 200
        assert client_for(instructor).get(f"/v1/courses/{course.pk}").status_code == 200

    def test_unknown_course_is_404(self, api_client):
        assert_error(api_client.get(f"/v1/courses/{uuid.uuid4()}"), 404, "not_found")

    def test_slug_answers_like_the_id(self, api_client):
        course = CourseFactory(slug="intro-to-rust")
        LessonFactory(section=SectionFactory(course=course), is_preview=True, content="sample")
        by_id = api_client.get(f"/v1/courses/{course.pk}").json()
        assert api_client.get("/v1/courses/intro-to-rust").json() == by_id

    def test_unknown_slug_is_404(self, api_client):
        CourseFactory(slug="intro-to-rust")
        assert_error(api_client.get("/v1/courses/intro-to-go"), 404, "not_found")
        assert_error(api_client.get("/v1/courses/INTRO-TO-RUST"), 404, "not_found")

    def test_a_drafts_slug_is_404_except_for_staff_and_instructors(self, api_client, user_client, staff_client):
        course = DraftCourseFactory(slug="secret-draft")
        instructor = CourseInstructorFactory(course=course).user
        assert_error(api_client.get("/v1/courses/secret-draft"), 404, "not_found")
        assert_error(user_client.get("/v1/courses/secret-draft"), 404, "not_found")
        assert staff_client.get("/v1/courses/secret-draft").json()["id"] == str(course.pk)
        assert client_for(instructor).get("/v1/courses/secret-draft").json()["id"] == str(course.pk)

    def test_warm_detail_by_slug_reads_the_cache_after_one_slug_lookup(self, api_client, django_assert_num_queries):
        course = CourseFactory(slug="cached-by-id")
        LessonFactory.create_batch(3, section=SectionFactory(course=course))
        api_client.get(f"/v1/courses/{course.pk}")  # fills cache:course:v1:{id}
        # slug -> id, fresh seats: the outline comes from the cache
        with django_assert_num_queries(2):
            assert api_client.get("/v1/courses/cached-by-id").json()["id"] == str(course.pk)

    def test_ten_section_outline_has_a_fixed_query_budget(self, user, django_assert_num_queries):
        # given a course with 10 sections x 5 lessons and two instructors
        course = CourseFactory()
        CourseInstructorFactory.create_batch(2, course=course)
        sections = Section.objects.bulk_create([Section(course=course, title=f"S{n}", position=n) for n in range(10)])
        Lesson.objects.bulk_create(
            [
                Lesson(section=section, course=course, title=f"L{n}", position=n, content="c")
                for section in sections
                for n in range(5)
            ]
        )
        EnrollmentFactory(user=user, course=course)
        client = client_for(user)
        # when an enrolled learner reads it cold: user, course+category,
        # instructors+users, sections, lessons, enrollment check
        with django_assert_num_queries(6):
            body = client.get(f"/v1/courses/{course.pk}").json()
        assert len(body["sections"]) == 10 and all(len(s["lessons"]) == 5 for s in body["sections"])
        # then warm: user, fresh seats, enrollment check
        with django_assert_num_queries(3):
            client.get(f"/v1/courses/{course.pk}")

    def test_anonymous_warm_detail_costs_one_query(self, api_client, django_assert_num_queries):
        course = CourseFactory()
        LessonFactory.create_batch(3, section=SectionFactory(course=course))
        with CaptureQueriesContext(connection) as cold:
            api_client.get(f"/v1/courses/{course.pk}")
        assert len(cold) == 4
        with django_assert_num_queries(1):
            api_client.get(f"/v1/courses/{course.pk}")

    def test_change_through_the_service_is_visible_immediately(self, api_client, staff_user):
        course = CourseFactory(title="Before", capacity=10)
        assert api_client.get(f"/v1/courses/{course.pk}").json()["title"] == "Before"
        services.course_update(actor=staff_user, course_id=course.pk, values={"title": "After", "capacity": 20})
        body = api_client.get(f"/v1/courses/{course.pk}").json()
        assert (body["title"], body["capacity"]) == ("After", 20)
        assert api_client.get("/v1/courses").json()["results"][0]["title"] == "After"


class TestCategories:
    def test_public_paginated_in_display_order(self, api_client):
        Category.objects.bulk_create([Category(slug=f"c{n}", name=f"Category {n}", position=10 - n) for n in range(3)])
        first = api_client.get("/v1/categories?limit=2").json()
        assert [item["slug"] for item in first["results"]] == ["c2", "c1"]
        assert set(first["results"][0]) == {"id", "slug", "name", "description", "position"}
        second = api_client.get(f"/v1/categories?limit=2&cursor={first['next_cursor']}").json()
        assert [item["slug"] for item in second["results"]] == ["c0"]
        assert second["next_cursor"] is None

    def test_empty_limit_is_400(self, api_client):
        assert_error(api_client.get("/v1/categories?limit="), 400, "validation_error")


class TestResources:
    def test_enrolled_learner_gets_resources(self, user):
        course = CourseFactory()
        resource = ResourceFactory(course=course, title="Slides", url="https://example.test/s.pdf")
        EnrollmentFactory(user=user, course=course)
        body = client_for(user).get(f"/v1/courses/{course.pk}/resources").json()
        assert body["results"] == [
            {
                "id": str(resource.pk),
                "title": "Slides",
                "kind": "link",
                "url": "https://example.test/s.pdf",
                "position": 0,
                "created_at": body["results"][0]["created_at"],
            }
        ]
        assert body["next_cursor"] is None

    def test_anonymous_401_stranger_403_invisible_404(self, api_client, user_client):
        course = CourseFactory()
        assert_error(api_client.get(f"/v1/courses/{course.pk}/resources"), 401, "not_authenticated")
        assert_error(user_client.get(f"/v1/courses/{course.pk}/resources"), 403, "permission_denied")
        draft = DraftCourseFactory()
        assert_error(user_client.get(f"/v1/courses/{draft.pk}/resources"), 404, "not_found")

    def test_instructor_and_staff_get_resources(self, staff_client):
        course = CourseFactory()
        ResourceFactory(course=course)
        instructor = CourseInstructorFactory(course=course).user
        assert client_for(instructor).get(f"/v1/courses/{course.pk}/resources").status_code == 200
        assert staff_client.get(f"/v1/courses/{course.pk}/resources").status_code == 200


class TestOneRedisRoundTrip:
    """A cached read costs one Redis round trip: the rate limit, the list
    version and the cached page (or the cached course) in one call of the rate limiter's script.
    A worker that holds a copy of the page reads only the version."""

    def test_cached_list_page(self, api_client, settings, monkeypatch, django_assert_num_queries):
        from tests.support.redis_round_trips import counting_round_trips, require_redis

        require_redis(settings)
        bulk_courses(3)
        api_client.get("/v1/courses")
        with counting_round_trips(monkeypatch) as trips, django_assert_num_queries(1):  # fresh seats only
            response = api_client.get("/v1/courses")
        assert response.status_code == 200 and len(response.json()["results"]) == 3
        assert trips.calls == ["limit:1+1"]  # the version; the page is this worker's copy

    def test_cached_list_page_in_another_worker(self, api_client, settings, monkeypatch, django_assert_num_queries):
        from apps.catalog.caching import forget_list_page_copies
        from tests.support.redis_round_trips import counting_round_trips, require_redis

        require_redis(settings)
        bulk_courses(3)
        first = api_client.get("/v1/courses")
        forget_list_page_copies()  # a worker that did not render the page
        with counting_round_trips(monkeypatch) as trips, django_assert_num_queries(1):  # fresh seats only
            response = api_client.get("/v1/courses")
        assert response.content == first.content
        assert trips.calls == ["limit:1+2"]

    def test_cached_course_detail(self, api_client, settings, monkeypatch, django_assert_num_queries):
        from tests.support.redis_round_trips import counting_round_trips, require_redis

        require_redis(settings)
        course = CourseFactory()
        api_client.get(f"/v1/courses/{course.pk}")
        with counting_round_trips(monkeypatch) as trips, django_assert_num_queries(1):  # fresh seats only
            response = api_client.get(f"/v1/courses/{course.pk}")
        assert response.status_code == 200 and response.json()["id"] == str(course.pk)
        assert trips.calls == ["limit:1+1"]

    def test_invalid_filters_skip_the_prefetch_and_answer_400(self, api_client, settings, monkeypatch):
        from tests.support.redis_round_trips import counting_round_trips, require_redis

        require_redis(settings)
        with counting_round_trips(monkeypatch) as trips:
            response = api_client.get("/v1/courses?level=expert")
        assert response.status_code == 400 and response.json()["code"] == "validation_error"
        assert trips.calls == ["limit:1+0"]
