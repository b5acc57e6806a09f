"""Demo commerce data, by size.

- Orders: every enrollment the learning seeder made with ``source=order`` gets
  the paid order that bought it (one order per enrollment, paid when it was
  enrolled, with a sandbox payment); cancelled ones are refunded orders. So
  revenue, receipts and refunds match the enrollments. Natural key: the
  enrollment an order item points at.
- A declined (failed) order and open carts for a few learners, the demo
  learner included; one expired cart.
- Sponsors: an approved foundation with an owner and a member, a pending
  application, a rejected one. Sponsorships: an approved one with a code and a
  few redemptions (enrolled through ``enrollment_grant``, so seats add up), and
  a pending request. Natural keys: sponsor name, (sponsor, course), (sponsorship, user).

Re-running creates nothing new.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone

from apps.catalog.models import Course
from apps.catalog.seeding import PAID_COURSE_SLUG
from apps.commerce.errors import CommerceErrorCode
from apps.commerce.models import (
    Cart,
    CartItem,
    Order,
    OrderItem,
    Payment,
    Sponsor,
    SponsorMember,
    Sponsorship,
    SponsorshipRedemption,
)
from apps.commerce.services.checkout import new_order_number
from apps.commerce.services.sponsors import sponsorship_use
from apps.identity.models import User
from apps.identity.seeding import LEARNER_DOMAIN
from apps.learning import services as learning_services
from apps.learning.models import Enrollment
from deltalabs.db import atomic
from deltalabs.errors import ApplicationError
from deltalabs.seeding import SeedContext

APPROVED_SPONSOR = "Acme Robotics Foundation"
PENDING_SPONSOR = "Northwind Learning Trust"
REJECTED_SPONSOR = "Quick Cash Courses Ltd"
DEMO_CODE = "ACMEPANDAS26"


def seed(ctx: SeedContext) -> None:
    learners = list(User.objects.filter(email__endswith=f"@{LEARNER_DOMAIN}").order_by("email"))
    if len(learners) < 8:
        return
    _orders_for_paid_enrollments(ctx)
    _failed_order_and_carts(ctx, learners)
    _sponsors(ctx, learners)


def _orders_for_paid_enrollments(ctx: SeedContext) -> None:
    bought = set(OrderItem.objects.filter(enrollment__isnull=False).values_list("enrollment_id", flat=True))
    enrollments = [
        enrollment
        for enrollment in Enrollment.objects.filter(source=Enrollment.Source.ORDER)
        .select_related("course")
        .order_by("enrolled_at", "id")
        if enrollment.pk not in bought and enrollment.course.price > 0
    ]
    numbers = set(Order.objects.values_list("number", flat=True))
    orders, items, payments = [], [], []
    for enrollment in ctx.progress(enrollments, total=len(enrollments), desc="orders"):
        course, paid_at = enrollment.course, enrollment.enrolled_at
        number = new_order_number(paid_at)
        while number in numbers:
            number = new_order_number(paid_at)
        numbers.add(number)
        refunded = enrollment.status == Enrollment.Status.CANCELLED
        reference = f"sb_ch_seed{secrets.token_hex(8)}"
        order = Order(
            user_id=enrollment.user_id,
            number=number,
            status=Order.Status.REFUNDED if refunded else Order.Status.PAID,
            subtotal=course.price,
            total=course.price,
            currency=course.currency,
            idempotency_key=f"seed-{enrollment.pk}",
            payment_reference=reference,
            created_at=paid_at,
            paid_at=paid_at,
            refunded_at=enrollment.cancelled_at if refunded else None,
            refund_reason="Seeded refund" if refunded else "",
        )
        orders.append(order)
        items.append(OrderItem(order=order, course=course, price=course.price, enrollment=enrollment))
        payments.append(_payment(order, Payment.Kind.CHARGE, reference, paid_at))
        if refunded:
            payments.append(
                _payment(order, Payment.Kind.REFUND, f"sb_re_seed{secrets.token_hex(8)}", order.refunded_at)
            )
    ctx.bulk_create(Order, orders, desc="orders", batch_size=5_000)
    ctx.bulk_create(OrderItem, items, desc="order items", batch_size=5_000)
    ctx.bulk_create(Payment, payments, desc="payments", batch_size=5_000)


def _payment(order: Order, kind: str, reference: str, when) -> Payment:
    return Payment(
        order=order,
        kind=kind,
        provider="sandbox",
        reference=reference,
        amount=order.total,
        currency=order.currency,
        status=Payment.Status.SUCCEEDED,
        response_summary={"provider": "sandbox", "reference": reference, "kind": kind, "seeded": True},
        created_at=when or order.created_at,
    )


def _buyable_courses(user, limit: int) -> list[Course]:
    owned = set(Enrollment.objects.filter(user=user).values_list("course_id", flat=True))
    candidates = Course.objects.filter(
        status=Course.Status.PUBLISHED,
        price__gt=0,
        currency="USD",
        capacity__isnull=True,
        enrollment_opens_at__isnull=True,
        enrollment_closes_at__isnull=True,
    ).order_by("slug")
    return [course for course in candidates if course.pk not in owned][:limit]


def _failed_order_and_carts(ctx: SeedContext, learners: list[User]) -> None:
    now = timezone.now()
    demo, declined_buyer = learners[0], learners[5]
    if not Order.objects.filter(user=declined_buyer, idempotency_key="seed-declined").exists():
        course = next(iter(_buyable_courses(declined_buyer, 1)), None)
        if course is not None:
            order = Order.objects.create(
                user=declined_buyer,
                number=new_order_number(now),
                status=Order.Status.FAILED,
                subtotal=course.price,
                total=course.price,
                currency=course.currency,
                idempotency_key="seed-declined",
                failure_code=CommerceErrorCode.PAYMENT_DECLINED,
                created_at=now - timedelta(days=2),
                failed_at=now - timedelta(days=2),
            )
            OrderItem.objects.create(order=order, course=course, price=course.price)
            Payment.objects.create(
                order=order,
                provider="sandbox",
                amount=order.total,
                currency=order.currency,
                status=Payment.Status.DECLINED,
                response_summary={"provider": "sandbox", "decline_code": "card_declined", "seeded": True},
                created_at=order.created_at,
            )
            ctx.counts["commerce.Order"] = ctx.counts.get("commerce.Order", 0) + 1

    with_carts = set(Cart.objects.filter(user__in=learners).values_list("user_id", flat=True))
    shoppers = [demo, *learners[6 : 6 + max(2, ctx.scale.orders // 20)]]
    carts, items = [], []
    for index, user in enumerate(shoppers):
        if user.pk in with_carts:
            continue
        courses = _buyable_courses(user, 1 + index % 3)
        if not courses:
            continue
        expired = index == len(shoppers) - 1
        touched = now - timedelta(days=45 if expired else index % 5)
        cart = Cart(
            user=user,
            status=Cart.Status.EXPIRED if expired else Cart.Status.OPEN,
            currency="USD",
            item_count=len(courses),
        )
        carts.append((cart, touched))
        items += [CartItem(cart=cart, course=c, price=c.price, currency=c.currency, added_at=touched) for c in courses]
    ctx.bulk_create(Cart, [cart for cart, _ in carts], desc="carts")
    ctx.bulk_create(CartItem, items, desc="cart items")
    for cart, touched in carts:  # auto_now would stamp "now" on every cart
        Cart.objects.filter(pk=cart.pk).update(updated_at=touched)


def _sponsors(ctx: SeedContext, learners: list[User]) -> None:
    now = timezone.now()
    staff = User.objects.filter(is_staff=True).order_by("email").first()
    owner, member, applicant = learners[1], learners[2], learners[3]
    specs = [
        (
            APPROVED_SPONSOR,
            Sponsor.Status.APPROVED,
            owner,
            "grants@acme-robotics.example",
            "We pay for robotics seats.",
        ),
        (PENDING_SPONSOR, Sponsor.Status.PENDING, applicant, "hello@northwind.example", "We would like to sponsor."),
        (REJECTED_SPONSOR, Sponsor.Status.REJECTED, applicant, "sales@quickcash.example", "Buy our courses!"),
    ]
    existing = set(Sponsor.objects.filter(name__in=[s[0] for s in specs]).values_list("name", flat=True))
    for name, status, creator, email, message in specs:
        if name in existing:
            continue
        sponsor = Sponsor.objects.create(
            name=name,
            contact_email=email,
            website=f"https://{email.split('@')[1]}",
            message=message,
            status=status,
            created_by=creator,
            reviewed_by=staff if status != Sponsor.Status.PENDING else None,
            reviewed_at=now - timedelta(days=20) if status != Sponsor.Status.PENDING else None,
        )
        SponsorMember.objects.create(sponsor=sponsor, user=creator, role=SponsorMember.Role.OWNER)
        if name == APPROVED_SPONSOR:
            SponsorMember.objects.create(sponsor=sponsor, user=member, role=SponsorMember.Role.MEMBER)
        ctx.counts["commerce.Sponsor"] = ctx.counts.get("commerce.Sponsor", 0) + 1
    ctx.add_login("sponsor", owner.email)

    sponsor = Sponsor.objects.get(name=APPROVED_SPONSOR)
    paid = Course.objects.filter(slug=PAID_COURSE_SLUG).first()
    if paid is None:
        return
    second = (
        Course.objects.filter(status=Course.Status.PUBLISHED, price__gt=0).exclude(pk=paid.pk).order_by("slug").first()
    )
    approved, _ = Sponsorship.objects.get_or_create(
        sponsor=sponsor,
        course=paid,
        defaults={
            "seats_total": 10,
            "status": Sponsorship.Status.APPROVED,
            "code": DEMO_CODE,
            "requested_by": owner,
            "reviewed_by": staff,
            "reviewed_at": now - timedelta(days=10),
        },
    )
    if second is not None:
        Sponsorship.objects.get_or_create(
            sponsor=sponsor, course=second, defaults={"seats_total": 25, "requested_by": member}
        )
    _redemptions(approved, learners[-3:], now)


def _redemptions(sponsorship: Sponsorship, learners: list[User], now) -> None:
    """A few learners used the demo code: enrolled through learning (seats
    counted) with one sponsorship seat each."""
    redeemed = set(SponsorshipRedemption.objects.filter(sponsorship=sponsorship).values_list("user_id", flat=True))
    for user in learners:
        if user.pk in redeemed:
            continue
        if Enrollment.objects.filter(
            user=user, course=sponsorship.course, status__in=Enrollment.CURRENT_STATUSES
        ).exists():
            continue
        try:
            with atomic():
                enrollment = learning_services.enrollment_grant(
                    user=user, course_id=sponsorship.course_id, source=Enrollment.Source.SPONSORSHIP
                )
                sponsorship_use(sponsorship=sponsorship, user=user, now=now, enrollment=enrollment)
        except ApplicationError:
            return  # no seat left on the course or the code
