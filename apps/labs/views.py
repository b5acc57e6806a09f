"""Labs endpoints: validate input, call one service, render the result.

Labs and availability are public reads; bookings need a signed-in user.
Ownership, visibility and every booking rule live in apps.labs.services.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.labs import outputs, serializers, services
from deltalabs.api import ApiView, PublicReadOnly, page_response, query_data
from deltalabs.openapi import PAGINATION_PARAMETERS, SUPPORTED_DATE_SCHEMA, paginated
from deltalabs.pagination import page_args
from deltalabs.renderers import Prerendered

TAGS = ["labs"]
BOOKING_TAGS = ["bookings"]


class LabListView(ApiView):
    permission_classes = [PublicReadOnly]

    @extend_schema(
        parameters=[serializers.LabListQuery, *PAGINATION_PARAMETERS],
        responses={200: paginated(outputs.LabSerializer)},
        operation_id="labs_list",
        summary="List labs",
        description="Active labs by name; public. 400 `validation_error` for an unknown `kind` or a bad cursor.",
        tags=TAGS,
    )
    def get(self, request):
        query = serializers.LabListQuery(data=query_data(request))
        query.is_valid(raise_exception=True)
        page = services.lab_list(
            actor=request.user,
            kind=query.validated_data.get("kind"),
            **page_args(request),
        )
        return page_response(page, outputs.LabSerializer)


class LabDetailView(ApiView):
    permission_classes = [PublicReadOnly]

    @extend_schema(
        responses={200: outputs.LabDetailSerializer},
        operation_id="labs_retrieve",
        summary="A lab with its weekly hours and upcoming closures",
        description=(
            "Public. Opening hours are local times of the lab's `timezone`; `closures` lists those not yet over. "
            "404 `not_found` for unknown or inactive labs."
        ),
        tags=TAGS,
    )
    def get(self, request, lab_id):
        lab = services.lab_get(actor=request.user, lab_id=lab_id)
        return Response(outputs.LabDetailSerializer(lab).data)


class LabAvailabilityView(ApiView):
    permission_classes = [PublicReadOnly]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", SUPPORTED_DATE_SCHEMA, description="First local day (YYYY-MM-DD); default today."),
            OpenApiParameter(
                "to", SUPPORTED_DATE_SCHEMA, description="Last local day, inclusive; default from + 6 days."
            ),
        ],
        responses={200: outputs.AvailabilityOutput},
        operation_id="labs_availability",
        summary="Bookable slots of a lab",
        description=(
            "Public. Days are the lab's local days; `start`/`end` are UTC. At most 31 days per request; "
            "closed days have no slots; slots that have started show `available: 0`. "
            "400 `validation_error` for a bad date, `to` before `from` or more than 31 days; 404 `not_found`."
        ),
        tags=TAGS,
    )
    def get(self, request, lab_id):
        query = serializers.AvailabilityQuery(data=query_data(request))
        query.is_valid(raise_exception=True)
        availability = services.lab_availability(
            actor=request.user,
            lab_id=lab_id,
            date_from=query.validated_data.get("from"),
            date_to=query.validated_data.get("to"),
        )
        return Response(Prerendered(outputs.availability_body(availability)))


class LabBookingCreateView(ApiView):
    idempotency_required = frozenset({"POST"})

    @extend_schema(
        request=serializers.BookingCreateInput,
        responses={201: outputs.BookingSerializer},
        operation_id="labs_bookings_create",
        summary="Book a lab slot",
        description=(
            "Requires `Idempotency-Key`. `start` must be the UTC start of a slot from the availability. "
            "400 `invalid_slot` (off the grid, started, or closed day), 400 `idempotency_key_required`; "
            "403 `required_course_missing`; 404 `not_found`; 409 `slot_full`, `booking_conflict` (you hold an "
            "overlapping booking), `booking_limit_reached` (5 upcoming bookings), `lab_inactive` (staff only)."
        ),
        tags=BOOKING_TAGS,
    )
    def post(self, request, lab_id):
        data = serializers.BookingCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_create(actor=request.user, lab_id=lab_id, start=data.validated_data["start"])
        return Response(outputs.BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingListView(ApiView):
    @extend_schema(
        parameters=[serializers.BookingListQuery, *PAGINATION_PARAMETERS],
        responses={200: paginated(outputs.BookingSerializer)},
        operation_id="bookings_list",
        summary="Your lab bookings",
        description=(
            "Your own bookings, latest start first; `upcoming=true` lists those not yet started, soonest first, "
            "`upcoming=false` those that have started. "
            "400 `validation_error` for an unknown `status` or a bad cursor."
        ),
        tags=BOOKING_TAGS,
    )
    def get(self, request):
        query = serializers.BookingListQuery(data=query_data(request))
        query.is_valid(raise_exception=True)
        page = services.booking_list(
            actor=request.user,
            status=query.validated_data.get("status"),
            upcoming=query.validated_data.get("upcoming"),
            **page_args(request),
        )
        return page_response(page, outputs.BookingSerializer)


class BookingDetailView(ApiView):
    @extend_schema(
        responses={200: outputs.BookingSerializer},
        operation_id="bookings_retrieve",
        summary="One of your bookings",
        description="404 `not_found` for another user's booking.",
        tags=BOOKING_TAGS,
    )
    def get(self, request, booking_id):
        booking = services.booking_get(actor=request.user, booking_id=booking_id)
        return Response(outputs.BookingSerializer(booking).data)


class BookingCancelView(ApiView):
    @extend_schema(
        request=None,
        responses={200: outputs.BookingSerializer},
        operation_id="bookings_cancel",
        summary="Cancel a booking",
        description=(
            "Frees the seat. 404 `not_found` for another user's booking; 409 `booking_not_active` when already "
            "cancelled, `booking_started` once the slot has started."
        ),
        tags=BOOKING_TAGS,
    )
    def post(self, request, booking_id):
        booking = services.booking_cancel(actor=request.user, booking_id=booking_id)
        return Response(outputs.BookingSerializer(booking).data)
