"""Minimal catalog/learning factories the engagement and assessment tests need.

Kept apart from the catalog helper's factories (the lead reconciles them).
"""

import factory
from django.utils import timezone

from apps.catalog.models import Course, CourseInstructor, Lesson, Section
from apps.learning.models import Enrollment
from tests.factories.identity import UserFactory


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    status = Course.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class CourseInstructorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseInstructor

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory(UserFactory)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Section {n}")


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    section = factory.SubFactory(SectionFactory)
    course = factory.SelfAttribute("section.course")
    title = factory.Sequence(lambda n: f"Lesson {n}")


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory(UserFactory)
    status = Enrollment.Status.ACTIVE
