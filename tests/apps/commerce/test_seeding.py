"""The commerce seeder: shows every feature, stays consistent, re-runs create nothing."""

import importlib

import pytest
from django.db.models import Count

from apps.commerce.models import Cart, Order, OrderItem, Sponsor, Sponsorship, SponsorshipRedemption
from apps.learning.models import Enrollment
from deltalabs.seeding import SeedContext

pytestmark = pytest.mark.django_db

MODULES = ["apps.identity.seeding", "apps.catalog.seeding", "apps.learning.seeding", "apps.commerce.seeding"]


def run_seed() -> None:
    ctx = SeedContext(size="small", show_progress=False)
    for name in MODULES:
        importlib.import_module(name).seed(ctx)


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Cart, Order, OrderItem, Sponsor, Sponsorship, SponsorshipRedemption, Enrollment)
    }


def test_small_seed_shows_every_feature_and_is_idempotent():
    run_seed()
    first = counts()
    run_seed()
    assert counts() == first

    statuses = set(Order.objects.values_list("status", flat=True))
    assert {"paid", "failed", "refunded"} <= statuses
    assert set(Cart.objects.values_list("status", flat=True)) >= {"open", "expired"}
    assert set(Sponsor.objects.values_list("status", flat=True)) == {"approved", "pending", "rejected"}
    assert set(Sponsorship.objects.values_list("status", flat=True)) == {"approved", "pending"}

    # every enrollment bought through an order has its order
    bought = Enrollment.objects.filter(source="order").values_list("pk", flat=True)
    linked = set(OrderItem.objects.filter(enrollment__isnull=False).values_list("enrollment_id", flat=True))
    assert set(bought) <= linked
    # sponsorship usage matches the redemptions and their enrollments
    for sponsorship in Sponsorship.objects.annotate(n=Count("redemptions")):
        assert sponsorship.seats_used == sponsorship.n <= sponsorship.seats_total
    assert Enrollment.objects.filter(source="sponsorship").count() == SponsorshipRedemption.objects.count() > 0
