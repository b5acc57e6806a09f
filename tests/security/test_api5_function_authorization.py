"""API5:2023 Broken Function Level Authorization.

Staff functions stay with staff: the admin (every registered model's
changelist and add page) sends learners to the login page and serves staff;
staff-only API actions answer a learner 403 ``permission_denied`` and an
anonymous caller 401.

Add an API action reserved to staff or instructors as one ``RESTRICTED_ACTIONS``
row; admin pages are discovered from the admin registry automatically.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for
from tests.factories.identity import StaffFactory, UserFactory
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


# (method, path, body, urls module or None): API actions a learner may not perform.
RESTRICTED_ACTIONS: list = [
    pytest.param(
        "GET", "/v1/_probe/staff-only", None, marks=pytest.mark.urls("tests.deltalabs.probe_urls"), id="probe"
    ),
    # Domain rows, e.g.:
    # pytest.param("PATCH", "/v1/submissions/{id}", {"score": 100}, id="grade as learner"),
]


@pytest.mark.parametrize(("method", "path", "body"), RESTRICTED_ACTIONS)
def test_learner_is_refused_staff_actions(method, path, body):
    response = client_for(UserFactory()).generic(
        method, path, data=None if body is None else json.dumps(body), content_type="application/json"
    )
    assert_error(response, 403, "permission_denied")


@pytest.mark.parametrize(("method", "path", "body"), RESTRICTED_ACTIONS)
def test_anonymous_is_refused_staff_actions(api_client, method, path, body):
    response = api_client.generic(
        method, path, data=None if body is None else json.dumps(body), content_type="application/json"
    )
    assert_error(response, 401, "not_authenticated")


def test_deactivated_staff_lose_the_admin():
    staff = StaffFactory()
    browser = _browser(staff)
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert browser.get(reverse("admin:index")).status_code == 302
