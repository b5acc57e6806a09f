"""Staff roles: each role sees its part of the admin, runs its actions, and the
staff-only REST actions refuse the others with 403 ``permission_denied``
(the same permission names checked in the services).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from apps.commerce.models import Order
from apps.commerce.services import orders as order_services
from apps.engagement.models import Question
from apps.identity import roles, services
from apps.labs.models import Booking
from apps.learning.models import Enrollment
from deltalabs.errors import PermissionDenied
from tests.conftest import client_for
from tests.factories.identity import RoleStaffFactory, StaffFactory, UserFactory
from tests.security import domain
from tests.security.conftest import assert_error

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _index_models(user) -> set[str]:
    """``app_label/model_name`` of every model the admin index lists for ``user``."""
    response = _browser(user).get(reverse("admin:index"))
    assert response.status_code == 200
    return {
        f"{app['app_label']}/{model['object_name'].lower()}"
        for app in response.context["app_list"]
        for model in app["models"]
    }


# --- The roles themselves ----------------------------------------------------------


def test_sync_creates_each_role_with_exactly_its_permissions_and_is_idempotent():
    # when the roles are synced twice
    first = services.roles_sync()
    second = services.roles_sync()
    # then the first run created them all, the second changed nothing
    assert sorted(first.created) == sorted(role.name for role in roles.ROLES)
    assert (second.created, second.updated) == ([], [])
    for role in roles.ROLES:
        group = Group.objects.get(name=role.name)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(role.permissions), role.key


def test_sync_puts_back_a_permission_removed_by_hand():
    services.roles_sync()
    finance = Group.objects.get(name=roles.FINANCE.name)
    finance.permissions.remove(finance.permissions.get(codename="refund_order"))
    assert services.roles_sync().updated == [roles.FINANCE.name]
    assert finance.permissions.filter(codename="refund_order").exists()


def test_a_role_grants_nothing_to_an_account_that_is_not_staff():
    user = UserFactory()
    services.staff_roles_grant(user_id=user.pk, role_keys=["finance"])
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm("commerce.refund_order")
    assert user.get_all_permissions() == set()


def test_staff_without_a_role_may_sign_in_but_sees_no_model():
    assert _index_models(RoleStaffFactory()) == set()


def test_a_superuser_sees_every_registered_model():
    from django.contrib import admin

    everything = {f"{m._meta.app_label}/{m._meta.model_name}" for m in admin.site._registry}
    assert _index_models(StaffFactory()) == everything


# --- What each role sees in the admin ------------------------------------------------

SEES = {
    "catalogue_editor": (
        {"catalog/course", "catalog/category", "catalog/section", "assessment/assessment"},
        {"commerce/order", "learning/enrollment", "labs/booking", "assessment/submission", "deltalabs/auditentry"},
    ),
    "learner_support": (
        {"learning/enrollment", "labs/booking", "engagement/question", "engagement/answer", "commerce/order"},
        {"commerce/sponsor", "assessment/submission", "labs/labclosure", "catalog/category", "auth/group"},
    ),
    "finance": (
        {"commerce/order", "commerce/sponsor", "commerce/sponsorship", "commerce/sponsorshipredemption"},
        {"learning/enrollment", "labs/lab", "engagement/question", "catalog/category", "assessment/submission"},
    ),
    "lab_manager": (
        {"labs/lab", "labs/labclosure", "labs/booking"},
        {"commerce/order", "learning/enrollment", "assessment/submission", "engagement/question"},
    ),
    "grader": (
        {"assessment/submission", "assessment/submissiontograde", "assessment/assessment"},
        {"commerce/order", "learning/enrollment", "labs/lab", "catalog/course", "identity/user"},
    ),
}


@pytest.mark.parametrize("role", sorted(SEES))
def test_the_admin_index_lists_what_the_role_may_see(role):
    must_see, must_not_see = SEES[role]
    listed = _index_models(RoleStaffFactory(roles=[role]))
    assert must_see <= listed, must_see - listed
    assert not (must_not_see & listed), must_not_see & listed


@pytest.mark.parametrize("role", sorted(SEES))
def test_pages_outside_the_role_are_forbidden(role):
    _, must_not_see = SEES[role]
    browser = _browser(RoleStaffFactory(roles=[role]))
    for model in sorted(must_not_see):
        app_label, model_name = model.split("/")
        response = browser.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
        assert response.status_code == 403, model


# --- Which admin actions each role is offered ---------------------------------------------

ACTIONS = [
    # (role, changelist, action, offered)
    ("finance", "commerce/order", "refund_orders", True),
    ("learner_support", "commerce/order", "refund_orders", False),
    ("finance", "commerce/sponsorship", "approve_sponsorships", True),
    ("catalogue_editor", "catalog/course", "publish_courses", True),
    ("learner_support", "learning/enrollment", "cancel_enrollments", True),
    ("lab_manager", "labs/booking", "cancel_bookings", True),
    ("learner_support", "labs/booking", "cancel_bookings", True),
    ("grader", "assessment/submission", "grade_with_auto_score", True),
    ("grader", "assessment/submission", "reset_selected", True),
    ("learner_support", "engagement/question", "hide_selected", True),
    ("finance", "catalog/course", "publish_courses", False),
    ("lab_manager", "catalog/course", "publish_courses", False),
]


@pytest.mark.parametrize(("role", "changelist", "action", "offered"), ACTIONS)
def test_the_changelist_offers_the_actions_of_the_role(role, changelist, action, offered):
    app_label, model_name = changelist.split("/")
    response = _browser(RoleStaffFactory(roles=[role])).get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert response.status_code == 200
    names = {name for name, _ in response.context["action_form"].fields["action"].choices}
    assert (action in names) is offered


def test_an_admin_action_posted_without_the_permission_changes_nothing():
    # given a paid order and a support agent who forges the refund action
    order = domain.paid_order_of(UserFactory())
    browser = _browser(RoleStaffFactory(roles=["learner_support"]))
    browser.post(
        reverse("admin:commerce_order_changelist"),
        {"action": "refund_orders", "_selected_action": [str(order.pk)]},
    )
    # then the order is still paid
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_the_service_refuses_a_role_without_the_permission():
    order = domain.paid_order_of(UserFactory())
    with pytest.raises(PermissionDenied):
        order_services.order_refund(actor=RoleStaffFactory(roles=["learner_support"]), order_id=order.pk)
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


# --- Staff-only REST actions per role -------------------------------------------------------


@dataclass(frozen=True)
class StaffAction:
    method: str
    arrange: Callable[[], tuple[str, dict | None, Callable[[], bool]]]  # (path, body, done?)


def _refund():
    order = domain.paid_order_of(UserFactory())
    return (
        f"/v1/orders/{order.pk}/refund",
        {"reason": "requested"},
        lambda: Order.objects.get(pk=order.pk).status == Order.Status.REFUNDED,
    )


def _cancel_booking():
    booking = domain.booking_of(UserFactory())
    return (
        f"/v1/bookings/{booking.pk}/cancel",
        None,
        lambda: Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED,
    )


def _cancel_enrollment():
    enrollment = domain.enrollment_of(UserFactory())
    return (
        f"/v1/enrollments/{enrollment.pk}/cancel",
        None,
        lambda: Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.CANCELLED,
    )


def _grade():
    submission = domain.submission_of(UserFactory())
    return (
        f"/v1/submissions/{submission.pk}",
        {"score": "8", "feedback": "Well argued."},
        lambda: type(submission).objects.get(pk=submission.pk).score == 8,
    )


def _hide_question():
    question = domain.question_of(UserFactory())
    return (
        f"/v1/courses/{question.course_id}/questions/{question.pk}/hide",
        {"hidden": True},
        lambda: Question.objects.get(pk=question.pk).is_hidden,
    )


def _delete_question():
    question = domain.question_of(UserFactory())
    return (
        f"/v1/courses/{question.course_id}/questions/{question.pk}",
        None,
        lambda: not Question.objects.filter(pk=question.pk).exists(),
    )


REST_ACTIONS = {
    "refund an order": (StaffAction("POST", _refund), {"finance"}),
    "cancel a booking": (StaffAction("POST", _cancel_booking), {"learner_support", "lab_manager"}),
    "cancel an enrollment": (StaffAction("POST", _cancel_enrollment), {"learner_support"}),
    "grade a submission": (StaffAction("PATCH", _grade), {"grader"}),
    "hide a question": (StaffAction("POST", _hide_question), {"learner_support"}),
    "delete a question": (StaffAction("DELETE", _delete_question), {"learner_support"}),
}


def _call(actor, method: str, path: str, body: dict | None):
    return client_for(actor).generic(
        method,
        path,
        data="" if body is None else json.dumps(body),
        content_type="application/json",
        **domain.idempotency_key(),
    )


@pytest.mark.parametrize("role", [role.key for role in roles.ROLES])
@pytest.mark.parametrize("name", sorted(REST_ACTIONS))
def test_staff_rest_actions_follow_the_role(role, name):
    # given the situation the action acts on, and a staff member holding one role
    action, allowed_roles = REST_ACTIONS[name]
    path, body, done = action.arrange()
    actor = RoleStaffFactory(roles=[role])
    # when they call the staff action
    response = _call(actor, action.method, path, body)
    # then the roles that may do it succeed; the others get 403 and change nothing
    if role in allowed_roles:
        assert response.status_code in (200, 204), response.content[:300]
        assert done()
    else:
        assert_error(response, 403, "permission_denied")
        assert not done()


def test_a_superuser_may_run_every_staff_rest_action():
    for name, (action, _) in sorted(REST_ACTIONS.items()):
        path, body, done = action.arrange()
        response = _call(StaffFactory(), action.method, path, body)
        assert response.status_code in (200, 204), (name, response.content[:300])
        assert done(), name


def test_a_learner_still_gets_404_for_another_users_order():
    # Staff learn that a record exists (403); learners never do (404).
    order = domain.paid_order_of(UserFactory())
    assert_error(client_for(UserFactory()).get(f"/v1/orders/{order.pk}"), 404, "not_found")
    assert_error(client_for(RoleStaffFactory(roles=["grader"])).get(f"/v1/orders/{order.pk}"), 403, "permission_denied")
    assert client_for(RoleStaffFactory(roles=["finance"])).get(f"/v1/orders/{order.pk}").status_code == 200


def test_only_superusers_give_roles():
    target = RoleStaffFactory()
    services.roles_sync()
    finance = Group.objects.get(name=roles.FINANCE.name)
    with pytest.raises(PermissionDenied):
        services.staff_roles_set(actor=RoleStaffFactory(roles=["finance"]), user_id=target.pk, group_ids=[finance.pk])
    services.staff_roles_set(actor=StaffFactory(), user_id=target.pk, group_ids=[finance.pk])
    assert type(target).objects.get(pk=target.pk).has_perm("commerce.refund_order")
