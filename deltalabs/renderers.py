"""The API's JSON renderer: DRF's ``JSONRenderer`` output, produced by orjson.

Same bytes as DRF's renderer for everything the API returns (compact
separators, UTF-8, insertion order, ``\\u2028``/``\\u2029`` escaped, dates
and decimals through DRF's own encoder), measured several times faster on
the course list. Anything orjson cannot encode exactly (integers beyond 64
bits, ``indent`` asked for in ``Accept``) goes through DRF's renderer.

``Prerendered`` bodies (the cached course list) were written by this renderer
before and pass through unchanged.

Text that cannot be sent as it is (a lone surrogate or a NUL read from a poisoned
row) is rendered as U+FFFD (``deltalabs.text``); the check costs nothing on clean
data (orjson refuses surrogates, and a NUL shows as an escape in the output).
"""

from __future__ import annotations

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

from deltalabs.text import clean_data

# Dates, times and dataclasses go to DRF's encoder (orjson would format them
# its own way); dict keys that are not strings are converted as json does.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
_default = JSONEncoder().default
_LINE_SEPARATOR = "\u2028".encode()
_PARAGRAPH_SEPARATOR = "\u2029".encode()


_ESCAPED_NUL = b"\\u0000"
# Scans of a 50 KB body (the 31-day availability): a one-byte search and
# isascii() take about a microsecond, a search for a longer needle 20-30. The
# long searches run only when the quick ones cannot rule them out.
_BACKSLASH = b"\\"


class Prerendered:
    """A response body this renderer already wrote (a cached page): sent as it is,
    or re-read and written again when the client asked for ``indent``."""

    __slots__ = ("content",)

    def __init__(self, content: bytes) -> None:
        self.content = content


def _indent_asked(accepted_media_type, renderer_context) -> bool:
    return bool((accepted_media_type and "indent" in accepted_media_type) or (renderer_context or {}).get("indent"))


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if type(data) is Prerendered:
            if not _indent_asked(accepted_media_type, renderer_context):
                return data.content
            data = orjson.loads(data.content)  # written again, indented, below
        try:
            rendered = self._render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            # A lone surrogate: orjson refused it and DRF's renderer could not encode it.
            return self._render(clean_data(data), accepted_media_type, renderer_context)
        if _BACKSLASH in rendered and _ESCAPED_NUL in rendered:
            return self._render(clean_data(data), accepted_media_type, renderer_context)
        return rendered

    def _render(self, data, accepted_media_type, renderer_context) -> bytes:
        if _indent_asked(accepted_media_type, renderer_context):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # DRF escapes these two so the output is also valid JavaScript.
        if not rendered.isascii() and (_LINE_SEPARATOR in rendered or _PARAGRAPH_SEPARATOR in rendered):
            rendered = rendered.replace(_LINE_SEPARATOR, b"\\u2028").replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
        return rendered
