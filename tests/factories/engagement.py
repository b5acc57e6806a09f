import factory

from apps.engagement.models import Answer, Question
from tests.factories.courses import CourseFactory
from tests.factories.identity import UserFactory


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    course = factory.SubFactory(CourseFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Question {n}?")
    body = "How does this work?"


class AnswerFactory(factory.django.DjangoModelFactory):
    """Bypasses the service: ``answer_count`` is not touched (set it yourself)."""

    class Meta:
        model = Answer

    question = factory.SubFactory(QuestionFactory)
    course = factory.SelfAttribute("question.course")
    author = factory.SubFactory(UserFactory)
    body = "Like this."
