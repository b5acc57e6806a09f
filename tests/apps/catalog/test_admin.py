"""Course authoring in the admin: fast changelist, actions and saves through the services."""

import orjson
import pytest
from django.core.cache import caches
from django.test import Client

from apps.catalog import caching, outputs, services
from apps.catalog.models import Course, Lesson, Section
from tests.factories.catalog import CategoryFactory, CourseFactory, DraftCourseFactory, SectionFactory

pytestmark = pytest.mark.django_db

INLINES = ("course_instructors", "sections", "lessons", "resources")


@pytest.fixture
def admin_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def inline_management(counts: dict | None = None) -> dict:
    data = {}
    for prefix in INLINES:
        total, initial = (counts or {}).get(prefix, (0, 0))
        data |= {
            f"{prefix}-TOTAL_FORMS": str(total),
            f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data


def course_form(**overrides) -> dict:
    return {
        "title": "Admin course",
        "slug": "admin-course",
        "summary": "",
        "description": "",
        "category": "",
        "level": "beginner",
        "language": "en",
        "price": "0.00",
        "currency": "USD",
        "capacity": "",
        "enrollment_opens_at_0": "",
        "enrollment_opens_at_1": "",
        "enrollment_closes_at_0": "",
        "enrollment_closes_at_1": "",
        **overrides,
    }


def test_changelist_query_count_does_not_grow_with_rows(admin_client, django_assert_num_queries):
    # (tests/apps/learning/test_admin.py renders it with 20,000 enrollments)
    for _ in range(3):
        CourseFactory(category=CategoryFactory())
    # session, user, count, page (category joined), category filter choices
    with django_assert_num_queries(5):
        assert admin_client.get("/admin/catalog/course/").status_code == 200
    for _ in range(30):
        CourseFactory(category=CategoryFactory())
    with django_assert_num_queries(5):
        assert admin_client.get("/admin/catalog/course/").status_code == 200


def test_change_and_add_forms_render(admin_client):
    course = CourseFactory()
    SectionFactory(course=course)
    assert admin_client.get(f"/admin/catalog/course/{course.pk}/change/").status_code == 200
    assert admin_client.get("/admin/catalog/course/add/").status_code == 200


def test_publish_action_goes_through_the_service(admin_client):
    # given two drafts, one already in the detail cache, and a cached list
    drafts = [DraftCourseFactory(), DraftCourseFactory()]
    services.course_detail_document(
        actor=admin_client_user(admin_client), course_id=drafts[0].pk, render=outputs.render_course_detail
    )
    assert public_list() == []
    assert caches["default"].get(caching.course_key(drafts[0].pk)) is not None
    version_before = caches["default"].get(caching.LIST_VERSION_KEY)
    # when staff publish them from the changelist
    response = admin_client.post(
        "/admin/catalog/course/",
        {"action": "publish_courses", "_selected_action": [str(course.pk) for course in drafts]},
    )
    # then they are published with a date, and the caches were invalidated
    assert response.status_code == 302
    for course in drafts:
        course.refresh_from_db()
        assert course.status == "published" and course.published_at is not None
    assert caches["default"].get(caching.course_key(drafts[0].pk)) is None
    assert caches["default"].get(caching.LIST_VERSION_KEY) != version_before
    assert len(public_list()) == 2


def test_archive_action(admin_client):
    course = CourseFactory()
    admin_client.post("/admin/catalog/course/", {"action": "archive_courses", "_selected_action": [str(course.pk)]})
    course.refresh_from_db()
    assert course.status == "archived"


def admin_client_user(client):
    from django.contrib.auth import get_user

    return get_user(client)


def public_list() -> list[dict]:
    """The first page of the course list as the REST API serves it to a visitor (cached)."""
    query = services.course_query(actor=None)
    return orjson.loads(services.course_list_document(query=query, render=outputs.render_course_page))["results"]


def public_detail(course_id) -> dict:
    """The course detail as the REST API serves it to a visitor (the cached rendering)."""
    return services.course_detail_document(actor=None, course_id=course_id, render=outputs.render_course_detail)


def test_saving_a_course_goes_through_the_service_and_keeps_counters(admin_client):
    # given a course whose seats changed after staff opened the form
    course = CourseFactory(slug="admin-course", title="Before", capacity=10)
    public_detail(course.pk)  # cached
    Course.objects.filter(pk=course.pk).update(seats_taken=7)
    # when staff save a new title
    response = admin_client.post(
        f"/admin/catalog/course/{course.pk}/change/",
        course_form(title="After", capacity="10") | inline_management(),
    )
    # then the title changed, the counter did not, and the public view is fresh
    assert response.status_code == 302, response.content
    course.refresh_from_db()
    assert (course.title, course.seats_taken) == ("After", 7)
    assert public_detail(course.pk)["title"] == "After"


def test_capacity_below_seats_is_refused_in_the_admin(admin_client):
    course = CourseFactory(slug="admin-course", capacity=10, seats_taken=6)
    response = admin_client.post(
        f"/admin/catalog/course/{course.pk}/change/",
        course_form(title="Renamed", capacity="5") | inline_management(),
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/{course.pk}/change/")
    title_before = course.title
    course.refresh_from_db()
    assert (course.capacity, course.title) == (10, title_before)  # nothing half-written


def test_adding_a_course_with_a_section_inline(admin_client):
    response = admin_client.post(
        "/admin/catalog/course/add/",
        course_form(slug="brand-new", title="Brand new")
        | inline_management({"sections": (1, 0)})
        | {"sections-0-title": "Welcome", "sections-0-position": "0"},
    )
    assert response.status_code == 302, response.content
    course = Course.objects.get(slug="brand-new")
    assert course.status == "draft"
    assert list(course.sections.values_list("title", flat=True)) == ["Welcome"]


def test_lessons_pick_sections_of_their_course_only(admin_client):
    course = CourseFactory(slug="admin-course")
    section = SectionFactory(course=course)
    foreign = SectionFactory()
    base = course_form(title=course.title) | inline_management({"lessons": (1, 0)})
    lesson = {
        "lessons-0-title": "Intro",
        "lessons-0-kind": "video",
        "lessons-0-duration_minutes": "5",
        "lessons-0-position": "0",
        "lessons-0-content": "Hello",
    }
    refused = admin_client.post(
        f"/admin/catalog/course/{course.pk}/change/", base | lesson | {"lessons-0-section": str(foreign.pk)}
    )
    assert refused.status_code == 200  # form redisplayed with an error
    assert not Lesson.objects.exists()
    accepted = admin_client.post(
        f"/admin/catalog/course/{course.pk}/change/", base | lesson | {"lessons-0-section": str(section.pk)}
    )
    assert accepted.status_code == 302
    lesson_row = Lesson.objects.get()
    assert (lesson_row.section_id, lesson_row.course_id) == (section.pk, course.pk)


def test_section_admin_sets_the_lesson_course(admin_client):
    section = SectionFactory()
    response = admin_client.post(
        f"/admin/catalog/section/{section.pk}/change/",
        {
            "title": section.title,
            "position": "0",
            "lessons-TOTAL_FORMS": "1",
            "lessons-INITIAL_FORMS": "0",
            "lessons-MIN_NUM_FORMS": "0",
            "lessons-MAX_NUM_FORMS": "1000",
            "lessons-0-title": "Nested",
            "lessons-0-kind": "reading",
            "lessons-0-duration_minutes": "3",
            "lessons-0-position": "0",
            "lessons-0-content": "Text",
        },
    )
    assert response.status_code == 302, response.content
    assert Lesson.objects.get().course_id == section.course_id
    assert Section.objects.get(pk=section.pk).course_id == section.course_id


def _course_change_form_queries(sections: int) -> int:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.factories.catalog import CourseFactory, LessonFactory, SectionFactory
    from tests.factories.identity import StaffFactory

    course = CourseFactory()
    for position in range(sections):
        section = SectionFactory(course=course, position=position)
        for lesson_position in range(3):
            LessonFactory(section=section, course=course, position=lesson_position)
    browser = Client()
    browser.force_login(StaffFactory(is_superuser=True))
    # Both measurements start with the same (empty) content-type cache, on any engine.
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(f"/admin/catalog/course/{course.pk}/change/")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_course_change_form_does_not_grow_with_the_outline():
    # The lessons' section picker is read once per page, not once per lesson.
    assert _course_change_form_queries(8) <= _course_change_form_queries(1)
