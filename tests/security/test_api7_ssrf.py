"""API7:2023 Server Side Request Forgery.

The server never fetches a URL a client supplied. Two guards keep it so:

1. Schema inspection: no request field or parameter is a URL (``format: uri``
   or a URL-ish name) unless ``STORED_URL_FIELDS`` says it is only stored and
   displayed, never fetched by the server.
2. Code inspection: only the modules in ``OUTBOUND_HTTP_MODULES`` may import
   an HTTP client, and each says where its URL comes from (settings, never
   request data).

Today nothing makes outbound HTTP calls and no request field is a URL. When a
payment or AI provider client lands, add its module with the reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from drf_spectacular.generators import SchemaGenerator

from config.env import BASE_DIR

_URLISH = re.compile(r"(^|_)(url|uri|href|link|website|webhook|callback|endpoint|host|domain|redirect)s?($|_)")

# "<Component>.<field>" or "<METHOD> <path> <parameter>" -> why it is safe.
STORED_URL_FIELDS: dict[str, str] = {
    # "SponsorApplicationRequest.website": "shown to staff as a link; the server never requests it",
}

# Module path (relative to the repo) -> where its URLs come from.
OUTBOUND_HTTP_MODULES: dict[str, str] = {
    # "apps/commerce/payments.py": "PAYMENT_BASE_URL from settings",
    # "apps/ai_orchestration/providers.py": "AI_BASE_URL from settings",
}

HTTP_CLIENTS = {"httpx", "requests", "urllib.request", "urllib3", "http.client", "aiohttp", "pycurl", "socket"}


def _url_fields(schema: dict) -> set[str]:
    found = set()
    for name, component in schema["components"]["schemas"].items():
        if not name.endswith("Request"):
            continue
        for field, spec in component.get("properties", {}).items():
            if spec.get("format") in {"uri", "url", "hostname"} or _URLISH.search(field):
                found.add(f"{name}.{field}")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                spec = parameter.get("schema", {})
                if spec.get("format") in {"uri", "url", "hostname"} or _URLISH.search(parameter["name"].lower()):
                    found.add(f"{method.upper()} {path} {parameter['name']}")
    return found


def test_no_request_field_is_a_url_the_server_would_fetch():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    unexplained = sorted(_url_fields(schema) - set(STORED_URL_FIELDS))
    assert not unexplained, f"document in STORED_URL_FIELDS why these URLs are never fetched: {unexplained}"


def test_the_url_detector_recognises_urls():
    # The control: the inspection above is not vacuous.
    schema = {
        "components": {
            "schemas": {
                "HookRequest": {"properties": {"callback_url": {"type": "string"}, "name": {"type": "string"}}},
                "AvatarRequest": {"properties": {"source": {"type": "string", "format": "uri"}}},
            }
        },
        "paths": {"/v1/x": {"get": {"parameters": [{"name": "redirect", "schema": {"type": "string"}}]}}},
    }
    assert _url_fields(schema) == {"HookRequest.callback_url", "AvatarRequest.source", "GET /v1/x redirect"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _http_importers() -> set[str]:
    found = set()
    for package in ("apps", "deltalabs", "config"):
        for path in (BASE_DIR / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if any(
                name == client or name.startswith(client + ".") for name in _imports(path) for client in HTTP_CLIENTS
            ):
                found.add(str(path.relative_to(BASE_DIR)))
    return found


def test_only_known_modules_make_outbound_http_calls():
    unexplained = sorted(_http_importers() - set(OUTBOUND_HTTP_MODULES))
    assert not unexplained, f"add to OUTBOUND_HTTP_MODULES, with where the URL comes from: {unexplained}"
