from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import factory

from apps.labs.models import Lab, LabOpeningHours

EVERY_DAY_9_TO_17 = [(weekday, "09:00", "17:00") for weekday in range(7)]


class LabFactory(factory.django.DjangoModelFactory):
    """A Berlin lab, open every day 09:00-17:00 in 60-minute slots of 2 seats.

    ``LabFactory(hours=[(weekday, "HH:MM", "HH:MM"), ...])`` sets other hours.
    """

    class Meta:
        model = Lab
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"lab-{n}")
    name = factory.Sequence(lambda n: f"Lab {n:03d}")
    kind = Lab.Kind.PHYSICAL
    location = "Building A"
    timezone = "Europe/Berlin"
    slot_minutes = 60
    capacity = 2
    is_active = True

    @factory.post_generation
    def hours(lab, create, extracted, **kwargs):
        ranges = EVERY_DAY_9_TO_17 if extracted is None else extracted
        LabOpeningHours.objects.bulk_create(
            LabOpeningHours(
                lab=lab, weekday=weekday, opens_at=time.fromisoformat(opens), closes_at=time.fromisoformat(closes)
            )
            for weekday, opens, closes in ranges
        )


def local(lab_or_zone, *parts) -> datetime:
    """The UTC instant of a wall-clock time in the lab's time zone: local(lab, 2026, 3, 26, 10)."""
    zone = ZoneInfo(lab_or_zone if isinstance(lab_or_zone, str) else lab_or_zone.timezone)
    return datetime(*parts, tzinfo=zone).astimezone(UTC)
