"""AI orchestration entities: conversations, their messages and every tool call.

A conversation belongs to one user. Each chat turn stores the user's message,
one assistant message per provider step that proposed tool calls, the tool
calls themselves (arguments, outcome, duration) and the final reply. Tool calls
made directly through ``POST /v1/ai/execute`` are stored too, without a
conversation, so staff can audit every action the assistant took.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from deltalabs.db import TimeStampedModel, UUIDModel


class Conversation(TimeStampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ai_conversations")
    title = models.CharField(max_length=120, blank=True)
    # Which provider answered (offline, openai): transcripts read differently.
    provider = models.CharField(max_length=20, blank=True, db_index=True)
    # Claimed with a conditional update per turn, so concurrent turns on one
    # conversation get distinct numbers (see services._turn_claim).
    turn_count = models.PositiveIntegerField(default=0)
    tool_call_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at", "id"]
        indexes = [
            models.Index(fields=["user", "-updated_at", "id"], name="ai_conversation_user_recent"),
        ]

    def __str__(self) -> str:
        return self.title or str(self.id)


class Message(UUIDModel):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    content = models.TextField(blank=True)
    turn = models.PositiveIntegerField()
    # Order within the turn: 0 is the user's message, then provider steps.
    step = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["turn", "step"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "turn", "step"], name="uniq_ai_message_step"),
        ]

    def __str__(self) -> str:
        return f"{self.role} #{self.turn}.{self.step}"


class ToolCall(UUIDModel):
    class Status(models.TextChoices):
        OK = "ok"
        ERROR = "error"

    class Source(models.TextChoices):
        CHAT = "chat"
        EXECUTE = "execute"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ai_tool_calls")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="tool_calls"
    )
    # The assistant step that proposed the call (chat only).
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="tool_calls")
    source = models.CharField(max_length=10, choices=Source.choices, db_index=True)
    position = models.PositiveIntegerField(default=0)
    # The provider's id for the call, echoed back with the result.
    call_id = models.CharField(max_length=100, blank=True)
    tool = models.CharField(max_length=64)
    # As proposed, before validation: the audit shows exactly what was asked.
    arguments = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    result = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    # The status the REST API would have answered; null for a refused call.
    http_status = models.PositiveIntegerField(null=True, blank=True)
    # A repeated mutating call within one turn reuses the first outcome.
    replayed = models.BooleanField(default=False)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "position", "id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ai_toolcall_user_recent"),
            models.Index(fields=["tool", "-created_at"], name="ai_toolcall_tool_recent"),
            models.Index(fields=["status", "-created_at"], name="ai_toolcall_status_recent"),
            models.Index(fields=["-created_at"], name="ai_toolcall_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.tool} ({self.status})"
