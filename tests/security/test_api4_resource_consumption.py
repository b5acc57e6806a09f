"""API4:2023 Unrestricted Resource Consumption.

Every list is cursor-paginated with the limit clamped to 100; request bodies
are capped (413); every string a client may send is bounded in the schema;
idempotency keys are bounded; every call to a backing or upstream service has
a finite timeout, and so do Celery tasks.

Add a paginated endpoint as one ``PAGINATED`` row (its path and a function that
creates more than 100 rows visible to the caller, in bulk).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from drf_spectacular.generators import SchemaGenerator

from apps.identity.models import User
from config.env import database_from_url
from tests.conftest import client_for
from tests.factories.identity import UserFactory
from tests.security.conftest import assert_error

pytestmark = pytest.mark.django_db

MAX_LIMIT = 100


def _many_users(viewer: User) -> None:
    User.objects.bulk_create(
        [User(email=f"bulk{n}@example.test", display_name=f"Bulk {n:03d}") for n in range(MAX_LIMIT + 5)]
    )


@dataclass(frozen=True)
class Paginated:
    path: str
    arrange: Callable[[User], None]  # makes more than MAX_LIMIT rows visible to the viewer


PAGINATED: list = [
    # The probe list of tests/deltalabs/probe_urls.py exercises the shared paginator
    # until a domain list exists; domain rows follow the same shape, e.g.
    # pytest.param(Paginated("/v1/courses", _many_published_courses), id="courses"),
    pytest.param(
        Paginated("/v1/_probe/users", _many_users),
        id="probe users",
        marks=pytest.mark.urls("tests.deltalabs.probe_urls"),
    ),
]


@pytest.mark.parametrize("endpoint", PAGINATED)
def test_limit_is_clamped(endpoint: Paginated):
    # given more rows than the largest page
    viewer = UserFactory()
    endpoint.arrange(viewer)
    # when a client asks for a huge page
    response = client_for(viewer).get(endpoint.path, {"limit": 1_000_000})
    # then it gets at most 100 rows and a cursor for the rest
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert len(body["results"]) == MAX_LIMIT
    assert body["next_cursor"]


@pytest.mark.parametrize("endpoint", PAGINATED)
@pytest.mark.parametrize("limit", ["0", "-1", "ten", "1e9"])
def test_nonsense_limits_are_refused(endpoint: Paginated, limit):
    assert_error(client_for(UserFactory()).get(endpoint.path, {"limit": limit}), 400, "validation_error")


@pytest.mark.parametrize("endpoint", PAGINATED)
def test_forged_cursor_is_refused(endpoint: Paginated):
    response = client_for(UserFactory()).get(endpoint.path, {"cursor": "eyJvIjoiLWlkIiwidiI6WzFdfQ"})
    assert_error(response, 400, "validation_error")


def test_pagination_maximum_is_100():
    assert django_settings.PAGINATION_MAX_LIMIT == MAX_LIMIT


def test_request_body_size_is_capped(api_client):
    # The default cap (not a test override) refuses a 2 MiB body before any view work.
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 1024 * 1024
    blob = "x" * (2 * 1024 * 1024)
    response = api_client.post(
        "/v1/auth/register", {"email": "big@example.test", "password": blob, "display_name": "Big"}, format="json"
    )
    assert_error(response, 413, "payload_too_large")


def test_overlong_idempotency_key_is_refused(user_client):
    response = user_client.patch("/v1/users/me", {"bio": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert_error(response, 400, "idempotency_key_invalid")


def _unbounded_strings(schema: dict) -> list[str]:
    components = schema["components"]["schemas"]
    found = []

    def visit(node, where: str) -> None:
        if not isinstance(node, dict):
            return
        if node.get("type") == "string" and not node.get("readOnly"):
            bounded = "maxLength" in node or "enum" in node or node.get("format") in {"uuid", "date", "date-time"}
            if not bounded:
                found.append(where)
        for key, child in node.get("properties", {}).items():
            visit(child, f"{where}.{key}")
        visit(node.get("items"), f"{where}[]")

    for name, component in components.items():
        if name.endswith("Request"):  # the request side (COMPONENT_SPLIT_REQUEST)
            visit(component, name)
    # Query strings and headers are bounded by the HTTP server's line limits.
    return found


def test_every_string_a_client_sends_is_bounded():
    """Every string field of a request body declares max_length (the 1 MiB
    body cap is the last line of defence, not the first)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not _unbounded_strings(schema), "give these serializer fields a max_length"


@pytest.mark.parametrize(
    ("setting", "ceiling"),
    [
        ("REDIS_TIMEOUT_SECONDS", 5),
        ("PAYMENT_TIMEOUT_SECONDS", 30),
        ("AI_TIMEOUT_SECONDS", 60),
        ("CELERY_TASK_SOFT_TIME_LIMIT", 600),
        ("CELERY_TASK_TIME_LIMIT", 900),
        ("IDEMPOTENCY_LOCK_SECONDS", 600),
    ],
)
def test_every_wait_is_bounded(setting, ceiling):
    value = getattr(django_settings, setting)
    assert value is not None and 0 < value <= ceiling


def test_database_calls_time_out():
    sqlite_timeout = django_settings.DATABASES["default"].get("OPTIONS", {}).get("timeout")
    assert sqlite_timeout is None or 0 < sqlite_timeout <= 60
    mongo = database_from_url("mongodb://db.example:27017/deltalabs")
    assert 0 < mongo["OPTIONS"]["serverSelectionTimeoutMS"] <= 30_000
