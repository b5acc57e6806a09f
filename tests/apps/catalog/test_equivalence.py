"""The optimised course reads answer exactly what the reference path answers.

The reference path is the plain one: the ORM (``services.course_search`` and
learning's ``course_detail``, which never touch the cache) and the output
serializers, rendered by DRF's own ``JSONRenderer``. The optimised path is
what the API serves: cached renderings with per-viewer parts and fresh seats
overlaid, written by the orjson renderer. Both are compared byte for byte, on
a cache miss and on the hit that follows, for anonymous visitors and for
signed-in learners, enrolled learners, instructors and staff; a course
detail cached by one viewer is also compared for every other viewer.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import orjson
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from apps.catalog import caching, outputs, services
from apps.catalog.models import Course
from apps.learning import services as learning_services
from deltalabs.errors import NotFound
from tests.conftest import client_for
from tests.factories.catalog import (
    CategoryFactory,
    CourseFactory,
    CourseInstructorFactory,
    DraftCourseFactory,
    LessonFactory,
    SectionFactory,
)
from tests.factories.identity import StaffFactory, UserFactory
from tests.factories.learning import EnrollmentFactory

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "learner", "enrolled", "instructor", "staff"]


@pytest.fixture
def catalogue():
    """Courses of every shape: categories or none, prices, capacities, drafts,
    instructors, outlines with preview and locked lessons, unicode text."""
    now = timezone.now()
    design, data = CategoryFactory(name="Design", slug="design"), CategoryFactory(name="Data \u2603", slug="data")
    instructor, learner, enrolled, staff = UserFactory(), UserFactory(), UserFactory(), StaffFactory()
    courses = []
    for number in range(7):
        course = CourseFactory(
            title=f"Course {number} caf\u00e9",
            summary=f"Summary {number} \u2028 line",
            category=[design, data, None][number % 3],
            level=Course.Level.values[number % 3],
            price=[Decimal("0"), Decimal("49.00"), Decimal("9.99")][number % 3],
            capacity=[None, 30][number % 2],
            seats_taken=number,
            published_at=now - timedelta(days=number),
            enrollment_opens_at=now - timedelta(days=3) if number % 2 else None,
        )
        CourseInstructorFactory(course=course, user=instructor, position=0)
        CourseInstructorFactory(course=course, user=UserFactory(display_name=f"Co-teacher {number}"), position=1)
        for section_number in range(2):
            section = SectionFactory(course=course, position=section_number, title=f"Section {section_number}")
            LessonFactory(section=section, position=0, is_preview=True, content="Free sample")
            LessonFactory(section=section, position=1, content=f"Locked {number}.{section_number}")
        courses.append(course)
    draft = DraftCourseFactory(title="Draft")
    CourseInstructorFactory(course=draft, user=instructor)
    EnrollmentFactory(user=enrolled, course=courses[0])
    users = {"anonymous": None, "learner": learner, "enrolled": enrolled, "instructor": instructor, "staff": staff}
    return {"courses": courses, "draft": draft, "users": users}


def reference_bytes(data) -> bytes:
    return JSONRenderer().render(data)


def reference_list(actor, **arguments) -> bytes:
    page = services.course_search(actor=actor or AnonymousUser(), **arguments)
    return reference_bytes(
        {"results": outputs.CourseSerializer(page.items, many=True).data, "next_cursor": page.next_cursor}
    )


QUERIES = [
    ("", {}),
    ("?limit=3", {"limit": 3}),
    ("?ordering=title&limit=2", {"ordering": "title", "limit": 2}),
    ("?ordering=-price", {"ordering": "-price"}),
    ("?level=intermediate&is_free=false", {"level": "intermediate", "is_free": False}),
    ("?category=design", {"category": "design"}),
    ("?q=COURSE%201", {"q": "COURSE 1"}),
]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("query_string", "arguments"), QUERIES, ids=[q or "default" for q, _ in QUERIES])
def test_course_list_matches_the_reference_on_miss_and_hit(catalogue, viewer, query_string, arguments):
    actor = catalogue["users"][viewer]
    client = client_for(actor)
    expected = reference_list(actor, **arguments)
    miss = client.get(f"/v1/courses{query_string}")
    hit = client.get(f"/v1/courses{query_string}")
    assert miss.status_code == hit.status_code == 200
    assert miss.content == expected
    assert hit.content == expected


@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_page_of_the_list_matches_the_reference(catalogue, viewer):
    actor = catalogue["users"][viewer]
    client = client_for(actor)
    cursor, seen = None, 0
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        expected = reference_list(actor, limit=2, cursor=cursor)
        for _ in ("miss", "hit"):
            response = client.get(f"/v1/courses?limit=2{suffix}")
            assert response.content == expected
        cursor, seen = response.json()["next_cursor"], seen + len(response.json()["results"])
        if cursor is None:
            break
    assert seen == (8 if viewer == "staff" else 7)  # staff also see the draft


def test_hits_follow_seat_changes_like_the_reference(catalogue):
    course = catalogue["courses"][1]
    client = client_for(None)
    client.get("/v1/courses")
    Course.objects.filter(pk=course.pk).update(seats_taken=17)  # enrollments elsewhere
    assert client.get("/v1/courses").content == reference_list(None)
    assert 17 in [item["seats_taken"] for item in client.get("/v1/courses").json()["results"]]


@pytest.mark.parametrize(
    "text",
    ['Seats "seats_taken":null', '{"seats_taken":null}', 'a\\"seats_taken\\":null', "seats_taken\u2028null"],
)
def test_text_that_looks_like_the_seats_field_is_served_as_it_is(catalogue, text):
    """The cached page is written out with each ``seats_taken`` left open; a
    title or description spelling that field must not be taken for it."""
    course = catalogue["courses"][2]
    Course.objects.filter(pk=course.pk).update(title=text, summary=text, description=text, seats_taken=4)
    caching.forget_courses([course.pk])
    client = client_for(None)
    for _ in ("miss", "hit"):
        response = client.get("/v1/courses")
        assert response.content == reference_list(None)
    listed = next(item for item in response.json()["results"] if item["id"] == str(course.pk))
    assert listed["title"] == text and listed["seats_taken"] == 4


def test_indent_asked_for_gets_the_same_document_indented(catalogue):
    client = client_for(None)
    for _ in ("miss", "hit"):
        response = client.get("/v1/courses", HTTP_ACCEPT="application/json; indent=2")
        assert response.status_code == 200
        assert response.content == JSONRenderer().render(
            orjson.loads(reference_list(None)), "application/json; indent=2"
        )


def reference_detail(actor, course_id) -> bytes | None:
    """The course detail from the ORM and the serializer; None when it is a 404."""
    try:
        detail = learning_services.course_detail(actor=actor or AnonymousUser(), course_id=course_id)
    except NotFound:
        return None
    return reference_bytes(outputs.CourseDetailSerializer(detail.course, context={"detail": detail}).data)


def assert_detail_matches(response, expected: bytes | None) -> None:
    if expected is None:
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    else:
        assert response.status_code == 200
        assert response.content == expected


def detail_targets(catalogue) -> dict:
    """The enrolled learner's course, a paid one nobody here is enrolled in, the draft."""
    return {"enrolled": catalogue["courses"][0], "paid": catalogue["courses"][1], "draft": catalogue["draft"]}


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("target", ["enrolled", "paid", "draft"])
def test_course_detail_matches_the_reference_on_miss_and_hit(catalogue, viewer, target):
    actor = catalogue["users"][viewer]
    course = detail_targets(catalogue)[target]
    client = client_for(actor)
    expected = reference_detail(actor, course.pk)
    assert caches["default"].get(caching.course_key(course.pk)) is None
    assert_detail_matches(client.get(f"/v1/courses/{course.pk}"), expected)
    assert caches["default"].get(caching.course_key(course.pk)) is not None  # the next read is a hit
    assert_detail_matches(client.get(f"/v1/courses/{course.pk}"), expected)


@pytest.mark.parametrize("reader", VIEWERS)
@pytest.mark.parametrize("warmer", VIEWERS)
def test_a_detail_cached_for_one_viewer_matches_the_reference_for_another(catalogue, warmer, reader):
    for course in detail_targets(catalogue).values():
        client_for(catalogue["users"][warmer]).get(f"/v1/courses/{course.pk}")
        actor = catalogue["users"][reader]
        assert_detail_matches(client_for(actor).get(f"/v1/courses/{course.pk}"), reference_detail(actor, course.pk))


def test_detail_hits_follow_seat_changes_like_the_reference(catalogue):
    course = catalogue["courses"][1]
    client = client_for(None)
    client.get(f"/v1/courses/{course.pk}")
    Course.objects.filter(pk=course.pk).update(seats_taken=17)  # enrollments elsewhere
    response = client.get(f"/v1/courses/{course.pk}")
    assert response.content == reference_detail(None, course.pk)
    assert response.json()["seats_taken"] == 17
