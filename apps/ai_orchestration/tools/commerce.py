"""Cart tools: view the cart, add or remove a paid course. Paying is in
``orders`` (a quote, then the user's own confirmation)."""

from __future__ import annotations

from uuid import UUID

from apps.ai_orchestration.tools.registry import Tool, ToolArguments
from apps.ai_orchestration.tools.results import renders
from apps.commerce import outputs
from apps.commerce import services as commerce_services
from apps.commerce.services.cart import CartContents


class ViewCartArguments(ToolArguments):
    pass


class CartItemArguments(ToolArguments):
    course_id: UUID


def remove_from_cart(*, actor, course_id: UUID) -> CartContents:
    """Take the course out of the caller's cart and answer the cart as it is now."""
    commerce_services.cart_remove_item(actor=actor, course_id=course_id)
    return commerce_services.cart_get(actor=actor)


TOOLS = [
    Tool(
        name="view_cart",
        description="The user's cart: courses with their prices, and the subtotal.",
        arguments=ViewCartArguments,
        service=commerce_services.cart_get,
        serialize=renders(outputs.CartOutput),
        mutates=False,
    ),
    Tool(
        name="add_to_cart",
        description=(
            "Put a paid course into the user's cart (to buy it at checkout). Free courses answer course_is_free: "
            "enroll instead."
        ),
        arguments=CartItemArguments,
        service=commerce_services.cart_add_item,
        serialize=renders(outputs.CartOutput),
        mutates=True,
    ),
    Tool(
        name="remove_from_cart",
        description="Take a course out of the user's cart.",
        arguments=CartItemArguments,
        service=commerce_services.cart_remove_item,
        call=remove_from_cart,
        serialize=renders(outputs.CartOutput),
        mutates=True,
    ),
]
