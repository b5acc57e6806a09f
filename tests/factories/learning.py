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


def bulk_enrollments(*, learners: int, courses: list, status: str = Enrollment.Status.ACTIVE) -> list[Enrollment]:
    """``learners`` x ``len(courses)`` enrollments (and their users), inserted in bulk."""
    from apps.identity.models import User

    users = User.objects.bulk_create(
        [User(email=f"bulk{n:06d}@learners.example.test", display_name=f"Bulk {n}") for n in range(learners)],
        batch_size=2_000,
    )
    return Enrollment.objects.bulk_create(
        [Enrollment(user=user, course=course, status=status) for user in users for course in courses],
        batch_size=2_000,
    )
