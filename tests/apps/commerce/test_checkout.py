"""Checkout (POST /v1/orders): contract, all-or-nothing, exactly-once.

Tests that assert what is left after a failure use ``transaction=True``: the
service's transaction must really commit or roll back, as in production
(inside a test-wrapping transaction it would join the outer one instead).
"""

import re
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import caches
from django.db import connection

from apps.catalog.models import Course
from apps.commerce import repositories
from apps.commerce.models import Cart, Order, OrderItem, Payment, SandboxCharge
from apps.commerce.payments import SandboxProvider
from apps.learning.models import Enrollment
from deltalabs import idempotency
from tests.apps.commerce.conftest import checkout, fill_cart, new_key
from tests.conftest import client_for
from tests.factories.commerce import OrderFactory, PaidCourseFactory
from tests.factories.identity import UserFactory
from tests.factories.learning import EnrollmentFactory
from tests.support.emulator import THREAD_RACE


def seats(*courses) -> list[int]:
    return [Course.objects.get(pk=course.pk).seats_taken for course in courses]


def open_cart_courses(user) -> set:
    cart = Cart.objects.get(user=user, status=Cart.Status.OPEN)
    return {str(pk) for pk in cart.items.values_list("course_id", flat=True)}


@pytest.mark.django_db
class TestContract:
    def test_paid_order_with_server_computed_amounts(self, user, user_client, django_capture_on_commit_callbacks):
        # given
        first = PaidCourseFactory(price=Decimal("49.00"), capacity=5)
        second = PaidCourseFactory(price=Decimal("20.50"))
        fill_cart(user, first, second)

        # when: the client also sends money and status fields, which must be ignored
        with django_capture_on_commit_callbacks(execute=True):
            response = checkout(user_client, total="0.01", status="refunded", paid_at="2000-01-01T00:00:00Z")

        # then
        assert response.status_code == 201
        body = response.json()
        assert re.fullmatch(r"DL-\d{4}-[0-9A-HJKMNP-TV-Z]{8}", body["number"])
        assert body["status"] == "paid"
        assert body["subtotal"] == "69.50" and body["discount"] == "0.00" and body["total"] == "69.50"
        assert body["currency"] == "USD" and body["paid_at"] and body["paid_at"] != "2000-01-01T00:00:00Z"
        assert {item["course"]["id"] for item in body["items"]} == {str(first.pk), str(second.pk)}
        assert all(item["enrollment_id"] for item in body["items"])
        enrollments = Enrollment.objects.filter(user=user)
        assert {e.source for e in enrollments} == {"order"} and enrollments.count() == 2
        assert seats(first) == [1]
        payment = Payment.objects.get()
        assert (payment.kind, payment.status, payment.amount, payment.provider) == (
            "charge",
            "succeeded",
            Decimal("69.50"),
            "sandbox",
        )
        assert Order.objects.get().payment_reference == payment.reference
        assert Cart.objects.get(user=user).status == Cart.Status.CHECKED_OUT
        assert user_client.get("/v1/cart").json()["items"] == []
        assert len(mail.outbox) == 1 and body["number"] in mail.outbox[0].subject

    def test_idempotency_key_is_required(self, user, user_client, paid_course):
        fill_cart(user, paid_course)
        response = user_client.post("/v1/orders", {"payment": {"method": "card", "token": "tok_visa"}}, format="json")
        assert response.status_code == 400 and response.json()["code"] == "idempotency_key_required"
        assert not Order.objects.exists()

    def test_anonymous_is_401(self, api_client):
        response = api_client.post("/v1/orders", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
        assert response.status_code == 401

    def test_empty_cart_is_409(self, user_client):
        response = checkout(user_client)
        assert response.status_code == 409 and response.json()["code"] == "cart_empty"

    def test_payment_is_required_for_a_non_zero_total(self, user, user_client, paid_course):
        fill_cart(user, paid_course)
        response = user_client.post("/v1/orders", {}, format="json", HTTP_IDEMPOTENCY_KEY=new_key())
        assert response.status_code == 400 and response.json()["code"] == "validation_error"
        assert "payment" in response.json()["details"]

    def test_unknown_payment_method_is_400(self, user, user_client, paid_course):
        fill_cart(user, paid_course)
        response = user_client.post(
            "/v1/orders", {"payment": {"method": "cash", "token": "x"}}, format="json", HTTP_IDEMPOTENCY_KEY=new_key()
        )
        assert response.status_code == 400 and "payment" in response.json()["details"]

    def test_unpublished_course_in_cart_is_409(self, user, user_client, paid_course):
        fill_cart(user, paid_course)
        Course.objects.filter(pk=paid_course.pk).update(status=Course.Status.ARCHIVED)
        response = checkout(user_client)
        assert response.status_code == 409 and response.json()["code"] == "course_unavailable"

    def test_closed_window_is_409(self, user, user_client, paid_course):
        fill_cart(user, paid_course)
        Course.objects.filter(pk=paid_course.pk).update(enrollment_closes_at="2000-01-01T00:00:00Z")
        assert checkout(user_client).json()["code"] == "enrollment_closed"

    def test_cart_changed_while_checking_out_is_409(self, user, user_client, paid_course, monkeypatch):
        # given: another tab adds a course right after checkout priced the cart
        fill_cart(user, paid_course)
        original = repositories.cart_items

        def priced_then_changed(cart_id):
            items = original(cart_id)
            monkeypatch.setattr(repositories, "cart_items", original)
            fill_cart(user, PaidCourseFactory())
            return items

        monkeypatch.setattr(repositories, "cart_items", priced_then_changed)

        # when
        response = checkout(user_client)

        # then
        assert response.status_code == 409 and response.json()["code"] == "cart_changed"

    def test_key_of_an_expired_order(self, user, user_client, paid_course):
        fill_cart(user, paid_course)
        order = OrderFactory(user=user, status="failed", failure_code="expired", idempotency_key="old", paid_at=None)
        response = checkout(user_client, key="old")
        assert response.status_code == 409 and response.json()["code"] == "order_failed"
        assert response.json()["details"]["order_id"] == str(order.pk)

    def test_key_of_a_pending_order_resumes_it(self, user, user_client, paid_course):
        # given: this key's order was placed but never charged (its process died)
        fill_cart(user, paid_course)
        order = OrderFactory(user=user, status="pending", idempotency_key="old", paid_at=None)

        # when the client retries with the key
        response = checkout(user_client, key="old")

        # then that order is charged and paid, and the cart is left alone
        assert response.status_code == 201 and response.json()["id"] == str(order.pk)
        assert response.json()["status"] == "paid"
        assert SandboxCharge.objects.get().amount == order.total
        assert open_cart_courses(user) == {str(paid_course.pk)}

    def test_replay_returns_the_same_body(self, user, user_client, paid_course):
        fill_cart(user, paid_course)
        first = checkout(user_client, key="same")
        again = checkout(user_client, key="same")
        assert again.status_code == 201 and again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert Order.objects.count() == 1 == Payment.objects.count()


@pytest.mark.django_db(transaction=True)
class TestAllOrNothing:
    def test_declined_card_keeps_a_failed_order_and_nothing_else(self):
        # given: two courses with limited seats in the cart
        user = UserFactory()
        first, second = PaidCourseFactory(capacity=3), PaidCourseFactory(capacity=3)
        fill_cart(user, first, second)

        # when
        response = checkout(client_for(user), token="tok_declined")

        # then: 402, a failed order on record, no enrollment, seats back, cart intact
        assert response.status_code == 402
        body = response.json()
        assert body["code"] == "payment_declined"
        order = Order.objects.get()
        assert body["details"]["order_id"] == str(order.pk)
        assert order.status == Order.Status.FAILED and order.failure_code == "payment_declined"
        assert order.total == Decimal("98.00") and order.paid_at is None
        assert OrderItem.objects.filter(order=order, enrollment__isnull=True).count() == 2
        assert Payment.objects.get().status == Payment.Status.DECLINED
        assert not Enrollment.objects.exists()
        assert seats(first, second) == [0, 0]
        assert open_cart_courses(user) == {str(first.pk), str(second.pk)}
        assert not SandboxCharge.objects.exists()

    def test_unknown_token_is_declined_too(self):
        user = UserFactory()
        fill_cart(user, PaidCourseFactory())
        response = checkout(client_for(user), token="tok_made_up")
        assert response.status_code == 402 and response.json()["code"] == "payment_declined"

    def test_the_failed_order_is_readable_and_listed(self):
        user = UserFactory()
        fill_cart(user, PaidCourseFactory())
        client = client_for(user)
        order_id = checkout(client, token="tok_declined").json()["details"]["order_id"]
        assert client.get(f"/v1/orders/{order_id}").json()["status"] == "failed"
        assert [o["id"] for o in client.get("/v1/orders").json()["results"]] == [order_id]

    def test_full_course_in_a_cart_of_three_charges_nothing(self):
        # given: the third course fills up after it was put in the cart
        user = UserFactory()
        first, second = PaidCourseFactory(capacity=10), PaidCourseFactory(capacity=10)
        full = PaidCourseFactory(capacity=1)
        fill_cart(user, first, second, full)
        Course.objects.filter(pk=full.pk).update(seats_taken=1)

        # when
        response = checkout(client_for(user))

        # then
        assert response.status_code == 409 and response.json()["code"] == "course_full"
        assert not Order.objects.exists()
        assert not Payment.objects.exists() and not SandboxCharge.objects.exists()
        assert not Enrollment.objects.exists()
        assert seats(first, second, full) == [0, 0, 1]
        assert open_cart_courses(user) == {str(first.pk), str(second.pk), str(full.pk)}

    def test_course_owned_since_it_was_added_charges_nothing(self):
        user = UserFactory()
        first, owned = PaidCourseFactory(capacity=5), PaidCourseFactory()
        fill_cart(user, first, owned)
        EnrollmentFactory(user=user, course=owned)
        response = checkout(client_for(user))
        assert response.status_code == 409 and response.json()["code"] == "already_enrolled"
        assert not Order.objects.exists() and not Payment.objects.exists()
        assert Enrollment.objects.filter(user=user).count() == 1 and seats(first) == [0]

    @pytest.mark.parametrize("token", ["tok_error", "tok_timeout"])
    def test_provider_failure_is_502_and_keeps_nothing(self, token):
        user = UserFactory()
        course = PaidCourseFactory(capacity=2)
        fill_cart(user, course)
        response = checkout(client_for(user), token=token)
        assert response.status_code == 502 and response.json()["code"] == "payment_provider_error"
        assert not Order.objects.exists() and not Payment.objects.exists()
        assert not Enrollment.objects.exists() and seats(course) == [0]
        assert open_cart_courses(user) == {str(course.pk)}

    def test_provider_failure_may_be_retried_with_the_same_key(self):
        user = UserFactory()
        fill_cart(user, PaidCourseFactory())
        client = client_for(user)
        assert checkout(client, token="tok_error", key="retry-me").status_code == 502
        response = checkout(client, token="tok_visa", key="retry-me")
        assert response.status_code == 201 and response.json()["status"] == "paid"

    def test_an_answer_that_does_not_match_is_checked_with_the_provider(self, monkeypatch):
        # given: the charge's answer is tampered with on the way back
        user = UserFactory()
        course = PaidCourseFactory(capacity=2)
        fill_cart(user, course)
        original = SandboxProvider.charge

        def tampered(self, **kwargs):
            result = original(self, **kwargs)
            return type(result)(result.reference, Decimal("0.01"), result.currency, result.status, result.summary)

        monkeypatch.setattr(SandboxProvider, "charge", tampered)

        # when
        response = checkout(client_for(user))

        # then: not trusted; asked about the key, the provider shows the real charge, which pays the order
        assert response.status_code == 201 and response.json()["status"] == "paid"
        payment = Payment.objects.get()
        assert payment.amount == Decimal("49.00") and payment.reference == SandboxCharge.objects.get().reference
        assert seats(course) == [1]

    def test_answers_that_never_match_leave_the_order_pending(self, monkeypatch):
        # given: every answer about this charge is tampered with
        user = UserFactory()
        course = PaidCourseFactory(capacity=2)
        fill_cart(user, course)
        original_charge, original_lookup = SandboxProvider.charge, SandboxProvider.lookup_charge

        def cheapened(result):
            return type(result)(result.reference, Decimal("0.01"), result.currency, result.status, result.summary)

        monkeypatch.setattr(SandboxProvider, "charge", lambda self, **kw: cheapened(original_charge(self, **kw)))
        monkeypatch.setattr(SandboxProvider, "lookup_charge", lambda self, **kw: cheapened(original_lookup(self, **kw)))

        # when
        response = checkout(client_for(user))

        # then: 502 naming the pending order; its seat is held, nothing recorded as paid
        assert response.status_code == 502 and response.json()["code"] == "payment_provider_error"
        order = Order.objects.get()
        assert response.json()["details"] == {"order_id": str(order.pk), "order_status": "pending"}
        assert order.status == "pending" and not Payment.objects.exists()
        assert seats(course) == [1] and not Enrollment.objects.filter(status="active").exists()

    def test_lost_idempotency_record_does_not_charge_again(self):
        user = UserFactory()
        fill_cart(user, PaidCourseFactory())
        client = client_for(user)
        first = checkout(client, key="k-lost")
        caches["strict"].clear()  # Redis lost the record
        fill_cart(user, PaidCourseFactory())  # and the cart has something new in it
        again = checkout(client, key="k-lost")
        assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
        assert "Idempotent-Replayed" not in again
        assert Order.objects.count() == 1 == Payment.objects.count() == SandboxCharge.objects.count()

    def test_lost_record_after_a_decline_answers_the_same_402(self):
        user = UserFactory()
        fill_cart(user, PaidCourseFactory())
        client = client_for(user)
        first = checkout(client, token="tok_declined", key="k-declined")
        caches["strict"].clear()
        again = checkout(client, token="tok_visa", key="k-declined")
        assert again.status_code == 402
        assert again.json()["details"]["order_id"] == first.json()["details"]["order_id"]
        assert Order.objects.count() == 1 and not Enrollment.objects.exists()

    def test_a_new_key_after_a_decline_can_pay(self):
        user = UserFactory()
        course = PaidCourseFactory()
        fill_cart(user, course)
        client = client_for(user)
        checkout(client, token="tok_declined")
        response = checkout(client, token="tok_visa")
        assert response.status_code == 201
        assert list(Order.objects.values_list("status", flat=True).order_by("created_at")) == ["failed", "paid"]


def _run_in_threads(count, target):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        barrier.wait()
        try:
            results[index] = target(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.emulator_cannot_judge(THREAD_RACE)
@pytest.mark.django_db(transaction=True)
class TestConcurrency:
    def test_ten_identical_requests_make_one_order_and_one_charge(self):
        # given
        user = UserFactory()
        fill_cart(user, PaidCourseFactory(capacity=50), PaidCourseFactory())

        # when: ten identical checkouts with one key at the same moment
        def request(_):
            response = checkout(client_for(user), key="one-key")
            return response.status_code, response.json()

        results = _run_in_threads(10, request)

        # then
        assert Order.objects.count() == 1 and Payment.objects.count() == 1 == SandboxCharge.objects.count()
        assert Enrollment.objects.filter(user=user).count() == 2
        created = [body for status, body in results if status == 201]
        assert created and all(body == created[0] for body in created)
        assert {status for status, _ in results} <= {201, 409}
        assert all(body["code"] == "idempotency_key_in_use" for status, body in results if status == 409)
        replay = checkout(client_for(user), key="one-key")
        assert replay.status_code == 201 and replay.json() == created[0]
        assert replay["Idempotent-Replayed"] == "true"

    def test_without_the_redis_record_the_database_key_still_allows_one_charge(self, monkeypatch):
        # given: the idempotency store lets every request through (as if Redis lost the records)
        user = UserFactory()
        fill_cart(user, PaidCourseFactory(capacity=50))
        monkeypatch.setattr(idempotency, "begin", lambda request, key: None)

        # when
        def request(_):
            response = checkout(client_for(user), key="db-key")
            return response.status_code, response.json()

        results = _run_in_threads(8, request)

        # then: every request answers with the one order
        assert Order.objects.count() == 1 and Payment.objects.count() == 1 == SandboxCharge.objects.count()
        order_id = str(Order.objects.get().pk)
        assert [status for status, _ in results] == [201] * 8
        assert {body["id"] for _, body in results} == {order_id}

    def test_two_checkouts_of_one_cart_under_different_keys_buy_once(self):
        user = UserFactory()
        fill_cart(user, PaidCourseFactory(capacity=50))

        def request(_):
            return checkout(client_for(user)).status_code

        results = _run_in_threads(4, request)
        assert sorted(results) == [201, 409, 409, 409]
        assert Order.objects.count() == 1 and SandboxCharge.objects.count() == 1
        assert Enrollment.objects.filter(user=user).count() == 1

    def test_last_seat_goes_to_exactly_one_buyer(self):
        course = PaidCourseFactory(capacity=1)
        buyers = UserFactory.create_batch(5)
        for buyer in buyers:
            fill_cart(buyer, course)

        def buy(index):
            response = checkout(client_for(buyers[index]))
            return response.status_code, response.json().get("code")

        outcomes = _run_in_threads(5, buy)

        assert sorted(outcomes, key=str) == sorted([(201, None)] + [(409, "course_full")] * 4, key=str)
        assert seats(course) == [1]
        assert Order.objects.filter(status="paid").count() == 1 == SandboxCharge.objects.count()
        assert Enrollment.objects.count() == 1
