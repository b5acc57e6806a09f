import factory
from django.utils import timezone

from apps.catalog.models import Category, Course, CourseInstructor, Lesson, Resource, Section


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")


class CourseFactory(factory.django.DjangoModelFactory):
    """A published free course with unlimited seats, open for enrollment."""

    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    summary = "A course."
    price = 0
    status = Course.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class DraftCourseFactory(CourseFactory):
    status = Course.Status.DRAFT
    published_at = None


class CourseInstructorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseInstructor

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory("tests.factories.identity.UserFactory")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Section {n}")
    position = factory.Sequence(lambda n: n)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    section = factory.SubFactory(SectionFactory)
    course = factory.LazyAttribute(lambda lesson: lesson.section.course)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    kind = Lesson.Kind.READING
    duration_minutes = 10
    content = factory.Sequence(lambda n: f"Secret content {n}")
    position = factory.Sequence(lambda n: n)


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Resource {n}")
    kind = Resource.Kind.LINK
    url = "https://example.test/slides.pdf"
