"""API1:2023 Broken Object Level Authorization.

User B must never read or change user A's objects: another user's object is a
404 ``not_found`` (docs/api.md, Authentication and roles: do not reveal it exists), and self-scoped routes
(``/v1/users/me``, the cart) only ever act on the caller.

Course-scoped objects (Q&A, assessments, grades, resources) follow the
domains' documented answer (docs/decisions.md, Engagement/Assessment/Catalog):
a course the intruder cannot see is 404; a visible course where the intruder
has no role is 403 ``permission_denied``; a classmate reaching for another
learner's submission is 404; an object addressed through another course's
path is 404. Each row asserts exactly that answer.

Add a case by adding one ``ObjectAccess`` row to ``OBJECT_ACCESS``: ``arrange``
builds the owner's object (and, where the case needs it, gives the intruder a
role: a classmate, an instructor of another course) and returns the path (and
the strings that would betray a leak); ``untouched`` re-reads the owner's
data to prove nothing changed. ``test_every_object_route_is_covered`` fails
until each /v1/ route with a path parameter has a row here or is listed in
``PUBLIC_OBJECT_ROUTES``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from apps.ai_orchestration.models import Conversation, Message
from apps.assessment.models import Submission
from apps.catalog.models import Course
from apps.commerce.models import Order, Sponsor, Sponsorship
from apps.commerce.services.cart import cart_add_item, cart_get
from apps.engagement.models import Answer, Question
from apps.identity.models import User
from apps.labs.models import Booking, LabSlot
from apps.learning.models import Enrollment, LessonProgress
from tests.conftest import client_for
from tests.factories.assessment import TEXT_KEY
from tests.factories.commerce import PaidCourseFactory
from tests.factories.identity import UserFactory
from tests.security import domain
from tests.security.conftest import api_routes, assert_error

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Target:
    path: str
    secrets: list[str]  # strings of the owner's object that must not appear in the intruder's response
    body: dict | None = None  # the request body, when it needs the arranged ids


@dataclass(frozen=True)
class ObjectAccess:
    route: str  # the route template as in the OpenAPI schema, e.g. "/v1/enrollments/{enrollment_id}"
    method: str
    arrange: Callable[[User, User], Target]  # (owner, intruder) -> the target
    expect_status: int = 404  # 404 not_found for another user's object; 403 on a visible course; 200 self-scoped
    body: dict | None = None
    untouched: Callable[[User], None] | None = None  # asserts the owner's data did not change
    case: str = ""  # tells rows of one route apart
    expect_code: str | None = None  # defaults by status: 404 not_found, 403 permission_denied

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}" + (f" [{self.case}]" if self.case else "")


EXPECTED_CODES = {404: "not_found", 403: "permission_denied"}


# --- identity -------------------------------------------------------------------------


def _me(owner: User, intruder: User) -> Target:
    return Target(path="/v1/users/me", secrets=[owner.email, str(owner.pk)])


def _profile_unchanged(owner: User) -> None:
    before = owner.display_name
    owner.refresh_from_db()
    assert owner.display_name == before


# --- learning -------------------------------------------------------------------------


def _enrollment(suffix: str = ""):
    def arrange(owner: User, intruder: User) -> Target:
        enrollment = domain.enrollment_of(owner)
        return Target(f"/v1/enrollments/{enrollment.pk}{suffix}", [owner.email, str(owner.pk)])

    return arrange


def _progress_update(owner: User, intruder: User) -> Target:
    enrollment = domain.enrollment_of(owner)
    lesson = enrollment.course.lessons.get()
    return Target(
        f"/v1/enrollments/{enrollment.pk}/progress",
        [str(owner.pk)],
        body={"lesson_id": str(lesson.pk), "completed": True},
    )


def _enrollment_still_active(owner: User) -> None:
    enrollment = domain.only_enrollment(owner)
    assert (enrollment.status, enrollment.cancelled_at) == (Enrollment.Status.ACTIVE, None)


def _no_progress_recorded(owner: User) -> None:
    assert not LessonProgress.objects.filter(enrollment__user=owner).exists()


# --- commerce -------------------------------------------------------------------------


def _order(suffix: str = ""):
    def arrange(owner: User, intruder: User) -> Target:
        order = domain.paid_order_of(owner)
        return Target(f"/v1/orders/{order.pk}{suffix}", [order.number, str(owner.pk)])

    return arrange


def _order_still_paid(owner: User) -> None:
    order = domain.only_order(owner)
    assert (order.status, order.refunded_at) == (Order.Status.PAID, None)
    _enrollment_still_active(owner)


def _conversation(owner: User, intruder: User) -> Target:
    conversation = Conversation.objects.create(user=owner, title="Owner's private chat", provider="offline")
    Message.objects.create(conversation=conversation, role="user", content="my secret study plan", turn=1, step=0)
    return Target(f"/v1/ai/conversations/{conversation.pk}", [conversation.title, "my secret study plan"])


def _cart_item(owner: User, intruder: User) -> Target:
    # The cart is self-scoped: the intruder names a course in the owner's cart.
    course = PaidCourseFactory()
    cart_add_item(actor=owner, course_id=course.pk)
    return Target(f"/v1/cart/items/{course.pk}", [str(owner.pk)])


def _owners_cart_kept(owner: User) -> None:
    assert cart_get(actor=owner).item_count == 1


def _pending_sponsor(owner: User, intruder: User) -> Target:
    sponsor = domain.sponsor_of(owner, status="pending")
    return Target(f"/v1/sponsors/{sponsor.pk}", [sponsor.name, sponsor.contact_email])


def _approved_sponsor_contact(owner: User, intruder: User) -> Target:
    sponsor = domain.sponsor_of(owner)
    return Target(f"/v1/sponsors/{sponsor.pk}", [sponsor.contact_email, str(owner.pk)])


def _sponsorships(*, sponsor_status: str = "approved", request: bool = False):
    def arrange(owner: User, intruder: User) -> Target:
        sponsorship = domain.sponsorship_of(owner)
        Sponsor.objects.filter(pk=sponsorship.sponsor_id).update(status=sponsor_status)
        body = {"course_id": str(PaidCourseFactory().pk), "seats": 5} if request else None
        return Target(f"/v1/sponsors/{sponsorship.sponsor_id}/sponsorships", [sponsorship.code], body=body)

    return arrange


def _only_the_owners_sponsorship(owner: User) -> None:
    assert Sponsorship.objects.count() == 1


# --- labs ------------------------------------------------------------------------------


def _booking(suffix: str = ""):
    def arrange(owner: User, intruder: User) -> Target:
        booking = domain.booking_of(owner)
        return Target(f"/v1/bookings/{booking.pk}{suffix}", [str(owner.pk), owner.email])

    return arrange


def _booking_still_active(owner: User) -> None:
    booking = domain.only_booking(owner)
    assert (booking.status, booking.cancelled_at) == (Booking.Status.ACTIVE, None)
    assert LabSlot.objects.get(lab=booking.lab, start=booking.start).booked == 1


def _lab_for_a_course(owner: User, intruder: User) -> Target:
    # A lab reserved to a course's learners: the owner is enrolled and booked; the intruder is not.
    course = domain.course()
    domain.enroll(owner, course)
    lab = domain.lab(required_course=course)
    domain.booking_of(owner, on=lab, hour=10)
    start = domain.slot(lab, hour=11).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Target(f"/v1/labs/{lab.pk}/bookings", [str(owner.pk)], body={"start": start})


def _only_the_owners_booking(owner: User) -> None:
    assert list(Booking.objects.values_list("user_id", flat=True)) == [owner.pk]


# --- catalog ---------------------------------------------------------------------------


def _draft_course_taught_by_owner(owner: User, intruder: User) -> Target:
    course = domain.course(status="draft", published_at=None, title=domain.marker("Unannounced course"))
    domain.teach(owner, course)
    return Target(f"/v1/courses/{course.pk}", [course.title])


def _resources(owner: User, intruder: User) -> Target:
    course = domain.classroom(owner)
    resource = domain.resource_in(course)
    return Target(f"/v1/courses/{course.pk}/resources", [resource.url, resource.title])


# --- engagement ------------------------------------------------------------------------


def _questions(*, body: bool = False):
    def arrange(owner: User, intruder: User) -> Target:
        question = domain.question_of(owner)
        payload = {"title": "Intruder's question", "body": "Let me in"} if body else None
        return Target(f"/v1/courses/{question.course_id}/questions", [question.title], body=payload)

    return arrange


def _question(suffix: str = "", *, intruder_role: str = "stranger", hidden: bool = False, body: dict | None = None):
    """The owner's question at ``.../questions/{id}{suffix}``. ``intruder_role``:
    ``stranger`` (no role in the course), ``classmate`` (enrolled in it), or
    ``other instructor`` (teaches another course and uses that course's path)."""

    def arrange(owner: User, intruder: User) -> Target:
        question = domain.question_of(owner, is_hidden=hidden)
        answer = domain.answer_to(question, intruder)
        course_id = question.course_id
        if intruder_role == "classmate":
            domain.enroll(intruder, question.course)
        elif intruder_role == "other instructor":
            other = domain.course()
            domain.teach(intruder, other)
            course_id = other.pk
        payload = {"answer_id": str(answer.pk)} if suffix == "/accept" else body
        return Target(f"/v1/courses/{course_id}/questions/{question.pk}{suffix}", [question.title], body=payload)

    return arrange


def _question_untouched(owner: User) -> None:
    question = domain.only_question(owner)
    assert (question.accepted_answer_id, question.hidden_at) == (None, None)


def _answers(*, body: bool = False):
    def arrange(owner: User, intruder: User) -> Target:
        question = domain.question_of(owner)
        answer = domain.answer_to(question, owner)
        payload = {"question_id": str(question.pk), "body": "Intruder's answer"} if body else None
        return Target(f"/v1/courses/{question.course_id}/answers", [answer.body, question.title], body=payload)

    return arrange


def _answer(suffix: str = "", *, intruder_role: str = "classmate"):
    def arrange(owner: User, intruder: User) -> Target:
        question = domain.question_of(owner)
        answer = domain.answer_to(question, owner)
        course_id = question.course_id
        if intruder_role == "classmate":
            domain.enroll(intruder, question.course)
        else:  # an instructor of another course, using that course's path
            other = domain.course()
            domain.teach(intruder, other)
            course_id = other.pk
        payload = {"hidden": True} if suffix == "/hide" else None
        return Target(f"/v1/courses/{course_id}/answers/{answer.pk}{suffix}", [answer.body], body=payload)

    return arrange


def _answer_untouched(owner: User) -> None:
    answer = domain.only_answer(owner)
    assert (answer.is_hidden, answer.hidden_at) == (False, None)
    assert answer.question.answer_count == 1


def _only_the_owners_posts(owner: User) -> None:
    assert set(Question.objects.values_list("author_id", flat=True)) == {owner.pk}
    assert set(Answer.objects.values_list("author_id", flat=True)) <= {owner.pk}


# --- assessment ------------------------------------------------------------------------


def _assessment(suffix: str = "", *, draft_course: bool = False, body: bool = False):
    def arrange(owner: User, intruder: User) -> Target:
        course = domain.classroom(owner)
        if draft_course:
            Course.objects.filter(pk=course.pk).update(status="draft")
        assessment = domain.assessment_in(course)
        prompt = assessment.items.get(kind="choice").prompt
        payload = {"answers": {}} if body else None
        return Target(f"/v1/assessments/{assessment.pk}{suffix}", [assessment.title, prompt, TEXT_KEY], body=payload)

    return arrange


def _course_assessments(owner: User, intruder: User) -> Target:
    course = domain.classroom(owner)
    assessment = domain.assessment_in(course)
    return Target(f"/v1/courses/{course.pk}/assessments", [assessment.title, TEXT_KEY])


def _classmates_submissions(owner: User, intruder: User) -> Target:
    submission = domain.submission_of(owner)
    domain.enroll(intruder, submission.course)
    essay = next(iter(submission.answers.values()))
    return Target(f"/v1/assessments/{submission.assessment_id}/submissions", [essay, str(submission.pk), str(owner.pk)])


def _nothing_submitted(owner: User) -> None:
    assert not Submission.objects.exists()


def _submission(*, intruder_role: str = "classmate", body: dict | None = None):
    def arrange(owner: User, intruder: User) -> Target:
        submission = domain.submission_of(owner)
        if intruder_role == "classmate":
            domain.enroll(intruder, submission.course)
        else:  # teaches another course
            domain.teach(intruder, domain.course())
        essay = next(iter(submission.answers.values()))
        return Target(f"/v1/submissions/{submission.pk}", [essay, str(owner.pk)], body=body)

    return arrange


def _submission_ungraded_by_intruder(owner: User) -> None:
    submission = domain.only_submission(owner)
    assert (submission.score, submission.graded_by_id, submission.feedback) == (5, None, "")


def _classmates_grades(owner: User, intruder: User) -> Target:
    submission = domain.submission_of(owner)
    domain.enroll(intruder, submission.course)
    return Target(f"/v1/courses/{submission.course_id}/grades", [str(owner.pk), owner.display_name, str(submission.pk)])


def _strangers_grades(owner: User, intruder: User) -> Target:
    submission = domain.submission_of(owner)
    return Target(f"/v1/courses/{submission.course_id}/grades", [str(owner.pk), owner.display_name])


OBJECT_ACCESS: list[ObjectAccess] = [
    # identity
    ObjectAccess("/v1/users/me", "GET", _me, expect_status=200),
    ObjectAccess(
        "/v1/users/me",
        "PATCH",
        _me,
        expect_status=200,
        body={"display_name": "Changed by the intruder"},
        untouched=_profile_unchanged,
    ),
    # learning
    ObjectAccess("/v1/enrollments/{enrollment_id}", "GET", _enrollment()),
    ObjectAccess(
        "/v1/enrollments/{enrollment_id}/cancel", "POST", _enrollment("/cancel"), untouched=_enrollment_still_active
    ),
    ObjectAccess("/v1/enrollments/{enrollment_id}/progress", "GET", _enrollment("/progress")),
    ObjectAccess(
        "/v1/enrollments/{enrollment_id}/progress", "PATCH", _progress_update, untouched=_no_progress_recorded
    ),
    # commerce
    ObjectAccess("/v1/orders/{order_id}", "GET", _order()),
    ObjectAccess(
        "/v1/orders/{order_id}/refund", "POST", _order("/refund"), body={"reason": "mine"}, untouched=_order_still_paid
    ),
    ObjectAccess("/v1/cart/items/{course_id}", "DELETE", _cart_item, untouched=_owners_cart_kept),
    ObjectAccess("/v1/ai/conversations/{conversation_id}", "GET", _conversation),
    ObjectAccess("/v1/sponsors/{sponsor_id}", "GET", _pending_sponsor, case="pending: members only"),
    ObjectAccess(
        "/v1/sponsors/{sponsor_id}",
        "GET",
        _approved_sponsor_contact,
        expect_status=200,
        case="approved: public, contact hidden",
    ),
    ObjectAccess(
        "/v1/sponsors/{sponsor_id}/sponsorships",
        "GET",
        _sponsorships(),
        expect_status=403,
        case="approved sponsor, not a member",
    ),
    ObjectAccess(
        "/v1/sponsors/{sponsor_id}/sponsorships", "GET", _sponsorships(sponsor_status="pending"), case="pending sponsor"
    ),
    ObjectAccess(
        "/v1/sponsors/{sponsor_id}/sponsorships",
        "POST",
        _sponsorships(request=True),
        expect_status=403,
        untouched=_only_the_owners_sponsorship,
        case="not a member",
    ),
    # labs
    ObjectAccess("/v1/bookings/{booking_id}", "GET", _booking()),
    ObjectAccess("/v1/bookings/{booking_id}/cancel", "POST", _booking("/cancel"), untouched=_booking_still_active),
    ObjectAccess(
        "/v1/labs/{lab_id}/bookings",
        "POST",
        _lab_for_a_course,
        expect_status=403,
        expect_code="required_course_missing",
        untouched=_only_the_owners_booking,
        case="lab of a course the intruder does not take",
    ),
    # catalog
    ObjectAccess("/v1/courses/{course_id}", "GET", _draft_course_taught_by_owner, case="draft of its instructor"),
    ObjectAccess("/v1/courses/{course_id}/resources", "GET", _resources, expect_status=403),
    # engagement: strangers on a visible course get 403, moderation by a classmate 403,
    # anything addressed through another course's path 404
    ObjectAccess("/v1/courses/{course_id}/questions", "GET", _questions(), expect_status=403),
    ObjectAccess(
        "/v1/courses/{course_id}/questions",
        "POST",
        _questions(body=True),
        expect_status=403,
        untouched=_only_the_owners_posts,
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/questions/{question_id}", "GET", _question(), expect_status=403, case="stranger"
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/questions/{question_id}",
        "GET",
        _question(intruder_role="classmate", hidden=True),
        case="classmate, hidden question",
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/questions/{question_id}",
        "GET",
        _question(intruder_role="other instructor"),
        case="through another course",
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/questions/{question_id}",
        "DELETE",
        _question(intruder_role="classmate"),
        expect_status=403,
        untouched=_question_untouched,
        case="classmate",
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/questions/{question_id}",
        "DELETE",
        _question(intruder_role="other instructor"),
        untouched=_question_untouched,
        case="through another course",
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/questions/{question_id}/accept",
        "POST",
        _question("/accept", intruder_role="classmate"),
        expect_status=403,
        untouched=_question_untouched,
        case="classmate accepts their own answer",
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/questions/{question_id}/accept",
        "POST",
        _question("/accept", intruder_role="other instructor"),
        untouched=_question_untouched,
        case="through another course",
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/questions/{question_id}/hide",
        "POST",
        _question("/hide", intruder_role="classmate", body={"hidden": True}),
        expect_status=403,
        untouched=_question_untouched,
        case="classmate",
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/questions/{question_id}/hide",
        "POST",
        _question("/hide", intruder_role="other instructor", body={"hidden": True}),
        untouched=_question_untouched,
        case="through another course",
    ),
    ObjectAccess("/v1/courses/{course_id}/answers", "GET", _answers(), expect_status=403),
    ObjectAccess(
        "/v1/courses/{course_id}/answers",
        "POST",
        _answers(body=True),
        expect_status=403,
        untouched=_answer_untouched,
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/answers/{answer_id}",
        "DELETE",
        _answer(),
        expect_status=403,
        untouched=_answer_untouched,
        case="classmate",
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/answers/{answer_id}",
        "DELETE",
        _answer(intruder_role="other instructor"),
        untouched=_answer_untouched,
        case="through another course",
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/answers/{answer_id}/hide",
        "POST",
        _answer("/hide"),
        expect_status=403,
        untouched=_answer_untouched,
        case="classmate",
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/answers/{answer_id}/hide",
        "POST",
        _answer("/hide", intruder_role="other instructor"),
        untouched=_answer_untouched,
        case="through another course",
    ),
    # assessment
    ObjectAccess("/v1/courses/{course_id}/assessments", "GET", _course_assessments, expect_status=403),
    ObjectAccess("/v1/assessments/{assessment_id}", "GET", _assessment(), expect_status=403, case="stranger"),
    ObjectAccess("/v1/assessments/{assessment_id}", "GET", _assessment(draft_course=True), case="course is a draft"),
    ObjectAccess(
        "/v1/assessments/{assessment_id}/submissions",
        "GET",
        _classmates_submissions,
        expect_status=200,
        case="classmate sees only their own",
    ),
    ObjectAccess(
        "/v1/assessments/{assessment_id}/submissions",
        "POST",
        _assessment("/submissions", body=True),
        expect_status=403,
        untouched=_nothing_submitted,
        case="stranger",
    ),
    ObjectAccess("/v1/submissions/{submission_id}", "GET", _submission(), case="classmate"),
    ObjectAccess(
        "/v1/submissions/{submission_id}",
        "PATCH",
        _submission(body={"score": "10", "feedback": "Graded by a classmate"}),
        untouched=_submission_ungraded_by_intruder,
        case="classmate",
    ),
    ObjectAccess(
        "/v1/submissions/{submission_id}",
        "PATCH",
        _submission(intruder_role="other instructor", body={"score": "10"}),
        untouched=_submission_ungraded_by_intruder,
        case="instructor of another course",
    ),
    ObjectAccess(
        "/v1/courses/{course_id}/grades",
        "GET",
        _classmates_grades,
        expect_status=200,
        case="classmate sees only their own",
    ),
    ObjectAccess("/v1/courses/{course_id}/grades", "GET", _strangers_grades, expect_status=403, case="stranger"),
]

# Routes with a path parameter that anyone may read (docs/api.md, Authentication and roles), with the reason.
PUBLIC_OBJECT_ROUTES: dict[str, str] = {
    "/v1/courses/{course_id}": "the public catalogue (drafts stay 404: see the row above)",
    "/v1/labs/{lab_id}": "the public list of labs and their hours (inactive labs are 404 to all but staff)",
    "/v1/labs/{lab_id}/availability": "public slot grid: counts of booked seats, never who booked them",
    "/v1/sponsors/{sponsor_id}": "approved sponsors are public (pending ones and contact emails: rows above)",
}


@pytest.mark.parametrize("access", OBJECT_ACCESS, ids=lambda access: access.id)
def test_intruder_cannot_reach_the_owners_object(access: ObjectAccess):
    # given an owner's object and another, authenticated user
    owner, intruder = UserFactory(), UserFactory()
    target = access.arrange(owner, intruder)
    body = target.body if target.body is not None else access.body
    # when the intruder calls the route for it
    response = client_for(intruder).generic(
        access.method,
        target.path,
        data="" if body is None else json.dumps(body),
        content_type="application/json",
        **domain.idempotency_key(),
    )
    # then nothing of the owner's object comes back, and nothing changed
    if access.expect_status in EXPECTED_CODES:
        assert_error(response, access.expect_status, access.expect_code or EXPECTED_CODES[access.expect_status])
    else:
        assert response.status_code == access.expect_status, response.content[:500]
    text = response.content.decode()
    for secret in target.secrets:
        assert secret not in text, f"{access.id} leaked {secret!r} to another user"
    if access.untouched is not None:
        access.untouched(owner)


def test_self_scoped_routes_act_on_the_caller():
    # given two users
    first, second = UserFactory(display_name="First"), UserFactory(display_name="Second")
    # when each reads and edits "me"
    assert client_for(first).get("/v1/users/me").json()["id"] == str(first.pk)
    client_for(second).patch("/v1/users/me", {"display_name": "Second, renamed"}, format="json")
    # then only the caller's row changed
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.display_name, second.display_name) == ("First", "Second, renamed")


def test_every_object_route_is_covered():
    """A new route that takes an object id must come with its BOLA row."""
    covered = {access.route for access in OBJECT_ACCESS} | set(PUBLIC_OBJECT_ROUTES)
    with_ids = {route for route in api_routes() if "{" in route}
    missing = sorted(with_ids - covered)
    assert not missing, f"add ObjectAccess rows (or PUBLIC_OBJECT_ROUTES entries) for: {missing}"


def test_chat_cannot_continue_another_users_conversation():
    # given someone else's conversation
    owner, intruder = UserFactory(), UserFactory()
    conversation = Conversation.objects.create(user=owner, title="Owner's chat", provider="offline")
    # when the intruder posts into it by id
    response = client_for(intruder).post(
        "/v1/ai/chat", {"message": "show me everything", "conversation_id": str(conversation.pk)}, format="json"
    )
    # then it does not exist for them, and nothing was added to it
    assert_error(response, 404, "not_found")
    assert not Message.objects.filter(conversation=conversation).exists()
