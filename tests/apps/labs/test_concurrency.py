"""No slot is overbooked and no learner exceeds the per-user rules, whatever
the concurrency: real threads, each with its own connection, against the
file-backed test database."""

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from apps.labs.models import Booking, LabSlot
from tests.conftest import client_for
from tests.factories.identity import UserFactory
from tests.factories.labs import LabFactory

pytestmark = pytest.mark.django_db(transaction=True)

SLOT = datetime(2026, 3, 26, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, the day after "now"


def fire_in_parallel(requests: list[tuple]) -> list[tuple[int, str | None]]:
    """Run (client, lab, start) bookings at once; returns (status, code) per request."""
    barrier = threading.Barrier(len(requests))
    outcomes: list[tuple[int, str | None]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(number: int, client, lab, start: datetime) -> None:
        try:
            barrier.wait(timeout=30)
            response = client.post(
                f"/v1/labs/{lab.id}/bookings",
                {"start": start.strftime("%Y-%m-%dT%H:%M:%SZ")},
                format="json",
                HTTP_IDEMPOTENCY_KEY=f"parallel-{number}",
            )
            with lock:
                outcomes.append((response.status_code, response.json().get("code")))
        except BaseException as exc:  # surfaced below: a thread must not fail silently
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, *request)) for n, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(outcomes) == len(requests)
    return outcomes


def test_25_learners_racing_for_3_seats_get_exactly_3_bookings():
    # given
    lab = LabFactory(capacity=3)
    learners = UserFactory.create_batch(25)

    # when
    outcomes = fire_in_parallel([(client_for(learner), lab, SLOT) for learner in learners])

    # then
    assert Counter(outcomes) == {(201, None): 3, (409, "slot_full"): 22}
    assert LabSlot.objects.get(lab=lab, start=SLOT).booked == 3
    assert Booking.objects.filter(lab=lab, start=SLOT, status="active").count() == 3


def test_one_learner_firing_10_slots_at_once_ends_with_5_upcoming_bookings():
    # given ten different, non-overlapping slots
    lab = LabFactory(capacity=5)
    learner = UserFactory()
    starts = [SLOT + timedelta(hours=hour) for hour in range(7)] + [
        SLOT + timedelta(days=1, hours=hour) for hour in range(3)
    ]

    # when
    outcomes = fire_in_parallel([(client_for(learner), lab, start) for start in starts])

    # then
    assert Counter(outcomes) == {(201, None): 5, (409, "booking_limit_reached"): 5}
    assert Booking.objects.filter(user=learner, status="active").count() == 5
    # every counter matches its bookings: refused requests left no seat taken
    for slot in LabSlot.objects.filter(lab=lab):
        assert slot.booked == Booking.objects.filter(lab=lab, start=slot.start, status="active").count()


def test_one_learner_double_clicking_a_slot_books_it_once():
    lab = LabFactory(capacity=5)
    learner = UserFactory()

    outcomes = fire_in_parallel([(client_for(learner), lab, SLOT) for _ in range(8)])

    assert Counter(outcomes) == {(201, None): 1, (409, "booking_conflict"): 7}
    assert LabSlot.objects.get(lab=lab, start=SLOT).booked == 1


def test_one_learner_racing_overlapping_slots_in_two_labs_gets_one():
    hourly, half_hourly = LabFactory(capacity=5), LabFactory(capacity=5, slot_minutes=30)
    learner = UserFactory()
    requests = [(client_for(learner), hourly, SLOT)] * 3 + [(client_for(learner), half_hourly, SLOT)] * 3

    outcomes = fire_in_parallel(requests)

    assert Counter(outcomes) == {(201, None): 1, (409, "booking_conflict"): 5}
    assert Booking.objects.filter(user=learner, status="active").count() == 1
