"""The demo seed: every showcase state exists, counters match rows, re-runs create nothing."""

import pytest
from django.db.models import Count
from django.utils import timezone

from apps.catalog import seeding as catalog_seeding
from apps.catalog.models import Course, Lesson
from apps.identity import seeding as identity_seeding
from apps.learning import seeding as learning_seeding
from apps.learning.models import Enrollment, LessonProgress
from deltalabs.seeding import SeedContext

pytestmark = pytest.mark.django_db


def run_seeders() -> SeedContext:
    ctx = SeedContext(size="small", show_progress=False)
    for module in (identity_seeding, catalog_seeding, learning_seeding):
        module.seed(ctx)
    return ctx


def test_small_seed_shows_every_feature_and_is_idempotent():
    # given a first run
    run_seeders()
    courses = {course.slug: course for course in Course.objects.all()}

    # then the showcase is there: free and paid, a small workshop with free seats,
    # a full course with a waitlist, a closed window, a draft
    assert any(c.is_free and c.status == "published" for c in courses.values())
    assert any(not c.is_free and c.status == "published" for c in courses.values())
    workshop = courses[catalog_seeding.WORKSHOP_SLUG]
    assert workshop.capacity == 12 and 0 < workshop.seats_taken < 12
    full = courses[catalog_seeding.FULL_COURSE_SLUG]
    assert full.seats_taken == full.capacity and full.waitlist_length == 3
    positions = sorted(
        Enrollment.objects.filter(course=full, status="waitlisted").values_list("waitlist_position", flat=True)
    )
    assert positions == [1, 2, 3]
    closed = courses[catalog_seeding.CLOSED_COURSE_SLUG]
    assert closed.enrollment_closes_at is not None and closed.enrollment_closes_at < timezone.now()
    assert any(c.status == "draft" for c in courses.values())
    assert set(Lesson.objects.values_list("kind", flat=True)) == {"video", "reading", "lab", "quiz"}
    assert Lesson.objects.filter(is_preview=True).exists()
    assert Enrollment.objects.filter(status="completed").exists()
    assert LessonProgress.objects.exists()

    # and every course's counters match its enrollments
    seats = dict(
        Enrollment.objects.filter(status__in=["active", "completed"])
        .values("course_id")
        .annotate(n=Count("id"))
        .values_list("course_id", "n")
    )
    for course in Course.objects.all():
        assert course.seats_taken == seats.get(course.pk, 0), course.slug
        assert course.capacity is None or course.seats_taken <= course.capacity

    # when it runs again, nothing new is created
    again = run_seeders()
    assert {label: count for label, count in again.counts.items() if count} == {}
