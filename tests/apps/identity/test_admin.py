"""Staff manage users in the admin: add, change and delete, each one transaction."""

import pytest
from django.test import Client

from apps.identity.models import User
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def test_staff_add_a_user(admin_client):
    response = admin_client.post(
        "/admin/identity/user/add/",
        {
            "email": "New.Person@Example.test",
            "display_name": "New Person",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(display_name="New Person")
    assert user.check_password("a-long-enough-passphrase")


def test_staff_change_a_user(admin_client):
    user = UserFactory(display_name="Before")
    response = admin_client.post(
        f"/admin/identity/user/{user.pk}/change/",
        {
            "email": user.email,
            "display_name": "After",
            "bio": "",
            "timezone": user.timezone,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert User.objects.get(pk=user.pk).display_name == "After"


def test_staff_delete_a_user(admin_client):
    user = UserFactory()
    response = admin_client.post(f"/admin/identity/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
