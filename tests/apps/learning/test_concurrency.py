"""Seats and waitlists under real concurrency: parallel requests on real
threads, each with its own database connection to the file-backed SQLite test
database. The invariants are asserted afterwards."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connection

from apps.catalog.models import Course
from apps.identity.models import User
from apps.learning.models import Enrollment
from tests.conftest import client_for
from tests.factories.catalog import CourseFactory

pytestmark = pytest.mark.django_db(transaction=True)

LEARNERS = 40
SEATS = 5


def make_learners(count: int) -> list[User]:
    return User.objects.bulk_create(
        [User(email=f"racer{n}@example.test", display_name=f"Racer {n}") for n in range(count)]
    )


def in_parallel(calls) -> list:
    """Run every call at once (released together by a barrier); return their results."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def enroll_call(client, course, key, **extra):
    def call():
        response = client.post(
            "/v1/enrollments", {"course_id": str(course.pk), **extra}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        return response.status_code, response.json()

    return call


def waitlist_positions(course) -> list[int]:
    return sorted(
        Enrollment.objects.filter(course=course, status="waitlisted").values_list("waitlist_position", flat=True)
    )


def test_forty_learners_five_seats():
    # given a course with 5 seats and 40 learners with their own clients
    course = CourseFactory(capacity=SEATS)
    clients = [client_for(learner) for learner in make_learners(LEARNERS)]
    # when they all enroll at once
    results = in_parallel([enroll_call(client, course, f"k{n}") for n, client in enumerate(clients)])
    # then exactly 5 got in and 35 got a clean course_full
    outcomes = Counter((status, body.get("status") or body.get("code")) for status, body in results)
    assert outcomes == {(201, "active"): SEATS, (409, "course_full"): LEARNERS - SEATS}
    course.refresh_from_db()
    assert course.seats_taken == SEATS
    assert Enrollment.objects.filter(course=course, status="active").count() == SEATS
    assert Enrollment.objects.filter(course=course).count() == SEATS


def test_forty_learners_with_waitlist_then_a_cancellation_promotes_the_first():
    # given the same race, but everyone accepts the waitlist
    course = CourseFactory(capacity=SEATS)
    learners = make_learners(LEARNERS)
    clients = {learner.pk: client_for(learner) for learner in learners}
    results = in_parallel(
        [enroll_call(clients[learner.pk], course, f"w{n}", waitlist=True) for n, learner in enumerate(learners)]
    )
    # then 5 are active and 35 hold the positions 1..35 exactly once each
    assert Counter(body["status"] for status, body in results if status == 201) == {
        "active": SEATS,
        "waitlisted": LEARNERS - SEATS,
    }
    assert waitlist_positions(course) == list(range(1, LEARNERS - SEATS + 1))
    course.refresh_from_db()
    assert (course.seats_taken, course.waitlist_length) == (SEATS, LEARNERS - SEATS)

    # when one active learner cancels
    first_in_line = Enrollment.objects.get(course=course, waitlist_position=1)
    leaving = Enrollment.objects.filter(course=course, status="active").first()
    response = clients[leaving.user_id].post(f"/v1/enrollments/{leaving.pk}/cancel")
    assert response.status_code == 200

    # then position 1 is promoted, the others move up to 1..34, and she is emailed
    first_in_line.refresh_from_db()
    assert (first_in_line.status, first_in_line.waitlist_position) == ("active", None)
    assert waitlist_positions(course) == list(range(1, LEARNERS - SEATS))
    course.refresh_from_db()
    assert (course.seats_taken, course.waitlist_length) == (SEATS, LEARNERS - SEATS - 1)
    assert [message.to for message in mail.outbox] == [[first_in_line.user.email]]


def test_parallel_cancellations_keep_seats_and_positions_consistent():
    # given a full course of 5 with 20 waiting
    course = CourseFactory(capacity=SEATS)
    learners = make_learners(25)
    clients = {learner.pk: client_for(learner) for learner in learners}
    for n, learner in enumerate(learners):
        status, _ = enroll_call(clients[learner.pk], course, f"c{n}", waitlist=True)()
        assert status == 201
    active = list(Enrollment.objects.filter(course=course, status="active"))
    waiting = list(Enrollment.objects.filter(course=course, status="waitlisted").order_by("waitlist_position"))
    leaving = active[:3] + waiting[::3]  # 3 seats freed and 7 people leave the line, all at once

    def cancel(enrollment):
        return lambda: clients[enrollment.user_id].post(f"/v1/enrollments/{enrollment.pk}/cancel").status_code

    # when they all cancel at once
    assert in_parallel([cancel(enrollment) for enrollment in leaving]) == [200] * len(leaving)

    # then every seat is held, and the line is 1..n with no gaps or repeats
    course.refresh_from_db()
    remaining = Enrollment.objects.filter(course=course, status="waitlisted").count()
    assert course.seats_taken == SEATS == Enrollment.objects.filter(course=course, status="active").count()
    assert course.waitlist_length == remaining == 25 - SEATS - 3 - 7
    assert waitlist_positions(course) == list(range(1, remaining + 1))
    # and the order of the line was kept: the earliest remaining waiters were promoted
    still_waiting = [e for e in waiting if e not in leaving]
    promoted = Enrollment.objects.filter(pk__in=[e.pk for e in still_waiting[:3]])
    assert set(promoted.values_list("status", flat=True)) == {"active"}


def test_double_submit_by_one_learner_enrolls_once():
    course = CourseFactory(capacity=10)
    [learner] = make_learners(1)
    clients = [client_for(learner) for _ in range(8)]
    results = in_parallel([enroll_call(client, course, f"d{n}") for n, client in enumerate(clients)])
    outcomes = Counter(status for status, _ in results)
    assert outcomes == {201: 1, 409: 7}
    assert {body["code"] for status, body in results if status == 409} == {"already_enrolled"}
    course.refresh_from_db()
    assert course.seats_taken == 1 == Enrollment.objects.filter(user=learner).count()


def test_seat_counter_matches_rows_after_mixed_traffic():
    """Joins and cancels racing on one small course never break seats_taken <= capacity."""
    course = CourseFactory(capacity=3)
    learners = make_learners(12)
    clients = {learner.pk: client_for(learner) for learner in learners}
    first = learners[:3]
    for n, learner in enumerate(first):
        assert enroll_call(clients[learner.pk], course, f"m{n}")()[0] == 201
    enrollments = {e.user_id: e for e in Enrollment.objects.filter(course=course)}
    calls = [
        (lambda e=enrollments[learner.pk]: clients[e.user_id].post(f"/v1/enrollments/{e.pk}/cancel").status_code)
        for learner in first
    ] + [
        (lambda learner=learner, n=n: enroll_call(clients[learner.pk], course, f"n{n}")()[0])
        for n, learner in enumerate(learners[3:])
    ]
    in_parallel(calls)
    course.refresh_from_db()
    active = Enrollment.objects.filter(course=course, status="active").count()
    assert course.seats_taken == active <= course.capacity
    assert Course.objects.filter(pk=course.pk, seats_taken__gt=3).count() == 0
