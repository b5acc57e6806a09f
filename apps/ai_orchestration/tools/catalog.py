"""Catalogue tools: search courses, read one course. Read-only."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from apps.ai_orchestration.tools.registry import Tool, ToolArguments
from apps.ai_orchestration.tools.results import iso, money
from apps.catalog import services as catalog_services
from apps.catalog.services import CourseDetail
from deltalabs.pagination import Page


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


def course_brief(course) -> dict:
    seats_left = None if course.capacity is None else max(0, course.capacity - course.seats_taken)
    return {
        "id": str(course.id),
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "level": course.level,
        "category": course.category.slug if course.category_id else None,
        "price": money(course.price),
        "currency": course.currency,
        "is_free": course.is_free,
        "capacity": course.capacity,
        "seats_taken": course.seats_taken,
        "seats_left": seats_left,
        "published_at": iso(course.published_at),
    }


def _course_page(page: Page) -> dict:
    return {"results": [course_brief(course) for course in page.items], "next_cursor": page.next_cursor}


def _course_detail(detail: CourseDetail) -> dict:
    course = detail.course
    return {
        **course_brief(course),
        "description": course.description,
        "language": course.language,
        "status": course.status,
        "enrollment_opens_at": iso(course.enrollment_opens_at),
        "enrollment_closes_at": iso(course.enrollment_closes_at),
        "instructors": [
            {"id": str(link.user_id), "display_name": link.user.display_name}
            for link in course.course_instructors.all()
        ],
        "sections": [
            {
                "title": section.title,
                "lessons": [
                    {
                        "title": lesson.title,
                        "kind": lesson.kind,
                        "duration_minutes": lesson.duration_minutes,
                        "is_preview": lesson.is_preview,
                    }
                    for lesson in section.lessons.all()
                ],
            }
            for section in course.sections.all()
        ],
    }


TOOLS = [
    Tool(
        name="search_courses",
        description=(
            "Search the published course catalogue by words, level, price (free/paid) and category. "
            "Returns courses with ids, titles, levels and prices."
        ),
        arguments=SearchCoursesArguments,
        service=catalog_services.course_search,
        serialize=_course_page,
        mutates=False,
    ),
    Tool(
        name="get_course",
        description="Details of one course: summary, price, seats left, enrollment window, instructors and outline.",
        arguments=GetCourseArguments,
        service=catalog_services.course_detail,
        serialize=_course_detail,
        mutates=False,
    ),
]
