"""Commerce endpoints (docs/api.md, Commerce): validate input, call one service, render.

Ownership, roles and every business rule live in ``apps.commerce.services``;
these views never write to the database themselves.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.commerce import outputs, serializers
from apps.commerce.services import cart as cart_services
from apps.commerce.services import checkout as checkout_services
from apps.commerce.services import orders as order_services
from apps.commerce.services import sponsors as sponsor_services
from deltalabs.api import ApiView, PublicReadOnly, page_response
from deltalabs.openapi import ERROR_COMPONENT, PAGINATION_PARAMETERS, paginated
from deltalabs.pagination import page_args

ERROR_BODY = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}


# --- Cart -------------------------------------------------------------------------------


class CartView(ApiView):
    @extend_schema(
        responses={200: outputs.CartOutput},
        summary="Your cart",
        description="The open cart with its price snapshots; an empty cart if you have none (reading creates nothing).",
        tags=["cart"],
    )
    def get(self, request):
        return Response(outputs.CartOutput(cart_services.cart_get(actor=request.user)).data)

    @extend_schema(responses={204: None}, summary="Empty your cart", tags=["cart"])
    def delete(self, request):
        cart_services.cart_clear(actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartItemsView(ApiView):
    @extend_schema(
        request=serializers.CartItemInput,
        responses={201: outputs.CartOutput},
        summary="Add a course to your cart",
        description=(
            "Paid, published courses only, at today's price. 404 unknown course; 400 `course_is_free`, "
            "`currency_mismatch`; 409 `already_enrolled`, `already_in_cart`, `cart_full` (20 items), "
            "`course_full`, `enrollment_closed`."
        ),
        tags=["cart"],
    )
    def post(self, request):
        data = serializers.CartItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        cart = cart_services.cart_add_item(actor=request.user, course_id=data.validated_data["course_id"])
        return Response(outputs.CartOutput(cart).data, status=status.HTTP_201_CREATED)


class CartItemView(ApiView):
    @extend_schema(
        responses={204: None},
        summary="Remove a course from your cart",
        description="404 if the course is not in your cart.",
        tags=["cart"],
    )
    def delete(self, request, course_id):
        cart_services.cart_remove_item(actor=request.user, course_id=course_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Orders -----------------------------------------------------------------------------


class OrdersView(ApiView):
    idempotency_required = frozenset({"POST"})

    @extend_schema(
        parameters=PAGINATION_PARAMETERS,
        responses={200: paginated(outputs.OrderOutput)},
        operation_id="orders_list",
        summary="Your orders",
        description="Newest first, cursor-paginated.",
        tags=["orders"],
    )
    def get(self, request):
        page = order_services.order_list(actor=request.user, **page_args(request))
        return page_response(page, outputs.OrderOutput)

    @extend_schema(
        request=serializers.CheckoutInput,
        responses={
            201: outputs.OrderOutput,
            402: OpenApiResponse(ERROR_BODY, description="payment_declined (details.order_id: the failed order)"),
            502: OpenApiResponse(
                ERROR_BODY,
                description="payment_provider_error (details.order_id when the order stays pending)",
            ),
        },
        summary="Check out your cart",
        description=(
            "Idempotency-Key required. Turns the cart into a paid order, enrolls you in every course and empties "
            "the cart; the server computes every amount. All or nothing: 402 `payment_declined` (a failed order "
            "is kept, `details.order_id`; cart kept), 409 `cart_empty`, `course_full`, `already_enrolled`, "
            "`cart_changed`, `course_unavailable`, `enrollment_closed`, `sponsorship_exhausted`, "
            "`sponsorship_already_redeemed`, `order_failed` (this key's order expired); 400 "
            "`invalid_sponsorship_code`; 502 `payment_provider_error`: without `details`, nothing was charged "
            "and nothing kept; with `details.order_id` (`order_status: pending`), the provider did not say "
            "whether it charged: the order is pending with your seats held until a retry with the same key "
            "settles it (never charging twice) or, after 15 minutes, reconciliation with the provider does. "
            "A `sponsorship_code` for a course in the cart makes that course free and uses one sponsored seat."
        ),
        tags=["orders"],
    )
    def post(self, request):
        data = serializers.CheckoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment = data.validated_data.get("payment")
        order = checkout_services.order_checkout(
            actor=request.user,
            idempotency_key=request.headers["Idempotency-Key"],
            payment=checkout_services.CardPayment(**payment) if payment else None,
            sponsorship_code=data.validated_data.get("sponsorship_code") or None,
        )
        return Response(outputs.OrderOutput(order).data, status=status.HTTP_201_CREATED)


class OrderDetailView(ApiView):
    @extend_schema(
        responses={200: outputs.OrderOutput},
        summary="One of your orders",
        description="404 for anyone else's order.",
        tags=["orders"],
    )
    def get(self, request, order_id):
        return Response(outputs.OrderOutput(order_services.order_get(actor=request.user, order_id=order_id)).data)


class OrderRefundView(ApiView):
    @extend_schema(
        request=serializers.RefundInput,
        responses={
            200: outputs.OrderOutput,
            502: OpenApiResponse(ERROR_BODY, description="payment_provider_error"),
        },
        summary="Refund an order (staff)",
        description=(
            "Staff only (403 on your own order, 404 on others'). Cancels the order's enrollments (seats freed, "
            "waitlist promoted) and refunds the card. 409 `order_not_refundable` unless paid; 502 "
            "`payment_provider_error`."
        ),
        tags=["orders"],
    )
    def post(self, request, order_id):
        data = serializers.RefundInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = order_services.order_refund(actor=request.user, order_id=order_id, reason=data.validated_data["reason"])
        return Response(outputs.OrderOutput(order).data)


# --- Sponsors -----------------------------------------------------------------------------


class SponsorsView(ApiView):
    permission_classes = [PublicReadOnly]

    @extend_schema(
        parameters=PAGINATION_PARAMETERS,
        responses={200: paginated(outputs.SponsorOutput)},
        operation_id="sponsors_list",
        summary="Sponsors",
        description="Public: approved sponsors by name; signed in, also the sponsors you belong to (any status).",
        tags=["sponsors"],
    )
    def get(self, request):
        page = sponsor_services.sponsor_list(actor=request.user, **page_args(request))
        return page_response(page, outputs.SponsorOutput)

    @extend_schema(
        request=serializers.SponsorInput,
        responses={201: outputs.SponsorOutput},
        summary="Apply to become a sponsor",
        description="Creates a pending sponsor with you as its owner; staff review it.",
        tags=["sponsors"],
    )
    def post(self, request):
        data = serializers.SponsorInput(data=request.data)
        data.is_valid(raise_exception=True)
        sponsor = sponsor_services.sponsor_apply(actor=request.user, **data.validated_data)
        return Response(outputs.SponsorOutput(sponsor).data, status=status.HTTP_201_CREATED)


class SponsorDetailView(ApiView):
    permission_classes = [PublicReadOnly]

    @extend_schema(
        responses={200: outputs.SponsorOutput},
        summary="One sponsor",
        description="Approved sponsors are public; a pending or rejected one only to its members (404 otherwise).",
        tags=["sponsors"],
    )
    def get(self, request, sponsor_id):
        sponsor = sponsor_services.sponsor_get(actor=request.user, sponsor_id=sponsor_id)
        return Response(outputs.SponsorOutput(sponsor).data)


class SponsorshipsView(ApiView):
    @extend_schema(
        parameters=PAGINATION_PARAMETERS,
        responses={200: paginated(outputs.SponsorshipOutput)},
        operation_id="sponsors_sponsorships_list",
        summary="A sponsor's sponsorships and their usage",
        description="Members only: 403 if you can see the sponsor but are not a member, 404 if you cannot see it.",
        tags=["sponsors"],
    )
    def get(self, request, sponsor_id):
        page = sponsor_services.sponsorship_list(actor=request.user, sponsor_id=sponsor_id, **page_args(request))
        return page_response(page, outputs.SponsorshipOutput)

    @extend_schema(
        request=serializers.SponsorshipInput,
        responses={201: outputs.SponsorshipOutput},
        summary="Request sponsored seats on a course",
        description=(
            "Members of an approved sponsor; staff approve it and issue the code. 403 not a member, 404 unknown "
            "sponsor or course, 409 `sponsor_not_approved`, 400 `course_is_free` or seats outside 1..1000."
        ),
        tags=["sponsors"],
    )
    def post(self, request, sponsor_id):
        data = serializers.SponsorshipInput(data=request.data)
        data.is_valid(raise_exception=True)
        sponsorship = sponsor_services.sponsorship_request(
            actor=request.user,
            sponsor_id=sponsor_id,
            course_id=data.validated_data["course_id"],
            seats=data.validated_data["seats"],
        )
        return Response(outputs.SponsorshipOutput(sponsorship).data, status=status.HTTP_201_CREATED)
