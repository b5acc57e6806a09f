"""The staff cockpit for labs: lists, filters, the day view, and closures and
cancellations that go through the services."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.core import mail

from apps.labs import services
from apps.labs.models import Booking, LabClosure, LabSlot
from tests.factories.identity import UserFactory
from tests.factories.labs import LabFactory

pytestmark = pytest.mark.django_db

THURSDAY_10 = datetime(2026, 3, 26, 9, 0, tzinfo=UTC)  # 10:00 Berlin


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def lab(db):
    return LabFactory(name="Robotics Lab", hours=[(3, "09:00", "17:00")])


@pytest.fixture
def booking(lab):
    return services.booking_create(actor=UserFactory(email="ada@example.test"), lab_id=lab.id, start=THURSDAY_10)


def lab_form(lab, **extra) -> dict:
    hours = list(lab.opening_hours.all())
    data = {
        "name": lab.name,
        "slug": lab.slug,
        "kind": lab.kind,
        "location": lab.location,
        "description": lab.description,
        "is_active": "on",
        "timezone": lab.timezone,
        "slot_minutes": lab.slot_minutes,
        "capacity": lab.capacity,
        "required_course": "",
        "opening_hours-TOTAL_FORMS": len(hours),
        "opening_hours-INITIAL_FORMS": len(hours),
        "closures-TOTAL_FORMS": 0,
        "closures-INITIAL_FORMS": 0,
    }
    for index, hours_row in enumerate(hours):
        data |= {
            f"opening_hours-{index}-id": hours_row.id,
            f"opening_hours-{index}-lab": lab.id,
            f"opening_hours-{index}-weekday": hours_row.weekday,
            f"opening_hours-{index}-opens_at": hours_row.opens_at.strftime("%H:%M"),
            f"opening_hours-{index}-closes_at": hours_row.closes_at.strftime("%H:%M"),
        }
    return data | extra


def test_lab_pages_render_with_the_day_view_link(admin_client, lab):
    assert admin_client.get("/admin/labs/lab/").status_code == 200
    change = admin_client.get(f"/admin/labs/lab/{lab.id}/change/")
    assert change.status_code == 200
    assert f"/admin/labs/lab/{lab.id}/day/" in change.content.decode()


def test_day_view_shows_slots_occupancy_and_learners(admin_client, lab, booking):
    response = admin_client.get(f"/admin/labs/lab/{lab.id}/day/?date=2026-03-26")

    assert response.status_code == 200
    page = response.content.decode()
    assert "10:00&ndash;11:00" in page  # local time
    assert "09:00&ndash;10:00" in page  # and UTC
    assert "ada@example.test" in page
    assert "counter drift" not in page
    assert response.context["seats_booked"] == 1 and response.context["seats_total"] == 16


def test_day_view_flags_a_counter_that_disagrees_with_bookings(admin_client, lab, booking):
    LabSlot.objects.filter(lab=lab).update(booked=2)
    page = admin_client.get(f"/admin/labs/lab/{lab.id}/day/?date=2026-03-26").content.decode()
    assert "counter drift" in page


def test_day_view_tolerates_a_bad_date_and_hides_from_non_staff(admin_client, client, lab):
    assert admin_client.get(f"/admin/labs/lab/{lab.id}/day/?date=soon").status_code == 200
    client.force_login(UserFactory())
    assert client.get(f"/admin/labs/lab/{lab.id}/day/").status_code == 302  # to the admin login


def test_a_closure_added_inline_cancels_bookings_through_the_service(
    admin_client, lab, booking, django_capture_on_commit_callbacks
):
    data = lab_form(
        lab,
        **{
            "closures-TOTAL_FORMS": 1,
            "closures-0-lab": lab.id,
            "closures-0-starts_on": "2026-03-26",
            "closures-0-ends_on": "2026-03-26",
            "closures-0-reason": "Flooding",
        },
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/labs/lab/{lab.id}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert LabClosure.objects.get(lab=lab).reason == "Flooding"
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"
    assert LabSlot.objects.get(lab=lab).booked == 0
    assert [m.to for m in mail.outbox] == [["ada@example.test"]]


def test_overlapping_opening_ranges_are_refused(admin_client, lab):
    data = lab_form(
        lab,
        **{
            "opening_hours-TOTAL_FORMS": 2,
            "opening_hours-1-lab": lab.id,
            "opening_hours-1-weekday": 3,
            "opening_hours-1-opens_at": "16:00",
            "opening_hours-1-closes_at": "18:00",
        },
    )
    response = admin_client.post(f"/admin/labs/lab/{lab.id}/change/", data)
    assert response.status_code == 200
    assert "overlap" in response.content.decode()
    assert lab.opening_hours.count() == 1


def test_closure_admin_add_goes_through_the_service(admin_client, lab, booking):
    response = admin_client.post(
        "/admin/labs/labclosure/add/",
        {"lab": lab.id, "starts_on": "2026-03-26", "ends_on": "2026-03-27", "reason": "Audit"},
    )
    assert response.status_code == 302
    assert LabClosure.objects.get().ends_on == date(2026, 3, 27)
    assert Booking.objects.get(pk=booking.pk).cancel_reason == "closure"
    assert admin_client.get("/admin/labs/labclosure/").status_code == 200


@pytest.mark.parametrize(("starts_on", "ends_on"), [("9999-12-30", "9999-12-31"), ("0001-01-01", "0001-01-02")])
def test_a_closure_at_the_calendars_edge_is_a_form_error(admin_client, lab, starts_on, ends_on):
    added = admin_client.post(
        "/admin/labs/labclosure/add/", {"lab": lab.id, "starts_on": starts_on, "ends_on": ends_on, "reason": "x"}
    )
    assert added.status_code == 200 and "Dates run from 1900-01-01 to 9000-12-31." in added.content.decode()
    inline = admin_client.post(
        f"/admin/labs/lab/{lab.id}/change/",
        lab_form(
            lab,
            **{
                "closures-TOTAL_FORMS": 1,
                "closures-0-lab": lab.id,
                "closures-0-starts_on": starts_on,
                "closures-0-ends_on": ends_on,
                "closures-0-reason": "x",
            },
        ),
    )
    assert inline.status_code == 200 and "Dates run from 1900-01-01 to 9000-12-31." in inline.content.decode()
    assert not LabClosure.objects.exists()


def test_bookings_list_filters_by_lab_and_day_and_searches(admin_client, lab, booking):
    other = services.booking_create(actor=UserFactory(), lab_id=LabFactory().id, start=THURSDAY_10)

    by_lab_and_day = admin_client.get(
        f"/admin/labs/booking/?lab__id__exact={lab.id}&start__year=2026&start__month=3&start__day=26"
    )
    assert by_lab_and_day.status_code == 200
    assert list(by_lab_and_day.context["cl"].result_list) == [booking]
    assert admin_client.get("/admin/labs/booking/?start__year=2026").status_code == 200
    searched = admin_client.get("/admin/labs/booking/?q=ada@example")
    assert list(searched.context["cl"].result_list) == [booking]
    assert other not in searched.context["cl"].result_list
    assert admin_client.get(f"/admin/labs/booking/{booking.id}/change/").status_code == 200


def test_cancel_action_uses_the_service(admin_client, lab, booking, django_capture_on_commit_callbacks):
    started = Booking.objects.create(
        user=UserFactory(),
        lab=lab,
        start=datetime(2026, 3, 24, 9, tzinfo=UTC),
        end=datetime(2026, 3, 24, 10, tzinfo=UTC),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/labs/booking/",
            {"action": "cancel_bookings", "_selected_action": [booking.id, started.id]},
            follow=True,
        )

    assert response.status_code == 200
    assert Booking.objects.get(pk=booking.pk).cancel_reason == "staff"
    assert Booking.objects.get(pk=started.pk).status == "active"
    assert "booking_started" in response.content.decode()
    assert LabSlot.objects.get(lab=lab, start=THURSDAY_10).booked == 0
    assert [m.to for m in mail.outbox] == [["ada@example.test"]]


def test_csv_export_of_bookings(admin_client, booking):
    response = admin_client.post("/admin/labs/booking/", {"action": "export_csv", "_selected_action": [booking.id]})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["id", "lab__name", "user__email"]
    assert rows[1][1:3] == ["Robotics Lab", "ada@example.test"]
