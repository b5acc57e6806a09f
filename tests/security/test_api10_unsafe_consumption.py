"""API10:2023 Unsafe Consumption of APIs.

Answers of third-party APIs (the payment provider, the AI provider) are
untrusted input: calls are bounded by timeouts, answers are validated before
use, and a slow, broken or lying provider becomes 502/503, never a 500, a
hang, or state written from unchecked data.

What exists:
- ``tests/support/fake_http.FakeUpstream`` (fixture ``fake_upstream``): a local
  HTTP server that answers slowly, with malformed JSON, wrong types or errors,
  and records what it was sent. Its own behaviour is pinned below.
- A code inspection: every outbound HTTP call in the project states a timeout.
- ``PROVIDER_FAILURES``: the payment provider (``PAYMENT_PROVIDER=http``,
  pointed at the fake with settings overrides) answering slowly, with malformed
  JSON, wrong types, mismatched amounts, unknown statuses or errors: checkout
  answers 502 ``payment_provider_error`` with no order, payment, enrollment or
  seat kept and the cart intact; a refund answers 502 and the order stays paid.
  ``test_a_well_formed_provider_answer_is_accepted`` is the control.

The AI provider (ai_orchestration, branch ``ai``) adds its rows when merged.
"""

from __future__ import annotations

import ast
import json
import uuid
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from apps.catalog.models import Course
from apps.commerce.models import Order, Payment
from apps.commerce.services.cart import cart_add_item, cart_get
from apps.identity.models import User
from apps.learning.models import Enrollment
from config.env import BASE_DIR
from tests.conftest import client_for
from tests.factories.commerce import PaidCourseFactory
from tests.factories.identity import StaffFactory, UserFactory
from tests.security import domain
from tests.security.conftest import assert_error
from tests.support.fake_http import FakeUpstream

# Calls that reach the network and must carry ``timeout=``.
_TIMED_CALLS = {
    "httpx": {"get", "post", "put", "patch", "delete", "head", "request", "stream", "Client", "AsyncClient"},
    "requests": {"get", "post", "put", "patch", "delete", "head", "request"},
}


def _calls_without_timeout(source: str, filename: str = "<source>") -> list[str]:
    missing = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not isinstance(node, ast.Call) or any(keyword.arg == "timeout" for keyword in node.keywords):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.attr in _TIMED_CALLS.get(func.value.id, ()):
                missing.append(f"{filename}:{node.lineno} {func.value.id}.{func.attr}()")
        elif isinstance(func, ast.Name) and func.id == "urlopen":
            missing.append(f"{filename}:{node.lineno} urlopen()")
    return missing


def test_every_outbound_http_call_states_a_timeout():
    missing = []
    for package in ("apps", "deltalabs"):
        for path in (BASE_DIR / package).rglob("*.py"):
            if "migrations" not in path.parts:
                missing += _calls_without_timeout(path.read_text(encoding="utf-8"), str(path.relative_to(BASE_DIR)))
    assert not missing, missing


def test_the_timeout_inspection_finds_untimed_calls():
    # The control: the inspection above is not vacuous.
    source = (
        "import httpx, requests\n"
        "httpx.post(url, json=body)\n"
        "httpx.Client(base_url=url, timeout=5)\n"
        "requests.get(url)\n"
        "client = httpx.Client()\n"
    )
    assert [item.split(" ")[1] for item in _calls_without_timeout(source)] == [
        "httpx.post()",
        "requests.get()",
        "httpx.Client()",
    ]


# --- The payment provider (PAYMENT_PROVIDER=http) against a misbehaving upstream -----------

# Seconds. The fake answers slower than this where it must time out; a prompt
# answer must arrive within it even on a loaded machine, or checkout rightly
# keeps the order pending (outcome unknown) instead of answering.
PROVIDER_TIMEOUT = 1.0
PRICE = Decimal("49.00")


def _http_payments(settings, upstream: FakeUpstream) -> None:
    # get_provider() reads these at call time, so a settings override points it at the fake.
    settings.PAYMENT_PROVIDER = "http"
    settings.PAYMENT_BASE_URL = upstream.url
    settings.PAYMENT_API_KEY = "sk_test_delta"
    settings.PAYMENT_TIMEOUT_SECONDS = PROVIDER_TIMEOUT


def _learner_with_a_full_cart() -> tuple[User, Course]:
    learner = UserFactory()
    course = PaidCourseFactory(price=PRICE, capacity=1)
    cart_add_item(actor=learner, course_id=course.pk)
    return learner, course


def _checkout(learner: User):
    return client_for(learner).post(
        "/v1/orders",
        {"payment": {"method": "card", "token": "tok_visa"}},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"api10-{uuid.uuid4().hex}",
    )


def _nothing_kept(learner: User, course: Course) -> None:
    assert not Order.objects.filter(user=learner).exists(), "no order, paid or pending"
    assert not Payment.objects.exists()
    assert not Enrollment.objects.filter(user=learner).exists()
    course.refresh_from_db()
    assert course.seats_taken == 0, "the seat claimed during checkout was released"
    assert cart_get(actor=learner).item_count == 1, "the cart is kept for a retry"


def _checkout_against(script: Callable[[FakeUpstream], object]):
    """A scenario: the provider answers the charge as ``script`` says, then,
    asked what happened to the key, says it has no such charge; checkout must
    answer 502 ``payment_provider_error`` and keep nothing."""

    def scenario(upstream: FakeUpstream, settings) -> None:
        # given a learner with a course in the cart and a provider that misbehaves
        _http_payments(settings, upstream)
        learner, course = _learner_with_a_full_cart()
        script(upstream)
        upstream.reply(status=404, json={"error": "no charge under this key"})
        # when they check out
        response = _checkout(learner)
        # then the provider was asked to charge, then about the key; the answer
        # is a bad gateway, and nothing was kept
        charge, lookup = upstream.requests
        assert (charge.method, lookup.method) == ("POST", "GET")
        assert lookup.path == f"/charges?idempotency_key={charge.headers['Idempotency-Key']}"
        assert_error(response, 502, "payment_provider_error")
        _nothing_kept(learner, course)

    return scenario


def _charge(**overrides) -> dict:
    return {"id": "ch_123", "status": "succeeded", "amount": str(PRICE), "currency": "USD", **overrides}


def _refund_against(script: Callable[[FakeUpstream], object]):
    """Staff refund a paid order while the provider misbehaves: 502, the order
    stays paid and the learner keeps the seat."""

    def scenario(upstream: FakeUpstream, settings) -> None:
        learner = UserFactory()
        order = domain.paid_order_of(learner, course=PaidCourseFactory(price=PRICE))  # paid in the sandbox
        _http_payments(settings, upstream)
        script(upstream)
        response = client_for(StaffFactory()).post(f"/v1/orders/{order.pk}/refund", {"reason": "test"}, format="json")
        assert_error(response, 502, "payment_provider_error")
        order.refresh_from_db()
        assert (order.status, order.refunded_at) == (Order.Status.PAID, None)
        assert Enrollment.objects.get(user=learner).status == Enrollment.Status.ACTIVE
        assert not Payment.objects.filter(order=order, kind=Payment.Kind.REFUND).exists()

    return scenario


PROVIDER_FAILURES: list = [
    pytest.param(
        _checkout_against(lambda up: up.slow(PROVIDER_TIMEOUT * 4, json=_charge())),
        id="payment: slow -> 502, nothing kept",
    ),
    pytest.param(_checkout_against(lambda up: up.malformed_json()), id="payment: malformed JSON -> 502"),
    pytest.param(
        _checkout_against(lambda up: up.reply(json={"id": 42, "status": ["paid"], "amount": "lots"})),
        id="payment: wrong types -> 502",
    ),
    pytest.param(_checkout_against(lambda up: up.reply(json=["succeeded"])), id="payment: not a JSON object -> 502"),
    pytest.param(
        _checkout_against(lambda up: up.reply(json=_charge(amount="0.01"))), id="payment: amount mismatch -> 502"
    ),
    pytest.param(
        _checkout_against(lambda up: up.reply(json=_charge(currency="EUR"))), id="payment: currency mismatch -> 502"
    ),
    pytest.param(
        _checkout_against(lambda up: up.reply(json=_charge(status="pending"))), id="payment: unknown status -> 502"
    ),
    pytest.param(
        _checkout_against(lambda up: up.reply(json=_charge(id=None))), id="payment: no charge reference -> 502"
    ),
    pytest.param(
        _checkout_against(lambda up: up.reply(status=500, body="upstream exploded")),
        id="payment: HTTP 500 -> 502",
    ),
    pytest.param(
        _checkout_against(lambda up: up.reply(status=200, body="<html>maintenance</html>")),
        id="payment: HTML instead of JSON -> 502",
    ),
    pytest.param(_refund_against(lambda up: up.malformed_json()), id="refund: malformed JSON -> 502, still paid"),
    pytest.param(
        _refund_against(lambda up: up.slow(PROVIDER_TIMEOUT * 4, json=_charge())),
        id="refund: slow -> 502, still paid",
    ),
    pytest.param(
        _refund_against(lambda up: up.reply(json=_charge(amount="4900.00"))),
        id="refund: amount mismatch -> 502, still paid",
    ),
    # When branch `ai` is merged: the OpenAI-compatible provider (AI_PROVIDER=openai,
    # AI_BASE_URL=fake_upstream.url, AI_TIMEOUT_SECONDS small) -> 502 ai_provider_error
    # for slow, malformed JSON, tool_calls not a list, an unknown tool name, arguments
    # that are not a JSON object; no tool executed, the conversation keeps no reply.
]


# transaction=True: checkout's transaction must really roll back, as in production
# (inside a test-wrapping transaction it would join the outer one instead).
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scenario", PROVIDER_FAILURES)
def test_provider_failures_are_contained(scenario, fake_upstream, settings):
    scenario(fake_upstream, settings)


@pytest.mark.django_db
def test_a_well_formed_provider_answer_is_accepted(fake_upstream, settings):
    """The control for the failures above: the same wiring with a correct
    answer pays the order, and the provider was sent the server's amount and a
    stable idempotency key, never the client's Idempotency-Key itself."""
    _http_payments(settings, fake_upstream)
    learner, course = _learner_with_a_full_cart()
    fake_upstream.reply(json=_charge())
    response = _checkout(learner)
    assert response.status_code == 201, response.content[:500]
    order = Order.objects.get(user=learner)
    assert (order.status, order.total, order.payment_reference) == (Order.Status.PAID, PRICE, "ch_123")
    # The charge (on a loaded machine its answer may miss the short timeout;
    # then checkout asks about the key, a GET, and gets the same charge).
    sent = fake_upstream.requests[0]
    assert (sent.method, sent.path) == ("POST", "/charges")
    assert sent.json()["amount"] == "49.00" and sent.json()["currency"] == "USD"
    assert sent.headers["Authorization"] == "Bearer sk_test_delta"
    assert sent.headers["Idempotency-Key"].startswith("dl-order-")
    course.refresh_from_db()
    assert course.seats_taken == 1


class TestFakeUpstream:
    """The helper behaves as documented, so provider tests can rely on it."""

    def test_slow_answers_trip_client_timeouts(self, fake_upstream):
        fake_upstream.slow(1.0)
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(fake_upstream.url + "/charges", timeout=0.2)

    def test_malformed_json_is_served_as_is(self, fake_upstream):
        fake_upstream.malformed_json()
        response = httpx.get(fake_upstream.url, timeout=2)
        assert response.headers["content-type"] == "application/json"
        with pytest.raises(json.JSONDecodeError):
            response.json()

    def test_wrong_types_and_statuses_are_served(self, fake_upstream):
        fake_upstream.reply(status=200, json={"id": 42, "status": ["paid"], "amount": "lots"})
        fake_upstream.reply(status=503, body="upstream down")
        first = httpx.post(fake_upstream.url + "/v1/charges", json={"amount": "49.00"}, timeout=2)
        second = httpx.post(fake_upstream.url + "/v1/charges", json={"amount": "49.00"}, timeout=2)
        third = httpx.post(fake_upstream.url + "/v1/charges", json={"amount": "49.00"}, timeout=2)
        assert first.json() == {"id": 42, "status": ["paid"], "amount": "lots"}
        assert (second.status_code, second.text) == (503, "upstream down")
        assert third.status_code == 503  # the last scripted reply repeats

    def test_dripping_answers_pass_a_per_read_timeout(self, fake_upstream):
        # Each byte arrives well within the read timeout, so a client that only
        # bounds each read waits for all of them: here 20 bytes x 0.05 s.
        fake_upstream.dripping(0.05, json={"padding": "x" * 6})
        response = httpx.get(fake_upstream.url, timeout=0.5)  # the server spends >= 1 s on the body
        assert response.json() == {"padding": "xxxxxx"}

    def test_requests_are_recorded(self, fake_upstream):
        httpx.post(
            fake_upstream.url + "/v1/chat", json={"message": "hi"}, headers={"Authorization": "Bearer k"}, timeout=2
        )
        (recorded,) = fake_upstream.requests
        assert (recorded.method, recorded.path, recorded.json()) == ("POST", "/v1/chat", {"message": "hi"})
        assert recorded.headers["Authorization"] == "Bearer k"

    def test_context_manager_releases_the_port(self):
        with FakeUpstream() as upstream:
            url = upstream.url
            assert httpx.get(url, timeout=2).status_code == 200
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=0.5)
