"""Demo enrollments and progress, by size (large: 25,000 learners x 5 courses).

Bulk learners enroll in published, open courses with unlimited seats; the
showcase courses get hand-made state: a workshop with free seats, a full
course with a waitlist (positions 1..n), a completed course for the demo
learner. Idempotent by the natural key (learner, course): a pair that already
has a current enrollment is skipped, and progress is written only for
enrollments created in this run. Afterwards every course's ``seats_taken``
and ``waitlist_length`` are recomputed from its enrollments, so the counters
match the rows whatever existed before.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from apps.catalog import repositories as catalog_repositories
from apps.catalog.models import Course, Lesson
from apps.catalog.seeding import CLOSED_COURSE_SLUG, FREE_COURSE_SLUG, FULL_COURSE_SLUG, SHOWCASE, WORKSHOP_SLUG
from apps.identity.models import User
from apps.identity.seeding import LEARNER_DOMAIN
from apps.learning.models import Enrollment, LessonProgress
from deltalabs.seeding import SeedContext

Status = Enrollment.Status
Source = Enrollment.Source
SHOWCASE_SLUGS = {spec.slug for spec in SHOWCASE}


def seed(ctx: SeedContext) -> None:
    now = timezone.now()
    learners = list(
        User.objects.filter(email__endswith=f"@{LEARNER_DOMAIN}").order_by("email").values_list("id", flat=True)
    )
    if not learners:
        return
    courses = {course.slug: course for course in Course.objects.filter(status=Course.Status.PUBLISHED)}
    lessons_by_course = _lessons_by_course()
    # Any row for a (learner, course) pair, cancelled or not, means "seeded already".
    seeded = set(Enrollment.objects.values_list("user_id", "course_id"))
    new: list[Enrollment] = []
    # Our own generator: the shared one's state depends on what earlier seeders
    # had to create, and a re-run must make the same choices to find its rows.
    rng = random.Random(f"learning-{ctx.size}")  # noqa: S311 - demo data

    def add(user_id, course, status, *, source=Source.SELF, position=None, days_ago=None) -> Enrollment | None:
        # Draw before the skip check, so skipping never shifts later choices.
        days = rng.randint(1, 300)
        days_to_finish = rng.randint(1, 30)
        if (user_id, course.pk) in seeded:
            return None
        seeded.add((user_id, course.pk))
        enrolled_at = now - timedelta(days=days_ago if days_ago is not None else days)
        enrollment = Enrollment(
            user_id=user_id,
            course_id=course.pk,
            status=status,
            source=source,
            enrolled_at=enrolled_at,
            waitlist_position=position,
            completed_at=enrolled_at + timedelta(days=days_to_finish) if status == Status.COMPLETED else None,
        )
        if status == Status.CANCELLED:
            enrollment.cancelled_at = enrolled_at + timedelta(days=1)
            enrollment.cancellation_reason = "learner"
        new.append(enrollment)
        return enrollment

    _showcase(learners, courses, add)

    pool = [
        course
        for slug, course in sorted(courses.items())
        if slug not in SHOWCASE_SLUGS and course.capacity is None and course.enrollment_closes_at is None
    ]
    per_learner = min(ctx.scale.enrollments_per_learner, len(pool))
    for user_id in ctx.progress(learners, total=len(learners), desc="enrollments"):
        for course in rng.sample(pool, per_learner):
            roll = rng.random()
            status = Status.COMPLETED if roll < 0.1 else Status.CANCELLED if roll < 0.14 else Status.ACTIVE
            add(user_id, course, status, source=Source.SELF if course.is_free else Source.ORDER)

    ctx.bulk_create(Enrollment, new, desc="enrollments", batch_size=5_000)
    ctx.bulk_create(LessonProgress, _progress(rng, new, lessons_by_course), desc="progress", batch_size=5_000)
    _recount(ctx)


def _showcase(learners: list, courses: dict, add) -> None:
    """Hand-made state for the demo: the demo learner is ``learners[0]``."""
    demo = learners[0]
    others = learners[1:]
    if FREE_COURSE_SLUG in courses:
        add(demo, courses[FREE_COURSE_SLUG], Status.ACTIVE, days_ago=20)
        for user_id in others[:10]:
            add(user_id, courses[FREE_COURSE_SLUG], Status.ACTIVE)
    workshop = courses.get(WORKSHOP_SLUG)
    if workshop is not None:
        # Free seats left: about half the dozen are taken.
        for user_id in [demo, *others[:4]]:
            add(user_id, workshop, Status.ACTIVE, days_ago=5)
    full = courses.get(FULL_COURSE_SLUG)
    if full is not None:
        takers = others[4 : 4 + (full.capacity or 0)]
        for user_id in takers:
            add(user_id, full, Status.ACTIVE, days_ago=30)
        if len(takers) == full.capacity:
            waiting = [*others[4 + len(takers) : 4 + len(takers) + 2], demo]
            for position, user_id in enumerate(waiting, start=1):
                add(user_id, full, Status.WAITLISTED, position=position, days_ago=10 - position)
    closed = courses.get(CLOSED_COURSE_SLUG)
    if closed is not None:
        # Bought before the window closed.
        for user_id in others[:6]:
            add(user_id, closed, Status.ACTIVE, source=Source.ORDER, days_ago=40)
    completed = next((course for slug, course in sorted(courses.items()) if slug not in SHOWCASE_SLUGS), None)
    if completed is not None:
        add(demo, completed, Status.COMPLETED, days_ago=90)


def _lessons_by_course() -> dict:
    lessons: dict = {}
    rows = Lesson.objects.order_by("course_id", "section__position", "position").values_list("course_id", "id")
    for course_id, lesson_id in rows:
        lessons.setdefault(course_id, []).append(lesson_id)
    return lessons


def _progress(rng: random.Random, enrollments: list[Enrollment], lessons_by_course: dict) -> list[LessonProgress]:
    """Completed enrollments: every lesson. Active ones: often the first few."""
    rows: list[LessonProgress] = []
    for enrollment in enrollments:
        lessons = lessons_by_course.get(enrollment.course_id, [])
        if enrollment.status == Status.COMPLETED:
            done = len(lessons)
        elif enrollment.status == Status.ACTIVE and rng.random() < 0.5:
            done = rng.randint(1, max(1, len(lessons) // 2))
        else:
            done = 0
        for offset, lesson_id in enumerate(lessons[:done]):
            completed_at = enrollment.enrolled_at + timedelta(hours=6 * (offset + 1))
            if enrollment.completed_at:
                completed_at = min(completed_at, enrollment.completed_at)
            rows.append(
                # Ids, not objects: the relation descriptors cost more than the rest of the row.
                LessonProgress(
                    enrollment_id=enrollment.pk, lesson_id=lesson_id, completed=True, completed_at=completed_at
                )
            )
    return rows


def _recount(ctx: SeedContext) -> None:
    """Make every course's counters match its enrollments (seats: active, completed and
    the pending holds of orders still settling, as the services count them)."""
    seats = dict(
        Enrollment.objects.filter(status__in=[Status.ACTIVE, Status.COMPLETED, Status.PENDING])
        .values("course_id")
        .annotate(n=Count("id"))
        .values_list("course_id", "n")
    )
    waiting = dict(
        Enrollment.objects.filter(status=Status.WAITLISTED)
        .values("course_id")
        .annotate(n=Count("id"))
        .values_list("course_id", "n")
    )
    # The counters are catalog's: recounted here, written through its repository.
    for course_id, seats_taken, waitlist_length in catalog_repositories.course_counters():
        taken, queued = seats.get(course_id, 0), waiting.get(course_id, 0)
        if (seats_taken, waitlist_length) != (taken, queued):
            catalog_repositories.course_counters_reset(course_id=course_id, seats_taken=taken, waitlist_length=queued)
