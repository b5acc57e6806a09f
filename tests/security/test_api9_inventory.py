"""API9:2023 Improper Inventory Management.

The OpenAPI schema is the inventory: every routed /v1/ endpoint is documented
(with its methods) and every documented operation is routed; nothing outside
/v1/ serves the API (no unversioned or shadow routes); every operation has a
summary and a tag so the docs stay usable; the schema builds without generator
warnings and validates as OpenAPI 3.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator

from config.env import BASE_DIR
from tests.security.conftest import api_routes

# Routed under /v1/ but not API operations themselves.
SCHEMA_AND_DOCS = {"/v1/schema", "/v1/docs", "/v1/redoc"}

# Everything the root URLconf may serve outside /v1/.
# "" is the landing page (links to the docs and the admin), "favicon.ico" its icon.
UNVERSIONED_ALLOWED = {"", "favicon.ico", "healthz", "readyz", "admin/", "v1/"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_route_is_documented_and_every_operation_routed(schema):
    documented = set(schema["paths"])
    routed = api_routes() - SCHEMA_AND_DOCS
    assert sorted(routed - documented) == [], "routes missing from the OpenAPI schema (undocumented endpoints)"
    assert sorted(documented - routed) == [], "documented operations with no route (stale docs)"


def _served_methods(path: str) -> set[str]:
    # Any well-formed value resolves the route; a UUID fits every converter the project uses.
    view = resolve(re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)).func
    actions = getattr(view, "actions", None)  # viewsets map methods to actions
    if actions:
        return set(actions)
    return {method for method in view.cls.http_method_names if hasattr(view.cls, method)} - {"options", "head"}


def test_documented_methods_are_the_served_methods(schema):
    for path, operations in schema["paths"].items():
        documented = {method for method in operations if method != "parameters"}
        assert documented == _served_methods(path), path


def test_no_unversioned_api_routes():
    top_level = set()
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, (URLPattern, URLResolver)):
            top_level.add(str(pattern.pattern))
    assert top_level <= UNVERSIONED_ALLOWED, sorted(top_level - UNVERSIONED_ALLOWED)


def test_every_operation_is_described(schema):
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not operation.get("summary")
        or not operation.get("tags")
        or "Base class of every project API view" in operation.get("description", "")
    ]
    assert not undocumented, "give these operations extend_schema(summary=..., tags=[...])"


def test_the_schema_names_its_version(schema):
    assert schema["info"]["version"].startswith("1.")
    assert all(path.startswith("/v1/") for path in schema["paths"])


def test_the_schema_builds_without_warnings_and_validates(tmp_path):
    # Unresolvable serializers or missing extend_schema show up as generator
    # warnings: an endpoint the docs describe wrongly is half an inventory.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(tmp_path / "s.yaml"),
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
