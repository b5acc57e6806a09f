"""Every rule and error code of the labs services. Time is frozen at
Wednesday 2026-03-25 08:00 UTC = 09:00 in Berlin (see conftest)."""

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import IntegrityError

from apps.catalog.models import CourseInstructor
from apps.labs import repositories, services
from apps.labs.models import Booking, LabClosure, LabSlot
from deltalabs.errors import ApplicationError
from tests.apps.labs.conftest import NOW, enroll
from tests.factories.identity import UserFactory
from tests.factories.labs import LabFactory, local

pytestmark = pytest.mark.django_db


def error_code(call) -> tuple[int, str]:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value.status_code, caught.value.code


def counter(lab, start) -> int:
    return LabSlot.objects.get(lab=lab, start=start).booked


@pytest.fixture
def lab(db):
    return LabFactory()


@pytest.fixture
def tomorrow_10(lab):
    return local(lab, 2026, 3, 26, 10)


# --- booking_create ---------------------------------------------------------------


class TestBookingCreate:
    def test_books_a_seat_and_counts_it(self, user, lab, tomorrow_10):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)

        assert booking.status == "active"
        assert (booking.start, booking.end) == (tomorrow_10, tomorrow_10 + timedelta(hours=1))
        assert counter(lab, tomorrow_10) == 1

    def test_accepts_the_start_in_any_offset(self, user, lab):
        berlin_wall_time = datetime.fromisoformat("2026-03-26T10:00:00+01:00")
        booking = services.booking_create(actor=user, lab_id=lab.id, start=berlin_wall_time)
        assert booking.start == datetime(2026, 3, 26, 9, 0, tzinfo=UTC)

    @pytest.mark.parametrize(
        "start",
        [
            pytest.param(datetime(2026, 3, 26, 9, 30, tzinfo=UTC), id="off-grid"),
            pytest.param(datetime(2026, 3, 26, 9, 0, 30, tzinfo=UTC), id="off-grid-seconds"),
            pytest.param(datetime(2026, 3, 26, 7, 0, tzinfo=UTC), id="before-opening"),
            pytest.param(datetime(2026, 3, 26, 16, 0, tzinfo=UTC), id="last-hour-ends-after-closing"),
            pytest.param(datetime(2026, 3, 24, 9, 0, tzinfo=UTC), id="past-day"),
            pytest.param(NOW, id="started-now"),
        ],
    )
    def test_a_start_that_is_not_a_future_slot_is_invalid(self, user, lab, start):
        assert error_code(lambda: services.booking_create(actor=user, lab_id=lab.id, start=start)) == (
            400,
            "invalid_slot",
        )
        assert not Booking.objects.exists()

    def test_a_closed_day_is_invalid(self, user, lab, tomorrow_10):
        LabClosure.objects.create(lab=lab, starts_on=date(2026, 3, 26), ends_on=date(2026, 3, 27), reason="Works")

        call = lambda: services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)  # noqa: E731
        assert error_code(call) == (400, "invalid_slot")
        after = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 28, 10))
        assert after.status == "active"

    def test_a_naive_start_is_a_validation_error(self, user, lab):
        call = lambda: services.booking_create(actor=user, lab_id=lab.id, start=datetime(2026, 3, 26, 9))  # noqa: E731
        assert error_code(call) == (400, "validation_error")

    def test_daylight_saving_day_slots_are_bookable_at_local_times(self, user, lab):
        # given Sunday 2026-03-29, clocks jump 02:00 -> 03:00 in Berlin
        start = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST

        # when / then
        assert services.booking_create(actor=user, lab_id=lab.id, start=start).start == start
        # 09:00 CET would be 08:00 UTC: not a slot that day
        call = lambda: services.booking_create(  # noqa: E731
            actor=user, lab_id=lab.id, start=datetime(2026, 3, 29, 8, 30, tzinfo=UTC)
        )
        assert error_code(call) == (400, "invalid_slot")

    def test_a_full_slot_refuses_more(self, lab, tomorrow_10):
        for _ in range(lab.capacity):
            services.booking_create(actor=UserFactory(), lab_id=lab.id, start=tomorrow_10)

        call = lambda: services.booking_create(actor=UserFactory(), lab_id=lab.id, start=tomorrow_10)  # noqa: E731
        assert error_code(call) == (409, "slot_full")
        assert counter(lab, tomorrow_10) == lab.capacity
        assert Booking.objects.filter(status="active").count() == lab.capacity

    def test_the_same_slot_twice_is_a_conflict(self, user, lab, tomorrow_10):
        services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)

        call = lambda: services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)  # noqa: E731
        assert error_code(call) == (409, "booking_conflict")
        assert counter(lab, tomorrow_10) == 1

    def test_an_overlapping_slot_in_another_lab_is_a_conflict(self, user, lab, tomorrow_10):
        # given 10:00-10:30 in a half-hourly lab and 12:00-13:30 in a 90-minute lab
        short_lab = LabFactory(slot_minutes=30)
        services.booking_create(actor=user, lab_id=short_lab.id, start=tomorrow_10)
        long_lab = LabFactory(slot_minutes=90)
        services.booking_create(actor=user, lab_id=long_lab.id, start=local(long_lab, 2026, 3, 26, 12))

        # then hourly slots overlapping either are refused; 11:00-12:00 fits between
        for hour in (10, 13):
            call = lambda hour=hour: services.booking_create(  # noqa: E731
                actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, hour)
            )
            assert error_code(call) == (409, "booking_conflict")
        assert services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 11)).status == "active"

    def test_back_to_back_slots_do_not_overlap(self, user, lab, tomorrow_10):
        services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)
        nxt = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10 + timedelta(hours=1))
        assert nxt.status == "active"

    def test_a_cancelled_booking_does_not_block_its_time(self, user, lab, tomorrow_10):
        first = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)
        services.booking_cancel(actor=user, booking_id=first.id)

        again = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)
        assert again.status == "active" and counter(lab, tomorrow_10) == 1

    def test_at_most_five_upcoming_bookings(self, user, lab):
        for hour in range(10, 15):
            services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, hour))

        call = lambda: services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 15))  # noqa: E731
        assert error_code(call) == (409, "booking_limit_reached")
        assert not LabSlot.objects.filter(start=local(lab, 2026, 3, 26, 15), booked__gt=0).exists()

    def test_bookings_that_have_started_do_not_count_towards_the_limit(self, user, lab, frozen_now):
        for hour in range(10, 15):
            services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 25, hour))
        # when the first one (10:00 Berlin = 09:00 UTC) has started
        frozen_now.move_to(datetime(2026, 3, 25, 9, 0, 1, tzinfo=UTC))

        sixth = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 25, 15))
        assert sixth.status == "active"

    def test_cancelled_bookings_do_not_count_towards_the_limit(self, user, lab):
        bookings = [
            services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, hour))
            for hour in range(10, 15)
        ]
        services.booking_cancel(actor=user, booking_id=bookings[0].id)

        assert services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 27, 10)).status == "active"

    def test_required_course_missing_is_forbidden(self, user, course, tomorrow_10):
        lab = LabFactory(required_course=course)
        call = lambda: services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)  # noqa: E731
        assert error_code(call) == (403, "required_course_missing")

    def test_a_cancelled_enrollment_does_not_count(self, user, course, tomorrow_10):
        lab = LabFactory(required_course=course)
        enroll(user, course, status="cancelled")
        call = lambda: services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)  # noqa: E731
        assert error_code(call) == (403, "required_course_missing")

    @pytest.mark.parametrize("status", ["active", "completed"])
    def test_enrolled_learners_may_book_a_lab_requiring_the_course(self, user, course, tomorrow_10, status):
        lab = LabFactory(required_course=course)
        enroll(user, course, status=status)
        assert services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10).status == "active"

    def test_instructors_and_staff_may_book_a_lab_requiring_the_course(self, user, staff_user, course, tomorrow_10):
        lab = LabFactory(required_course=course)
        CourseInstructor.objects.create(course=course, user=user)
        assert services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10).status == "active"
        assert services.booking_create(actor=staff_user, lab_id=lab.id, start=tomorrow_10).status == "active"

    def test_unknown_lab_is_not_found(self, user, tomorrow_10):
        call = lambda: services.booking_create(actor=user, lab_id=uuid.uuid4(), start=tomorrow_10)  # noqa: E731
        assert error_code(call) == (404, "not_found")

    def test_inactive_lab_is_not_found_for_learners_and_refused_for_staff(self, user, staff_user, tomorrow_10):
        lab = LabFactory(is_active=False)
        assert error_code(lambda: services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)) == (
            404,
            "not_found",
        )
        assert error_code(lambda: services.booking_create(actor=staff_user, lab_id=lab.id, start=tomorrow_10)) == (
            409,
            "lab_inactive",
        )

    def test_anonymous_actor_is_not_authenticated(self, lab, tomorrow_10):
        call = lambda: services.booking_create(actor=AnonymousUser(), lab_id=lab.id, start=tomorrow_10)  # noqa: E731
        assert error_code(call) == (401, "not_authenticated")

    def test_a_closure_committed_during_the_booking_wins(self, user, lab, tomorrow_10, monkeypatch):
        # given a closure that lands after the slot was validated, before the booking commits
        original = repositories.slot_exists

        def closure_sneaks_in(lab_id, start):
            repositories.closure_insert(
                lab_id=lab_id, starts_on=date(2026, 3, 26), ends_on=date(2026, 3, 26), reason=""
            )
            return original(lab_id, start)

        monkeypatch.setattr(repositories, "slot_exists", closure_sneaks_in)

        # when
        code = error_code(lambda: services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10))

        # then the booking did not survive and its seat is free
        assert code == (400, "invalid_slot")
        assert Booking.objects.get().status == "cancelled"
        assert counter(lab, tomorrow_10) == 0

    def test_the_database_refuses_two_active_bookings_of_one_user_slot(self, user, lab, tomorrow_10):
        Booking.objects.create(user=user, lab=lab, start=tomorrow_10, end=tomorrow_10 + timedelta(hours=1))
        Booking.objects.create(
            user=user, lab=lab, start=tomorrow_10, end=tomorrow_10 + timedelta(hours=1), status="cancelled"
        )
        with pytest.raises(IntegrityError):
            Booking.objects.create(user=user, lab=lab, start=tomorrow_10, end=tomorrow_10 + timedelta(hours=1))


# --- booking_cancel ---------------------------------------------------------------


class TestBookingCancel:
    def test_owner_cancels_and_frees_the_seat(self, user, lab, tomorrow_10, django_capture_on_commit_callbacks):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)

        with django_capture_on_commit_callbacks(execute=True):
            cancelled = services.booking_cancel(actor=user, booking_id=booking.id)

        assert (cancelled.status, cancelled.cancelled_at) == ("cancelled", NOW)
        assert Booking.objects.get().cancel_reason == "user"
        assert counter(lab, tomorrow_10) == 0
        assert mail.outbox == []  # learners are not emailed about their own cancellations

    def test_another_learners_booking_is_not_found(self, user, other_user, lab, tomorrow_10):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)

        call = lambda: services.booking_cancel(actor=other_user, booking_id=booking.id)  # noqa: E731
        assert error_code(call) == (404, "not_found")
        assert counter(lab, tomorrow_10) == 1

    def test_staff_cancel_anyones_booking_and_the_learner_is_told(
        self, user, staff_user, lab, tomorrow_10, django_capture_on_commit_callbacks
    ):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)

        with django_capture_on_commit_callbacks(execute=True):
            services.booking_cancel(actor=staff_user, booking_id=booking.id)

        assert Booking.objects.get().cancel_reason == "staff"
        assert [message.to for message in mail.outbox] == [[user.email]]
        assert "by our staff" in mail.outbox[0].body

    def test_cancelling_twice_is_a_conflict(self, user, lab, tomorrow_10):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)
        services.booking_cancel(actor=user, booking_id=booking.id)

        call = lambda: services.booking_cancel(actor=user, booking_id=booking.id)  # noqa: E731
        assert error_code(call) == (409, "booking_not_active")
        assert counter(lab, tomorrow_10) == 0

    def test_a_booking_that_has_started_cannot_be_cancelled(self, user, lab, tomorrow_10, frozen_now):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)
        frozen_now.move_to(tomorrow_10)

        call = lambda: services.booking_cancel(actor=user, booking_id=booking.id)  # noqa: E731
        assert error_code(call) == (409, "booking_started")

    def test_a_concurrent_cancel_releases_the_seat_once(self, user, lab, tomorrow_10):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)
        stale = repositories.booking_get(booking.id)  # read before the other cancel
        services.booking_cancel(actor=user, booking_id=booking.id)

        assert services._cancel(stale, reason="user", now=NOW, notify=False) is False
        assert counter(lab, tomorrow_10) == 0


# --- Reading -------------------------------------------------------------------------


class TestReading:
    def test_booking_list_shows_only_own_bookings_newest_first(self, user, other_user, lab):
        first = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 10))
        second = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 27, 10))
        services.booking_create(actor=other_user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 10))

        page = services.booking_list(actor=user)
        assert [b.id for b in page.items] == [second.id, first.id]

    def test_booking_list_filters(self, user, lab, frozen_now):
        past = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 25, 10))
        cancelled = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 27, 10))
        services.booking_cancel(actor=user, booking_id=cancelled.id)
        later = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 28, 10))
        soon = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 10))
        frozen_now.move_to(datetime(2026, 3, 25, 12, tzinfo=UTC))

        assert [b.id for b in services.booking_list(actor=user, status="cancelled").items] == [cancelled.id]
        assert [b.id for b in services.booking_list(actor=user, upcoming=True).items] == [
            soon.id,
            cancelled.id,
            later.id,
        ]
        active_upcoming = services.booking_list(actor=user, upcoming=True, status="active").items
        assert [b.id for b in active_upcoming] == [soon.id, later.id]
        assert past.id in [b.id for b in services.booking_list(actor=user, status="active").items]
        assert [b.id for b in services.booking_list(actor=user, upcoming=False).items] == [past.id]

    def test_booking_list_rejects_an_unknown_status(self, user):
        assert error_code(lambda: services.booking_list(actor=user, status="maybe")) == (400, "validation_error")

    def test_booking_get_hides_other_learners_bookings_from_them_but_not_from_staff(
        self, user, other_user, staff_user, lab, tomorrow_10
    ):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)
        assert error_code(lambda: services.booking_get(actor=other_user, booking_id=booking.id)) == (404, "not_found")
        assert services.booking_get(actor=staff_user, booking_id=booking.id).id == booking.id

    def test_lab_list_shows_active_labs_by_name_and_filters_by_kind(self):
        LabFactory(name="Zeta", kind="virtual")
        LabFactory(name="Alpha")
        LabFactory(name="Hidden", is_active=False)

        assert [lab.name for lab in services.lab_list(actor=AnonymousUser()).items] == ["Alpha", "Zeta"]
        assert [lab.name for lab in services.lab_list(actor=AnonymousUser(), kind="virtual").items] == ["Zeta"]
        assert error_code(lambda: services.lab_list(actor=AnonymousUser(), kind="wet")) == (400, "validation_error")

    def test_lab_get_lists_weekly_hours_and_closures_not_yet_over(self, lab):
        LabClosure.objects.create(lab=lab, starts_on=date(2026, 3, 20), ends_on=date(2026, 3, 24))
        current = LabClosure.objects.create(lab=lab, starts_on=date(2026, 3, 24), ends_on=date(2026, 3, 25))
        future = LabClosure.objects.create(lab=lab, starts_on=date(2026, 4, 6), ends_on=date(2026, 4, 6))

        detail = services.lab_get(actor=AnonymousUser(), lab_id=lab.id)
        assert [c.id for c in detail.upcoming_closures] == [current.id, future.id]
        assert [h.weekday for h in detail.weekly_hours] == list(range(7))

    def test_inactive_labs_are_visible_to_staff_only(self, user, staff_user):
        lab = LabFactory(is_active=False)
        assert error_code(lambda: services.lab_get(actor=user, lab_id=lab.id)) == (404, "not_found")
        assert services.lab_get(actor=staff_user, lab_id=lab.id).id == lab.id


# --- Availability ---------------------------------------------------------------------


class TestAvailability:
    def test_slots_of_a_day_with_counters(self, user, lab, tomorrow_10):
        services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)

        result = services.lab_availability(
            actor=AnonymousUser(), lab_id=lab.id, date_from=date(2026, 3, 26), date_to=date(2026, 3, 26)
        )

        assert result.lab_id == lab.id
        assert [slot.start for slot in result.slots] == [local(lab, 2026, 3, 26, h) for h in range(9, 17)]
        ten = next(slot for slot in result.slots if slot.start == tomorrow_10)
        assert ten == services.SlotAvailability(
            start=tomorrow_10, end=tomorrow_10 + timedelta(hours=1), capacity=2, booked=1, available=1
        )

    def test_slots_that_have_started_are_not_available(self, lab):
        slots = services.lab_availability(
            actor=AnonymousUser(), lab_id=lab.id, date_from=date(2026, 3, 25), date_to=date(2026, 3, 25)
        ).slots
        # 09:00 Berlin = now: started
        assert [slot.available for slot in slots[:2]] == [0, 2]

    def test_closed_days_and_days_without_hours_have_no_slots(self):
        lab = LabFactory(hours=[(weekday, "09:00", "11:00") for weekday in range(5)])  # Mon-Fri
        LabClosure.objects.create(lab=lab, starts_on=date(2026, 3, 26), ends_on=date(2026, 3, 26))

        slots = services.lab_availability(
            actor=AnonymousUser(), lab_id=lab.id, date_from=date(2026, 3, 26), date_to=date(2026, 3, 30)
        ).slots

        local_days = sorted({slot.start.astimezone(ZoneInfo(lab.timezone)).date() for slot in slots})
        assert local_days == [date(2026, 3, 27), date(2026, 3, 30)]  # Thu closed, Sat/Sun no hours

    def test_a_daylight_saving_day_keeps_local_times(self, lab):
        slots = services.lab_availability(
            actor=AnonymousUser(), lab_id=lab.id, date_from=date(2026, 3, 28), date_to=date(2026, 3, 29)
        ).slots
        saturday, sunday = slots[:8], slots[8:]
        assert saturday[0].start == datetime(2026, 3, 28, 8, tzinfo=UTC)  # 09:00 CET
        assert sunday[0].start == datetime(2026, 3, 29, 7, tzinfo=UTC)  # 09:00 CEST
        assert len(sunday) == 8

    def test_defaults_to_a_week_from_today(self, lab):
        result = services.lab_availability(actor=AnonymousUser(), lab_id=lab.id)
        assert (result.date_from, result.date_to) == (date(2026, 3, 25), date(2026, 3, 31))
        assert len(result.slots) == 7 * 8

    @pytest.mark.parametrize(
        ("date_from", "date_to"),
        [(date(2026, 3, 26), date(2026, 3, 25)), (date(2026, 3, 1), date(2026, 4, 1))],
        ids=["to-before-from", "32-days"],
    )
    def test_bad_ranges_are_validation_errors(self, lab, date_from, date_to):
        call = lambda: services.lab_availability(  # noqa: E731
            actor=AnonymousUser(), lab_id=lab.id, date_from=date_from, date_to=date_to
        )
        assert error_code(call) == (400, "validation_error")

    def test_31_days_is_allowed(self, lab):
        result = services.lab_availability(
            actor=AnonymousUser(), lab_id=lab.id, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)
        )
        assert len(result.slots) == 31 * 8

    def test_day_schedule_is_staff_only_and_lists_bookings(self, user, staff_user, lab, tomorrow_10):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=tomorrow_10)

        assert error_code(lambda: services.lab_day_schedule(actor=user, lab_id=lab.id, day=date(2026, 3, 26))) == (
            403,
            "permission_denied",
        )
        schedule = services.lab_day_schedule(actor=staff_user, lab_id=lab.id, day=date(2026, 3, 26))
        ten = next(slot for slot in schedule.slots if slot.start == tomorrow_10)
        assert [b.id for b in ten.bookings] == [booking.id]
        assert not any(slot.counter_drift for slot in schedule.slots)


# --- Closures -------------------------------------------------------------------------


class TestClosureCreate:
    def test_staff_only(self, user, lab):
        call = lambda: services.closure_create(  # noqa: E731
            actor=user, lab_id=lab.id, starts_on=date(2026, 3, 26), ends_on=date(2026, 3, 26)
        )
        assert error_code(call) == (403, "permission_denied")
        assert not LabClosure.objects.exists()

    def test_dates_must_be_in_order(self, staff_user, lab):
        call = lambda: services.closure_create(  # noqa: E731
            actor=staff_user, lab_id=lab.id, starts_on=date(2026, 3, 27), ends_on=date(2026, 3, 26)
        )
        assert error_code(call) == (400, "validation_error")

    def test_cancels_upcoming_bookings_on_the_closed_days_and_tells_each_learner_once(
        self, staff_user, lab, django_capture_on_commit_callbacks
    ):
        # given bookings before, inside (two learners, two days) and after the closure
        learners = UserFactory.create_batch(3)
        inside = [
            services.booking_create(actor=learners[0], lab_id=lab.id, start=local(lab, 2026, 3, 26, 10)),
            services.booking_create(actor=learners[1], lab_id=lab.id, start=local(lab, 2026, 3, 26, 10)),
            services.booking_create(actor=learners[1], lab_id=lab.id, start=local(lab, 2026, 3, 27, 16)),
        ]
        outside = [
            services.booking_create(actor=learners[2], lab_id=lab.id, start=local(lab, 2026, 3, 25, 16)),
            services.booking_create(actor=learners[2], lab_id=lab.id, start=local(lab, 2026, 3, 28, 9)),
        ]

        # when
        with django_capture_on_commit_callbacks(execute=True):
            result = services.closure_create(
                actor=staff_user, lab_id=lab.id, starts_on=date(2026, 3, 26), ends_on=date(2026, 3, 27), reason="Works"
            )

        # then
        assert result.cancelled_bookings == 3
        statuses = dict(Booking.objects.values_list("id", "status"))
        assert {statuses[b.id] for b in inside} == {"cancelled"}
        assert {statuses[b.id] for b in outside} == {"active"}
        assert counter(lab, local(lab, 2026, 3, 26, 10)) == 0
        assert counter(lab, local(lab, 2026, 3, 27, 16)) == 0
        assert sorted(m.to[0] for m in mail.outbox) == sorted([learners[0].email, learners[1].email, learners[1].email])
        assert all("closed" in m.body for m in mail.outbox)

    def test_a_second_overlapping_closure_cancels_and_emails_nothing_more(
        self, user, staff_user, lab, django_capture_on_commit_callbacks
    ):
        services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 26, 10))
        with django_capture_on_commit_callbacks(execute=True):
            services.closure_create(
                actor=staff_user, lab_id=lab.id, starts_on=date(2026, 3, 26), ends_on=date(2026, 3, 26)
            )
            again = services.closure_create(
                actor=staff_user, lab_id=lab.id, starts_on=date(2026, 3, 25), ends_on=date(2026, 3, 27)
            )
        assert again.cancelled_bookings == 0
        assert len(mail.outbox) == 1

    def test_a_booking_under_way_is_left_alone(self, user, staff_user, lab, frozen_now):
        booking = services.booking_create(actor=user, lab_id=lab.id, start=local(lab, 2026, 3, 25, 10))
        frozen_now.move_to(local(lab, 2026, 3, 25, 10, 30))

        services.closure_create(actor=staff_user, lab_id=lab.id, starts_on=date(2026, 3, 25), ends_on=date(2026, 3, 25))
        assert Booking.objects.get(pk=booking.pk).status == "active"

    def test_closure_delete_is_staff_only(self, user, staff_user, lab):
        closure = LabClosure.objects.create(lab=lab, starts_on=date(2026, 3, 26), ends_on=date(2026, 3, 26))
        assert error_code(lambda: services.closure_delete(actor=user, closure_id=closure.id)) == (
            403,
            "permission_denied",
        )
        services.closure_delete(actor=staff_user, closure_id=closure.id)
        assert not LabClosure.objects.exists()
        assert error_code(lambda: services.closure_delete(actor=staff_user, closure_id=closure.id)) == (
            404,
            "not_found",
        )
