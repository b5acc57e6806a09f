"""Learning's answers to the events of the domains below it (catalog).

Connected in ``LearningConfig.ready``; each receiver is a thin call into a
service, which holds the rule.
"""

from __future__ import annotations

from apps.learning import services


def fill_waitlist(sender, *, course_id, **kwargs) -> None:
    """``apps.catalog.signals.course_capacity_changed``: give the seats a new
    capacity freed to waitlisted learners, in the sender's transaction."""
    services.waitlist_fill(course_id=course_id)
