"""Decimals read back with their field's places on every engine.

SQL engines round a ``DecimalField`` to its ``decimal_places``; on MongoDB the
project's engine (``deltalabs.mongodb``) does the same on write and on read,
so text made from a decimal (audit entries, emails, assistant replies) is the
same everywhere. Part of ``make test-mongo``, where it is the real check.
"""

from decimal import Decimal

import pytest

from apps.catalog.models import Course
from tests.factories.catalog import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("written", [Decimal("49"), Decimal("49.0"), 49, Decimal("48.999")])
def test_a_price_reads_back_with_two_places(written):
    course = CourseFactory(price=written)
    assert str(Course.objects.values_list("price", flat=True).get(pk=course.pk)) == "49.00"
    course.refresh_from_db()
    assert str(course.price) == "49.00"


def test_an_update_by_queryset_keeps_the_places():
    course = CourseFactory(price=Decimal("10.00"))
    Course.objects.filter(pk=course.pk).update(price=Decimal("12.5"))
    assert str(Course.objects.get(pk=course.pk).price) == "12.50"
