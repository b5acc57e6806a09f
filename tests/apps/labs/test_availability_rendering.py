"""The availability answer is what the reference path (the service's result
through ``AvailabilityOutput``, rendered by DRF's JSONRenderer) answers, byte
for byte: days with bookings, closures, slots already started, both
daylight-saving days, several time zones."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.renderers import JSONRenderer

from apps.labs import outputs, services
from apps.labs.models import LabClosure
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
