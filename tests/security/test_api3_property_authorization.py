"""API3:2023 Broken Object Property Level Authorization.

Mass assignment: fields a caller may not set (roles, staff flags, email and
its verification, ids, money, status, scores, seat counters) are ignored or
rejected, never written. Excessive exposure: responses never carry secrets
(password hashes, answer keys, payment tokens).

Add a mass-assignment case as one ``MassAssignment`` row (``arrange`` builds
what the request needs and returns the path and a body of forbidden fields;
``stored_unchanged`` reads the stored object back); add a never-exposed field
name to ``NEVER_EXPOSED`` and a read to ``EXPOSURE_PROBES`` (with the values of
other people's data, or of keys, that must not appear in it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.assessment.models import Submission
from apps.commerce.models import CartItem, Order, Payment, Sponsor, Sponsorship
from apps.commerce.services.cart import cart_add_item
from apps.engagement.models import Answer, Question
from apps.identity.models import User
from apps.labs.models import Booking, LabSlot
from apps.learning.models import Enrollment, LessonProgress
from tests.conftest import client_for
from tests.factories.assessment import TEXT_KEY
from tests.factories.catalog import LessonFactory
from tests.factories.commerce import PaidCourseFactory
from tests.factories.identity import TEST_PASSWORD, UserFactory
from tests.security import domain

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class MassAssignment:
    id: str
    method: str
    arrange: Callable[[User], tuple[str, dict]]  # builds what the request needs; returns (path, body)
    stored_unchanged: Callable[[User], None]  # re-reads the object; asserts the forbidden fields kept their values
    ok_statuses: tuple[int, ...] = (200, 201, 400)  # ignored (2xx) or rejected (400): both are fine


def _user_flags_unchanged(actor: User) -> None:
    email = actor.email
    actor.refresh_from_db()
    assert actor.email == email
    assert (actor.is_staff, actor.is_superuser, actor.email_verified, actor.is_active) == (False, False, False, True)


_LONG_AGO = "2000-01-01T00:00:00Z"
_SOMEONE_ELSE = "00000000-0000-4000-8000-000000000001"


def _profile(actor: User) -> tuple[str, dict]:
    return "/v1/users/me", {
        "display_name": "Allowed change",
        "is_staff": True,
        "is_superuser": True,
        "email": "taken-over@example.test",
        "email_verified": True,
        "is_active": False,
        "id": _SOMEONE_ELSE,
        "date_joined": _LONG_AGO,
        "password": "Pwned-by-patch-1",
    }


# --- learning -------------------------------------------------------------------------


def _enroll_with_status(actor: User) -> tuple[str, dict]:
    course = domain.course(capacity=1)
    return "/v1/enrollments", {
        "course_id": str(course.pk),
        "status": "completed",
        "waitlist_position": 1,
        "source": "staff",
        "user": _SOMEONE_ELSE,
        "enrolled_at": _LONG_AGO,
        "completed_at": _LONG_AGO,
    }


def _enrollment_as_the_server_made_it(actor: User) -> None:
    enrollment = Enrollment.objects.get(user=actor)
    assert (enrollment.status, enrollment.source, enrollment.waitlist_position) == ("active", "self", None)
    assert enrollment.completed_at is None and enrollment.enrolled_at.year > 2000
    assert Enrollment.objects.count() == 1
    assert enrollment.course.seats_taken == 1  # the seat was counted as for any enrollment


def _progress_with_completion(actor: User) -> tuple[str, dict]:
    enrollment = domain.enrollment_of(actor)
    LessonFactory(section__course=enrollment.course)  # a second lesson: one done is not the course done
    lesson = enrollment.course.lessons.first()
    return f"/v1/enrollments/{enrollment.pk}/progress", {
        "lesson_id": str(lesson.pk),
        "completed": True,
        "completed_at": _LONG_AGO,
        "percent": 100,
        "status": "completed",
        "completed_lessons": 2,
    }


def _enrollment_not_completed(actor: User) -> None:
    enrollment = Enrollment.objects.get(user=actor)
    assert (enrollment.status, enrollment.completed_at) == ("active", None)
    (progress,) = LessonProgress.objects.filter(enrollment=enrollment)
    assert progress.completed_at.year > 2000


# --- commerce -------------------------------------------------------------------------


def _checkout_with_prices(actor: User) -> tuple[str, dict]:
    cart_add_item(actor=actor, course_id=PaidCourseFactory().pk)
    return "/v1/orders", {
        "payment": {"method": "card", "token": "tok_visa", "amount": "0.01"},
        "total": "0.01",
        "subtotal": "0.01",
        "discount": "49.00",
        "currency": "EUR",
        "status": "refunded",
        "paid_at": _LONG_AGO,
        "number": "DL-2000-HACKED00",
        "user": _SOMEONE_ELSE,
        "items": [{"course_id": str(PaidCourseFactory().pk), "price": "0.00"}],
    }


def _order_priced_by_server(actor: User) -> None:
    order = Order.objects.get(user=actor)
    assert (order.status, order.total, order.subtotal, order.discount, order.currency) == (
        "paid",
        Decimal("49.00"),
        Decimal("49.00"),
        Decimal("0.00"),
        "USD",
    )
    assert order.paid_at.year > 2000 and order.number != "DL-2000-HACKED00"
    assert [item.price for item in order.items.all()] == [Decimal("49.00")]
    (payment,) = Payment.objects.filter(order=order)
    assert payment.amount == Decimal("49.00")
    assert Order.objects.count() == 1


def _cart_item_with_price(actor: User) -> tuple[str, dict]:
    course = PaidCourseFactory()
    return "/v1/cart/items", {"course_id": str(course.pk), "price": "0.01", "currency": "EUR", "added_at": _LONG_AGO}


def _cart_priced_by_server(actor: User) -> None:
    (item,) = CartItem.objects.filter(cart__user=actor)
    assert (item.price, item.currency) == (Decimal("49.00"), "USD")
    assert item.added_at.year > 2000


def _apply_as_approved_sponsor(actor: User) -> tuple[str, dict]:
    return "/v1/sponsors", {
        "name": "Eager sponsor",
        "contact_email": "eager@sponsor.test",
        "status": "approved",
        "my_role": "owner",
        "reviewed_by": _SOMEONE_ELSE,
        "reviewed_at": _LONG_AGO,
    }


def _sponsor_pending(actor: User) -> None:
    sponsor = Sponsor.objects.get(name="Eager sponsor")
    assert (sponsor.status, sponsor.reviewed_at) == ("pending", None)


def _request_sponsorship_with_seats(actor: User) -> tuple[str, dict]:
    sponsor = domain.sponsor_of(actor)
    return f"/v1/sponsors/{sponsor.pk}/sponsorships", {
        "course_id": str(PaidCourseFactory().pk),
        "seats": 2,
        "seats_total": 1000,
        "seats_used": -5,
        "code": "FREEFORALL22",
        "status": "approved",
        "sponsor_id": _SOMEONE_ELSE,
        "redemption_count": -1,
    }


def _sponsorship_as_requested(actor: User) -> None:
    sponsorship = Sponsorship.objects.get()
    assert (sponsorship.status, sponsorship.seats_total, sponsorship.seats_used, sponsorship.code) == (
        "pending",
        2,
        0,
        None,
    )
    assert sponsorship.sponsor.members.filter(user=actor).exists()


# --- labs ---------------------------------------------------------------------------------


def _book_with_status(actor: User) -> tuple[str, dict]:
    lab = domain.lab()
    start = domain.slot(lab)
    return f"/v1/labs/{lab.pk}/bookings", {
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (start + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": "cancelled",
        "user": _SOMEONE_ELSE,
        "lab": str(domain.lab().pk),
        "cancelled_at": _LONG_AGO,
        "reminder_sent_at": _LONG_AGO,
    }


def _booking_as_the_server_made_it(actor: User) -> None:
    booking = Booking.objects.get(user=actor)
    assert booking.status == "active" and booking.cancelled_at is None and booking.reminder_sent_at is None
    assert booking.end - booking.start == timedelta(minutes=booking.lab.slot_minutes)
    assert LabSlot.objects.get(lab=booking.lab, start=booking.start).booked == 1
    assert Booking.objects.count() == 1


# --- engagement ---------------------------------------------------------------------------


def _ask_with_counters(actor: User) -> tuple[str, dict]:
    course = domain.classroom(actor)
    return f"/v1/courses/{course.pk}/questions", {
        "title": "Mine",
        "body": "Is this right?",
        "answer_count": 99,
        "accepted_answer": _SOMEONE_ELSE,
        "is_hidden": False,
        "author": _SOMEONE_ELSE,
        "created_at": _LONG_AGO,
    }


def _question_as_the_server_made_it(actor: User) -> None:
    question = Question.objects.get(title="Mine")
    assert (question.author_id, question.answer_count, question.accepted_answer_id) == (actor.pk, 0, None)
    assert question.created_at.year > 2000


def _answer_as_instructor(actor: User) -> tuple[str, dict]:
    question = domain.question_of(UserFactory())
    domain.enroll(actor, question.course)
    return f"/v1/courses/{question.course_id}/answers", {
        "question_id": str(question.pk),
        "body": "Trust me, I teach this.",
        "is_instructor": True,
        "is_hidden": False,
        "author": _SOMEONE_ELSE,
    }


def _answer_without_badge(actor: User) -> None:
    answer = Answer.objects.get(author=actor)
    assert answer.is_instructor is False


# --- assessment ----------------------------------------------------------------------------


def _submit_with_score(actor: User) -> tuple[str, dict]:
    course = domain.classroom(actor)
    assessment = domain.assessment_in(course)
    choice = assessment.items.get(kind="choice")
    return f"/v1/assessments/{assessment.pk}/submissions", {
        "answers": {str(choice.pk): 0},  # the wrong choice (the key is [2])
        "score": "10",
        "auto_score": "10",
        "status": "graded",
        "graded_by": _SOMEONE_ELSE,
        "graded_at": _LONG_AGO,
        "feedback": "Excellent!",
        "is_late": False,
        "user": _SOMEONE_ELSE,
    }


def _submission_scored_by_server(actor: User) -> None:
    submission = Submission.objects.get(user=actor)
    # a text item waits for an instructor: submitted, no score, no grader, no feedback
    assert (submission.status, submission.score, submission.graded_by_id, submission.graded_at) == (
        "submitted",
        None,
        None,
        None,
    )
    assert (submission.auto_score, submission.feedback) == (Decimal("0.00"), "")


def _grade_own_submission(actor: User) -> tuple[str, dict]:
    submission = domain.submission_of(actor)
    Submission.objects.filter(pk=submission.pk).update(status="submitted", score=None)
    return f"/v1/submissions/{submission.pk}", {"score": "10", "status": "graded", "feedback": "Self-graded"}


def _own_submission_ungraded(actor: User) -> None:
    submission = Submission.objects.get(user=actor)
    assert (submission.status, submission.score, submission.feedback) == ("submitted", None, "")


MASS_ASSIGNMENT: list[MassAssignment] = [
    MassAssignment("profile: roles, email and verification", "PATCH", _profile, _user_flags_unchanged),
    MassAssignment(
        "enrollment: status, waitlist position, source", "POST", _enroll_with_status, _enrollment_as_the_server_made_it
    ),
    MassAssignment("progress: completion", "PATCH", _progress_with_completion, _enrollment_not_completed),
    MassAssignment("checkout: total, status, paid_at", "POST", _checkout_with_prices, _order_priced_by_server),
    MassAssignment("cart item: price snapshot", "POST", _cart_item_with_price, _cart_priced_by_server),
    MassAssignment("sponsor application: status", "POST", _apply_as_approved_sponsor, _sponsor_pending),
    MassAssignment(
        "sponsorship request: seats_used, code, status",
        "POST",
        _request_sponsorship_with_seats,
        _sponsorship_as_requested,
    ),
    MassAssignment("booking: status, end, owner", "POST", _book_with_status, _booking_as_the_server_made_it),
    MassAssignment("question: counters, author", "POST", _ask_with_counters, _question_as_the_server_made_it),
    MassAssignment("answer: instructor badge", "POST", _answer_as_instructor, _answer_without_badge),
    MassAssignment("submission: score, status, grader", "POST", _submit_with_score, _submission_scored_by_server),
    MassAssignment(
        "submission: its learner grades it",
        "PATCH",
        _grade_own_submission,
        _own_submission_ungraded,
        ok_statuses=(403,),
    ),
]


@pytest.mark.parametrize("case", MASS_ASSIGNMENT, ids=lambda case: case.id)
def test_forbidden_fields_are_never_written(case: MassAssignment):
    # given a learner
    actor = UserFactory()
    path, body = case.arrange(actor)
    # when they send fields they may not set
    response = client_for(actor).generic(
        case.method, path, data=json.dumps(body), content_type="application/json", **domain.idempotency_key()
    )
    # then the request is answered without writing any of them
    assert response.status_code in case.ok_statuses, response.content[:500]
    case.stored_unchanged(actor)


def test_profile_patch_keeps_the_password():
    actor = UserFactory()
    client_for(actor).patch("/v1/users/me", {"password": "Pwned-by-patch-1"}, format="json")
    actor.refresh_from_db()
    assert actor.check_password(TEST_PASSWORD)


def test_registration_cannot_make_staff(api_client):
    response = api_client.post(
        "/v1/auth/register",
        {
            "email": "eager@example.test",
            "password": TEST_PASSWORD,
            "display_name": "Eager",
            "is_staff": True,
            "is_superuser": True,
            "email_verified": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["user"]["is_staff"] is False
    user = User.objects.get(email="eager@example.test")
    assert (user.is_staff, user.is_superuser, user.email_verified) == (False, False, False)


# Field names that must never appear in any response body, at any depth.
NEVER_EXPOSED = {"password", "password_hash", "is_superuser", "last_login", "answer_key", "token"}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    body: dict | None = None
    secrets: tuple[str, ...] = ()  # values that must not appear anywhere in the response


def _me_probe(viewer: User) -> Probe:
    return Probe("GET", "/v1/users/me", secrets=(viewer.password,))


def _me_patch_probe(viewer: User) -> Probe:
    return Probe("PATCH", "/v1/users/me", {"bio": "hello"}, secrets=(viewer.password,))


def _assessment_as_learner(viewer: User) -> Probe:
    assessment = domain.assessment_in(domain.classroom(viewer))
    return Probe("GET", f"/v1/assessments/{assessment.pk}", secrets=(TEXT_KEY,))


def _assessments_as_learner(viewer: User) -> Probe:
    course = domain.classroom(viewer)
    domain.assessment_in(course)
    return Probe("GET", f"/v1/courses/{course.pk}/assessments", secrets=(TEXT_KEY,))


def _submission_response(viewer: User) -> Probe:
    assessment = domain.assessment_in(domain.classroom(viewer))
    return Probe("POST", f"/v1/assessments/{assessment.pk}/submissions", {"answers": {}}, secrets=(TEXT_KEY,))


def _own_submission(viewer: User) -> Probe:
    submission = domain.submission_of(viewer)
    return Probe("GET", f"/v1/submissions/{submission.pk}", secrets=(TEXT_KEY,))


def _grades_next_to_a_classmate(viewer: User) -> Probe:
    classmate = UserFactory(display_name=domain.marker("Classmate"))
    submission = domain.submission_of(classmate)
    domain.enroll(viewer, submission.course)
    return Probe(
        "GET",
        f"/v1/courses/{submission.course_id}/grades",
        secrets=(classmate.display_name, str(classmate.pk), str(submission.pk)),
    )


def _outline_of_a_course_not_taken(viewer: User) -> Probe:
    lesson = LessonFactory(content=domain.marker("Paid lesson content"), is_preview=False)
    return Probe("GET", f"/v1/courses/{lesson.course_id}", secrets=(lesson.content,))


def _sponsors_list(viewer: User) -> Probe:
    sponsor = domain.sponsor_of(UserFactory())
    return Probe("GET", "/v1/sponsors", secrets=(sponsor.contact_email,))


def _own_order(viewer: User) -> Probe:
    order = domain.paid_order_of(viewer)
    return Probe("GET", f"/v1/orders/{order.pk}", secrets=("tok_visa",))


def _hidden_qa(viewer: User) -> Probe:
    question = domain.question_of(UserFactory())
    domain.enroll(viewer, question.course)
    hidden = domain.question_of(UserFactory(), in_course=question.course, is_hidden=True)
    answer = domain.answer_to(question, UserFactory(), is_hidden=True)
    return Probe("GET", f"/v1/courses/{question.course_id}/questions", secrets=(hidden.title, answer.body))


def _hidden_answers(viewer: User) -> Probe:
    question = domain.question_of(UserFactory())
    domain.enroll(viewer, question.course)
    answer = domain.answer_to(question, UserFactory(), is_hidden=True)
    return Probe("GET", f"/v1/courses/{question.course_id}/answers", secrets=(answer.body,))


def _lab_availability(viewer: User) -> Probe:
    booking = domain.booking_of(UserFactory())
    return Probe("GET", f"/v1/labs/{booking.lab_id}/availability", secrets=(str(booking.user_id), str(booking.pk)))


# Reads (and writes' answers) reachable by a learner: no secret field at any depth,
# and none of the listed values anywhere in the body.
EXPOSURE_PROBES: list = [
    pytest.param(_me_probe, id="GET /v1/users/me"),
    pytest.param(_me_patch_probe, id="PATCH /v1/users/me"),
    pytest.param(_assessment_as_learner, id="learner: assessment without answer keys"),
    pytest.param(_assessments_as_learner, id="learner: assessment list without answer keys"),
    pytest.param(_submission_response, id="learner: submission answer without answer keys"),
    pytest.param(_own_submission, id="learner: own submission without answer keys"),
    pytest.param(_grades_next_to_a_classmate, id="learner: grades without a classmate's"),
    pytest.param(_outline_of_a_course_not_taken, id="stranger: course outline without lesson content"),
    pytest.param(_sponsors_list, id="sponsors: contact email for members only"),
    pytest.param(_own_order, id="order: no card token"),
    pytest.param(_hidden_qa, id="learner: hidden questions stay hidden"),
    pytest.param(_hidden_answers, id="learner: hidden answers stay hidden"),
    pytest.param(_lab_availability, id="availability: counts, not who booked"),
]


@pytest.mark.parametrize("probe", EXPOSURE_PROBES)
def test_responses_never_carry_secrets(probe):
    viewer = UserFactory()
    request = probe(viewer)
    response = client_for(viewer).generic(
        request.method,
        request.path,
        data="" if request.body is None else json.dumps(request.body),
        content_type="application/json",
        **domain.idempotency_key(),
    )
    assert response.status_code < 400, response.content[:500]
    assert not _keys(response.json()) & NEVER_EXPOSED
    text = response.content.decode()
    leaked = [secret for secret in request.secrets if secret in text]
    assert not leaked, f"{request.path} exposed {leaked}"


def test_login_and_registration_bodies_carry_no_secrets(api_client):
    user = UserFactory()
    login = api_client.post("/v1/auth/login", {"email": user.email, "password": TEST_PASSWORD}, format="json")
    assert login.status_code == 200
    assert not _keys(login.json()["user"]) & NEVER_EXPOSED
    assert TEST_PASSWORD not in login.content.decode() and user.password not in login.content.decode()
