"""Background jobs of the learning domain: enrollment emails.

Queued on commit by the services with an enrollment id. Idempotent: each
email is sent at most once per event (``send_once`` keys), and a job that
finds the enrollment no longer in the state it announces sends nothing.
"""

from __future__ import annotations

from uuid import UUID

from apps.learning import repositories
from apps.learning.models import Enrollment
from deltalabs.emails import send_once
from deltalabs.tasks import idempotent_task


def _context(enrollment: Enrollment) -> dict:
    return {
        "display_name": enrollment.user.display_name,
        "course_title": enrollment.course.title,
        "course_slug": enrollment.course.slug,
        "enrollment_id": str(enrollment.pk),
    }


@idempotent_task(name="apps.learning.tasks.send_waitlist_promotion_email")
def send_waitlist_promotion_email(enrollment_id: str) -> bool:
    """Tell a learner they moved from the waitlist into the course."""
    enrollment = repositories.enrollment_for_email(UUID(enrollment_id))
    if enrollment is None or enrollment.status not in repositories.ACCESS_STATUSES:
        return False  # cancelled again before we got to it: nothing to announce
    return send_once(
        key=f"waitlist-promoted:{enrollment.pk}",
        template="learning/waitlist_promoted",
        to=enrollment.user.email,
        context=_context(enrollment),
    )


@idempotent_task(name="apps.learning.tasks.send_completion_email")
def send_completion_email(enrollment_id: str) -> bool:
    """Congratulate a learner who completed every lesson of a course."""
    enrollment = repositories.enrollment_for_email(UUID(enrollment_id))
    if enrollment is None or enrollment.status != Enrollment.Status.COMPLETED:
        return False
    return send_once(
        key=f"course-completed:{enrollment.pk}",
        template="learning/course_completed",
        to=enrollment.user.email,
        context=_context(enrollment),
    )
