"""Text that cannot leave the server as it is: one rule, used by every output door.

A string the input boundary would refuse (a lone UTF-16 surrogate, which UTF-8
cannot encode, or a NUL) can still sit in the database: written before the rule
existed, by a script, by raw SQL, or inside a JSON document (JSON escapes such as
``"\\ud800"`` decode to lone surrogates). Reading it must never fail, so each such
code point is rendered as U+FFFD REPLACEMENT CHARACTER:

- the API's JSON renderer (``deltalabs.renderers``),
- every HTML page and email rendered from a template (``deltalabs.templates``),
- the admin's CSV exports (``deltalabs.admin_tools``),
- SQLite text cells that are not valid UTF-8 at all, decoded with replacement
  (``sqlite_text_factory``) instead of failing the whole query.

``manage.py check_data`` finds the rows that hold such text (``find_poison``).
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
# Lone surrogates (UTF-8 cannot encode them) and NUL (refused by every string rule).
_POISON = re.compile("[\x00\ud800-\udfff]")


def is_poisoned(text: str) -> bool:
    return _POISON.search(text) is not None


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate and NUL replaced by U+FFFD (the same object when clean)."""
    if _POISON.search(text) is None:
        return text
    return _POISON.sub(REPLACEMENT, text)


def clean_data(value: Any) -> Any:
    """A JSON-like value (dicts, lists, tuples, strings at any depth, keys included) with clean text."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_data(key): clean_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_data(item) for item in value]
    return value


def find_poison(value: Any) -> bool:
    """Whether a JSON-like value holds a poisoned string anywhere (keys included)."""
    if isinstance(value, str):
        return is_poisoned(value)
    if isinstance(value, dict):
        return any(find_poison(key) or find_poison(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(find_poison(item) for item in value)
    return False


def sqlite_text_factory(data: bytes) -> str:
    """SQLite text cells as str: invalid UTF-8 becomes U+FFFD instead of failing the query."""
    return data.decode("utf-8", "replace")


def sqlite_strict_text_factory(data: bytes) -> str:
    """For ``check_data``: invalid UTF-8 becomes lone surrogates, which ``is_poisoned`` sees."""
    return data.decode("utf-8", "surrogateescape")
