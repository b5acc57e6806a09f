"""Per-request context (request id, user id, path) readable from anywhere, including logs.

Context variables rather than thread locals, so the values are right under
both WSGI threads and ASGI tasks.
"""

from __future__ import annotations

import contextvars

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_user_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("user_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> contextvars.Token:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def current_user_id() -> str | None:
    return _user_id.get()


def set_user_id(value: str | None) -> None:
    _user_id.set(value)


_request_path: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_path", default=None)


def current_request_path() -> str | None:
    """The path of the HTTP request being served (None in tasks and commands)."""
    return _request_path.get()


def set_request_path(value: str | None) -> contextvars.Token:
    return _request_path.set(value)


def reset_request_path(token: contextvars.Token) -> None:
    _request_path.reset(token)
