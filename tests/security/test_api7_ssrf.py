"""API7:2023 Server Side Request Forgery.

The server never fetches a URL a client supplied. Two guards keep it so:

1. Schema inspection: no request field or parameter is a URL (``format: uri``
   or a URL-ish name) unless ``STORED_URL_FIELDS`` says it is only stored and
   displayed, never fetched by the server.
2. Code inspection: only the modules in ``OUTBOUND_HTTP_MODULES`` may import
   an HTTP client, and each says where its URL comes from (settings, never
   request data).

3. Model inspection: every stored column that holds a URL (``URLField`` or a
   URL-ish name) is in ``STORED_URL_COLUMNS`` with who writes it and why the
   server never requests it (resources are written in the admin, so they never
   show up as API request fields).

The only outbound HTTP client is ``deltalabs.http.post_json``, used by the
payment gateway (``PAYMENT_PROVIDER=http``) and the OpenAI-compatible AI
provider; both build their URLs from settings.
"""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.db import models
from drf_spectacular.generators import SchemaGenerator

from apps.commerce import payments
from config.env import BASE_DIR

_URLISH = re.compile(r"(^|_)(url|uri|href|link|website|webhook|callback|endpoint|host|domain|redirect)s?($|_)")

# "<Component>.<field>" or "<METHOD> <path> <parameter>" -> why it is safe.
STORED_URL_FIELDS: dict[str, str] = {
    "SponsorInputRequest.website": (
        "POST /v1/sponsors: stored on the Sponsor and shown as text (API) or a link (admin); "
        "no code path requests it (only apps/commerce/payments.py imports an HTTP client)"
    ),
}

# "<app_label>.<Model>.<field>" -> who writes it and why the server never requests it.
STORED_URL_COLUMNS: dict[str, str] = {
    "commerce.Sponsor.website": "the applicant's site (POST /v1/sponsors); displayed, never fetched",
    "catalog.Resource.url": (
        "a course resource link written by staff in the course admin; handed to enrolled learners "
        "as-is (GET /v1/courses/{id}/resources), never fetched or previewed by the server"
    ),
}

# Module path (relative to the repo) -> where its URLs come from.
OUTBOUND_HTTP_MODULES: dict[str, str] = {
    "deltalabs/http.py": (
        "post_json, the one outbound client: its callers pass URLs built from settings only — "
        "apps/commerce/payments.py (settings.PAYMENT_BASE_URL + /charges or /refunds, PAYMENT_TIMEOUT_SECONDS) and "
        "apps/ai_orchestration/providers/openai.py (settings.AI_BASE_URL + /chat/completions, AI_TIMEOUT_SECONDS); "
        "request data only fills the JSON body; one deadline for the whole exchange and a size cap"
    ),
    "deltalabs/tasks.py": "imports socket for socket.gethostname() in the worker ping; opens no connection",
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


def test_only_known_modules_are_listed():
    # The reverse: an entry whose module no longer imports an HTTP client is stale.
    stale = sorted(set(OUTBOUND_HTTP_MODULES) - _http_importers())
    assert not stale, f"remove from OUTBOUND_HTTP_MODULES: {stale}"


def _url_columns() -> set[str]:
    found = set()
    for model in apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.URLField) or _URLISH.search(field.name):
                found.add(f"{model._meta.app_label}.{model.__name__}.{field.name}")
    return found


def test_every_stored_url_is_explained():
    columns = _url_columns()
    assert sorted(columns - set(STORED_URL_COLUMNS)) == [], "document in STORED_URL_COLUMNS why it is never fetched"
    assert sorted(set(STORED_URL_COLUMNS) - columns) == [], "stale STORED_URL_COLUMNS entries"


def test_the_payment_provider_calls_only_its_configured_url(settings, fake_upstream):
    """The provider's URL is the setting plus a fixed path; nothing a client
    sends (the card token, the description) changes where the request goes."""
    settings.PAYMENT_PROVIDER = "http"
    settings.PAYMENT_BASE_URL = fake_upstream.url + "/gateway"
    settings.PAYMENT_API_KEY = "sk_test_ssrf"
    fake_upstream.reply(json={"id": "ch_1", "status": "succeeded", "amount": "49.00", "currency": "USD"})
    provider = payments.get_provider()
    provider.charge(
        amount=Decimal("49.00"),
        currency="USD",
        token="http://169.254.169.254/latest/meta-data/",
        idempotency_key="k-1",
        description="http://internal.example/",
    )
    (recorded,) = fake_upstream.requests
    assert (recorded.method, recorded.path) == ("POST", "/gateway/charges")
