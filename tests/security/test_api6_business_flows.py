"""API6:2023 Unrestricted Access to Sensitive Business Flows.

A flow that is cheap for one client but costly for the business (accounts
created in bulk, seats or lab slots hoarded, carts filled to block stock) is
capped: after ``allowed`` successful uses the next is refused with a stable
code, whatever the client does.

Add a flow as one ``FlowCap`` row: ``act(client, n)`` performs the n-th use
(fresh data each time so only the cap can refuse it), ``allowed`` is how many
must succeed, ``refusal`` the (status, code) of the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from deltalabs.ratelimit import parse_rate
from tests.conftest import client_for
from tests.factories.identity import TEST_PASSWORD, UserFactory
from tests.security.conftest import assert_error

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class FlowCap:
    id: str
    act: Callable[[APIClient, int], object]  # returns the response of the n-th use
    allowed: Callable[[], int]
    refusal: tuple[int, str]
    authenticated: bool = True


def _register(client: APIClient, n: int):
    return client.post(
        "/v1/auth/register",
        {"email": f"bulk{n}@example.test", "password": TEST_PASSWORD, "display_name": f"Bulk {n}"},
        format="json",
    )


def _auth_limit() -> int:
    return parse_rate(django_settings.RATE_LIMITS["auth"])[0]


FLOW_CAPS: list[FlowCap] = [
    FlowCap("bulk account creation from one address", _register, _auth_limit, (429, "rate_limited"), False),
    # Domain rows, e.g.:
    # FlowCap("lab slot hoarding", _book_next_free_slot, lambda: 5, (409, "booking_limit_reached")),
    # FlowCap("waitlist spam", _join_waitlist_of_new_course, ..., (429, "rate_limited")),
]


@pytest.mark.parametrize("flow", FLOW_CAPS, ids=lambda flow: flow.id)
def test_flow_is_capped(flow: FlowCap):
    # given one client
    client = client_for(UserFactory()) if flow.authenticated else APIClient()
    # when it uses the flow as often as allowed
    for n in range(flow.allowed()):
        response = flow.act(client, n)
        assert response.status_code < 400, (n, response.content[:500])
    # then the next use is refused
    status, code = flow.refusal
    assert_error(flow.act(client, flow.allowed()), status, code)


def test_every_client_shares_the_default_budget(settings):
    # Beyond the specific caps, any authenticated client has a per-minute budget.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "default": "3/min"}
    client = client_for(UserFactory())
    for _ in range(3):
        assert client.get("/v1/users/me").status_code == 200
    response = client.get("/v1/users/me")
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0
