"""Reminder and cancellation emails: sent once per booking, however often the
tasks run. Time is frozen at Wednesday 2026-03-25 08:00 UTC."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail

from apps.labs import services
from apps.labs.jobs import send_booking_reminder, send_booking_reminders
from apps.labs.models import Booking
from apps.labs.tasks import send_booking_cancelled
from deltalabs.models import OutboundEmail
from tests.factories.identity import UserFactory
from tests.factories.labs import LabFactory

pytestmark = pytest.mark.django_db

IN_23_HOURS = datetime(2026, 3, 26, 7, 0, tzinfo=UTC)  # 08:00 Berlin tomorrow
IN_25_HOURS = datetime(2026, 3, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def lab(db):
    return LabFactory(name="Robotics Lab", location="Room 2.14", hours=[(3, "08:00", "17:00")])  # Thursdays


def test_reminders_go_to_bookings_within_24_hours_once_even_if_the_task_runs_twice(lab):
    # given
    soon = [services.booking_create(actor=UserFactory(), lab_id=lab.id, start=IN_23_HOURS) for _ in range(2)]
    later = services.booking_create(actor=UserFactory(), lab_id=lab.id, start=IN_25_HOURS)
    cancelled = services.booking_create(actor=UserFactory(), lab_id=lab.id, start=IN_23_HOURS + timedelta(hours=1))
    services.booking_cancel(actor=cancelled.user, booking_id=cancelled.id)

    # when
    send_booking_reminders()
    send_booking_reminders()

    # then
    assert sorted(m.to[0] for m in mail.outbox) == sorted(b.user.email for b in soon)
    assert all("Robotics Lab" in m.subject and "Thursday 26 March 2026, 08:00-09:00" in m.body for m in mail.outbox)
    assert all("Room 2.14" in m.body for m in mail.outbox)
    assert Booking.objects.get(pk=later.pk).reminder_sent_at is None
    assert set(Booking.objects.filter(pk__in=[b.pk for b in soon]).values_list("reminder_sent_at", flat=True)) == {
        datetime(2026, 3, 25, 8, 0, tzinfo=UTC)
    }


def test_a_booking_entering_the_24_hour_window_is_reminded_on_a_later_run(lab, frozen_now):
    booking = services.booking_create(actor=UserFactory(), lab_id=lab.id, start=IN_25_HOURS)
    send_booking_reminders()
    assert mail.outbox == []

    frozen_now.move_to(IN_25_HOURS - timedelta(hours=23, minutes=45))
    send_booking_reminders()

    assert [m.to for m in mail.outbox] == [[booking.user.email]]


def test_the_losing_run_of_a_race_sends_nothing(lab):
    booking = services.booking_create(actor=UserFactory(), lab_id=lab.id, start=IN_23_HOURS)

    assert send_booking_reminder(booking_id=str(booking.id)) is True
    assert send_booking_reminder(booking_id=str(booking.id)) is False
    assert len(mail.outbox) == 1


def test_a_failed_send_releases_the_claim_so_the_retry_sends_it(lab, monkeypatch):
    booking = services.booking_create(actor=UserFactory(), lab_id=lab.id, start=IN_23_HOURS)

    def smtp_down(self, fail_silently=False):
        raise ConnectionError("smtp down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMultiAlternatives.send", smtp_down)
        with pytest.raises(ConnectionError):
            send_booking_reminder(booking_id=str(booking.id))
    assert Booking.objects.get(pk=booking.pk).reminder_sent_at is None

    assert send_booking_reminder(booking_id=str(booking.id)) is True
    assert len(mail.outbox) == 1
    assert OutboundEmail.objects.filter(key=f"booking-reminder:{booking.id}", status="sent").count() == 1


def test_the_cancellation_notice_is_sent_once(lab, staff_user):
    booking = services.booking_create(actor=UserFactory(), lab_id=lab.id, start=IN_23_HOURS)
    services.booking_cancel(actor=staff_user, booking_id=booking.id)  # on_commit not run in this test transaction

    send_booking_cancelled(booking_id=str(booking.id))
    send_booking_cancelled(booking_id=str(booking.id))

    assert [m.to for m in mail.outbox] == [[booking.user.email]]
    assert "was cancelled" in mail.outbox[0].subject


def test_no_cancellation_notice_for_an_active_booking(lab):
    booking = services.booking_create(actor=UserFactory(), lab_id=lab.id, start=IN_23_HOURS)
    assert send_booking_cancelled(booking_id=str(booking.id)) is False
    assert mail.outbox == []


def test_the_reminder_task_is_on_the_beat_schedule():
    from config.celery import app

    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "apps.labs.jobs.send_booking_reminders" in entries
    assert "apps.labs.jobs.send_booking_reminders" in app.tasks
