"""Request shapes of the labs API (docs/api.md, Labs); responses are rendered
by ``apps.labs.outputs``."""

from rest_framework import serializers

from apps.labs.models import Booking, Lab
from deltalabs.inputs import InputSerializer


class LabListQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Lab.Kind.choices, required=False)


class AvailabilityQuery(serializers.Serializer):
    """``from`` and ``to`` are Python keywords, hence the fields built here."""

    def get_fields(self):
        return {
            "from": serializers.DateField(required=False, help_text="First local day (default: today)."),
            "to": serializers.DateField(required=False, help_text="Last local day, inclusive (default: from + 6)."),
        }


class BookingCreateInput(InputSerializer):
    start = serializers.DateTimeField(help_text="UTC start of a slot from the availability, e.g. 2026-11-26T09:00:00Z.")


class BookingListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Booking.Status.choices, required=False)
    upcoming = serializers.BooleanField(
        required=False,
        default=None,
        help_text="true: only bookings not yet started, soonest first; false: only those that have started.",
    )
