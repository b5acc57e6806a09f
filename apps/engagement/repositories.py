"""Engagement queries. No rules, no permissions: callers (the services) decide
who may see what and pass the visibility in."""

from __future__ import annotations

from uuid import UUID

from django.db.models import F, QuerySet
from django.utils import timezone

from apps.engagement.models import Answer, Question


def question_get(question_id: UUID) -> Question | None:
    return Question.objects.select_related("author", "course").filter(pk=question_id).first()


def question_in_course(*, course_id: UUID, question_id: UUID) -> Question | None:
    return Question.objects.select_related("author").filter(pk=question_id, course_id=course_id).first()


def question_list(*, course_id: UUID, include_hidden: bool, lesson_id: UUID | None = None) -> QuerySet[Question]:
    queryset = Question.objects.filter(course_id=course_id).select_related("author")
    if not include_hidden:
        queryset = queryset.filter(is_hidden=False)
    if lesson_id is not None:
        queryset = queryset.filter(lesson_id=lesson_id)
    return queryset


def question_create(*, course_id: UUID, author_id: UUID, title: str, body: str, lesson_id: UUID | None) -> Question:
    return Question.objects.create(
        course_id=course_id, author_id=author_id, title=title, body=body, lesson_id=lesson_id
    )


def question_set_accepted(*, question_id: UUID, answer_id: UUID | None) -> int:
    return Question.objects.filter(pk=question_id).update(accepted_answer_id=answer_id, updated_at=timezone.now())


def question_change_answer_count(*, question_id: UUID, delta: int) -> int:
    # A single F() update: concurrent answers each add their own 1, none is
    # lost. Invariant: answer_count >= 0; a decrement is conditional on it.
    queryset = Question.objects.filter(pk=question_id)
    if delta < 0:
        queryset = queryset.filter(answer_count__gte=-delta)
    return queryset.update(answer_count=F("answer_count") + delta)


def question_set_hidden(*, question_id: UUID, hidden: bool, by_id: UUID | None) -> int:
    """Flip the flag only if it differs; returns 1 when this call changed it."""
    return Question.objects.filter(pk=question_id, is_hidden=not hidden).update(
        is_hidden=hidden, hidden_at=timezone.now() if hidden else None, hidden_by_id=by_id if hidden else None
    )


def question_delete(question_id: UUID) -> None:
    Question.objects.filter(pk=question_id).delete()


def answer_get(answer_id: UUID) -> Answer | None:
    return Answer.objects.select_related("author", "question", "course").filter(pk=answer_id).first()


def answer_in_course(*, course_id: UUID, answer_id: UUID) -> Answer | None:
    return Answer.objects.select_related("author", "question").filter(pk=answer_id, course_id=course_id).first()


def answer_list(*, course_id: UUID, include_hidden: bool, question_id: UUID | None = None) -> QuerySet[Answer]:
    queryset = Answer.objects.filter(course_id=course_id).select_related("author")
    if question_id is not None:
        queryset = queryset.filter(question_id=question_id)
    if not include_hidden:
        queryset = queryset.filter(is_hidden=False, question__is_hidden=False)
    return queryset


def answer_create(*, question: Question, author_id: UUID, body: str, is_instructor: bool) -> Answer:
    return Answer.objects.create(
        question=question, course_id=question.course_id, author_id=author_id, body=body, is_instructor=is_instructor
    )


def answer_set_hidden(*, answer_id: UUID, hidden: bool, by_id: UUID | None) -> int:
    """Flip the flag only if it differs; returns 1 when this call changed it."""
    return Answer.objects.filter(pk=answer_id, is_hidden=not hidden).update(
        is_hidden=hidden, hidden_at=timezone.now() if hidden else None, hidden_by_id=by_id if hidden else None
    )


def answer_delete(answer_id: UUID) -> int:
    deleted, _ = Answer.objects.filter(pk=answer_id).delete()
    return deleted


def answer_for_email(answer_id: UUID) -> Answer | None:
    return (
        Answer.objects.select_related("author", "question", "question__author", "course").filter(pk=answer_id).first()
    )
