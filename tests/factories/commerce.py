from decimal import Decimal

import factory
from django.utils import timezone

from apps.commerce.models import Cart, CartItem, Order, Sponsor, SponsorMember, Sponsorship
from tests.factories.catalog import CourseFactory


class PaidCourseFactory(CourseFactory):
    """A published course for sale at 49.00 USD, unlimited seats."""

    price = Decimal("49.00")
    currency = "USD"


class CartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cart

    user = factory.SubFactory("tests.factories.identity.UserFactory")


class CartItemFactory(factory.django.DjangoModelFactory):
    """An item row written directly; the cart's counters are kept in step."""

    class Meta:
        model = CartItem
        skip_postgeneration_save = True

    cart = factory.SubFactory(CartFactory)
    course = factory.SubFactory(PaidCourseFactory)
    price = factory.LazyAttribute(lambda item: item.course.price)
    currency = factory.LazyAttribute(lambda item: item.course.currency)

    @factory.post_generation
    def count_in_cart(item, create, extracted, **kwargs):
        if create:
            Cart.objects.filter(pk=item.cart_id).update(
                item_count=CartItem.objects.filter(cart_id=item.cart_id).count(), currency=item.currency
            )


class OrderFactory(factory.django.DjangoModelFactory):
    """A paid order row without items (for read tests)."""

    class Meta:
        model = Order

    user = factory.SubFactory("tests.factories.identity.UserFactory")
    number = factory.Sequence(lambda n: f"DL-2026-T{n:07d}")
    status = Order.Status.PAID
    subtotal = Decimal("49.00")
    total = Decimal("49.00")
    currency = "USD"
    idempotency_key = factory.Sequence(lambda n: f"key-{n}")
    paid_at = factory.LazyFunction(timezone.now)


class SponsorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sponsor

    name = factory.Sequence(lambda n: f"Sponsor {n:03d}")
    contact_email = factory.Sequence(lambda n: f"contact{n}@sponsor.test")
    website = "https://sponsor.test"
    status = Sponsor.Status.APPROVED


class SponsorMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SponsorMember

    sponsor = factory.SubFactory(SponsorFactory)
    user = factory.SubFactory("tests.factories.identity.UserFactory")
    role = SponsorMember.Role.OWNER


class SponsorshipFactory(factory.django.DjangoModelFactory):
    """An approved sponsorship with a code, on a paid course."""

    class Meta:
        model = Sponsorship

    sponsor = factory.SubFactory(SponsorFactory)
    course = factory.SubFactory(PaidCourseFactory)
    seats_total = 10
    status = Sponsorship.Status.APPROVED
    code = factory.Sequence(lambda n: f"CODE{n:08d}")
