"""Shared helpers of the OWASP API Security Top 10 (2023) suite.

One module per category (``test_api1_bola.py`` ... ``test_api10_unsafe_consumption.py``).
Domain cases are rows in each module's table: adding a case is one entry.
"""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

from tests.support.fake_http import fake_upstream  # noqa: F401  (fixture for API10)


def assert_error(response, status: int, code: str) -> dict:
    """The response is the error body with ``code`` (docs/api.md, Errors)."""
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert body["code"] == code, body
    assert body["requestId"] == response["X-Request-ID"]
    return body


_CONVERTER = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def api_routes(urlconf: str | None = None) -> set[str]:
    """Every routed path under /v1/, as OpenAPI-style templates (``/v1/courses/{id}``)."""
    routes: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                routes.add("/" + _CONVERTER.sub(r"{\1}", prefix + str(pattern.pattern)))

    walk(get_resolver(urlconf).url_patterns, "")
    return {route for route in routes if route.startswith("/v1/")}
