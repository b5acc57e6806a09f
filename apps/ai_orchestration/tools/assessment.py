"""Assessment tools: the caller's own grades in a course. Read-only."""

from __future__ import annotations

from uuid import UUID

from apps.ai_orchestration.tools.registry import Tool, ToolArguments
from apps.ai_orchestration.tools.results import plain
from apps.assessment import services as assessment_services
from apps.catalog import services as catalog_services


class MyGradesArguments(ToolArguments):
    course_id: UUID


def my_grades(*, actor, course_id: UUID) -> dict:
    """The caller's grades with the course named. ``grades_for_learner`` checks
    access first (404 unknown course, 403 not enrolled), so the course read
    after it can only succeed."""
    grades = assessment_services.grades_for_learner(actor=actor, course_id=course_id)
    course = catalog_services.course_get_visible(actor=actor, course_id=course_id)
    return {"course": {"id": course.id, "slug": course.slug, "title": course.title}, **grades}


TOOLS = [
    Tool(
        name="my_grades",
        description=(
            "The user's own scores in a course: each assessment's score and status, and the weighted course "
            "grade (percent)."
        ),
        arguments=MyGradesArguments,
        service=assessment_services.grades_for_learner,
        call=my_grades,
        serialize=plain,
        mutates=False,
    ),
]
