"""AI orchestration use cases: chat turns, direct tool runs, transcripts.

What this layer promises:
- Every tool runs AS THE CALLING USER through the domain service it wraps, so
  authorization and errors are the domain's (another learner's enrollment is
  a 404 here as in the REST API). Arguments proposed by a provider (or sent to
  ``tool_execute``) are validated against the tool's schema first; invalid
  ones become a tool error, never a crash and never a service call.
- A chat turn runs at most ``MAX_TOOL_STEPS`` tool calls; further proposals
  are recorded as refused and the turn ends with a reply saying so.
- Within one turn a repeated mutating call with the same arguments runs once
  (its outcome is reused and marked ``replayed``): a model that loops cannot
  enroll or book twice. Across turns the domain's own rules (409
  ``already_enrolled``, ``booking_conflict``) make retries harmless.
- Every step is stored: the user's message, each provider step, each tool
  call (arguments as proposed, outcome, duration), the reply.
- Conversations are private: another user's conversation is a 404.
- Provider failures (transport, timeout, nonsense) are 502 ``ai_provider_error``.
- Checkout by chat takes two turns: the ``checkout`` tool only quotes the
  cart; the order is paid only when the user's very next message in the same
  conversation is a confirmation ("confirm"). That step is run here, before
  any provider is asked, through a tool no provider is offered, so no model
  can pay by itself (``tools.orders``).

Provider calls happen outside any database transaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.utils import timezone

from apps.ai_orchestration import repositories
from apps.ai_orchestration.errors import AIErrorCode
from apps.ai_orchestration.models import Conversation, Message, ToolCall
from apps.ai_orchestration.providers import (
    HistoryItem,
    ProposedCall,
    ProviderError,
    ProviderRequest,
    ProviderStep,
    ToolSpec,
    get_provider,
)
from apps.ai_orchestration.tools import REGISTRY, Tool, ToolOutcome, run_tool
from apps.ai_orchestration.tools.orders import CONFIRM_CHECKOUT
from apps.identity.services import require_user
from deltalabs.errors import BadGateway, Conflict, ErrorCode, NotFound, ValidationFailed, error_payload
from deltalabs.pagination import Page, paginate
from deltalabs.permissions import require_staff_permission

MAX_MESSAGE_CHARS = 4000
MAX_TOOL_STEPS = 5
# A conversation is bounded so its transcript and the context sent to the
# provider stay bounded; start a new one after this many turns.
MAX_TURNS_PER_CONVERSATION = 200
# How much of the conversation the provider sees (messages, newest kept).
HISTORY_MESSAGES = 40
TITLE_CHARS = 80


# --- Tools ----------------------------------------------------------------------------


def tools_available(*, actor) -> list[Tool]:
    """The tools ``actor`` may use (what ``GET /v1/ai/tools`` lists)."""
    require_user(actor)
    return REGISTRY.for_actor(actor)


def tool_for(*, actor, name: str) -> Tool | None:
    """The tool ``name`` if ``actor`` may use it; None for unknown tools and
    for tools the actor may not use (indistinguishable on purpose)."""
    if not isinstance(name, str):
        return None
    return REGISTRY.get_for_actor(actor, name)


def _unknown_tool(name) -> ValidationFailed:
    return ValidationFailed("Unknown tool.", {"tool": [f"No tool named {str(name)[:64]!r} is available to you."]})


@dataclass(frozen=True)
class ToolRun:
    """A tool run directly: its name and its rendered result."""

    tool: str
    result: dict


def tool_execute(*, actor, tool: str, arguments) -> ToolRun:
    """Run one tool directly (``POST /v1/ai/execute``).

    Errors are the domain's, raised as-is (same status and body as the REST
    API); 400 ``validation_error`` for an unknown tool or invalid arguments.
    Side effects: those of the tool's service; the call is stored (source
    ``execute``) whatever its outcome.
    """
    require_user(actor)
    chosen = tool_for(actor=actor, name=tool)
    if chosen is None:
        raise _unknown_tool(tool)
    outcome = run_tool(chosen, actor=actor, arguments=arguments)
    repositories.tool_call_insert(**_call_row(actor, chosen.name, arguments, outcome, source=ToolCall.Source.EXECUTE))
    if not outcome.ok:
        raise outcome.exception
    return ToolRun(tool=chosen.name, result=outcome.result)


def _call_row(actor, tool: str, arguments, outcome: ToolOutcome | None, *, source: str, **extra) -> dict:
    row = {
        "user_id": actor.pk,
        "source": source,
        "tool": tool[:64],
        "arguments": arguments if isinstance(arguments, dict) else {"_invalid": repr(arguments)[:1000]},
        **extra,
    }
    if outcome is not None:
        row.update(
            status=outcome.status,
            result=outcome.result,
            error=outcome.error,
            http_status=outcome.http_status,
            duration_ms=outcome.duration_ms,
        )
    return row


# --- Conversations --------------------------------------------------------------------


def conversation_list(*, actor, cursor: str | None = None, limit: int = 20) -> Page:
    """The actor's own conversations, most recently active first."""
    require_user(actor)
    return paginate(
        repositories.conversation_queryset(user_id=actor.pk), ordering=["-updated_at"], cursor=cursor, limit=limit
    )


def conversation_get(*, actor, conversation_id: UUID) -> Conversation:
    """One of the actor's conversations with its messages and tool calls.
    Anyone else's, staff included, is 404 here: staff read transcripts in
    the admin, which is their audit tool."""
    require_user(actor)
    conversation = repositories.conversation_with_transcript(conversation_id)
    if conversation is None or conversation.user_id != actor.pk:
        raise NotFound.of("Conversation")
    return conversation


def _own_conversation(actor, conversation_id: UUID) -> Conversation:
    conversation = repositories.conversation_get(conversation_id)
    if conversation is None or conversation.user_id != actor.pk:
        raise NotFound.of("Conversation")
    return conversation


def _claim_turn(conversation: Conversation, provider: str) -> int:
    current = conversation.turn_count
    for _ in range(20):
        if current >= MAX_TURNS_PER_CONVERSATION:
            raise Conflict(
                AIErrorCode.CONVERSATION_FULL,
                f"This conversation has reached {MAX_TURNS_PER_CONVERSATION} turns; start a new one.",
            )
        if repositories.turn_claim(conversation_id=conversation.pk, current=current, provider=provider):
            return current + 1
        current = repositories.turn_count(conversation.pk) or 0
    raise Conflict(AIErrorCode.CONVERSATION_FULL, "This conversation is too busy right now; try again.")


def _history(conversation_id: UUID) -> list[HistoryItem]:
    items: list[HistoryItem] = []
    for message in repositories.recent_messages(conversation_id=conversation_id, limit=HISTORY_MESSAGES):
        calls = list(message.tool_calls.all())
        if message.role == Message.Role.ASSISTANT and calls:
            items.append(
                HistoryItem(
                    role="assistant",
                    content=message.content,
                    calls=tuple(
                        ProposedCall(call_id=call.call_id, name=call.tool, arguments=call.arguments) for call in calls
                    ),
                )
            )
            items += [_tool_item(call.call_id, call.tool, call.arguments, _payload(call)) for call in calls]
        else:
            items.append(HistoryItem(role=message.role, content=message.content))
    # The window may start mid-turn; a provider must see whole turns.
    while items and items[0].role != "user":
        items.pop(0)
    return items


def _payload(call: ToolCall) -> dict:
    return _public_payload({"status": call.status, "result": call.result, "error": call.error})


def _tool_item(call_id: str, tool: str, arguments, payload: dict) -> HistoryItem:
    return HistoryItem(
        role="tool",
        call_id=call_id,
        tool=tool,
        arguments=arguments if isinstance(arguments, dict) else {},
        payload=payload,
    )


@dataclass(frozen=True)
class ToolCallReport:
    """One tool call of a chat turn as the chat response lists it: the
    ``result`` when it ran (``status`` ok), else the ``error`` body."""

    tool: str
    arguments: Any
    status: str
    result: dict | None = None
    error: dict | None = None


@dataclass(frozen=True)
class ChatTurn:
    """What one chat turn answered. Rendered by ``outputs.ChatOutput``."""

    conversation_id: UUID
    reply: str
    tool_calls: list[ToolCallReport]


def _public_call(row: dict) -> ToolCallReport:
    """A stored tool call as the chat response shows it."""
    ran = row["status"] == ToolCall.Status.OK
    return ToolCallReport(
        tool=row["tool"],
        arguments=row["arguments"],
        status=row["status"],
        result=row["result"] if ran else None,
        error=None if ran else row["error"],
    )


@dataclass
class _TurnState:
    conversation: Conversation
    turn: int
    step: int = 0
    executed: int = 0
    stored_calls: int = 0


def _fingerprint(tool: str, arguments) -> str:
    return tool + ":" + json.dumps(arguments, sort_keys=True, separators=(",", ":"), default=str)


def _title(message: str) -> str:
    first_line = message.strip().splitlines()[0] if message.strip() else ""
    return first_line[:TITLE_CHARS]


def chat_turn(*, actor, message: str, conversation_id: UUID | None = None) -> ChatTurn:
    """One chat turn: store the message, let the provider call tools (as the
    actor, validated, at most ``MAX_TOOL_STEPS``), store every step, reply.

    Returns the reply and every tool call with its outcome. Errors: 400 ``validation_error`` (empty or longer
    than 4,000 characters), 404 another user's (or an unknown) conversation,
    409 ``conversation_full``, 502 ``ai_provider_error``. Side effects: those
    of the tools the provider chose.
    """
    return chat_turn_with(provider=None, actor=actor, message=message, conversation_id=conversation_id)


def chat_turn_with(*, provider, actor, message: str, conversation_id: UUID | None = None) -> ChatTurn:
    """``chat_turn`` with an explicit provider (None: the configured one).
    The demo seeds use the offline provider whatever the settings say."""
    require_user(actor)
    if not isinstance(message, str) or not message.strip():
        raise ValidationFailed("Say something.", {"message": ["This field may not be blank."]})
    if len(message) > MAX_MESSAGE_CHARS:
        raise ValidationFailed(
            f"Messages are at most {MAX_MESSAGE_CHARS} characters.",
            {"message": [f"Ensure this field has no more than {MAX_MESSAGE_CHARS} characters."]},
        )
    try:
        provider = provider or get_provider()
    except ProviderError as exc:
        raise BadGateway(AIErrorCode.AI_PROVIDER_ERROR, str(exc)) from exc
    if conversation_id is None:
        conversation = repositories.conversation_insert(user_id=actor.pk, title=_title(message), provider=provider.name)
    else:
        conversation = _own_conversation(actor, conversation_id)
    state = _TurnState(conversation=conversation, turn=_claim_turn(conversation, provider.name))
    repositories.message_insert(
        conversation_id=conversation.pk, role=Message.Role.USER, content=message, turn=state.turn, step=0
    )
    history = _history(conversation.pk)
    specs = [
        ToolSpec(name=tool.name, description=tool.description, parameters=tool.parameters(), mutates=tool.mutates)
        for tool in REGISTRY.for_actor(actor)
    ]
    shown: list[ToolCallReport] = []
    try:
        quote = _pending_quote(conversation.pk, state.turn) if is_confirmation(message) else None
        if quote is not None:
            _run_confirmation(actor, state, quote, history, shown)
        reply = _run_turn(actor, provider, state, history, specs, shown)
    finally:
        if state.stored_calls:
            repositories.conversation_count_tool_calls(conversation_id=conversation.pk, calls=state.stored_calls)
    state.step += 1
    repositories.message_insert(
        conversation_id=conversation.pk, role=Message.Role.ASSISTANT, content=reply, turn=state.turn, step=state.step
    )
    return ChatTurn(conversation_id=conversation.pk, reply=reply, tool_calls=shown)


# Words a confirmation may hold besides "confirm" ("yes, confirm please").
_CONFIRMATION_WORDS = frozenset(
    {"confirm", "confirmed", "yes", "ok", "okay", "sure", "please", "i", "do", "pay", "it", "the", "order", "payment"}
)


def is_confirmation(message: str) -> bool:
    """Whether ``message`` confirms: "confirm", politely or not, and nothing else."""
    words = re.findall(r"[a-z]+", message.lower())
    return ("confirm" in words or "confirmed" in words) and set(words) <= _CONFIRMATION_WORDS


def _pending_quote(conversation_id: UUID, turn: int) -> ToolCall | None:
    """The checkout quote the previous turn ended with, if it did."""
    calls = repositories.turn_tool_calls(conversation_id=conversation_id, turn=turn - 1)
    last = calls[-1] if calls else None
    return last if last is not None and last.tool == "checkout" and last.status == ToolCall.Status.OK else None


def _run_confirmation(actor, state: _TurnState, quote: ToolCall, history: list[HistoryItem], shown) -> None:
    """Pay for ``quote`` on the user's confirmation, recorded as a tool call
    of this turn so the provider words the outcome and the audit shows it."""
    state.step += 1
    proposing = repositories.message_insert(
        conversation_id=state.conversation.pk, role=Message.Role.ASSISTANT, content="", turn=state.turn, step=state.step
    )
    call = ProposedCall(
        call_id=f"confirm_{state.turn}", name=CONFIRM_CHECKOUT.name, arguments={"quote_call_id": str(quote.pk)}
    )
    outcome = run_tool(CONFIRM_CHECKOUT, actor=actor, arguments=call.arguments)
    state.executed += 1
    row = _call_row(
        actor,
        call.name,
        call.arguments,
        outcome,
        source=ToolCall.Source.CHAT,
        conversation_id=state.conversation.pk,
        message_id=proposing.pk,
        position=0,
        call_id=call.call_id,
    )
    repositories.tool_call_insert(**row)
    state.stored_calls += 1
    shown.append(_public_call(row))
    history.append(HistoryItem(role="assistant", calls=(call,)))
    history.append(_tool_item(call.call_id, call.name, call.arguments, _public_payload(row)))


def _ask(provider, actor, history, specs, conversation) -> ProviderStep:
    request = ProviderRequest(
        actor=actor, history=list(history), tools=specs, now=timezone.now(), max_tool_steps=MAX_TOOL_STEPS
    )
    try:
        return provider.next_step(request)
    except ProviderError as exc:
        raise BadGateway(AIErrorCode.AI_PROVIDER_ERROR, str(exc), {"conversation_id": str(conversation.pk)}) from exc


def _run_turn(
    actor, provider, state: _TurnState, history: list[HistoryItem], specs, shown: list[ToolCallReport]
) -> str:
    outcomes: dict[str, ToolOutcome] = {}
    while True:
        step = _ask(provider, actor, history, specs, state.conversation)
        if not step.calls:
            return step.reply
        state.step += 1
        proposing = repositories.message_insert(
            conversation_id=state.conversation.pk,
            role=Message.Role.ASSISTANT,
            content=step.reply,
            turn=state.turn,
            step=state.step,
        )
        history.append(HistoryItem(role="assistant", content=step.reply, calls=step.calls))
        refused = False
        for position, call in enumerate(step.calls):
            row = _run_call(actor, state, proposing, position, call, outcomes)
            refused = refused or (
                row["error"] is not None and row["error"]["code"] == AIErrorCode.TOOL_STEP_LIMIT_REACHED
            )
            shown.append(_public_call(row))
            history.append(_tool_item(call.call_id, call.name, call.arguments, _public_payload(row)))
        if refused:
            return (
                f"I stopped here: one request may use at most {MAX_TOOL_STEPS} tool steps. "
                "Ask again (more specifically) to continue."
            )


def _public_payload(row: dict) -> dict:
    if row["status"] == ToolCall.Status.OK:
        return {"status": "ok", "result": row["result"]}
    return {"status": "error", "error": row["error"]}


def _run_call(actor, state: _TurnState, proposing: Message, position: int, call: ProposedCall, outcomes) -> dict:
    extra = {
        "conversation_id": state.conversation.pk,
        "message_id": proposing.pk,
        "position": position,
        "call_id": call.call_id[:100],
    }
    if state.executed >= MAX_TOOL_STEPS:
        row = _call_row(actor, call.name, call.arguments, None, source=ToolCall.Source.CHAT, **extra)
        row.update(
            status=ToolCall.Status.ERROR,
            result=None,
            error=error_payload(
                AIErrorCode.TOOL_STEP_LIMIT_REACHED,
                f"At most {MAX_TOOL_STEPS} tool steps per message; this one was not run.",
            ),
            http_status=None,
            duration_ms=0,
        )
    else:
        state.executed += 1
        tool = tool_for(actor=actor, name=call.name)
        if tool is None:  # the provider named a tool it was not offered
            outcome = ToolOutcome(
                status="error",
                result=None,
                error=error_payload(ErrorCode.VALIDATION_ERROR, "Unknown tool.", {"tool": ["Not available."]}),
                http_status=400,
                duration_ms=0,
            )
            replayed = False
        else:
            key = _fingerprint(tool.name, call.arguments)
            replayed = tool.mutates and key in outcomes
            outcome = outcomes[key] if replayed else run_tool(tool, actor=actor, arguments=call.arguments)
            if tool.mutates:
                outcomes.setdefault(key, outcome)
        row = _call_row(
            actor, call.name, call.arguments, outcome, source=ToolCall.Source.CHAT, replayed=replayed, **extra
        )
    repositories.tool_call_insert(**row)
    state.stored_calls += 1
    return row


# --- Staff -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserUsage:
    user_id: UUID
    tool_calls: int
    errors: int
    turns: int
    last_call_at: datetime | None


def usage_per_user(*, actor, days: int = 30, limit: int = 50) -> list[UserUsage]:
    """The heaviest assistant users over the last ``days`` (staff with
    ``ai_orchestration.view_toolcall``)."""
    require_user(actor)
    require_staff_permission(actor, "ai_orchestration.view_toolcall", "Your staff role does not show assistant usage.")
    since = timezone.now() - timedelta(days=days)
    rows = repositories.usage_by_user(since=since, limit=limit)
    turns = repositories.turns_by_user(since=since, user_ids=[row["user_id"] for row in rows])
    return [
        UserUsage(
            user_id=row["user_id"],
            tool_calls=row["calls"],
            errors=row["errors"],
            turns=turns.get(row["user_id"], 0),
            last_call_at=row["last"],
        )
        for row in rows
    ]


__all__ = [
    "MAX_MESSAGE_CHARS",
    "MAX_TOOL_STEPS",
    "chat_turn",
    "conversation_get",
    "conversation_list",
    "tool_execute",
    "tools_available",
    "usage_per_user",
]
