"""API3:2023 Broken Object Property Level Authorization.

Mass assignment: fields a caller may not set (roles, staff flags, email and
its verification, ids, money, status, scores, seat counters) are ignored or
rejected, never written. Excessive exposure: responses never carry secrets
(password hashes, answer keys, payment tokens).

Add a mass-assignment case as one ``MassAssignment`` row (the route, a body
of forbidden fields, and a check that reads the stored object back); add a
never-exposed field to ``NEVER_EXPOSED``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from apps.identity.models import User
from tests.conftest import client_for
from tests.factories.identity import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class MassAssignment:
    id: str
    method: str
    path: Callable[[User], str]
    body: dict  # forbidden fields (plus, optionally, one allowed one)
    stored_unchanged: Callable[[User], None]  # re-reads the object; asserts the forbidden fields kept their values
    ok_statuses: tuple[int, ...] = (200, 201, 400)  # ignored (2xx) or rejected (400): both are fine


def _user_flags_unchanged(actor: User) -> None:
    email = actor.email
    actor.refresh_from_db()
    assert actor.email == email
    assert (actor.is_staff, actor.is_superuser, actor.email_verified, actor.is_active) == (False, False, False, True)


MASS_ASSIGNMENT: list[MassAssignment] = [
    MassAssignment(
        "profile: roles, email and verification",
        "PATCH",
        lambda actor: "/v1/users/me",
        {
            "display_name": "Allowed change",
            "is_staff": True,
            "is_superuser": True,
            "email": "taken-over@example.test",
            "email_verified": True,
            "is_active": False,
            "id": "00000000-0000-0000-0000-000000000001",
            "date_joined": "2000-01-01T00:00:00Z",
            "password": "Pwned-by-patch-1",
        },
        _user_flags_unchanged,
    ),
    # Domain rows, e.g.:
    # MassAssignment("order totals", "POST", lambda actor: "/v1/orders",
    #                {"payment": {...}, "total": "0.00", "status": "paid"}, _order_priced_by_server),
    # MassAssignment("submission score", "POST", _submission_path, {"answers": [...], "score": 100}, ...),
    # MassAssignment("sponsorship seats", "POST", _sponsorships_path, {"course_id": ..., "seats": 2, "seats_used": -5}, ...),
]


@pytest.mark.parametrize("case", MASS_ASSIGNMENT, ids=lambda case: case.id)
def test_forbidden_fields_are_never_written(case: MassAssignment):
    # given a learner
    actor = UserFactory()
    # when they send fields they may not set
    response = client_for(actor).generic(
        case.method, case.path(actor), data=json.dumps(case.body), content_type="application/json"
    )
    # then the request is answered without writing any of them
    assert response.status_code in case.ok_statuses, response.content[:500]
    case.stored_unchanged(actor)


def test_profile_patch_keeps_the_password():
    actor = UserFactory()
    client_for(actor).patch("/v1/users/me", {"password": "Pwned-by-patch-1"}, format="json")
    actor.refresh_from_db()
    assert actor.check_password(TEST_PASSWORD)


def test_registration_cannot_make_staff(api_client):
    response = api_client.post(
        "/v1/auth/register",
        {
            "email": "eager@example.test",
            "password": TEST_PASSWORD,
            "display_name": "Eager",
            "is_staff": True,
            "is_superuser": True,
            "email_verified": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["user"]["is_staff"] is False
    user = User.objects.get(email="eager@example.test")
    assert (user.is_staff, user.is_superuser, user.email_verified) == (False, False, False)


# Field names that must never appear in any response body, at any depth.
NEVER_EXPOSED = {"password", "password_hash", "is_superuser", "last_login", "answer_key", "token"}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


# (method, path, body) reachable by a learner; add domain reads here (course detail, assessments...).
EXPOSURE_PROBES: list[tuple[str, str, dict | None]] = [
    ("GET", "/v1/users/me", None),
    ("PATCH", "/v1/users/me", {"bio": "hello"}),
]


@pytest.mark.parametrize(("method", "path", "body"), EXPOSURE_PROBES, ids=lambda value: str(value))
def test_responses_never_carry_secrets(method, path, body):
    response = client_for(UserFactory()).generic(
        method, path, data=None if body is None else json.dumps(body), content_type="application/json"
    )
    assert response.status_code < 400, response.content[:500]
    assert not _keys(response.json()) & NEVER_EXPOSED


def test_login_and_registration_bodies_carry_no_secrets(api_client):
    user = UserFactory()
    login = api_client.post("/v1/auth/login", {"email": user.email, "password": TEST_PASSWORD}, format="json")
    assert login.status_code == 200
    assert not _keys(login.json()["user"]) & NEVER_EXPOSED
    assert TEST_PASSWORD not in login.content.decode() and user.password not in login.content.decode()
