"""The assistant and the REST API are the same domain layer: the same action
leaves the same records, whichever door it came through.

Each test does the action through REST, through POST /v1/ai/execute and
through POST /v1/ai/chat, each on its own copy of an identical object, then
compares the records field by field (ids, the copy they point at and
timestamps aside)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from apps.catalog.models import Course
from apps.commerce.models import CartItem
from apps.labs.models import Booking, LabSlot
from apps.learning.models import Enrollment
from tests.apps.ai_orchestration.conftest import NOW, make_lab
from tests.conftest import client_for
from tests.factories.catalog import CourseFactory
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db

VOLATILE = {"id", "created_at", "updated_at", "enrolled_at"}


def _fields(instance, *, skip: set[str]) -> dict:
    return {key: value for key, value in model_to_dict(instance).items() if key not in VOLATILE | skip}


def _twin_courses(**fields) -> list[Course]:
    names = ["Parity Alpha", "Parity Beta", "Parity Gamma"]
    return [
        CourseFactory(title=name, slug=name.lower().replace(" ", "-"), published_at=NOW - timedelta(days=1), **fields)
        for name in names
    ]


@pytest.mark.parametrize(
    "fields, waitlist",
    [
        ({"capacity": 10}, False),
        ({"capacity": 1, "seats_taken": 1}, True),  # full: all three doors waitlist the learner
    ],
    ids=["seat", "waitlist"],
)
def test_enroll_leaves_the_same_records_through_rest_execute_and_chat(learner, fields, waitlist):
    # given three identical courses
    by_rest, by_execute, by_chat = _twin_courses(**fields)
    client = client_for(learner)

    # when the learner enrolls through each door
    rest = client.post(
        "/v1/enrollments", {"course_id": str(by_rest.id), "waitlist": waitlist}, format="json", HTTP_IDEMPOTENCY_KEY="r"
    )
    execute = client.post(
        "/v1/ai/execute",
        {"tool": "enroll", "arguments": {"course_id": str(by_execute.id), "waitlist": waitlist}},
        format="json",
        HTTP_IDEMPOTENCY_KEY="e",
    )
    wording = "put me on the waitlist for parity gamma" if waitlist else "enroll me in parity gamma"
    chat = client.post("/v1/ai/chat", {"message": wording}, format="json")

    # then every door succeeded
    assert rest.status_code == 201, rest.content
    assert execute.status_code == 200, execute.content
    assert chat.json()["tool_calls"][0]["status"] == "ok", chat.content
    # and left the same enrollment, field by field
    rows = [Enrollment.objects.get(user=learner, course=course) for course in (by_rest, by_execute, by_chat)]
    expected = _fields(rows[0], skip={"course"})
    assert expected["status"] == ("waitlisted" if waitlist else "active")
    assert expected["user"] == learner.pk and expected["source"] == "self"
    for row in rows[1:]:
        assert _fields(row, skip={"course"}) == expected
    # and the same seat and waitlist counters on the course
    counters = [
        Course.objects.values("seats_taken", "waitlist_length").get(pk=c.pk) for c in (by_rest, by_execute, by_chat)
    ]
    assert counters[0] == counters[1] == counters[2]
    # and the tool result says what the REST body says
    rest_body, tool_result = rest.json(), execute.json()["result"]
    for key in ("status", "source", "completed_at", "waitlist_position"):
        assert tool_result[key] == rest_body[key]


def test_refusals_are_the_same_through_rest_and_execute(learner):
    paid, _, _ = _twin_courses(price=Decimal("20.00"))
    client = client_for(learner)

    rest = client.post("/v1/enrollments", {"course_id": str(paid.id)}, format="json", HTTP_IDEMPOTENCY_KEY="r")
    execute = client.post(
        "/v1/ai/execute",
        {"tool": "enroll", "arguments": {"course_id": str(paid.id)}},
        format="json",
        HTTP_IDEMPOTENCY_KEY="e",
    )

    assert (
        (rest.status_code, rest.json()["code"])
        == (execute.status_code, execute.json()["code"])
        == (
            402,
            "payment_required",
        )
    )
    assert not Enrollment.objects.exists()


def test_booking_leaves_the_same_records_through_rest_execute_and_chat():
    # given three identical labs and three learners in Berlin (one booking each:
    # a learner cannot hold two overlapping bookings)
    labs = [make_lab(f"Parity {name} Lab", f"parity-{name}-lab") for name in ("alpha", "beta", "gamma")]
    people = [UserFactory(timezone="Europe/Berlin") for _ in labs]
    start = "2026-03-13T09:00:00Z"  # Friday 10:00 in Berlin

    # when each books the same slot through a different door
    rest = client_for(people[0]).post(
        f"/v1/labs/{labs[0].id}/bookings", {"start": start}, format="json", HTTP_IDEMPOTENCY_KEY="r"
    )
    execute = client_for(people[1]).post(
        "/v1/ai/execute",
        {"tool": "book_lab", "arguments": {"lab_id": str(labs[1].id), "start": start}},
        format="json",
        HTTP_IDEMPOTENCY_KEY="e",
    )
    chat = client_for(people[2]).post(
        "/v1/ai/chat", {"message": "book the parity gamma lab on friday at 10:00"}, format="json"
    )

    # then the bookings and slot counters are the same
    assert rest.status_code == 201, rest.content
    assert execute.status_code == 200, execute.content
    assert chat.json()["tool_calls"][0]["status"] == "ok", chat.content
    rows = [Booking.objects.get(user=person, lab=lab) for person, lab in zip(people, labs, strict=True)]
    first = _fields(rows[0], skip={"lab", "user"})
    assert first["status"] == "active"
    for row in rows[1:]:
        assert _fields(row, skip={"lab", "user"}) == first
    assert [LabSlot.objects.get(lab=lab).booked for lab in labs] == [1, 1, 1]
    assert execute.json()["result"]["start"] == rest.json()["start"] == start


def test_add_to_cart_leaves_the_same_item_through_rest_and_execute():
    course = CourseFactory(title="Paid Parity", slug="paid-parity", price=Decimal("30.00"), published_at=NOW)
    by_rest, by_tool = UserFactory(), UserFactory()

    rest = client_for(by_rest).post("/v1/cart/items", {"course_id": str(course.id)}, format="json")
    execute = client_for(by_tool).post(
        "/v1/ai/execute", {"tool": "add_to_cart", "arguments": {"course_id": str(course.id)}}, format="json"
    )

    assert rest.status_code in (200, 201), rest.content
    assert execute.status_code == 200, execute.content
    items = [CartItem.objects.get(cart__user=user) for user in (by_rest, by_tool)]
    assert _fields(items[0], skip={"cart", "added_at"}) == _fields(items[1], skip={"cart", "added_at"})
    assert execute.json()["result"]["items"] == rest.json()["items"]
    assert execute.json()["result"]["subtotal"] == "30.00"
