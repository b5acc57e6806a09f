"""One rule for every service: a service that acts for a user starts with
``apps.identity.services.require_user``, so an anonymous (or missing) actor
gets 401 ``not_authenticated`` before anything is read, whichever door it
came through. Public reads take anonymous actors on purpose and are listed
below with their reason.

Every public function of a services module that takes ``actor`` is found by
introspection: a new service must either refuse anonymous actors or be
added to ``PUBLIC`` with its reason.
"""

from __future__ import annotations

import importlib
import inspect
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from deltalabs.errors import ErrorCode, NotAuthenticated

SERVICE_MODULES = [
    "apps.identity.services",
    "apps.catalog.services",
    "apps.learning.services",
    "apps.engagement.services",
    "apps.assessment.services",
    "apps.commerce.services.cart",
    "apps.commerce.services.checkout",
    "apps.commerce.services.orders",
    "apps.commerce.services.sponsors",
    "apps.labs.services",
    "apps.ai_orchestration.services",
]

# "<module>.<function>" -> why an anonymous actor is served.
PUBLIC = {
    "apps.identity.services.is_signed_in": "the predicate behind the rule",
    "apps.identity.services.require_user": "the rule itself",
    "apps.catalog.services.course_get_visible": "people browse the catalogue before they sign up",
    "apps.catalog.services.course_detail": "people browse the catalogue before they sign up",
    "apps.catalog.services.course_search": "people browse the catalogue before they sign up",
    "apps.catalog.services.course_detail_document": "course_detail rendered and cached: public like it",
    "apps.catalog.services.course_query": "validates a public catalogue search",
    "apps.catalog.services.course_resources": "answers 401 itself for anonymous callers, after the 404 check",
    "apps.learning.services.course_role": "a predicate: anonymous actors have no role",
    "apps.learning.services.course_detail": "catalog's course_detail with the enrollment fact: public like it",
    "apps.learning.services.course_detail_document": "learning's course_detail rendered: public like it",
    "apps.learning.services.course_resources": "catalog's course_resources with the enrollment fact (401 there)",
    "apps.learning.services.course_staff_may": "a predicate: anonymous actors have no staff role",
    "apps.labs.services.lab_list": "labs are public",
    "apps.labs.services.lab_get": "labs are public",
    "apps.labs.services.lab_availability": "lab availability is public",
    "apps.commerce.services.sponsors.sponsor_list": "approved sponsors are public",
    "apps.commerce.services.sponsors.sponsor_get": "approved sponsors are public",
    "apps.ai_orchestration.services.tool_for": "a predicate: anonymous actors may use no tool",
}

# Placeholder values by parameter name; the rule fires before any is used.
_VALUES = {
    "values": {},
    "message": "hello",
    "title": "A question",
    "body": "Its body.",
    "name": "Acme",
    "contact_email": "a@example.test",
    "seats": 1,
    "answers": {},
    "score": Decimal("1"),
    "is_published": True,
    "completed": True,
    "code": "ABCDEFGHJKMN",
    "course_ids": [],
    "group_ids": [],
    "starts_on": date(2026, 3, 26),
    "ends_on": date(2026, 3, 26),
    "day": date(2026, 3, 26),
    "start": datetime(2026, 3, 26, 9),
    "idempotency_key": "key",
    "payment": None,
    "tool": "get_course",
    "arguments": {},
    "denied_message": "no",
    "provider": None,
}


def _services_with_an_actor() -> list[tuple[str, object]]:
    found = []
    for module_name in SERVICE_MODULES:
        module = importlib.import_module(module_name)
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module_name:
                continue
            if "actor" in inspect.signature(function).parameters:
                found.append((f"{module_name}.{name}", function))
    return found


def _arguments(function) -> dict:
    arguments = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "actor" or parameter.default is not inspect.Parameter.empty:
            continue
        arguments[name] = uuid.uuid4() if name.endswith("_id") else _VALUES[name]
    return arguments


ACTING = [(path, function) for path, function in _services_with_an_actor() if path not in PUBLIC]


def test_every_service_with_an_actor_is_classified():
    found = {path for path, _ in _services_with_an_actor()}
    assert set(PUBLIC) <= found, f"stale PUBLIC rows: {sorted(set(PUBLIC) - found)}"
    assert len(ACTING) > 40  # the discovery finds the services, not nothing


@pytest.mark.django_db
@pytest.mark.parametrize("actor", [AnonymousUser(), None], ids=["anonymous", "missing"])
@pytest.mark.parametrize(("path", "service"), ACTING, ids=[path for path, _ in ACTING])
def test_a_service_acting_for_a_user_refuses_no_user_before_reading_anything(
    path, service, actor, django_assert_num_queries
):
    with django_assert_num_queries(0), pytest.raises(NotAuthenticated) as refused:
        service(actor=actor, **_arguments(service))
    assert (refused.value.status_code, refused.value.code) == (401, ErrorCode.NOT_AUTHENTICATED)
