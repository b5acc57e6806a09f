"""The learning API contract (docs/api.md, Learning): status codes, bodies, error codes, headers."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from apps.learning.models import Enrollment
from tests.conftest import client_for
from tests.factories.catalog import CourseFactory, DraftCourseFactory, LessonFactory, SectionFactory
from tests.factories.identity import UserFactory
from tests.factories.learning import EnrollmentFactory

pytestmark = pytest.mark.django_db

ENROLLMENT_FIELDS = {"id", "course", "user", "status", "source", "enrolled_at", "completed_at", "waitlist_position"}
_keys = iter(range(10**9))


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["requestId"] == response["X-Request-ID"]
    return body


def enroll(client, course, *, key=None, **extra):
    return client.post(
        "/v1/enrollments",
        {"course_id": str(course.pk), **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or f"enroll-{next(_keys)}",
    )


class TestCreate:
    def test_free_course_is_201_active(self, user, user_client):
        course = CourseFactory(capacity=12, title="Workshop", slug="workshop")
        response = enroll(user_client, course)
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == ENROLLMENT_FIELDS
        assert body["course"] == {"id": str(course.pk), "slug": "workshop", "title": "Workshop"}
        assert body["user"] == str(user.pk)
        assert (body["status"], body["source"], body["waitlist_position"], body["completed_at"]) == (
            "active",
            "self",
            None,
            None,
        )
        assert body["enrolled_at"].endswith("Z")
        course.refresh_from_db()
        assert course.seats_taken == 1

    def test_idempotency_key_is_required(self, user_client):
        course = CourseFactory()
        response = user_client.post("/v1/enrollments", {"course_id": str(course.pk)}, format="json")
        assert_error(response, 400, "idempotency_key_required")
        assert not Enrollment.objects.exists()

    def test_a_retry_with_the_same_key_is_replayed(self, user_client):
        course = CourseFactory()
        first = enroll(user_client, course, key="same")
        again = enroll(user_client, course, key="same")
        assert again.status_code == 201 and again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert Enrollment.objects.count() == 1

    def test_paid_course_is_402(self, user_client):
        course = CourseFactory(price=Decimal("49.00"))
        assert_error(enroll(user_client, course), 402, "payment_required")

    def test_full_course_is_409_or_waitlisted(self, user_client):
        course = CourseFactory(capacity=1)
        enroll(client_for(UserFactory()), course)
        assert_error(enroll(user_client, course), 409, "course_full")
        response = enroll(user_client, course, waitlist=True)
        assert response.status_code == 201
        assert (response.json()["status"], response.json()["waitlist_position"]) == ("waitlisted", 1)
        second = enroll(client_for(UserFactory()), course, waitlist=True).json()
        assert second["waitlist_position"] == 2

    def test_closed_window_is_409(self, user_client):
        course = CourseFactory(enrollment_closes_at=timezone.now() - timedelta(days=1))
        assert_error(enroll(user_client, course), 409, "enrollment_closed")
        later = CourseFactory(enrollment_opens_at=timezone.now() + timedelta(days=1))
        assert_error(enroll(user_client, later), 409, "enrollment_closed")

    def test_already_enrolled_is_409(self, user_client):
        course = CourseFactory()
        enroll(user_client, course)
        assert_error(enroll(user_client, course), 409, "already_enrolled")

    def test_unknown_or_unpublished_course_is_404(self, user_client):
        assert_error(enroll(user_client, DraftCourseFactory()), 404, "not_found")
        response = user_client.post(
            "/v1/enrollments", {"course_id": str(uuid.uuid4())}, format="json", HTTP_IDEMPOTENCY_KEY="x"
        )
        assert_error(response, 404, "not_found")

    def test_sponsorship_code_without_commerce_is_invalid(self, user_client):
        course = CourseFactory(price=Decimal("49.00"))
        body = assert_error(enroll(user_client, course, sponsorship_code="ACME-42"), 400, "invalid_sponsorship_code")
        assert "sponsorship_code" in body["details"]

    def test_bad_body_is_400(self, user_client):
        response = user_client.post(
            "/v1/enrollments", {"course_id": "nope", "waitlist": "perhaps"}, format="json", HTTP_IDEMPOTENCY_KEY="y"
        )
        body = assert_error(response, 400, "validation_error")
        assert set(body["details"]) == {"course_id", "waitlist"}

    def test_anonymous_is_401(self, api_client):
        response = api_client.post("/v1/enrollments", {"course_id": str(uuid.uuid4())}, format="json")
        assert_error(response, 401, "not_authenticated")


class TestReadAndCancel:
    def test_list_own_only_with_status_filter(self, user, user_client, other_user):
        mine = EnrollmentFactory(user=user, status="active")
        done = EnrollmentFactory(user=user, status="completed", completed_at=timezone.now())
        EnrollmentFactory(user=other_user)
        body = user_client.get("/v1/enrollments").json()
        assert {item["id"] for item in body["results"]} == {str(mine.pk), str(done.pk)}
        assert body["next_cursor"] is None
        completed = user_client.get("/v1/enrollments?status=completed").json()["results"]
        assert [item["id"] for item in completed] == [str(done.pk)]
        assert completed[0]["completed_at"].endswith("Z")

    def test_list_validates_status_and_cursor(self, user_client):
        assert_error(user_client.get("/v1/enrollments?status=paused"), 400, "validation_error")
        assert_error(user_client.get("/v1/enrollments?cursor=zzz"), 400, "validation_error")
        # An empty status is not one of the documented values (nor "every status").
        assert "status" in assert_error(user_client.get("/v1/enrollments?status="), 400, "validation_error")["details"]

    def test_list_is_paginated_with_constant_queries(self, user, user_client, django_assert_num_queries):
        courses = CourseFactory.create_batch(5)
        for course in courses:
            EnrollmentFactory(user=user, course=course)
        # user, enrollments with courses joined
        with django_assert_num_queries(2):
            first = user_client.get("/v1/enrollments?limit=2").json()
        second = user_client.get(f"/v1/enrollments?limit=2&cursor={first['next_cursor']}").json()
        assert len(first["results"]) == 2 and len(second["results"]) == 2
        assert not {item["id"] for item in first["results"]} & {item["id"] for item in second["results"]}

    def test_detail_own_or_404(self, user, user_client, other_client):
        enrollment = EnrollmentFactory(user=user)
        assert user_client.get(f"/v1/enrollments/{enrollment.pk}").json()["id"] == str(enrollment.pk)
        assert_error(other_client.get(f"/v1/enrollments/{enrollment.pk}"), 404, "not_found")
        assert_error(user_client.get(f"/v1/enrollments/{uuid.uuid4()}"), 404, "not_found")

    def test_cancel_promotes_and_emails(self, user_client, django_capture_on_commit_callbacks):
        course = CourseFactory(capacity=1)
        mine = enroll(user_client, course).json()
        waiting_user = UserFactory()
        waiting = enroll(client_for(waiting_user), course, waitlist=True).json()
        with django_capture_on_commit_callbacks(execute=True):
            response = user_client.post(f"/v1/enrollments/{mine['id']}/cancel")
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        promoted = client_for(waiting_user).get(f"/v1/enrollments/{waiting['id']}").json()
        assert (promoted["status"], promoted["waitlist_position"]) == ("active", None)
        assert [message.to for message in mail.outbox] == [[waiting_user.email]]

    def test_cancel_twice_is_409_and_others_are_404(self, user_client, other_client):
        course = CourseFactory()
        mine = enroll(user_client, course).json()
        assert_error(other_client.post(f"/v1/enrollments/{mine['id']}/cancel"), 404, "not_found")
        assert user_client.post(f"/v1/enrollments/{mine['id']}/cancel").status_code == 200
        assert_error(user_client.post(f"/v1/enrollments/{mine['id']}/cancel"), 409, "enrollment_not_cancellable")

    def test_staff_may_cancel(self, user, staff_client):
        enrollment = EnrollmentFactory(user=user)
        assert staff_client.post(f"/v1/enrollments/{enrollment.pk}/cancel").json()["status"] == "cancelled"


class TestProgress:
    @pytest.fixture
    def setup(self, user, user_client):
        course = CourseFactory()
        section = SectionFactory(course=course)
        lessons = [LessonFactory(section=section, position=n) for n in range(2)]
        enrollment_id = enroll(user_client, course).json()["id"]
        return course, lessons, enrollment_id

    def test_get_progress(self, user_client, setup):
        _, lessons, enrollment_id = setup
        body = user_client.get(f"/v1/enrollments/{enrollment_id}/progress").json()
        assert body == {
            "enrollment_id": enrollment_id,
            "completed_lessons": 0,
            "total_lessons": 2,
            "percent": 0,
            "lessons": [{"lesson_id": str(lesson.pk), "completed": False, "completed_at": None} for lesson in lessons],
        }

    def test_patch_until_completion(self, user, user_client, setup, django_capture_on_commit_callbacks):
        _, lessons, enrollment_id = setup
        url = f"/v1/enrollments/{enrollment_id}/progress"
        body = user_client.patch(url, {"lesson_id": str(lessons[0].pk), "completed": True}, format="json").json()
        assert (body["completed_lessons"], body["percent"]) == (1, 50)
        assert body["lessons"][0]["completed"] and body["lessons"][0]["completed_at"].endswith("Z")
        with django_capture_on_commit_callbacks(execute=True):
            response = user_client.patch(url, {"lesson_id": str(lessons[1].pk), "completed": True}, format="json")
        assert response.status_code == 200 and response.json()["percent"] == 100
        enrollment = user_client.get(f"/v1/enrollments/{enrollment_id}").json()
        assert enrollment["status"] == "completed" and enrollment["completed_at"] is not None
        [message] = mail.outbox
        assert message.to == [user.email]

    def test_patch_is_idempotent(self, user_client, setup):
        _, lessons, enrollment_id = setup
        url = f"/v1/enrollments/{enrollment_id}/progress"
        payload = {"lesson_id": str(lessons[0].pk), "completed": True}
        first = user_client.patch(url, payload, format="json").json()
        second = user_client.patch(url, payload, format="json").json()
        assert first == second

    def test_lesson_of_another_course_is_400(self, user_client, setup):
        _, _, enrollment_id = setup
        foreign = LessonFactory()
        response = user_client.patch(
            f"/v1/enrollments/{enrollment_id}/progress",
            {"lesson_id": str(foreign.pk), "completed": True},
            format="json",
        )
        body = assert_error(response, 400, "validation_error")
        assert "lesson_id" in body["details"]

    def test_someone_elses_progress_is_404(self, other_client, setup):
        _, lessons, enrollment_id = setup
        url = f"/v1/enrollments/{enrollment_id}/progress"
        assert_error(other_client.get(url), 404, "not_found")
        response = other_client.patch(url, {"lesson_id": str(lessons[0].pk), "completed": True}, format="json")
        assert_error(response, 404, "not_found")

    def test_waitlisted_enrollment_is_409(self, user_client):
        course = CourseFactory(capacity=0)
        lesson = LessonFactory(section=SectionFactory(course=course))
        enrollment_id = enroll(user_client, course, waitlist=True).json()["id"]
        response = user_client.patch(
            f"/v1/enrollments/{enrollment_id}/progress", {"lesson_id": str(lesson.pk), "completed": True}, format="json"
        )
        assert_error(response, 409, "enrollment_not_active")

    def test_bad_body_is_400(self, user_client, setup):
        _, _, enrollment_id = setup
        response = user_client.patch(f"/v1/enrollments/{enrollment_id}/progress", {"completed": "x"}, format="json")
        body = assert_error(response, 400, "validation_error")
        assert set(body["details"]) == {"lesson_id", "completed"}

    def test_patch_body_fields_are_required_as_documented(self, api_client, user_client, setup):
        _, _, enrollment_id = setup
        response = user_client.patch(f"/v1/enrollments/{enrollment_id}/progress", {}, format="json")
        assert set(assert_error(response, 400, "validation_error")["details"]) == {"lesson_id", "completed"}
        schema = api_client.get("/v1/schema?format=json").json()["components"]["schemas"]
        assert set(schema["ProgressUpdateInputRequest"]["required"]) == {"lesson_id", "completed"}


def test_schema_documents_the_endpoints(api_client):
    schema = api_client.get("/v1/schema?format=json").json()
    for path in (
        "/v1/courses",
        "/v1/courses/{course_id}",
        "/v1/courses/{course_id}/resources",
        "/v1/categories",
        "/v1/enrollments",
        "/v1/enrollments/{enrollment_id}",
        "/v1/enrollments/{enrollment_id}/cancel",
        "/v1/enrollments/{enrollment_id}/progress",
    ):
        assert path in schema["paths"], path
    create = schema["paths"]["/v1/enrollments"]["post"]
    header = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert header["required"] is True
    assert {"201", "402", "409"} <= set(create["responses"])
