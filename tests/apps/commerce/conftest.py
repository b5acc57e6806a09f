"""Shared helpers for commerce tests."""

from __future__ import annotations

import itertools

import pytest

from apps.commerce.services.cart import cart_add_item
from apps.commerce.services.sponsors import sponsorship_redeem
from apps.learning import hooks
from tests.factories.commerce import PaidCourseFactory

_keys = itertools.count(1)


def new_key() -> str:
    return f"checkout-{next(_keys)}"


def checkout(client, *, token: str = "tok_visa", key: str | None = None, **extra):  # noqa: S107 - a sandbox card token
    body = {"payment": {"method": "card", "token": token}, **extra}
    return client.post("/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY=key or new_key())


def fill_cart(user, *courses) -> None:
    for course in courses:
        cart_add_item(actor=user, course_id=course.pk)


@pytest.fixture(autouse=True)
def _commerce_redeemer():
    """CommerceConfig.ready() registers the redeemer once per process; learning's
    tests swap in a fake one and leave None behind, so put ours back."""
    previous = hooks.sponsorship_redeemer()
    hooks.register_sponsorship_redeemer(sponsorship_redeem)
    yield
    hooks.register_sponsorship_redeemer(previous)


@pytest.fixture
def paid_course(db):
    return PaidCourseFactory()
