"""The tool registry: what the assistant may do, declared once per tool.

A tool is a thin, typed door to ONE domain service:

- ``arguments``: a pydantic model (``extra="forbid"``). Its JSON Schema is what
  providers and ``GET /v1/ai/tools`` see; the same model validates whatever a
  provider (or a client of ``POST /v1/ai/execute``) proposes, in JSON mode, so
  nothing the model invents reaches a service unvalidated.
- ``service``: the domain service, called as the signed-in user
  (``actor=``). Authorization and errors therefore come from the domain layer,
  exactly as for the REST API; a tool never has more rights than its caller.
- ``serialize``: the service's return value as plain JSON (ids and money as
  strings, datetimes ISO 8601 UTC).
- ``mutates``: whether the tool changes data.

Errors are mapped with ``deltalabs.errors.describe_exception``, the mapping
behind every REST error body.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from deltalabs.errors import ApplicationError, ValidationFailed, describe_exception, error_payload

logger = logging.getLogger("apps.ai_orchestration.tools")


class ToolArguments(BaseModel):
    """Base of every tool's arguments: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    def service_kwargs(self) -> dict[str, Any]:
        """The keyword arguments the service receives besides ``actor``."""
        return {name: getattr(self, name) for name in type(self).model_fields}


def signed_in(actor) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.is_active)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[ToolArguments]
    service: Callable[..., Any]
    serialize: Callable[[Any], dict]
    mutates: bool
    # Who may see and use the tool. Every tool so far is a learner's tool; a
    # staff-only tool would say ``available_to=is_staff`` and stay invisible
    # (and unknown) to everyone else.
    available_to: Callable[[Any], bool] = signed_in
    # Mirrors the REST twin: POST /v1/ai/execute demands an Idempotency-Key
    # for these, as POST /v1/enrollments and POST /v1/labs/{id}/bookings do.
    idempotency_key_required: bool = False
    # Optional adapter when the service's keywords differ from the arguments.
    call: Callable[..., Any] | None = None
    # The service's names for fields that the tool's arguments call otherwise
    # (the service speaks the REST API's names): its errors are told in the
    # tool's names, so the model knows which argument to correct.
    error_fields: dict[str, str] = field(default_factory=dict, compare=False)
    _schema: dict = field(default_factory=dict, compare=False, repr=False)

    def parameters(self) -> dict:
        """The JSON Schema of the arguments (generated once)."""
        if not self._schema:
            self._schema.update(self.arguments.model_json_schema())
        return self._schema

    def describe(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters(),
            "mutates": self.mutates,
        }


@dataclass(frozen=True)
class ToolOutcome:
    """What running one tool call produced: a result or the REST error body."""

    status: str  # "ok" | "error"
    result: dict | None
    error: dict | None
    http_status: int
    duration_ms: int
    exception: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def payload(self) -> dict:
        return (
            {"status": self.status, "result": self.result} if self.ok else {"status": self.status, "error": self.error}
        )


class ToolRegistry:
    def __init__(self, tools: Iterable[Tool] = ()):
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self.register(tool)

    def register(self, tool: Tool) -> None:
        if tool.name in self._tools:
            raise ValueError(f"Tool {tool.name!r} is declared twice.")
        self._tools[tool.name] = tool

    def names(self) -> list[str]:
        return list(self._tools)

    def for_actor(self, actor) -> list[Tool]:
        """The tools ``actor`` may use, in declaration order."""
        return [tool for tool in self._tools.values() if tool.available_to(actor)]

    def get_for_actor(self, actor, name: str) -> Tool | None:
        """The tool called ``name`` if ``actor`` may use it. A tool they may
        not use is answered like an unknown one."""
        tool = self._tools.get(name)
        return tool if tool is not None and tool.available_to(actor) else None


def validation_details(exc: PydanticValidationError) -> dict[str, list[str]]:
    """pydantic errors -> the API's ``{field: [messages]}``."""
    details: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"]) or "non_field_errors"
        details.setdefault(location, []).append(error["msg"])
    return details


def validate_arguments(tool: Tool, arguments: Any) -> ToolArguments:
    """Validate ``arguments`` against the tool's schema (JSON semantics: what
    the schema says is what passes). Raises 400 ``validation_error``."""
    if not isinstance(arguments, dict):
        raise ValidationFailed("Tool arguments must be a JSON object.", {"arguments": ["Must be a JSON object."]})
    try:
        return tool.arguments.model_validate_json(json.dumps(arguments))
    except PydanticValidationError as exc:
        raise ValidationFailed("The tool arguments are invalid.", validation_details(exc)) from None


def run_tool(tool: Tool, *, actor, arguments: Any) -> ToolOutcome:
    """Validate and run one call of ``tool`` as ``actor``. Never raises: every
    failure becomes the error body the REST API would have answered."""
    started = time.monotonic()
    try:
        validated = validate_arguments(tool, arguments)
        kwargs = validated.service_kwargs()
        value = tool.call(actor=actor, **kwargs) if tool.call else tool.service(actor=actor, **kwargs)
        result = tool.serialize(value)
    except Exception as exc:
        _in_argument_names(tool, exc)
        status, code, message, details, _headers = describe_exception(exc)
        if status >= 500:
            logger.error("Tool %s failed", tool.name, exc_info=exc)
        return ToolOutcome(
            status="error",
            result=None,
            error=error_payload(code, message, details),
            http_status=status,
            duration_ms=_elapsed_ms(started),
            exception=exc,
        )
    return ToolOutcome(
        status="ok", result=result, error=None, http_status=200, duration_ms=_elapsed_ms(started), exception=None
    )


def _in_argument_names(tool: Tool, exc: Exception) -> None:
    """Tell a domain error in the tool's argument names (``tool.error_fields``):
    detail keys renamed, and field names quoted in backticks in its texts.
    The error itself is changed, so the chat's tool result and the error that
    ``POST /v1/ai/execute`` raises say the same."""
    if not tool.error_fields or not isinstance(exc, ApplicationError):
        return

    def renamed(text):
        if not isinstance(text, str):
            return text
        for service_name, argument in tool.error_fields.items():
            text = text.replace(f"`{service_name}`", f"`{argument}`")
        return text

    exc.message = renamed(exc.message)
    exc.args = (exc.message,)
    if exc.details:
        exc.details = {
            tool.error_fields.get(key, key): [renamed(item) for item in value] if isinstance(value, list) else value
            for key, value in exc.details.items()
        }


def _elapsed_ms(started: float) -> int:
    return max(0, round((time.monotonic() - started) * 1000))
