"""Walk every registered admin page with production-like volume (issue 8).

Seeds the small demo plus 20,000 enrollments, then opens, for every model the
admin registers: the changelist, the add form (where adding is allowed) and the
change form of one existing object. Each page must answer 200 within a fixed
query budget, so no page grows with the size of a table.
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
from tests.factories.identity import StaffFactory
from tests.factories.learning import bulk_enrollments

pytestmark = pytest.mark.django_db

CHANGELIST_BUDGET = 15
FORM_BUDGET = 30


def _pages(site, staff):
    request = RequestFactory().get("/admin/")
    request.user = staff
    for model, model_admin in site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        yield "changelist", model, reverse(f"admin:{info[0]}_{info[1]}_changelist"), CHANGELIST_BUDGET
        # An object the admin itself lists (proxy admins such as the grading queue filter).
        obj = model_admin.get_queryset(request).order_by("pk").first()
        if obj is not None:
            yield "change", model, reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk]), FORM_BUDGET
        if model_admin.has_add_permission(request):
            yield "add", model, reverse(f"admin:{info[0]}_{info[1]}_add"), FORM_BUDGET


def test_every_admin_page_renders_within_budget_at_scale():
    # given the demo data and 20,000 enrollments
    call_command("seed", size="small", no_progress=True, stdout=io.StringIO())
    courses = list(Course.objects.filter(capacity__isnull=True)[:4])
    bulk_enrollments(learners=5_000, courses=courses)
    staff = StaffFactory(is_superuser=True)
    browser = Client()
    browser.force_login(staff)
    problems = []
    walked = 0
    # when staff open every page
    for kind, model, url, budget in _pages(admin.site, staff):
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(url)
        walked += 1
        # then each answers 200 within its budget
        if response.status_code != 200:
            problems.append(f"{kind} {model._meta.label}: HTTP {response.status_code}")
        elif len(queries) > budget:
            problems.append(f"{kind} {model._meta.label}: {len(queries)} queries > {budget}")
    assert walked >= 3 * 10
    assert not problems, "\n".join(problems)
