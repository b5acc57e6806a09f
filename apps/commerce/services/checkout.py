"""Checkout: the open cart becomes a paid order, all or nothing (docs/api.md, Commerce).

One transaction (``deltalabs.db.transactional``) does, in this order:
1. close the cart, but only if it is still the cart that was priced;
2. create the order (pending, prices from the cart's snapshot; the client
   sends no money fields) and, per course, claim a seat and enroll through
   ``apps.learning.services.enrollment_grant`` (409 ``course_full`` /
   ``already_enrolled``), using a sponsorship seat when a code applies;
3. only then charge the payment provider, record the payment, mark the order
   paid, and queue the receipt email on commit.

Any error rolls all of it back: no seat held, nobody enrolled, cart intact.
A declined card additionally leaves a ``failed`` order (with its items and the
declined payment) written in a second, small transaction after the rollback;
a provider error or timeout leaves nothing (502; the client may retry).

Exactly-once: the order keeps the request's Idempotency-Key (unique per user),
looked up before anything else, and the provider receives a key derived from
it. A retry after a crash, a lost Redis record or a MongoDB transient-error
re-run therefore finds the first order, or presents the same provider key and
gets the first charge back instead of a second one.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db import IntegrityError
from django.utils import timezone

from apps.catalog.models import Course
from apps.commerce import payments, repositories, tasks
from apps.commerce.errors import (
    CART_CHANGED,
    CART_EMPTY,
    COURSE_UNAVAILABLE,
    ENROLLMENT_CLOSED,
    ORDER_FAILED,
    ORDER_IN_PROGRESS,
    PAYMENT_DECLINED,
    PAYMENT_PROVIDER_ERROR,
)
from apps.commerce.models import Order, OrderItem, Payment, Sponsorship
from apps.commerce.services.cart import enrollment_window_open
from apps.commerce.services.sponsors import sponsorship_for_code, sponsorship_use
from apps.learning import services as learning_services
from apps.learning.models import Enrollment
from deltalabs.db import atomic, on_commit, transactional
from deltalabs.errors import BadGateway, Conflict, PaymentRequired, ValidationFailed

logger = logging.getLogger(__name__)

# Crockford's base32: no I, L, O, U; easy to read out on the phone.
_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_NUMBER_LENGTH = 8
_ATTEMPTS = 3


@dataclass(frozen=True)
class CardPayment:
    method: str
    token: str


@dataclass(frozen=True)
class _Line:
    course: Course
    price: Decimal
    discount: Decimal
    sponsorship: Sponsorship | None


@dataclass(frozen=True)
class _Plan:
    """What the cart holds right now, priced; read without writing anything."""

    cart_id: UUID
    cart_version: int
    currency: str
    lines: list[_Line]
    subtotal: Decimal
    discount: Decimal
    total: Decimal


def new_order_number(now) -> str:
    """``DL-2026-7KQ2M9XR``: random (40 bits), unique by index, never max()+1."""
    return f"DL-{now.year}-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(_NUMBER_LENGTH))


def provider_idempotency_key(*, user_id: UUID, idempotency_key: str) -> str:
    """The key the provider deduplicates on: the same for every retry of one checkout."""
    digest = hashlib.sha256(f"checkout:{user_id}:{idempotency_key}".encode()).hexdigest()
    return f"dl-order-{digest[:48]}"


def order_checkout(
    *, actor, idempotency_key: str, payment: CardPayment | None, sponsorship_code: str | None = None
) -> Order:
    """Buy everything in the caller's cart.

    Side effects on success: seats taken and enrollments created (source
    ``order``, or ``sponsorship`` for a sponsored course), one sponsorship seat
    used when ``sponsorship_code`` applies to a course in the cart, the card
    charged once for the total, the cart checked out, a receipt email queued.

    Errors: 409 ``cart_empty``, ``cart_changed``, ``course_unavailable``,
    ``enrollment_closed``, ``course_full``, ``already_enrolled``,
    ``sponsorship_exhausted``, ``sponsorship_already_redeemed``; 400
    ``invalid_sponsorship_code``, ``validation_error`` (payment missing);
    402 ``payment_declined`` (a failed order is kept, cart intact);
    502 ``payment_provider_error`` (nothing kept).

    Call it outside any transaction: it opens its own, and the all-or-nothing
    guarantee needs that transaction to be the outermost one (MongoDB has no
    savepoints, so ``transactional`` joins an enclosing transaction instead).
    """
    existing = repositories.order_by_idempotency_key(user_id=actor.pk, key=idempotency_key)
    if existing is not None:
        return _outcome(existing)
    provider = payments.get_provider()
    provider_key = provider_idempotency_key(user_id=actor.pk, idempotency_key=idempotency_key)
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            plan = _plan(actor=actor, sponsorship_code=sponsorship_code)
            if plan.total > 0 and payment is None:
                raise ValidationFailed("This order needs a payment.", {"payment": ["This field is required."]})
            return _commit(
                actor=actor,
                plan=plan,
                payment=payment,
                provider=provider,
                provider_key=provider_key,
                idempotency_key=idempotency_key,
            )
        except Conflict as conflict:
            # A concurrent request with the same key (its Redis record lost or
            # not yet visible) may have checked this cart out a moment ago:
            # answer with its order rather than "your cart is empty".
            existing = None
            if conflict.code in (CART_EMPTY, CART_CHANGED):
                existing = repositories.order_by_idempotency_key(user_id=actor.pk, key=idempotency_key)
            if existing is None:
                raise
            return _outcome(existing)
        except payments.PaymentDeclined as declined:
            failed = _record_declined(
                actor=actor, plan=plan, idempotency_key=idempotency_key, provider=provider, declined=declined
            )
            return _outcome(failed)
        except payments.PaymentProviderError as exc:
            # Nothing was kept; the provider key makes a retry safe even if the
            # provider did charge before failing.
            logger.warning("Payment provider failed for checkout %s: %s", provider_key, exc)
            raise BadGateway(
                PAYMENT_PROVIDER_ERROR,
                "The payment provider did not confirm the payment; no order was placed. "
                "Retry with the same Idempotency-Key: you will not be charged twice.",
            )
        except IntegrityError:
            # Nothing was charged (every constrained write precedes the charge).
            # Either a concurrent request with this key won, or an order
            # number collided, or an enrollment raced: look, then plan again.
            existing = repositories.order_by_idempotency_key(user_id=actor.pk, key=idempotency_key)
            if existing is not None:
                return _outcome(existing)
            if attempt == _ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _outcome(order: Order) -> Order:
    """What a finished checkout answers, first time or on a retry with its key."""
    if order.status in (Order.Status.PAID, Order.Status.REFUNDED):
        return order
    details = {"order_id": str(order.pk)}
    if order.status == Order.Status.PENDING:
        raise Conflict(ORDER_IN_PROGRESS, "This checkout is still being processed.", details)
    if order.failure_code == PAYMENT_DECLINED:
        raise PaymentRequired(PAYMENT_DECLINED, "The card was declined; nothing was charged.", details)
    raise Conflict(ORDER_FAILED, "This checkout failed; start a new one with a new Idempotency-Key.", details)


def _plan(*, actor, sponsorship_code: str | None) -> _Plan:
    cart = repositories.cart_open_for_user(actor.pk)
    items = repositories.cart_items(cart.pk) if cart else []
    if not items:
        raise Conflict(CART_EMPTY, "Your cart is empty.")
    now = timezone.now()
    for item in items:
        details = {"course_id": str(item.course_id)}
        if item.course.status != Course.Status.PUBLISHED:
            raise Conflict(COURSE_UNAVAILABLE, f"{item.course.title} is no longer on sale; remove it.", details)
        if not enrollment_window_open(item.course, now):
            raise Conflict(ENROLLMENT_CLOSED, f"Enrollment for {item.course.title} is not open.", details)
    sponsorship = None
    if sponsorship_code:
        sponsorship = sponsorship_for_code(
            actor=actor, code=sponsorship_code, course_ids=[item.course_id for item in items]
        )
    lines = [
        _Line(
            course=item.course,
            price=item.price,
            discount=item.price if sponsorship and sponsorship.course_id == item.course_id else Decimal("0"),
            sponsorship=sponsorship if sponsorship and sponsorship.course_id == item.course_id else None,
        )
        for item in items
    ]
    subtotal = sum((line.price for line in lines), Decimal("0"))
    discount = sum((line.discount for line in lines), Decimal("0"))
    return _Plan(
        cart_id=cart.pk,
        cart_version=cart.version,
        currency=cart.currency or items[0].currency,
        lines=lines,
        subtotal=subtotal,
        discount=discount,
        total=subtotal - discount,
    )


@transactional
def _commit(
    *, actor, plan: _Plan, payment: CardPayment | None, provider, provider_key: str, idempotency_key: str
) -> Order:
    now = timezone.now()
    # Close exactly the cart that was priced. A concurrent edit, or a second
    # checkout of the same cart under another key, makes this match nothing.
    if not repositories.cart_close(cart_id=plan.cart_id, version=plan.cart_version, now=now):
        raise Conflict(CART_CHANGED, "Your cart changed during checkout; review it and try again.")
    order = repositories.order_create(
        user=actor,
        number=new_order_number(now),
        status=Order.Status.PENDING,
        subtotal=plan.subtotal,
        discount=plan.discount,
        total=plan.total,
        currency=plan.currency,
        idempotency_key=idempotency_key,
        created_at=now,
    )
    items = []
    for line in plan.lines:
        source = Enrollment.Source.SPONSORSHIP if line.sponsorship else Enrollment.Source.ORDER
        # Claims the seat with a conditional update (409 course_full) and
        # enrolls (409 already_enrolled); either error undoes everything above.
        enrollment = learning_services.enrollment_grant(user=actor, course_id=line.course.pk, source=source)
        if line.sponsorship:
            sponsorship_use(sponsorship=line.sponsorship, user=actor, now=now, enrollment=enrollment, order=order)
        items.append(
            OrderItem(
                order=order,
                course=line.course,
                price=line.price,
                discount=line.discount,
                enrollment=enrollment,
                sponsorship=line.sponsorship,
            )
        )
    repositories.order_items_create(items)
    reference = ""
    if plan.total > 0:
        # Money moves last: every seat is held and every constraint has been
        # checked, so nothing after this point can fail for a business reason.
        result = provider.charge(
            amount=plan.total,
            currency=plan.currency,
            token=payment.token,
            idempotency_key=provider_key,
            description=f"Delta Labs order {order.number}",
        )
        result = payments.check_result(result, amount=plan.total, currency=plan.currency)
        repositories.payment_record_success(
            order=order, kind=Payment.Kind.CHARGE, provider=provider.name, result=result, now=now
        )
        reference = result.reference
    repositories.order_mark_paid(order_id=order.pk, payment_reference=reference, now=now)
    order_id = str(order.pk)
    on_commit(lambda: tasks.send_order_receipt.delay(order_id=order_id))
    return repositories.order_get(order.pk)


def _record_declined(
    *, actor, plan: _Plan, idempotency_key: str, provider, declined: payments.PaymentDeclined
) -> Order:
    """After the checkout transaction rolled back: keep a ``failed`` order with
    its items and the declined payment, so the attempt is on record and a retry
    with the same key answers the same 402."""
    now = timezone.now()
    try:
        with atomic():
            order = repositories.order_create(
                user=actor,
                number=new_order_number(now),
                status=Order.Status.FAILED,
                subtotal=plan.subtotal,
                discount=plan.discount,
                total=plan.total,
                currency=plan.currency,
                idempotency_key=idempotency_key,
                failure_code=PAYMENT_DECLINED,
                created_at=now,
                failed_at=now,
            )
            repositories.order_items_create(
                [
                    OrderItem(
                        order=order,
                        course=line.course,
                        price=line.price,
                        discount=line.discount,
                        sponsorship=line.sponsorship,
                    )
                    for line in plan.lines
                ]
            )
            repositories.payment_create(
                order=order,
                kind=Payment.Kind.CHARGE,
                provider=provider.name,
                reference=declined.reference,
                amount=plan.total,
                currency=plan.currency,
                status=Payment.Status.DECLINED,
                response_summary={"provider": provider.name, "decline_code": declined.decline_code},
                created_at=now,
            )
    except IntegrityError:
        # A concurrent request with the same key recorded its outcome first.
        existing = repositories.order_by_idempotency_key(user_id=actor.pk, key=idempotency_key)
        if existing is None:
            raise
        return existing
    return repositories.order_get(order.pk)
