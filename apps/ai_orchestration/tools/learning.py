"""Learning tools: enroll, list and cancel the caller's enrollments, progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from apps.ai_orchestration.tools.registry import Tool, ToolArguments
from apps.ai_orchestration.tools.results import rendered, renders, renders_page
from apps.catalog.outputs import CourseBriefSerializer
from apps.learning import outputs
from apps.learning import repositories as learning_repositories
from apps.learning import services as learning_services
from apps.learning.models import Enrollment
from apps.learning.services import ProgressReport
from deltalabs.errors import NotFound


class EnrollArguments(ToolArguments):
    course_id: UUID
    waitlist: bool = Field(default=False, description="If the course is full, join its waitlist instead.")
    sponsorship_code: str | None = Field(default=None, max_length=64, description="A sponsor's code, if any.")


class MyEnrollmentsArguments(ToolArguments):
    status: Literal["active", "waitlisted", "completed", "cancelled"] | None = None
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=20, ge=1, le=50)


class MyProgressArguments(ToolArguments):
    """Exactly one of the two: the enrollment, or the course it is in."""

    enrollment_id: UUID | None = None
    course_id: UUID | None = Field(default=None, description="The course; your enrollment in it is used.")

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.enrollment_id is None) == (self.course_id is None):
            raise ValueError("Give exactly one of enrollment_id and course_id.")
        return self


class CancelEnrollmentArguments(ToolArguments):
    enrollment_id: UUID


@dataclass(frozen=True)
class EnrollmentProgress:
    enrollment: Enrollment
    report: ProgressReport


def my_progress(*, actor, enrollment_id: UUID | None, course_id: UUID | None) -> EnrollmentProgress:
    """Progress of one of the caller's enrollments, named by id or by course.

    By course, only the caller's own current enrollment is looked up; by id,
    ``enrollment_get`` answers 404 for anyone else's. The report itself comes
    from ``enrollment_progress`` (which checks ownership again).
    """
    if enrollment_id is None:
        own = learning_repositories.enrollment_current(user_id=actor.pk, course_id=course_id)
        if own is None:
            raise NotFound.of("Enrollment")
        enrollment_id = own.pk
    enrollment = learning_services.enrollment_get(actor=actor, enrollment_id=enrollment_id)
    report = learning_services.enrollment_progress(actor=actor, enrollment_id=enrollment.pk)
    return EnrollmentProgress(enrollment=enrollment, report=report)


def _progress_json(progress: EnrollmentProgress) -> dict:
    # The body of GET /v1/enrollments/{id}/progress, with the course named (as my_grades does).
    return {
        **rendered(outputs.ProgressSerializer, progress.report),
        "course": rendered(CourseBriefSerializer, progress.enrollment.course),
    }


TOOLS = [
    Tool(
        name="enroll",
        description=(
            "Enroll the user in a course (free courses, or with a sponsorship code). Paid courses answer "
            "payment_required: add them to the cart instead. A full course answers course_full unless "
            "waitlist is true."
        ),
        arguments=EnrollArguments,
        service=learning_services.enrollment_create,
        serialize=renders(outputs.EnrollmentSerializer),
        mutates=True,
        idempotency_key_required=True,
    ),
    Tool(
        name="my_enrollments",
        description="The user's own enrollments, newest first, optionally of one status.",
        arguments=MyEnrollmentsArguments,
        service=learning_services.enrollment_list,
        serialize=renders_page(outputs.EnrollmentSerializer),
        mutates=False,
    ),
    Tool(
        name="my_progress",
        description="The user's progress (lessons completed, percent) in one of their enrollments.",
        arguments=MyProgressArguments,
        service=learning_services.enrollment_progress,
        call=my_progress,
        serialize=_progress_json,
        mutates=False,
    ),
    Tool(
        name="cancel_enrollment",
        description="Cancel one of the user's active or waitlisted enrollments (frees the seat).",
        arguments=CancelEnrollmentArguments,
        service=learning_services.enrollment_cancel,
        serialize=renders(outputs.EnrollmentSerializer),
        mutates=True,
    ),
]
