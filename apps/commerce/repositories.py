"""Commerce queries. No rules, no permissions. Only commerce's own tables are
queried here; users and enrollments are read through identity's and learning's
repositories.

Every counter here (cart size, sponsorship seats) moves only through a single
conditional ``update()`` whose filter states the limit; callers read the row
count to learn whether the limit held.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum

from apps.commerce.models import (
    Cart,
    CartItem,
    Order,
    OrderItem,
    Payment,
    SandboxCharge,
    Sponsor,
    SponsorMember,
    Sponsorship,
    SponsorshipRedemption,
)
from apps.identity import repositories as identity_repositories

# --- Carts ----------------------------------------------------------------------


def cart_open_for_user(user_id: UUID) -> Cart | None:
    return Cart.objects.filter(user_id=user_id, status=Cart.Status.OPEN).first()


def cart_create(*, user_id: UUID) -> Cart:
    return Cart.objects.create(user_id=user_id)


def cart_get(cart_id: UUID) -> Cart | None:
    return Cart.objects.filter(pk=cart_id).first()


def cart_items(cart_id: UUID) -> list[CartItem]:
    return list(CartItem.objects.filter(cart_id=cart_id).select_related("course").order_by("added_at", "id"))


def cart_item_exists(*, cart_id: UUID, course_id: UUID) -> bool:
    return CartItem.objects.filter(cart_id=cart_id, course_id=course_id).exists()


def cart_reserve_slot(*, cart_id: UUID, currency: str, limit: int, now: datetime) -> int:
    """Count one more item into an open cart, if it has room and the currency fits.

    Invariant: item_count <= limit and every item shares the cart's currency.
    Both hold because the increment is conditional on them (an empty cart
    takes the new item's currency); concurrent adds cannot overshoot.
    """
    return (
        Cart.objects.filter(pk=cart_id, status=Cart.Status.OPEN, item_count__lt=limit)
        .filter(Q(item_count=0) | Q(currency=currency))
        .update(item_count=F("item_count") + 1, currency=currency, version=F("version") + 1, updated_at=now)
    )


def cart_release_slot(*, cart_id: UUID, now: datetime) -> int:
    return Cart.objects.filter(pk=cart_id, item_count__gt=0).update(
        item_count=F("item_count") - 1, version=F("version") + 1, updated_at=now
    )


def cart_item_create(*, cart_id: UUID, course_id: UUID, price: Decimal, currency: str, now: datetime) -> CartItem:
    return CartItem.objects.create(cart_id=cart_id, course_id=course_id, price=price, currency=currency, added_at=now)


def cart_item_delete(*, cart_id: UUID, course_id: UUID) -> int:
    deleted, _ = CartItem.objects.filter(cart_id=cart_id, course_id=course_id).delete()
    return deleted


def cart_clear(*, cart_id: UUID, now: datetime) -> None:
    CartItem.objects.filter(cart_id=cart_id).delete()
    Cart.objects.filter(pk=cart_id).update(item_count=0, currency="", version=F("version") + 1, updated_at=now)


def cart_close(*, cart_id: UUID, version: int, now: datetime) -> int:
    """Mark the cart checked out if it is still open and unchanged since it
    was priced (same ``version``); 0 means someone changed or closed it."""
    return Cart.objects.filter(pk=cart_id, status=Cart.Status.OPEN, version=version).update(
        status=Cart.Status.CHECKED_OUT, version=F("version") + 1, updated_at=now
    )


def cart_reopen(*, cart_id: UUID, user_id: UUID, now: datetime) -> int:
    """Reopen a checked-out cart whose order failed, unless the user has opened
    another cart since (one open cart per user); 0 when it stays closed."""
    if Cart.objects.filter(user_id=user_id, status=Cart.Status.OPEN).exists():
        return 0
    return Cart.objects.filter(pk=cart_id, status=Cart.Status.CHECKED_OUT).update(
        status=Cart.Status.OPEN, version=F("version") + 1, updated_at=now
    )


def carts_expire_stale(*, untouched_since: datetime, now: datetime) -> int:
    return Cart.objects.filter(status=Cart.Status.OPEN, updated_at__lt=untouched_since).update(
        status=Cart.Status.EXPIRED, updated_at=now
    )


# --- Orders ---------------------------------------------------------------------


def _with_items(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.select_related("course").order_by("id"))
    )


def order_create(**fields) -> Order:
    return Order.objects.create(**fields)


def order_items_create(items: list[OrderItem]) -> list[OrderItem]:
    return OrderItem.objects.bulk_create(items)


def order_get(order_id: UUID) -> Order | None:
    return _with_items(Order.objects.filter(pk=order_id).select_related("user")).first()


def order_by_idempotency_key(*, user_id: UUID, key: str) -> Order | None:
    return _with_items(Order.objects.filter(user_id=user_id, idempotency_key=key)).first()


def orders_for_user(user_id: UUID) -> QuerySet:
    return _with_items(Order.objects.filter(user_id=user_id))


def order_items(order_id: UUID) -> list[OrderItem]:
    return list(OrderItem.objects.filter(order_id=order_id).order_by("id"))


def order_mark_paid(*, order_id: UUID, payment_reference: str, now: datetime) -> int:
    return Order.objects.filter(pk=order_id, status=Order.Status.PENDING).update(
        status=Order.Status.PAID, paid_at=now, payment_reference=payment_reference
    )


def order_items_detach_enrollments(order_id: UUID) -> int:
    """Forget the held enrollments of a failed order's items (learning deletes the holds)."""
    return OrderItem.objects.filter(order_id=order_id).update(enrollment=None)


def order_delete(order_id: UUID) -> None:
    """Remove an order that never reached the provider, with its items."""
    OrderItem.objects.filter(order_id=order_id).delete()
    Order.objects.filter(pk=order_id).delete()


def order_mark_refunded(*, order_id: UUID, reason: str, now: datetime) -> int:
    """paid -> refunded, once: the status filter makes a second refund a no-op."""
    return Order.objects.filter(pk=order_id, status=Order.Status.PAID).update(
        status=Order.Status.REFUNDED, refunded_at=now, refund_reason=reason[:500]
    )


def order_mark_failed(*, order_id: UUID, failure_code: str, now: datetime) -> int:
    return Order.objects.filter(pk=order_id, status=Order.Status.PENDING).update(
        status=Order.Status.FAILED, failure_code=failure_code, failed_at=now
    )


def order_ids_pending_since(created_before: datetime) -> list[UUID]:
    """Pending orders created before ``created_before``, oldest first."""
    return list(
        Order.objects.filter(status=Order.Status.PENDING, created_at__lt=created_before)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )


SEARCH_MATCH_LIMIT = 500


def order_search(queryset: QuerySet, term: str) -> QuerySet:
    """Orders with this exact number, or whose buyer's email starts with ``term``.
    The email is resolved to user ids first: one indexed lookup instead of a
    join over every order (and MongoDB-friendly)."""
    term = term.strip()
    user_ids = identity_repositories.user_ids_with_email_prefix(term, limit=SEARCH_MATCH_LIMIT)
    return queryset.filter(Q(number=term.upper()) | Q(user_id__in=user_ids))


def payment_create(**fields) -> Payment:
    return Payment.objects.create(**fields)


def payment_record_success(*, order, kind: str, provider: str, result, now: datetime) -> Payment:
    """Record a provider call (charge or refund) that succeeded and was checked."""
    return payment_create(
        order=order,
        kind=kind,
        provider=provider,
        reference=result.reference,
        amount=result.amount,
        currency=result.currency,
        status=Payment.Status.SUCCEEDED,
        response_summary=result.summary,
        created_at=now,
    )


# --- The sandbox provider's ledger ------------------------------------------------


def sandbox_charge_get(idempotency_key: str) -> SandboxCharge | None:
    return SandboxCharge.objects.filter(idempotency_key=idempotency_key).first()


def sandbox_charge_create(**fields) -> SandboxCharge:
    return SandboxCharge.objects.create(**fields)


# --- Sponsors ---------------------------------------------------------------------


def sponsor_ids_of_member(user_id: UUID) -> list[UUID]:
    return list(SponsorMember.objects.filter(user_id=user_id).values_list("sponsor_id", flat=True))


def sponsors_visible(*, member_sponsor_ids: list[UUID]) -> QuerySet:
    """Approved sponsors, plus those the caller belongs to (any status)."""
    condition = Q(status=Sponsor.Status.APPROVED)
    if member_sponsor_ids:
        condition |= Q(pk__in=member_sponsor_ids)
    return Sponsor.objects.filter(condition)


def sponsor_get(sponsor_id: UUID) -> Sponsor | None:
    return Sponsor.objects.filter(pk=sponsor_id).first()


def sponsor_member_role(*, sponsor_id: UUID, user_id: UUID) -> str | None:
    return SponsorMember.objects.filter(sponsor_id=sponsor_id, user_id=user_id).values_list("role", flat=True).first()


def sponsor_roles_of_user(*, user_id: UUID, sponsor_ids: list[UUID]) -> dict[UUID, str]:
    rows = SponsorMember.objects.filter(user_id=user_id, sponsor_id__in=sponsor_ids).values_list("sponsor_id", "role")
    return dict(rows)


def sponsor_create(**fields) -> Sponsor:
    return Sponsor.objects.create(**fields)


def sponsor_member_create(*, sponsor_id: UUID, user_id: UUID, role: str) -> SponsorMember:
    return SponsorMember.objects.create(sponsor_id=sponsor_id, user_id=user_id, role=role)


def sponsor_decide(*, sponsor_id: UUID, status: str, reviewer_id: UUID, now: datetime) -> int:
    """pending -> approved|rejected, once."""
    return Sponsor.objects.filter(pk=sponsor_id, status=Sponsor.Status.PENDING).update(
        status=status, reviewed_by_id=reviewer_id, reviewed_at=now, updated_at=now
    )


# --- Sponsorships -----------------------------------------------------------------


def sponsorship_create(**fields) -> Sponsorship:
    return Sponsorship.objects.create(**fields)


def sponsorship_get(sponsorship_id: UUID) -> Sponsorship | None:
    return Sponsorship.objects.filter(pk=sponsorship_id).select_related("sponsor", "course", "requested_by").first()


def sponsorship_by_code(code: str) -> Sponsorship | None:
    return Sponsorship.objects.filter(code=code).first()


def sponsorships_of_sponsor(sponsor_id: UUID) -> QuerySet:
    return Sponsorship.objects.filter(sponsor_id=sponsor_id).select_related("course")


def sponsorship_redemption_counts(sponsorship_ids: list[UUID]) -> dict[UUID, int]:
    if not sponsorship_ids:
        return {}
    rows = (
        SponsorshipRedemption.objects.filter(sponsorship_id__in=sponsorship_ids)
        .values("sponsorship_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["sponsorship_id"]: row["count"] for row in rows}


def sponsorship_decide(*, sponsorship_id: UUID, status: str, code: str | None, reviewer_id: UUID, now: datetime) -> int:
    """pending -> approved (with its code) | rejected, once."""
    return Sponsorship.objects.filter(pk=sponsorship_id, status=Sponsorship.Status.PENDING).update(
        status=status, code=code, reviewed_by_id=reviewer_id, reviewed_at=now, updated_at=now
    )


def sponsorship_consume_seat(*, sponsorship_id: UUID, now: datetime) -> int:
    """Use one seat of an approved sponsorship.

    Invariant: seats_used <= seats_total. The increment only matches while a
    seat is left, so concurrent redemptions cannot overshoot.
    """
    return Sponsorship.objects.filter(
        pk=sponsorship_id, status=Sponsorship.Status.APPROVED, seats_used__lt=F("seats_total")
    ).update(seats_used=F("seats_used") + 1, updated_at=now)


def redemption_exists(*, sponsorship_id: UUID, user_id: UUID) -> bool:
    return SponsorshipRedemption.objects.filter(sponsorship_id=sponsorship_id, user_id=user_id).exists()


def redemption_create(**fields) -> SponsorshipRedemption:
    return SponsorshipRedemption.objects.create(**fields)


def redemptions_of_order(order_id: UUID) -> list[SponsorshipRedemption]:
    return list(SponsorshipRedemption.objects.filter(order_id=order_id))


def redemption_delete(redemption_id: UUID) -> int:
    deleted, _ = SponsorshipRedemption.objects.filter(pk=redemption_id).delete()
    return deleted


def sponsorship_return_seat(*, sponsorship_id: UUID, now: datetime) -> int:
    """Give back one seat whose redemption was undone.

    Invariant: seats_used >= 0; only called after deleting the redemption that
    held the seat, in the same transaction, so a seat is returned once.
    """
    return Sponsorship.objects.filter(pk=sponsorship_id, seats_used__gt=0).update(
        seats_used=F("seats_used") - 1, updated_at=now
    )


# --- Dashboard figures ----------------------------------------------------------


def revenue_per_period(starts: list[datetime], end: datetime, *, currency: str) -> list[Decimal]:
    """Paid revenue in ``currency`` in each [starts[i], starts[i+1]) (the last
    one up to ``end``), in one query. Refunded orders do not count."""
    bounds = [*starts, end]
    sums = Order.objects.filter(status=Order.Status.PAID, currency=currency).aggregate(
        **{
            f"p{index}": Sum("total", filter=Q(paid_at__gte=bounds[index], paid_at__lt=bounds[index + 1]))
            for index in range(len(starts))
        }
    )
    return [sums[f"p{index}"] or Decimal("0") for index in range(len(starts))]


def sponsorships_pending_count() -> int:
    return Sponsorship.objects.filter(status=Sponsorship.Status.PENDING).count()


def sponsors_pending_count() -> int:
    return Sponsor.objects.filter(status=Sponsor.Status.PENDING).count()
