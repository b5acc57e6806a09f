"""Checkout: the open cart becomes a paid order, in two phases (SPEC 4 commerce).

Money never moves inside a database transaction (as in Saleor's
``complete_checkout`` and Oscar's ``place_order``): a slow gateway must not
hold every other writer (SQLite) or a MongoDB transaction open.

1. **Place** (one transaction, ``_place``): close the cart, but only at the
   version that was priced; write a ``pending`` order (prices from the cart's
   snapshot; the client sends no money fields) with its items; hold a seat per
   course through ``apps.learning.services.enrollment_hold`` (a ``pending``
   enrollment: 409 ``course_full`` / ``already_enrolled``); use the
   sponsorship seat when a code applies. Nothing is charged yet, so any error
   here leaves nothing behind. An order with nothing to pay is completed in
   this same transaction.
2. **Charge**, outside any transaction, with the provider idempotency key
   derived from the request's Idempotency-Key (``provider_idempotency_key``).
3. **Settle** (one transaction), by what the provider answered:
   - charged: ``_complete`` marks the order paid, records the payment, turns
     the holds into active enrollments and queues the receipt on commit;
   - declined: ``_fail`` marks the order failed, records the declined
     payment, releases the seats and the sponsorship seat, reopens the cart;
   - no usable answer: the provider is asked what happened to the key
     (``lookup_charge``). A charge found completes the order; "no charge"
     aborts it (``_abort``: the order disappears, seats and cart come back,
     502 and the client may retry with the same key); when even that cannot
     be known the order stays ``pending`` (502 with ``details.order_id``).

Whoever finds a pending order settles it, every step conditional on the order
still being pending: a retry with the same Idempotency-Key resumes it (the
same provider key, so never a second charge), and the reconciliation job
(``orders_reconcile``, Celery beat) asks the provider about every order pending
for longer than ``PENDING_ORDER_DEADLINE``, completing or releasing it. A
charge that lands on an order someone else released meanwhile is refunded.

Exactly-once: the order keeps the request's Idempotency-Key (unique per user),
looked up before anything else, and the provider deduplicates on the key
derived from it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from django.db import IntegrityError
from django.utils import timezone

from apps.catalog.models import Course
from apps.commerce import payments, repositories, tasks
from apps.commerce.errors import CommerceErrorCode
from apps.commerce.models import Order, OrderItem, Payment, Sponsorship
from apps.commerce.services.sponsors import sponsorship_for_code, sponsorship_unuse_for_order, sponsorship_use
from apps.identity.services import require_user
from apps.learning import services as learning_services
from apps.learning.models import Enrollment
from deltalabs.db import on_commit, transactional
from deltalabs.errors import BadGateway, Conflict, PaymentRequired, ValidationFailed

logger = logging.getLogger(__name__)

# Crockford's base32: no I, L, O, U; easy to read out on the phone.
_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_NUMBER_LENGTH = 8
_ATTEMPTS = 3
# A checkout settles its order within seconds (the provider call is bounded by
# PAYMENT_TIMEOUT_SECONDS); one still pending after this is left over from a
# crash or an unknown provider outcome, and the reconciliation job settles it.
PENDING_ORDER_DEADLINE = timedelta(minutes=15)
# Failure codes of failed orders (next to payment_declined).
EXPIRED = "expired"


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
    *,
    actor,
    idempotency_key: str,
    payment: CardPayment | None,
    sponsorship_code: str | None = None,
    cart_version: int | None = None,
) -> Order:
    """Buy everything in the caller's cart; returns the paid order.

    Side effects on success: seats taken and enrollments created (source
    ``order``, or ``sponsorship`` for a sponsored course), one sponsorship seat
    used when ``sponsorship_code`` applies to a course in the cart, the card
    charged once for the total, the cart checked out, a receipt email queued.

    Errors: 409 ``cart_empty``, ``cart_changed``, ``course_unavailable``,
    ``enrollment_closed``, ``course_full``, ``already_enrolled``,
    ``sponsorship_exhausted``, ``sponsorship_already_redeemed``, ``order_failed``
    (this key's order expired); 400 ``invalid_sponsorship_code``,
    ``validation_error`` (payment missing); 402 ``payment_declined`` (a failed
    order is kept, cart reopened); 502 ``payment_provider_error``: with
    ``details.order_id`` when the charge's outcome is unknown and the order
    stays pending (seats held until a retry with the same key or the
    reconciliation job settles it), without when nothing was charged and
    nothing kept.

    ``cart_version``: buy the cart only as it was at that version (what a
    confirmation showed the buyer); any edit since is 409 ``cart_changed``.

    The same ``idempotency_key`` always means the same order: a retry answers
    with it, and resumes it while it is still pending. Call it outside any
    transaction: it opens its own, and the charge must happen between them.
    """
    require_user(actor)
    provider = payments.get_provider()
    provider_key = provider_idempotency_key(user_id=actor.pk, idempotency_key=idempotency_key)
    order = repositories.order_by_idempotency_key(user_id=actor.pk, key=idempotency_key)
    if order is None:
        order = _place_order(
            actor=actor,
            idempotency_key=idempotency_key,
            payment=payment,
            code=sponsorship_code,
            cart_version=cart_version,
        )
    if order.status == Order.Status.PENDING:
        if payment is None:
            raise ValidationFailed("This order needs a payment.", {"payment": ["This field is required."]})
        order = _charge_and_settle(order=order, token=payment.token, provider=provider, provider_key=provider_key)
    return _outcome(order)


def _outcome(order: Order | None) -> Order:
    """What a checkout answers for its order, first time or on a retry with its key."""
    if order is None:
        raise BadGateway(
            CommerceErrorCode.PAYMENT_PROVIDER_ERROR,
            "The payment provider did not confirm the payment and nothing was charged; no order was placed. "
            "Retry with the same Idempotency-Key.",
        )
    if order.status in (Order.Status.PAID, Order.Status.REFUNDED):
        return order
    details = {"order_id": str(order.pk)}
    if order.status == Order.Status.PENDING:
        raise BadGateway(
            CommerceErrorCode.PAYMENT_PROVIDER_ERROR,
            "The payment provider did not answer, so the payment is not confirmed yet. Your seats are held: "
            "retry with the same Idempotency-Key (you will not be charged twice) or check the order later.",
            {**details, "order_status": Order.Status.PENDING},
        )
    if order.failure_code == CommerceErrorCode.PAYMENT_DECLINED:
        raise PaymentRequired(
            CommerceErrorCode.PAYMENT_DECLINED, "The card was declined; nothing was charged.", details
        )
    raise Conflict(
        CommerceErrorCode.ORDER_FAILED, "This checkout failed; start a new one with a new Idempotency-Key.", details
    )


# --- Phase 1: place the order ------------------------------------------------------


def _place_order(
    *, actor, idempotency_key: str, payment: CardPayment | None, code: str | None, cart_version: int | None
) -> Order:
    """The order of this key: placed now, or found if a concurrent request with
    the same key placed it first."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            plan = _plan(actor=actor, sponsorship_code=code, cart_version=cart_version)
            if plan.total > 0 and payment is None:
                raise ValidationFailed("This order needs a payment.", {"payment": ["This field is required."]})
            return _place(actor=actor, plan=plan, idempotency_key=idempotency_key)
        except Conflict as conflict:
            # A concurrent request with the same key (its Redis record lost or
            # not yet visible) may have checked this cart out a moment ago:
            # answer with its order rather than "your cart is empty".
            existing = None
            if conflict.code in (CommerceErrorCode.CART_EMPTY, CommerceErrorCode.CART_CHANGED):
                existing = repositories.order_by_idempotency_key(user_id=actor.pk, key=idempotency_key)
            if existing is None:
                raise
            return existing
        except IntegrityError:
            # Nothing was written (the transaction rolled back). Either a
            # concurrent request with this key won, or an order number
            # collided, or an enrollment raced: look, then plan again.
            existing = repositories.order_by_idempotency_key(user_id=actor.pk, key=idempotency_key)
            if existing is not None:
                return existing
            if attempt == _ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _plan(*, actor, sponsorship_code: str | None, cart_version: int | None = None) -> _Plan:
    cart = repositories.cart_open_for_user(actor.pk)
    items = repositories.cart_items(cart.pk) if cart else []
    if not items:
        raise Conflict(CommerceErrorCode.CART_EMPTY, "Your cart is empty.")
    if cart_version is not None and cart.version != cart_version:
        # Phase 1 closes the cart at the version priced here, so this check and
        # that compare-and-set together mean "exactly the cart that was shown".
        raise Conflict(
            CommerceErrorCode.CART_CHANGED, "Your cart changed since you were shown it; nothing was charged."
        )
    now = timezone.now()
    for item in items:
        details = {"course_id": str(item.course_id)}
        if item.course.status != Course.Status.PUBLISHED:
            raise Conflict(
                CommerceErrorCode.COURSE_UNAVAILABLE, f"{item.course.title} is no longer on sale; remove it.", details
            )
        learning_services.enrollment_window_require(course=item.course, now=now)
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
def _place(*, actor, plan: _Plan, idempotency_key: str) -> Order:
    now = timezone.now()
    # Close exactly the cart that was priced. A concurrent edit, or a second
    # checkout of the same cart under another key, makes this match nothing.
    if not repositories.cart_close(cart_id=plan.cart_id, version=plan.cart_version, now=now):
        raise Conflict(CommerceErrorCode.CART_CHANGED, "Your cart changed during checkout; review it and try again.")
    order = repositories.order_create(
        user=actor,
        cart_id=plan.cart_id,
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
        # Holds the seat with a conditional update (409 course_full) and a
        # pending enrollment (409 already_enrolled); either error undoes
        # everything above.
        enrollment = learning_services.enrollment_hold(user=actor, course_id=line.course.pk, source=source)
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
    if plan.total == 0:
        # Nothing to charge (fully sponsored): settle in this same transaction.
        _settle_paid(order_id=order.pk, reference="", now=now)
        return repositories.order_get(order.pk)
    return order  # pending; the charge needs only its own fields


# --- The charge and phase 2 ----------------------------------------------------------


def _charge_and_settle(*, order: Order, token: str, provider, provider_key: str) -> Order | None:
    """Charge a pending order outside any transaction, then settle it; None
    when it was aborted (nothing charged, nothing kept)."""
    try:
        result = provider.charge(
            amount=order.total,
            currency=order.currency,
            token=token,
            idempotency_key=provider_key,
            description=f"Delta Labs order {order.number}",
        )
        result = payments.check_result(result, amount=order.total, currency=order.currency)
    except payments.PaymentDeclined as declined:
        return _fail(order=order, provider=provider, declined=declined)
    except payments.PaymentProviderError as exc:
        logger.warning("Payment provider failed for order %s (%s): %s", order.number, provider_key, exc)
        return _ask_provider(order=order, provider=provider, provider_key=provider_key, no_charge=_abort)
    return _complete(order=order, provider=provider, result=result)


def _ask_provider(*, order: Order, provider, provider_key: str, no_charge) -> Order | None:
    """Settle a pending order by what the provider knows about its key;
    ``no_charge(order=...)`` settles it when the provider has no charge."""
    try:
        found = provider.lookup_charge(idempotency_key=provider_key)
        if found is not None:
            found = payments.check_result(found, amount=order.total, currency=order.currency)
    except payments.PaymentDeclined as declined:
        return _fail(order=order, provider=provider, declined=declined)
    except payments.PaymentProviderError as exc:
        logger.warning("Payment outcome of order %s (%s) unknown: %s", order.number, provider_key, exc)
        return repositories.order_get(order.pk)  # still pending: a retry or the reconciliation settles it
    if found is None:
        return no_charge(order=order)
    return _complete(order=order, provider=provider, result=found)


def _settle(unit, **kwargs) -> bool:
    """Run a phase-2 unit; a unique-constraint race (the user opened a new cart
    while the old one was being reopened) rolls it back, so run it again."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return unit(**kwargs)
        except IntegrityError:
            if attempt == _ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _complete(*, order: Order, provider, result: payments.ChargeResult) -> Order | None:
    if not _settle(_complete_unit, order=order, provider_name=provider.name, result=result):
        current = repositories.order_get(order.pk)
        if current is None or current.status == Order.Status.FAILED:
            # The charge went through after someone else released the order
            # (the provider could not tell them about it yet): give it back.
            _refund_orphan_charge(order=order, provider=provider, result=result)
        return current
    return repositories.order_get(order.pk)


@transactional
def _complete_unit(*, order: Order, provider_name: str, result: payments.ChargeResult) -> bool:
    now = timezone.now()
    if not _settle_paid(order_id=order.pk, reference=result.reference, now=now):
        return False
    repositories.payment_record_success(
        order=order, kind=Payment.Kind.CHARGE, provider=provider_name, result=result, now=now
    )
    return True


def _settle_paid(*, order_id: UUID, reference: str, now) -> bool:
    """Inside a transaction: pending -> paid (once), holds -> active enrollments,
    receipt on commit. False when the order was no longer pending."""
    # Invariant: an order leaves pending once. The status filter makes a
    # concurrent second settlement (a retry, the reconciliation) match nothing.
    if not repositories.order_mark_paid(order_id=order_id, payment_reference=reference, now=now):
        return False
    for item in repositories.order_items(order_id):
        if item.enrollment_id and not learning_services.enrollment_hold_confirm(enrollment_id=item.enrollment_id):
            # Holds are released only after their order left pending, which
            # this transaction just did itself: a missing hold is a bug.
            raise RuntimeError(f"order {order_id}: the seat held for {item.course_id} is gone")
    on_commit(lambda: tasks.send_order_receipt.delay(order_id=str(order_id)))
    return True


def _fail(*, order: Order, provider, declined: payments.PaymentDeclined) -> Order:
    """The card was declined: a failed order on record, seats and cart back."""
    _settle(_fail_unit, order_id=order.pk, provider_name=provider.name, declined=declined)
    return repositories.order_get(order.pk)


@transactional
def _fail_unit(*, order_id: UUID, provider_name: str, declined: payments.PaymentDeclined) -> bool:
    now = timezone.now()
    if not repositories.order_mark_failed(order_id=order_id, failure_code=CommerceErrorCode.PAYMENT_DECLINED, now=now):
        return False
    order = repositories.order_get(order_id)
    repositories.payment_create(
        order=order,
        kind=Payment.Kind.CHARGE,
        provider=provider_name,
        reference=declined.reference,
        amount=order.total,
        currency=order.currency,
        status=Payment.Status.DECLINED,
        response_summary={"provider": provider_name, "decline_code": declined.decline_code},
        created_at=now,
    )
    _release(order=order, now=now)
    return True


def _abort(*, order: Order) -> None:
    """Nothing was charged after a provider error: as if the checkout never
    happened (the order disappears, seats and cart come back), so a retry with
    the same key starts afresh. Returns None, the checkout's "nothing kept"."""
    _settle(_abort_unit, order_id=order.pk)
    return None


@transactional
def _abort_unit(*, order_id: UUID) -> bool:
    now = timezone.now()
    # Claim the order first (pending -> failed) so a concurrent settlement
    # cannot complete what this one is deleting.
    if not repositories.order_mark_failed(
        order_id=order_id, failure_code=CommerceErrorCode.PAYMENT_PROVIDER_ERROR, now=now
    ):
        return False
    _release(order=repositories.order_get(order_id), now=now)
    repositories.order_delete(order_id)
    return True


def _expire(*, order: Order) -> Order:
    """The provider never charged a long-pending order: failed (``expired``),
    seats and cart back. The order stays readable: its client was told it was
    pending."""
    _settle(_expire_unit, order_id=order.pk)
    return repositories.order_get(order.pk)


@transactional
def _expire_unit(*, order_id: UUID) -> bool:
    now = timezone.now()
    if not repositories.order_mark_failed(order_id=order_id, failure_code=EXPIRED, now=now):
        return False
    _release(order=repositories.order_get(order_id), now=now)
    return True


def _release(*, order: Order, now) -> None:
    """Inside the transaction that failed ``order``: give back what placing it
    took, in the owning apps (sponsorship seats here, course seats through
    learning), and reopen its cart."""
    enrollment_ids = [item.enrollment_id for item in order.items.all() if item.enrollment_id]
    repositories.order_items_detach_enrollments(order.pk)
    sponsorship_unuse_for_order(order_id=order.pk, now=now)
    for enrollment_id in enrollment_ids:
        learning_services.enrollment_hold_release(enrollment_id=enrollment_id)
    if order.cart_id:
        repositories.cart_reopen(cart_id=order.cart_id, user_id=order.user_id, now=now)


def _refund_orphan_charge(*, order: Order, provider, result: payments.ChargeResult) -> None:
    logger.error("Charge %s arrived for released order %s: refunding it", result.reference, order.number)
    refund = provider.refund(
        reference=result.reference,
        amount=result.amount,
        currency=result.currency,
        idempotency_key=f"dl-orphan-refund-{order.pk}",
    )
    payments.check_result(refund, amount=result.amount, currency=result.currency)


# --- Reconciliation ----------------------------------------------------------------------


def orders_reconcile(*, pending_for: timedelta = PENDING_ORDER_DEADLINE) -> dict[str, int]:
    """Settle every order pending for longer than ``pending_for`` by asking the
    provider what happened to its key (Celery beat; idempotent).

    A charge found completes the order (paid, enrollments active, receipt
    queued); a decline fails it; no charge at all expires it (failed,
    ``expired``); either way its seats, sponsorship seat and cart come back.
    When the provider cannot tell, the order stays pending for the next run.
    Returns how many orders ended in each state (``paid``, ``failed``,
    ``pending``).
    """
    provider = payments.get_provider()
    outcomes: Counter[str] = Counter()
    for order_id in repositories.order_ids_pending_since(timezone.now() - pending_for):
        order = repositories.order_get(order_id)
        if order is None or order.status != Order.Status.PENDING:
            continue  # settled meanwhile
        key = provider_idempotency_key(user_id=order.user_id, idempotency_key=order.idempotency_key)
        settled = _ask_provider(order=order, provider=provider, provider_key=key, no_charge=_expire)
        outcomes[settled.status if settled else Order.Status.FAILED] += 1
    return dict(outcomes)
