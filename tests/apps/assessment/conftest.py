"""A published course with its people (shared with the other course-scoped apps)."""

from tests.apps.course_members import (  # noqa: F401 - fixtures are found by name
    classmate,
    course,
    instructor,
    instructor_client,
    learner,
    learner_client,
    outsider,
)
