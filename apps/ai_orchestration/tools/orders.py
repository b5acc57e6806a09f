"""Order tools: the caller's orders, and checkout in two turns.

``checkout`` never charges. It prices the cart and answers a quote ("Your
cart: X, Y, total Z; reply 'confirm' to pay with the sandbox card"). The
charge happens only when the user's NEXT message in the same conversation
is a confirmation: the orchestration service (never a provider) then runs
``CONFIRM_CHECKOUT``, which is in no registry, so no model can call it. It
pays through ``order_checkout``, the service behind ``POST /v1/orders``,
with an Idempotency-Key derived from the quote: the same quote can never
become two orders, whatever is replayed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.utils import timezone
from pydantic import Field

from apps.ai_orchestration import repositories
from apps.ai_orchestration.errors import AIErrorCode
from apps.ai_orchestration.tools.registry import Tool, ToolArguments
from apps.ai_orchestration.tools.results import rendered, renders, renders_page
from apps.commerce import payments
from apps.commerce import repositories as commerce_repositories
from apps.commerce.errors import CommerceErrorCode
from apps.commerce.outputs import CartOutput, OrderOutput
from apps.commerce.services import cart as cart_services
from apps.commerce.services import checkout as checkout_services
from apps.commerce.services import orders as order_services
from deltalabs.errors import Conflict, NotFound

# How long a quote may be confirmed: long enough to read it, short enough
# that prices and seats are still those shown.
CONFIRM_WITHIN = timedelta(minutes=10)
SANDBOX_CARD = "sandbox card"


class CheckoutArguments(ToolArguments):
    pass


class MyOrdersArguments(ToolArguments):
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=10, ge=1, le=50)


class ConfirmCheckoutArguments(ToolArguments):
    quote_call_id: UUID


def assistant_card() -> checkout_services.CardPayment | None:
    """The card the assistant may pay with: the sandbox's test card on a
    sandbox deployment; none against a real gateway, where the platform keeps
    no card on file and a card token only ever comes from the client."""
    if settings.PAYMENT_PROVIDER == "sandbox":
        return checkout_services.CardPayment(method="card", token=payments.SANDBOX_SUCCESS)
    return None


def checkout_quote(*, actor) -> dict:
    """Price the caller's cart for a confirmation. No side effects: nothing is
    reserved or charged. 409 ``cart_empty``, ``payment_method_unavailable``."""
    cart = cart_services.cart_get(actor=actor)
    if not cart.items:
        raise Conflict(CommerceErrorCode.CART_EMPTY, "Your cart is empty.")
    if assistant_card() is None:
        raise Conflict(
            AIErrorCode.PAYMENT_METHOD_UNAVAILABLE, "There is no card the assistant may pay with; check out in the app."
        )
    view = rendered(CartOutput, cart)
    return {
        **view,
        "cart_version": cart.version,
        "total": view["subtotal"],
        "payment_method": SANDBOX_CARD,
        "expires_at": (timezone.now() + CONFIRM_WITHIN).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "expires_in_minutes": int(CONFIRM_WITHIN.total_seconds() // 60),
    }


def checkout_confirm(*, actor, quote: dict, quote_call_id: UUID):
    """Pay for the cart the user confirmed (the ``checkout`` result ``quote``).

    Side effects: those of ``order_checkout`` (seats, enrollments, one charge,
    receipt), with the Idempotency-Key ``assistant-checkout-<quote call id>``:
    a second run for the same quote answers the first order. 409
    ``confirmation_expired``, ``cart_changed`` (the cart was edited since it
    was shown, up to the moment it is closed), and every error of
    ``POST /v1/orders``.
    """
    key = f"assistant-checkout-{quote_call_id}"
    if commerce_repositories.order_by_idempotency_key(user_id=actor.pk, key=key) is not None:
        # Already paid (or declined) for this quote: the checkout service
        # answers that outcome again and charges nothing.
        return checkout_services.order_checkout(actor=actor, idempotency_key=key, payment=assistant_card())
    if timezone.now() >= datetime.fromisoformat(quote["expires_at"].replace("Z", "+00:00")):
        raise Conflict(
            AIErrorCode.CONFIRMATION_EXPIRED, "That checkout was not confirmed in time; nothing was charged."
        )
    # The quoted version, not a second look at the cart: checkout closes the
    # cart at that version, so an edit at any moment before is 409 cart_changed.
    return checkout_services.order_checkout(
        actor=actor, idempotency_key=key, payment=assistant_card(), cart_version=quote.get("cart_version", -1)
    )


def confirm_checkout(*, actor, quote_call_id: UUID):
    """``checkout_confirm`` for the caller's own ``checkout`` call (404 otherwise)."""
    quote_call = repositories.tool_call_get(quote_call_id)
    if quote_call is None or quote_call.user_id != actor.pk or quote_call.tool != "checkout" or not quote_call.result:
        raise NotFound.of("Checkout")
    return checkout_confirm(actor=actor, quote=quote_call.result, quote_call_id=quote_call.pk)


TOOLS = [
    Tool(
        name="checkout",
        description=(
            "Start paying for the user's cart: answers the items, the total and the card that would be used, "
            "and asks the user to reply 'confirm'. Nothing is charged by this tool; the user's own 'confirm' "
            "reply pays. Errors: cart_empty, payment_method_unavailable."
        ),
        arguments=CheckoutArguments,
        service=checkout_quote,
        serialize=dict,
        mutates=False,
    ),
    Tool(
        name="my_orders",
        description="The user's own orders, newest first: number, status, items, total.",
        arguments=MyOrdersArguments,
        service=order_services.order_list,
        serialize=renders_page(OrderOutput),
        mutates=False,
    ),
]

# Run by the orchestration service on the user's "confirm", never offered to a provider.
CONFIRM_CHECKOUT = Tool(
    name="confirm_checkout",
    description="Pay for the cart quoted by a checkout call (run only on the user's own 'confirm').",
    arguments=ConfirmCheckoutArguments,
    service=checkout_services.order_checkout,
    call=confirm_checkout,
    serialize=renders(OrderOutput),
    mutates=True,
)
