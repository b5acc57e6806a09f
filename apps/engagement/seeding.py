"""Demo Q&A: questions on every published course with learners, answers by
classmates and instructors, some accepted, one in ten answers hidden by
moderation.

Idempotent per course: a course that has questions already is skipped, and
each chunk of courses is written in one transaction, so an interrupted run
leaves no half-seeded course. Threads are demo content for demo courses: once
any question exists, only courses the catalog seeder created in this run get
threads (a larger ``--size``), never a course people have used since, whose
learners (maybe someone who just registered) would otherwise become authors. Answers get their ids before insertion, so a
question can point at its accepted answer in the same bulk insert.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from apps.catalog.models import Course, CourseInstructor, Lesson
from apps.engagement.models import Answer, Question
from apps.learning.models import Enrollment
from deltalabs.db import atomic
from deltalabs.seeding import SeedContext

CHUNK = 25
LEARNERS_PER_COURSE = 40

TOPICS = [
    ("Setting up the environment", "The install step fails on my machine with a permissions error. What did I miss?"),
    ("Difference between the two approaches", "Lesson 2 shows two ways to do this. When should I prefer one?"),
    ("Is the exercise solution correct?", "My result differs from the video by a small amount. Rounding?"),
    ("Recommended further reading", "Which book or paper would you suggest after this module?"),
    ("Stuck on the lab", "The lab instructions mention a file I cannot find in the resources."),
    ("Grading of the project", "Is the project graded on the final result only, or on the report too?"),
    ("Deadline question", "Can we still hand in the assignment after the due date?"),
]
ANSWERS = [
    "I had the same problem; restarting the kernel fixed it for me.",
    "Check the resources tab: the file is in the second section's downloads.",
    "It is rounding: the video uses two decimals, the notebook four.",
    "Good question! Both work; the second scales better with large inputs.",
    "Late work is accepted but flagged as late; see the course policy.",
]
INSTRUCTOR_ANSWERS = [
    "Thanks for asking. The short answer: use the first approach until you need the second.",
    "Confirmed: the notebook is right. I will update the video caption.",
    "Yes, the report counts for half of the project grade.",
]


def seed(ctx: SeedContext) -> None:
    seeded = set(Question.objects.values_list("course_id", flat=True).distinct())
    fresh = ctx.created_ids(Course)
    first_run = not seeded
    course_ids = [
        pk
        for pk in Course.objects.filter(status=Course.Status.PUBLISHED).order_by("slug").values_list("pk", flat=True)
        if pk not in seeded and (first_run or pk in fresh)
    ]
    if not course_ids:
        return
    instructors = defaultdict(list)
    for course_id, user_id in CourseInstructor.objects.filter(course_id__in=course_ids).values_list(
        "course_id", "user_id"
    ):
        instructors[course_id].append(user_id)
    lessons = defaultdict(list)
    for course_id, lesson_id in Lesson.objects.filter(course_id__in=course_ids).values_list("course_id", "pk"):
        lessons[course_id].append(lesson_id)

    questions: list[Question] = []
    answers: list[Answer] = []
    for start in range(0, len(course_ids), CHUNK):
        chunk = course_ids[start : start + CHUNK]
        for course_id in ctx.progress(chunk, desc="q&a courses"):
            learners = list(
                Enrollment.objects.filter(
                    course_id=course_id, status__in=(Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED)
                )
                .order_by("enrolled_at", "id")
                .values_list("user_id", flat=True)[:LEARNERS_PER_COURSE]
            )
            if not learners:
                continue
            _course_threads(ctx, course_id, learners, instructors[course_id], lessons[course_id], questions, answers)
        with atomic():
            ctx.bulk_create(Question, questions, desc="questions")
            ctx.bulk_create(Answer, answers, desc="answers")
        questions, answers = [], []


def _course_threads(ctx, course_id, learners, teachers, lesson_ids, questions, answers) -> None:
    rng = ctx.rng
    now = timezone.now()
    for number in range(ctx.scale.questions_per_course):
        title, body = TOPICS[(number + rng.randrange(len(TOPICS))) % len(TOPICS)]
        author = rng.choice(learners)
        question = Question(
            course_id=course_id,
            author_id=author,
            title=title,
            body=body,
            lesson_id=rng.choice(lesson_ids) if lesson_ids and rng.random() < 0.6 else None,
        )
        thread: list[Answer] = []
        for reply in range(rng.randint(0, 3)):
            by_teacher = bool(teachers) and (reply == 0 and rng.random() < 0.5)
            thread.append(
                Answer(
                    question=question,
                    course_id=course_id,
                    author_id=rng.choice(teachers)
                    if by_teacher
                    else rng.choice([u for u in learners if u != author] or learners),
                    body=rng.choice(INSTRUCTOR_ANSWERS if by_teacher else ANSWERS),
                    is_instructor=by_teacher,
                    is_hidden=rng.random() < 0.1,
                )
            )
        for answer in thread:
            if answer.is_hidden:
                answer.hidden_at = now
        visible = [answer for answer in thread if not answer.is_hidden]
        question.answer_count = len(visible)
        if visible and rng.random() < 0.5:
            question.accepted_answer_id = next((a.pk for a in visible if a.is_instructor), visible[0].pk)
        questions.append(question)
        answers.extend(thread)
