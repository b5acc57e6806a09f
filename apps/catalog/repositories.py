"""Catalog queries. No rules, no permissions."""

from __future__ import annotations

from uuid import UUID

from apps.catalog.models import Course, CourseInstructor


def course_get(course_id: UUID) -> Course | None:
    return Course.objects.filter(pk=course_id).first()


def course_is_instructor(*, user_id: UUID, course_id: UUID) -> bool:
    return CourseInstructor.objects.filter(user_id=user_id, course_id=course_id).exists()
