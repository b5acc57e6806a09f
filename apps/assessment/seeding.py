"""Demo assessments: on every published course a graded quiz (choice items), a
project (choice and free-text items) and, on every other course, a final quiz
still unpublished; submissions from most enrolled learners: quizzes graded at
once (some late), projects half graded by an instructor and half waiting in
the grading queue.

Scores come from the same functions the API uses (``answers_validate``,
``answers_auto_score``). Idempotent per course: a course with assessments is
skipped; each chunk of courses is written in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.assessment import services
from apps.assessment.models import Assessment, AssessmentItem, Submission
from apps.catalog.models import Course, CourseInstructor
from apps.learning.models import Enrollment
from deltalabs.db import atomic
from deltalabs.seeding import SeedContext

CHUNK = 20

QUIZ_ITEMS = [
    ("Which statement describes the module's main idea?", ["A detail", "The main idea", "A side note", "None"], [1]),
    ("Pick the correct order of steps.", ["Plan, build, test", "Test, plan, build", "Build, test, plan"], [0]),
    ("Which of these are valid inputs? (two answers)", ["0", "-1", "an empty list", "null"], [0, 2]),
    ("What does the last lesson's example print?", ["1", "2", "3", "an error"], [2]),
]
PROJECT_CHOICE = ("Which tool did you use for the analysis?", ["Spreadsheet", "Notebook", "Other"], [1])
PROJECT_TEXT = "Describe your project, the decisions you made and what you would do differently (300 words)."
ESSAYS = [
    "I built a small pipeline that cleans the data first; next time I would test earlier.",
    "My project compares two approaches; the second was faster but harder to read.",
    "I followed the lab closely and documented each step with screenshots.",
]
FEEDBACK = ["Clear and well argued.", "Good work; cite your sources next time.", "Solid, but the conclusion is thin."]


def seed(ctx: SeedContext) -> None:
    seeded = set(Assessment.objects.values_list("course_id", flat=True).distinct())
    course_ids = [
        pk
        for pk in Course.objects.filter(status=Course.Status.PUBLISHED).order_by("slug").values_list("pk", flat=True)
        if pk not in seeded
    ]
    if not course_ids:
        return
    instructors = defaultdict(list)
    for course_id, user_id in CourseInstructor.objects.filter(course_id__in=course_ids).values_list(
        "course_id", "user_id"
    ):
        instructors[course_id].append(user_id)
    for start in range(0, len(course_ids), CHUNK):
        chunk = course_ids[start : start + CHUNK]
        learners = defaultdict(list)
        for course_id, user_id in Enrollment.objects.filter(
            course_id__in=chunk, status__in=(Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED)
        ).values_list("course_id", "user_id"):
            learners[course_id].append(user_id)
        assessments, items, submissions = [], [], []
        for offset, course_id in enumerate(chunk):
            _course_assessments(
                ctx,
                course_id,
                number=start + offset,
                learners=learners[course_id],
                teachers=instructors[course_id],
                out=(assessments, items, submissions),
            )
        with atomic():
            ctx.bulk_create(Assessment, assessments, desc="assessments")
            ctx.bulk_create(AssessmentItem, items, desc="assessment items")
            ctx.bulk_create(Submission, submissions, desc="submissions")


def _course_assessments(ctx, course_id, *, number: int, learners: list, teachers: list, out) -> None:
    assessments, items, submissions = out
    rng = ctx.rng
    now = timezone.now()
    quiz = Assessment(
        course_id=course_id,
        title="Quiz 1: foundations",
        kind=Assessment.Kind.QUIZ,
        weight=Decimal("30"),
        max_score=Decimal("10"),
        due_at=now - timedelta(days=7),
        is_published=True,
        position=1,
    )
    project = Assessment(
        course_id=course_id,
        title="Project report",
        kind=Assessment.Kind.ASSIGNMENT,
        weight=Decimal("50"),
        max_score=Decimal("20"),
        due_at=now + timedelta(days=14),
        is_published=True,
        position=2,
    )
    final = Assessment(
        course_id=course_id,
        title="Final quiz",
        kind=Assessment.Kind.QUIZ,
        weight=Decimal("20"),
        max_score=Decimal("10"),
        due_at=now + timedelta(days=45),
        is_published=number % 2 == 1,  # every other course still drafting it
        position=3,
    )
    assessments.extend([quiz, project, final])
    quiz_items = [
        AssessmentItem(assessment=quiz, position=i, kind="choice", prompt=p, choices=c, answer_key=k, points=1)
        for i, (p, c, k) in enumerate(QUIZ_ITEMS)
    ]
    prompt, choices, key = PROJECT_CHOICE
    project_items = [
        AssessmentItem(
            assessment=project, position=0, kind="choice", prompt=prompt, choices=choices, answer_key=key, points=2
        ),
        AssessmentItem(assessment=project, position=1, kind="text", prompt=PROJECT_TEXT, answer_key=None, points=8),
    ]
    final_items = [
        AssessmentItem(assessment=final, position=i, kind="choice", prompt=p, choices=c, answer_key=k, points=1)
        for i, (p, c, k) in enumerate(reversed(QUIZ_ITEMS))
    ]
    items.extend(quiz_items + project_items + final_items)

    for user_id in learners:
        if rng.random() < 0.75:
            answers = {str(item.pk): _pick(rng, item) for item in quiz_items if rng.random() < 0.95}
            answers = services.answers_validate(items=quiz_items, answers=answers)
            score = services.answers_auto_score(items=quiz_items, answers=answers, max_score=quiz.max_score)
            late = rng.random() < 0.1
            submitted_at = quiz.due_at + (
                timedelta(hours=rng.randint(1, 48)) if late else -timedelta(days=rng.randint(1, 10))
            )
            submissions.append(
                Submission(
                    assessment=quiz,
                    course_id=course_id,
                    user_id=user_id,
                    answers=answers,
                    auto_score=score,
                    score=score,
                    status=Submission.Status.GRADED,
                    graded_at=submitted_at,
                    submitted_at=submitted_at,
                    is_late=late,
                )
            )
        if rng.random() < 0.45:
            answers = services.answers_validate(
                items=project_items,
                answers={
                    str(project_items[0].pk): _pick(rng, project_items[0]),
                    str(project_items[1].pk): rng.choice(ESSAYS),
                },
            )
            auto = services.answers_auto_score(items=project_items, answers=answers, max_score=project.max_score)
            submitted_at = now - timedelta(days=rng.randint(0, 5), hours=rng.randint(0, 23))
            graded = bool(teachers) and rng.random() < 0.5
            submissions.append(
                Submission(
                    assessment=project,
                    course_id=course_id,
                    user_id=user_id,
                    answers=answers,
                    auto_score=auto,
                    score=min(project.max_score, auto + Decimal(rng.randint(8, 32)) / 2) if graded else None,
                    status=Submission.Status.GRADED if graded else Submission.Status.SUBMITTED,
                    graded_by_id=rng.choice(teachers) if graded else None,
                    graded_at=submitted_at + timedelta(hours=6) if graded else None,
                    feedback=rng.choice(FEEDBACK) if graded else "",
                    submitted_at=submitted_at,
                )
            )


def _pick(rng, item: AssessmentItem) -> list[int]:
    """Right three times in four, otherwise a random choice."""
    if rng.random() < 0.75:
        return list(item.answer_key)
    return [rng.randrange(len(item.choices))]
