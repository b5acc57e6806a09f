"""Every domain 404 reads ``<Thing> not found.`` (docs/api.md, Errors), made by
``NotFound.of`` in every app; the code stays ``not_found``."""

import ast
import re
import uuid
from pathlib import Path

import pytest

from deltalabs.errors import NotFound
from tests.conftest import client_for

APPS = Path(__file__).resolve().parents[2] / "apps"
PATTERN = re.compile(r"[A-Z][a-z]+( [a-z]+)* not found\.")


def not_found_calls():
    """(file:line, call) for every call of ``NotFound`` or ``NotFound.of`` in apps/."""
    for path in sorted(APPS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            named = (isinstance(func, ast.Name) and func.id == "NotFound") or (
                isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "NotFound"
            )
            if named:
                yield f"{path.relative_to(APPS.parent)}:{node.lineno}", node


def test_every_domain_404_names_its_thing_through_one_helper():
    calls = list(not_found_calls())
    assert len(calls) > 30
    for where, call in calls:
        assert isinstance(call.func, ast.Attribute) and call.func.attr == "of", f"{where}: use NotFound.of(<Thing>)"
        (thing,) = call.args
        assert isinstance(thing, ast.Constant), where
        assert PATTERN.fullmatch(NotFound.of(thing.value).message), f"{where}: {thing.value!r}"


def test_the_helper_keeps_the_code():
    error = NotFound.of("Order")
    assert (error.status_code, error.code, error.message) == (404, "not_found", "Order not found.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/v1/courses/{id}", "Course not found."),
        ("/v1/orders/{id}", "Order not found."),
        ("/v1/sponsors/{id}", "Sponsor not found."),
        ("/v1/labs/{id}", "Lab not found."),
        ("/v1/bookings/{id}", "Booking not found."),
        ("/v1/enrollments/{id}", "Enrollment not found."),
        ("/v1/assessments/{id}", "Assessment not found."),
        ("/v1/submissions/{id}", "Submission not found."),
        ("/v1/ai/conversations/{id}", "Conversation not found."),
        ("/v1/courses/{id}/questions", "Course not found."),
    ],
)
def test_api_404s_across_apps_read_alike(user, path, message):
    response = client_for(user).get(path.replace("{id}", str(uuid.uuid4())))
    assert response.status_code == 404
    body = response.json()
    assert (body["code"], body["message"]) == ("not_found", message)
