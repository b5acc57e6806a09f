import factory

from apps.learning.models import Enrollment, LessonProgress


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """An enrollment row written directly (no seat counted): for read tests.
    Tests about seats go through the services."""

    class Meta:
        model = Enrollment

    user = factory.SubFactory("tests.factories.identity.UserFactory")
    course = factory.SubFactory("tests.factories.catalog.CourseFactory")
    status = Enrollment.Status.ACTIVE
    source = Enrollment.Source.SELF


class LessonProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonProgress

    enrollment = factory.SubFactory(EnrollmentFactory)
    lesson = factory.SubFactory("tests.factories.catalog.LessonFactory")
    completed = True
