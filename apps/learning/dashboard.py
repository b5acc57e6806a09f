"""Learning and catalogue figures for the staff dashboard (registered from LearningConfig.ready)."""

from __future__ import annotations

from datetime import datetime

from apps.catalog import repositories as catalog_repositories
from apps.learning import repositories
from deltalabs import dashboard


def enrollments_per_week(now: datetime) -> list[tuple[str, float]]:
    starts = dashboard.week_starts(now)
    counts = repositories.enrollments_per_period(starts, now)
    return [(start.strftime("%d %b"), count) for start, count in zip(starts, counts, strict=True)]


def register() -> None:
    dashboard.register_number(
        "active_learners", "Active learners", lambda now: repositories.learners_with_active_enrollment_count(), order=10
    )
    dashboard.register_number(
        "enrollments", "Enrollments (current)", lambda now: repositories.enrollments_current_count(), order=20
    )
    dashboard.register_chart("enrollments_per_week", "Enrollments per week", enrollments_per_week, order=10)
    dashboard.register_chart(
        "top_courses",
        "Top courses by learners",
        lambda now: catalog_repositories.courses_most_enrolled(),
        kind="rows",
        order=40,
    )
