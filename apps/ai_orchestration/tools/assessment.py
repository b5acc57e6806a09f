"""Assessment tools: the caller's own grades in a course. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from apps.ai_orchestration.tools.registry import Tool, ToolArguments
from apps.ai_orchestration.tools.results import rendered
from apps.assessment import outputs
from apps.assessment import services as assessment_services
from apps.assessment.services import LearnerGrades
from apps.catalog import services as catalog_services
from apps.catalog.models import Course
from apps.catalog.outputs import CourseBriefSerializer


class MyGradesArguments(ToolArguments):
    course_id: UUID


@dataclass(frozen=True)
class CourseLearnerGrades:
    course: Course
    grades: LearnerGrades


def my_grades(*, actor, course_id: UUID) -> CourseLearnerGrades:
    """The caller's grades with the course named. ``grades_for_learner`` checks
    access first (404 unknown course, 403 not enrolled), so the course read
    after it can only succeed."""
    grades = assessment_services.grades_for_learner(actor=actor, course_id=course_id)
    course = catalog_services.course_get_visible(actor=actor, course_id=course_id)
    return CourseLearnerGrades(course=course, grades=grades)


def _grades_json(value: CourseLearnerGrades) -> dict:
    # The learner body of GET /v1/courses/{id}/grades, with the course named.
    return {
        "course": rendered(CourseBriefSerializer, value.course),
        **rendered(outputs.LearnerGradesSerializer, value.grades),
    }


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
        serialize=_grades_json,
        mutates=False,
    ),
]
