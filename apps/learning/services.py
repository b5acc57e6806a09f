"""Learning use cases: enrollments, seats, waitlists, progress.

Also answers "who is this person to this course?" for the domains above
learning (engagement, assessment, labs, commerce).
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from apps.catalog import repositories as catalog_repositories
from apps.identity.services import is_staff
from apps.learning import repositories

CourseRole = Literal["staff", "instructor", "learner"]


def course_role(*, actor, course_id: UUID) -> CourseRole | None:
    """The actor's strongest role on the course: staff, instructor, enrolled
    learner (active or completed), or None."""
    if is_staff(actor):
        return "staff"
    if actor is None or not actor.is_authenticated:
        return None
    if catalog_repositories.course_is_instructor(user_id=actor.pk, course_id=course_id):
        return "instructor"
    if repositories.enrollment_is_active(user_id=actor.pk, course_id=course_id):
        return "learner"
    return None
