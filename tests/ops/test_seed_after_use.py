"""``make run`` after a session of real use: the seed (what ``make run`` runs before
serving) starts again on that database and adds nothing.

The session goes through the domain services, as the API and the admin would: new
learners register and fill the small workshop, join the full course's waitlist and
leave it, staff cancel seats (promoting the waitlist), courses are bought, one
checkout is declined, orders are refunded (seeded ones too), labs are booked and
cancelled, questions, answers and submissions are written. Then ``manage.py seed
--size small`` runs again: no error, no row count changes in any table, and the
counters still match the rows.
"""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from apps.assessment import services as assessment_services
from apps.assessment.models import Assessment
from apps.catalog.models import Course
from apps.catalog.seeding import FREE_COURSE_SLUG, FULL_COURSE_SLUG, PAID_COURSE_SLUG, WORKSHOP_SLUG
from apps.commerce.models import Order
from apps.commerce.payments import PaymentProviderError, SandboxProvider
from apps.commerce.services import cart as cart_services
from apps.commerce.services import orders as order_services
from apps.commerce.services.checkout import CardPayment, order_checkout
from apps.engagement import services as engagement_services
from apps.identity.models import User
from apps.identity.services import user_register
from apps.labs import services as lab_services
from apps.labs.models import Booking, Lab, LabSlot
from apps.learning import services as learning_services
from apps.learning.models import Enrollment
from deltalabs.errors import ApplicationError
from tests.factories.identity import StaffFactory

pytestmark = pytest.mark.django_db

NEWCOMERS = 14


class Session:
    """Runs service calls as a user would: refusals are part of using the app, counted apart."""

    def __init__(self) -> None:
        self.done: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()

    def attempt(self, what: str, call: Callable[[], object]):
        try:
            result = call()
        except ApplicationError as exc:
            self.refused[f"{what}:{exc.code}"] += 1
            return None
        self.done[what] += 1
        return result


def seed() -> str:
    out = io.StringIO()
    call_command("seed", size="small", no_progress=True, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def use_the_app() -> Session:
    session = Session()
    staff = StaffFactory(is_superuser=True)
    courses = {course.slug: course for course in Course.objects.filter(status=Course.Status.PUBLISHED)}
    newcomers = [
        user_register(email=f"newcomer{n}@example.org", password="Sturdy-pass-2026", display_name=f"Newcomer {n}")[0]
        for n in range(NEWCOMERS)
    ]
    demo = User.objects.get(email="learner00001@learners.deltalabs.example")
    enroll = learning_services.enrollment_create

    # The workshop fills up; the full course's waitlist grows.
    for user in newcomers:
        session.attempt("enroll workshop", lambda u=user: enroll(actor=u, course_id=courses[WORKSHOP_SLUG].pk))
    for user in newcomers[:5]:
        session.attempt(
            "waitlist", lambda u=user: enroll(actor=u, course_id=courses[FULL_COURSE_SLUG].pk, waitlist=True)
        )
    # Staff free two seats of the full course (the waitlist moves up), learners leave it.
    full_seats = Enrollment.objects.filter(course=courses[FULL_COURSE_SLUG], status="active").order_by("enrolled_at")
    for enrollment in list(full_seats[:2]):
        session.attempt(
            "staff cancel", lambda e=enrollment: learning_services.enrollment_cancel(actor=staff, enrollment_id=e.pk)
        )
    for user in [newcomers[4], demo]:
        waiting = Enrollment.objects.filter(user=user, course=courses[FULL_COURSE_SLUG], status="waitlisted").first()
        if waiting is not None:
            session.attempt(
                "leave waitlist",
                lambda u=user, e=waiting: learning_services.enrollment_cancel(actor=u, enrollment_id=e.pk),
            )
    # Newcomers join every free course that is open, some leave again; the demo learner too.
    for course in courses.values():
        if course.is_free:
            for user in [*newcomers, demo]:
                session.attempt("enroll free", lambda u=user, c=course: enroll(actor=u, course_id=c.pk))
    for enrollment in Enrollment.objects.filter(user__in=newcomers[:3], status="active", course__slug=FREE_COURSE_SLUG):
        session.attempt(
            "cancel", lambda e=enrollment: learning_services.enrollment_cancel(actor=e.user, enrollment_id=e.pk)
        )
    _shop(session, staff, newcomers, demo, courses)
    _labs(session, [*newcomers, demo])
    _talk_and_submit(session, newcomers, courses)
    return session


def _shop(session, staff, newcomers, demo, courses) -> None:
    paid = [course for course in courses.values() if not course.is_free]
    for number, user in enumerate([*newcomers[:6], demo]):
        for course in paid[number % len(paid) :][:2]:
            session.attempt(
                "add to cart", lambda u=user, c=course: cart_services.cart_add_item(actor=u, course_id=c.pk)
            )
        tokens = ["tok_visa"]
        declined_once = any(key.startswith("checkout tok_declined") for key in session.refused)
        if cart_services.cart_get(actor=user).item_count and not declined_once:
            tokens = ["tok_declined", "tok_visa"]  # declined once, then paid (the cart reopens)
        for token in tokens:
            session.attempt(
                f"checkout {token}",
                lambda u=user, t=token: order_checkout(
                    actor=u, idempotency_key=f"session-{u.pk}-{t}", payment=CardPayment(method="card", token=t)
                ),
            )
    # A checkout whose outcome the provider cannot tell: the order stays pending and holds its seats.
    stuck = newcomers[7]
    for course in paid[:2]:
        session.attempt("add to cart", lambda c=course: cart_services.cart_add_item(actor=stuck, course_id=c.pk))
    with _provider_unreachable():
        session.attempt(
            "checkout left pending",
            lambda: order_checkout(
                actor=stuck, idempotency_key="session-stuck", payment=CardPayment(method="card", token="tok_timeout")
            ),
        )
    bought = Order.objects.filter(user__in=newcomers[:2], status="paid")
    seeded_paid = Order.objects.filter(status="paid", user__email__endswith="@learners.deltalabs.example")[:2]
    for order in [*bought, *seeded_paid]:
        session.attempt(
            "refund", lambda o=order: order_services.order_refund(actor=staff, order_id=o.pk, reason="test")
        )
    assert courses[PAID_COURSE_SLUG].pk  # the paid showcase course exists


@contextlib.contextmanager
def _provider_unreachable():
    """The sandbox cannot answer whether it charged (a lost answer, then a failed lookup)."""

    def lookup_fails(self, **kwargs):
        raise PaymentProviderError("sandbox: simulated lookup failure")

    original = SandboxProvider.lookup_charge
    SandboxProvider.lookup_charge = lookup_fails
    try:
        yield
    finally:
        SandboxProvider.lookup_charge = original


def _labs(session, users) -> None:
    today = timezone.now().date()
    for lab in Lab.objects.filter(is_active=True).order_by("name"):
        availability = lab_services.lab_availability(
            actor=users[0], lab_id=lab.pk, date_from=today + timedelta(days=1), date_to=today + timedelta(days=14)
        )
        open_slots = [slot for slot in availability.slots if slot.available > 0]
        for user, slot in zip(users, open_slots[::3], strict=False):
            booking = session.attempt(
                "book",
                lambda u=user, s=slot, lab_=lab: lab_services.booking_create(actor=u, lab_id=lab_.pk, start=s.start),
            )
            if booking is not None and session.done["book"] % 3 == 0:
                session.attempt(
                    "cancel booking", lambda u=user, b=booking: lab_services.booking_cancel(actor=u, booking_id=b.pk)
                )


def _talk_and_submit(session, newcomers, courses) -> None:
    author, replier = newcomers[5], newcomers[6]
    for course in courses.values():
        if not course.is_free:
            continue
        question = session.attempt(
            "ask",
            lambda c=course: engagement_services.question_create(
                actor=author, course_id=c.pk, title="How do I start?", body="Where is the first exercise?"
            ),
        )
        if question is not None:
            session.attempt(
                "answer",
                lambda c=course, q=question: engagement_services.answer_create(
                    actor=replier, course_id=c.pk, question_id=q.pk, body="In the first section."
                ),
            )
        for assessment in Assessment.objects.filter(course=course, is_published=True):
            session.attempt(
                "submit",
                lambda a=assessment: assessment_services.submission_create(
                    actor=author, assessment_id=a.pk, answers={}
                ),
            )


def assert_counters_match_rows() -> None:
    seats = Counter(
        dict(
            Enrollment.objects.filter(status__in=["active", "completed", "pending"])
            .values("course_id")
            .annotate(n=Count("id"))
            .values_list("course_id", "n")
        )
    )
    for course in Course.objects.all():
        positions = sorted(
            Enrollment.objects.filter(course=course, status="waitlisted").values_list("waitlist_position", flat=True)
        )
        assert course.seats_taken == seats[course.pk], course.slug
        assert course.capacity is None or course.seats_taken <= course.capacity, course.slug
        assert course.waitlist_length == len(positions) and positions == list(range(1, len(positions) + 1)), course.slug
    booked = Counter(Booking.objects.filter(status="active").values_list("lab_id", "start"))
    for slot in LabSlot.objects.all():
        assert slot.booked == booked[(slot.lab_id, slot.start)], slot


def test_the_seed_adds_nothing_after_heavy_use_and_keeps_the_counters():
    seed()
    session = use_the_app()
    # the session really did each kind of thing
    for what in ("enroll workshop", "waitlist", "staff cancel", "leave waitlist", "enroll free", "cancel", "refund"):
        assert session.done[what] >= 1, (what, session.done, session.refused)
    assert session.done["checkout tok_visa"] >= 3, (session.done, session.refused)
    assert session.refused["checkout tok_declined:payment_declined"] == 1, (session.done, session.refused)
    assert session.refused["enroll workshop:course_full"] >= 1  # the workshop filled up
    assert session.refused["checkout left pending:payment_provider_error"] == 1, session.refused
    assert Order.objects.filter(status="pending").count() == 1
    assert session.done["book"] >= 3 and session.done["cancel booking"] >= 1
    assert session.done["ask"] >= 1 and session.done["answer"] >= 1 and session.done["submit"] >= 1
    assert_counters_match_rows()
    before = row_counts()

    seed()  # what the next `make run` does

    after = row_counts()
    assert {label: (before[label], after[label]) for label in before if before[label] != after[label]} == {}
    assert_counters_match_rows()
