"""Orders after checkout: list, detail, refunds, expiry jobs, emails."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from apps.catalog.models import Course
from apps.commerce import jobs, tasks
from apps.commerce.models import Cart, Order, Payment, SandboxCharge
from apps.commerce.payments import SandboxProvider
from apps.commerce.services import orders as order_services
from apps.learning.models import Enrollment
from deltalabs.errors import BadGateway, Conflict, NotFound, PermissionDenied
from deltalabs.models import OutboundEmail
from tests.apps.commerce.conftest import checkout, fill_cart
from tests.conftest import client_for
from tests.factories.commerce import CartFactory, OrderFactory, PaidCourseFactory
from tests.factories.identity import StaffFactory, UserFactory
from tests.factories.learning import EnrollmentFactory

pytestmark = pytest.mark.django_db


def buy(user, *courses) -> Order:
    fill_cart(user, *courses)
    response = checkout(client_for(user))
    assert response.status_code == 201, response.json()
    return Order.objects.get(pk=response.json()["id"])


class TestList:
    def test_own_orders_newest_first_with_cursor(self, user, user_client):
        now = timezone.now()
        orders = [OrderFactory(user=user, created_at=now - timedelta(minutes=i)) for i in range(3)]
        OrderFactory()  # someone else's
        first = user_client.get("/v1/orders?limit=2").json()
        second = user_client.get(f"/v1/orders?limit=2&cursor={first['next_cursor']}").json()
        assert [o["id"] for o in first["results"] + second["results"]] == [str(o.pk) for o in orders]
        assert second["next_cursor"] is None

    def test_body_fields(self, user, user_client):
        order = buy(user, PaidCourseFactory(title="Soldering", slug="soldering"))
        body = user_client.get("/v1/orders").json()["results"][0]
        assert set(body) >= {
            "id",
            "number",
            "status",
            "items",
            "subtotal",
            "discount",
            "total",
            "currency",
            "created_at",
            "paid_at",
        }
        assert body["number"] == order.number and body["total"] == "49.00"
        assert body["items"][0]["course"]["slug"] == "soldering"
        assert body["created_at"].endswith("Z")

    def test_query_count_is_flat(self, user, user_client, django_assert_max_num_queries):
        for _ in range(4):
            buy(user, PaidCourseFactory(), PaidCourseFactory())
        with django_assert_max_num_queries(3):  # user, orders, items with courses
            response = user_client.get("/v1/orders")
        assert len(response.json()["results"]) == 4

    def test_bad_cursor_is_400(self, user_client):
        assert user_client.get("/v1/orders?cursor=garbage").status_code == 400

    def test_empty_limit_is_400(self, user_client):
        # The schema documents an integer; "" is not one (nor "the default").
        response = user_client.get("/v1/orders?limit=")
        assert response.status_code == 400 and "limit" in response.json()["details"]

    def test_anonymous_is_401(self, api_client):
        assert api_client.get("/v1/orders").status_code == 401


class TestDetail:
    def test_own_order(self, user, user_client):
        order = buy(user, PaidCourseFactory())
        body = user_client.get(f"/v1/orders/{order.pk}").json()
        assert body["id"] == str(order.pk) and body["status"] == "paid"

    def test_someone_elses_order_is_404(self, user, other_client):
        order = buy(user, PaidCourseFactory())
        response = other_client.get(f"/v1/orders/{order.pk}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"

    def test_staff_may_read_any_order(self, user, staff_client):
        order = buy(user, PaidCourseFactory())
        assert staff_client.get(f"/v1/orders/{order.pk}").status_code == 200

    def test_unknown_order_is_404(self, user_client):
        assert user_client.get("/v1/orders/6f1c1c1e-0000-4000-8000-000000000000").status_code == 404


@pytest.mark.django_db(transaction=True)
class TestRefund:
    def test_staff_refund_cancels_enrollments_frees_seats_and_promotes_the_waitlist(self):
        # given: a buyer holds the only seat and someone waits for it
        buyer, waiting = UserFactory(), UserFactory()
        course = PaidCourseFactory(capacity=1)
        order = buy(buyer, course)
        waitlisted = EnrollmentFactory(user=waiting, course=course, status="waitlisted", waitlist_position=1)
        Course.objects.filter(pk=course.pk).update(waitlist_length=1)

        # when
        response = client_for(StaffFactory()).post(
            f"/v1/orders/{order.pk}/refund", {"reason": "Changed mind"}, format="json"
        )

        # then
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "refunded"
        assert Enrollment.objects.get(user=buyer).status == "cancelled"
        assert Enrollment.objects.get(pk=waitlisted.pk).status == "active"
        assert Course.objects.get(pk=course.pk).seats_taken == 1
        refund = Payment.objects.get(kind="refund")
        assert refund.amount == Decimal("49.00") and refund.status == "succeeded"
        order.refresh_from_db()
        assert order.refunded_at and order.refund_reason == "Changed mind"
        assert any(order.number in m.subject and "refunded" in m.subject for m in mail.outbox)

    def test_learner_cannot_refund_own_order(self):
        buyer = UserFactory()
        order = buy(buyer, PaidCourseFactory())
        response = client_for(buyer).post(f"/v1/orders/{order.pk}/refund", {}, format="json")
        assert response.status_code == 403
        assert Order.objects.get(pk=order.pk).status == "paid"

    def test_learner_gets_404_for_someone_elses_order(self):
        order = buy(UserFactory(), PaidCourseFactory())
        response = client_for(UserFactory()).post(f"/v1/orders/{order.pk}/refund", {}, format="json")
        assert response.status_code == 404

    def test_refund_twice_is_409(self):
        staff = StaffFactory()
        order = buy(UserFactory(), PaidCourseFactory())
        order_services.order_refund(actor=staff, order_id=order.pk, reason="")
        with pytest.raises(Conflict) as exc:
            order_services.order_refund(actor=staff, order_id=order.pk, reason="")
        assert exc.value.code == "order_not_refundable"
        assert Payment.objects.filter(kind="refund").count() == 1

    def test_failed_order_is_not_refundable(self):
        staff = StaffFactory()
        failed = OrderFactory(status=Order.Status.FAILED, paid_at=None)
        response = client_for(staff).post(f"/v1/orders/{failed.pk}/refund", {}, format="json")
        assert response.status_code == 409 and response.json()["code"] == "order_not_refundable"

    def test_provider_failure_changes_nothing(self, monkeypatch):
        staff, buyer = StaffFactory(), UserFactory()
        course = PaidCourseFactory(capacity=3)
        order = buy(buyer, course)

        def refuse(self, **kwargs):
            from apps.commerce.payments import PaymentProviderError

            raise PaymentProviderError("down")

        monkeypatch.setattr(SandboxProvider, "refund", refuse)
        with pytest.raises(BadGateway):
            order_services.order_refund(actor=staff, order_id=order.pk, reason="")
        assert Order.objects.get(pk=order.pk).status == "paid"
        assert Enrollment.objects.get(user=buyer).status == "active"
        assert Course.objects.get(pk=course.pk).seats_taken == 1

    def test_service_authorisation(self):
        buyer = UserFactory()
        order = buy(buyer, PaidCourseFactory())
        with pytest.raises(PermissionDenied):
            order_services.order_refund(actor=buyer, order_id=order.pk, reason="")
        with pytest.raises(NotFound):
            order_services.order_refund(actor=UserFactory(), order_id=order.pk, reason="")


@pytest.mark.django_db(transaction=True)
class TestExpiry:
    def test_stale_carts_expire_once(self):
        stale = CartFactory()
        fresh = CartFactory()
        done = CartFactory(status=Cart.Status.CHECKED_OUT)
        Cart.objects.filter(pk__in=[stale.pk, done.pk]).update(updated_at=timezone.now() - timedelta(days=31))

        assert jobs.expire_stale_carts.delay().get() == 1
        states = dict(Cart.objects.values_list("pk", "status"))
        assert states == {stale.pk: "expired", fresh.pk: "open", done.pk: "checked_out"}
        updated = dict(Cart.objects.values_list("pk", "updated_at"))

        assert jobs.expire_stale_carts.delay().get() == 0
        assert dict(Cart.objects.values_list("pk", "status")) == states
        assert dict(Cart.objects.values_list("pk", "updated_at")) == updated

    def test_a_user_with_an_expired_cart_gets_a_new_one(self):
        user = UserFactory()
        fill_cart(user, PaidCourseFactory())
        Cart.objects.update(updated_at=timezone.now() - timedelta(days=31))
        jobs.expire_stale_carts.delay()
        assert client_for(user).get("/v1/cart").json()["items"] == []
        fill_cart(user, PaidCourseFactory())
        assert Cart.objects.filter(user=user).count() == 2


class TestEmails:
    def test_receipt_is_sent_once(self, user, django_capture_on_commit_callbacks):
        # the checkout's commit queues the receipt (run here on either engine)
        with django_capture_on_commit_callbacks(execute=True):
            order = buy(user, PaidCourseFactory(title="Laser cutting"))
        assert len(mail.outbox) == 1
        # and sending it again sends nothing
        assert tasks.send_order_receipt.delay(order_id=str(order.pk)).get() is False
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [user.email] and "Laser cutting" in message.body and "49.00" in message.body
        assert OutboundEmail.objects.get().key == f"order-receipt:{order.pk}"

    def test_no_receipt_for_a_failed_order(self):
        failed = OrderFactory(status=Order.Status.FAILED)
        assert tasks.send_order_receipt.delay(order_id=str(failed.pk)).get() is False
        assert mail.outbox == []


class TestOrderListService:
    def test_order_list_clamps_limit_and_paginates(self, user):
        for _ in range(3):
            OrderFactory(user=user)
        page = order_services.order_list(actor=user, limit=2)
        assert len(page.items) == 2 and page.next_cursor
        rest = order_services.order_list(actor=user, cursor=page.next_cursor, limit=1000)
        assert len(rest.items) == 1 and rest.next_cursor is None

    def test_no_charge_for_a_zero_total_refund(self):
        staff = StaffFactory()
        order = OrderFactory(total=Decimal("0.00"), discount=Decimal("49.00"))
        order_services.order_refund(actor=staff, order_id=order.pk, reason="")
        assert not Payment.objects.exists() and not SandboxCharge.objects.exists()


def test_schema_lists_the_status_values(api_client):
    schemas = api_client.get("/v1/schema?format=json").json()["components"]["schemas"]

    def values(component, field):
        ref = schemas[component]["properties"][field]
        ref = ref.get("$ref") or ref["oneOf"][0]["$ref"]
        return set(schemas[ref.rsplit("/", 1)[1]]["enum"])

    assert values("OrderOutput", "status") == {"pending", "paid", "failed", "refunded"}
    assert (
        values("SponsorOutput", "status")
        == values("SponsorshipOutput", "status")
        == {"pending", "approved", "rejected"}
    )
    assert values("SponsorOutput", "my_role") == {"owner", "member"}
