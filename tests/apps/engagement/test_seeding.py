"""The Q&A seeder: shows every feature, stays consistent, creates nothing on a re-run."""

import pytest
from django.db.models import Count, Q

from apps.engagement import seeding
from apps.engagement.models import Answer, Question
from deltalabs.seeding import SeedContext
from tests.factories.courses import CourseFactory, CourseInstructorFactory, EnrollmentFactory, LessonFactory

pytestmark = pytest.mark.django_db


def test_seed_is_consistent_and_idempotent():
    # given: three published courses with teachers, learners and lessons, and a draft
    for _ in range(3):
        course = CourseFactory()
        CourseInstructorFactory(course=course)
        EnrollmentFactory.create_batch(6, course=course)
        LessonFactory.create_batch(2, section__course=course)
    CourseFactory(status="draft")
    ctx = SeedContext(size="small", show_progress=False)

    # when
    seeding.seed(ctx)
    seeding.seed(SeedContext(size="small", show_progress=False))

    # then
    assert Question.objects.count() == 3 * ctx.scale.questions_per_course  # second run added nothing
    counted = Question.objects.annotate(visible=Count("answers", filter=Q(answers__is_hidden=False)))
    assert all(question.answer_count == question.visible for question in counted)
    for question in Question.objects.exclude(accepted_answer=None).select_related("accepted_answer"):
        assert question.accepted_answer.question_id == question.pk and not question.accepted_answer.is_hidden
    assert Answer.objects.filter(is_instructor=True).exists()
    assert Answer.objects.filter(is_instructor=False).exists()
    assert Question.objects.exclude(accepted_answer=None).exists()
