"""Plain-JSON rendering helpers for tool results (docs/api.md, Conventions)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def iso(value: datetime | date | None) -> str | None:
    """Datetimes as ISO 8601 UTC to the second (``2026-11-26T09:30:00Z``),
    dates as ``YYYY-MM-DD``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def money(value: Decimal | int | float | str | None) -> str | None:
    """Money as a decimal string with two places."""
    if value is None:
        return None
    return f"{Decimal(str(value)):.2f}"


def ident(value: Any) -> str | None:
    return None if value is None else str(value)


def plain(value: Any) -> Any:
    """Any service result made JSON-safe: dicts/lists recursively, UUIDs and
    money as strings, datetimes ISO UTC. For services that answer dicts."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(item) for item in value]
    if isinstance(value, (datetime, date)):
        return iso(value)
    if isinstance(value, Decimal):
        return money(value) if value == value.quantize(Decimal("0.01")) else str(value)
    return str(value)
