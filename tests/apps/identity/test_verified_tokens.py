"""A worker verifies each access token once (apps.identity.authentication._verified).

What may be remembered is only what cannot change for the same bytes (the
signature, type and claims); expiry and the user are checked on every request.
"""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.utils import timezone
from rest_framework_simplejwt.backends import TokenBackend

from apps.identity.models import User
from apps.identity.services import tokens_for

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def decodes():
    """Every signature check simplejwt makes, counted."""
    with mock.patch.object(TokenBackend, "decode", autospec=True, side_effect=TokenBackend.decode) as spy:
        yield spy


def test_a_token_is_verified_once_per_worker(api_client, user, decodes):
    access = tokens_for(user).access
    for _ in range(3):
        response = api_client.get("/v1/users/me", **bearer(access))
        assert response.status_code == 200 and response.json()["id"] == str(user.pk)
    assert decodes.call_count == 1


def test_a_remembered_token_that_expires_gets_the_same_401_as_an_unseen_one(api_client, user, other_user):
    remembered, unseen = tokens_for(user).access, tokens_for(other_user).access
    assert api_client.get("/v1/users/me", **bearer(remembered)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        first = api_client.get("/v1/users/me", **bearer(remembered))
        second = api_client.get("/v1/users/me", **bearer(unseen))
    assert first.status_code == second.status_code == 401
    first_body, second_body = first.json(), second.json()
    assert first_body.pop("requestId") != second_body.pop("requestId")
    assert first_body == second_body
    assert first_body["code"] == "token_invalid"
    assert first.headers["WWW-Authenticate"] == second.headers["WWW-Authenticate"]


def test_a_token_just_inside_its_lifetime_is_still_accepted(api_client, user):
    access = tokens_for(user).access
    assert api_client.get("/v1/users/me", **bearer(access)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=14, seconds=50)):
        assert api_client.get("/v1/users/me", **bearer(access)).status_code == 200


def test_a_bad_token_is_never_remembered(api_client, user, decodes):
    header, payload, signature = tokens_for(user).access.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}AA"
    for _ in range(2):
        response = api_client.get("/v1/users/me", **bearer(tampered))
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"
    assert decodes.call_count == 2


def test_the_user_is_read_on_every_request(api_client, user):
    access = tokens_for(user).access
    assert api_client.get("/v1/users/me", **bearer(access)).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = api_client.get("/v1/users/me", **bearer(access))
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_changing_the_jwt_settings_forgets_what_was_verified(api_client, user, settings, decodes):
    access = tokens_for(user).access
    assert api_client.get("/v1/users/me", **bearer(access)).status_code == 200
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "LEEWAY": 0}  # any change to the JWT settings
    assert api_client.get("/v1/users/me", **bearer(access)).status_code == 200
    assert decodes.call_count == 2
