"""Cart use cases: one open cart per user with a price snapshot per item.

A cart holds only published, paid courses the user does not already own, at
most ``CART_MAX_ITEMS`` of them, all in one currency. Size and currency are
guarded by one conditional update of the cart row (``cart_reserve_slot``);
"one open cart" and "a course once per cart" by unique constraints.
Reading a cart never creates one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db import IntegrityError
from django.utils import timezone

from apps.catalog import repositories as catalog_repositories
from apps.catalog.models import Course
from apps.commerce import repositories
from apps.commerce.errors import CommerceErrorCode
from apps.commerce.models import Cart, CartItem
from apps.identity.services import require_user
from apps.learning import repositories as learning_repositories
from apps.learning import services as learning_services
from deltalabs.db import transactional
from deltalabs.errors import Conflict, ErrorCode, NotFound, ValidationFailed

# Stops a cart from hoarding the catalogue (and a checkout from growing unbounded).
CART_MAX_ITEMS = 20
_ATTEMPTS = 3


class _CartClosed(Exception):
    """The cart was checked out or expired between reading and writing it."""


@dataclass(frozen=True)
class CartContents:
    """The caller's open cart as it stands: its items (with their courses
    loaded), the subtotal of their price snapshots and the cart's currency
    (``None`` while empty); ``version``, the cart row's edit counter (``None``
    without a cart), names exactly these contents for a later checkout.
    Rendered by ``apps.commerce.outputs.CartOutput``."""

    items: list[CartItem]
    subtotal: Decimal
    currency: str | None
    version: int | None = None

    @property
    def item_count(self) -> int:
        return len(self.items)


def _contents(items: list[CartItem], version: int | None = None) -> CartContents:
    return CartContents(
        items=items,
        subtotal=sum((item.price for item in items), Decimal("0.00")),
        currency=items[0].currency if items else None,
        version=version,
    )


def cart_get(*, actor) -> CartContents:
    """The caller's open cart (empty contents if there is none). No side effects."""
    require_user(actor)
    cart = repositories.cart_open_for_user(actor.pk)
    if cart is None:
        return _contents([])
    return _contents(repositories.cart_items(cart.pk), version=cart.version)


def _sellable_course(course_id: UUID) -> Course:
    course = catalog_repositories.course_get(course_id)
    if course is None or course.status != Course.Status.PUBLISHED:
        raise NotFound.of("Course")
    return course


def cart_add_item(*, actor, course_id: UUID) -> CartContents:
    """Put a paid course into the caller's open cart (created on first use),
    at today's price. Returns the cart.

    Errors: unknown or unpublished course 404; free course 400
    ``course_is_free``; window closed 409 ``enrollment_closed``; no seat left
    409 ``course_full``; already enrolled 409 ``already_enrolled``; already in
    the cart 409 ``already_in_cart``; more than ``CART_MAX_ITEMS`` 409
    ``cart_full``; another currency than the cart's 400 ``currency_mismatch``.
    """
    require_user(actor)
    course = _sellable_course(course_id)
    now = timezone.now()
    if course.is_free:
        raise ValidationFailed("Free courses need no purchase; enroll directly.", code=CommerceErrorCode.COURSE_IS_FREE)
    learning_services.enrollment_window_require(course=course, now=now)
    # Advisory only: the seat is claimed at checkout, where the limit is enforced.
    if course.capacity is not None and course.seats_taken >= course.capacity:
        raise Conflict(ErrorCode.COURSE_FULL, "This course has no free seats.")
    if learning_repositories.enrollment_current(user_id=actor.pk, course_id=course.pk) is not None:
        raise Conflict(ErrorCode.ALREADY_ENROLLED, "You are already enrolled in this course.")
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            _open_cart_and_add(user_id=actor.pk, course=course, now=now)
            break
        except (IntegrityError, _CartClosed):
            # A concurrent request opened this user's cart, added the same
            # course or checked the cart out first; the next attempt sees its
            # work and answers accordingly.
            if attempt == _ATTEMPTS:
                raise
    return cart_get(actor=actor)


@transactional  # the cart document is contended: retry write conflicts (MongoDB)
def _open_cart_and_add(*, user_id: UUID, course: Course, now) -> None:
    cart = repositories.cart_open_for_user(user_id) or repositories.cart_create(user_id=user_id)
    _add(cart, course, now)


def _add(cart: Cart, course: Course, now) -> None:
    if repositories.cart_item_exists(cart_id=cart.pk, course_id=course.pk):
        raise Conflict(CommerceErrorCode.ALREADY_IN_CART, "This course is already in your cart.")
    reserved = repositories.cart_reserve_slot(cart_id=cart.pk, currency=course.currency, limit=CART_MAX_ITEMS, now=now)
    if not reserved:
        current = repositories.cart_get(cart.pk)
        if current.status != Cart.Status.OPEN:
            raise _CartClosed
        if current.item_count >= CART_MAX_ITEMS:
            raise Conflict(
                CommerceErrorCode.CART_FULL,
                f"A cart holds at most {CART_MAX_ITEMS} courses.",
                {"max_items": CART_MAX_ITEMS},
            )
        raise ValidationFailed(
            "A cart holds courses in one currency only.",
            {"course_id": [f"This course is priced in {course.currency}; your cart is in {current.currency}."]},
            code=CommerceErrorCode.CURRENCY_MISMATCH,
        )
    repositories.cart_item_create(
        cart_id=cart.pk, course_id=course.pk, price=course.price, currency=course.currency, now=now
    )


def cart_remove_item(*, actor, course_id: UUID) -> None:
    """Take a course out of the caller's cart. 404 if it is not in it."""
    require_user(actor)

    @transactional  # moves a contended document: retried on write conflicts (MongoDB)
    def write() -> None:
        cart = repositories.cart_open_for_user(actor.pk)
        if cart is None or not repositories.cart_item_delete(cart_id=cart.pk, course_id=course_id):
            raise NotFound.of("Cart item")
        repositories.cart_release_slot(cart_id=cart.pk, now=timezone.now())

    write()


def cart_clear(*, actor) -> None:
    """Empty the caller's cart (keeping it open). Idempotent."""
    require_user(actor)

    @transactional  # moves a contended document: retried on write conflicts (MongoDB)
    def write() -> None:
        cart = repositories.cart_open_for_user(actor.pk)
        if cart is not None:
            repositories.cart_clear(cart_id=cart.pk, now=timezone.now())

    write()
