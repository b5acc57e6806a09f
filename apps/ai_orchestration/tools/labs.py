"""Lab tools: list labs, availability, book, list and cancel the caller's bookings."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from apps.ai_orchestration.tools.registry import Tool, ToolArguments
from apps.ai_orchestration.tools.results import renders, renders_page
from apps.labs import outputs
from apps.labs import services as labs_services


class ListLabsArguments(ToolArguments):
    kind: Literal["physical", "virtual"] | None = None
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=20, ge=1, le=50)


class GetLabArguments(ToolArguments):
    lab_id: UUID


class LabAvailabilityArguments(ToolArguments):
    lab_id: UUID
    date_from: date | None = Field(default=None, description="First local day (YYYY-MM-DD); default today.")
    date_to: date | None = Field(default=None, description="Last local day, inclusive; at most 31 days in all.")


class BookLabArguments(ToolArguments):
    lab_id: UUID
    start: AwareDatetime = Field(description="Start of a free slot, with its UTC offset (e.g. 2026-03-13T09:00:00Z).")


class CancelBookingArguments(ToolArguments):
    booking_id: UUID


class MyBookingsArguments(ToolArguments):
    upcoming: bool = Field(default=True, description="Only bookings that have not started, soonest first.")
    status: Literal["active", "cancelled"] | None = None
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=20, ge=1, le=50)


TOOLS = [
    Tool(
        name="list_labs",
        description="The bookable labs (physical rooms and virtual labs) with ids, names and time zones.",
        arguments=ListLabsArguments,
        service=labs_services.lab_list,
        serialize=renders_page(outputs.LabSerializer),
        mutates=False,
    ),
    Tool(
        name="get_lab",
        description="One lab: location, slot length, seats per slot, weekly opening hours and upcoming closures.",
        arguments=GetLabArguments,
        service=labs_services.lab_get,
        serialize=renders(outputs.LabDetailSerializer),
        mutates=False,
    ),
    Tool(
        name="lab_availability",
        description=(
            "The lab's slots on the given local days (default: a week from today), each with start/end (UTC) "
            "and the number of free seats."
        ),
        arguments=LabAvailabilityArguments,
        service=labs_services.lab_availability,
        serialize=renders(outputs.AvailabilityOutput),
        mutates=False,
        error_fields={"from": "date_from", "to": "date_to"},
    ),
    Tool(
        name="book_lab",
        description=(
            "Book one seat in a lab slot. start must be the exact start of a slot (see lab_availability). "
            "Errors: slot_full, invalid_slot, booking_conflict, booking_limit_reached, required_course_missing."
        ),
        arguments=BookLabArguments,
        service=labs_services.booking_create,
        serialize=renders(outputs.BookingSerializer),
        mutates=True,
        idempotency_key_required=True,
    ),
    Tool(
        name="cancel_booking",
        description="Cancel one of the user's lab bookings that has not started (frees the seat).",
        arguments=CancelBookingArguments,
        service=labs_services.booking_cancel,
        serialize=renders(outputs.BookingSerializer),
        mutates=True,
    ),
    Tool(
        name="my_bookings",
        description="The user's own lab bookings (by default the upcoming ones, soonest first).",
        arguments=MyBookingsArguments,
        service=labs_services.booking_list,
        serialize=renders_page(outputs.BookingSerializer),
        mutates=False,
    ),
]
