"""Keyset (cursor) pagination for every list (docs/api.md, Pagination).

``?cursor=<opaque>&limit=20``: default 20, larger limits are clamped to 100,
a malformed cursor is a 400. The cursor carries the sort key of the last row
returned (plus the primary key as the final tie-breaker), so every page is one
indexed range query: the cost does not grow with page depth, and rows with
equal sort keys are never skipped or repeated.

Nullable sort fields sort NULLs last in both directions, on every engine.
"""

from __future__ import annotations

import base64
import binascii
import json
import operator
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Q, QuerySet

from deltalabs.errors import ValidationFailed


@dataclass(frozen=True)
class SortKey:
    name: str
    descending: bool
    nullable: bool
    field: Any  # the model field, used to parse cursor values


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None


def clamp_limit(limit: int) -> int:
    """A page size within 1..``PAGINATION_MAX_LIMIT``. The one place the
    bound is applied: ``paginate`` applies it to every caller (views,
    assistant tools, admin, commands), so services never clamp again."""
    return max(1, min(int(limit), settings.PAGINATION_MAX_LIMIT))


def parse_limit(raw: str | None) -> int:
    """``?limit=``: absent -> the default; not a positive integer (an empty
    value included: the schema documents an integer) -> 400; above the
    maximum -> clamped."""
    if raw is None:
        return settings.PAGINATION_DEFAULT_LIMIT
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed(
            "limit must be a positive integer.", {"limit": ["Must be a positive integer."]}
        ) from None
    if value < 1:
        raise ValidationFailed("limit must be a positive integer.", {"limit": ["Must be a positive integer."]})
    return clamp_limit(value)


def _sort_keys(queryset: QuerySet, ordering: Sequence[str], not_null: Collection[str] = ()) -> list[SortKey]:
    meta = queryset.model._meta
    keys = []
    for item in ordering:
        name = item.lstrip("-")
        field = meta.pk if name == "pk" else meta.get_field(name)
        nullable = field.null and name not in not_null
        keys.append(SortKey(field.attname if field.is_relation else name, item.startswith("-"), nullable, field))
    if not keys or keys[-1].field is not meta.pk:
        keys.append(SortKey(meta.pk.attname, False, False, meta.pk))
    return keys


def _order_by(keys: list[SortKey]) -> list:
    expressions = []
    for key in keys:
        expression = F(key.name)
        if key.descending:
            expressions.append(expression.desc(nulls_last=True) if key.nullable else expression.desc())
        else:
            expressions.append(expression.asc(nulls_last=True) if key.nullable else expression.asc())
    return expressions


def _beyond(key: SortKey, value: Any) -> Q | None:
    """Rows strictly after ``value`` on this key alone (NULLs come last)."""
    if value is None:
        return None  # nothing sorts after NULL
    condition = Q(**{f"{key.name}__{'lt' if key.descending else 'gt'}": value})
    if key.nullable:
        condition |= Q(**{f"{key.name}__isnull": True})
    return condition


def _equal(key: SortKey, value: Any) -> Q:
    return Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})


def _after(keys: list[SortKey], values: list[Any]) -> Q:
    """Lexicographic "row > cursor" as (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ..."""
    terms = []
    prefix = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = _beyond(key, value)
        if beyond is not None:
            terms.append(prefix & beyond)
        prefix &= _equal(key, value)
    # The primary key is never NULL, so at least one term exists.
    after = reduce(operator.or_, terms)
    # Redundant but decisive for the planner: a plain range on the first sort
    # key lets the database seek into its index instead of scanning from the
    # start, so deep pages cost what page 1 costs.
    return _first_key_bound(keys[0], values[0]) & after


def _first_key_bound(key: SortKey, value: Any) -> Q:
    if value is None:
        return Q(**{f"{key.name}__isnull": True})
    bound = Q(**{f"{key.name}__{'lte' if key.descending else 'gte'}": value})
    if key.nullable:
        bound |= Q(**{f"{key.name}__isnull": True})
    return bound


def _to_json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _row_value(row: Any, key: SortKey) -> Any:
    return row[key.name] if isinstance(row, dict) else getattr(row, key.name)


def _signature(keys: list[SortKey]) -> str:
    return ",".join(("-" if key.descending else "") + key.name for key in keys)


def encode_cursor(keys: list[SortKey], row: Any) -> str:
    payload = {"o": _signature(keys), "v": [_to_json(_row_value(row, key)) for key in keys]}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(keys: list[SortKey], cursor: str) -> list[Any]:
    invalid = ValidationFailed("The cursor is invalid.", {"cursor": ["Invalid cursor."]})
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if payload["o"] != _signature(keys) or len(payload["v"]) != len(keys):
            raise invalid
        values = []
        for key, raw in zip(keys, payload["v"], strict=True):
            if raw is None and not key.nullable:
                raise invalid
            target = key.field.target_field if key.field.is_relation else key.field
            values.append(None if raw is None else target.to_python(raw))
        return values
    except (ValueError, TypeError, KeyError, binascii.Error, ValidationError, FieldDoesNotExist, AttributeError):
        raise invalid from None


def paginate(
    queryset: QuerySet, *, ordering: Sequence[str], cursor: str | None, limit: int, not_null: Collection[str] = ()
) -> Page:
    """One page of ``queryset`` in ``ordering`` (primary key appended as
    tie-breaker), at most ``clamp_limit(limit)`` rows.

    ``not_null`` names nullable sort fields that ``queryset`` has already
    restricted to non-NULL values: their keyset condition is then a plain
    range the database can seek into at any depth (no ``OR IS NULL`` branch).
    """
    limit = clamp_limit(limit)
    keys = _sort_keys(queryset, ordering, not_null)
    if cursor:
        queryset = queryset.filter(_after(keys, decode_cursor(keys, cursor)))
    rows = list(queryset.order_by(*_order_by(keys))[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor(keys, rows[-1]) if has_more and rows else None)


def page_args(request) -> dict:
    """``cursor`` and ``limit`` from the query string, ready for a service's
    keyword arguments (``service(actor=..., **page_args(request))``)."""
    return {
        "cursor": request.query_params.get("cursor") or None,
        "limit": parse_limit(request.query_params.get("limit")),
    }
