"""The input boundary (deltalabs.inputs) as a unit, and the guard that keeps
every request body serializer on it."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.test import APIClient

from deltalabs.errors import ValidationFailed
from deltalabs.inputs import MAX_DEPTH, InputSerializer, check_json, parse_json_bytes


def refusal(raw: bytes) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        parse_json_bytes(raw)
    return caught.value.details or {}


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


class TestParser:
    def test_depth_up_to_the_cap_is_read(self):
        assert parse_json_bytes(nested(MAX_DEPTH)) is not None
        assert refusal(nested(MAX_DEPTH + 1)) == {"non_field_errors": ["The body is nested more than 32 levels deep."]}

    def test_a_depth_beyond_the_recursion_limit_is_the_same_refusal(self):
        assert refusal(nested(200_000)) == refusal(nested(MAX_DEPTH + 1))

    @pytest.mark.parametrize("raw", [b"NaN", b"[Infinity]", b'{"a": -Infinity}', b"[1e400]", b"-1e400"])
    def test_non_finite_numbers(self, raw):
        with pytest.raises(ValidationFailed):
            parse_json_bytes(raw)

    def test_64_bit_integers_are_the_limit(self):
        assert parse_json_bytes(json.dumps([2**63 - 1, -(2**63)]).encode()) == [2**63 - 1, -(2**63)]
        assert refusal(json.dumps({"n": [2**63]}).encode()) == {
            "n": {"0": ["Numbers must be finite, and integers within 64 bits."]}
        }

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('"\\ud800"', "Must be valid Unicode text (no unpaired surrogate characters)."),
            ('"\\udc00x"', "Must be valid Unicode text (no unpaired surrogate characters)."),
            ('"a\\u0000"', "Null characters are not allowed."),
            (json.dumps("x" * 10_001), "Ensure this field has no more than 10000 characters."),
        ],
    )
    def test_string_rules_at_every_depth(self, text, message):
        for template, expected in (
            ("{}", {"non_field_errors": [message]}),
            ('{{"a": {}}}', {"a": [message]}),
            ('{{"a": [1, {{"b": {}}}]}}', {"a": {"1": {"b": [message]}}}),
        ):
            assert refusal(template.format(text).encode()) == expected

    def test_a_paired_surrogate_is_a_character(self):
        assert parse_json_bytes(b'"\\ud83d\\ude00"') == "\U0001f600"

    @pytest.mark.parametrize("key", ['"\\ud800"', '"k\\u0000"', json.dumps("k" * 256)])
    def test_bad_keys_are_reported_on_their_object_without_echo(self, key):
        details = refusal(f'{{"outer": {{{key}: 1}}}}'.encode())
        assert details == {
            "outer": ["Object keys must be valid Unicode text without NUL characters, at most 255 characters."]
        }

    def test_bidi_controls_and_long_text_within_the_cap_are_text(self):
        text = "\u202eabc\u2066" + "x" * 9_990
        assert parse_json_bytes(json.dumps({"k": text}).encode()) == {"k": text}

    def test_check_json_accepts_what_the_api_sends(self):
        check_json({"answers": {"id": [0, 2], "other": "text"}, "n": None, "ok": True, "x": 1.5})

    def test_invalid_utf8(self):
        with pytest.raises(ValidationFailed):
            parse_json_bytes(b'"\xed\xa0\x80"')


class Sample(InputSerializer):
    text = serializers.CharField(required=False)
    count = serializers.IntegerField(required=False)
    flag = serializers.BooleanField(required=False)
    ident = serializers.UUIDField(required=False)
    when = serializers.DateTimeField(required=False)
    amount = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    scores = serializers.DictField(child=serializers.IntegerField(), required=False)


class TestStrictTypes:
    @pytest.mark.parametrize(
        "data",
        [
            {"text": "12345"},
            {"count": 3},
            {"count": 3.0},
            {"flag": False},
            {"ident": "4e5f8a8c-2b1f-4a55-9d7b-0a3c1e2f4b5d"},
            {"when": "2026-11-26T09:00:00+01:00"},
            {"amount": "12.50"},
            {"tags": ["a", "b"]},
            {"scores": {"a": 1}},
        ],
    )
    def test_the_right_types_pass(self, data):
        assert Sample(data=data).is_valid(), Sample(data=data).errors

    @pytest.mark.parametrize(
        ("data", "errors"),
        [
            ({"text": 12345}, {"text": ["Must be a string."]}),
            ({"text": True}, {"text": ["Must be a string."]}),
            ({"count": "3"}, {"count": ["Must be an integer."]}),
            ({"count": True}, {"count": ["Must be an integer."]}),
            ({"count": 3.5}, {"count": ["Must be an integer."]}),
            ({"flag": "true"}, {"flag": ["Must be true or false."]}),
            ({"flag": 0}, {"flag": ["Must be true or false."]}),
            ({"ident": 123}, {"ident": ["Must be a valid UUID."]}),
            ({"when": "2026-11-26T09:00:00"}, {"when": ["Include a time zone, e.g. 2026-11-26T09:00:00Z or +01:00."]}),
            ({"when": "9999-12-31T23:00:00Z"}, {"when": ["Must be between 1900-01-01 and 9000-12-31."]}),
            ({"when": 1700000000}, {"when": ["Must be a string."]}),
            ({"amount": False}, {"amount": ['Must be a decimal string, e.g. "8.50".']}),
            ({"amount": 12.5}, {"amount": ['Must be a decimal string, e.g. "8.50".']}),
            ({"tags": ["a", 1]}, {"tags": {1: ["Must be a string."]}}),
            ({"tags": "a"}, {"tags": ["Must be a list."]}),
            ({"scores": {"a": "1"}}, {"scores": {"a": ["Must be an integer."]}}),
        ],
    )
    def test_other_types_are_refused(self, data, errors):
        serializer = Sample(data=data)
        assert not serializer.is_valid()
        assert serializer.errors == errors


def test_every_request_body_serializer_reads_strict_types(monkeypatch, db):
    """The schema's request bodies are exactly the serializers views read
    bodies with; each must build on InputSerializer."""
    seen: list[tuple[str, str, object]] = []
    original = AutoSchema._get_request_body

    def spy(self, direction="request"):
        seen.append((self.method, self.path, self.get_request_serializer()))
        return original(self, direction)

    monkeypatch.setattr(AutoSchema, "_get_request_body", spy)
    assert APIClient().get("/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").status_code == 200
    bodies = [(method, path, serializer) for method, path, serializer in seen if serializer is not None]
    assert len(bodies) >= 20
    for method, path, serializer in bodies:
        klass = serializer if isinstance(serializer, type) else type(serializer)
        assert issubclass(klass, InputSerializer), f"{method} {path}: {klass.__name__} is not an InputSerializer"
