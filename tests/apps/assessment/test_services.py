"""Rules of assessments, submissions, grading and the course grade, through the services."""

import uuid
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone

from apps.assessment import services
from apps.assessment.errors import AssessmentErrorCode
from apps.assessment.models import Assessment, Submission
from apps.catalog.models import Course
from apps.learning.models import Enrollment
from deltalabs.errors import Conflict, ErrorCode, NotFound, PermissionDenied, ValidationFailed
from tests.factories.assessment import AssessmentFactory, ChoiceItemFactory, SubmissionFactory, TextItemFactory
from tests.factories.courses import CourseInstructorFactory, EnrollmentFactory
from tests.factories.identity import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz(course):
    """Four one-point choice items (key: choice 2) on a 10-point quiz."""
    assessment = AssessmentFactory(course=course, max_score=Decimal("10"))
    ChoiceItemFactory.create_batch(4, assessment=assessment)
    return assessment


@pytest.fixture
def assignment(course):
    """Three one-point choice items and one two-point text item, out of 10."""
    assessment = AssessmentFactory(course=course, kind=Assessment.Kind.ASSIGNMENT, max_score=Decimal("10"))
    ChoiceItemFactory.create_batch(3, assessment=assessment)
    TextItemFactory(assessment=assessment, points=Decimal("2"))
    return assessment


def items_of(assessment):
    return list(assessment.items.order_by("position"))


def submit(actor, assessment, answers):
    return services.submission_create(actor=actor, assessment_id=assessment.pk, answers=answers)


class TestArithmetic:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (Fraction(1, 8), "0.13"),  # exact half rounds up (banker's rounding would give 0.12)
            (Fraction(1, 32) * 100, "3.13"),
            (Fraction(1, 3) * 100, "33.33"),
            (Fraction(2, 3) * 100, "66.67"),
            (Fraction(12499, 100000), "0.12"),
            (Decimal("7.5"), "7.50"),
            (0, "0.00"),
        ],
    )
    def test_round_half_up_is_exact(self, value, expected):
        assert services.round_half_up(value) == Decimal(expected)
        assert str(services.round_half_up(value)) == expected

    def test_course_grade_weighs_and_counts_missing_work_as_zero(self):
        # 25 x 7/10 + 25 x 15/20 + 50 x (missing) = 17.5 + 18.75 + 0 over 100
        entries = [
            (Decimal("25"), Decimal("10"), Decimal("7")),
            (Decimal("25"), Decimal("20"), Decimal("15")),
            (Decimal("50"), Decimal("100"), None),
        ]
        assert services.course_grade(entries) == Decimal("36.25")

    def test_relative_weights_grade_alike(self):
        percent = [(Decimal("25"), Decimal("10"), Decimal("7")), (Decimal("75"), Decimal("10"), Decimal("9"))]
        fraction = [(Decimal("0.25"), Decimal("10"), Decimal("7")), (Decimal("0.75"), Decimal("10"), Decimal("9"))]
        assert services.course_grade(percent) == services.course_grade(fraction) == Decimal("85.00")

    def test_thirds_round_half_up_once_at_the_end(self):
        # 1/3 + 1/3 + 1/3 of equal weights is exactly 100/3 % -> 33.33 (no drift from per-row rounding)
        entries = [(Decimal("1"), Decimal("3"), Decimal("1"))] * 3
        assert services.course_grade(entries) == Decimal("33.33")
        assert services.course_grade([(Decimal("1"), Decimal("32"), Decimal("1"))]) == Decimal("3.13")

    def test_no_weight_no_grade(self):
        assert services.course_grade([]) is None
        assert services.course_grade([(Decimal("0"), Decimal("10"), Decimal("10"))]) is None


class TestSubmitting:
    def test_all_choice_quiz_is_graded_at_once(self, quiz, learner):
        items = items_of(quiz)
        answers = {str(items[0].pk): 2, str(items[1].pk): [2], str(items[2].pk): 1}  # 2 right, 1 wrong, 1 blank
        submission = submit(learner, quiz, answers)
        assert submission.status == Submission.Status.GRADED
        assert submission.score == submission.auto_score == Decimal("5.00")
        assert submission.graded_by_id is None and submission.graded_at is not None
        assert submission.answers == {str(items[0].pk): [2], str(items[1].pk): [2], str(items[2].pk): [1]}
        assert submission.is_late is False

    def test_mixed_assessment_waits_for_an_instructor_with_a_partial_auto_score(self, assignment, learner):
        choice_a, choice_b, choice_c, text = items_of(assignment)
        submission = submit(
            learner, assignment, {str(choice_a.pk): 2, str(choice_b.pk): 2, str(choice_c.pk): 2, str(text.pk): "essay"}
        )
        assert submission.status == Submission.Status.SUBMITTED
        assert submission.score is None
        assert submission.auto_score == Decimal("6.00")  # 10 x 3 points / 5 points

    def test_auto_score_scales_to_max_score_and_rounds_half_up(self, course, learner):
        quiz = AssessmentFactory(course=course, max_score=Decimal("1"))
        ChoiceItemFactory.create_batch(8, assessment=quiz)
        first = items_of(quiz)[0]
        assert submit(learner, quiz, {str(first.pk): 2}).score == Decimal("0.13")  # 1/8 = 0.125

    def test_multiple_answer_items_need_the_exact_set(self, course, learner, classmate):
        quiz = AssessmentFactory(course=course)
        item = ChoiceItemFactory(assessment=quiz, answer_key=[0, 3])
        assert submit(learner, quiz, {str(item.pk): [3, 0]}).score == Decimal("10.00")
        assert submit(classmate, quiz, {str(item.pk): [0]}).score == Decimal("0.00")

    @pytest.mark.parametrize(
        "bad",
        [
            {"unknown": 1},
            {"CHOICE": 7},
            {"CHOICE": -1},
            {"CHOICE": True},
            {"CHOICE": "2"},
            {"CHOICE": [1, 1]},
            {"CHOICE": []},
            {"TEXT": 42},
            {"TEXT": "x" * 10_001},
        ],
    )
    def test_answers_must_fit_the_items(self, assignment, learner, bad):
        choice, *_, text = items_of(assignment)
        names = {"CHOICE": str(choice.pk), "TEXT": str(text.pk), "unknown": str(uuid.uuid4())}
        answers = {names[key]: value for key, value in bad.items()}
        with pytest.raises(ValidationFailed) as excinfo:
            submit(learner, assignment, answers)
        assert list(excinfo.value.details) == [f"answers.{next(iter(answers))}"]
        assert not Submission.objects.exists()

    def test_one_submission_per_learner(self, quiz, learner):
        submit(learner, quiz, {})
        with pytest.raises(Conflict) as excinfo:
            submit(learner, quiz, {})
        assert excinfo.value.code == AssessmentErrorCode.ALREADY_SUBMITTED

    def test_late_submissions_are_accepted_and_flagged(self, course, learner):
        quiz = AssessmentFactory(course=course, due_at=timezone.now() - timedelta(minutes=1))
        ChoiceItemFactory(assessment=quiz)
        submission = submit(learner, quiz, {})
        assert submission.is_late is True
        assert submission.status == Submission.Status.GRADED

    def test_unpublished_assessment_is_not_found_for_learners(self, course, learner):
        hidden = AssessmentFactory(course=course, is_published=False)
        with pytest.raises(NotFound):
            submit(learner, hidden, {})

    @pytest.mark.parametrize("who", ["instructor", "outsider", "waitlisted"])
    def test_only_enrolled_learners_submit(self, quiz, course, instructor, outsider, who):
        actor = {
            "instructor": instructor,
            "outsider": outsider,
            "waitlisted": EnrollmentFactory(course=course, status=Enrollment.Status.WAITLISTED).user,
        }[who]
        with pytest.raises(PermissionDenied):
            submit(actor, quiz, {})

    def test_staff_who_are_not_enrolled_do_not_submit(self, quiz):
        with pytest.raises(PermissionDenied):
            submit(StaffFactory(), quiz, {})

    def test_completed_learners_may_still_submit(self, quiz, course):
        learner = EnrollmentFactory(course=course, status=Enrollment.Status.COMPLETED).user
        assert submit(learner, quiz, {}).pk

    def test_draft_course_is_not_found(self, quiz, course, learner):
        Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
        with pytest.raises(NotFound):
            submit(learner, quiz, {})

    def test_archived_course_takes_no_submissions(self, quiz, course, learner):
        Course.objects.filter(pk=course.pk).update(status=Course.Status.ARCHIVED)
        with pytest.raises(Conflict) as excinfo:
            submit(learner, quiz, {})
        assert excinfo.value.code == ErrorCode.COURSE_ARCHIVED


class TestReadingSubmissions:
    @pytest.fixture
    def submission(self, quiz, learner):
        return submit(learner, quiz, {})

    def test_owner_instructor_and_staff_see_it(self, submission, learner, instructor):
        for actor in (learner, instructor, StaffFactory()):
            assert services.submission_get(actor=actor, submission_id=submission.pk).pk == submission.pk

    @pytest.mark.parametrize("who", ["classmate", "other_instructor", "outsider"])
    def test_anyone_else_gets_not_found(self, submission, classmate, outsider, who):
        actor = {"classmate": classmate, "other_instructor": CourseInstructorFactory().user, "outsider": outsider}[who]
        with pytest.raises(NotFound):
            services.submission_get(actor=actor, submission_id=submission.pk)

    def test_learners_list_only_their_own(self, quiz, submission, classmate, instructor):
        submit(classmate, quiz, {})
        own = services.submission_list_for_assessment(actor=classmate, assessment_id=quiz.pk)
        assert [s.user_id for s in own.items] == [classmate.pk]
        everyone = services.submission_list_for_assessment(actor=instructor, assessment_id=quiz.pk)
        assert len(everyone.items) == 2
        mine = services.submission_list_own(actor=classmate)
        assert [s.user_id for s in mine.items] == [classmate.pk]


class TestGrading:
    @pytest.fixture
    def pending(self, assignment, learner):
        return submit(learner, assignment, {})

    def test_instructor_grades_recording_who_and_when(self, pending, instructor):
        graded = services.submission_grade(
            actor=instructor, submission_id=pending.pk, score=Decimal("8.5"), feedback="Good."
        )
        assert (graded.status, graded.score, graded.feedback) == (Submission.Status.GRADED, Decimal("8.50"), "Good.")
        assert graded.graded_by_id == instructor.pk and graded.graded_at is not None

    def test_staff_override_a_grade(self, pending, instructor):
        services.submission_grade(actor=instructor, submission_id=pending.pk, score=Decimal("4"))
        staff = StaffFactory()
        graded = services.submission_grade(actor=staff, submission_id=pending.pk, score=Decimal("6"))
        assert (graded.score, graded.graded_by_id) == (Decimal("6.00"), staff.pk)

    @pytest.mark.parametrize("score", ["-0.01", "10.01"])
    def test_score_must_lie_between_zero_and_max(self, pending, instructor, score):
        with pytest.raises(ValidationFailed) as excinfo:
            services.submission_grade(actor=instructor, submission_id=pending.pk, score=Decimal(score))
        assert "score" in excinfo.value.details

    @pytest.mark.parametrize("score", ["0", "10"])
    def test_bounds_are_inclusive(self, pending, instructor, score):
        assert services.submission_grade(
            actor=instructor, submission_id=pending.pk, score=Decimal(score)
        ).score == Decimal(score)

    def test_feedback_alone_needs_an_existing_score(self, pending, instructor):
        with pytest.raises(ValidationFailed):
            services.submission_grade(actor=instructor, submission_id=pending.pk, score=None, feedback="Hm")
        services.submission_grade(actor=instructor, submission_id=pending.pk, score=Decimal("7"))
        graded = services.submission_grade(actor=instructor, submission_id=pending.pk, score=None, feedback="Better")
        assert (graded.score, graded.feedback) == (Decimal("7.00"), "Better")

    def test_owner_gets_permission_denied_others_not_found(self, pending, learner, classmate):
        with pytest.raises(PermissionDenied):
            services.submission_grade(actor=learner, submission_id=pending.pk, score=Decimal("10"))
        with pytest.raises(NotFound):
            services.submission_grade(actor=classmate, submission_id=pending.pk, score=Decimal("10"))
        with pytest.raises(NotFound):
            services.submission_grade(
                actor=CourseInstructorFactory().user, submission_id=pending.pk, score=Decimal("1")
            )


class TestGrades:
    def test_learner_grades_follow_the_formula(self, course, learner):
        # given: weights 1 (quiz, 8/10 graded), 2 (assignment, submitted not graded), 1 (missing)
        quiz = AssessmentFactory(course=course, weight=Decimal("1"), max_score=Decimal("10"), position=1)
        essay = AssessmentFactory(course=course, weight=Decimal("2"), max_score=Decimal("20"), position=2)
        final = AssessmentFactory(course=course, weight=Decimal("1"), max_score=Decimal("50"), position=3)
        AssessmentFactory(course=course, weight=Decimal("5"), is_published=False, position=4)
        SubmissionFactory(assessment=quiz, user=learner, score=Decimal("8"))
        SubmissionFactory(assessment=essay, user=learner, score=None, status=Submission.Status.SUBMITTED)
        SubmissionFactory(assessment=final, user=UserFactory(), score=Decimal("50"))  # someone else's
        # when
        grades = services.grades_for_learner(actor=learner, course_id=course.pk)
        # then: 1 x 8/10 / (1 + 2 + 1) = 20%
        assert grades.course_grade == Decimal("20.00")
        assert grades.user == learner
        rows = {row.title: row for row in grades.assessments}
        assert list(rows) == [quiz.title, essay.title, final.title]
        assert (rows[quiz.title].score, rows[quiz.title].status) == (Decimal("8"), "graded")
        assert (rows[essay.title].score, rows[essay.title].status) == (None, "submitted")
        assert (rows[final.title].score, rows[final.title].status) == (None, "not_submitted")
        assert (rows[essay.title].weight, rows[essay.title].max_score) == (Decimal("2"), Decimal("20"))

    def test_grading_moves_the_course_grade(self, course, learner, instructor):
        essay = AssessmentFactory(course=course, weight=Decimal("0.5"), max_score=Decimal("20"))
        quiz = AssessmentFactory(course=course, weight=Decimal("0.5"), max_score=Decimal("10"))
        SubmissionFactory(assessment=quiz, user=learner, score=Decimal("10"))
        pending = SubmissionFactory(assessment=essay, user=learner, score=None, status=Submission.Status.SUBMITTED)
        assert services.grades_for_learner(actor=learner, course_id=course.pk).course_grade == Decimal("50.00")
        services.submission_grade(actor=instructor, submission_id=pending.pk, score=Decimal("13"))
        # 0.5 x 13/20 + 0.5 x 1 = 0.825
        assert services.grades_for_learner(actor=learner, course_id=course.pk).course_grade == Decimal("82.50")

    def test_course_without_published_weight_has_no_grade(self, course, learner):
        assert services.grades_for_learner(actor=learner, course_id=course.pk).course_grade is None

    def test_gradebook_is_for_instructors_and_staff(self, course, learner, instructor):
        with pytest.raises(PermissionDenied):
            services.gradebook_page(actor=learner, course_id=course.pk)
        page = services.gradebook_page(actor=instructor, course_id=course.pk)
        assert [row.user.pk for row in page.items] == [learner.pk]
        assert services.gradebook_page(actor=StaffFactory(), course_id=course.pk).next_cursor is None

    def test_gradebook_leaves_out_waitlisted_and_cancelled(self, course, learner, instructor):
        EnrollmentFactory(course=course, status=Enrollment.Status.WAITLISTED)
        EnrollmentFactory(course=course, status=Enrollment.Status.CANCELLED)
        done = EnrollmentFactory(course=course, status=Enrollment.Status.COMPLETED).user
        ids = {row.user.pk for row in services.gradebook_page(actor=instructor, course_id=course.pk).items}
        assert ids == {learner.pk, done.pk}

    def test_outsider_cannot_read_grades(self, course, outsider):
        with pytest.raises(PermissionDenied):
            services.grades_for_learner(actor=outsider, course_id=course.pk)


class TestPublishing:
    def test_instructor_publishes_learner_may_not(self, course, instructor, learner):
        draft = AssessmentFactory(course=course, is_published=False)
        with pytest.raises(NotFound):
            services.assessment_set_published(actor=learner, assessment_id=draft.pk, is_published=True)
        services.assessment_set_published(actor=instructor, assessment_id=draft.pk, is_published=True)
        with pytest.raises(PermissionDenied):
            services.assessment_set_published(actor=learner, assessment_id=draft.pk, is_published=False)
        assert Assessment.objects.get(pk=draft.pk).is_published is True


class TestItemShape:
    @pytest.mark.parametrize(
        ("kind", "choices", "key", "field"),
        [
            ("choice", ["only one"], [0], "choices"),
            ("choice", "a,b", [0], "choices"),
            ("choice", ["a", "b"], [2], "answer_key"),
            ("choice", ["a", "b"], [], "answer_key"),
            ("choice", ["a", "b"], [0, 0], "answer_key"),
            ("choice", ["a", "b"], "a", "answer_key"),
            ("text", ["a"], None, "choices"),
            ("text", [], [1], "answer_key"),
        ],
    )
    def test_malformed_items_are_refused(self, kind, choices, key, field):
        with pytest.raises(ValidationFailed) as excinfo:
            services.item_validate(kind=kind, choices=choices, answer_key=key)
        assert field in excinfo.value.details

    @pytest.mark.parametrize(
        ("kind", "choices", "key"),
        [("choice", ["a", "b", "c"], [2]), ("choice", ["a", "b"], 1), ("text", [], None), ("text", [], "model")],
    )
    def test_well_formed_items_pass(self, kind, choices, key):
        services.item_validate(kind=kind, choices=choices, answer_key=key)


class TestReset:
    def test_instructor_resets_and_the_learner_submits_again(self, quiz, learner, instructor):
        first = submit(learner, quiz, {})
        with pytest.raises(PermissionDenied):
            services.submission_reset(actor=learner, submission_id=first.pk)
        services.submission_reset(actor=instructor, submission_id=first.pk)
        assert submit(learner, quiz, {}).pk != first.pk

    def test_classmate_gets_not_found(self, quiz, learner, classmate):
        first = submit(learner, quiz, {})
        with pytest.raises(NotFound):
            services.submission_reset(actor=classmate, submission_id=first.pk)


def test_own_submission_in_a_course_turned_draft_is_not_found(quiz, course, learner, instructor):
    submission = submit(learner, quiz, {})
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    with pytest.raises(NotFound):
        services.submission_get(actor=learner, submission_id=submission.pk)
    assert services.submission_get(actor=instructor, submission_id=submission.pk).pk == submission.pk
