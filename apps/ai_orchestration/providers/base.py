"""The provider interface: given the conversation so far and the tools on
offer, say what to do next (call tools, or reply).

Providers never run tools and never touch the database; the orchestration
loop in ``apps.ai_orchestration.services`` does, after validating whatever a
provider proposed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class ProviderError(Exception):
    """The provider failed or answered something unusable (-> 502)."""


@dataclass(frozen=True)
class ProposedCall:
    """A tool call as a provider proposed it, unchecked: the name may be one
    that was not offered and ``arguments`` may be anything (the loop runs
    only a known tool with arguments that pass its schema)."""

    call_id: str
    name: str
    arguments: Any


@dataclass(frozen=True)
class HistoryItem:
    """One provider-neutral entry of the conversation.

    ``user``/``assistant`` carry ``content``; an assistant step that proposed
    tools carries ``calls``; a ``tool`` entry carries the outcome of one call
    (``payload`` is ``{"status": "ok", "result": ...}`` or
    ``{"status": "error", "error": {...}}``).
    """

    role: str  # user | assistant | tool
    content: str = ""
    calls: tuple[ProposedCall, ...] = ()
    call_id: str = ""
    tool: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.payload.get("status") == "ok"

    @property
    def result(self) -> Any:
        return self.payload.get("result")


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]
    mutates: bool


@dataclass(frozen=True)
class ProviderRequest:
    actor: Any
    history: list[HistoryItem]
    tools: list[ToolSpec]
    now: datetime
    max_tool_steps: int


@dataclass(frozen=True)
class ProviderStep:
    """Either tool calls to run (``calls``) or the final ``reply``."""

    reply: str = ""
    calls: tuple[ProposedCall, ...] = ()


class Provider(Protocol):
    name: str

    def next_step(self, request: ProviderRequest) -> ProviderStep: ...
