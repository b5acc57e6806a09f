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
import math
import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import DecimalValidator
from django.db import models
from django.db.models import F, Q, QuerySet

from deltalabs import dates
from deltalabs.errors import ValidationFailed
from deltalabs.prepared import PreparedSelect

_MAX_INTEGER = 2**63 - 1
_MAX_TEXT = 10_000  # no sort key is a longer text


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


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _cursor_value(key: SortKey, raw: Any) -> Any:
    """One cursor value, read back as ``encode_cursor`` wrote it, of the JSON
    type the field's values are written as, within what the database and the
    calendar can hold (``deltalabs.dates``). ``ValueError`` otherwise."""
    if raw is None:
        if not key.nullable:
            raise ValueError("null for a key that is never null")
        return None
    field = key.field.target_field if key.field.is_relation else key.field
    if isinstance(field, models.BooleanField):
        if not isinstance(raw, bool):
            raise ValueError("not a boolean")
        return raw
    if isinstance(field, models.IntegerField):
        if isinstance(raw, bool) or not isinstance(raw, int) or abs(raw) > _MAX_INTEGER:
            raise ValueError("not an integer")
        return raw
    if isinstance(field, models.FloatField):
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise ValueError("not a finite number")
        return float(raw)
    if not isinstance(raw, str) or len(raw) > _MAX_TEXT or "\x00" in raw:
        raise ValueError("not a string")
    raw.encode("utf-8")  # UnicodeEncodeError (a ValueError) for a lone surrogate
    value = field.to_python(raw)
    if isinstance(field, models.DecimalField):
        if not value.is_finite():
            raise ValueError("not a finite decimal")
        DecimalValidator(field.max_digits, field.decimal_places)(value)
    elif isinstance(field, models.DateTimeField):
        if not dates.is_supported_instant(value):
            raise ValueError("not an instant in the supported range")
    elif isinstance(field, models.DateField) and not dates.is_supported_date(value):
        raise ValueError("not a date in the supported range")
    return value


def decode_cursor(keys: list[SortKey], cursor: str) -> list[Any]:
    """The values a cursor carries, or 400 ``validation_error``. A cursor is
    client input: it may be well-formed base64 JSON whose values are of the
    wrong kind (``Infinity`` for an integer, a list for a date), out of range
    (year 9999 at -14:00, which no database can convert to UTC) or of the
    wrong arity; each is refused here, before any query is built."""
    invalid = ValidationFailed("The cursor is invalid.", {"cursor": ["Invalid cursor."]})
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()), parse_constant=_refuse_constant)
        if not isinstance(payload, dict) or payload.get("o") != _signature(keys):
            raise invalid
        raw_values = payload.get("v")
        if not isinstance(raw_values, list) or len(raw_values) != len(keys):
            raise invalid
        return [_cursor_value(key, raw) for key, raw in zip(keys, raw_values, strict=True)]
    except (
        ValueError,
        TypeError,
        KeyError,
        OverflowError,
        RecursionError,
        binascii.Error,
        ValidationError,
        FieldDoesNotExist,
        AttributeError,
    ):
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


class PreparedPages:
    """``paginate`` for one query shape on a hot path, compiled once per database, page size and
    first/next page (``deltalabs.prepared``): building and compiling a paginated queryset cost more
    than running it (a fifth of an uncached course list request).

    ``base(values)`` is the shape's queryset (a ``values()`` queryset: rows are dicts) for the
    values bound per call, one per ``base_fields`` entry, in the order its SQL binds them.
    Every sort key must be non-NULL in that queryset (``not_null``; the primary key always is):
    the keyset condition is then always the same SQL, as ``paginate`` builds it, with the
    cursor's values bound in its order. Pages and cursors are exactly ``paginate``'s (tested).
    """

    def __init__(
        self,
        base: Callable[[list], QuerySet],
        base_fields: Sequence[models.Field],
        *,
        model: type[models.Model],
        ordering: Sequence[str],
        not_null: Collection[str] = (),
    ) -> None:
        self.base = base
        self.base_fields = list(base_fields)
        self.keys = _sort_keys(model._default_manager.none(), ordering, not_null)
        if any(key.nullable for key in self.keys):
            raise ValueError("PreparedPages needs every sort key declared non-NULL (not_null).")
        # The keyset condition's SQL parameters, in order (see _after): the
        # first key's bound, then for each key the equal prefix and itself.
        self._after_positions = [0] + [position for index in range(len(self.keys)) for position in range(index + 1)]
        self._keyset_slots = [self._after_positions.index(index) for index in range(len(self.keys))]
        self._selects: dict[tuple[bool, int], PreparedSelect] = {}

    def page(self, base_values: list, *, cursor: str | None, limit: int) -> Page:
        limit = clamp_limit(limit)
        after = decode_cursor(self.keys, cursor) if cursor else None
        values = list(base_values)
        if after is not None:
            values += [after[position] for position in self._after_positions]
        rows = self._select(after is not None, limit).dicts(values)
        has_more = len(rows) > limit
        rows = rows[:limit]
        return Page(items=rows, next_cursor=encode_cursor(self.keys, rows[-1]) if has_more and rows else None)

    def _select(self, after: bool, limit: int) -> PreparedSelect:
        select = self._selects.get((after, limit))
        if select is None:
            count = len(self.base_fields)
            fields = self.base_fields + (
                [self.keys[position].field for position in self._after_positions] if after else []
            )

            def build(values: list) -> QuerySet:
                queryset = self.base(values[:count])
                if after:
                    keyset = [values[count + slot] for slot in self._keyset_slots]
                    queryset = queryset.filter(_after(self.keys, keyset))
                return queryset.order_by(*_order_by(self.keys))[: limit + 1]

            select = self._selects[(after, limit)] = PreparedSelect(build, fields=fields)
        return select


def sent_page_args(request) -> dict:
    """``page_args`` with None for what the query string does not send (a
    service that refuses paging for some callers must know what was sent)."""
    query = request.query_params
    return {
        "cursor": query.get("cursor") or None,
        "limit": parse_limit(query["limit"]) if "limit" in query else None,
    }


def page_args(request) -> dict:
    """``cursor`` and ``limit`` from the query string, ready for a service's
    keyword arguments (``service(actor=..., **page_args(request))``)."""
    return {
        "cursor": request.query_params.get("cursor") or None,
        "limit": parse_limit(request.query_params.get("limit")),
    }
