"""Catalogue tools: search courses, read one course. Read-only; results as
``GET /v1/courses`` and ``GET /v1/courses/{id}`` render them."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from apps.ai_orchestration.tools.registry import Tool, ToolArguments
from apps.ai_orchestration.tools.results import rendered, renders_page
from apps.catalog import outputs
from apps.catalog import services as catalog_services
from apps.catalog.services import CourseDetail
from apps.learning import services as learning_services


class SearchCoursesArguments(ToolArguments):
    q: str | None = Field(default=None, max_length=200, description="Words to look for in course titles and summaries.")
    level: Literal["beginner", "intermediate", "advanced"] | None = Field(default=None)
    is_free: bool | None = Field(default=None, description="true: free courses only; false: paid courses only.")
    category: str | None = Field(default=None, max_length=120, description="A category slug or id.")
    ordering: Literal["-published_at", "title", "-title", "price", "-price"] = Field(
        default="-published_at", description="Newest first by default."
    )
    cursor: str | None = Field(default=None, max_length=500, description="next_cursor of a previous result.")
    limit: int = Field(default=10, ge=1, le=20)


class GetCourseArguments(ToolArguments):
    course_id: UUID


def _course_detail(detail: CourseDetail) -> dict:
    # As GET /v1/courses/{id}: who may read a lesson's content travels in the context.
    return rendered(outputs.CourseDetailSerializer, detail.course, detail=detail)


TOOLS = [
    Tool(
        name="search_courses",
        description=(
            "Search the published course catalogue by words, level, price (free/paid) and category. "
            "Returns courses with ids, titles, levels and prices."
        ),
        arguments=SearchCoursesArguments,
        service=catalog_services.course_search,
        serialize=renders_page(outputs.CourseSerializer),
        mutates=False,
    ),
    Tool(
        name="get_course",
        description="Details of one course: summary, price, seats left, enrollment window, instructors and outline.",
        arguments=GetCourseArguments,
        # Learning's: it adds what catalog cannot know (is the caller enrolled?).
        service=learning_services.course_detail,
        serialize=_course_detail,
        mutates=False,
    ),
]
