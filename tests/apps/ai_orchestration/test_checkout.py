"""Checkout by chat: a quote, then the user's own "confirm" in the next turn.

Money moves only on that confirmation, exactly once, through the service and
the idempotency of ``POST /v1/orders``; never without it, never after the
quote expired, never for a cart other than the one shown, never by a model.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.ai_orchestration import services
from apps.ai_orchestration.models import ToolCall
from apps.ai_orchestration.tools import orders as order_tools
from apps.commerce.models import Order, SandboxCharge
from apps.commerce.services import cart as cart_services
from apps.commerce.services import checkout as checkout_services
from apps.learning.models import Enrollment
from tests.apps.ai_orchestration.scripted import ScriptedProvider, use_provider
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

CHAT = "/v1/ai/chat"


@pytest.fixture
def shopper(clock, catalogue, learner):
    """A learner with two paid courses in the cart (49.00 + 99.00 USD), added in that order."""
    for course in (catalogue.advanced_python, catalogue.machine_learning):
        cart_services.cart_add_item(actor=learner, course_id=course.id)
        clock.shift(timedelta(seconds=1))
    return learner


def _turns(user, *messages: str) -> list[dict]:
    responses, conversation_id = [], None
    for message in messages:
        responses.append(services.chat_turn(actor=user, message=message, conversation_id=conversation_id))
        conversation_id = responses[-1].conversation_id
    return responses


def _quote_call(user) -> ToolCall:
    return ToolCall.objects.get(user=user, tool="checkout", status="ok")


def test_checkout_shows_the_cart_and_asks_for_confirmation_without_charging(clock, shopper):
    # when the learner asks to check out
    (response,) = _turns(shopper, "checkout")

    # then the cart is quoted with its total and the card, and the reply asks for "confirm"
    assert [(call.tool, call.status) for call in response.tool_calls] == [("checkout", "ok")]
    quote = response.tool_calls[0].result
    assert (quote["total"], quote["currency"], quote["payment_method"]) == ("148.00", "USD", "sandbox card")
    assert response.reply == (
        "Your cart: Advanced Python (49.00), Machine Learning Fundamentals (99.00); total 148.00 USD. "
        "Reply “confirm” to pay with the sandbox card (within 10 minutes). Nothing is charged until you confirm."
    )
    # and nothing was ordered or charged
    assert not Order.objects.exists() and not SandboxCharge.objects.exists()


def test_confirm_pays_exactly_once_through_the_orders_service(clock, catalogue, shopper):
    # given a quote; when the learner confirms in the next turn
    _quote, paid = _turns(shopper, "checkout", "confirm")

    # then the confirmation ran as a recorded step and the order is paid
    assert [(call.tool, call.status) for call in paid.tool_calls] == [("confirm_checkout", "ok")]
    order = Order.objects.get(user=shopper)
    assert order.status == Order.Status.PAID and str(order.total) == "148.00"
    assert paid.reply.startswith(f"Paid: order {order.number}, 148.00 USD. You are enrolled in ")
    assert "Advanced Python" in paid.reply and "Machine Learning Fundamentals" in paid.reply
    assert SandboxCharge.objects.count() == 1
    assert set(Enrollment.objects.filter(user=shopper, status="active").values_list("course_id", flat=True)) == {
        catalogue.advanced_python.id,
        catalogue.machine_learning.id,
    }
    # and the result is the order as GET /v1/orders/{id} renders it
    assert paid.tool_calls[0].result == client_for(shopper).get(f"/v1/orders/{order.id}").json()
    # and the order carries the Idempotency-Key derived from the quote
    key = f"assistant-checkout-{_quote_call(shopper).pk}"
    assert order.idempotency_key == key

    # when the same key reaches POST /v1/orders (the same service and idempotency)
    replay = client_for(shopper).post(
        "/v1/orders", {"payment": {"method": "card", "token": "tok_visa"}}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    # then it answers the same order and charges nothing more
    assert replay.status_code == 201, replay.content
    assert replay.json()["id"] == str(order.id)
    assert Order.objects.count() == 1 and SandboxCharge.objects.count() == 1


def test_a_second_confirm_charges_nothing(clock, shopper):
    *_, again = _turns(shopper, "checkout", "confirm", "confirm")

    assert again.tool_calls == []
    assert again.reply.startswith("There is nothing waiting for your confirmation")
    assert Order.objects.count() == 1 and SandboxCharge.objects.count() == 1


def test_a_replayed_confirmation_request_charges_once(clock, shopper):
    # given a quote; when the client sends its "confirm" twice with the same Idempotency-Key
    (quote,) = _turns(shopper, "checkout")
    client = client_for(shopper)
    body = {"message": "confirm", "conversation_id": str(quote.conversation_id)}
    first = client.post(CHAT, body, format="json", HTTP_IDEMPOTENCY_KEY="confirm-1")
    second = client.post(CHAT, body, format="json", HTTP_IDEMPOTENCY_KEY="confirm-1")

    # then the second answer is the first one replayed, and one charge was made
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["tool_calls"][0]["tool"] == "confirm_checkout"
    assert Order.objects.count() == 1 and SandboxCharge.objects.count() == 1


def test_running_a_confirmation_again_returns_the_first_order(clock, shopper):
    # given a confirmed quote (e.g. a crash after the charge, then a re-run of the step)
    _turns(shopper, "checkout", "confirm")
    quote = _quote_call(shopper)

    # when the confirmation runs again for the same quote
    again = order_tools.confirm_checkout(actor=shopper, quote_call_id=quote.pk)

    # then it is the first order, and the card was charged once
    assert again.pk == Order.objects.get(user=shopper).pk
    assert SandboxCharge.objects.count() == 1


@pytest.mark.parametrize(
    "messages",
    [
        ("checkout",),
        ("checkout", "yes please go ahead"),  # not a confirmation: "confirm" was asked for
        ("checkout", "what's in my cart?", "confirm"),  # the confirmation must be the next message
        ("checkout", "cancel"),
        ("confirm",),
    ],
    ids=["quote-only", "vague-yes", "confirm-too-late", "cancelled", "confirm-without-quote"],
)
def test_nothing_is_charged_without_the_confirming_turn(clock, shopper, messages):
    responses = _turns(shopper, *messages)
    assert not Order.objects.exists() and not SandboxCharge.objects.exists()
    assert all(call.tool != "confirm_checkout" for response in responses for call in response.tool_calls)


def test_a_confirmation_in_another_conversation_does_not_pay(clock, shopper):
    _turns(shopper, "checkout")
    (elsewhere,) = _turns(shopper, "confirm")
    assert elsewhere.tool_calls == []
    assert not Order.objects.exists()


def test_the_confirmation_expires(clock, shopper):
    # given a quote; when the learner confirms eleven minutes later
    (quote,) = _turns(shopper, "checkout")
    clock.shift(timedelta(minutes=11))
    late = services.chat_turn(actor=shopper, message="confirm", conversation_id=quote.conversation_id)

    # then nothing is charged and the reply says so
    assert late.tool_calls[0].error["code"] == "confirmation_expired"
    assert late.reply == "That checkout was not confirmed in time; say “checkout” to start again."
    assert not Order.objects.exists() and not SandboxCharge.objects.exists()


def test_a_cart_changed_since_the_quote_is_not_charged(clock, catalogue, shopper):
    # given a quote; when the cart changes before the confirmation
    (quote,) = _turns(shopper, "checkout")
    cart_services.cart_remove_item(actor=shopper, course_id=catalogue.machine_learning.id)
    changed = services.chat_turn(actor=shopper, message="confirm", conversation_id=quote.conversation_id)

    # then the total shown is never charged for a different cart
    assert changed.tool_calls[0].error["code"] == "cart_changed"
    assert not Order.objects.exists() and not SandboxCharge.objects.exists()


def test_a_cart_edited_while_the_confirmation_runs_is_not_charged(clock, catalogue, shopper, monkeypatch):
    # given a quote; when another device removes a course at the very moment the
    # confirmation starts placing the order (after every earlier look at the cart)
    (quote,) = _turns(shopper, "checkout")
    plan = checkout_services._plan

    def plan_after_a_concurrent_edit(**arguments):
        cart_services.cart_remove_item(actor=shopper, course_id=catalogue.machine_learning.id)
        return plan(**arguments)

    monkeypatch.setattr(checkout_services, "_plan", plan_after_a_concurrent_edit)
    raced = services.chat_turn(actor=shopper, message="confirm", conversation_id=quote.conversation_id)

    # then only the cart that was shown (148.00) could have been paid: nothing is
    assert raced.tool_calls[0].error["code"] == "cart_changed"
    assert not Order.objects.exists() and not SandboxCharge.objects.exists()
    assert cart_services.cart_get(actor=shopper).item_count == 1


def test_an_empty_cart_cannot_be_checked_out(clock, catalogue, learner):
    (response,) = _turns(learner, "checkout")
    assert response.tool_calls[0].error["code"] == "cart_empty"
    assert response.reply.startswith("Your cart is empty")


def test_without_a_card_the_assistant_says_to_check_out_in_the_app(clock, shopper, settings):
    settings.PAYMENT_PROVIDER = "http"
    (response,) = _turns(shopper, "checkout")
    assert response.tool_calls[0].error["code"] == "payment_method_unavailable"
    assert "Check out in the app" in response.reply


def test_a_model_can_neither_call_the_confirmation_nor_confirm_for_the_user(clock, shopper, monkeypatch):
    # given a model that quotes and then tries to pay in the same turn
    quote_then_pay = ScriptedProvider([("checkout", {})], [("confirm_checkout", {"quote_call_id": "x"})], "paid!")
    use_provider(monkeypatch, quote_then_pay)
    (response,) = _turns(shopper, "buy everything")

    # then the payment tool does not exist for it, and nothing was charged
    assert [(call.tool, call.status) for call in response.tool_calls] == [
        ("checkout", "ok"),
        ("confirm_checkout", "error"),
    ]
    assert response.tool_calls[1].error["code"] == "validation_error"
    assert not Order.objects.exists() and not SandboxCharge.objects.exists()


def test_execute_quotes_but_never_pays(clock, shopper):
    client = client_for(shopper)
    quote = client.post("/v1/ai/execute", {"tool": "checkout", "arguments": {}}, format="json")
    pay = client.post(
        "/v1/ai/execute", {"tool": "confirm_checkout", "arguments": {"quote_call_id": "x"}}, format="json"
    )
    assert quote.status_code == 200 and quote.json()["result"]["total"] == "148.00"
    assert pay.status_code == 400 and pay.json()["code"] == "validation_error"
    assert not Order.objects.exists()
