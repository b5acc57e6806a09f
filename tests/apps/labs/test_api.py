"""The labs API contract: paths, status codes, bodies, error codes, headers,
query counts. Time is frozen at Wednesday 2026-03-25 08:00 UTC (09:00 Berlin)."""

import itertools
import re
import uuid
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.labs import services
from apps.labs.models import Booking, LabClosure, LabSlot
from tests.apps.labs.conftest import enroll
from tests.conftest import client_for
from tests.factories.identity import UserFactory
from tests.factories.labs import LabFactory, local

pytestmark = pytest.mark.django_db

_keys = itertools.count()


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert body["requestId"] == response["X-Request-ID"]
    return body


def book(client, lab, start, *, key=None):
    return client.post(
        f"/v1/labs/{lab.id}/bookings",
        {"start": start if isinstance(start, str) else start.strftime("%Y-%m-%dT%H:%M:%SZ")},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or f"key-{next(_keys)}",
    )


@pytest.fixture
def lab(db):
    return LabFactory(name="Robotics Lab")


# --- Labs ----------------------------------------------------------------------------


class TestLabs:
    def test_list_is_public_paginated_and_hides_inactive_labs(self, api_client):
        LabFactory(name="Beta")
        LabFactory(name="Alpha")
        LabFactory(name="Gamma", is_active=False)

        first = api_client.get("/v1/labs?limit=1")
        assert first.status_code == 200
        assert [lab["name"] for lab in first.json()["results"]] == ["Alpha"]
        rest = api_client.get(f"/v1/labs?limit=1&cursor={first.json()['next_cursor']}").json()
        assert [lab["name"] for lab in rest["results"]] == ["Beta"]
        assert rest["next_cursor"] is None

    def test_list_fields(self, api_client, course):
        lab = LabFactory(required_course=course, kind="virtual")
        [item] = api_client.get("/v1/labs").json()["results"]
        assert item == {
            "id": str(lab.id),
            "slug": lab.slug,
            "name": lab.name,
            "kind": "virtual",
            "location": "Building A",
            "description": "",
            "timezone": "Europe/Berlin",
            "slot_minutes": 60,
            "capacity": 2,
            "is_active": True,
            "required_course": {"id": str(course.id), "slug": course.slug, "title": course.title},
        }

    def test_list_filters_by_kind(self, api_client):
        LabFactory(kind="virtual", name="Cloud")
        LabFactory(kind="physical", name="Bench")
        assert [lab["name"] for lab in api_client.get("/v1/labs?kind=virtual").json()["results"]] == ["Cloud"]
        assert_error(api_client.get("/v1/labs?kind=wet"), 400, "validation_error")
        # The schema documents an enum: an empty kind is invalid too, not "every kind".
        assert "kind" in assert_error(api_client.get("/v1/labs?kind="), 400, "validation_error")["details"]

    def test_detail_has_weekly_hours_and_upcoming_closures(self, api_client):
        lab = LabFactory(hours=[(0, "09:00", "12:00"), (0, "13:00", "17:00"), (4, "10:00", "00:00")])
        LabClosure.objects.create(lab=lab, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 2), reason="Past")
        closure = LabClosure.objects.create(
            lab=lab, starts_on=date(2026, 4, 3), ends_on=date(2026, 4, 6), reason="Easter"
        )

        body = api_client.get(f"/v1/labs/{lab.id}").json()

        assert body["opening_hours"] == [
            {"weekday": 0, "day": "monday", "opens_at": "09:00", "closes_at": "12:00"},
            {"weekday": 0, "day": "monday", "opens_at": "13:00", "closes_at": "17:00"},
            {"weekday": 4, "day": "friday", "opens_at": "10:00", "closes_at": "00:00"},
        ]
        assert body["closures"] == [
            {"id": str(closure.id), "starts_on": "2026-04-03", "ends_on": "2026-04-06", "reason": "Easter"}
        ]
        assert body["required_course"] is None

    def test_opening_hours_are_documented_as_hh_mm(self, api_client):
        # OpenAPI's `format: time` is HH:MM:SS; the API renders HH:MM, and the schema says so.
        lab = LabFactory(hours=[(0, "09:00", "00:00")])
        hours = api_client.get(f"/v1/labs/{lab.id}").json()["opening_hours"][0]
        schema = api_client.get("/v1/schema?format=json").json()["components"]["schemas"]["OpeningHours"]
        for field in ("opens_at", "closes_at"):
            assert "format" not in schema["properties"][field]
            assert re.search(schema["properties"][field]["pattern"], hours[field]), hours[field]

    def test_detail_of_unknown_or_inactive_lab_is_not_found(self, api_client, staff_client):
        inactive = LabFactory(is_active=False)
        assert_error(api_client.get(f"/v1/labs/{uuid.uuid4()}"), 404, "not_found")
        assert_error(api_client.get(f"/v1/labs/{inactive.id}"), 404, "not_found")
        assert_error(api_client.get("/v1/labs/not-a-uuid"), 404, "not_found")
        assert staff_client.get(f"/v1/labs/{inactive.id}").status_code == 200

    def test_an_invalid_token_is_refused_even_on_public_reads(self, api_client, lab):
        api_client.credentials(HTTP_AUTHORIZATION="Bearer nonsense")
        assert_error(api_client.get("/v1/labs"), 401, "token_invalid")


# --- Availability ---------------------------------------------------------------------


class TestAvailability:
    def url(self, lab, query=""):
        return f"/v1/labs/{lab.id}/availability{query}"

    def test_is_public_with_utc_slots(self, api_client, user, lab):
        services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 9))

        response = api_client.get(self.url(lab, "?from=2026-03-26&to=2026-03-26"))

        assert response.status_code == 200
        body = response.json()
        assert body["lab_id"] == str(lab.id)
        assert (body["timezone"], body["from"], body["to"]) == ("Europe/Berlin", "2026-03-26", "2026-03-26")
        assert body["slots"][0] == {
            "start": "2026-03-26T08:00:00Z",
            "end": "2026-03-26T09:00:00Z",
            "capacity": 2,
            "booked": 1,
            "available": 1,
        }
        assert len(body["slots"]) == 8

    def test_daylight_saving_days_keep_local_opening_times(self, api_client, lab):
        spring = api_client.get(self.url(lab, "?from=2026-03-29&to=2026-03-29")).json()["slots"]
        fall = api_client.get(self.url(lab, "?from=2026-10-25&to=2026-10-25")).json()["slots"]

        # 09:00-17:00 in Berlin: CEST (UTC+2) after the spring change, CET (UTC+1) after the fall one
        assert [s["start"][11:16] for s in spring] == [f"{h:02d}:00" for h in range(7, 15)]
        assert [s["start"][11:16] for s in fall] == [f"{h:02d}:00" for h in range(8, 16)]

    def test_closed_days_have_no_slots_and_past_slots_are_not_available(self, api_client, lab):
        LabClosure.objects.create(lab=lab, starts_on=date(2026, 3, 26), ends_on=date(2026, 3, 26))

        slots = api_client.get(self.url(lab, "?from=2026-03-25&to=2026-03-27")).json()["slots"]

        days = sorted({s["start"][:10] for s in slots})
        assert days == ["2026-03-25", "2026-03-27"]
        assert slots[0]["available"] == 0  # 09:00 Berlin today has started
        assert slots[1]["available"] == 2

    def test_defaults_to_seven_days_from_today(self, api_client, lab):
        body = api_client.get(self.url(lab)).json()
        assert (body["from"], body["to"]) == ("2026-03-25", "2026-03-31")

    @pytest.mark.parametrize(
        "query",
        [
            "?from=2026-03-01&to=2026-04-01",  # 32 days
            "?from=2026-03-27&to=2026-03-26",  # to before from
            "?from=2026-02-30",  # not a date
            "?from=tomorrow",
            "?from=",  # a date is never empty
            "?to=",
        ],
    )
    def test_bad_ranges_are_validation_errors(self, api_client, lab, query):
        assert_error(api_client.get(self.url(lab, query)), 400, "validation_error")

    def test_unknown_lab_is_not_found(self, api_client):
        assert_error(api_client.get(f"/v1/labs/{uuid.uuid4()}/availability"), 404, "not_found")

    def test_query_count_does_not_grow_with_the_range(self, api_client, lab):
        # given bookings and closures spread over the month
        learners = UserFactory.create_batch(3)
        for day, learner in zip((3, 10, 17), learners, strict=True):
            services.booking_create(actor=learner, lab_id=lab.id, start=local(lab, 2026, 4, day, 10))
        LabClosure.objects.create(lab=lab, starts_on=date(2026, 4, 20), ends_on=date(2026, 4, 21))

        # when
        with CaptureQueriesContext(connection) as one_day:
            assert api_client.get(self.url(lab, "?from=2026-04-03&to=2026-04-03")).status_code == 200
        with CaptureQueriesContext(connection) as month:
            response = api_client.get(self.url(lab, "?from=2026-04-01&to=2026-05-01"))

        # then: lab, opening hours, closures, slot counters
        assert response.status_code == 200 and len(response.json()["slots"]) == 29 * 8
        assert len(one_day) == len(month) == 4


# --- Booking ----------------------------------------------------------------------------


class TestBookingCreate:
    def test_books_a_slot(self, user_client, user, lab):
        response = book(user_client, lab, "2026-03-26T09:00:00Z")

        assert response.status_code == 201, response.content
        body = response.json()
        assert body == {
            "id": body["id"],
            "lab": {"id": str(lab.id), "slug": lab.slug, "name": "Robotics Lab", "timezone": "Europe/Berlin"},
            "start": "2026-03-26T09:00:00Z",
            "end": "2026-03-26T10:00:00Z",
            "status": "active",
            "created_at": "2026-03-25T08:00:00Z",
            "cancelled_at": None,
        }
        assert Booking.objects.get().user == user

    def test_accepts_an_offset_start(self, user_client, lab):
        response = book(user_client, lab, "2026-03-26T10:00:00+01:00")
        assert response.json()["start"] == "2026-03-26T09:00:00Z"

    def test_daylight_saving_day(self, user_client, lab):
        assert book(user_client, lab, "2026-03-29T07:00:00Z").status_code == 201  # 09:00 CEST
        assert_error(book(user_client, lab, "2026-03-29T08:30:00Z"), 400, "invalid_slot")

    def test_needs_an_idempotency_key(self, user_client, lab):
        response = user_client.post(f"/v1/labs/{lab.id}/bookings", {"start": "2026-03-26T09:00:00Z"}, format="json")
        assert_error(response, 400, "idempotency_key_required")
        assert not Booking.objects.exists()

    def test_a_retry_with_the_same_key_replays_without_booking_twice(self, user_client, lab):
        first = book(user_client, lab, "2026-03-26T09:00:00Z", key="retry-me")
        second = book(user_client, lab, "2026-03-26T09:00:00Z", key="retry-me")

        assert second.status_code == 201 and second.json() == first.json()
        assert second["Idempotent-Replayed"] == "true"
        assert Booking.objects.count() == 1

    def test_needs_a_signed_in_user(self, api_client, lab):
        assert_error(book(api_client, lab, "2026-03-26T09:00:00Z"), 401, "not_authenticated")

    def test_start_is_required(self, user_client, lab):
        response = user_client.post(f"/v1/labs/{lab.id}/bookings", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
        body = assert_error(response, 400, "validation_error")
        assert "start" in body["details"]

    @pytest.mark.parametrize(
        "start",
        [
            pytest.param("2026-03-26T09:30:00Z", id="off-grid"),
            pytest.param("2026-03-26T05:00:00Z", id="before-opening"),
            pytest.param("2026-03-24T09:00:00Z", id="past"),
            pytest.param("2026-03-25T08:00:00Z", id="started"),
        ],
    )
    def test_not_a_future_slot_is_invalid_slot(self, user_client, lab, start):
        assert_error(book(user_client, lab, start), 400, "invalid_slot")

    def test_a_closed_day_is_invalid_slot(self, user_client, lab):
        LabClosure.objects.create(lab=lab, starts_on=date(2026, 3, 26), ends_on=date(2026, 3, 26))
        assert_error(book(user_client, lab, "2026-03-26T09:00:00Z"), 400, "invalid_slot")

    def test_a_full_slot_is_slot_full(self, user_client, lab):
        for _ in range(lab.capacity):
            assert book(client_for(UserFactory()), lab, "2026-03-26T09:00:00Z").status_code == 201

        assert_error(book(user_client, lab, "2026-03-26T09:00:00Z"), 409, "slot_full")
        assert LabSlot.objects.get().booked == lab.capacity

    def test_an_overlapping_booking_is_booking_conflict(self, user_client, lab):
        other_lab = LabFactory(slot_minutes=30)
        assert book(user_client, other_lab, "2026-03-26T09:30:00Z").status_code == 201

        assert_error(book(user_client, lab, "2026-03-26T09:00:00Z"), 409, "booking_conflict")

    def test_the_sixth_upcoming_booking_is_booking_limit_reached(self, user_client, lab):
        for hour in range(9, 14):
            assert book(user_client, lab, f"2026-03-26T{hour:02d}:00:00Z").status_code == 201

        assert_error(book(user_client, lab, "2026-03-27T09:00:00Z"), 409, "booking_limit_reached")

    def test_a_missing_required_course_is_forbidden(self, user_client, user, course):
        lab = LabFactory(required_course=course)
        assert_error(book(user_client, lab, "2026-03-26T09:00:00Z"), 403, "required_course_missing")

        enroll(user, course)
        assert book(user_client, lab, "2026-03-26T09:00:00Z").status_code == 201

    def test_unknown_and_inactive_labs_are_not_found(self, user_client):
        assert_error(book(user_client, LabFactory(is_active=False), "2026-03-26T09:00:00Z"), 404, "not_found")
        missing = SimpleNamespace(id=uuid.uuid4())
        assert_error(book(user_client, missing, "2026-03-26T09:00:00Z"), 404, "not_found")


# --- My bookings ------------------------------------------------------------------------


class TestMyBookings:
    def test_lists_own_bookings_only(self, user_client, user, other_user, lab):
        mine = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 10))
        services.booking_create(actor=other_user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 10))

        body = user_client.get("/v1/bookings").json()

        assert [b["id"] for b in body["results"]] == [str(mine.id)]
        assert body["next_cursor"] is None

    def test_filters_and_paginates(self, user_client, user, lab):
        bookings = [
            services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, hour))
            for hour in (10, 11, 12)
        ]
        services.booking_cancel(actor=user, booking_id=bookings[1].id)

        cancelled = user_client.get("/v1/bookings?status=cancelled").json()["results"]
        assert [b["id"] for b in cancelled] == [str(bookings[1].id)]
        first = user_client.get("/v1/bookings?upcoming=true&status=active&limit=1").json()
        assert [b["start"] for b in first["results"]] == ["2026-03-26T09:00:00Z"]
        rest = user_client.get(f"/v1/bookings?upcoming=true&status=active&limit=1&cursor={first['next_cursor']}")
        assert [b["start"] for b in rest.json()["results"]] == ["2026-03-26T11:00:00Z"]
        assert user_client.get("/v1/bookings?upcoming=false").json()["results"] == []
        assert_error(user_client.get("/v1/bookings?status=maybe"), 400, "validation_error")
        # Empty values are not "no filter": the schema documents an enum and a boolean.
        for query in ("status=", "upcoming=", "upcoming=null", "limit="):
            assert_error(user_client.get(f"/v1/bookings?{query}"), 400, "validation_error")
        assert_error(user_client.get("/v1/bookings?cursor=garbage"), 400, "validation_error")

    def test_needs_a_signed_in_user(self, api_client):
        assert_error(api_client.get("/v1/bookings"), 401, "not_authenticated")

    def test_another_learners_booking_is_not_found(self, user_client, other_user, lab):
        theirs = services.booking_create(actor=other_user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 10))
        assert_error(user_client.get(f"/v1/bookings/{theirs.id}"), 404, "not_found")
        assert_error(user_client.post(f"/v1/bookings/{theirs.id}/cancel"), 404, "not_found")
        assert Booking.objects.get().status == "active"

    def test_detail_of_own_booking(self, user_client, user, lab):
        mine = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 10))
        assert user_client.get(f"/v1/bookings/{mine.id}").json()["id"] == str(mine.id)


class TestCancel:
    def test_cancel_frees_the_seat(self, user_client, user, lab):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 10))

        response = user_client.post(f"/v1/bookings/{booking.id}/cancel")

        assert response.status_code == 200
        assert (response.json()["status"], response.json()["cancelled_at"]) == ("cancelled", "2026-03-25T08:00:00Z")
        assert LabSlot.objects.get().booked == 0

    def test_cancelling_again_is_booking_not_active(self, user_client, user, lab):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 10))
        user_client.post(f"/v1/bookings/{booking.id}/cancel")
        assert_error(user_client.post(f"/v1/bookings/{booking.id}/cancel"), 409, "booking_not_active")

    def test_a_started_booking_cannot_be_cancelled(self, user, lab, frozen_now):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 10))
        frozen_now.move_to(local(lab, 2026, 3, 26, 10, 5))
        assert_error(client_for(user).post(f"/v1/bookings/{booking.id}/cancel"), 409, "booking_started")

    def test_unknown_booking_is_not_found(self, user_client):
        assert_error(user_client.post(f"/v1/bookings/{uuid.uuid4()}/cancel"), 404, "not_found")


def test_schema_documents_the_labs_endpoints(api_client):
    response = api_client.get("/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/v1/labs",
        "/v1/labs/{lab_id}",
        "/v1/labs/{lab_id}/availability",
        "/v1/labs/{lab_id}/bookings",
        "/v1/bookings",
        "/v1/bookings/{booking_id}",
        "/v1/bookings/{booking_id}/cancel",
    ):
        assert path in paths
    create = paths["/v1/labs/{lab_id}/bookings"]["post"]
    assert {"201", "400", "403", "404", "409"} <= set(create["responses"])
    key = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert key["required"] is True
