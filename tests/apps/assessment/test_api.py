"""The assessment API contract: paths, status codes, bodies, error codes, and
answer keys that never reach a learner."""

import json
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from apps.assessment.models import Assessment, Submission
from tests.conftest import client_for
from tests.factories.assessment import (
    TEXT_KEY,
    AssessmentFactory,
    ChoiceItemFactory,
    SubmissionFactory,
    TextItemFactory,
)
from tests.factories.courses import CourseFactory, CourseInstructorFactory, EnrollmentFactory
from tests.factories.identity import StaffFactory
from tests.support.emulator import THREAD_RACE

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    return response.json()


def assert_no_answer_keys(response):
    """No ``answer_key`` field anywhere in the JSON, and no key value in the raw text."""

    def walk(node, path="$"):
        if isinstance(node, dict):
            assert "answer_key" not in node, f"answer_key at {path}"
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    text = response.content.decode()
    assert TEXT_KEY not in text
    walk(json.loads(text))


@pytest.fixture
def quiz(course):
    assessment = AssessmentFactory(course=course, title="Quiz", max_score=Decimal("10"), position=1)
    ChoiceItemFactory.create_batch(2, assessment=assessment, answer_key=[1])
    return assessment


@pytest.fixture
def essay(course):
    assessment = AssessmentFactory(
        course=course, title="Essay", kind=Assessment.Kind.ASSIGNMENT, max_score=Decimal("20"), position=2
    )
    ChoiceItemFactory(assessment=assessment, answer_key=[3])
    TextItemFactory(assessment=assessment, points=Decimal("3"))
    return assessment


@pytest.fixture
def unpublished(course):
    assessment = AssessmentFactory(course=course, title="Draft", is_published=False, position=3)
    TextItemFactory(assessment=assessment)
    return assessment


def item_ids(assessment):
    return [str(pk) for pk in assessment.items.order_by("position").values_list("pk", flat=True)]


class TestAssessmentList:
    def test_learners_see_published_assessments_without_keys(self, course, quiz, essay, unpublished, learner_client):
        response = learner_client.get(f"/v1/courses/{course.pk}/assessments")
        assert response.status_code == 200
        assert_no_answer_keys(response)
        results = response.json()["results"]
        assert [a["title"] for a in results] == ["Quiz", "Essay"]
        first = results[0]
        assert set(first) >= {"id", "course", "title", "kind", "weight", "max_score", "due_at", "is_published", "items"}
        assert (first["weight"], first["max_score"]) == ("1.00", "10.00")
        assert set(first["items"][0]) == {"id", "position", "kind", "prompt", "choices", "points"}

    def test_instructors_and_staff_see_everything_with_keys(self, course, quiz, essay, unpublished, instructor_client):
        for client in (instructor_client, client_for(StaffFactory())):
            results = client.get(f"/v1/courses/{course.pk}/assessments").json()["results"]
            assert [a["title"] for a in results] == ["Quiz", "Essay", "Draft"]
            assert results[0]["items"][0]["answer_key"] == [1]
            assert results[2]["items"][0]["answer_key"] == TEXT_KEY

    def test_outsider_403_unknown_404_anonymous_401(self, course, quiz, outsider, api_client, learner_client):
        assert_error(client_for(outsider).get(f"/v1/courses/{course.pk}/assessments"), 403, "permission_denied")
        assert_error(learner_client.get(f"/v1/courses/{uuid.uuid4()}/assessments"), 404, "not_found")
        assert_error(api_client.get(f"/v1/courses/{course.pk}/assessments"), 401, "not_authenticated")

    def test_paginated(self, course, learner_client):
        AssessmentFactory.create_batch(3, course=course)
        page1 = learner_client.get(f"/v1/courses/{course.pk}/assessments", {"limit": 2}).json()
        page2 = learner_client.get(
            f"/v1/courses/{course.pk}/assessments", {"limit": 2, "cursor": page1["next_cursor"]}
        ).json()
        assert len(page1["results"]) == 2 and len(page2["results"]) == 1 and page2["next_cursor"] is None


class TestAssessmentDetail:
    def test_learner_shape_and_404_for_unpublished(self, quiz, unpublished, learner_client, instructor_client):
        response = learner_client.get(f"/v1/assessments/{quiz.pk}")
        assert response.status_code == 200
        assert_no_answer_keys(response)
        assert_error(learner_client.get(f"/v1/assessments/{unpublished.pk}"), 404, "not_found")
        assert instructor_client.get(f"/v1/assessments/{unpublished.pk}").json()["items"][0]["answer_key"] == TEXT_KEY


class TestSubmitting:
    def test_choice_quiz_is_graded_at_once(self, quiz, learner, learner_client):
        first, second = item_ids(quiz)
        response = learner_client.post(
            f"/v1/assessments/{quiz.pk}/submissions", {"answers": {first: 1, second: 0}}, format="json"
        )
        assert response.status_code == 201
        assert_no_answer_keys(response)
        body = response.json()
        assert (body["status"], body["score"], body["auto_score"], body["is_late"]) == ("graded", "5.00", "5.00", False)
        assert body["user"] == {"id": str(learner.pk), "display_name": learner.display_name}
        assert body["answers"] == {first: [1], second: [0]}
        assert body["graded_by"] is None and body["submitted_at"].endswith("Z")

    def test_text_items_wait_for_an_instructor(self, essay, learner_client):
        choice, text = item_ids(essay)
        response = learner_client.post(
            f"/v1/assessments/{essay.pk}/submissions", {"answers": {choice: 3, text: "My essay"}}, format="json"
        )
        assert_no_answer_keys(response)
        body = response.json()
        assert (body["status"], body["score"], body["auto_score"]) == ("submitted", None, "5.00")  # 20 x 1/4

    def test_answers_that_do_not_fit_are_400(self, quiz, learner_client):
        first, _ = item_ids(quiz)
        response = learner_client.post(f"/v1/assessments/{quiz.pk}/submissions", {"answers": {first: 9}}, format="json")
        body = assert_error(response, 400, "validation_error")
        assert f"answers.{first}" in body["details"]
        assert_no_answer_keys(response)
        not_an_object = learner_client.post(f"/v1/assessments/{quiz.pk}/submissions", {"answers": [1]}, format="json")
        assert_error(not_an_object, 400, "validation_error")

    @pytest.mark.parametrize("answer", [None, True, 1.5, -1, [], [0, 0], [0, "1"], {"choice": 1}, "x" * 10_001])
    def test_answers_of_no_documented_shape_are_400(self, essay, learner_client, answer):
        # Documented: a choice index, a non-empty list of distinct indices, or a text.
        # The shape is checked before the assessment is looked up, for any item.
        for item_id in item_ids(essay):
            response = learner_client.post(
                f"/v1/assessments/{essay.pk}/submissions", {"answers": {item_id: answer}}, format="json"
            )
            assert "answers" in assert_error(response, 400, "validation_error")["details"]
            assert_no_answer_keys(response)
        assert not Submission.objects.exists()

    def test_schema_documents_the_answer_shapes(self, api_client):
        schema = api_client.get("/v1/schema?format=json").json()["components"]["schemas"]
        answer = schema["SubmissionCreateInputRequest"]["properties"]["answers"]["additionalProperties"]
        assert [option["type"] for option in answer["oneOf"]] == ["integer", "array", "string"]

    def test_second_submission_is_409(self, quiz, learner_client):
        url = f"/v1/assessments/{quiz.pk}/submissions"
        assert learner_client.post(url, {"answers": {}}, format="json").status_code == 201
        assert_error(learner_client.post(url, {"answers": {}}, format="json"), 409, "already_submitted")

    def test_instructor_and_outsider_get_403(self, quiz, instructor_client, outsider):
        url = f"/v1/assessments/{quiz.pk}/submissions"
        assert_error(instructor_client.post(url, {"answers": {}}, format="json"), 403, "permission_denied")
        assert_error(client_for(outsider).post(url, {"answers": {}}, format="json"), 403, "permission_denied")

    def test_unknown_or_unpublished_is_404(self, unpublished, learner_client):
        assert_error(
            learner_client.post(f"/v1/assessments/{uuid.uuid4()}/submissions", {"answers": {}}, format="json"),
            404,
            "not_found",
        )
        assert_error(
            learner_client.post(f"/v1/assessments/{unpublished.pk}/submissions", {"answers": {}}, format="json"),
            404,
            "not_found",
        )


class TestSubmissionReadAndGrade:
    @pytest.fixture
    def pending(self, essay, learner_client):
        choice, text = item_ids(essay)
        response = learner_client.post(
            f"/v1/assessments/{essay.pk}/submissions", {"answers": {choice: 3, text: "x"}}, format="json"
        )
        return response.json()["id"]

    def test_owner_reads_and_classmate_gets_404(self, pending, learner_client, classmate):
        response = learner_client.get(f"/v1/submissions/{pending}")
        assert response.status_code == 200 and response.json()["id"] == pending
        assert_no_answer_keys(response)
        assert_error(client_for(classmate).get(f"/v1/submissions/{pending}"), 404, "not_found")
        assert_error(learner_client.get(f"/v1/submissions/{uuid.uuid4()}"), 404, "not_found")

    def test_instructor_grades(self, pending, instructor, instructor_client):
        response = instructor_client.patch(
            f"/v1/submissions/{pending}", {"score": "17.5", "feedback": "Well argued."}, format="json"
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["score"], body["feedback"]) == ("graded", "17.50", "Well argued.")
        assert body["graded_by"] == {"id": str(instructor.pk), "display_name": instructor.display_name}
        assert body["graded_at"].endswith("Z")

    @pytest.mark.parametrize("score", ["-1", "20.01", "abc", "1.234", "", "."])
    def test_bad_score_is_400(self, pending, instructor_client, score):
        response = instructor_client.patch(f"/v1/submissions/{pending}", {"score": score}, format="json")
        assert "score" in assert_error(response, 400, "validation_error")["details"]

    def test_owner_gets_403_others_404(self, pending, learner_client, classmate):
        response = learner_client.patch(f"/v1/submissions/{pending}", {"score": "20"}, format="json")
        assert_error(response, 403, "permission_denied")
        assert_no_answer_keys(response)
        assert_error(
            client_for(classmate).patch(f"/v1/submissions/{pending}", {"score": "20"}, format="json"), 404, "not_found"
        )

    def test_lists(self, pending, essay, learner_client, instructor_client, classmate):
        SubmissionFactory(assessment=essay, user=classmate)
        own = learner_client.get("/v1/submissions")
        assert [s["id"] for s in own.json()["results"]] == [pending]
        assert_no_answer_keys(own)
        by_course = learner_client.get("/v1/submissions", {"course": str(CourseFactory().pk)}).json()
        assert by_course["results"] == []
        assert_error(learner_client.get("/v1/submissions", {"course": ""}), 400, "validation_error")
        assert_error(learner_client.get(f"/v1/assessments/{essay.pk}/submissions?status="), 400, "validation_error")
        per_assessment = learner_client.get(f"/v1/assessments/{essay.pk}/submissions")
        assert [s["id"] for s in per_assessment.json()["results"]] == [pending]
        assert_no_answer_keys(per_assessment)
        everyone = instructor_client.get(f"/v1/assessments/{essay.pk}/submissions", {"status": "submitted"}).json()
        assert [s["id"] for s in everyone["results"]] == [pending]
        assert len(instructor_client.get(f"/v1/assessments/{essay.pk}/submissions").json()["results"]) == 2


class TestGrades:
    def test_learner_gets_own_grades(self, course, quiz, essay, learner, learner_client):
        SubmissionFactory(assessment=quiz, user=learner, score=Decimal("7"))
        response = learner_client.get(f"/v1/courses/{course.pk}/grades")
        assert response.status_code == 200
        assert_no_answer_keys(response)
        body = response.json()
        assert set(body) == {"user", "assessments", "course_grade"}
        assert body["user"]["id"] == str(learner.pk)
        # weights 1 and 1: 1 x 7/10 / 2 = 35%
        assert body["course_grade"] == "35.00"
        quiz_row = body["assessments"][0]
        assert {key: quiz_row[key] for key in ("assessment_id", "title", "weight", "max_score", "score", "status")} == {
            "assessment_id": str(quiz.pk),
            "title": "Quiz",
            "weight": "1.00",
            "max_score": "10.00",
            "score": "7.00",
            "status": "graded",
        }
        assert body["assessments"][1]["status"] == "not_submitted"

    def test_instructor_gets_every_learner_paginated(self, course, quiz, learner, classmate, instructor_client):
        SubmissionFactory(assessment=quiz, user=classmate, score=Decimal("10"))
        response = instructor_client.get(f"/v1/courses/{course.pk}/grades", {"limit": 1})
        assert response.status_code == 200
        page1 = response.json()
        page2 = instructor_client.get(
            f"/v1/courses/{course.pk}/grades", {"limit": 1, "cursor": page1["next_cursor"]}
        ).json()
        rows = page1["results"] + page2["results"]
        assert page2["next_cursor"] is None
        assert {row["user"]["id"]: row["course_grade"] for row in rows} == {
            str(learner.pk): "0.00",
            str(classmate.pk): "100.00",
        }

    @pytest.mark.parametrize(
        ("query", "named"),
        [
            ({"limit": 1}, {"limit"}),
            ({"cursor": "eyJ4IjoxfQ"}, {"cursor"}),
            ({"limit": 5, "cursor": "x"}, {"limit", "cursor"}),
        ],
    )
    def test_a_learner_sending_cursor_or_limit_is_400(self, course, quiz, learner_client, query, named):
        # A learner's grades are one object: paging them is refused, not ignored.
        response = learner_client.get(f"/v1/courses/{course.pk}/grades", query)
        assert set(assert_error(response, 400, "validation_error")["details"]) == named

    def test_a_learner_with_an_empty_cursor_reads_as_without(self, course, quiz, learner_client):
        # ?cursor= is free text: empty means absent (docs/api.md, Conventions).
        assert learner_client.get(f"/v1/courses/{course.pk}/grades", {"cursor": ""}).status_code == 200

    def test_outsider_403_and_bad_cursor_400(self, course, outsider, instructor_client):
        assert_error(client_for(outsider).get(f"/v1/courses/{course.pk}/grades"), 403, "permission_denied")
        assert_error(
            instructor_client.get(f"/v1/courses/{course.pk}/grades", {"cursor": "nope"}), 400, "validation_error"
        )


def test_every_learner_facing_assessment_endpoint_hides_answer_keys(course, quiz, essay, unpublished, learner):
    """Walk every assessment endpoint a learner can call, successes and errors alike."""
    client = client_for(learner)
    choice, text = item_ids(essay)
    created = client.post(f"/v1/assessments/{essay.pk}/submissions", {"answers": {choice: 0, text: "t"}}, format="json")
    submission_id = created.json()["id"]
    responses = [
        created,
        client.get(f"/v1/courses/{course.pk}/assessments"),
        client.get(f"/v1/assessments/{quiz.pk}"),
        client.get(f"/v1/assessments/{essay.pk}"),
        client.get(f"/v1/assessments/{unpublished.pk}"),
        client.post(f"/v1/assessments/{quiz.pk}/submissions", {"answers": {str(uuid.uuid4()): 1}}, format="json"),
        client.post(f"/v1/assessments/{quiz.pk}/submissions", {"answers": {}}, format="json"),
        client.post(f"/v1/assessments/{quiz.pk}/submissions", {"answers": {}}, format="json"),  # 409
        client.get(f"/v1/assessments/{essay.pk}/submissions"),
        client.get("/v1/submissions"),
        client.get(f"/v1/submissions/{submission_id}"),
        client.patch(f"/v1/submissions/{submission_id}", {"score": "1"}, format="json"),
        client.get(f"/v1/courses/{course.pk}/grades"),
    ]
    assert {response.status_code for response in responses} == {200, 201, 400, 403, 404, 409}
    for response in responses:
        assert_no_answer_keys(response)


@pytest.mark.emulator_cannot_judge(THREAD_RACE)
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_land_once():
    # given: one learner sending the same submission from several clients at once
    course = CourseFactory()
    quiz = AssessmentFactory(course=course)
    ChoiceItemFactory(assessment=quiz)
    learner = EnrollmentFactory(course=course).user
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def attempt():
        try:
            client = client_for(learner)
            barrier.wait()
            statuses.append(
                client.post(f"/v1/assessments/{quiz.pk}/submissions", {"answers": {}}, format="json").status_code
            )
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(statuses) == [201, 409, 409, 409]
    assert Submission.objects.filter(user=learner, assessment=quiz).count() == 1


def test_instructor_of_another_course_cannot_grade(course, quiz, learner):
    submission = SubmissionFactory(assessment=quiz, user=learner)
    other = client_for(CourseInstructorFactory().user)
    assert_error(other.patch(f"/v1/submissions/{submission.pk}", {"score": "1"}, format="json"), 404, "not_found")
