"""An assistant tool's result for an object is the REST API's rendering of it.

Tools render through the owning app's output serializers (``apps.<app>.outputs``),
the ones the REST views use. Each case runs a tool through POST /v1/ai/execute
and reads the same object from its REST endpoint right after, as the same
user: the course, enrollment, booking (and lab and cart) in the result must
have exactly the REST body's fields, with the same values.

Every registered tool has a row in ``WHAT_TOOLS_RETURN``, so a new tool (a
checkout answering an order, say) cannot be added without saying what it
returns; a tool returning a course, enrollment, booking or order then needs a
case below.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.ai_orchestration.tools import REGISTRY
from apps.labs import services as labs_services
from tests.conftest import client_for
from tests.factories.learning import EnrollmentFactory

pytestmark = pytest.mark.django_db

FRIDAY_10 = datetime(2026, 3, 13, 9, tzinfo=UTC)  # 10:00 in Berlin, two days after the frozen clock

# tool -> the kind of object its result is (or holds), as REST renders it.
WHAT_TOOLS_RETURN = {
    "search_courses": "page of courses",
    "get_course": "course",
    "enroll": "enrollment",
    "my_enrollments": "page of enrollments",
    "my_progress": "progress (with the course's id, slug and title)",
    "cancel_enrollment": "enrollment",
    "my_grades": "learner grades (with the course's id, slug and title)",
    "list_labs": "page of labs",
    "get_lab": "lab",
    "lab_availability": "availability",
    "book_lab": "booking",
    "cancel_booking": "booking",
    "my_bookings": "page of bookings",
    "view_cart": "cart",
    "add_to_cart": "cart",
    "remove_from_cart": "cart",
    "checkout": "cart (plus the quote's total, payment_method and expires_at)",
    "my_orders": "page of orders",
}


def test_every_tool_says_what_it_returns():
    assert sorted(REGISTRY.names()) == sorted(WHAT_TOOLS_RETURN)


def _execute(client, tool: str, **arguments) -> dict:
    response = client.post(
        "/v1/ai/execute", {"tool": tool, "arguments": arguments}, format="json", HTTP_IDEMPOTENCY_KEY=f"k-{tool}"
    )
    assert response.status_code == 200, response.content
    return response.json()["result"]


def _get(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def client(learner):
    return client_for(learner)


# --- Courses --------------------------------------------------------------------------------


def test_get_course_is_the_course_detail(client, learner, catalogue):
    course = catalogue.python_basics
    EnrollmentFactory(user=learner, course=course)  # enrolled: lesson content is visible to both doors

    result = _execute(client, "get_course", course_id=str(course.id))

    assert result == _get(client, f"/v1/courses/{course.id}")
    assert any(lesson["content"] for section in result["sections"] for lesson in section["lessons"])


def test_get_course_hides_lesson_content_as_the_api_does(client, catalogue):
    course = catalogue.python_basics

    result = _execute(client, "get_course", course_id=str(course.id))

    assert result == _get(client, f"/v1/courses/{course.id}")


def test_search_courses_rows_are_course_list_rows(client, catalogue):
    result = _execute(client, "search_courses", q="python", limit=10)

    rest = _get(client, "/v1/courses?q=python&limit=10")
    assert [row["title"] for row in result["results"]] == ["Python Basics", "Advanced Python"]
    assert result["results"] == rest["results"]


# --- Enrollments ----------------------------------------------------------------------------


def test_enroll_is_the_enrollment(client, catalogue):
    result = _execute(client, "enroll", course_id=str(catalogue.python_basics.id))

    assert result == _get(client, f"/v1/enrollments/{result['id']}")


def test_cancel_enrollment_is_the_enrollment(client, learner, catalogue):
    enrollment = EnrollmentFactory(user=learner, course=catalogue.data_science)

    result = _execute(client, "cancel_enrollment", enrollment_id=str(enrollment.id))

    assert result["status"] == "cancelled"
    assert result == _get(client, f"/v1/enrollments/{enrollment.id}")


def test_my_enrollments_rows_are_enrollments(client, learner, catalogue):
    EnrollmentFactory(user=learner, course=catalogue.data_science)
    EnrollmentFactory(user=learner, course=catalogue.web_django)

    result = _execute(client, "my_enrollments")

    assert len(result["results"]) == 2
    assert result["results"] == _get(client, "/v1/enrollments")["results"]


def test_my_progress_is_the_progress_body_with_the_course(client, learner, catalogue):
    enrollment = EnrollmentFactory(user=learner, course=catalogue.python_basics)

    result = _execute(client, "my_progress", enrollment_id=str(enrollment.id))

    course = result.pop("course")
    assert result == _get(client, f"/v1/enrollments/{enrollment.id}/progress")
    assert course == _get(client, f"/v1/enrollments/{enrollment.id}")["course"]


# --- Labs and bookings ----------------------------------------------------------------------


def test_book_lab_is_the_booking(client, labs):
    result = _execute(client, "book_lab", lab_id=str(labs.robotics.id), start=FRIDAY_10.strftime("%Y-%m-%dT%H:%M:%SZ"))

    assert result == _get(client, f"/v1/bookings/{result['id']}")


def test_cancel_booking_is_the_booking(client, learner, labs):
    booking = labs_services.booking_create(actor=learner, lab_id=labs.robotics.id, start=FRIDAY_10)

    result = _execute(client, "cancel_booking", booking_id=str(booking.id))

    assert result["status"] == "cancelled"
    assert result == _get(client, f"/v1/bookings/{booking.id}")


def test_my_bookings_rows_are_bookings(client, learner, labs):
    labs_services.booking_create(actor=learner, lab_id=labs.robotics.id, start=FRIDAY_10)
    labs_services.booking_create(actor=learner, lab_id=labs.chemistry.id, start=FRIDAY_10.replace(hour=11))

    result = _execute(client, "my_bookings")

    assert len(result["results"]) == 2
    assert result["results"] == _get(client, "/v1/bookings?upcoming=true")["results"]


def test_lab_tools_are_the_lab_bodies(client, labs):
    lab = labs.robotics

    assert _execute(client, "list_labs")["results"] == _get(client, "/v1/labs")["results"]
    assert _execute(client, "get_lab", lab_id=str(lab.id)) == _get(client, f"/v1/labs/{lab.id}")
    availability = _execute(client, "lab_availability", lab_id=str(lab.id), date_from="2026-03-12")
    assert availability == _get(client, f"/v1/labs/{lab.id}/availability?from=2026-03-12")


@pytest.mark.parametrize(
    ("arguments", "query", "field", "argument"),
    [
        ({"date_from": "2026-03-12", "date_to": "2026-03-11"}, "from=2026-03-12&to=2026-03-11", "to", "date_to"),
        ({"date_from": "2026-03-01", "date_to": "2026-04-30"}, "from=2026-03-01&to=2026-04-30", "to", "date_to"),
        ({"date_from": "9999-12-31"}, "from=9999-12-31", "from", "date_from"),
    ],
)
def test_lab_availability_errors_name_the_tool_arguments(client, labs, arguments, query, field, argument):
    """The service speaks REST's ``from``/``to``; the tool's caller sent
    ``date_from``/``date_to``, and its error says so (same code and status)."""
    lab = labs.robotics
    rest = client.get(f"/v1/labs/{lab.id}/availability?{query}")
    tool = client.post(
        "/v1/ai/execute",
        {"tool": "lab_availability", "arguments": {"lab_id": str(lab.id), **arguments}},
        format="json",
    )
    assert rest.status_code == tool.status_code == 400
    rest_error, tool_error = rest.json(), tool.json()
    assert rest_error["code"] == tool_error["code"] == "validation_error"
    assert list(rest_error["details"]) == [field]
    assert list(tool_error["details"]) == [argument]
    assert f"`{field}`" not in tool_error["message"] + " ".join(tool_error["details"][argument])


# --- Cart -----------------------------------------------------------------------------------


def test_cart_tools_are_the_cart_body(client, catalogue):
    added = _execute(client, "add_to_cart", course_id=str(catalogue.advanced_python.id))
    assert added == _get(client, "/v1/cart")
    assert added["items"][0]["course"]["title"] == "Advanced Python"

    assert _execute(client, "view_cart") == _get(client, "/v1/cart")
    removed = _execute(client, "remove_from_cart", course_id=str(catalogue.advanced_python.id))
    assert removed == _get(client, "/v1/cart") and removed["items"] == []


def test_order_tools_are_the_order_bodies(client, learner, catalogue):
    # given a paid order
    _execute(client, "add_to_cart", course_id=str(catalogue.advanced_python.id))
    quote = _execute(client, "checkout")
    assert {key: quote[key] for key in _get(client, "/v1/cart")} == _get(client, "/v1/cart")
    paid = client.post(
        "/v1/orders", {"payment": {"method": "card", "token": "tok_visa"}}, format="json", HTTP_IDEMPOTENCY_KEY="o1"
    )
    assert paid.status_code == 201, paid.content
    # then my_orders rows are GET /v1/orders rows
    assert _execute(client, "my_orders")["results"] == _get(client, "/v1/orders")["results"]
