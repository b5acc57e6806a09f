"""Checkout in two phases: crashes at every step boundary, unknown provider
outcomes, parallel retries, and the reconciliation job that settles what they
leave pending.

Every scenario ends with ``assert_consistent``: no order left pending, no seat
held for nobody, each paid order charged exactly once and enrolled, each
failed order charged never and holding nothing, the cart reopened unless the
order was paid. ``transaction=True`` throughout: the phases must really
commit, as in production.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import caches
from django.utils import timezone

from apps.catalog.models import Course
from apps.commerce import jobs
from apps.commerce.models import Cart, Order, OrderItem, Payment, SandboxCharge
from apps.commerce.payments import SandboxProvider
from apps.commerce.services import checkout as checkout_services
from apps.learning import services as learning_services
from apps.learning.models import Enrollment
from deltalabs import idempotency
from tests.apps.commerce.conftest import checkout, fill_cart
from tests.apps.commerce.test_checkout import _run_in_threads
from tests.conftest import client_for
from tests.factories.commerce import PaidCourseFactory, SponsorshipFactory
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class ProcessDied(BaseException):
    """The process dies here: nothing after this line runs, and no ``except
    Exception`` on the way up catches it (transactions still roll back, as the
    database does when a connection drops mid-transaction)."""


def die(*args, **kwargs):
    raise ProcessDied


def checkout_that_dies(client, **kwargs):
    with pytest.raises(ProcessDied):
        checkout(client, **kwargs)
    # A crashed request never releases its Idempotency-Key claim; it expires
    # (IDEMPOTENCY_LOCK_SECONDS). Later requests in these tests come after that.
    caches["strict"].clear()


def reconcile() -> dict:
    """Run the beat job once every pending order is past its deadline."""
    late = timezone.now() - checkout_services.PENDING_ORDER_DEADLINE - timedelta(minutes=1)
    Order.objects.filter(status=Order.Status.PENDING).update(created_at=late)
    return jobs.reconcile_pending_orders.delay().get()


def open_cart_course_ids(user) -> set:
    cart = Cart.objects.filter(user=user, status=Cart.Status.OPEN).first()
    return set(cart.items.values_list("course_id", flat=True)) if cart else set()


def assert_consistent(user, *courses, charges: int) -> None:
    """The invariants every scenario must end in (see the module docstring)."""
    assert not Order.objects.filter(status=Order.Status.PENDING).exists(), "an order is still pending"
    assert not Enrollment.objects.filter(status=Enrollment.Status.PENDING).exists(), "a seat is held for nobody"
    for course in courses:
        enrolled = Enrollment.objects.filter(course=course, status__in=["active", "completed"]).count()
        assert Course.objects.get(pk=course.pk).seats_taken == enrolled, f"seats of {course.title}"
    paid = list(Order.objects.filter(user=user, status=Order.Status.PAID))
    for order in paid:
        assert order.payments.filter(kind="charge", status="succeeded").count() == 1
        items = list(OrderItem.objects.filter(order=order).select_related("enrollment"))
        assert items and all(item.enrollment and item.enrollment.status == "active" for item in items)
    for order in Order.objects.filter(user=user, status=Order.Status.FAILED):
        assert not order.payments.filter(status="succeeded").exists()
        assert not OrderItem.objects.filter(order=order, enrollment__isnull=False).exists()
    assert len(paid) <= 1, "one checkout, one paid order"
    owned = set(Enrollment.objects.filter(user=user, status="active").values_list("course_id", flat=True))
    wanted = {course.pk for course in courses}
    if paid:
        assert owned == wanted and not (open_cart_course_ids(user) & wanted), "paid: enrolled, cart checked out"
    else:
        assert not owned and open_cart_course_ids(user) == wanted, "not paid: nothing owned, cart back"
    assert SandboxCharge.objects.filter(kind="charge").count() == charges


@pytest.fixture
def buyer():
    user = UserFactory()
    courses = [PaidCourseFactory(capacity=3), PaidCourseFactory(price=Decimal("20.00"), capacity=3)]
    fill_cart(user, *courses)
    return user, courses


# --- Crash injection at every step boundary ---------------------------------------------


class TestCrashAfterPhaseOne:
    """The order is placed (pending, seats held, cart closed); nothing was charged."""

    def test_reconciliation_releases_the_order(self, buyer, monkeypatch):
        # given
        user, courses = buyer
        monkeypatch.setattr(SandboxProvider, "charge", die)
        checkout_that_dies(client_for(user), key="k1")
        assert Order.objects.get().status == "pending" and open_cart_course_ids(user) == set()
        assert [Course.objects.get(pk=c.pk).seats_taken for c in courses] == [1, 1]

        # when: nobody retries; the reconciliation job runs after the deadline
        assert reconcile() == {"failed": 1}

        # then: failed as expired; nothing charged, seats and cart back
        order = Order.objects.get()
        assert (order.status, order.failure_code) == ("failed", "expired")
        assert_consistent(user, *courses, charges=0)

    def test_a_retry_with_the_same_key_resumes_and_charges_once(self, buyer, monkeypatch):
        user, courses = buyer
        monkeypatch.setattr(SandboxProvider, "charge", die)
        checkout_that_dies(client_for(user), key="k1")
        monkeypatch.undo()

        response = checkout(client_for(user), key="k1")

        assert response.status_code == 201 and response.json()["id"] == str(Order.objects.get().pk)
        assert reconcile() == {}
        assert_consistent(user, *courses, charges=1)


class TestCrashAfterTheCharge:
    """The provider charged the card; the process died before recording it."""

    @pytest.fixture
    def charged_then_died(self, buyer, monkeypatch):
        user, courses = buyer
        original = SandboxProvider.charge

        def charge_then_die(self, **kwargs):
            original(self, **kwargs)
            raise ProcessDied

        monkeypatch.setattr(SandboxProvider, "charge", charge_then_die)
        checkout_that_dies(client_for(user), key="k1")
        monkeypatch.undo()
        assert SandboxCharge.objects.count() == 1 and Order.objects.get().status == "pending"
        return user, courses

    def test_reconciliation_completes_the_order(self, charged_then_died, mailoutbox):
        user, courses = charged_then_died

        assert reconcile() == {"paid": 1}

        order = Order.objects.get()
        assert order.status == "paid" and order.payment_reference == SandboxCharge.objects.get().reference
        assert_consistent(user, *courses, charges=1)
        assert len(mailoutbox) == 1 and order.number in mailoutbox[0].subject
        # and the client's retry answers with that order
        response = checkout(client_for(user), key="k1")
        assert response.status_code == 201 and response.json()["id"] == str(order.pk)
        assert_consistent(user, *courses, charges=1)

    def test_a_retry_with_the_same_key_gets_the_same_charge(self, charged_then_died):
        user, courses = charged_then_died

        response = checkout(client_for(user), key="k1")

        assert response.status_code == 201 and response.json()["status"] == "paid"
        assert reconcile() == {}
        assert_consistent(user, *courses, charges=1)


class TestCrashDuringPhaseTwo:
    """The settling transaction dies half-way: it rolls back, the order stays pending."""

    @pytest.mark.parametrize(
        "where",
        [
            pytest.param((learning_services, "enrollment_hold_confirm", 2), id="after the first enrollment"),
            pytest.param((checkout_services.repositories, "payment_record_success", 1), id="recording the payment"),
        ],
    )
    def test_a_paid_order_is_completed_by_reconciliation(self, buyer, monkeypatch, where):
        # given: the charge succeeds, then phase 2 dies at ``where``
        user, courses = buyer
        module, name, on_call = where
        original, calls = getattr(module, name), []

        def dies_on_call(**kwargs):
            calls.append(kwargs)
            if len(calls) == on_call:
                raise ProcessDied
            return original(**kwargs)

        monkeypatch.setattr(module, name, dies_on_call)
        checkout_that_dies(client_for(user), key="k1")
        monkeypatch.undo()
        assert Order.objects.get().status == "pending" and not Payment.objects.exists()
        assert not Enrollment.objects.filter(status="active").exists()

        # when
        assert reconcile() == {"paid": 1}

        # then
        assert_consistent(user, *courses, charges=1)

    def test_a_declined_order_is_released_by_reconciliation(self, buyer, monkeypatch):
        # given: the card is declined, then phase 2 dies releasing the seats
        user, courses = buyer
        monkeypatch.setattr(learning_services, "enrollment_hold_release", die)
        checkout_that_dies(client_for(user), key="k1", token="tok_declined")
        monkeypatch.undo()
        assert Order.objects.get().status == "pending"

        # when
        assert reconcile() == {"failed": 1}

        # then: nothing charged, seats and cart back
        assert_consistent(user, *courses, charges=0)


# --- Unknown outcomes and orphan charges ----------------------------------------------------


def test_a_charge_whose_answer_is_lost_is_found_by_asking_the_provider(buyer):
    user, courses = buyer

    response = checkout(client_for(user), token="tok_timeout_after_charge")

    assert response.status_code == 201 and response.json()["status"] == "paid"
    assert_consistent(user, *courses, charges=1)


def test_a_charge_landing_on_a_released_order_is_refunded(buyer, monkeypatch):
    # given: an order placed, then released by the reconciliation (the provider had no charge yet)
    user, _ = buyer
    monkeypatch.setattr(SandboxProvider, "charge", die)
    checkout_that_dies(client_for(user), key="k1")
    monkeypatch.undo()
    stale = Order.objects.get()
    reconcile()

    # when: the charge from the first request lands only now
    settled = checkout_services._charge_and_settle(
        order=stale,
        token="tok_visa",
        provider=SandboxProvider(),
        provider_key=checkout_services.provider_idempotency_key(user_id=user.pk, idempotency_key="k1"),
    )

    # then: the order stays failed and the money goes back
    assert settled.status == "failed"
    assert sorted(SandboxCharge.objects.values_list("kind", flat=True)) == ["charge", "refund"]
    assert SandboxCharge.objects.get(kind="refund").amount == stale.total
    assert not Enrollment.objects.filter(user=user).exists()


def test_a_sponsored_line_gives_its_sponsorship_seat_back_when_the_card_is_declined():
    user = UserFactory()
    sponsored, paid = PaidCourseFactory(capacity=2), PaidCourseFactory(capacity=2)
    sponsorship = SponsorshipFactory(course=sponsored, seats_total=1)
    fill_cart(user, sponsored, paid)

    response = checkout(client_for(user), token="tok_declined", sponsorship_code=sponsorship.code)

    assert response.status_code == 402
    sponsorship.refresh_from_db()
    assert sponsorship.seats_used == 0 and not sponsorship.redemptions.exists()
    assert_consistent(user, sponsored, paid, charges=0)
    # and the code works again
    assert checkout(client_for(user), sponsorship_code=sponsorship.code).status_code == 201


# --- One Idempotency-Key, ten parallel checkouts ----------------------------------------------


@pytest.mark.parametrize("redis_gate", [True, False], ids=["with the key store", "key store lost"])
def test_ten_parallel_checkouts_with_one_key_charge_once(buyer, monkeypatch, redis_gate):
    # given
    user, courses = buyer
    if not redis_gate:  # every request reaches the service, as if Redis lost the record
        monkeypatch.setattr(idempotency, "begin", lambda request, key: None)

    # when
    def request(_):
        response = checkout(client_for(user), key="one-key")
        return response.status_code, response.json()

    results = _run_in_threads(10, request)

    # then: one order, one charge; every answer is that order or "still running"
    order = Order.objects.get()
    assert order.status == "paid"
    assert {status for status, _ in results} <= {201, 409}
    assert all(body["id"] == str(order.pk) for status, body in results if status == 201)
    assert all(body["code"] == "idempotency_key_in_use" for status, body in results if status == 409)
    if not redis_gate:
        assert [status for status, _ in results] == [201] * 10
    assert reconcile() == {}
    assert_consistent(user, *courses, charges=1)


# --- A card gateway over HTTP that times out after charging -------------------------------


class LedgerGateway:
    """A card gateway with a ledger: one charge per Idempotency-Key (a repeated
    key answers the original charge), ``GET /charges?idempotency_key=`` to look
    one up. ``charge_delay`` answers a charge late, after making it;
    ``lookups_down`` answers lookups with 503."""

    def __init__(self) -> None:
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.charge_delay = 0.0
        self.lookups_down = False
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                ledger = gateway.charges if self.path == "/charges" else gateway.refunds
                with gateway._lock:
                    entry = ledger.setdefault(
                        key,
                        {
                            "id": f"ch_{len(ledger) + 1}",
                            "status": "succeeded",
                            "amount": body["amount"],
                            "currency": body["currency"],
                        },
                    )
                if self.path == "/charges" and gateway.charge_delay:
                    time.sleep(gateway.charge_delay)
                self._answer(200, entry)

            def do_GET(self):
                url = urlsplit(self.path)
                key = parse_qs(url.query).get("idempotency_key", [""])[0]
                if gateway.lookups_down:
                    return self._answer(503, {"error": "maintenance"})
                entry = gateway.charges.get(key)
                return self._answer(200, entry) if entry else self._answer(404, {"error": "no such charge"})

            def _answer(self, status, payload):
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # the client hangs up on a late answer on purpose

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()


# Seconds. A late answer comes 2.5 times later; a prompt one (the lookup) must make it
# in time even on a loaded machine, where the test process shares the CPU.
GATEWAY_TIMEOUT = 2.0


@pytest.fixture
def gateway(settings):
    gateway = LedgerGateway()
    settings.PAYMENT_PROVIDER = "http"
    settings.PAYMENT_BASE_URL = gateway.url
    settings.PAYMENT_API_KEY = "sk_test_delta"
    settings.PAYMENT_TIMEOUT_SECONDS = GATEWAY_TIMEOUT
    yield gateway
    gateway.server.shutdown()
    gateway.server.server_close()


class TestGatewayTimesOutAfterCharging:
    def test_the_lookup_finds_the_charge_at_once(self, buyer, gateway):
        user, courses = buyer
        gateway.charge_delay = GATEWAY_TIMEOUT * 2.5

        response = checkout(client_for(user), key="k1")

        assert response.status_code == 201 and response.json()["status"] == "paid"
        assert len(gateway.charges) == 1 and Order.objects.get().payment_reference == "ch_1"
        assert_consistent(user, *courses, charges=0)  # the sandbox ledger stays empty: the gateway charged

    def test_unknown_outcome_is_a_pending_order_that_reconciliation_completes(self, buyer, gateway, mailoutbox):
        # given: the charge answer times out and the gateway cannot be asked about it either
        user, courses = buyer
        gateway.charge_delay = GATEWAY_TIMEOUT * 2.5
        gateway.lookups_down = True

        # when
        response = checkout(client_for(user), key="k1")

        # then: 502, the order pending with its seats held, nothing recorded as paid
        order = Order.objects.get()
        assert response.status_code == 502 and response.json()["code"] == "payment_provider_error"
        assert response.json()["details"] == {"order_id": str(order.pk), "order_status": "pending"}
        assert order.status == "pending" and not Payment.objects.exists() and not mailoutbox
        assert [Course.objects.get(pk=c.pk).seats_taken for c in courses] == [1, 1]
        assert client_for(user).get(f"/v1/orders/{order.pk}").json()["status"] == "pending"

        # when: the gateway answers again and the reconciliation job runs
        gateway.lookups_down = False
        assert reconcile() == {"paid": 1}

        # then: one charge, one paid order, enrolled, receipt sent
        assert len(gateway.charges) == 1
        assert Order.objects.get().status == "paid" and len(mailoutbox) == 1
        assert_consistent(user, *courses, charges=0)
        # and the client's retry (5xx answers are not stored, so it runs) answers the order
        retry = checkout(client_for(user), key="k1")
        assert retry.status_code == 201 and retry.json()["id"] == str(order.pk)
        assert len(gateway.charges) == 1

    def test_a_retry_before_reconciliation_gets_the_original_charge(self, buyer, gateway):
        user, courses = buyer
        gateway.charge_delay = GATEWAY_TIMEOUT * 2.5
        gateway.lookups_down = True
        assert checkout(client_for(user), key="k1").status_code == 502

        gateway.charge_delay, gateway.lookups_down = 0.0, False
        response = checkout(client_for(user), key="k1")

        assert response.status_code == 201 and response.json()["status"] == "paid"
        assert len(gateway.charges) == 1
        assert reconcile() == {}
        assert_consistent(user, *courses, charges=0)

    def test_no_charge_at_the_gateway_expires_the_order(self, buyer, gateway):
        # given: the gateway could not be asked, and in truth it never charged
        user, courses = buyer
        gateway.lookups_down = True
        gateway.charge_delay = GATEWAY_TIMEOUT * 2.5
        checkout(client_for(user), key="k1")
        gateway.charges.clear()
        gateway.lookups_down = False

        assert reconcile() == {"failed": 1}

        assert Order.objects.get().failure_code == "expired"
        assert_consistent(user, *courses, charges=0)
