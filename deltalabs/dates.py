"""The calendar the API works in: the supported range of dates and instants
(docs/api.md, Conventions; docs/decisions.md, Hostile input).

Date-times are written with ``REST_FRAMEWORK["DATETIME_FORMAT"]`` (settings),
whose year always has four digits (``0001``), as ISO 8601 wants.

Python's dates end at years 1 and 9999, so arithmetic near either edge (a
week after 9999-12-28, midnight of 0001-01-01 in a zone east of UTC) raises
``OverflowError``. Every date or instant a client sends (body fields, query
values, cursors, assistant tool arguments, admin day views) is held to
``FIRST_DAY..LAST_DAY`` first, far from both edges, so the arithmetic
behind it (slot grids, spans, UTC conversion) always has room.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from deltalabs.errors import ValidationFailed

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9000, 12, 31)
_FIRST_INSTANT = datetime.combine(FIRST_DAY, time.min, tzinfo=UTC)
_LAST_INSTANT = datetime.combine(LAST_DAY, time.max, tzinfo=UTC)

OUT_OF_RANGE_MESSAGE = f"Must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}."
NAIVE_MESSAGE = "Include a time zone, e.g. 2026-11-26T09:00:00Z or +01:00."


def is_supported_date(value: date) -> bool:
    return FIRST_DAY <= value <= LAST_DAY


def is_supported_instant(value: datetime) -> bool:
    """An aware instant whose UTC time lies in the supported range. Naive
    values are not instants (the caller decides what that means)."""
    if value.tzinfo is None or value.utcoffset() is None:
        return False
    try:
        utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        return False
    return _FIRST_INSTANT <= utc <= _LAST_INSTANT


def require_supported_date(value: date | None, *, field: str) -> None:
    """400 ``validation_error`` naming ``field`` for a date outside the supported range."""
    if value is not None and not is_supported_date(value):
        raise ValidationFailed(f"`{field}` is outside the supported dates.", {field: [OUT_OF_RANGE_MESSAGE]})


def require_supported_instant(value: datetime, *, field: str) -> None:
    """400 ``validation_error`` naming ``field`` for a naive date-time or an
    instant outside the supported range."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(f"`{field}` needs a time zone.", {field: [NAIVE_MESSAGE]})
    if not is_supported_instant(value):
        raise ValidationFailed(f"`{field}` is outside the supported dates.", {field: [OUT_OF_RANGE_MESSAGE]})
