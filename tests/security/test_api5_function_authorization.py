"""API5:2023 Broken Function Level Authorization.

Staff functions stay with staff: the admin (every registered model's
changelist and add page) sends learners to the login page and serves staff;
staff-only API actions answer a learner 403 ``permission_denied`` and an
anonymous caller 401.

Add an API action reserved to staff or instructors as one ``RESTRICTED_ACTIONS``
row (``arrange`` puts the learner as close to the action as a learner gets:
their own order, their own post, enrolled in the course; ``untouched`` proves
the refusal changed nothing); admin pages are discovered from the admin
registry automatically.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from apps.assessment.models import Submission
from apps.commerce.models import Order, Sponsorship
from apps.engagement.models import Answer, Question
from apps.identity.models import User
from apps.learning.models import Enrollment
from tests.conftest import client_for
from tests.factories.identity import StaffFactory, UserFactory
from tests.security import domain
from tests.security.conftest import assert_error

pytestmark = pytest.mark.django_db


# Enough of a staff request for ModelAdmin.has_add_permission() at collection time.
_STAFF_REQUEST = SimpleNamespace(user=SimpleNamespace(is_active=True, is_staff=True, has_perm=lambda *args: True))


def _admin_pages() -> list[str]:
    """The admin index and, for every registered model, its changelist and add page."""
    pages = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(_STAFF_REQUEST):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
    return pages


def _browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("page", _admin_pages())
def test_learner_is_sent_to_the_admin_login(page):
    response = _browser(UserFactory()).get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("page", _admin_pages())
def test_anonymous_is_sent_to_the_admin_login(page):
    response = _browser().get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("page", _admin_pages())
def test_staff_get_the_page(page):
    # The control: the same pages work for staff, so the 302s above are the gate, not a broken page.
    assert _browser(StaffFactory()).get(page).status_code == 200


def test_learner_cannot_post_to_the_admin():
    # given a learner who forges an admin form post
    victim = UserFactory()
    response = _browser(UserFactory()).post(
        reverse("admin:identity_user_change", args=[victim.pk]),
        {"email": victim.email, "display_name": victim.display_name, "is_staff": "on"},
    )
    # then they are sent to log in and nothing changes
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.is_staff is False


@dataclass(frozen=True)
class Restricted:
    method: str
    arrange: Callable[[User], tuple[str, dict | None]]  # builds the learner's situation; returns (path, body)
    untouched: Callable[[User], None] | None = None  # the action had no effect


def _fixed(path: str, body: dict | None = None) -> Callable[[User], tuple[str, dict | None]]:
    return lambda learner: (path, body)


def _grade_own_submission(learner: User) -> tuple[str, dict]:
    submission = domain.submission_of(learner)
    return f"/v1/submissions/{submission.pk}", {"score": "10", "feedback": "Perfect, says I"}


def _own_submission_kept_its_grade(learner: User) -> None:
    submission = Submission.objects.get(user=learner)
    assert (submission.score, submission.graded_by_id, submission.feedback) == (5, None, "")


def _refund_own_order(learner: User) -> tuple[str, dict]:
    order = domain.paid_order_of(learner)
    return f"/v1/orders/{order.pk}/refund", {"reason": "I changed my mind"}


def _own_order_still_paid(learner: User) -> None:
    order = Order.objects.get(user=learner)
    assert order.status == Order.Status.PAID
    assert Enrollment.objects.get(user=learner).status == Enrollment.Status.ACTIVE


def _sponsorships_of_a_sponsor_not_joined(*, request: bool):
    def arrange(learner: User) -> tuple[str, dict | None]:
        sponsorship = domain.sponsorship_of(UserFactory())
        body = {"course_id": str(sponsorship.course_id), "seats": 10} if request else None
        return f"/v1/sponsors/{sponsorship.sponsor_id}/sponsorships", body

    return arrange


def _no_new_sponsorship(learner: User) -> None:
    assert Sponsorship.objects.count() == 1


def _moderate_own_question(suffix: str, body: dict | None):
    """The learner is enrolled and the question is their own: still not a moderator."""

    def arrange(learner: User) -> tuple[str, dict | None]:
        question = domain.question_of(learner)
        return f"/v1/courses/{question.course_id}/questions/{question.pk}{suffix}", body

    return arrange


def _own_question_untouched(learner: User) -> None:
    question = Question.objects.get(author=learner)
    assert (question.is_hidden, question.hidden_at) == (False, None)


def _moderate_own_answer(suffix: str, body: dict | None):
    def arrange(learner: User) -> tuple[str, dict | None]:
        question = domain.question_of(UserFactory())
        domain.enroll(learner, question.course)
        answer = domain.answer_to(question, learner)
        return f"/v1/courses/{question.course_id}/answers/{answer.pk}{suffix}", body

    return arrange


def _own_answer_untouched(learner: User) -> None:
    answer = Answer.objects.get(author=learner)
    assert (answer.is_hidden, answer.question.answer_count) == (False, 1)


def _accept_on_someone_elses_question(learner: User) -> tuple[str, dict]:
    question = domain.question_of(UserFactory())
    domain.enroll(learner, question.course)
    answer = domain.answer_to(question, learner)
    return f"/v1/courses/{question.course_id}/questions/{question.pk}/accept", {"answer_id": str(answer.pk)}


def _nothing_accepted(learner: User) -> None:
    assert not Question.objects.filter(accepted_answer__isnull=False).exists()


# API actions a learner may not perform: 403 permission_denied to a signed-in learner
# (who owns or can see the object), 401 to an anonymous caller.
RESTRICTED_ACTIONS: list = [
    pytest.param(
        Restricted("GET", _fixed("/v1/_probe/staff-only")),
        marks=pytest.mark.urls("tests.deltalabs.probe_urls"),
        id="probe",
    ),
    pytest.param(
        Restricted("PATCH", _grade_own_submission, _own_submission_kept_its_grade), id="learner grades a submission"
    ),
    pytest.param(Restricted("POST", _refund_own_order, _own_order_still_paid), id="learner refunds their order"),
    pytest.param(
        Restricted("GET", _sponsorships_of_a_sponsor_not_joined(request=False)),
        id="non-member reads a sponsor's sponsorships",
    ),
    pytest.param(
        Restricted("POST", _sponsorships_of_a_sponsor_not_joined(request=True), _no_new_sponsorship),
        id="non-member requests sponsored seats",
    ),
    pytest.param(
        Restricted("POST", _moderate_own_question("/hide", {"hidden": True}), _own_question_untouched),
        id="learner hides a question",
    ),
    pytest.param(
        Restricted("DELETE", _moderate_own_question("", None), _own_question_untouched),
        id="learner deletes their question",
    ),
    pytest.param(
        Restricted("POST", _moderate_own_answer("/hide", {"hidden": True}), _own_answer_untouched),
        id="learner hides an answer",
    ),
    pytest.param(
        Restricted("DELETE", _moderate_own_answer("", None), _own_answer_untouched),
        id="learner deletes their answer",
    ),
    pytest.param(
        Restricted("POST", _accept_on_someone_elses_question, _nothing_accepted),
        id="learner accepts an answer on someone else's question",
    ),
]


def _call(client, method: str, path: str, body: dict | None):
    return client.generic(
        method,
        path,
        data="" if body is None else json.dumps(body),
        content_type="application/json",
        **domain.idempotency_key(),
    )


@pytest.mark.parametrize("action", RESTRICTED_ACTIONS)
def test_learner_is_refused_staff_actions(action: Restricted):
    learner = UserFactory()
    path, body = action.arrange(learner)
    assert_error(_call(client_for(learner), action.method, path, body), 403, "permission_denied")
    if action.untouched is not None:
        action.untouched(learner)


@pytest.mark.parametrize("action", RESTRICTED_ACTIONS)
def test_anonymous_is_refused_staff_actions(api_client, action: Restricted):
    learner = UserFactory()
    path, body = action.arrange(learner)
    assert_error(_call(api_client, action.method, path, body), 401, "not_authenticated")
    if action.untouched is not None:
        action.untouched(learner)


def test_a_learner_gets_their_own_grades_never_the_gradebook():
    """The gradebook (every learner's row) is the instructors' view of
    GET /v1/courses/{id}/grades; a learner asking for it, with the gradebook's
    own pagination parameters, is refused (400: a learner's grades are not a
    page) and, without them, gets their own row only."""
    # given a learner and two classmates with graded work
    learner = UserFactory()
    classmates = [UserFactory(display_name=domain.marker("Classmate")) for _ in range(2)]
    course = domain.classroom(learner, *classmates)
    for classmate in classmates:
        domain.submission_of(classmate, in_course=course)
    # when the learner asks for the course's grades, paging like an instructor
    paging = client_for(learner).get(f"/v1/courses/{course.pk}/grades", {"limit": 100})
    # then it is refused, and nothing of a classmate goes out
    assert paging.status_code == 400 and paging.json()["code"] == "validation_error"
    for classmate in classmates:
        assert classmate.display_name not in paging.content.decode()
    # when they ask without paging, they get their own body, not a page of rows
    response = client_for(learner).get(f"/v1/courses/{course.pk}/grades")
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert "results" not in body
    assert body["user"]["id"] == str(learner.pk)
    for classmate in classmates:
        assert classmate.display_name not in response.content.decode()
    # and the control: an instructor of the course gets the gradebook with every row
    instructor = UserFactory()
    domain.teach(instructor, course)
    gradebook = client_for(instructor).get(f"/v1/courses/{course.pk}/grades").json()
    assert {row["user"]["id"] for row in gradebook["results"]} == {str(u.pk) for u in [learner, *classmates]}


def test_learner_cannot_run_admin_actions():
    # given a draft course and a learner who forges the changelist's publish action
    course = domain.course(status="draft", published_at=None)
    response = _browser(UserFactory()).post(
        reverse("admin:catalog_course_changelist"),
        {"action": "publish_courses", "_selected_action": [str(course.pk)], "index": "0"},
    )
    # then they are sent to log in and the course stays a draft
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    course.refresh_from_db()
    assert course.status == "draft"


def test_deactivated_staff_lose_the_admin():
    staff = StaffFactory()
    browser = _browser(staff)
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert browser.get(reverse("admin:index")).status_code == 302
