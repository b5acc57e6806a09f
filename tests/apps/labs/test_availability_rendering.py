"""The availability answer is what the reference path (the service's result
through ``AvailabilityOutput``, rendered by DRF's JSONRenderer) answers, byte
for byte: days with bookings, closures, slots already started, both
daylight-saving days, several time zones."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.renderers import JSONRenderer

from apps.labs import outputs, services
from apps.labs.models import Lab, LabClosure, LabOpeningHours
from apps.labs.schedule import OpeningRange, slots_for_day
from tests.conftest import client_for
from tests.factories.identity import UserFactory
from tests.factories.labs import LabFactory, local

pytestmark = pytest.mark.django_db


def reference(lab, first: date, last: date) -> bytes:
    availability = services.lab_availability(actor=AnonymousUser(), lab_id=lab.pk, date_from=first, date_to=last)
    return JSONRenderer().render(outputs.AvailabilityOutput(availability).data)


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        ("Europe/Berlin", date(2026, 3, 24), date(2026, 4, 23)),  # today (started slots), spring change, 31 days
        ("Europe/Berlin", date(2026, 10, 1), date(2026, 10, 31)),  # the fall change
        ("America/New_York", date(2026, 3, 1), date(2026, 3, 31)),
        ("UTC", date(2026, 3, 25), date(2026, 3, 25)),
    ],
)
def test_availability_matches_the_reference(zone, first, last):
    lab = LabFactory(timezone=zone, hours=[(day, "00:00", "03:00") for day in range(7)] + [(2, "09:00", "17:30")])
    for hour in (0, 1):
        services.booking_create(actor=UserFactory(), lab_id=lab.pk, start=local(lab, 2026, 3, 25, hour + 11))
    LabClosure.objects.create(lab=lab, starts_on=date(2026, 3, 27), ends_on=date(2026, 3, 28), reason="Service")
    response = client_for(None).get(f"/v1/labs/{lab.pk}/availability?from={first}&to={last}")
    assert response.status_code == 200
    assert response.content == reference(lab, first, last)
    assert response.json()["slots"]


def _starts(lab, first: date, last: date) -> list[str]:
    body = client_for(None).get(f"/v1/labs/{lab.pk}/availability?from={first}&to={last}").json()
    return [slot["start"] for slot in body["slots"]]


def test_the_memoised_grid_follows_every_change_of_hours_closures_and_lab():
    """Each worker keeps the grids it computed, keyed by everything they depend
    on: a change is a new grid at once, never a stale one."""
    lab = LabFactory(hours=[(day, "09:00", "12:00") for day in range(7)])
    first = last = date(2030, 6, 4)  # a Tuesday
    assert _starts(lab, first, last) == ["2030-06-04T07:00:00Z", "2030-06-04T08:00:00Z", "2030-06-04T09:00:00Z"]
    LabOpeningHours.objects.filter(lab=lab, weekday=1).update(closes_at=time(11, 0))
    assert _starts(lab, first, last) == ["2030-06-04T07:00:00Z", "2030-06-04T08:00:00Z"]
    Lab.objects.filter(pk=lab.pk).update(slot_minutes=30)
    assert len(_starts(lab, first, last)) == 4
    Lab.objects.filter(pk=lab.pk).update(timezone="UTC")
    assert _starts(lab, first, last)[0] == "2030-06-04T09:00:00Z"
    closure = LabClosure.objects.create(lab=lab, starts_on=first, ends_on=first, reason="Inventory")
    assert _starts(lab, first, last) == []
    closure.delete()
    assert len(_starts(lab, first, last)) == 4


def test_seats_are_read_on_every_request():
    lab = LabFactory(capacity=2)
    start = local(lab, 2030, 6, 4, 10)
    first = last = date(2030, 6, 4)

    def seats():
        body = client_for(None).get(f"/v1/labs/{lab.pk}/availability?from={first}&to={last}").json()
        slot = next(slot for slot in body["slots"] if slot["start"] == "2030-06-04T08:00:00Z")
        return slot["booked"], slot["available"]

    assert seats() == (0, 2)
    services.booking_create(actor=UserFactory(), lab_id=lab.pk, start=start)
    assert seats() == (1, 1)
    Lab.objects.filter(pk=lab.pk).update(capacity=5)
    assert seats() == (1, 4)


def test_the_grid_is_the_day_by_day_computation():
    """``_slot_grid`` is the per-day grid of ``schedule.slots_for_day``, closed days left out."""
    night = OpeningRange(weekday=6, opens_at=time(0, 0), closes_at=time(4, 0))
    ranges = (night, *(OpeningRange(weekday=day, opens_at=time(9, 0), closes_at=time(17, 30)) for day in range(7)))
    first, last = date(2026, 10, 1), date(2026, 10, 31)  # Berlin falls back on Sunday 25 October
    closed = frozenset({date(2026, 10, 7), date(2026, 10, 8)})
    grid = services._slot_grid(first, last, ranges, 45, "Europe/Berlin", closed)
    expected = [
        slot
        for offset in range(31)
        if (day := first + timedelta(days=offset)) not in closed
        for slot in slots_for_day(day, ranges, slot_minutes=45, zone=ZoneInfo("Europe/Berlin"))
    ]
    assert list(grid) == expected and len(expected) > 250
