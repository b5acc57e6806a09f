"""How the labs domain's objects are rendered (docs/api.md, Labs).

The output serializers of the labs views and of the assistant's lab tools: a
lab, its availability and a booking read the same wherever they appear.
"""

import functools
import operator
from datetime import UTC, datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from apps.catalog.outputs import CourseBriefSerializer
from apps.labs.models import Booking, Lab
from apps.labs.schedule import free_seats
from deltalabs.renderers import JSONRenderer


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "09:00"})
class HourMinuteField(serializers.TimeField):
    """A wall-clock time as ``HH:MM`` (OpenAPI's ``format: time`` means ``HH:MM:SS``)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class OpeningHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(read_only=True, help_text="0 = Monday ... 6 = Sunday.")
    day = serializers.SerializerMethodField()
    opens_at = HourMinuteField(read_only=True, help_text="Local time of the lab.")
    closes_at = HourMinuteField(read_only=True, help_text="Local time; 00:00 = midnight.")

    def get_day(self, hours) -> str:
        return hours.Weekday(hours.weekday).name.lower()


class ClosureSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True, help_text="Inclusive.")
    reason = serializers.CharField(read_only=True)


class LabSerializer(serializers.ModelSerializer):
    required_course = CourseBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Lab
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "location",
            "description",
            "timezone",
            "slot_minutes",
            "capacity",
            "is_active",
            "required_course",
        ]
        read_only_fields = fields


class LabDetailSerializer(LabSerializer):
    opening_hours = OpeningHoursSerializer(source="weekly_hours", many=True, read_only=True)
    closures = ClosureSerializer(
        source="upcoming_closures", many=True, read_only=True, help_text="Closures that are not over yet."
    )

    class Meta(LabSerializer.Meta):
        fields = [*LabSerializer.Meta.fields, "opening_hours", "closures"]
        read_only_fields = fields


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    booked = serializers.IntegerField()
    available = serializers.IntegerField(help_text="Free seats; 0 once the slot has started.")


class AvailabilityOutput(serializers.Serializer):
    """A ``services.Availability``. ``from`` and ``to`` are Python keywords,
    hence the fields built here."""

    def get_fields(self):
        return {
            "lab_id": serializers.UUIDField(),
            "timezone": serializers.CharField(),
            "from": serializers.DateField(source="date_from"),
            "to": serializers.DateField(source="date_to"),
            "slots": SlotSerializer(many=True),
        }


class LabRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    timezone = serializers.CharField(read_only=True)


class BookingSerializer(serializers.ModelSerializer):
    lab = LabRefSerializer(read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "lab", "start", "end", "status", "created_at", "cancelled_at"]
        read_only_fields = fields


def _utc_text(instant: datetime, datetime_format: str) -> str:
    """An instant as the API writes it (``DATETIME_FORMAT`` in UTC)."""
    return instant.astimezone(UTC).strftime(datetime_format)


# The envelope is written with "slots": [] last; its closing "]}" is cut off and put back after the slots.
_SLOTS_CLOSE = b"]}"


def _slot_head(slot, datetime_format: str) -> bytes:
    """A slot as the API writes it, up to its first seat count:
    ``{"start":"...","end":"...","capacity":``."""
    times = JSONRenderer().render(
        {"start": _utc_text(slot.start, datetime_format), "end": _utc_text(slot.end, datetime_format)}
    )
    return times[:-1] + b',"capacity":'


@functools.lru_cache(maxsize=64)
def _slot_heads(grid, datetime_format: str) -> tuple[bytes, ...]:
    """``_slot_head`` of each slot of a ``services.SlotGrid``. A worker reuses
    its grids (``services._slot_grid``) and this memo is keyed by the grid
    object, so each grid's slots are written once per worker."""
    return tuple(_slot_head(slot, datetime_format) for slot in grid)


def _seat_tails(capacity: int, counts: list[int], *, started: bool) -> dict[int, bytes]:
    """The rest of a slot, ``N,"booked":N,"available":N}``, for each seat count in ``counts``."""
    return {
        taken: b'%d,"booked":%d,"available":%d}' % (capacity, taken, free_seats(capacity, taken, started=started))
        for taken in set(counts)
    }


def availability_body(availability) -> bytes:
    """The JSON of ``AvailabilityOutput(availability).data`` (a
    ``services.Availability``) as the API's renderer writes it.

    A 31-day answer has about 500 slots, and a dict per slot cost more than
    reading the seats. Each slot's times are written once per grid; per
    request only the seat counts are filled in, from the few distinct ones.
    The equivalence with the serializer is tested."""
    capacity = int(availability.capacity)
    before = availability.booked[: availability.open_from]
    after = availability.booked[availability.open_from :]
    started = _seat_tails(capacity, before, started=True)
    ahead = _seat_tails(capacity, after, started=False)
    tails = [*map(started.__getitem__, before), *map(ahead.__getitem__, after)]
    heads = _slot_heads(availability.grid, api_settings.DATETIME_FORMAT)
    envelope = JSONRenderer().render(
        {
            "lab_id": str(availability.lab_id),
            "timezone": str(availability.timezone),
            "from": availability.date_from.isoformat(),
            "to": availability.date_to.isoformat(),
            "slots": [],
        }
    )
    slots = b",".join(map(operator.add, heads, tails))
    return b"".join((envelope[: -len(_SLOTS_CLOSE)], slots, _SLOTS_CLOSE))
