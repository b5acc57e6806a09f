"""Builders for the security tables: the owners' objects of every domain, made
the way the domains make them (services where a counter or a seat is
involved, factories for plain rows).

Only ``tests.factories.catalog.CourseFactory`` makes courses here: the
engagement/assessment factories' own ``CourseFactory`` shares its slug
sequence, so every factory below is given its course explicitly.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.assessment.models import Assessment, Submission
from apps.catalog.models import Course
from apps.commerce.models import Order, Sponsor, SponsorMember, Sponsorship
from apps.commerce.services.cart import cart_add_item
from apps.commerce.services.checkout import CardPayment, order_checkout
from apps.engagement.models import Answer, Question
from apps.identity.models import User
from apps.labs import services as lab_services
from apps.labs.models import Booking, Lab
from apps.learning.models import Enrollment
from tests.factories.assessment import AssessmentFactory, ChoiceItemFactory, TextItemFactory
from tests.factories.catalog import CourseFactory, CourseInstructorFactory, LessonFactory, ResourceFactory
from tests.factories.commerce import PaidCourseFactory, SponsorFactory, SponsorMemberFactory, SponsorshipFactory
from tests.factories.engagement import AnswerFactory, QuestionFactory
from tests.factories.labs import LabFactory, local
from tests.factories.learning import EnrollmentFactory


def idempotency_key() -> dict:
    """A fresh ``Idempotency-Key`` header for an APIClient call."""
    return {"HTTP_IDEMPOTENCY_KEY": f"security-{uuid.uuid4().hex}"}


def marker(what: str) -> str:
    """A string unique to this test, to look for in responses."""
    return f"{what} {uuid.uuid4().hex[:12]}"


# --- Courses and roles -------------------------------------------------------------


def course(**overrides) -> Course:
    return CourseFactory(**overrides)


def enroll(user: User, course: Course, **overrides) -> Enrollment:
    return EnrollmentFactory(user=user, course=course, **overrides)


def teach(user: User, course: Course) -> None:
    CourseInstructorFactory(user=user, course=course)


def classroom(*learners: User) -> Course:
    """A published course with these learners enrolled (active)."""
    result = course()
    for learner in learners:
        enroll(learner, result)
    return result


def enrollment_of(owner: User) -> Enrollment:
    enrollment = enroll(owner, course())
    LessonFactory(section__course=enrollment.course)
    return enrollment


def only_enrollment(owner: User) -> Enrollment:
    return Enrollment.objects.get(user=owner)


# --- Q&A ----------------------------------------------------------------------------


def question_of(owner: User, *, in_course: Course | None = None, **overrides) -> Question:
    """A question by ``owner`` in a course they are enrolled in."""
    where = in_course or classroom(owner)
    return QuestionFactory(course=where, author=owner, title=marker("Owner's question"), **overrides)


def answer_to(question: Question, author: User, **overrides) -> Answer:
    answer = AnswerFactory(question=question, author=author, body=marker("An answer"), **overrides)
    Question.objects.filter(pk=question.pk).update(answer_count=1)
    return answer


def only_question(owner: User) -> Question:
    return Question.objects.get(author=owner)


def only_answer(owner: User) -> Answer:
    return Answer.objects.get(author=owner)


# --- Assessments --------------------------------------------------------------------


def assessment_in(course: Course, **overrides) -> Assessment:
    """A published assessment with a choice item and a text item (whose key is ``TEXT_KEY``)."""
    assessment = AssessmentFactory(course=course, title=marker("Assessment"), **overrides)
    ChoiceItemFactory(assessment=assessment, prompt=marker("Choice prompt"))
    TextItemFactory(assessment=assessment)
    return assessment


def submission_of(owner: User, *, in_course: Course | None = None) -> Submission:
    """A graded submission (score 5 of 10) by ``owner``, with a distinctive text answer."""
    where = in_course or classroom(owner)
    if not Enrollment.objects.filter(user=owner, course=where).exists():
        enroll(owner, where)
    assessment = assessment_in(where)
    text_item = assessment.items.get(kind="text")
    return Submission.objects.create(
        assessment=assessment,
        course=where,
        user=owner,
        answers={str(text_item.pk): marker("Owner's essay")},
        status=Submission.Status.GRADED,
        score=Decimal("5"),
        submitted_at=timezone.now(),
    )


def only_submission(owner: User) -> Submission:
    return Submission.objects.get(user=owner)


# --- Commerce -----------------------------------------------------------------------


def paid_order_of(owner: User, *, course: Course | None = None) -> Order:
    """A real checkout through the sandbox: the owner pays 49.00 USD and is enrolled."""
    bought = course or PaidCourseFactory()
    cart_add_item(actor=owner, course_id=bought.pk)
    return order_checkout(
        actor=owner, idempotency_key=f"order-{uuid.uuid4().hex}", payment=CardPayment(method="card", token="tok_visa")
    )


def only_order(owner: User) -> Order:
    return Order.objects.get(user=owner)


def sponsor_of(owner: User, **overrides) -> Sponsor:
    sponsor = SponsorFactory(name=marker("Sponsor"), contact_email=f"{uuid.uuid4().hex[:10]}@sponsor.test", **overrides)
    SponsorMemberFactory(sponsor=sponsor, user=owner, role=SponsorMember.Role.OWNER)
    return sponsor


def sponsorship_of(owner: User, **overrides) -> Sponsorship:
    return SponsorshipFactory(sponsor=sponsor_of(owner), **overrides)


# --- Labs -----------------------------------------------------------------------------


def slot(lab: Lab, *, days_ahead: int = 2, hour: int = 10):
    """The UTC start of a future slot of a ``LabFactory`` lab (open 09:00-17:00 local, every day)."""
    day = (timezone.now() + timedelta(days=days_ahead)).date()
    return local(lab, day.year, day.month, day.day, hour)


def lab(**overrides) -> Lab:
    return LabFactory(**overrides)


def booking_of(owner: User, *, on: Lab | None = None, hour: int = 10) -> Booking:
    where = on or lab()
    return lab_services.booking_create(actor=owner, lab_id=where.pk, start=slot(where, hour=hour))


def only_booking(owner: User) -> Booking:
    return Booking.objects.get(user=owner)


def resource_in(course: Course):
    return ResourceFactory(
        course=course, title=marker("Resource"), url=f"https://owner-only.example/{uuid.uuid4().hex}"
    )
