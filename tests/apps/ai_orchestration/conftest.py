"""A small, fixed world for the assistant: a catalogue, three labs, a learner
in Berlin, and a clock stopped on Wednesday 11 March 2026, 10:30 in Berlin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine

from apps.catalog.models import Course
from apps.labs.models import Lab, LabOpeningHours
from tests.factories.catalog import CourseFactory, LessonFactory, SectionFactory
from tests.factories.identity import UserFactory

NOW = datetime(2026, 3, 11, 9, 30, tzinfo=UTC)  # Wednesday, 10:30 in Berlin (UTC+1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def learner(db):
    return UserFactory(timezone="Europe/Berlin")


@dataclass
class Catalogue:
    python_basics: Course
    advanced_python: Course
    data_science: Course
    intro_robotics: Course
    robotics_workshop: Course
    machine_learning: Course
    web_django: Course

    def by_title(self) -> dict[str, Course]:
        return {course.title: course for course in vars(self).values()}


def _course(title: str, slug: str, *, level: str, price: str = "0", days_ago: int, **extra) -> Course:
    course = CourseFactory(
        title=title,
        slug=slug,
        summary=f"{title}, a {level} course.",
        level=level,
        price=Decimal(price),
        published_at=NOW - timedelta(days=days_ago),
        **extra,
    )
    section = SectionFactory(course=course, title="Start here", position=0)
    for position in range(4):
        LessonFactory(section=section, course=course, title=f"{title} lesson {position + 1}", position=position)
    return course


@pytest.fixture
def catalogue(db) -> Catalogue:
    return Catalogue(
        python_basics=_course("Python Basics", "python-basics", level="beginner", days_ago=1),
        advanced_python=_course("Advanced Python", "advanced-python", level="advanced", price="49.00", days_ago=2),
        data_science=_course("Data Science 101", "data-science-101", level="intermediate", days_ago=3),
        intro_robotics=_course("Intro to Robotics", "intro-to-robotics", level="beginner", days_ago=4),
        robotics_workshop=_course(
            "Robotics Workshop", "robotics-workshop", level="beginner", days_ago=5, capacity=1, seats_taken=1
        ),
        machine_learning=_course(
            "Machine Learning Fundamentals", "ml-fundamentals", level="intermediate", price="99.00", days_ago=6
        ),
        web_django=_course("Web Development with Django", "web-django", level="intermediate", days_ago=7),
    )


@dataclass
class Labs:
    robotics: Lab
    chemistry: Lab
    gpu: Lab


def make_lab(
    name: str, slug: str, *, zone: str = "Europe/Berlin", kind: str = "physical", days=range(5), **extra
) -> Lab:
    lab = Lab.objects.create(name=name, slug=slug, timezone=zone, kind=kind, slot_minutes=60, capacity=50, **extra)
    LabOpeningHours.objects.bulk_create(
        [LabOpeningHours(lab=lab, weekday=day, opens_at=time(9), closes_at=time(17)) for day in days]
    )
    return lab


@pytest.fixture
def labs(db) -> Labs:
    return Labs(
        robotics=make_lab("Robotics Lab", "robotics-lab"),
        chemistry=make_lab("Chemistry Lab", "chemistry-lab"),
        gpu=make_lab("Virtual GPU Lab", "virtual-gpu-lab", zone="UTC", kind="virtual", days=range(7)),
    )
