"""The assessment seeder: every feature on show, scores that follow the rules,
nothing created on a re-run."""

import pytest

from apps.assessment import seeding
from apps.assessment.models import Assessment, AssessmentItem, Submission
from deltalabs.seeding import SeedContext
from tests.factories.courses import CourseFactory, CourseInstructorFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


def test_seed_shows_every_feature_and_is_idempotent():
    # given
    for _ in range(4):
        course = CourseFactory()
        CourseInstructorFactory(course=course)
        EnrollmentFactory.create_batch(12, course=course)

    # when
    seeding.seed(SeedContext(size="small", show_progress=False))
    counts = (Assessment.objects.count(), AssessmentItem.objects.count(), Submission.objects.count())
    seeding.seed(SeedContext(size="small", show_progress=False))

    # then
    assert (Assessment.objects.count(), AssessmentItem.objects.count(), Submission.objects.count()) == counts
    assert counts[0] == 12
    assert set(AssessmentItem.objects.values_list("kind", flat=True)) == {"choice", "text"}
    assert Assessment.objects.filter(is_published=False).exists()
    assert Submission.objects.filter(status="graded", graded_by=None).exists()  # auto-graded quizzes
    assert Submission.objects.filter(status="graded").exclude(graded_by=None).exists()  # instructor-graded
    assert Submission.objects.filter(status="submitted", score=None).exists()  # the grading queue
    for submission in Submission.objects.select_related("assessment"):
        assert submission.course_id == submission.assessment.course_id
        if submission.score is not None:
            assert 0 <= submission.score <= submission.assessment.max_score
