"""The audit trail: staff changes through the admin and the staff REST actions
leave one entry each (who, when, what object, what changed), shown on the
object's history page, in the "Activity" list and in "Recent actions"."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.catalog.models import Category, Course
from apps.commerce.models import Order, Sponsor, Sponsorship
from apps.identity import roles, services
from deltalabs.models import AuditEntry
from tests.conftest import client_for
from tests.factories.catalog import CategoryFactory, CourseFactory
from tests.factories.commerce import SponsorFactory, SponsorshipFactory
from tests.factories.identity import RoleStaffFactory, StaffFactory, UserFactory
from tests.security import domain

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _run_action(user, changelist: str, action: str, ids) -> None:
    response = _browser(user).post(
        reverse(f"admin:{changelist}_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in ids]},
        follow=True,
    )
    assert response.status_code == 200


def _only_entry(target) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(target_id=str(target.pk)))
    assert len(entries) == 1, [(e.action, e.changes) for e in entries]
    return entries[0]


# --- The three the issue names: a refund, a publish, an approval ----------------------------


def test_a_refund_through_the_api_leaves_one_entry_with_actor_and_changes():
    # given a paid order and a finance staff member
    order = domain.paid_order_of(UserFactory())
    finance = RoleStaffFactory(roles=["finance"])
    # when they refund it through the staff REST action
    response = client_for(finance).post(
        f"/v1/orders/{order.pk}/refund", {"reason": "Duplicate purchase"}, format="json", **domain.idempotency_key()
    )
    assert response.status_code == 200
    # then one entry says who refunded which order, and what changed
    entry = _only_entry(order)
    assert (entry.actor_id, entry.actor_email) == (finance.pk, finance.email)
    assert (entry.action, entry.target_type, entry.target_repr) == ("refund", "commerce.order", order.number)
    assert entry.changes["status"] == ["paid", "refunded"]
    assert entry.changes["refund_reason"] == ["", "Duplicate purchase"]
    assert entry.source == "api" and entry.request_id == response["X-Request-ID"]


def test_a_refund_through_the_admin_action_leaves_one_entry():
    order = domain.paid_order_of(UserFactory())
    finance = RoleStaffFactory(roles=["finance"])
    _run_action(finance, "commerce_order", "refund_orders", [order.pk])
    entry = _only_entry(order)
    assert (entry.actor_id, entry.action, entry.source) == (finance.pk, "refund", "admin")
    assert entry.changes["status"] == ["paid", "refunded"]


def test_a_publish_leaves_one_entry():
    course = CourseFactory(status=Course.Status.DRAFT, published_at=None)
    editor = RoleStaffFactory(roles=["catalogue_editor"])
    _run_action(editor, "catalog_course", "publish_courses", [course.pk])
    entry = _only_entry(course)
    assert (entry.actor_id, entry.action, entry.target_repr) == (editor.pk, "publish", course.title)
    assert entry.changes["status"] == ["draft", "published"]
    assert entry.changes["published_at"][0] is None and entry.changes["published_at"][1]


def test_publishing_a_published_course_changes_nothing_and_records_nothing():
    course = CourseFactory(status=Course.Status.PUBLISHED)
    _run_action(RoleStaffFactory(roles=["catalogue_editor"]), "catalog_course", "publish_courses", [course.pk])
    assert not AuditEntry.objects.filter(target_id=str(course.pk)).exists()


def test_an_approval_leaves_one_entry():
    sponsorship = SponsorshipFactory(sponsor__status=Sponsor.Status.APPROVED, status=Sponsorship.Status.PENDING)
    finance = RoleStaffFactory(roles=["finance"])
    _run_action(finance, "commerce_sponsorship", "approve_sponsorships", [sponsorship.pk])
    entry = _only_entry(sponsorship)
    assert (entry.actor_id, entry.action) == (finance.pk, "approve")
    assert entry.changes["status"] == ["pending", "approved"]
    assert entry.changes["code"][1] == Sponsorship.objects.get(pk=sponsorship.pk).code


def test_a_sponsor_approval_leaves_one_entry():
    sponsor = SponsorFactory(status=Sponsor.Status.PENDING)
    finance = RoleStaffFactory(roles=["finance"])
    _run_action(finance, "commerce_sponsor", "approve_sponsors", [sponsor.pk])
    entry = _only_entry(sponsor)
    assert (entry.action, entry.changes) == ("approve", {"status": ["pending", "approved"]})


def test_a_refused_action_records_nothing():
    order = domain.paid_order_of(UserFactory())
    support = RoleStaffFactory(roles=["learner_support"])
    response = client_for(support).post(
        f"/v1/orders/{order.pk}/refund", {"reason": "nope"}, format="json", **domain.idempotency_key()
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.exists()


def test_a_learners_own_cancellation_is_not_a_staff_change():
    enrollment = domain.enrollment_of(learner := UserFactory())
    response = client_for(learner).post(f"/v1/enrollments/{enrollment.pk}/cancel", **domain.idempotency_key())
    assert response.status_code == 200
    assert not AuditEntry.objects.exists()


def test_a_staff_cancellation_and_a_grade_are_recorded():
    enrollment = domain.enrollment_of(UserFactory())
    support = RoleStaffFactory(roles=["learner_support"])
    client_for(support).post(f"/v1/enrollments/{enrollment.pk}/cancel", **domain.idempotency_key())
    entry = _only_entry(enrollment)
    assert (entry.action, entry.changes["status"]) == ("cancel", ["active", "cancelled"])
    assert entry.target_repr == f"{enrollment.user.email} in {enrollment.course.title}"

    submission = domain.submission_of(UserFactory())
    grader = RoleStaffFactory(roles=["grader"])
    client_for(grader).patch(f"/v1/submissions/{submission.pk}", {"score": "9"}, format="json")
    entry = _only_entry(submission)
    assert (entry.actor_id, entry.action, entry.changes["score"]) == (grader.pk, "grade", ["5.00", "9.00"])


def test_closing_a_lab_is_recorded_on_the_lab():
    from datetime import timedelta

    from django.utils import timezone

    from apps.labs import services as lab_services

    lab = domain.lab()
    manager = RoleStaffFactory(roles=["lab_manager"])
    day = timezone.now().date() + timedelta(days=3)
    lab_services.closure_create(actor=manager, lab_id=lab.pk, starts_on=day, ends_on=day, reason="Maintenance")
    entry = _only_entry(lab)
    assert (entry.action, entry.actor_id, entry.source) == ("close", manager.pk, "system")
    assert entry.changes == {"closed": [None, f"{day}..{day}"], "reason": [None, "Maintenance"]}


# --- The admin's own saves ----------------------------------------------------------------


def test_an_admin_edit_records_the_fields_before_and_after():
    category = CategoryFactory(name="Robotcs", position=3)
    editor = RoleStaffFactory(roles=["catalogue_editor"])
    response = _browser(editor).post(
        reverse("admin:catalog_category_change", args=[category.pk]),
        {"name": "Robotics", "slug": category.slug, "position": 3},
    )
    assert response.status_code == 302
    entry = _only_entry(category)
    assert (entry.actor_id, entry.action, entry.source) == (editor.pk, "change", "admin")
    assert entry.changes == {"name": ["Robotcs", "Robotics"]}


def test_an_admin_add_and_delete_are_recorded():
    editor = RoleStaffFactory(roles=["catalogue_editor"])
    browser = _browser(editor)
    browser.post(reverse("admin:catalog_category_add"), {"name": "Drones", "slug": "drones", "position": 1})
    category = Category.objects.get(slug="drones")
    browser.post(reverse("admin:catalog_category_delete", args=[category.pk]), {"post": "yes"})
    actions = list(
        AuditEntry.objects.filter(target_id=str(category.pk)).order_by("at").values_list("action", flat=True)
    )
    assert actions == ["add", "delete"]


def test_course_fields_changed_in_the_admin_are_recorded_once():
    # The course form saves through course_update (which audits); the admin must not record it twice.
    course = CourseFactory(title="Old title")
    editor = RoleStaffFactory(roles=["catalogue_editor"])
    browser = _browser(editor)
    page = browser.get(reverse("admin:catalog_course_change", args=[course.pk]))
    form = page.context["adminform"].form
    data = {
        name: "" if form[name].value() is None else form[name].value() for name in form.fields if name in form.initial
    }
    data.update({"title": "New title", "category": str(course.category_id or "")})
    for prefix in ("course_instructors", "sections", "lessons", "resources"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = browser.post(reverse("admin:catalog_course_change", args=[course.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entry = _only_entry(course)
    assert entry.changes["title"] == ["Old title", "New title"]


def test_giving_a_role_is_recorded_and_passwords_never_are():
    target = RoleStaffFactory()
    services.roles_sync()
    superuser = StaffFactory()
    browser = _browser(superuser)
    page = browser.get(reverse("admin:identity_user_change", args=[target.pk]))
    form = page.context["adminform"].form
    finance = next(group for group in form.fields["roles"].queryset if group.name == roles.FINANCE.name)
    data = {
        "email": target.email,
        "display_name": target.display_name,
        "timezone": "UTC",
        "is_active": "on",
        "is_staff": "on",
        "roles": [str(finance.pk)],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    response = browser.post(reverse("admin:identity_user_change", args=[target.pk]), data)
    assert response.status_code == 302, page.context["adminform"].form.errors
    assert type(target).objects.get(pk=target.pk).has_perm("commerce.refund_order")
    entry = _only_entry(target)
    assert entry.changes["roles"] == [[], [roles.FINANCE.name]]

    browser.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),  # Django's UserAdmin names it so
        {"password1": "N3w-secret-pass!", "password2": "N3w-secret-pass!", "usable_password": "true"},
    )
    latest = AuditEntry.objects.filter(target_id=str(target.pk)).order_by("-at").first()
    assert "N3w-secret-pass!" not in str(latest.changes) + latest.note
    assert latest.changes == {"password": ["(hidden)", "(hidden)"]}


# --- Where staff read it ----------------------------------------------------------------------


@pytest.fixture
def refunded_by_finance():
    order = domain.paid_order_of(UserFactory())
    finance = RoleStaffFactory(roles=["finance"])
    _run_action(finance, "commerce_order", "refund_orders", [order.pk])
    return order, finance


def test_the_history_page_shows_the_entry(refunded_by_finance):
    order, finance = refunded_by_finance
    response = _browser(finance).get(reverse("admin:commerce_order_history", args=[order.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert finance.email in html and 'data-action="refund"' in html and "paid → refunded" in html


def test_recent_actions_shows_the_staff_members_own_entries(refunded_by_finance):
    order, finance = refunded_by_finance
    html = _browser(finance).get(reverse("admin:index")).content.decode()
    assert 'data-action="refund"' in html and order.number in html
    other = RoleStaffFactory(roles=["finance"])
    assert 'data-action="refund"' not in _browser(other).get(reverse("admin:index")).content.decode()


def test_the_activity_list_filters_by_action_and_is_for_superusers(refunded_by_finance):
    order, finance = refunded_by_finance
    course = CourseFactory(status=Course.Status.DRAFT)
    _run_action(StaffFactory(), "catalog_course", "publish_courses", [course.pk])
    browser = _browser(StaffFactory())
    url = reverse("admin:deltalabs_auditentry_changelist")
    refunds = browser.get(url, {"action": "refund"})
    assert refunds.status_code == 200
    assert order.number in refunds.content.decode() and course.title not in refunds.content.decode()
    by_actor = browser.get(url, {"actor": str(finance.pk)}).content.decode()
    assert order.number in by_actor and course.title not in by_actor
    by_type = browser.get(url, {"target_type": "catalog.course"}).content.decode()
    assert course.title in by_type and order.number not in by_type
    assert _browser(finance).get(url).status_code == 403
    assert Order.objects.get(pk=order.pk).status == Order.Status.REFUNDED
