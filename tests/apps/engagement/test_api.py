"""The course Q&A API contract: paths, status codes, bodies, error codes, query counts."""

import uuid

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import Course
from apps.engagement.models import Question
from tests.conftest import client_for
from tests.factories.courses import CourseInstructorFactory, LessonFactory
from tests.factories.engagement import AnswerFactory, QuestionFactory
from tests.factories.identity import StaffFactory, UserFactory
from tests.support.emulator import THREAD_RACE

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    return response.json()


def questions_url(course):
    return f"/v1/courses/{course.pk}/questions"


def answers_url(course):
    return f"/v1/courses/{course.pk}/answers"


class TestAccess:
    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("get", "questions"), ("post", "questions"), ("get", "answers"), ("post", "answers")],
    )
    def test_outsider_gets_403_on_a_published_course(self, course, outsider, method, suffix):
        payload = {"title": "t", "body": "b", "question_id": str(QuestionFactory(course=course).pk)}
        response = getattr(client_for(outsider), method)(f"/v1/courses/{course.pk}/{suffix}", payload, format="json")
        assert_error(response, 403, "permission_denied")

    @pytest.mark.parametrize("suffix", ["questions", "answers"])
    def test_anonymous_gets_401(self, api_client, course, suffix):
        assert_error(api_client.get(f"/v1/courses/{course.pk}/{suffix}"), 401, "not_authenticated")

    def test_unknown_course_is_404(self, learner_client):
        assert_error(learner_client.get(f"/v1/courses/{uuid.uuid4()}/questions"), 404, "not_found")

    def test_draft_course_is_404_for_learners_but_open_to_instructors(self, course, learner_client, instructor_client):
        Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
        assert_error(learner_client.get(questions_url(course)), 404, "not_found")
        assert instructor_client.get(questions_url(course)).status_code == 200

    def test_staff_read_any_course(self, course):
        assert client_for(StaffFactory()).get(questions_url(course)).status_code == 200


class TestQuestions:
    def test_ask_and_list_newest_first(self, course, learner, learner_client):
        lesson = LessonFactory(section__course=course)
        first = learner_client.post(questions_url(course), {"title": "First?", "body": "b"}, format="json")
        second = learner_client.post(
            questions_url(course), {"title": "Second?", "body": "b", "lesson_id": str(lesson.pk)}, format="json"
        )
        assert first.status_code == 201 and second.status_code == 201
        body = second.json()
        assert set(body) >= {
            "id",
            "course",
            "author",
            "title",
            "body",
            "lesson",
            "created_at",
            "answer_count",
            "accepted_answer",
        }
        assert body["author"] == {"id": str(learner.pk), "display_name": learner.display_name}
        assert (body["course"], body["lesson"], body["answer_count"], body["accepted_answer"]) == (
            str(course.pk),
            str(lesson.pk),
            0,
            None,
        )
        assert body["created_at"].endswith("Z")
        listing = learner_client.get(questions_url(course)).json()
        assert [q["title"] for q in listing["results"]] == ["Second?", "First?"]
        assert listing["next_cursor"] is None
        by_lesson = learner_client.get(questions_url(course), {"lesson": str(lesson.pk)}).json()
        assert [q["title"] for q in by_lesson["results"]] == ["Second?"]

    def test_lesson_of_another_course_is_400(self, course, learner_client):
        response = learner_client.post(
            questions_url(course), {"title": "t", "body": "b", "lesson_id": str(LessonFactory().pk)}, format="json"
        )
        assert "lesson_id" in assert_error(response, 400, "validation_error")["details"]

    def test_missing_fields_are_400(self, course, learner_client):
        body = assert_error(learner_client.post(questions_url(course), {}, format="json"), 400, "validation_error")
        assert set(body["details"]) == {"title", "body"}

    def test_pagination_with_cursor(self, course, learner, learner_client):
        QuestionFactory.create_batch(5, course=course, author=learner)
        page1 = learner_client.get(questions_url(course), {"limit": 2}).json()
        page2 = learner_client.get(questions_url(course), {"limit": 2, "cursor": page1["next_cursor"]}).json()
        page3 = learner_client.get(questions_url(course), {"limit": 2, "cursor": page2["next_cursor"]}).json()
        ids = [q["id"] for page in (page1, page2, page3) for q in page["results"]]
        assert len(ids) == len(set(ids)) == 5
        assert page3["next_cursor"] is None

    def test_bad_cursor_is_400(self, course, learner_client):
        assert_error(learner_client.get(questions_url(course), {"cursor": "garbage"}), 400, "validation_error")

    @pytest.mark.parametrize("parameter", ["lesson", "limit"])
    def test_empty_lesson_or_limit_is_400(self, course, learner_client, parameter):
        # The schema documents a UUID and an integer: "" is neither (not "no filter").
        assert_error(learner_client.get(questions_url(course), {parameter: ""}), 400, "validation_error")

    def test_list_costs_the_same_for_5_and_25_questions_with_answers(self, course, learner, learner_client):
        def count_queries():
            with CaptureQueriesContext(connection) as ctx:
                assert learner_client.get(questions_url(course), {"limit": 100}).status_code == 200
            return len(ctx)

        for question in QuestionFactory.create_batch(5, course=course):
            AnswerFactory.create_batch(2, question=question)
        few = count_queries()
        for question in QuestionFactory.create_batch(20, course=course):
            AnswerFactory.create_batch(2, question=question)
        assert count_queries() == few

    def test_detail(self, course, learner_client):
        question = QuestionFactory(course=course)
        response = learner_client.get(f"{questions_url(course)}/{question.pk}")
        assert response.status_code == 200 and response.json()["id"] == str(question.pk)
        assert_error(learner_client.get(f"{questions_url(course)}/{QuestionFactory().pk}"), 404, "not_found")


class TestAnswers:
    def test_answer_counts_badges_and_emails_the_author_on_commit(
        self, course, learner, classmate, instructor, django_capture_on_commit_callbacks
    ):
        question = QuestionFactory(course=course, author=learner)
        with django_capture_on_commit_callbacks(execute=True):
            by_peer = client_for(classmate).post(
                answers_url(course), {"question_id": str(question.pk), "body": "Try this."}, format="json"
            )
            by_teacher = client_for(instructor).post(
                answers_url(course), {"question_id": str(question.pk), "body": "Official."}, format="json"
            )
        assert by_peer.status_code == 201 and by_teacher.status_code == 201
        body = by_teacher.json()
        assert set(body) >= {"id", "question", "author", "body", "is_instructor", "created_at"}
        assert body["is_instructor"] is True and by_peer.json()["is_instructor"] is False
        assert body["author"] == {"id": str(instructor.pk), "display_name": instructor.display_name}
        assert [message.to for message in mail.outbox] == [[learner.email], [learner.email]]
        detail = client_for(learner).get(f"{questions_url(course)}/{question.pk}").json()
        assert detail["answer_count"] == 2

    def test_list_filtered_by_question_oldest_first(self, course, learner_client):
        question, other = QuestionFactory(course=course), QuestionFactory(course=course)
        first = AnswerFactory(question=question, body="one")
        AnswerFactory(question=other, body="elsewhere")
        second = AnswerFactory(question=question, body="two")
        listing = learner_client.get(answers_url(course), {"question": str(question.pk)}).json()
        assert [a["id"] for a in listing["results"]] == [str(first.pk), str(second.pk)]
        assert len(learner_client.get(answers_url(course)).json()["results"]) == 3

    def test_bad_question_filter_is_400(self, course, learner_client):
        assert_error(learner_client.get(answers_url(course), {"question": "nope"}), 400, "validation_error")
        assert_error(learner_client.get(answers_url(course), {"question": ""}), 400, "validation_error")

    def test_question_of_another_course_is_400(self, course, learner_client):
        response = learner_client.post(
            answers_url(course), {"question_id": str(QuestionFactory().pk), "body": "x"}, format="json"
        )
        assert "question_id" in assert_error(response, 400, "validation_error")["details"]

    def test_archived_course_refuses_learner_posts(self, course, learner_client):
        question = QuestionFactory(course=course)
        Course.objects.filter(pk=course.pk).update(status=Course.Status.ARCHIVED)
        response = learner_client.post(
            answers_url(course), {"question_id": str(question.pk), "body": "x"}, format="json"
        )
        assert_error(response, 409, "course_archived")


class TestAccept:
    def test_author_accepts_and_others_may_not(self, course, learner, classmate):
        question = QuestionFactory(course=course, author=learner)
        reply = AnswerFactory(question=question, author=classmate)
        url = f"{questions_url(course)}/{question.pk}/accept"
        assert_error(
            client_for(classmate).post(url, {"answer_id": str(reply.pk)}, format="json"), 403, "permission_denied"
        )
        response = client_for(learner).post(url, {"answer_id": str(reply.pk)}, format="json")
        assert response.status_code == 200
        assert response.json()["accepted_answer"] == str(reply.pk)

    def test_instructor_accepts(self, course, instructor_client):
        question = QuestionFactory(course=course)
        reply = AnswerFactory(question=question)
        url = f"{questions_url(course)}/{question.pk}/accept"
        assert instructor_client.post(url, {"answer_id": str(reply.pk)}, format="json").status_code == 200

    def test_answer_of_another_question_is_400(self, course, learner, learner_client):
        question = QuestionFactory(course=course, author=learner)
        stranger = AnswerFactory(question=QuestionFactory(course=course))
        url = f"{questions_url(course)}/{question.pk}/accept"
        response = learner_client.post(url, {"answer_id": str(stranger.pk)}, format="json")
        assert "answer_id" in assert_error(response, 400, "validation_error")["details"]


class TestModeration:
    def test_instructor_hides_and_learners_stop_seeing(self, course, learner_client, instructor_client):
        question = QuestionFactory(course=course)
        reply = AnswerFactory(question=question)
        Question.objects.filter(pk=question.pk).update(answer_count=1)
        hidden = instructor_client.post(f"{answers_url(course)}/{reply.pk}/hide", {"hidden": True}, format="json")
        assert hidden.status_code == 200 and hidden.json()["is_hidden"] is True
        assert learner_client.get(answers_url(course)).json()["results"] == []
        assert learner_client.get(questions_url(course)).json()["results"][0]["answer_count"] == 0
        assert len(instructor_client.get(answers_url(course)).json()["results"]) == 1
        response = instructor_client.post(f"{questions_url(course)}/{question.pk}/hide", {}, format="json")
        assert response.status_code == 200 and response.json()["is_hidden"] is True
        assert learner_client.get(questions_url(course)).json()["results"] == []
        assert_error(learner_client.get(f"{questions_url(course)}/{question.pk}"), 404, "not_found")

    def test_learners_get_403_on_moderation(self, course, learner_client):
        question = QuestionFactory(course=course)
        reply = AnswerFactory(question=question)
        assert_error(
            learner_client.post(f"{questions_url(course)}/{question.pk}/hide", {}, format="json"),
            403,
            "permission_denied",
        )
        assert_error(learner_client.delete(f"{answers_url(course)}/{reply.pk}"), 403, "permission_denied")
        assert_error(learner_client.delete(f"{questions_url(course)}/{question.pk}"), 403, "permission_denied")

    def test_staff_delete(self, course):
        question = QuestionFactory(course=course, answer_count=1)
        reply = AnswerFactory(question=question)
        staff = client_for(StaffFactory())
        assert staff.delete(f"{answers_url(course)}/{reply.pk}").status_code == 204
        assert staff.delete(f"{questions_url(course)}/{question.pk}").status_code == 204
        assert not Question.objects.filter(pk=question.pk).exists()

    def test_instructor_of_another_course_gets_403(self, course):
        question = QuestionFactory(course=course)
        other = client_for(CourseInstructorFactory().user)
        assert_error(other.delete(f"{questions_url(course)}/{question.pk}"), 403, "permission_denied")

    def test_unknown_answer_is_404(self, course, instructor_client):
        assert_error(instructor_client.delete(f"{answers_url(course)}/{uuid.uuid4()}"), 404, "not_found")


def test_idempotency_key_replays_a_question(course, learner_client):
    headers = {"HTTP_IDEMPOTENCY_KEY": "ask-once"}
    first = learner_client.post(questions_url(course), {"title": "t", "body": "b"}, format="json", **headers)
    second = learner_client.post(questions_url(course), {"title": "t", "body": "b"}, format="json", **headers)
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert Question.objects.filter(course=course).count() == 1


def test_unauthenticated_user_without_role_cannot_see_question_detail(course):
    question = QuestionFactory(course=course)
    assert_error(client_for(UserFactory()).get(f"{questions_url(course)}/{question.pk}"), 403, "permission_denied")


@pytest.mark.emulator_cannot_judge(THREAD_RACE)
@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_are_all_counted():
    # given: one question and six classmates answering at the same moment
    import threading

    from django.db import connection as db_connection

    from tests.factories.courses import CourseFactory, EnrollmentFactory

    course = CourseFactory()
    question = QuestionFactory(course=course)
    answerers = [EnrollmentFactory(course=course).user for _ in range(6)]
    barrier = threading.Barrier(len(answerers))
    statuses: list[int] = []

    def post(user):
        try:
            client = client_for(user)
            barrier.wait()
            response = client.post(answers_url(course), {"question_id": str(question.pk), "body": "me"}, format="json")
            statuses.append(response.status_code)
        finally:
            db_connection.close()

    # when
    threads = [threading.Thread(target=post, args=(user,)) for user in answerers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: the F() update lost none of them
    assert statuses == [201] * 6
    assert Question.objects.get(pk=question.pk).answer_count == 6
