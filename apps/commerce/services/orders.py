"""Order use cases after checkout: reading, refunds, and upkeep of stale carts.

A learner sees only their own orders (another user's order is 404). Refunds
are staff-only: one transaction turns the order ``refunded`` (once, by a
conditional update), cancels its enrollments through learning (seat freed,
waitlist promoted), refunds the provider and queues an email on commit.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.utils import timezone

from apps.commerce import payments, repositories, tasks
from apps.commerce.errors import CommerceErrorCode
from apps.commerce.models import Order, Payment
from apps.identity.services import require_user
from apps.learning import repositories as learning_repositories
from apps.learning import services as learning_services
from deltalabs.audit import audit_record
from deltalabs.db import atomic, on_commit, transactional
from deltalabs.errors import BadGateway, Conflict, NotFound
from deltalabs.pagination import Page, paginate
from deltalabs.permissions import is_active_staff, require_staff_permission

# Open carts nobody touched for this long are expired (Celery beat).
CART_STALE_AFTER = timedelta(days=30)


def order_list(*, actor, cursor: str | None = None, limit: int = 20) -> Page:
    """The caller's own orders, newest first, with their items. No side effects."""
    require_user(actor)
    return paginate(
        repositories.orders_for_user(actor.pk),
        ordering=["-created_at"],
        cursor=cursor,
        limit=limit,
    )


def order_get(*, actor, order_id: UUID) -> Order:
    """One order of the caller's (staff with ``commerce.view_order``: anyone's);
    404 otherwise, 403 for staff whose role does not read orders."""
    require_user(actor)
    order = repositories.order_get(order_id)
    if order is None or (order.user_id != actor.pk and not is_active_staff(actor)):
        raise NotFound.of("Order")
    if order.user_id != actor.pk:
        require_staff_permission(actor, "commerce.view_order", "Your staff role does not show orders.")
    return order


def order_refund(*, actor, order_id: UUID, reason: str = "") -> Order:
    """Staff with ``commerce.refund_order``: refund a paid order in full.

    Side effects, in one transaction: the order becomes ``refunded``; each of
    its enrollments is cancelled (seat freed, first waitlisted learner
    promoted); the provider refunds the total; the refund is audited; a
    refund email is queued on commit. 404 for another user's order, 403 for
    the learner's own and for staff whose role does not refund, 409
    ``order_not_refundable`` unless the order is paid; 502 if the provider
    fails (nothing changes).
    """
    require_user(actor)
    order = order_get(actor=actor, order_id=order_id)
    require_staff_permission(actor, "commerce.refund_order", "Your staff role does not allow refunds.")
    provider = payments.get_provider()
    try:
        _refund(actor=actor, order=order, reason=reason, provider=provider)
    except (payments.PaymentProviderError, payments.PaymentDeclined) as exc:
        raise BadGateway(
            CommerceErrorCode.PAYMENT_PROVIDER_ERROR, f"The payment provider refused the refund: {exc}"
        ) from None
    return repositories.order_get(order_id)


@transactional
def _refund(*, actor, order: Order, reason: str, provider) -> None:
    now = timezone.now()
    # Invariant: an order is refunded at most once; the status filter makes
    # a concurrent second refund match nothing.
    if not repositories.order_mark_refunded(order_id=order.pk, reason=reason, now=now):
        raise Conflict(CommerceErrorCode.ORDER_NOT_REFUNDABLE, "Only paid orders can be refunded.")
    audit_record(
        actor=actor,
        action="refund",
        target=order,
        changes={
            "status": [order.status, Order.Status.REFUNDED],
            "refund_reason": [order.refund_reason, reason],
            "refunded_at": [None, now],
        },
        note=f"{order.total} {order.currency}",
    )
    for enrollment_id in learning_repositories.enrollment_ids_current(item.enrollment_id for item in order.items.all()):
        learning_services.enrollment_revoke(enrollment_id=enrollment_id, reason="refund")
    if order.total > 0:
        result = provider.refund(
            reference=order.payment_reference,
            amount=order.total,
            currency=order.currency,
            idempotency_key=f"dl-refund-{order.pk}",
        )
        result = payments.check_result(result, amount=order.total, currency=order.currency)
        repositories.payment_record_success(
            order=order, kind=Payment.Kind.REFUND, provider=provider.name, result=result, now=now
        )
    order_id = str(order.pk)
    on_commit(lambda: tasks.send_order_refunded.delay(order_id=order_id))


def carts_expire_stale(*, stale_after: timedelta = CART_STALE_AFTER) -> int:
    """Expire open carts untouched for ``stale_after``. Idempotent; returns how many."""
    now = timezone.now()
    with atomic():
        return repositories.carts_expire_stale(untouched_since=now - stale_after, now=now)
