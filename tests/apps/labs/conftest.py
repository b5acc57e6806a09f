"""Labs tests run at a fixed instant: Wednesday 2026-03-25 08:00 UTC (09:00 in Berlin)."""

from datetime import UTC, datetime

import pytest
import time_machine

from apps.catalog.models import Course
from apps.learning.models import Enrollment

NOW = datetime(2026, 3, 25, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def course(db):
    return Course.objects.create(slug="intro-electronics", title="Intro to Electronics", status="published")


def enroll(user, course, status="active"):
    return Enrollment.objects.create(user=user, course=course, status=status)
