"""API4:2023 Unrestricted Resource Consumption.

Every list is cursor-paginated with the limit clamped to 100; request bodies
are capped (413); every string a client may send is bounded in the schema;
idempotency keys are bounded; every call to a backing or upstream service has
a finite timeout, and so do Celery tasks.

Add a paginated endpoint as one ``PAGINATED`` row: its route template, a
``setup`` that gives the viewer access and returns the path, and a ``fill`` that
creates more than 100 rows visible to the viewer, in bulk.
``test_every_list_is_in_the_table`` fails for a list operation without a row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from apps.ai_orchestration.models import Conversation
from apps.assessment.models import Assessment, Submission
from apps.catalog.models import Category, Course, Resource
from apps.commerce.models import Order, Sponsor, Sponsorship
from apps.engagement.models import Answer, Question
from apps.identity.models import User
from apps.labs.models import Booking, Lab
from apps.learning.models import Enrollment
from config.env import database_from_url
from tests.conftest import client_for
from tests.factories.assessment import AssessmentFactory
from tests.factories.commerce import PaidCourseFactory
from tests.factories.engagement import QuestionFactory
from tests.factories.identity import UserFactory
from tests.security import domain
from tests.security.conftest import assert_error

pytestmark = pytest.mark.django_db

MAX_LIMIT = 100


@dataclass(frozen=True)
class Listing:
    path: str
    scope: Any = None  # what ``fill`` needs (the course, sponsor, assessment...)


@dataclass(frozen=True)
class Paginated:
    route: str  # the route template as in the OpenAPI schema
    setup: Callable[[User], Listing]  # gives the viewer access (cheap); returns the path
    fill: Callable[[User, Any], None]  # makes more than MAX_LIMIT rows visible there, in bulk


ROWS = MAX_LIMIT + 5


def _fixed(path: str) -> Callable[[User], Listing]:
    return lambda viewer: Listing(path)


def _many_users(viewer: User, scope) -> None:
    User.objects.bulk_create([User(email=f"bulk{n}@example.test", display_name=f"Bulk {n:03d}") for n in range(ROWS)])


def _users(prefix: str) -> list[User]:
    return User.objects.bulk_create(
        [User(email=f"{prefix}{n}@example.test", display_name=f"{prefix} {n:03d}") for n in range(ROWS)]
    )


def _courses(prefix: str, **fields) -> list[Course]:
    now = timezone.now()
    return Course.objects.bulk_create(
        [
            Course(
                slug=f"{prefix}-{n}",
                title=f"{prefix} {n:03d}",
                status="published",
                published_at=now - timedelta(minutes=n),
                **fields,
            )
            for n in range(ROWS)
        ]
    )


# --- scopes: the viewer's access to a course, sponsor or assessment ------------------------


def _enrolled_course(path_suffix: str) -> Callable[[User], Listing]:
    def setup(viewer: User) -> Listing:
        course = domain.classroom(viewer)
        return Listing(f"/v1/courses/{course.pk}{path_suffix}", course)

    return setup


def _taught_course(path_suffix: str) -> Callable[[User], Listing]:
    def setup(viewer: User) -> Listing:
        course = domain.course()
        domain.teach(viewer, course)
        return Listing(f"/v1/courses/{course.pk}{path_suffix}", course)

    return setup


def _taught_assessment(viewer: User) -> Listing:
    course = domain.course()
    domain.teach(viewer, course)
    assessment = AssessmentFactory(course=course)
    return Listing(f"/v1/assessments/{assessment.pk}/submissions", assessment)


def _member_sponsor(viewer: User) -> Listing:
    sponsor = domain.sponsor_of(viewer)
    return Listing(f"/v1/sponsors/{sponsor.pk}/sponsorships", sponsor)


# --- fills ---------------------------------------------------------------------------------


def _many_courses(viewer: User, scope) -> None:
    _courses("many")


def _many_categories(viewer: User, scope) -> None:
    Category.objects.bulk_create([Category(slug=f"cat-{n}", name=f"Category {n:03d}") for n in range(ROWS)])


def _many_resources(viewer: User, course: Course) -> None:
    Resource.objects.bulk_create(
        [Resource(course=course, title=f"Resource {n}", kind="link", url="https://example.test/r") for n in range(ROWS)]
    )


def _many_enrollments(viewer: User, scope) -> None:
    Enrollment.objects.bulk_create([Enrollment(user=viewer, course=course) for course in _courses("enrolled")])


def _many_questions(viewer: User, course: Course) -> None:
    Question.objects.bulk_create(
        [Question(course=course, author=viewer, title=f"Question {n}", body="?") for n in range(ROWS)]
    )


def _many_answers(viewer: User, course: Course) -> None:
    question = QuestionFactory(course=course, author=viewer)
    Answer.objects.bulk_create(
        [Answer(question=question, course=course, author=viewer, body=f"Answer {n}") for n in range(ROWS)]
    )


def _many_assessments(viewer: User, course: Course) -> None:
    Assessment.objects.bulk_create(
        [
            Assessment(course=course, title=f"Assessment {n}", max_score=10, weight=1, is_published=True, position=n)
            for n in range(ROWS)
        ]
    )


def _many_learners(viewer: User, course: Course) -> None:
    Enrollment.objects.bulk_create([Enrollment(user=user, course=course) for user in _users("learner")])


def _many_submissions_to_grade(viewer: User, assessment: Assessment) -> None:
    now = timezone.now()
    Submission.objects.bulk_create(
        [
            Submission(assessment=assessment, course=assessment.course, user=user, submitted_at=now)
            for user in _users("student")
        ]
    )


def _many_own_submissions(viewer: User, scope) -> None:
    course = domain.classroom(viewer)
    assessments = Assessment.objects.bulk_create(
        [Assessment(course=course, title=f"Quiz {n}", is_published=True, position=n) for n in range(ROWS)]
    )
    now = timezone.now()
    Submission.objects.bulk_create(
        [Submission(assessment=a, course=course, user=viewer, submitted_at=now) for a in assessments]
    )


def _many_orders(viewer: User, scope) -> None:
    Order.objects.bulk_create(
        [
            Order(
                user=viewer,
                number=f"DL-2026-B{n:07d}",
                status="paid",
                subtotal=Decimal("49.00"),
                total=Decimal("49.00"),
                currency="USD",
                idempotency_key=f"bulk-{n}",
            )
            for n in range(ROWS)
        ]
    )


def _many_sponsors(viewer: User, scope) -> None:
    Sponsor.objects.bulk_create(
        [Sponsor(name=f"Sponsor {n:03d}", contact_email=f"s{n}@sponsor.test", status="approved") for n in range(ROWS)]
    )


def _many_sponsorships(viewer: User, sponsor: Sponsor) -> None:
    course = PaidCourseFactory()
    Sponsorship.objects.bulk_create(
        [Sponsorship(sponsor=sponsor, course=course, seats_total=1, status="pending") for _ in range(ROWS)]
    )


def _many_labs(viewer: User, scope) -> None:
    Lab.objects.bulk_create([Lab(slug=f"lab-bulk-{n}", name=f"Lab {n:03d}") for n in range(ROWS)])


def _many_conversations(viewer: User, scope) -> None:
    Conversation.objects.bulk_create(
        [Conversation(user=viewer, title=f"Chat {n}", provider="offline") for n in range(ROWS)]
    )


def _many_bookings(viewer: User, scope) -> None:
    lab = domain.lab()
    first = timezone.now().replace(microsecond=0) + timedelta(days=1)
    Booking.objects.bulk_create(
        [
            Booking(user=viewer, lab=lab, start=first + timedelta(hours=n), end=first + timedelta(hours=n + 1))
            for n in range(ROWS)
        ]
    )


PAGINATED: list = [
    # The probe list of tests/deltalabs/probe_urls.py exercises the shared paginator on its own.
    pytest.param(
        Paginated("/v1/_probe/users", _fixed("/v1/_probe/users"), _many_users),
        id="probe users",
        marks=pytest.mark.urls("tests.deltalabs.probe_urls"),
    ),
    pytest.param(Paginated("/v1/courses", _fixed("/v1/courses"), _many_courses), id="courses"),
    pytest.param(Paginated("/v1/categories", _fixed("/v1/categories"), _many_categories), id="categories"),
    pytest.param(
        Paginated("/v1/courses/{course_id}/resources", _enrolled_course("/resources"), _many_resources),
        id="course resources",
    ),
    pytest.param(Paginated("/v1/enrollments", _fixed("/v1/enrollments"), _many_enrollments), id="enrollments"),
    pytest.param(
        Paginated("/v1/courses/{course_id}/questions", _enrolled_course("/questions"), _many_questions),
        id="course questions",
    ),
    pytest.param(
        Paginated("/v1/courses/{course_id}/answers", _enrolled_course("/answers"), _many_answers),
        id="course answers",
    ),
    pytest.param(
        Paginated("/v1/courses/{course_id}/assessments", _enrolled_course("/assessments"), _many_assessments),
        id="course assessments",
    ),
    pytest.param(
        Paginated("/v1/courses/{course_id}/grades", _taught_course("/grades"), _many_learners),
        id="gradebook (instructor)",
    ),
    pytest.param(
        Paginated("/v1/assessments/{assessment_id}/submissions", _taught_assessment, _many_submissions_to_grade),
        id="submissions to an assessment (instructor)",
    ),
    pytest.param(Paginated("/v1/submissions", _fixed("/v1/submissions"), _many_own_submissions), id="own submissions"),
    pytest.param(Paginated("/v1/orders", _fixed("/v1/orders"), _many_orders), id="orders"),
    pytest.param(
        Paginated("/v1/ai/conversations", _fixed("/v1/ai/conversations"), _many_conversations), id="ai-conversations"
    ),
    pytest.param(Paginated("/v1/sponsors", _fixed("/v1/sponsors"), _many_sponsors), id="sponsors"),
    pytest.param(
        Paginated("/v1/sponsors/{sponsor_id}/sponsorships", _member_sponsor, _many_sponsorships),
        id="sponsorships (member)",
    ),
    pytest.param(Paginated("/v1/labs", _fixed("/v1/labs"), _many_labs), id="labs"),
    pytest.param(Paginated("/v1/bookings", _fixed("/v1/bookings"), _many_bookings), id="bookings"),
]


@pytest.mark.parametrize("endpoint", PAGINATED)
def test_limit_is_clamped(endpoint: Paginated):
    # given more rows than the largest page
    viewer = UserFactory()
    listing = endpoint.setup(viewer)
    endpoint.fill(viewer, listing.scope)
    # when a client asks for a huge page
    response = client_for(viewer).get(listing.path, {"limit": 1_000_000})
    # then it gets at most 100 rows and a cursor for the rest
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert len(body["results"]) == MAX_LIMIT
    assert body["next_cursor"]
    # and the cursor leads on to the rest, none repeated
    rest = client_for(viewer).get(listing.path, {"limit": 1_000_000, "cursor": body["next_cursor"]}).json()
    first_ids = {json.dumps(row, sort_keys=True) for row in body["results"]}
    assert rest["results"] and not first_ids & {json.dumps(row, sort_keys=True) for row in rest["results"]}


@pytest.mark.parametrize("endpoint", PAGINATED)
@pytest.mark.parametrize("limit", ["0", "-1", "ten", "1e9"])
def test_nonsense_limits_are_refused(endpoint: Paginated, limit):
    viewer = UserFactory()
    path = endpoint.setup(viewer).path
    assert_error(client_for(viewer).get(path, {"limit": limit}), 400, "validation_error")


@pytest.mark.parametrize("endpoint", PAGINATED)
def test_forged_cursor_is_refused(endpoint: Paginated):
    viewer = UserFactory()
    path = endpoint.setup(viewer).path
    response = client_for(viewer).get(path, {"cursor": "eyJvIjoiLWlkIiwidiI6WzFdfQ"})
    assert_error(response, 400, "validation_error")


def test_every_list_is_in_the_table():
    """A new list endpoint (an operation taking ``limit``) must come with its row."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    lists = {
        path
        for path, operations in schema["paths"].items()
        if any(parameter["name"] == "limit" for parameter in operations.get("get", {}).get("parameters", []))
    }
    covered = {param.values[0].route for param in PAGINATED}
    assert sorted(lists - covered) == [], "add PAGINATED rows for these lists"


# Later: the AI conversation endpoints (ai_orchestration, branch `ai`) add
# GET /v1/ai/conversations (a PAGINATED row) and a cap on the messages kept per
# conversation (a row in test_api6_business_flows.FLOW_CAPS, 409 conversation_full).


def test_pagination_maximum_is_100():
    assert django_settings.PAGINATION_MAX_LIMIT == MAX_LIMIT


def test_request_body_size_is_capped(api_client):
    # The default cap (not a test override) refuses a 2 MiB body before any view work.
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 1024 * 1024
    blob = "x" * (2 * 1024 * 1024)
    response = api_client.post(
        "/v1/auth/register", {"email": "big@example.test", "password": blob, "display_name": "Big"}, format="json"
    )
    assert_error(response, 413, "payload_too_large")


def test_overlong_idempotency_key_is_refused(user_client):
    response = user_client.patch("/v1/users/me", {"bio": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert_error(response, 400, "idempotency_key_invalid")


def _unbounded_strings(schema: dict) -> list[str]:
    components = schema["components"]["schemas"]
    found = []

    def visit(node, where: str) -> None:
        if not isinstance(node, dict):
            return
        if node.get("type") == "string" and not node.get("readOnly"):
            bounded = "maxLength" in node or "enum" in node or node.get("format") in {"uuid", "date", "date-time"}
            if not bounded:
                found.append(where)
        for key, child in node.get("properties", {}).items():
            visit(child, f"{where}.{key}")
        visit(node.get("items"), f"{where}[]")

    for name, component in components.items():
        if name.endswith("Request"):  # the request side (COMPONENT_SPLIT_REQUEST)
            visit(component, name)
    # Query strings and headers are bounded by the HTTP server's line limits.
    return found


def test_every_string_a_client_sends_is_bounded():
    """Every string field of a request body declares max_length (the 1 MiB
    body cap is the last line of defence, not the first)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not _unbounded_strings(schema), "give these serializer fields a max_length"


@pytest.mark.parametrize(
    ("setting", "ceiling"),
    [
        ("REDIS_TIMEOUT_SECONDS", 5),
        ("PAYMENT_TIMEOUT_SECONDS", 30),
        ("AI_TIMEOUT_SECONDS", 60),
        ("CELERY_TASK_SOFT_TIME_LIMIT", 600),
        ("CELERY_TASK_TIME_LIMIT", 900),
        ("IDEMPOTENCY_LOCK_SECONDS", 600),
    ],
)
def test_every_wait_is_bounded(setting, ceiling):
    value = getattr(django_settings, setting)
    assert value is not None and 0 < value <= ceiling


def test_database_calls_time_out():
    sqlite_timeout = django_settings.DATABASES["default"].get("OPTIONS", {}).get("timeout")
    assert sqlite_timeout is None or 0 < sqlite_timeout <= 60
    mongo = database_from_url("mongodb://db.example:27017/deltalabs")
    assert 0 < mongo["OPTIONS"]["serverSelectionTimeoutMS"] <= 30_000
