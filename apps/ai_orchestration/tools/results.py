"""Tool results are rendered by the owning app's output serializers (its
``outputs`` module), the ones its REST views use: a course, an enrollment, a
booking or a cart reads the same in a tool result as in the API
(docs/api.md, Assistant). Nothing here knows a field name.

Results are stored with the tool call (a JSON column) and fed back to the
language model, so they are turned into plain JSON values here, with the
REST renderer's own encoder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rest_framework.serializers import BaseSerializer
from rest_framework.utils.encoders import JSONEncoder

from deltalabs.pagination import Page

Renderer = Callable[[Any], dict]


def plain_json(data: Any) -> Any:
    """Serializer output (``ReturnDict``, ``OrderedDict``...) as plain JSON values."""
    return json.loads(json.dumps(data, cls=JSONEncoder))


def rendered(serializer_class: type[BaseSerializer], instance: Any, **context: Any) -> dict:
    return plain_json(serializer_class(instance, context=context).data)


def renders(serializer_class: type[BaseSerializer]) -> Renderer:
    """A tool's ``serialize``: the service's object through ``serializer_class``."""
    return lambda instance: rendered(serializer_class, instance)


def renders_page(serializer_class: type[BaseSerializer]) -> Renderer:
    """A tool's ``serialize`` for a service answering a ``Page``: the REST
    list shape, ``{"results": [...], "next_cursor": ...}``."""

    def render(page: Page) -> dict:
        return {
            "results": plain_json(serializer_class(page.items, many=True).data),
            "next_cursor": page.next_cursor,
        }

    return render
