"""Walk every registered admin page with production-like volume (issue 8),
with the staff roles and the audit trail on.

Seeds the small demo plus 20,000 enrollments and some audited staff changes,
then opens, for every model the admin registers: the changelist, the add form
(where adding is allowed), the change form and the history page of one
existing object, first as a superuser, then as each staff role (the pages the
role may see). Each page must answer 200 within a fixed query budget, so no
page grows with the size of a table, and a role's permissions cost a bounded
number of queries.
"""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.models import Course
from apps.catalog.services import course_archive, course_publish
from apps.identity import roles
from deltalabs.models import AuditEntry
from tests.factories.identity import RoleStaffFactory, StaffFactory
from tests.factories.learning import bulk_enrollments
from tests.support.emulator import LARGE_DATA

pytestmark = pytest.mark.django_db

CHANGELIST_BUDGET = 15
FORM_BUDGET = 30


def _pages(site, staff):
    request = RequestFactory().get("/admin/")
    request.user = staff
    for model, model_admin in site._registry.items():
        if not model_admin.has_view_or_change_permission(request):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        yield "changelist", model, reverse(f"admin:{info[0]}_{info[1]}_changelist"), CHANGELIST_BUDGET
        # An object the admin itself lists (proxy admins such as the grading queue filter).
        obj = model_admin.get_queryset(request).order_by("pk").first()
        if obj is not None:
            yield "change", model, reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk]), FORM_BUDGET
            yield "history", model, reverse(f"admin:{info[0]}_{info[1]}_history", args=[obj.pk]), FORM_BUDGET
        if model_admin.has_add_permission(request):
            yield "add", model, reverse(f"admin:{info[0]}_{info[1]}_add"), FORM_BUDGET


def _walk(staff) -> tuple[int, list[str]]:
    browser = Client()
    browser.force_login(staff)
    problems, walked = [], 0
    for kind, model, url, budget in _pages(admin.site, staff):
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(url)
        walked += 1
        if response.status_code != 200:
            problems.append(f"{staff.email} {kind} {model._meta.label}: HTTP {response.status_code}")
        elif len(queries) > budget:
            problems.append(f"{staff.email} {kind} {model._meta.label}: {len(queries)} queries > {budget}")
    return walked, problems


@pytest.mark.emulator_cannot_judge(LARGE_DATA)
def test_every_admin_page_renders_within_budget_at_scale():
    # given the demo data, 20,000 enrollments and an audit trail
    call_command("seed", size="small", no_progress=True, stdout=io.StringIO())
    courses = list(Course.objects.filter(capacity__isnull=True)[:4])
    bulk_enrollments(learners=5_000, courses=courses)
    superuser = StaffFactory()
    for course in courses:
        course_archive(actor=superuser, course_id=course.pk)
        course_publish(actor=superuser, course_id=course.pk)
    assert AuditEntry.objects.count() >= len(courses)
    # when a superuser, then each role, open every page they may see
    walked, problems = _walk(superuser)
    assert walked >= 4 * 10
    for role in roles.ROLES:
        role_walked, role_problems = _walk(RoleStaffFactory(roles=[role.key]))
        assert role_walked >= 3, role.key
        problems += role_problems
    # then each answers 200 within its budget
    assert not problems, "\n".join(problems)
