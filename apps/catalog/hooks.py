"""Hooks that let the learning domain (a higher layer) answer catalog questions.

Catalog must not import learning. ``LearningConfig.ready()`` registers:

- the enrollment checker: ``fn(*, user_id, course_id) -> bool`` answering "is
  this user enrolled (active or completed)?" for lesson content and resources;
- the seats-freed listener: ``fn(*, course_id) -> None``, called inside the
  transaction that raised a course's capacity, so waitlisted learners are
  promoted into the new seats.

Without registrations (catalog used alone) nobody is enrolled and nothing is
promoted.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

EnrollmentChecker = Callable[..., bool]
SeatsFreedListener = Callable[..., None]

_enrollment_checker: EnrollmentChecker | None = None
_seats_freed_listeners: list[SeatsFreedListener] = []


def register_enrollment_checker(fn: EnrollmentChecker) -> None:
    global _enrollment_checker
    _enrollment_checker = fn


def register_seats_freed_listener(fn: SeatsFreedListener) -> None:
    if fn not in _seats_freed_listeners:
        _seats_freed_listeners.append(fn)


def is_enrolled(*, user_id: UUID, course_id: UUID) -> bool:
    if _enrollment_checker is None:
        return False
    return _enrollment_checker(user_id=user_id, course_id=course_id)


def seats_freed(*, course_id: UUID) -> None:
    for listener in _seats_freed_listeners:
        listener(course_id=course_id)
