"""The availability answer is what the reference path (the service's result
through ``AvailabilityOutput``, rendered by DRF's JSONRenderer) answers, byte
for byte: days with bookings, closures, slots already started, both
daylight-saving days, several time zones; and, with generated grids and seat
counts, the body ``outputs.availability_body`` writes from the memoised grid."""

import json
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st
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


# --- The body written from the grid, against the serializer -----------------------------------

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC")


@st.composite
def availabilities(draw):
    """Any grid (zones, slot lengths, daylight-saving months, closed days), any
    seat counts (over capacity too: a counter can drift), started slots anywhere."""
    zone = draw(st.sampled_from(ZONES))
    first = date(2026, draw(st.sampled_from([3, 6, 10, 11])), draw(st.integers(1, 20)))
    last = first + timedelta(days=draw(st.integers(0, 30)))
    ranges = tuple(
        OpeningRange(weekday=weekday, opens_at=time(opens), closes_at=time(closes % 24))
        for weekday, opens, closes in draw(
            st.lists(st.tuples(st.integers(0, 6), st.integers(0, 20), st.integers(21, 24)), max_size=4)
        )
    )
    closed = frozenset(draw(st.sets(st.dates(min_value=first, max_value=last), max_size=5)))
    grid = services._slot_grid(first, last, ranges, draw(st.sampled_from([30, 45, 60, 90])), zone, closed)
    capacity = draw(st.integers(1, 12))
    booked = draw(st.lists(st.integers(0, capacity + 2), min_size=len(grid), max_size=len(grid)))
    return services.Availability(
        lab_id=draw(st.uuids()),
        timezone=zone,
        date_from=first,
        date_to=last,
        grid=grid,
        capacity=capacity,
        booked=booked,
        open_from=draw(st.integers(0, len(grid))),
    )


@settings(max_examples=60, deadline=None)
@given(availability=availabilities())
def test_the_body_is_the_serializer_output_byte_for_byte(availability):
    expected = JSONRenderer().render(outputs.AvailabilityOutput(availability).data)
    assert outputs.availability_body(availability) == expected
    slots = json.loads(expected)["slots"]
    assert len(slots) == len(availability.grid)
    assert all(slot["available"] == 0 for slot in slots[: availability.open_from])


def test_an_indented_answer_is_the_same_document():
    lab = LabFactory(capacity=3)
    services.booking_create(actor=UserFactory(), lab_id=lab.pk, start=local(lab, 2030, 6, 4, 10))
    url = f"/v1/labs/{lab.pk}/availability?from=2030-06-03&to=2030-06-05"
    plain = client_for(None).get(url)
    indented = client_for(None).get(url, HTTP_ACCEPT="application/json; indent=2")
    assert indented.status_code == 200 and b'\n  "slots": [' in indented.content
    assert json.loads(indented.content) == json.loads(plain.content)


def test_the_counters_are_read_from_the_index_alone():
    """On SQLite the counter query is answered by ``labslot_lab_start_seats``
    (``booked`` included) without visiting the table."""
    lab = LabFactory()
    services.booking_create(actor=UserFactory(), lab_id=lab.pk, start=local(lab, 2030, 6, 4, 10))
    with CaptureQueriesContext(connection) as captured:
        services.lab_availability(
            actor=AnonymousUser(), lab_id=lab.pk, date_from=date(2030, 6, 1), date_to=date(2030, 6, 30)
        )
    counters = [query["sql"] for query in captured.captured_queries if "labs_labslot" in query["sql"]]
    assert len(counters) == 1
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {counters[0]}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "COVERING INDEX labslot_lab_start_seats" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
