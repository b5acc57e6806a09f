"""Assessment use cases: reading assessments, submitting, grading, grades.

Who may do what (checked here, whatever calls us: views, admin, AI tools):
- A course the actor cannot see at all (unknown, or a draft they do not
  teach) is 404 ``not_found``; a visible course where the actor is neither an
  enrolled learner (active or completed), an instructor nor staff is 403
  ``permission_denied``.
- Learners see published assessments only, and never an answer key; the
  course's instructors and staff see everything (``show_answer_keys``).
- Only learners with an active or completed enrollment submit (403 otherwise),
  once per assessment (409 ``already_submitted``). Late submissions (after
  ``due_at``) are accepted and flagged ``is_late``.
- A submission is visible to its owner, the course's instructors and staff;
  anyone else gets 404. Grading is for instructors and staff (its owner gets
  403).

Grading arithmetic (docs/decisions.md):
- Auto score = max_score x (points of correctly answered choice items) /
  (points of all items), rounded half-up to 0.01. A submission whose items are
  all choice items is graded at once; otherwise it waits for an instructor,
  with the auto score recorded as a starting point.
- Course grade (percent) = 100 x sum(weight x score / max_score over graded
  submissions) / sum(weight over published assessments); missing or not yet
  graded work counts 0; exact rational arithmetic, rounded half-up to 0.01;
  null when the course has no published weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from apps.assessment import repositories
from apps.assessment.errors import AssessmentErrorCode
from apps.assessment.models import Assessment, AssessmentItem, Submission
from apps.catalog.models import Course
from apps.identity.services import require_user
from apps.learning import repositories as learning_repositories
from apps.learning.services import (
    TEACHING_ROLES,
    CourseAccess,
    course_member_access,
    course_role,
    course_staff_may,
)
from deltalabs.audit import audit_record, diff
from deltalabs.db import atomic
from deltalabs.errors import Conflict, ErrorCode, NotFound, PermissionDenied, ValidationFailed
from deltalabs.pagination import Page, paginate

CENT = Decimal("0.01")
MAX_TEXT_ANSWER = 10_000
NOT_SUBMITTED = "not_submitted"


# --- Access --------------------------------------------------------------------


def course_access(*, actor, course_id: UUID, course: Course | None = None) -> CourseAccess:
    """The actor's access to the course's assessments, or the error that denies it."""
    return course_member_access(
        actor=actor,
        course_id=course_id,
        course=course,
        denied_message="Only enrolled learners, instructors and staff see this course's assessments.",
    )


def _visible_assessment(*, actor, assessment: Assessment | None) -> tuple[Assessment, CourseAccess]:
    if assessment is None:
        raise NotFound.of("Assessment")
    access = course_access(actor=actor, course_id=assessment.course_id, course=assessment.course)
    if not assessment.is_published and not access.teaches:
        raise NotFound.of("Assessment")
    return assessment, access


# --- Arithmetic (pure) ------------------------------------------------------------


def round_half_up(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """Exact half-up rounding of a rational to ``places`` decimals (no float,
    no intermediate rounding)."""
    fraction = Fraction(value)
    scale = 10**places
    scaled = fraction * scale
    sign = -1 if scaled < 0 else 1
    scaled = abs(scaled)
    rounded = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return (Decimal(sign * rounded) / Decimal(scale)).quantize(Decimal(1).scaleb(-places))


def _key_set(answer_key: Any) -> frozenset[int]:
    if isinstance(answer_key, int) and not isinstance(answer_key, bool):
        return frozenset({answer_key})
    if isinstance(answer_key, list):
        return frozenset(k for k in answer_key if isinstance(k, int) and not isinstance(k, bool))
    return frozenset()


def answers_validate(*, items: list[AssessmentItem], answers: Any) -> dict[str, Any]:
    """Check ``answers`` ({item_id: answer}) against the items and return them
    normalised: choice answers as sorted lists of choice indices, text answers
    as strings. Unanswered items are allowed (they score 0). Raises 400
    ``validation_error`` with one message per offending item."""
    if not isinstance(answers, dict):
        raise ValidationFailed("answers must be an object of item id -> answer.", {"answers": ["Must be an object."]})
    by_id = {str(item.pk): item for item in items}
    errors: dict[str, list[str]] = {}
    normalised: dict[str, Any] = {}
    for raw_key, value in answers.items():
        key = str(raw_key).lower()
        item = by_id.get(key)
        if item is None:
            errors[f"answers.{raw_key}"] = ["Not an item of this assessment."]
            continue
        if item.kind == AssessmentItem.Kind.CHOICE:
            picked = [value] if isinstance(value, int) and not isinstance(value, bool) else value
            if (
                not isinstance(picked, list)
                or not picked
                or any(not isinstance(i, int) or isinstance(i, bool) for i in picked)
            ):
                errors[f"answers.{raw_key}"] = ["A choice answer is a choice index or a list of choice indices."]
            elif any(i < 0 or i >= len(item.choices) for i in picked) or len(set(picked)) != len(picked):
                errors[f"answers.{raw_key}"] = [
                    f"Choice indices must be distinct and between 0 and {len(item.choices) - 1}."
                ]
            else:
                normalised[key] = sorted(picked)
        else:
            if not isinstance(value, str):
                errors[f"answers.{raw_key}"] = ["A text answer is a string."]
            elif len(value) > MAX_TEXT_ANSWER:
                errors[f"answers.{raw_key}"] = [f"At most {MAX_TEXT_ANSWER} characters."]
            else:
                normalised[key] = value
    if errors:
        raise ValidationFailed("Some answers do not fit the assessment's items.", errors)
    return normalised


def item_validate(*, kind: str, choices: Any, answer_key: Any) -> None:
    """An item's shape: a choice item lists at least two choices (strings) and
    keys one or more distinct valid indices; a text item has no choices and
    at most a model answer (a string) as its key. 400 otherwise."""
    errors: dict[str, list[str]] = {}
    if kind == AssessmentItem.Kind.CHOICE:
        if not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, str) and c for c in choices):
            errors["choices"] = ["A choice item lists at least two non-empty choices."]
        else:
            key = answer_key if isinstance(answer_key, list) else [answer_key]
            valid = all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(choices) for i in key)
            if not key or not valid or len(set(key)) != len(key):
                errors["answer_key"] = [f"List the correct choice indices (0 to {len(choices) - 1}), e.g. [2]."]
    else:
        if choices:
            errors["choices"] = ["A text item has no choices."]
        if answer_key is not None and not isinstance(answer_key, str):
            errors["answer_key"] = ["A text item's key is an optional model answer (text)."]
    if errors:
        raise ValidationFailed("The item is not well formed.", errors)


def answers_auto_score(*, items: list[AssessmentItem], answers: dict[str, Any], max_score: Decimal) -> Decimal:
    """The auto-graded score on the max_score scale: max_score x correct choice
    points / all points, rounded half-up to 0.01. Text items earn nothing here."""
    total_points = sum((Fraction(item.points) for item in items), Fraction(0))
    if total_points == 0:
        return Decimal("0.00")
    earned = Fraction(0)
    for item in items:
        if item.kind != AssessmentItem.Kind.CHOICE:
            continue
        given = answers.get(str(item.pk))
        key = _key_set(item.answer_key)
        if given is not None and key and frozenset(given) == key:
            earned += Fraction(item.points)
    return round_half_up(Fraction(max_score) * earned / total_points)


def is_auto_gradable(items: list[AssessmentItem]) -> bool:
    return bool(items) and all(item.kind == AssessmentItem.Kind.CHOICE for item in items)


def course_grade(entries: list[tuple[Decimal, Decimal, Decimal | None]]) -> Decimal | None:
    """Weighted course grade in percent from (weight, max_score, score or None)
    per published assessment. Ungraded or missing work scores 0."""
    total_weight = sum((Fraction(weight) for weight, _, _ in entries), Fraction(0))
    if total_weight == 0:
        return None
    earned = sum(
        (
            Fraction(weight) * Fraction(score) / Fraction(max_score)
            for weight, max_score, score in entries
            if score is not None
        ),
        Fraction(0),
    )
    return round_half_up(earned / total_weight * 100)


def score_validate(*, assessment: Assessment, score: Decimal) -> Decimal:
    """A grade lies between 0 and the assessment's max_score (400 otherwise)."""
    if score < 0 or score > assessment.max_score:
        raise ValidationFailed(
            "The score is out of range.", {"score": [f"Must be between 0 and {_decimal_str(assessment.max_score)}."]}
        )
    return score


def _decimal_str(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(CENT))


# --- Assessments ------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentListing:
    page: Page
    show_answer_keys: bool


@dataclass(frozen=True)
class AssessmentView:
    assessment: Assessment
    show_answer_keys: bool


def assessment_list(*, actor, course_id: UUID, cursor: str | None = None, limit: int = 20) -> AssessmentListing:
    """The course's assessments in course order with their items. Learners:
    published only, and the caller must render them without answer keys
    (``show_answer_keys`` is False)."""
    access = course_access(actor=actor, course_id=course_id)
    queryset = repositories.assessment_list(course_id=access.course.pk, published_only=not access.teaches)
    page = paginate(queryset, ordering=["position"], cursor=cursor, limit=limit)
    return AssessmentListing(page=page, show_answer_keys=access.teaches)


def assessment_get(*, actor, assessment_id: UUID) -> AssessmentView:
    """One assessment with its items; unpublished ones are 404 for learners."""
    require_user(actor)
    assessment, access = _visible_assessment(actor=actor, assessment=repositories.assessment_with_items(assessment_id))
    return AssessmentView(assessment=assessment, show_answer_keys=access.teaches)


def assessment_set_published(*, actor, assessment_id: UUID, is_published: bool) -> Assessment:
    """Publish or unpublish an assessment. Instructors of the course and staff
    with ``assessment.change_assessment``. Publishing adds its weight to every
    learner's course grade. A change is audited."""
    require_user(actor)
    assessment, access = _visible_assessment(actor=actor, assessment=repositories.assessment_get(assessment_id))
    if not access.teaches:
        raise PermissionDenied("Only the course's instructors and staff publish assessments.")
    if not course_staff_may(actor=actor, access=access, perm="assessment.change_assessment"):
        raise PermissionDenied("Your staff role does not allow publishing assessments.")
    with atomic():
        repositories.assessment_set_published(assessment_id=assessment.pk, is_published=is_published)
        if assessment.is_published != is_published:
            audit_record(
                actor=actor,
                action="publish" if is_published else "unpublish",
                target=assessment,
                changes={"is_published": [assessment.is_published, is_published]},
            )
    assessment.is_published = is_published
    return assessment


# --- Submissions -------------------------------------------------------------------


def submission_create(*, actor, assessment_id: UUID, answers: Any) -> Submission:
    """Hand in answers to a published assessment, once.

    Choice items are graded at once; if every item is a choice item the
    submission is ``graded`` immediately (``graded_by`` null: the machine),
    otherwise it is ``submitted`` with ``auto_score`` recorded until an
    instructor grades it. After ``due_at`` it is accepted and flagged
    ``is_late``. Errors: 404 (unknown or unpublished assessment, invisible
    course), 403 (no active or completed enrollment), 409 ``course_archived``,
    409 ``already_submitted``, 400 ``validation_error`` (answers vs items).
    """
    require_user(actor)
    assessment, access = _visible_assessment(actor=actor, assessment=repositories.assessment_with_items(assessment_id))
    if access.role != "learner" and not learning_repositories.enrollment_is_active(
        user_id=actor.pk, course_id=assessment.course_id
    ):
        raise PermissionDenied("Only enrolled learners hand in assessments.")
    if access.course.status == Course.Status.ARCHIVED:
        raise Conflict(ErrorCode.COURSE_ARCHIVED, "This course is archived; it takes no more submissions.")
    items = list(assessment.items.all())
    normalised = answers_validate(items=items, answers=answers)
    if repositories.submission_exists(user_id=actor.pk, assessment_id=assessment.pk):
        raise Conflict(AssessmentErrorCode.ALREADY_SUBMITTED, "You have already handed in this assessment.")
    now = timezone.now()
    auto_score = answers_auto_score(items=items, answers=normalised, max_score=assessment.max_score)
    graded = is_auto_gradable(items)
    try:
        with atomic():
            # The unique (user, assessment) constraint decides between two
            # concurrent submissions; the loser is translated below.
            submission = repositories.submission_create(
                assessment=assessment,
                course_id=assessment.course_id,
                user=actor,
                answers=normalised,
                auto_score=auto_score,
                score=auto_score if graded else None,
                status=Submission.Status.GRADED if graded else Submission.Status.SUBMITTED,
                graded_at=now if graded else None,
                submitted_at=now,
                is_late=assessment.due_at is not None and now > assessment.due_at,
            )
    except IntegrityError:
        raise Conflict(AssessmentErrorCode.ALREADY_SUBMITTED, "You have already handed in this assessment.") from None
    return submission


def _visible_submission(*, actor, submission_id: UUID) -> tuple[Submission, CourseAccess | None]:
    """The submission if the actor owns it or teaches its course (staff: with
    ``assessment.view_submission``); 404 otherwise, 403 for staff whose role
    does not show submissions."""
    require_user(actor)
    submission = repositories.submission_get(submission_id)
    if submission is None:
        raise NotFound.of("Submission")
    role = course_role(actor=actor, course_id=submission.course_id)
    if role in TEACHING_ROLES:
        access = CourseAccess(course=submission.course, role=role)
        if course_staff_may(actor=actor, access=access, perm="assessment.view_submission"):
            return submission, access
        if submission.user_id != actor.pk:
            raise PermissionDenied("Your staff role does not show submissions.")
    if submission.user_id != actor.pk or submission.course.status == Course.Status.DRAFT:
        raise NotFound.of("Submission")
    return submission, None


def submission_get(*, actor, submission_id: UUID) -> Submission:
    """One submission: its owner, the course's instructors and staff; anyone else 404."""
    submission, _ = _visible_submission(actor=actor, submission_id=submission_id)
    return submission


def submission_grade(*, actor, submission_id: UUID, score: Decimal | None, feedback: str | None = None) -> Submission:
    """Grade (or re-grade, override) a submission: instructors of the course
    and staff; its owner gets 403, anyone else 404. ``score`` lies in
    [0, max_score] (400 otherwise) and may be omitted only to change the
    feedback of a graded submission.

    Side effects: status ``graded``, ``graded_by`` = actor, ``graded_at`` = now.
    """
    submission, access = _visible_submission(actor=actor, submission_id=submission_id)
    if access is None:
        raise PermissionDenied("Only the course's instructors and staff grade submissions.")
    if not course_staff_may(actor=actor, access=access, perm="assessment.grade_submission"):
        raise PermissionDenied("Your staff role does not allow grading.")
    if score is None:
        if submission.score is None:
            raise ValidationFailed("A score is required.", {"score": ["This field is required."]})
        score = submission.score
    score = score_validate(assessment=submission.assessment, score=score)
    changes = {
        "score": score,
        "status": Submission.Status.GRADED,
        "graded_by_id": actor.pk,
        "graded_at": timezone.now(),
        "updated_at": timezone.now(),
    }
    if feedback is not None:
        changes["feedback"] = feedback
    with atomic():
        repositories.submission_record_grade(submission_id=submission.pk, **changes)
        audit_record(
            actor=actor,
            action="grade",
            target=submission,
            changes=diff(
                {"score": submission.score, "status": submission.status, "feedback": submission.feedback},
                {key: changes[key] for key in ("score", "status", "feedback") if key in changes},
            ),
            target_repr=_submission_repr(submission),
        )
    return repositories.submission_get(submission.pk)


def _submission_repr(submission: Submission) -> str:
    return f"{submission.user.email} on {submission.assessment.title}"


def submission_reset(*, actor, submission_id: UUID) -> None:
    """Delete a submission so its learner may hand the assessment in again
    (one submission each otherwise). Instructors of the course and staff; the
    owner gets 403, anyone else 404."""
    submission, access = _visible_submission(actor=actor, submission_id=submission_id)
    if access is None:
        raise PermissionDenied("Only the course's instructors and staff reset submissions.")
    if not course_staff_may(actor=actor, access=access, perm="assessment.grade_submission"):
        raise PermissionDenied("Your staff role does not allow resetting submissions.")
    with atomic():
        repositories.submission_delete(submission.pk)
        audit_record(
            actor=actor,
            action="reset",
            target=submission,
            changes={"status": [submission.status, None], "score": [submission.score, None]},
            target_repr=_submission_repr(submission),
        )


def submission_list_own(*, actor, course_id: UUID | None = None, cursor: str | None = None, limit: int = 20) -> Page:
    """The actor's own submissions, newest first (``course_id`` narrows)."""
    require_user(actor)
    queryset = repositories.submission_list_for_user(user_id=actor.pk, course_id=course_id)
    return paginate(queryset, ordering=["-submitted_at"], cursor=cursor, limit=limit)


def submission_list_for_assessment(
    *, actor, assessment_id: UUID, status: str | None = None, cursor: str | None = None, limit: int = 20
) -> Page:
    """Submissions to one assessment, newest first: everyone's for its
    instructors and staff, the caller's own for learners."""
    require_user(actor)
    assessment, access = _visible_assessment(actor=actor, assessment=repositories.assessment_get(assessment_id))
    sees_all = access.teaches and course_staff_may(actor=actor, access=access, perm="assessment.view_submission")
    queryset = repositories.submission_list_for_assessment(
        assessment_id=assessment.pk, status=status, user_id=None if sees_all else actor.pk
    )
    return paginate(queryset, ordering=["-submitted_at"], cursor=cursor, limit=limit)


# --- Grades -------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeEntry:
    """One published assessment in a learner's grades. ``status`` is
    ``graded``, ``submitted`` (awaiting an instructor; ``score`` is None until
    then) or ``not_submitted``."""

    assessment: Assessment
    submission: Submission | None

    @property
    def assessment_id(self) -> UUID:
        return self.assessment.pk

    @property
    def title(self) -> str:
        return self.assessment.title

    @property
    def weight(self) -> Decimal:
        return self.assessment.weight

    @property
    def max_score(self) -> Decimal:
        return self.assessment.max_score

    @property
    def due_at(self) -> datetime | None:
        return self.assessment.due_at

    @property
    def submission_id(self) -> UUID | None:
        return self.submission.pk if self.submission else None

    @property
    def graded(self) -> bool:
        return self.submission is not None and self.submission.status == Submission.Status.GRADED

    @property
    def score(self) -> Decimal | None:
        return self.submission.score if self.graded else None

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else NOT_SUBMITTED

    @property
    def is_late(self) -> bool:
        return bool(self.submission and self.submission.is_late)


@dataclass(frozen=True)
class LearnerGrades:
    """One learner's grades in a course: every published assessment in course
    order and the weighted course grade (percent, None without published
    weight). ``user`` is the learner (anything with ``id`` and
    ``display_name``). Rendered by ``apps.assessment.outputs.LearnerGradesSerializer``."""

    user: Any
    assessments: list[GradeEntry]
    course_grade: Decimal | None


def _learner_grades(*, user, assessments: list[Assessment], submissions: dict[UUID, Submission]) -> LearnerGrades:
    entries = [GradeEntry(assessment, submissions.get(assessment.pk)) for assessment in assessments]
    grade = course_grade([(entry.weight, entry.max_score, entry.score) for entry in entries])
    return LearnerGrades(user=user, assessments=entries, course_grade=grade)


def grades_for_learner(*, actor, course_id: UUID) -> LearnerGrades:
    """The actor's own grades in a course (404 unknown course, 403 no role).
    Read-only; two queries after the access check."""
    return _grades_for_learner(actor=actor, access=course_access(actor=actor, course_id=course_id))


def _grades_for_learner(*, actor, access: CourseAccess) -> LearnerGrades:
    assessments = repositories.assessments_published(access.course.pk)
    submissions = {
        submission.assessment_id: submission
        for submission in repositories.submissions_of_user_in_course(user_id=actor.pk, course_id=access.course.pk)
    }
    return _learner_grades(user=actor, assessments=assessments, submissions=submissions)


def gradebook_page(*, actor, course_id: UUID, cursor: str | None = None, limit: int = 20) -> Page:
    """One page of the course's gradebook: every enrolled learner (active or
    completed) as ``LearnerGrades``, newest enrollment first, cursor-paginated.
    Instructors of the course and staff (learners 403).

    Cost: a fixed number of queries per page whatever the class size or page
    depth: the access check, the published assessments, one keyset page of
    enrollments (names joined in), and ONE query for all submissions of the
    page's learners, assembled here.
    """
    access = course_access(actor=actor, course_id=course_id)
    _require_gradebook(actor, access)
    return _gradebook_page(access=access, cursor=cursor, limit=limit)


def _require_gradebook(actor, access: CourseAccess) -> None:
    if not access.teaches:
        raise PermissionDenied("Only the course's instructors and staff see every learner's grades.")
    if not course_staff_may(actor=actor, access=access, perm="assessment.view_submission"):
        raise PermissionDenied("Your staff role does not allow reading grades.")


def _gradebook_page(*, access: CourseAccess, cursor: str | None, limit: int) -> Page:
    assessments = repositories.assessments_published(access.course.pk)
    page = paginate(
        learning_repositories.learners_of_course(access.course.pk),
        ordering=["-enrolled_at"],
        cursor=cursor,
        limit=limit,
    )
    by_user: dict[UUID, dict[UUID, Submission]] = {enrollment.user_id: {} for enrollment in page.items}
    if by_user and assessments:
        for submission in repositories.submissions_for_learners(
            course_id=access.course.pk, user_ids=by_user, assessment_ids=[a.pk for a in assessments]
        ):
            by_user[submission.user_id][submission.assessment_id] = submission
    rows = [
        _learner_grades(user=enrollment.user, assessments=assessments, submissions=by_user[enrollment.user_id])
        for enrollment in page.items
    ]
    return Page(items=rows, next_cursor=page.next_cursor)


@dataclass(frozen=True)
class CourseGrades:
    """What ``GET /v1/courses/{id}/grades`` shows this actor: a gradebook
    ``Page`` of ``LearnerGrades`` for instructors and staff, or the learner's
    own ``LearnerGrades``."""

    kind: Literal["learner", "gradebook"]
    learner: LearnerGrades | None = None
    gradebook: Page | None = None


def course_grades(*, actor, course_id: UUID, cursor: str | None = None, limit: int | None = None) -> CourseGrades:
    """Instructors and staff get a gradebook page (``cursor``, ``limit``: 20
    when None); learners their own grades, one object that is not a page: a
    learner who sends ``cursor`` or ``limit`` gets 400 ``validation_error``
    naming them, rather than having them silently ignored."""
    access = course_access(actor=actor, course_id=course_id)
    if access.teaches:
        _require_gradebook(actor, access)
        page_limit = limit if limit is not None else settings.PAGINATION_DEFAULT_LIMIT
        return CourseGrades("gradebook", gradebook=_gradebook_page(access=access, cursor=cursor, limit=page_limit))
    sent = {"cursor": cursor, "limit": limit}
    refused = {name: [LEARNER_GRADES_NOT_PAGED] for name, value in sent.items() if value is not None}
    if refused:
        raise ValidationFailed("A learner's grades are one object, not a page.", refused)
    return CourseGrades("learner", learner=_grades_for_learner(actor=actor, access=access))


LEARNER_GRADES_NOT_PAGED = "Not accepted: a learner's grades are one object (only the gradebook is paginated)."
