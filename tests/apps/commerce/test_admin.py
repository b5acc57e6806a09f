"""The commerce admin: pages load with bounded queries, actions go through services, CSV export."""

import pytest
from django.test import Client

from apps.commerce.models import Order, Payment, Sponsor, Sponsorship
from apps.learning.models import Enrollment
from tests.apps.commerce.conftest import checkout, fill_cart
from tests.conftest import client_for
from tests.factories.commerce import (
    CartItemFactory,
    OrderFactory,
    PaidCourseFactory,
    SponsorFactory,
    SponsorshipFactory,
)
from tests.factories.identity import RoleStaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def action(client, model: str, name: str, ids):
    return client.post(
        f"/admin/commerce/{model}/", {"action": name, "_selected_action": [str(pk) for pk in ids]}, follow=True
    )


@pytest.mark.parametrize("model", ["order", "cart", "sponsor", "sponsorship", "sponsorshipredemption"])
def test_changelists_load(admin_client, model, django_assert_max_num_queries):
    OrderFactory.create_batch(3)
    CartItemFactory.create_batch(2)
    SponsorshipFactory.create_batch(2)
    with django_assert_max_num_queries(12):
        response = admin_client.get(f"/admin/commerce/{model}/")
    assert response.status_code == 200


def test_order_search_by_number_and_email_prefix(admin_client):
    order = OrderFactory(number="DL-2026-FINDME00")
    by_email = OrderFactory(user__email="zora@buyers.test")
    other = OrderFactory()
    response = admin_client.get("/admin/commerce/order/", {"q": "dl-2026-findme00", "status__exact": "paid"})
    assert response.status_code == 200
    assert order.number.encode() in response.content and other.number.encode() not in response.content
    response = admin_client.get("/admin/commerce/order/", {"q": "zora@"})
    assert by_email.number.encode() in response.content and order.number.encode() not in response.content


@pytest.mark.parametrize(
    "drilldown", [{}, {"created_at__year": "2026"}, {"created_at__year": "2026", "created_at__month": "11"}]
)
def test_order_date_hierarchy(admin_client, drilldown):
    OrderFactory()
    assert admin_client.get("/admin/commerce/order/", drilldown).status_code == 200


def test_order_detail_is_read_only(admin_client, user):
    fill_cart(user, PaidCourseFactory())
    order_id = checkout(client_for(user)).json()["id"]
    response = admin_client.get(f"/admin/commerce/order/{order_id}/change/")
    assert response.status_code == 200
    assert b'name="total"' not in response.content


@pytest.mark.django_db(transaction=True)
def test_refund_action_goes_through_the_service():
    staff = RoleStaffFactory(roles=["finance"])
    client = Client()
    client.force_login(staff)
    buyer = UserFactory()
    fill_cart(buyer, PaidCourseFactory())
    order_id = checkout(client_for(buyer)).json()["id"]
    failed = OrderFactory(status=Order.Status.FAILED)

    response = action(client, "order", "refund_orders", [order_id, failed.pk])

    assert response.status_code == 200
    assert Order.objects.get(pk=order_id).status == "refunded"
    assert Enrollment.objects.get(user=buyer).status == "cancelled"
    assert Payment.objects.filter(kind="refund").count() == 1
    assert b"order_not_refundable" in response.content  # the failed one was refused, with its reason


def test_sponsor_actions(admin_client):
    pending = SponsorFactory(status=Sponsor.Status.PENDING)
    other = SponsorFactory(status=Sponsor.Status.PENDING)
    action(admin_client, "sponsor", "approve_sponsors", [pending.pk])
    action(admin_client, "sponsor", "reject_sponsors", [other.pk])
    assert Sponsor.objects.get(pk=pending.pk).status == "approved"
    assert Sponsor.objects.get(pk=other.pk).status == "rejected"


def test_sponsorship_actions(admin_client):
    pending = SponsorshipFactory(status=Sponsorship.Status.PENDING, code=None)
    other = SponsorshipFactory(status=Sponsorship.Status.PENDING, code=None)
    action(admin_client, "sponsorship", "approve_sponsorships", [pending.pk])
    action(admin_client, "sponsorship", "reject_sponsorships", [other.pk])
    approved = Sponsorship.objects.get(pk=pending.pk)
    assert approved.status == "approved" and approved.code
    assert Sponsorship.objects.get(pk=other.pk).status == "rejected"


def test_csv_export_of_orders(admin_client):
    orders = OrderFactory.create_batch(2)
    response = action(admin_client, "order", "export_csv", [o.pk for o in orders])
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("number,user__email,status") and len(lines) == 3
    assert {o.number for o in orders} <= {line.split(",")[0] for line in lines[1:]}


def test_learners_cannot_open_the_admin(user):
    client = Client()
    client.force_login(user)
    assert client.get("/admin/commerce/order/").status_code == 302
