"""API6:2023 Unrestricted Access to Sensitive Business Flows.

A flow that is cheap for one client but costly for the business (accounts
created in bulk, seats or lab slots hoarded, carts filled to block stock) is
capped: after ``allowed`` successful uses the next is refused with a stable
code, whatever the client does.

Add a flow as one ``FlowCap`` row: ``setup(user)`` builds what every use needs
(once), ``act(client, n, context)`` performs the n-th use (fresh data each time
so only the cap can refuse it), ``allowed`` is how many must succeed,
``refusal`` the (status, code) of the next one, ``holds`` the invariant the cap
protects (counted in the database after the refusal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError
from rest_framework.test import APIClient

from apps.catalog.models import Course
from apps.commerce.models import Cart, CartItem, Sponsorship, SponsorshipRedemption
from apps.commerce.services.cart import CART_MAX_ITEMS
from apps.commerce.services.sponsors import sponsorship_redeem
from apps.identity.models import User
from apps.labs.models import Booking, Lab, LabSlot
from apps.labs.services import MAX_UPCOMING_BOOKINGS
from apps.learning import hooks
from apps.learning.models import Enrollment
from deltalabs.db import atomic
from deltalabs.ratelimit import parse_rate
from tests.conftest import client_for
from tests.factories.commerce import PaidCourseFactory, SponsorshipFactory
from tests.factories.identity import TEST_PASSWORD, UserFactory
from tests.security import domain
from tests.security.conftest import assert_error

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class FlowCap:
    id: str
    act: Callable[[APIClient, int, Any], object]  # (client, n, what setup made) -> the response of the n-th use
    allowed: Callable[[], int]
    refusal: tuple[int, str]
    authenticated: bool = True
    setup: Callable[[User], Any] | None = None  # builds what every use needs (a lab, a code), once
    holds: Callable[[User, Any], None] | None = None  # after the refusal: the invariant the cap protects


def _register(client: APIClient, n: int, context=None):
    return client.post(
        "/v1/auth/register",
        {"email": f"bulk{n}@example.test", "password": TEST_PASSWORD, "display_name": f"Bulk {n}"},
        format="json",
    )


def _auth_limit() -> int:
    return parse_rate(django_settings.RATE_LIMITS["auth"])[0]


# --- lab slots: at most 5 upcoming bookings per learner -----------------------------------


def _book_next_free_slot(client: APIClient, n: int, lab: Lab):
    # one slot per hour of the same future day: no overlap, so only the cap can refuse
    start = domain.slot(lab, hour=9 + n)
    return client.post(
        f"/v1/labs/{lab.pk}/bookings",
        {"start": start.strftime("%Y-%m-%dT%H:%M:%SZ")},
        format="json",
        **domain.idempotency_key(),
    )


def _five_upcoming_bookings(user: User, lab: Lab) -> None:
    assert Booking.objects.filter(user=user, status="active").count() == MAX_UPCOMING_BOOKINGS
    assert sum(LabSlot.objects.filter(lab=lab).values_list("booked", flat=True)) == MAX_UPCOMING_BOOKINGS


# --- carts: at most 20 courses held in one cart -------------------------------------------


def _courses_for_sale(user: User) -> list[Course]:
    return Course.objects.bulk_create(
        [
            Course(slug=f"hoard-{n}", title=f"Hoard {n}", status="published", price=Decimal("49.00"), currency="USD")
            for n in range(CART_MAX_ITEMS + 1)
        ]
    )


def _add_to_cart(client: APIClient, n: int, courses: list[Course]):
    return client.post("/v1/cart/items", {"course_id": str(courses[n].pk)}, format="json")


def _one_cart_of_twenty(user: User, courses) -> None:
    (cart,) = Cart.objects.filter(user=user)
    assert cart.status == "open" and cart.item_count == CART_MAX_ITEMS
    assert CartItem.objects.filter(cart=cart).count() == CART_MAX_ITEMS


# --- sponsorship codes: never more redemptions than seats ---------------------------------

_CODE_SEATS = 3


def _code_with_seats(user: User) -> Sponsorship:
    return SponsorshipFactory(seats_total=_CODE_SEATS, course=PaidCourseFactory())


def _redeem_as_a_new_learner(client: APIClient, n: int, sponsorship: Sponsorship):
    # The code is shared (a leaked code is the threat): each use is another learner.
    return client_for(UserFactory()).post(
        "/v1/enrollments",
        {"course_id": str(sponsorship.course_id), "sponsorship_code": sponsorship.code.lower()},
        format="json",
        **domain.idempotency_key(),
    )


def _seats_used_up_exactly(user: User, sponsorship: Sponsorship) -> None:
    sponsorship.refresh_from_db()
    assert sponsorship.seats_used == _CODE_SEATS
    assert SponsorshipRedemption.objects.filter(sponsorship=sponsorship).count() == _CODE_SEATS
    assert Enrollment.objects.filter(course_id=sponsorship.course_id, source="sponsorship").count() == _CODE_SEATS


FLOW_CAPS: list[FlowCap] = [
    FlowCap("bulk account creation from one address", _register, _auth_limit, (429, "rate_limited"), False),
    FlowCap(
        "lab slot hoarding",
        _book_next_free_slot,
        lambda: MAX_UPCOMING_BOOKINGS,
        (409, "booking_limit_reached"),
        setup=lambda user: domain.lab(capacity=1),
        holds=_five_upcoming_bookings,
    ),
    FlowCap(
        "cart hoarding",
        _add_to_cart,
        lambda: CART_MAX_ITEMS,
        (409, "cart_full"),
        setup=_courses_for_sale,
        holds=_one_cart_of_twenty,
    ),
    FlowCap(
        "sponsorship code shared beyond its seats",
        _redeem_as_a_new_learner,
        lambda: _CODE_SEATS,
        (409, "sponsorship_exhausted"),
        setup=_code_with_seats,
        holds=_seats_used_up_exactly,
    ),
]


@pytest.fixture(autouse=True)
def _commerce_redeemer():
    """Commerce registers the sponsorship redeemer in ready(); learning's tests
    swap it and may leave None behind (see tests/apps/commerce/conftest.py)."""
    previous = hooks.sponsorship_redeemer()
    hooks.register_sponsorship_redeemer(sponsorship_redeem)
    yield
    hooks.register_sponsorship_redeemer(previous)


@pytest.mark.parametrize("flow", FLOW_CAPS, ids=lambda flow: flow.id)
def test_flow_is_capped(flow: FlowCap):
    # given one client
    user = UserFactory()
    client = client_for(user) if flow.authenticated else APIClient()
    context = flow.setup(user) if flow.setup else None
    # when it uses the flow as often as allowed
    for n in range(flow.allowed()):
        response = flow.act(client, n, context)
        assert response.status_code < 400, (n, response.content[:500])
    # then the next use is refused, and what the cap protects holds
    status, code = flow.refusal
    assert_error(flow.act(client, flow.allowed(), context), status, code)
    if flow.holds is not None:
        flow.holds(user, context)


def test_one_open_cart_per_user():
    """However a client adds, clears and removes, a user has one open cart, and
    the database refuses a second one (a partial unique constraint)."""
    # given a learner who adds, empties and refills their cart
    user = UserFactory()
    client = client_for(user)
    courses = [PaidCourseFactory() for _ in range(3)]
    for course in courses:
        assert client.post("/v1/cart/items", {"course_id": str(course.pk)}, format="json").status_code == 201
    assert client.delete("/v1/cart").status_code == 204
    assert client.post("/v1/cart/items", {"course_id": str(courses[0].pk)}, format="json").status_code == 201
    assert client.delete(f"/v1/cart/items/{courses[0].pk}").status_code == 204
    assert client.post("/v1/cart/items", {"course_id": str(courses[1].pk)}, format="json").status_code == 201
    # then there is one open cart
    assert Cart.objects.filter(user=user, status="open").count() == 1
    # and a second open cart cannot be written, whatever code tries
    with pytest.raises(IntegrityError), atomic():
        Cart.objects.create(user=user)


def test_every_client_shares_the_default_budget(settings):
    # Beyond the specific caps, any authenticated client has a per-minute budget.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "default": "3/min"}
    client = client_for(UserFactory())
    for _ in range(3):
        assert client.get("/v1/users/me").status_code == 200
    response = client.get("/v1/users/me")
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0
