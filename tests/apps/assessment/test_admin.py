"""Assessment admin: authoring pages, the grading queue, grades through the service."""

from decimal import Decimal

import pytest
from django.test import Client

from apps.assessment.models import Assessment, Submission
from tests.factories.assessment import AssessmentFactory, ChoiceItemFactory, SubmissionFactory, TextItemFactory
from tests.factories.identity import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def admin_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def assessment():
    assessment = AssessmentFactory(max_score=Decimal("20"))
    ChoiceItemFactory(assessment=assessment)
    TextItemFactory(assessment=assessment)
    return assessment


def test_pages_render(admin_client, assessment):
    pending = SubmissionFactory(assessment=assessment, status=Submission.Status.SUBMITTED, score=None)
    for url in (
        "/admin/assessment/assessment/",
        f"/admin/assessment/assessment/{assessment.pk}/change/",
        "/admin/assessment/submission/",
        f"/admin/assessment/submission/?course={assessment.course_id}",
        "/admin/assessment/submissiontograde/",
        f"/admin/assessment/submissiontograde/{pending.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_grading_queue_lists_ungraded_oldest_first(admin_client, assessment):
    older = SubmissionFactory(assessment=assessment, status=Submission.Status.SUBMITTED, score=None)
    newer = SubmissionFactory(assessment=assessment, status=Submission.Status.SUBMITTED, score=None)
    SubmissionFactory(assessment=assessment)  # graded: not in the queue
    response = admin_client.get("/admin/assessment/submissiontograde/")
    queue = list(response.context["cl"].result_list)
    assert [s.pk for s in queue] == [older.pk, newer.pk]


def test_grading_through_the_change_form_records_who_and_when(admin_client, staff, assessment):
    pending = SubmissionFactory(assessment=assessment, status=Submission.Status.SUBMITTED, score=None)
    url = f"/admin/assessment/submissiontograde/{pending.pk}/change/"
    refused = admin_client.post(url, {"score": "25", "feedback": "too much"})
    assert refused.status_code == 200 and refused.context["adminform"].form.errors["score"]
    response = admin_client.post(url, {"score": "15.5", "feedback": "Nice."})
    assert response.status_code == 302
    graded = Submission.objects.get(pk=pending.pk)
    assert (graded.status, graded.score, graded.feedback, graded.graded_by_id) == (
        "graded",
        Decimal("15.50"),
        "Nice.",
        staff.pk,
    )
    assert graded.graded_at is not None


def test_grade_with_auto_score_action(admin_client, staff, assessment):
    pending = SubmissionFactory(
        assessment=assessment, status=Submission.Status.SUBMITTED, score=None, auto_score=Decimal("4")
    )
    admin_client.post(
        "/admin/assessment/submissiontograde/",
        {"action": "grade_with_auto_score", "_selected_action": [str(pending.pk)]},
    )
    graded = Submission.objects.get(pk=pending.pk)
    assert (graded.status, graded.score, graded.graded_by_id) == ("graded", Decimal("4.00"), staff.pk)


def test_publish_actions(admin_client, assessment):
    admin_client.post(
        "/admin/assessment/assessment/", {"action": "unpublish_selected", "_selected_action": [str(assessment.pk)]}
    )
    assert Assessment.objects.get(pk=assessment.pk).is_published is False


def test_submission_csv_export(admin_client, assessment):
    submission = SubmissionFactory(assessment=assessment)
    response = admin_client.post(
        "/admin/assessment/submission/", {"action": "export_csv", "_selected_action": [str(submission.pk)]}
    )
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert rows[0].startswith("id,course__slug,assessment__title")
    assert rows[1].startswith(str(submission.pk))


def test_item_inline_refuses_a_key_outside_the_choices(admin_client):
    from tests.factories.courses import CourseFactory

    course = CourseFactory()
    data = {
        "course": str(course.pk),
        "title": "New quiz",
        "description": "",
        "kind": "quiz",
        "weight": "1",
        "max_score": "10",
        "position": "0",
        "is_published": "on",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-position": "0",
        "items-0-kind": "choice",
        "items-0-points": "1",
        "items-0-prompt": "Pick",
        "items-0-choices": '["a", "b"]',
        "items-0-answer_key": "[5]",
    }
    refused = admin_client.post("/admin/assessment/assessment/add/", data)
    assert refused.status_code == 200
    assert not Assessment.objects.filter(title="New quiz").exists()
    data["items-0-answer_key"] = "[1]"
    assert admin_client.post("/admin/assessment/assessment/add/", data).status_code == 302
    assert Assessment.objects.get(title="New quiz").items.get().answer_key == [1]


def test_reset_action_lets_the_learner_submit_again(admin_client, assessment):
    submission = SubmissionFactory(assessment=assessment)
    admin_client.post(
        "/admin/assessment/submission/", {"action": "reset_selected", "_selected_action": [str(submission.pk)]}
    )
    assert not Submission.objects.filter(pk=submission.pk).exists()
