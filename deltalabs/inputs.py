"""The input boundary: every request body and query value passes here before
a view reads it (docs/api.md, Conventions; docs/decisions.md, Hostile input).

Three parts, each applied in one place:

- ``JSONParser`` (DRF's ``DEFAULT_PARSER_CLASSES``) reads a body as strict
  JSON and checks the whole tree at once: nesting at most ``MAX_DEPTH``
  containers deep, every string (object keys included, at any depth) valid
  Unicode without NUL and at most ``MAX_STRING_LENGTH`` characters (keys
  ``MAX_KEY_LENGTH``), every number finite and integers within 64 bits.
  ``ApiView`` parses any body a request carries, so a body is checked even
  where the view would ignore it.
- ``check_query`` holds query keys and values to the same string rules.
- ``InputSerializer``, the base of every request-body serializer, reads JSON
  types strictly, as the schema documents them: a number is not a string, a
  string is not a boolean or an integer, a decimal is a decimal string, an
  integer is not a UUID, a date-time names its time zone and lies in the
  supported range (``deltalabs.dates``).

Every refusal is 400 ``validation_error`` with ``details`` naming where the
problem is (nested as the body is, ``{"answers": {"<item id>": [...]}}``); a
path never echoes a string that failed the rules, so an error body is always
encodable.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import parsers, serializers

from deltalabs import dates
from deltalabs.errors import ValidationFailed

MAX_DEPTH = 32
MAX_STRING_LENGTH = 10_000  # the longest text any field takes (an answer, a post, feedback)
MAX_KEY_LENGTH = 255
MAX_INTEGER = 2**63 - 1  # what every engine stores (BSON and SQLite integers are 64-bit)

NON_FIELD = "non_field_errors"
NUL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = "Must be valid Unicode text (no unpaired surrogate characters)."
TOO_LONG_MESSAGE = f"Ensure this field has no more than {MAX_STRING_LENGTH} characters."
BAD_KEY_MESSAGE = f"Object keys must be valid Unicode text without NUL characters, at most {MAX_KEY_LENGTH} characters."
DEPTH_MESSAGE = f"The body is nested more than {MAX_DEPTH} levels deep."
NUMBER_MESSAGE = "Numbers must be finite, and integers within 64 bits."


class _Refused(Exception):
    """One rule broken at ``path`` (a list of keys and indices)."""

    def __init__(self, path: list, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


def _string_problem(value: str, limit: int) -> str | None:
    if "\x00" in value:
        return NUL_MESSAGE
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    if len(value) > limit:
        return TOO_LONG_MESSAGE
    return None


def _check_node(value: Any, path: list, depth: int) -> None:
    """Walk one JSON value. Paths only ever hold keys that passed the rules."""
    if isinstance(value, str):
        problem = _string_problem(value, MAX_STRING_LENGTH)
        if problem:
            raise _Refused(path, problem)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
            raise _Refused(path, NUMBER_MESSAGE)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Refused(path, NUMBER_MESSAGE)
    elif isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            raise _Refused([], DEPTH_MESSAGE)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and _string_problem(key, MAX_KEY_LENGTH):
                raise _Refused(path, BAD_KEY_MESSAGE)
            _check_node(item, [*path, key], depth + 1)


def _nested(path: list, message: str) -> dict:
    """``details`` that nest as the body does, as DRF's own errors do:
    ``{"answers": {"<item id>": ["..."]}}``; the body itself is ``non_field_errors``."""
    if not path:
        return {NON_FIELD: [message]}
    details: Any = [message]
    for part in reversed(path):
        details = {str(part): details}
    return details


def check_json(data: Any) -> None:
    """400 ``validation_error`` unless every node of the parsed body keeps the
    rules above; ``details`` names the first offending place."""
    try:
        _check_node(data, [], 0)
    except _Refused as refused:
        raise ValidationFailed("The request body is invalid.", _nested(refused.path, refused.message)) from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number too large for a double")
    return value


def parse_json_bytes(raw: bytes) -> Any:
    """Strict JSON: UTF-8, no ``NaN``/``Infinity``, no float that overflows,
    nesting within ``MAX_DEPTH``; then ``check_json``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("The request body is not valid UTF-8.") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValidationFailed("The request body is invalid.", {NON_FIELD: [DEPTH_MESSAGE]}) from None
    except ValueError as exc:
        # json's messages name a position, never echo the input.
        raise ValidationFailed(f"The request body is not valid JSON: {exc}.") from None
    check_json(data)
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the boundary's rules (module docstring)."""

    def parse(self, stream, media_type=None, parser_context=None):
        return parse_json_bytes(stream.read())


def check_query(query) -> None:
    """Query keys and values keep the string rules (Django already decoded
    them as UTF-8, replacing bytes that were not)."""
    for key, values in query.lists():
        if _string_problem(key, MAX_KEY_LENGTH):
            raise ValidationFailed("The query string is invalid.", {NON_FIELD: [BAD_KEY_MESSAGE]})
        for value in values:
            problem = _string_problem(value, MAX_STRING_LENGTH)
            if problem:
                raise ValidationFailed("The query string is invalid.", {key: [problem]})


# --- Strict JSON types -----------------------------------------------------------

STRING_MESSAGE = "Must be a string."
INTEGER_MESSAGE = "Must be an integer."
DECIMAL_MESSAGE = 'Must be a decimal string, e.g. "8.50".'
NUMBER_TYPE_MESSAGE = "Must be a number."
BOOLEAN_MESSAGE = "Must be true or false."
OBJECT_MESSAGE = "Must be an object."
LIST_MESSAGE = "Must be a list."


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _datetime_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return STRING_MESSAGE
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        return None  # the field's own message for an unreadable date-time
    if parsed.tzinfo is None:
        return dates.NAIVE_MESSAGE
    if not dates.is_supported_instant(parsed):
        return dates.OUT_OF_RANGE_MESSAGE
    return None


def type_problems(field: serializers.Field, value: Any) -> Any:
    """What is wrong with ``value``'s JSON type for ``field``: None, a list
    of messages, or (containers) the nested errors as DRF shapes them."""
    if value is None:
        return None  # the field's allow_null decides
    if isinstance(field, serializers.Serializer):
        return _serializer_problems(field, value)
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return [LIST_MESSAGE]
        nested = {index: type_problems(field.child, item) for index, item in enumerate(value)}
        nested = {index: problem for index, problem in nested.items() if problem}
        return nested or None
    if isinstance(field, serializers.DictField):
        if not isinstance(value, dict):
            return [OBJECT_MESSAGE]
        nested = {key: type_problems(field.child, item) for key, item in value.items()}
        nested = {key: problem for key, problem in nested.items() if problem}
        return nested or None
    message = _scalar_problem(field, value)
    return [message] if message else None


def _scalar_problem(field: serializers.Field, value: Any) -> str | None:
    if isinstance(field, serializers.DateTimeField):
        return _datetime_problem(value)
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else BOOLEAN_MESSAGE
    if isinstance(field, serializers.IntegerField):
        return None if _is_integer(value) else INTEGER_MESSAGE
    if isinstance(field, serializers.DecimalField):
        # Decimals travel as strings, like money (COERCE_DECIMAL_TO_STRING): exact, as the schema says.
        return None if isinstance(value, str) else DECIMAL_MESSAGE
    if isinstance(field, serializers.FloatField):
        return None if isinstance(value, int | float) and not isinstance(value, bool) else NUMBER_TYPE_MESSAGE
    if isinstance(field, serializers.UUIDField):
        return None if isinstance(value, str) else field.error_messages["invalid"]
    if isinstance(field, serializers.DateField):
        return None if isinstance(value, str) else STRING_MESSAGE
    if isinstance(field, serializers.CharField | serializers.ChoiceField):
        # Choice fields of this API list strings (tool names, "card").
        return None if isinstance(value, str) else STRING_MESSAGE
    return None  # custom fields (e.g. an answer) check their own shapes


def _serializer_problems(serializer: serializers.Serializer, data: Any) -> Any:
    if not isinstance(data, Mapping):
        return None  # the serializer's own "expected an object" error
    problems = {}
    for name, field in serializer.fields.items():
        if field.read_only or name not in data:
            continue
        problem = type_problems(field, data[name])
        if problem:
            problems[name] = problem
    return problems or None


class InputSerializer(serializers.Serializer):
    """The base of every request-body serializer: strict JSON types (module
    docstring) before DRF's own field validation, which would otherwise read
    ``12345`` as the string "12345", ``123`` as a UUID, "yes" as true and a
    naive date-time as UTC."""

    def to_internal_value(self, data):
        problems = _serializer_problems(self, data)
        if not problems:
            return super().to_internal_value(data)
        # Report the other fields' errors too, as DRF would, without letting
        # it read (and coerce) the mistyped values.
        try:
            super().to_internal_value({name: value for name, value in data.items() if name not in problems})
            errors = {}
        except serializers.ValidationError as exc:
            errors = dict(exc.detail) if isinstance(exc.detail, Mapping) else {}
        raise serializers.ValidationError({**errors, **problems})
