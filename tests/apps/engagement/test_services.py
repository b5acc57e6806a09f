"""Rules of the course Q&A, through the services."""

import pytest
from django.core import mail

from apps.catalog.models import Course
from apps.engagement import services
from apps.engagement.models import Answer, Question
from apps.engagement.tasks import send_new_answer_email
from apps.learning.models import Enrollment
from deltalabs.db import atomic
from deltalabs.errors import Conflict, ErrorCode, NotFound, PermissionDenied, ValidationFailed
from deltalabs.models import OutboundEmail
from tests.factories.courses import (
    CourseFactory,
    CourseInstructorFactory,
    EnrollmentFactory,
    LessonFactory,
)
from tests.factories.engagement import AnswerFactory, QuestionFactory
from tests.factories.identity import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def ask(actor, course, **kwargs):
    return services.question_create(actor=actor, course_id=course.pk, title="Why?", body="Tell me.", **kwargs)


def answer(actor, question, body="Because."):
    return services.answer_create(actor=actor, course_id=question.course_id, question_id=question.pk, body=body)


class TestCourseAccess:
    def test_unknown_course_is_not_found(self, learner):
        import uuid

        with pytest.raises(NotFound):
            services.course_access(actor=learner, course_id=uuid.uuid4())

    def test_draft_course_is_not_found_for_its_learners(self, course, learner):
        Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
        with pytest.raises(NotFound):
            services.course_access(actor=learner, course_id=course.pk)

    def test_draft_course_is_open_to_its_instructors(self, course, instructor):
        Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
        assert services.course_access(actor=instructor, course_id=course.pk).role == "instructor"

    def test_published_course_without_a_role_is_permission_denied(self, course, outsider):
        with pytest.raises(PermissionDenied):
            services.course_access(actor=outsider, course_id=course.pk)

    @pytest.mark.parametrize("status", [Enrollment.Status.WAITLISTED, Enrollment.Status.CANCELLED])
    def test_waitlisted_or_cancelled_learners_have_no_access(self, course, status):
        enrollment = EnrollmentFactory(course=course, status=status)
        with pytest.raises(PermissionDenied):
            services.course_access(actor=enrollment.user, course_id=course.pk)

    def test_completed_learners_keep_access(self, course):
        enrollment = EnrollmentFactory(course=course, status=Enrollment.Status.COMPLETED)
        assert services.course_access(actor=enrollment.user, course_id=course.pk).role == "learner"

    def test_staff_see_every_course(self, course):
        assert services.course_access(actor=StaffFactory(), course_id=course.pk).role == "staff"


class TestAsking:
    def test_learner_asks_about_a_lesson_of_the_course(self, course, learner):
        lesson = LessonFactory(section__course=course)
        question = ask(learner, course, lesson_id=lesson.pk)
        assert (question.course_id, question.author_id, question.lesson_id) == (course.pk, learner.pk, lesson.pk)
        assert question.answer_count == 0

    def test_lesson_of_another_course_is_a_validation_error(self, course, learner):
        lesson = LessonFactory()
        with pytest.raises(ValidationFailed) as excinfo:
            ask(learner, course, lesson_id=lesson.pk)
        assert "lesson_id" in excinfo.value.details

    def test_outsider_cannot_ask(self, course, outsider):
        with pytest.raises(PermissionDenied):
            ask(outsider, course)

    def test_archived_course_is_read_only_for_learners(self, course, learner, instructor):
        Course.objects.filter(pk=course.pk).update(status=Course.Status.ARCHIVED)
        with pytest.raises(Conflict) as excinfo:
            ask(learner, course)
        assert excinfo.value.code == ErrorCode.COURSE_ARCHIVED
        assert ask(instructor, course).pk  # the teaching staff can still post
        assert services.question_list(actor=learner, course_id=course.pk).items  # and learners still read


class TestAnswering:
    def test_answer_counts_up_with_an_f_update(self, course, learner, classmate):
        question = ask(learner, course)
        answer(classmate, question)
        answer(classmate, question, "Also this.")
        question.refresh_from_db()
        assert question.answer_count == 2

    def test_instructor_badge_is_stored_at_answer_time(self, course, learner, instructor, classmate):
        question = ask(learner, course)
        by_instructor = answer(instructor, question)
        by_learner = answer(classmate, question)
        assert by_instructor.is_instructor is True
        assert by_learner.is_instructor is False

    def test_staff_get_the_badge_only_if_they_teach_the_course(self, course, learner):
        question = ask(learner, course)
        staff = StaffFactory()
        assert answer(staff, question).is_instructor is False
        CourseInstructorFactory(course=course, user=staff)
        assert answer(staff, question).is_instructor is True

    def test_question_of_another_course_is_a_validation_error(self, course, learner):
        elsewhere = QuestionFactory()
        with pytest.raises(ValidationFailed) as excinfo:
            services.answer_create(actor=learner, course_id=course.pk, question_id=elsewhere.pk, body="x")
        assert "question_id" in excinfo.value.details

    def test_hidden_question_cannot_be_answered_by_learners(self, course, learner, classmate):
        question = QuestionFactory(course=course, author=learner, is_hidden=True)
        with pytest.raises(ValidationFailed):
            answer(classmate, question)

    def test_new_answer_emails_the_author_on_commit(
        self, course, learner, classmate, django_capture_on_commit_callbacks
    ):
        question = ask(learner, course)
        # On either engine: the hook waits for the commit of the outermost
        # transaction (here a caller's), then runs once.
        with django_capture_on_commit_callbacks(execute=True), atomic():
            created = answer(classmate, question)
            assert mail.outbox == []  # nothing before the commit
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [learner.email]
        assert question.title in mail.outbox[0].subject
        assert OutboundEmail.objects.filter(key=f"new-answer:{created.pk}").exists()

    def test_answering_your_own_question_sends_nothing(self, course, learner, django_capture_on_commit_callbacks):
        question = ask(learner, course)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            answer(learner, question)
        assert callbacks == []
        assert mail.outbox == []

    def test_email_task_is_idempotent(self, course, learner, classmate):
        question = ask(learner, course)
        created = AnswerFactory(question=question, author=classmate)
        assert send_new_answer_email(answer_id=str(created.pk)) is True
        assert send_new_answer_email(answer_id=str(created.pk)) is False
        assert len(mail.outbox) == 1

    def test_email_task_skips_hidden_and_deleted_answers(self, course, learner, classmate):
        question = ask(learner, course)
        hidden = AnswerFactory(question=question, author=classmate, is_hidden=True)
        assert send_new_answer_email(answer_id=str(hidden.pk)) is False
        gone = AnswerFactory(question=question, author=classmate)
        gone_id = str(gone.pk)
        gone.delete()
        assert send_new_answer_email(answer_id=gone_id) is False
        assert mail.outbox == []


class TestAccepting:
    @pytest.fixture
    def thread(self, course, learner, classmate):
        question = ask(learner, course)
        return question, answer(classmate, question)

    def test_author_accepts(self, thread, learner):
        question, reply = thread
        accepted = services.question_accept_answer(
            actor=learner, course_id=question.course_id, question_id=question.pk, answer_id=reply.pk
        )
        assert accepted.accepted_answer_id == reply.pk
        assert Question.objects.get(pk=question.pk).accepted_answer_id == reply.pk

    def test_instructor_accepts(self, thread, instructor):
        question, reply = thread
        services.question_accept_answer(
            actor=instructor, course_id=question.course_id, question_id=question.pk, answer_id=reply.pk
        )
        assert Question.objects.get(pk=question.pk).accepted_answer_id == reply.pk

    def test_another_learner_may_not(self, thread, classmate):
        question, reply = thread
        with pytest.raises(PermissionDenied):
            services.question_accept_answer(
                actor=classmate, course_id=question.course_id, question_id=question.pk, answer_id=reply.pk
            )

    def test_answer_of_another_question_is_a_validation_error(self, thread, course, learner, classmate):
        question, _ = thread
        other = answer(classmate, ask(learner, course))
        with pytest.raises(ValidationFailed) as excinfo:
            services.question_accept_answer(
                actor=learner, course_id=course.pk, question_id=question.pk, answer_id=other.pk
            )
        assert "answer_id" in excinfo.value.details

    def test_question_of_another_course_is_not_found(self, thread, learner):
        question, reply = thread
        other_course = EnrollmentFactory(user=learner).course
        with pytest.raises(NotFound):
            services.question_accept_answer(
                actor=learner, course_id=other_course.pk, question_id=question.pk, answer_id=reply.pk
            )


class TestModeration:
    @pytest.fixture
    def thread(self, course, learner, classmate):
        question = ask(learner, course)
        return question, answer(classmate, question)

    def test_learners_may_not_moderate(self, thread, learner):
        question, reply = thread
        with pytest.raises(PermissionDenied):
            services.question_hide(actor=learner, question_id=question.pk)
        with pytest.raises(PermissionDenied):
            services.answer_delete(actor=learner, answer_id=reply.pk)

    def test_instructors_of_another_course_may_not(self, thread):
        question, _ = thread
        other_instructor = CourseInstructorFactory().user
        with pytest.raises(PermissionDenied):
            services.question_hide(actor=other_instructor, question_id=question.pk)

    def test_hidden_question_is_invisible_to_learners_not_to_instructors(self, thread, course, learner, instructor):
        question, reply = thread
        services.question_hide(actor=instructor, question_id=question.pk)
        assert services.question_list(actor=learner, course_id=course.pk).items == []
        assert services.answer_list(actor=learner, course_id=course.pk).items == []
        with pytest.raises(NotFound):
            services.question_get(actor=learner, course_id=course.pk, question_id=question.pk)
        with pytest.raises(NotFound):
            services.answer_list(actor=learner, course_id=course.pk, question_id=question.pk)
        assert [q.pk for q in services.question_list(actor=instructor, course_id=course.pk).items] == [question.pk]
        assert [a.pk for a in services.answer_list(actor=instructor, course_id=course.pk).items] == [reply.pk]

    def test_hiding_an_answer_moves_the_counter_once_and_unaccepts_it(self, thread, course, learner):
        question, reply = thread
        services.question_accept_answer(actor=learner, course_id=course.pk, question_id=question.pk, answer_id=reply.pk)
        staff = StaffFactory()
        services.answer_hide(actor=staff, answer_id=reply.pk)
        services.answer_hide(actor=staff, answer_id=reply.pk)  # idempotent
        question.refresh_from_db()
        assert (question.answer_count, question.accepted_answer_id) == (0, None)
        hidden = Answer.objects.get(pk=reply.pk)
        assert hidden.is_hidden and hidden.hidden_by_id == staff.pk and hidden.hidden_at is not None
        assert services.answer_list(actor=learner, course_id=course.pk).items == []
        services.answer_hide(actor=staff, answer_id=reply.pk, hidden=False)
        question.refresh_from_db()
        assert question.answer_count == 1

    def test_deleting_a_visible_answer_decrements_a_hidden_one_does_not(self, thread, course, classmate, instructor):
        question, reply = thread
        hidden = answer(classmate, question, "spam")
        services.answer_hide(actor=instructor, answer_id=hidden.pk)
        services.answer_delete(actor=instructor, answer_id=hidden.pk)
        question.refresh_from_db()
        assert question.answer_count == 1
        services.answer_delete(actor=instructor, answer_id=reply.pk)
        question.refresh_from_db()
        assert question.answer_count == 0
        assert not Answer.objects.filter(question=question).exists()

    def test_deleting_a_question_deletes_its_answers(self, thread, instructor):
        question, _ = thread
        services.question_delete(actor=instructor, question_id=question.pk)
        assert not Question.objects.filter(pk=question.pk).exists()
        assert not Answer.objects.filter(question_id=question.pk).exists()

    def test_moderation_through_the_wrong_course_is_not_found(self, thread, instructor):
        question, _ = thread
        with pytest.raises(NotFound):
            services.question_delete(actor=instructor, question_id=question.pk, course_id=CourseFactory().pk)

    def test_outsider_gets_permission_denied_on_a_published_course(self, thread):
        question, _ = thread
        with pytest.raises(PermissionDenied):
            services.question_hide(actor=UserFactory(), question_id=question.pk)


def test_email_subject_is_plain_text(course, learner, classmate):
    question = QuestionFactory(course=course, author=learner, title='Why "x" & <y>?')
    created = AnswerFactory(question=question, author=classmate)
    send_new_answer_email(answer_id=str(created.pk))
    assert mail.outbox[0].subject == 'New answer to "Why "x" & <y>?"'
    assert "&quot;" not in mail.outbox[0].body
