from decimal import Decimal

import factory
from django.utils import timezone

from apps.assessment.models import Assessment, AssessmentItem, Submission
from tests.factories.courses import CourseFactory
from tests.factories.identity import UserFactory

# Distinctive answer keys, so tests can look for them in any response text.
TEXT_KEY = "SECRET-MODEL-ANSWER-7f3a"


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Assessment {n}")
    kind = Assessment.Kind.QUIZ
    weight = Decimal("1")
    max_score = Decimal("10")
    is_published = True


class ChoiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentItem

    assessment = factory.SubFactory(AssessmentFactory)
    position = factory.Sequence(lambda n: n)
    kind = AssessmentItem.Kind.CHOICE
    prompt = factory.Sequence(lambda n: f"Pick one ({n})")
    choices = factory.LazyFunction(lambda: ["alpha", "beta", "gamma", "delta"])
    answer_key = factory.LazyFunction(lambda: [2])
    points = Decimal("1")


class TextItemFactory(ChoiceItemFactory):
    kind = AssessmentItem.Kind.TEXT
    prompt = "Explain in your own words."
    choices = factory.LazyFunction(list)
    answer_key = TEXT_KEY


class SubmissionFactory(factory.django.DjangoModelFactory):
    """Bypasses the service: a graded submission with the given score."""

    class Meta:
        model = Submission

    assessment = factory.SubFactory(AssessmentFactory)
    course = factory.SelfAttribute("assessment.course")
    user = factory.SubFactory(UserFactory)
    answers = factory.LazyFunction(dict)
    status = Submission.Status.GRADED
    score = Decimal("5")
    submitted_at = factory.LazyFunction(timezone.now)
