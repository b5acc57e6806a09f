"""Path converters for learning's routes."""

from __future__ import annotations

import re
from uuid import UUID

_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class CourseRefConverter:
    """A course named by its id or by its slug (``GET /v1/courses/{course_id}``).

    A lower-case UUID is an id (a ``UUID``); anything else a slug matches is a
    slug (a ``str``), resolved by the service. An upper-case id is therefore a
    slug nobody has, and answers 404 like before.
    """

    regex = "[-a-zA-Z0-9_]+"

    def to_python(self, value: str) -> UUID | str:
        return UUID(value) if _CANONICAL_UUID.fullmatch(value) else value

    def to_url(self, value: UUID | str) -> str:
        return str(value)
