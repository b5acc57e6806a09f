"""API1:2023 Broken Object Level Authorization.

User B must never read or change user A's objects: another user's object is a
404 ``not_found`` (SPEC 3.2: do not reveal it exists), and self-scoped routes
(``/v1/users/me``) only ever act on the caller.

Add a case by adding one ``ObjectAccess`` row to ``OBJECT_ACCESS``: ``arrange``
builds the owner's object and returns the path (and the strings that would
betray a leak); ``untouched`` re-reads the object to prove nothing changed.
``test_every_object_route_is_covered`` fails until each /v1/ route with a path
parameter has a row here or is listed in ``PUBLIC_OBJECT_ROUTES``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from apps.identity.models import User
from tests.conftest import client_for
from tests.factories.identity import UserFactory
from tests.security.conftest import api_routes, assert_error

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Target:
    path: str
    secrets: list[str]  # strings of the owner's object that must not appear in the intruder's response


@dataclass(frozen=True)
class ObjectAccess:
    route: str  # the route template as in the OpenAPI schema, e.g. "/v1/enrollments/{id}"
    method: str
    arrange: Callable[[User], Target]
    expect_status: int = 404  # 404 not_found for another user's object; 200 for self-scoped routes
    body: dict | None = None
    untouched: Callable[[User], None] | None = None  # asserts the owner's data did not change

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


def _me(owner: User) -> Target:
    return Target(path="/v1/users/me", secrets=[owner.email, str(owner.pk)])


def _profile_unchanged(owner: User) -> None:
    before = owner.display_name
    owner.refresh_from_db()
    assert owner.display_name == before


OBJECT_ACCESS: list[ObjectAccess] = [
    ObjectAccess("/v1/users/me", "GET", _me, expect_status=200),
    ObjectAccess(
        "/v1/users/me",
        "PATCH",
        _me,
        expect_status=200,
        body={"display_name": "Changed by the intruder"},
        untouched=_profile_unchanged,
    ),
    # Domain rows, e.g.:
    # ObjectAccess("/v1/enrollments/{id}", "GET", lambda owner: _enrollment_of(owner)),
    # ObjectAccess("/v1/enrollments/{id}/cancel", "POST", _enrollment_of, untouched=_enrollment_still_active),
]

# Routes with a path parameter that anyone may read (SPEC 3.4), with the reason.
PUBLIC_OBJECT_ROUTES: dict[str, str] = {
    # "/v1/courses/{id}": "the public catalogue",
}


@pytest.mark.parametrize("access", OBJECT_ACCESS, ids=lambda access: access.id)
def test_intruder_cannot_reach_the_owners_object(access: ObjectAccess):
    # given an owner's object and another, authenticated user
    owner, intruder = UserFactory(), UserFactory()
    target = access.arrange(owner)
    # when the intruder calls the route for it
    response = client_for(intruder).generic(
        access.method,
        target.path,
        data=None if access.body is None else json.dumps(access.body),
        content_type="application/json",
    )
    # then nothing of the owner's object comes back, and nothing changed
    if access.expect_status == 404:
        assert_error(response, 404, "not_found")
    else:
        assert response.status_code == access.expect_status, response.content[:500]
    text = response.content.decode()
    for secret in target.secrets:
        assert secret not in text, f"{access.id} leaked {secret!r} to another user"
    if access.untouched is not None:
        access.untouched(owner)


def test_self_scoped_routes_act_on_the_caller():
    # given two users
    first, second = UserFactory(display_name="First"), UserFactory(display_name="Second")
    # when each reads and edits "me"
    assert client_for(first).get("/v1/users/me").json()["id"] == str(first.pk)
    client_for(second).patch("/v1/users/me", {"display_name": "Second, renamed"}, format="json")
    # then only the caller's row changed
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.display_name, second.display_name) == ("First", "Second, renamed")


def test_every_object_route_is_covered():
    """A new route that takes an object id must come with its BOLA row."""
    covered = {access.route for access in OBJECT_ACCESS} | set(PUBLIC_OBJECT_ROUTES)
    with_ids = {route for route in api_routes() if "{" in route}
    missing = sorted(with_ids - covered)
    assert not missing, f"add ObjectAccess rows (or PUBLIC_OBJECT_ROUTES entries) for: {missing}"
