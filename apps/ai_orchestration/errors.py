"""Error codes of the AI orchestration domain."""

from enum import StrEnum


class AIErrorCode(StrEnum):
    # The language-model provider failed, timed out or answered something we
    # cannot use (502).
    AI_PROVIDER_ERROR = "ai_provider_error"
    # A proposed tool call beyond the per-turn limit (recorded, never run).
    TOOL_STEP_LIMIT_REACHED = "tool_step_limit_reached"
    # A conversation holds at most AI_MAX_TURNS_PER_CONVERSATION turns (409).
    CONVERSATION_FULL = "conversation_full"
    # Checkout by chat: the quote was not confirmed within its time (409), or
    # there is no card the assistant may pay with (409).
    CONFIRMATION_EXPIRED = "confirmation_expired"
    PAYMENT_METHOD_UNAVAILABLE = "payment_method_unavailable"
