"""Regression tests for issue 13's examples of hostile input: each was a 500
(or a silent acceptance) before the input boundary (``deltalabs.inputs``), the
supported calendar (``deltalabs.dates``), the strict cursor decoder and the
case-insensitive bearer scheme. The generated-input proof that the classes
are closed everywhere is ``tests/contract/test_hostile_generated.py``."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.assessment.models import Submission
from apps.catalog.models import Category
from apps.labs.models import Booking, LabOpeningHours
from apps.labs.outputs import AvailabilityOutput, availability_body
from apps.labs.schedule import Slot
from apps.labs.services import SlotGrid, lab_availability
from tests.conftest import client_for
from tests.factories.assessment import AssessmentFactory, ChoiceItemFactory, SubmissionFactory, TextItemFactory
from tests.factories.commerce import SponsorMemberFactory
from tests.factories.courses import CourseFactory, CourseInstructorFactory, EnrollmentFactory
from tests.factories.identity import StaffFactory, UserFactory
from tests.factories.labs import LabFactory

pytestmark = pytest.mark.django_db

SURROGATE = "\ud800"


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == code and body["requestId"] == response["X-Request-ID"]
    return body


def post_raw(client, path: str, raw: bytes | str, method: str = "post"):
    """A body exactly as given (APIClient would re-encode a surrogate or refuse it)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    return getattr(client, method)(path, data=data, content_type="application/json")


def json_with_escapes(value) -> str:
    """JSON text with non-ASCII escaped, so lone surrogates travel as ``\\ud800``."""
    return json.dumps(value, ensure_ascii=True)


# --- 1. Strings at any depth -----------------------------------------------------------------


@pytest.fixture
def essay():
    course = CourseFactory()
    assessment = AssessmentFactory(course=course)
    ChoiceItemFactory(assessment=assessment)
    TextItemFactory(assessment=assessment)
    return assessment


@pytest.fixture
def learner(essay):
    return EnrollmentFactory(course=essay.course).user


@pytest.fixture
def instructor(essay):
    return CourseInstructorFactory(course=essay.course).user


def text_item_id(assessment) -> str:
    return str(assessment.items.get(kind="text").pk)


class TestNestedStrings:
    @pytest.mark.parametrize("bad", [SURROGATE, "a\x00b", "\udfff tail", "x" * 10_001])
    def test_a_bad_answer_value_is_400_and_stores_nothing(self, essay, learner, instructor, bad):
        item = text_item_id(essay)
        response = post_raw(
            client_for(learner), f"/v1/assessments/{essay.pk}/submissions", json_with_escapes({"answers": {item: bad}})
        )
        body = assert_error(response, 400, "validation_error")
        assert list(body["details"]["answers"]) == [item]
        assert not Submission.objects.exists()
        self._reads_survive(essay, learner, instructor)

    @pytest.mark.parametrize("bad_key", [SURROGATE, "k\x00", "k" * 256])
    def test_a_bad_answer_key_is_400_and_is_not_echoed(self, essay, learner, instructor, bad_key):
        raw = json_with_escapes({"answers": {bad_key: "text"}})
        response = post_raw(client_for(learner), f"/v1/assessments/{essay.pk}/submissions", raw)
        body = assert_error(response, 400, "validation_error")
        assert body["details"] == {"answers": [body["details"]["answers"][0]]}
        assert "\\ud800" not in response.content.decode() and bad_key not in response.content.decode()
        assert not Submission.objects.exists()
        self._reads_survive(essay, learner, instructor)

    def _reads_survive(self, essay, learner, instructor):
        assert client_for(learner).get("/v1/submissions").status_code == 200
        assert client_for(learner).get(f"/v1/assessments/{essay.pk}/submissions").status_code == 200
        assert client_for(instructor).get(f"/v1/assessments/{essay.pk}/submissions").status_code == 200
        admin = Client()
        admin.force_login(StaffFactory())
        assert admin.get("/admin/assessment/submissiontograde/").status_code == 200
        assert admin.get("/admin/assessment/submission/").status_code == 200

    def test_the_same_text_is_accepted_once_clean(self, essay, learner):
        item = text_item_id(essay)
        response = client_for(learner).post(
            f"/v1/assessments/{essay.pk}/submissions", {"answers": {item: "plain \u202e bidi text"}}, format="json"
        )
        assert response.status_code == 201
        assert Submission.objects.get().answers[item] == "plain \u202e bidi text"

    def test_a_nul_in_a_list_deep_in_a_tool_argument_is_400(self, learner):
        raw = json_with_escapes({"tool": "search_courses", "arguments": {"q": ["ok", {"x": "a\x00"}]}})
        body = assert_error(post_raw(client_for(learner), "/v1/ai/execute", raw), 400, "validation_error")
        assert body["details"] == {"arguments": {"q": {"1": {"x": ["Null characters are not allowed."]}}}}

    def test_a_surrogate_on_an_anonymous_route_is_400(self):
        raw = json_with_escapes({"email": "a@example.test", "password": SURROGATE})
        assert_error(post_raw(APIClient(), "/v1/auth/login", raw), 400, "validation_error")

    def test_a_body_is_checked_where_the_view_reads_none(self, learner):
        enrollment = learner.enrollments.get()
        raw = json_with_escapes({"ignored": SURROGATE})
        response = post_raw(client_for(learner), f"/v1/enrollments/{enrollment.pk}/cancel", raw)
        assert_error(response, 400, "validation_error")
        enrollment.refresh_from_db()
        assert enrollment.status == "active"

    def test_a_nul_in_a_query_value_is_400(self):
        body = assert_error(APIClient().get("/v1/courses?q=a%00b"), 400, "validation_error")
        assert body["details"] == {"q": ["Null characters are not allowed."]}


# --- 2. Nesting and numbers --------------------------------------------------------------------


class TestNestingAndNumbers:
    @pytest.mark.parametrize("path", ["/v1/auth/login", "/v1/auth/register", "/v1/auth/refresh"])
    def test_100k_nested_arrays_are_400_on_anonymous_routes(self, path):
        body = assert_error(post_raw(APIClient(), path, b"[" * 100_000 + b"]" * 100_000), 400, "validation_error")
        assert body["details"] == {"non_field_errors": ["The body is nested more than 32 levels deep."]}

    def test_100k_nested_objects_are_400_on_a_private_route(self, learner):
        raw = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
        assert_error(post_raw(client_for(learner), "/v1/ai/execute", raw), 400, "validation_error")

    def test_33_levels_are_400_and_32_are_read(self, learner):
        client = client_for(learner)
        deep = {"tool": "search_courses", "arguments": {"q": "x"}}
        inner = deep["arguments"]
        for _ in range(30):  # 32 containers in all
            inner["n"] = {}
            inner = inner["n"]
        read = client.post("/v1/ai/execute", deep, format="json")
        assert read.status_code == 400 and "32 levels" not in read.content.decode()  # the tool's own refusal
        inner["n"] = []
        too_deep = client.post("/v1/ai/execute", deep, format="json")
        assert "32 levels" in json.dumps(assert_error(too_deep, 400, "validation_error")["details"])

    @pytest.mark.parametrize(
        "raw", [b'{"seats": NaN}', b'{"seats": Infinity}', b'{"seats": -Infinity}', b'{"seats": 1e999}']
    )
    def test_non_finite_numbers_are_400(self, learner, raw):
        assert_error(post_raw(client_for(learner), "/v1/auth/login", raw), 400, "validation_error")

    def test_integers_beyond_64_bits_are_400_naming_the_field(self, learner):
        raw = json.dumps({"tool": "search_courses", "arguments": {"limit": 2**64}})
        body = assert_error(post_raw(client_for(learner), "/v1/ai/execute", raw), 400, "validation_error")
        assert body["details"] == {"arguments": {"limit": ["Numbers must be finite, and integers within 64 bits."]}}

    def test_a_body_that_is_not_utf8_is_400(self):
        assert_error(post_raw(APIClient(), "/v1/auth/login", b'{"email": "\xff"}'), 400, "validation_error")


# --- 3. Calendar edges -------------------------------------------------------------------------


@pytest.fixture
def east_lab():
    lab = LabFactory(timezone="Asia/Tokyo")
    for weekday in range(7):
        LabOpeningHours.objects.create(lab=lab, weekday=weekday, opens_at=time(9), closes_at=time(17))
    return lab


class TestCalendarEdges:
    @pytest.mark.parametrize(
        "query", ["from=9999-12-31", "from=9999-12-28", "from=0001-01-01", "from=2026-01-01&to=9999-12-31"]
    )
    def test_availability_at_the_edges_is_400(self, east_lab, query):
        response = APIClient().get(f"/v1/labs/{east_lab.pk}/availability?{query}")
        body = assert_error(response, 400, "validation_error")
        assert set(body["details"]) <= {"from", "to"}

    def test_availability_at_the_supported_edges_is_answered(self, east_lab):
        assert APIClient().get(f"/v1/labs/{east_lab.pk}/availability?from=1900-01-01").status_code == 200
        assert APIClient().get(f"/v1/labs/{east_lab.pk}/availability?from=9000-12-25").status_code == 200

    def test_a_booking_at_the_end_of_time_is_400_and_stores_nothing(self, east_lab):
        user = UserFactory()
        response = client_for(user).post(
            f"/v1/labs/{east_lab.pk}/bookings",
            {"start": "9999-12-31T23:00:00Z"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="edge-1",
        )
        body = assert_error(response, 400, "validation_error")
        assert body["details"] == {"start": ["Must be between 1900-01-01 and 9000-12-31."]}
        assert not Booking.objects.exists()

    @pytest.mark.parametrize("when", ["9999-12-31T23:00:00Z", "0001-01-01T00:00:00+05:00"])
    def test_the_assistant_refuses_edge_dates_too(self, east_lab, when):
        client = client_for(UserFactory())
        for arguments in (
            {"lab_id": str(east_lab.pk), "date_from": when[:10]},
            {"lab_id": str(east_lab.pk), "date_from": "2026-01-01", "date_to": when[:10]},
        ):
            response = client.post(
                "/v1/ai/execute", {"tool": "lab_availability", "arguments": arguments}, format="json"
            )
            assert_error(response, 400, "validation_error")
        response = client.post(
            "/v1/ai/execute",
            {"tool": "book_lab", "arguments": {"lab_id": str(east_lab.pk), "start": when}},
            format="json",
            HTTP_IDEMPOTENCY_KEY="edge-2",
        )
        assert_error(response, 400, "validation_error")
        assert not Booking.objects.exists()

    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "9000-12-31", "1900-01-01"])
    def test_the_admin_day_view_answers_every_date(self, east_lab, day):
        admin = Client()
        admin.force_login(StaffFactory())
        response = admin.get(f"/admin/labs/lab/{east_lab.pk}/day/?date={day}")
        assert response.status_code == 200
        shown = response.context["day"]
        assert shown == (date.fromisoformat(day) if day[:4] in ("9000", "1900") else shown)
        assert date(1900, 1, 1) <= shown <= date(9000, 12, 31)

    def test_date_times_are_written_with_four_digit_years(self, east_lab):
        early = datetime(1, 1, 1, 6, tzinfo=UTC)
        grid = SlotGrid((Slot(early, early.replace(hour=7)),))
        availability = lab_availability(actor=UserFactory(), lab_id=east_lab.pk, date_from=date(2026, 3, 2))
        availability = type(availability)(**{**vars(availability), "grid": grid, "booked": [0], "open_from": 0})
        assert json.loads(availability_body(availability))["slots"][0]["start"] == "0001-01-01T06:00:00Z"
        assert AvailabilityOutput(availability).data["slots"][0]["start"] == "0001-01-01T06:00:00Z"


# --- 4. Crafted cursors ------------------------------------------------------------------------


def craft(payload) -> str:
    raw = payload if isinstance(payload, str) else json.dumps(payload, allow_nan=True)
    return base64.urlsafe_b64encode(raw.encode("utf-8", "surrogatepass")).decode().rstrip("=")


COURSE_ORDER = "-published_at,id"
CATEGORY_ORDER = "position,name,id"
FAR_FUTURE = "9999-12-31T23:59:59-14:00"


class TestCraftedCursors:
    @pytest.mark.parametrize(
        "cursor",
        [
            craft({"o": COURSE_ORDER, "v": [FAR_FUTURE, "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"]}),
            craft({"o": COURSE_ORDER, "v": ["0001-01-01T00:00:00+14:00", "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"]}),
            craft({"o": COURSE_ORDER, "v": [[1], {"a": 1}]}),
            craft({"o": COURSE_ORDER, "v": [12, 13]}),
            craft({"o": COURSE_ORDER, "v": ["2026-01-01T00:00:00+00:00"]}),
            craft({"o": COURSE_ORDER, "v": ["2026-01-01T00:00:00+00:00", "x", "y"]}),
            craft({"o": COURSE_ORDER, "v": None}),
            craft(["o", "v"]),
            craft('{"o": "-published_at,id", "v": [NaN, Infinity]}'),
            craft('{"o": "-published_at,id", "v": ["\\ud800", "\\u0000"]}'),
            craft("[" * 5000),
        ],
    )
    def test_courses(self, cursor):
        assert_error(APIClient().get(f"/v1/courses?cursor={cursor}"), 400, "validation_error")

    @pytest.mark.parametrize(
        "values",
        [
            ["Infinity-as-int", "name", "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"],
            [1e308 * 10, "name", "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"],
            [2**70, "name", "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"],
            [True, "name", "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"],
            [1.5, "name", "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"],
            [1, "name", "not-a-uuid"],
            [1, "\ud800", "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"],
        ],
    )
    def test_categories(self, values):
        Category.objects.create(slug="c", name="C", position=1)
        cursor = craft(json.dumps({"o": CATEGORY_ORDER, "v": values}, allow_nan=True))
        assert_error(APIClient().get(f"/v1/categories?cursor={cursor}"), 400, "validation_error")

    def test_a_real_cursor_still_pages(self):
        for position in range(3):
            Category.objects.create(slug=f"c{position}", name=f"C{position}", position=position)
        first = APIClient().get("/v1/categories?limit=2").json()
        second = APIClient().get(f"/v1/categories?limit=2&cursor={first['next_cursor']}").json()
        assert [c["slug"] for c in first["results"] + second["results"]] == ["c0", "c1", "c2"]

    def test_the_assistant_search_refuses_a_crafted_cursor(self):
        cursor = craft({"o": COURSE_ORDER, "v": [FAR_FUTURE, "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"]})
        response = client_for(UserFactory()).post(
            "/v1/ai/execute", {"tool": "search_courses", "arguments": {"cursor": cursor}}, format="json"
        )
        assert_error(response, 400, "validation_error")


# --- 6. The Authorization scheme ------------------------------------------------------------------


class TestBearerCasing:
    @pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
    def test_a_valid_token_is_read_in_any_case(self, scheme):
        user = UserFactory()
        token = client_for(user)._credentials["HTTP_AUTHORIZATION"].split()[1]
        response = APIClient().get("/v1/users/me", HTTP_AUTHORIZATION=f"{scheme} {token}")
        assert response.status_code == 200 and response.json()["id"] == str(user.pk)

    @pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
    @pytest.mark.parametrize("path", ["/v1/courses", "/v1/users/me"])
    def test_an_invalid_token_is_refused_in_any_case(self, scheme, path):
        response = APIClient().get(path, HTTP_AUTHORIZATION=f"{scheme} not-a-token")
        assert_error(response, 401, "token_invalid")

    def test_another_scheme_is_no_token(self):
        assert APIClient().get("/v1/courses", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz").status_code == 200
        assert_error(APIClient().get("/v1/users/me", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz"), 401, "not_authenticated")


# --- 7. Strict JSON types ----------------------------------------------------------------------------


class TestStrictTypes:
    def test_a_number_is_not_a_display_name(self):
        user = UserFactory(display_name="Before")
        body = assert_error(
            client_for(user).patch("/v1/users/me", {"display_name": 12345}, format="json"), 400, "validation_error"
        )
        assert body["details"] == {"display_name": ["Must be a string."]}
        user.refresh_from_db()
        assert user.display_name == "Before"

    @pytest.mark.parametrize("course_id", [123, 1.5, True, ["x"], {"id": "x"}])
    def test_a_course_id_of_another_type_is_400_like_a_malformed_one(self, course_id):
        client = client_for(UserFactory())
        malformed = assert_error(
            client.post("/v1/enrollments", {"course_id": "notauuid"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"),
            400,
            "validation_error",
        )
        typed = assert_error(
            client.post("/v1/enrollments", {"course_id": course_id}, format="json", HTTP_IDEMPOTENCY_KEY="k2"),
            400,
            "validation_error",
        )
        assert typed["details"] == malformed["details"] == {"course_id": ["Must be a valid UUID."]}

    def test_a_naive_booking_start_is_400_naming_the_field(self, east_lab):
        response = client_for(UserFactory()).post(
            f"/v1/labs/{east_lab.pk}/bookings",
            {"start": "2026-11-26T09:00:00"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="naive",
        )
        body = assert_error(response, 400, "validation_error")
        assert body["details"] == {"start": ["Include a time zone, e.g. 2026-11-26T09:00:00Z or +01:00."]}

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"completed": "yes", "lesson_id": "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"}, "completed"),
            ({"completed": 1, "lesson_id": "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"}, "completed"),
        ],
    )
    def test_a_boolean_is_true_or_false(self, learner, body, field):
        enrollment = learner.enrollments.get()
        response = client_for(learner).patch(f"/v1/enrollments/{enrollment.pk}/progress", body, format="json")
        assert assert_error(response, 400, "validation_error")["details"] == {field: ["Must be true or false."]}

    def test_an_integer_is_not_a_numeric_string(self):
        user = UserFactory()
        sponsor = SponsorMemberFactory(user=user).sponsor
        response = client_for(user).post(
            f"/v1/sponsors/{sponsor.pk}/sponsorships",
            {"course_id": str(CourseFactory().pk), "seats": "5"},
            format="json",
        )
        assert assert_error(response, 400, "validation_error")["details"] == {"seats": ["Must be an integer."]}

    def test_type_errors_come_with_the_other_fields_errors(self):
        response = client_for(UserFactory()).post("/v1/ai/chat", {"conversation_id": 5}, format="json")
        details = assert_error(response, 400, "validation_error")["details"]
        assert details == {"conversation_id": ["Must be a valid UUID."], "message": ["This field is required."]}

    def test_a_decimal_score_is_a_decimal_string(self, essay, instructor):
        submission = SubmissionFactory(assessment=essay, status="submitted", score=None)
        client = client_for(instructor)
        assert client.patch(f"/v1/submissions/{submission.pk}", {"score": "8.25"}, format="json").status_code == 200
        for number in (7.5, 7, True):
            refused = client.patch(f"/v1/submissions/{submission.pk}", {"score": number}, format="json")
            assert assert_error(refused, 400, "validation_error")["details"] == {
                "score": ['Must be a decimal string, e.g. "8.50".']
            }
        submission.refresh_from_db()
        assert submission.score == Decimal("8.25")
