"""The orjson renderer writes the bytes DRF's JSONRenderer writes."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from deltalabs.renderers import JSONRenderer as FastJSONRenderer

UTC = datetime.UTC

PAYLOADS = [
    {"results": [], "next_cursor": None},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "price": "49.00", "ok": True, "n": 3, "x": None},
    {"when": datetime.datetime(2026, 11, 26, 9, 30, tzinfo=UTC)},
    {"when": datetime.datetime(2026, 11, 26, 9, 30, 1, 123456, tzinfo=UTC)},
    {"when": datetime.datetime(2026, 11, 26, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))},
    {"day": datetime.date(2026, 2, 28), "at": datetime.time(9, 30), "took": datetime.timedelta(minutes=3)},
    {"amount": Decimal("12.50"), "lazy": gettext_lazy("Not found.")},
    {"text": 'caf\u00e9 \u2603 \U0001f600 "quoted" back\\slash \n tab\t \x01 \x1f'},
    {"text": "an escaped-looking \\u0000 is plain text"},
    {"separators": "a\u2028b\u2029c"},
    {1: "int key", "nested": {"list": [1, 2.5, -0.0, 10**15, "s", [None, False]]}},
    ReturnDict({"a": ReturnList([{"b": 1}], serializer=None)}, serializer=None),
    [("tuple", 1), {"set_like": ["x"]}],
    {"float": 0.1, "big_float": 1.5e300, "small": 3.14159},
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_same_bytes_as_drf(payload):
    assert FastJSONRenderer().render(payload) == JSONRenderer().render(payload)


POISONED = [
    ({"text": "a\ud800b"}, {"text": "a\ufffdb"}),
    ({"text": "nul\x00here"}, {"text": "nul\ufffdhere"}),
    ({"deep": [{"x\udfff": ["\udc80", 1, None]}]}, {"deep": [{"x\ufffd": ["\ufffd", 1, None]}]}),
    ({"huge": 2**70, "t": "\ud800"}, {"huge": 2**70, "t": "\ufffd"}),
]


@pytest.mark.parametrize(("poisoned", "clean"), POISONED)
@pytest.mark.parametrize("media_type", [None, "application/json; indent=2"])
def test_lone_surrogates_and_nul_are_rendered_as_the_replacement_character(poisoned, clean, media_type):
    """deltalabs.text: what the input boundary refuses never goes out, even when stored."""
    rendered = FastJSONRenderer().render(poisoned, media_type)
    assert rendered == JSONRenderer().render(clean, media_type)
    assert rendered.decode("utf-8")


def test_falls_back_to_drf_for_what_orjson_cannot_encode():
    payload = {"huge": 2**70}
    assert FastJSONRenderer().render(payload) == JSONRenderer().render(payload) == b'{"huge":1180591620717411303424}'


def test_indent_requested_in_accept_is_honoured():
    payload = {"a": [1, 2]}
    media_type = "application/json; indent=2"
    assert FastJSONRenderer().render(payload, media_type) == JSONRenderer().render(payload, media_type)
    assert b"\n" in FastJSONRenderer().render(payload, media_type)


def test_unserialisable_objects_fail_as_with_drf():
    @dataclass
    class Thing:
        name: str

    with pytest.raises(TypeError):
        JSONRenderer().render({"thing": Thing("x")})
    with pytest.raises(TypeError):
        FastJSONRenderer().render({"thing": Thing("x")})


def test_none_renders_empty_body():
    assert FastJSONRenderer().render(None) == b""
