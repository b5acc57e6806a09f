"""Cart endpoints: shape, every error code, snapshots, limits, query counts."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from apps.catalog.models import Course
from apps.commerce import repositories
from apps.commerce.models import Cart, CartItem
from apps.commerce.services.cart import CART_MAX_ITEMS, cart_add_item
from apps.learning.models import Enrollment
from tests.apps.commerce.conftest import fill_cart
from tests.conftest import client_for
from tests.factories.catalog import CourseFactory, DraftCourseFactory
from tests.factories.commerce import CartFactory, PaidCourseFactory
from tests.factories.identity import UserFactory
from tests.factories.learning import EnrollmentFactory
from tests.support.emulator import THREAD_RACE

pytestmark = pytest.mark.django_db


def add(client, course_id, **headers):
    return client.post("/v1/cart/items", {"course_id": str(course_id)}, format="json", **headers)


class TestReadCart:
    def test_no_cart_reads_as_empty_and_creates_nothing(self, user_client):
        response = user_client.get("/v1/cart")
        assert response.status_code == 200
        assert response.json() == {"items": [], "item_count": 0, "subtotal": "0.00", "currency": None}
        assert not Cart.objects.exists()

    def test_requires_a_token(self, api_client):
        response = api_client.get("/v1/cart")
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"

    def test_items_carry_course_summary_and_price_snapshot(self, user, user_client):
        course = PaidCourseFactory(title="Robotics", slug="robotics", price=Decimal("120.50"), currency="EUR")
        fill_cart(user, course)
        Course.objects.filter(pk=course.pk).update(price=Decimal("999.00"))  # later price change
        body = user_client.get("/v1/cart").json()
        assert body["items"] == [
            {
                "course": {"id": str(course.pk), "slug": "robotics", "title": "Robotics"},
                "price": "120.50",
                "currency": "EUR",
                "added_at": body["items"][0]["added_at"],
            }
        ]
        assert body["subtotal"] == "120.50" and body["currency"] == "EUR" and body["item_count"] == 1

    def test_query_count_does_not_grow_with_items(self, user, user_client, django_assert_max_num_queries):
        fill_cart(user, *PaidCourseFactory.create_batch(8))
        with django_assert_max_num_queries(3):  # user, cart, items with courses
            response = user_client.get("/v1/cart")
        assert response.json()["item_count"] == 8

    def test_only_the_callers_cart(self, user, other_client):
        fill_cart(user, PaidCourseFactory())
        assert other_client.get("/v1/cart").json()["items"] == []


class TestAddItem:
    def test_adds_a_paid_course(self, user, user_client, paid_course):
        response = add(user_client, paid_course.pk)
        assert response.status_code == 201
        body = response.json()
        assert [item["course"]["id"] for item in body["items"]] == [str(paid_course.pk)]
        assert body["subtotal"] == "49.00" and body["currency"] == "USD"
        cart = Cart.objects.get(user=user)
        assert cart.status == Cart.Status.OPEN and cart.item_count == 1 and cart.currency == "USD"

    def test_unknown_course_is_404(self, user_client):
        response = add(user_client, "6f1c1c1e-0000-4000-8000-000000000000")
        assert response.status_code == 404 and response.json()["code"] == "not_found"

    def test_unpublished_course_is_404(self, user_client):
        response = add(user_client, DraftCourseFactory(price=Decimal("10.00")).pk)
        assert response.status_code == 404

    def test_free_course_is_400(self, user_client):
        response = add(user_client, CourseFactory(price=0).pk)
        assert response.status_code == 400 and response.json()["code"] == "course_is_free"

    def test_owned_course_is_409(self, user, user_client, paid_course):
        EnrollmentFactory(user=user, course=paid_course)
        response = add(user_client, paid_course.pk)
        assert response.status_code == 409 and response.json()["code"] == "already_enrolled"

    def test_waitlisted_counts_as_owned(self, user, user_client, paid_course):
        EnrollmentFactory(user=user, course=paid_course, status=Enrollment.Status.WAITLISTED, waitlist_position=1)
        assert add(user_client, paid_course.pk).json()["code"] == "already_enrolled"

    def test_cancelled_enrollment_does_not_block(self, user, user_client, paid_course):
        EnrollmentFactory(user=user, course=paid_course, status=Enrollment.Status.CANCELLED)
        assert add(user_client, paid_course.pk).status_code == 201

    def test_twice_is_409_already_in_cart(self, user_client, paid_course):
        add(user_client, paid_course.pk)
        response = add(user_client, paid_course.pk)
        assert response.status_code == 409 and response.json()["code"] == "already_in_cart"
        assert CartItem.objects.count() == 1

    def test_full_course_is_409(self, user_client):
        course = PaidCourseFactory(capacity=1, seats_taken=1)
        response = add(user_client, course.pk)
        assert response.status_code == 409 and response.json()["code"] == "course_full"

    def test_closed_window_is_409(self, user_client):
        course = PaidCourseFactory(enrollment_closes_at=timezone.now() - timedelta(days=1))
        response = add(user_client, course.pk)
        assert response.status_code == 409 and response.json()["code"] == "enrollment_closed"

    def test_window_not_yet_open_is_409(self, user_client):
        course = PaidCourseFactory(enrollment_opens_at=timezone.now() + timedelta(days=1))
        assert add(user_client, course.pk).json()["code"] == "enrollment_closed"

    def test_other_currency_is_400(self, user_client, paid_course):
        add(user_client, paid_course.pk)
        response = add(user_client, PaidCourseFactory(currency="EUR").pk)
        assert response.status_code == 400 and response.json()["code"] == "currency_mismatch"
        assert "course_id" in response.json()["details"]

    def test_cart_is_capped(self, user, user_client):
        fill_cart(user, *PaidCourseFactory.create_batch(CART_MAX_ITEMS))
        response = add(user_client, PaidCourseFactory().pk)
        assert response.status_code == 409 and response.json()["code"] == "cart_full"
        assert Cart.objects.get(user=user).item_count == CART_MAX_ITEMS == CartItem.objects.count()

    def test_malformed_body_is_400(self, user_client):
        response = user_client.post("/v1/cart/items", {"course_id": "nope"}, format="json")
        assert response.status_code == 400 and response.json()["code"] == "validation_error"
        assert "course_id" in response.json()["details"]

    def test_a_new_cart_opens_after_checkout(self, user, user_client, paid_course):
        CartFactory(user=user, status=Cart.Status.CHECKED_OUT)
        assert add(user_client, paid_course.pk).status_code == 201
        assert Cart.objects.filter(user=user).count() == 2


class TestRemoveAndClear:
    def test_remove_item(self, user, user_client, paid_course):
        other = PaidCourseFactory()
        fill_cart(user, paid_course, other)
        response = user_client.delete(f"/v1/cart/items/{paid_course.pk}")
        assert response.status_code == 204
        assert [item["course"]["id"] for item in user_client.get("/v1/cart").json()["items"]] == [str(other.pk)]
        assert Cart.objects.get(user=user).item_count == 1

    def test_remove_missing_item_is_404(self, user, user_client, paid_course):
        fill_cart(user, paid_course)
        response = user_client.delete(f"/v1/cart/items/{PaidCourseFactory().pk}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"

    def test_remove_without_cart_is_404(self, user_client, paid_course):
        assert user_client.delete(f"/v1/cart/items/{paid_course.pk}").status_code == 404

    def test_clear_empties_and_frees_the_currency(self, user, user_client, paid_course):
        fill_cart(user, paid_course)
        assert user_client.delete("/v1/cart").status_code == 204
        assert user_client.get("/v1/cart").json()["items"] == []
        assert add(user_client, PaidCourseFactory(currency="EUR").pk).status_code == 201

    def test_clear_without_cart_is_204(self, user_client):
        assert user_client.delete("/v1/cart").status_code == 204


@pytest.mark.emulator_cannot_judge(THREAD_RACE)
@pytest.mark.django_db(transaction=True)
def test_parallel_adds_never_overfill_the_cart():
    # given: a cart one item short of the cap and 6 learners' worth of requests from one user
    user = UserFactory()
    fill_cart(user, *PaidCourseFactory.create_batch(CART_MAX_ITEMS - 1))
    courses = PaidCourseFactory.create_batch(6)
    results = []
    barrier = threading.Barrier(len(courses))

    def attempt(course):
        client = client_for(user)
        barrier.wait()
        results.append(add(client, course.pk).status_code)
        connection.close()

    # when
    threads = [threading.Thread(target=attempt, args=(course,)) for course in courses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: exactly one got the last slot
    assert sorted(results) == [201] + [409] * 5
    assert CartItem.objects.count() == CART_MAX_ITEMS == Cart.objects.get(user=user).item_count


@pytest.mark.emulator_cannot_judge(THREAD_RACE)
@pytest.mark.django_db(transaction=True)
def test_parallel_first_adds_open_one_cart():
    user = UserFactory()
    courses = PaidCourseFactory.create_batch(5)
    results = []
    barrier = threading.Barrier(len(courses))

    def attempt(course):
        client = client_for(user)
        barrier.wait()
        results.append(add(client, course.pk).status_code)
        connection.close()

    threads = [threading.Thread(target=attempt, args=(course,)) for course in courses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [201] * 5
    assert Cart.objects.filter(user=user, status=Cart.Status.OPEN).count() == 1
    assert Cart.objects.get(user=user).item_count == 5 == CartItem.objects.count()


def test_adding_to_a_cart_closed_meanwhile_opens_a_new_one(user, monkeypatch):
    # given: the cart the service finds was checked out before it writes
    fill_cart(user, PaidCourseFactory())
    stale = Cart.objects.get(user=user)
    Cart.objects.filter(pk=stale.pk).update(status=Cart.Status.CHECKED_OUT)
    original = repositories.cart_open_for_user
    lookups = []

    def stale_first(user_id):
        lookups.append(user_id)
        return stale if len(lookups) == 1 else original(user_id)

    monkeypatch.setattr(repositories, "cart_open_for_user", stale_first)

    # when
    cart = cart_add_item(actor=user, course_id=PaidCourseFactory(currency="EUR").pk)

    # then: the course went into a fresh cart, not a currency error
    assert cart.item_count == 1 and cart.currency == "EUR"
    assert Cart.objects.filter(user=user, status=Cart.Status.OPEN).count() == 1
