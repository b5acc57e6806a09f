"""One date-time format in every response (docs/api.md, Conventions):
``YYYY-MM-DDTHH:MM:SSZ``, UTC, to the second, four-digit year.

Walks every GET operation of the schema (as a learner, an instructor and
staff) and every assistant read tool on a seeded database, and checks every
string that looks like a date-time, at any depth.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from apps.catalog.models import Course
from tests.conftest import client_for
from tests.deltalabs.test_poisoned_rows import demo_scene, get_operations

pytestmark = pytest.mark.django_db

LOOKS_LIKE_DATETIME = re.compile(r"-?\d+-\d{2}-\d{2}[T ]\d")
THE_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def datetime_strings(value, where: str = ""):
    """(where, text) for every string in ``value`` that looks like a date-time."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from datetime_strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from datetime_strings(item, f"{where}[{index}]")
    elif isinstance(value, str) and LOOKS_LIKE_DATETIME.match(value):
        yield where, value


def misformatted(body) -> list[tuple[str, str]]:
    return [(where, text) for where, text in datetime_strings(body) if not THE_FORMAT.fullmatch(text)]


def test_the_checker_catches_other_formats():
    body = {
        "a": [{"due_at": "2026-03-01T10:00:00.123456Z"}],
        "b": "2026-03-01T10:00:00+00:00",
        "c": "1-01-01T06:00:00Z",
    }
    assert [where for where, _ in misformatted(body)] == [".a[0].due_at", ".b", ".c"]
    assert not misformatted({"ok": "2026-03-01T10:00:00Z", "date": "2026-03-01", "text": "2026 was a year"})


@pytest.fixture
def seeded():
    call_command("seed", size="small", no_progress=True, stdout=io.StringIO())
    return demo_scene()


def test_every_api_read_uses_one_datetime_format(seeded):
    seen, problems = 0, []
    for role in ("learner", "instructor", "staff"):
        client = client_for(seeded[role])
        for template in get_operations():
            path = template
            for name, value in seeded["ids"].items():
                path = path.replace("{" + name + "}", str(value))
            response = client.get(path)
            if response.status_code != 200 or not response["Content-Type"].startswith("application/json"):
                continue
            if path == "/v1/schema":
                continue  # the schema's examples are not data
            body = response.json()
            seen += sum(1 for _ in datetime_strings(body))
            problems += [(role, path, where, text) for where, text in misformatted(body)]
    assert not problems
    assert seen > 100


def _fill_cart(client) -> None:
    for course in Course.objects.filter(status="published", price__gt=0).order_by("slug"):
        if client.post("/v1/cart/items", {"course_id": str(course.pk)}, format="json").status_code == 201:
            return
    raise AssertionError("no paid course can be added to the cart")


ONE_OF = {"my_progress": ["enrollment_id"]}  # tools that take one of several optional ids


def test_every_assistant_read_tool_uses_one_datetime_format(seeded):
    client = client_for(seeded["learner"])
    _fill_cart(client)  # checkout's quote has an expires_at
    tools = client.get("/v1/ai/tools").json()["results"]
    seen, problems = 0, []
    for tool in [tool for tool in tools if not tool["mutates"]]:
        required = tool["parameters"].get("required", [])
        wanted = [*required, *ONE_OF.get(tool["name"], [])]
        arguments = {name: str(seeded["ids"][name]) for name in wanted if name in seeded["ids"]}
        response = client.post("/v1/ai/execute", {"tool": tool["name"], "arguments": arguments}, format="json")
        assert response.status_code == 200, (tool["name"], response.json())
        body = response.json()
        seen += sum(1 for _ in datetime_strings(body))
        problems += [(tool["name"], where, text) for where, text in misformatted(body)]
    response = client.post("/v1/ai/chat", {"message": "show me my bookings"}, format="json")
    problems += [("chat", where, text) for where, text in misformatted(response.json())]
    assert not problems
    assert seen > 10
