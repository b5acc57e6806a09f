"""The text rule (deltalabs.text) and the doors that apply it besides the JSON renderer."""

from __future__ import annotations

from django.template import engines

from deltalabs.admin_tools import csv_rows
from deltalabs.text import clean_data, clean_text, find_poison, sqlite_strict_text_factory, sqlite_text_factory


def test_clean_text_replaces_lone_surrogates_and_nul_only():
    assert clean_text("a\ud800b\x00c\udfff") == "a\ufffdb\ufffdc\ufffd"
    ok = "caf\u00e9 \U0001f600 \x01 \\u0000"
    assert clean_text(ok) is ok


def test_clean_data_reaches_every_depth_and_keys():
    assert clean_data({"k\ud800": [("\x00", 1), {"x": None}]}) == {"k\ufffd": [["\ufffd", 1], {"x": None}]}
    assert find_poison({"a": [{"b\x00": 1}]}) and not find_poison({"a": ["\ufffd"]})


def test_templates_render_poisoned_text_as_the_replacement_character():
    template = engines["django"].from_string("<p>{{ title }}</p>")
    rendered = template.render({"title": "Bad\ud800\x00"})
    assert rendered == "<p>Bad\ufffd\ufffd</p>"
    rendered.encode("utf-8")


def test_csv_exports_render_poisoned_text_as_the_replacement_character():
    class Row:
        title = "Bad\ud800"

    class Rows(list):
        def iterator(self, chunk_size):
            return iter(self)

    lines = list(csv_rows(Rows([Row()]), ["title"]))
    assert lines == ["title\r\n", "Bad\ufffd\r\n"]


def test_sqlite_text_factories():
    invalid = b"ok \xed\xa0\x80 \xff"
    assert sqlite_text_factory(invalid) == "ok \ufffd\ufffd\ufffd \ufffd"
    assert find_poison(sqlite_strict_text_factory(invalid))
    assert sqlite_text_factory("caf\u00e9".encode()) == "caf\u00e9"
