"""Learning queries. No rules, no permissions."""

from __future__ import annotations

from uuid import UUID

from apps.learning.models import Enrollment

# Statuses that give a learner access to course material.
ACCESS_STATUSES = (Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED)


def enrollment_is_active(*, user_id: UUID, course_id: UUID) -> bool:
    """True when the user is enrolled (active or completed) in the course."""
    return Enrollment.objects.filter(user_id=user_id, course_id=course_id, status__in=ACCESS_STATUSES).exists()
