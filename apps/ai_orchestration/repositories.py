"""AI orchestration queries. No rules, no permissions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.ai_orchestration.models import Conversation, Message, ToolCall


def conversation_get(conversation_id: UUID) -> Conversation | None:
    return Conversation.objects.filter(pk=conversation_id).first()


def conversation_insert(*, user_id: UUID, title: str, provider: str) -> Conversation:
    return Conversation.objects.create(user_id=user_id, title=title, provider=provider)


def conversation_queryset(*, user_id: UUID) -> QuerySet[Conversation]:
    return Conversation.objects.filter(user_id=user_id)


def conversation_with_transcript(conversation_id: UUID) -> Conversation | None:
    """The conversation with its messages in order, each with its tool calls."""
    calls = Prefetch("tool_calls", queryset=ToolCall.objects.order_by("position", "id"))
    messages = Prefetch("messages", queryset=Message.objects.order_by("turn", "step").prefetch_related(calls))
    return Conversation.objects.filter(pk=conversation_id).prefetch_related(messages).first()


def turn_claim(*, conversation_id: UUID, current: int, provider: str) -> bool:
    """Take turn ``current + 1``; False if another turn took it first.

    Invariant: turn numbers of a conversation are unique. The update is
    conditional on the number read, so two concurrent turns never share one.
    """
    return bool(
        Conversation.objects.filter(pk=conversation_id, turn_count=current).update(
            turn_count=current + 1, provider=provider, updated_at=timezone.now()
        )
    )


def turn_count(conversation_id: UUID) -> int | None:
    return Conversation.objects.filter(pk=conversation_id).values_list("turn_count", flat=True).first()


def conversation_count_tool_calls(*, conversation_id: UUID, calls: int) -> None:
    Conversation.objects.filter(pk=conversation_id).update(
        tool_call_count=F("tool_call_count") + calls, updated_at=timezone.now()
    )


def message_insert(*, conversation_id: UUID, role: str, content: str, turn: int, step: int) -> Message:
    return Message.objects.create(conversation_id=conversation_id, role=role, content=content, turn=turn, step=step)


def tool_call_insert(**values) -> ToolCall:
    return ToolCall.objects.create(**values)


def tool_call_get(tool_call_id: UUID) -> ToolCall | None:
    return ToolCall.objects.filter(pk=tool_call_id).first()


def turn_tool_calls(*, conversation_id: UUID, turn: int) -> list[ToolCall]:
    """The tool calls of one turn, in the order they were made."""
    return list(
        ToolCall.objects.filter(conversation_id=conversation_id, message__turn=turn).order_by(
            "message__step", "position", "id"
        )
    )


def recent_messages(*, conversation_id: UUID, limit: int) -> list[Message]:
    """The last ``limit`` messages, oldest first, with their tool calls."""
    rows = list(
        Message.objects.filter(conversation_id=conversation_id)
        .order_by("-turn", "-step")
        .prefetch_related(Prefetch("tool_calls", queryset=ToolCall.objects.order_by("position", "id")))[:limit]
    )
    rows.reverse()
    return rows


def usage_by_user(*, since: datetime, limit: int) -> list[dict]:
    """Tool calls per user since ``since``: the heaviest users first."""
    return list(
        ToolCall.objects.filter(created_at__gte=since)
        .values("user_id")
        .annotate(calls=Count("id"), errors=Count("id", filter=Q(status=ToolCall.Status.ERROR)), last=Max("created_at"))
        .order_by("-calls")[:limit]
    )


def turns_by_user(*, since: datetime, user_ids: list[UUID]) -> dict[UUID, int]:
    """Chat turns (user messages) per user since ``since``."""
    rows = (
        Message.objects.filter(created_at__gte=since, role=Message.Role.USER, conversation__user_id__in=user_ids)
        .values("conversation__user_id")
        .annotate(turns=Count("id"))
    )
    return {row["conversation__user_id"]: row["turns"] for row in rows}
