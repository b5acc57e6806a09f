"""Enrollments in the admin: fast on big tables, and every change through the services."""

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.learning import services
from apps.learning.models import Enrollment
from tests.factories.catalog import CategoryFactory, CourseFactory, LessonFactory, SectionFactory
from tests.factories.identity import UserFactory
from tests.factories.learning import EnrollmentFactory, LessonProgressFactory, bulk_enrollments
from tests.support.emulator import LARGE_DATA

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.mark.emulator_cannot_judge(LARGE_DATA)
def test_changelists_render_with_20000_enrollments_in_a_fixed_budget(admin_client, django_assert_num_queries):
    # given 20,000 enrollments (4,000 learners x 5 courses)
    courses = [CourseFactory(category=CategoryFactory(), title=f"Robotics {n}") for n in range(5)]
    bulk_enrollments(learners=4_000, courses=courses)

    # when staff open the enrollments: session, user, capped count, one page with
    # learners and courses joined
    with django_assert_num_queries(4):
        response = admin_client.get("/admin/learning/enrollment/")
    assert response.status_code == 200
    assert response.content.count(b'class="action-select"') == 50

    # filtered by status and source: the same budget
    with django_assert_num_queries(4):
        assert (
            admin_client.get("/admin/learning/enrollment/?status__exact=active&source__exact=self").status_code == 200
        )

    # searching adds the two id lookups (learners by email prefix, courses by title)
    with django_assert_num_queries(6):
        response = admin_client.get("/admin/learning/enrollment/?q=bulk000123")
    assert response.content.count(b'class="action-select"') == 5
    with CaptureQueriesContext(connection) as search:
        response = admin_client.get("/admin/learning/enrollment/?q=Robotics 3")
    assert len(search) == 6 and b"Robotics 3" in response.content

    # and the course changelist: session, user, count, page, category filter choices
    with django_assert_num_queries(5):
        assert admin_client.get("/admin/catalog/course/").status_code == 200


def test_change_view_shows_progress_read_only(admin_client):
    enrollment = EnrollmentFactory()
    LessonProgressFactory(enrollment=enrollment, lesson=LessonFactory(section=SectionFactory(course=enrollment.course)))
    response = admin_client.get(f"/admin/learning/enrollment/{enrollment.pk}/change/")
    assert response.status_code == 200
    assert b"Lesson progress" in response.content or b"lesson progress" in response.content


def test_enrollments_cannot_be_deleted_in_the_admin(admin_client):
    enrollment = EnrollmentFactory()
    response = admin_client.get(f"/admin/learning/enrollment/{enrollment.pk}/delete/")
    assert response.status_code == 403


def test_cancel_action_goes_through_the_service(admin_client, django_capture_on_commit_callbacks):
    # given a full course with one learner waiting
    course = CourseFactory(capacity=1)
    active = services.enrollment_create(actor=UserFactory(), course_id=course.pk)
    waiting = services.enrollment_create(actor=UserFactory(), course_id=course.pk, waitlist=True)
    # when staff cancel the active one from the changelist
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/learning/enrollment/", {"action": "cancel_enrollments", "_selected_action": [str(active.pk)]}
        )
    # then the seat went to the waitlist, with the email
    assert response.status_code == 302
    assert Enrollment.objects.get(pk=active.pk).status == "cancelled"
    assert Enrollment.objects.get(pk=active.pk).cancellation_reason == "staff"
    assert Enrollment.objects.get(pk=waiting.pk).status == "active"
    assert len(mail.outbox) == 1


def test_add_enrolls_a_learner_through_the_service(admin_client):
    learner = UserFactory()
    course = CourseFactory(price=50, capacity=1)
    assert admin_client.get("/admin/learning/enrollment/add/").status_code == 200
    response = admin_client.post("/admin/learning/enrollment/add/", {"user": str(learner.pk), "course": str(course.pk)})
    assert response.status_code == 302, response.content
    enrollment = Enrollment.objects.get(user=learner)
    assert (enrollment.status, enrollment.source) == ("active", "staff")
    course.refresh_from_db()
    assert course.seats_taken == 1
    # a full course is refused with the service's error on the form
    response = admin_client.post(
        "/admin/learning/enrollment/add/", {"user": str(UserFactory().pk), "course": str(course.pk)}
    )
    assert response.status_code == 200 and b"course_full" in response.content


def test_csv_export_of_the_filtered_list(admin_client):
    enrollment = EnrollmentFactory(user__email="csv@example.test")
    response = admin_client.post(
        "/admin/learning/enrollment/", {"action": "export_csv", "_selected_action": [str(enrollment.pk)]}
    )
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,user__email,course__slug")
    assert lines[1].startswith(f"{enrollment.pk},csv@example.test,")


def test_staff_enroll_autocomplete_lookups_work(admin_client):
    CourseFactory(title="Autocomplete me")
    response = admin_client.get(
        "/admin/autocomplete/",
        {"term": "Autocomplete", "app_label": "learning", "model_name": "enrollment", "field_name": "course"},
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["Autocomplete me"]
