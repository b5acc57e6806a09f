"""API2:2023 Broken Authentication.

Only well-formed, unexpired HS256 access tokens signed with the JWT signing
key, for an active user, authenticate (docs/api.md, Authentication and roles); refresh tokens rotate and
die on reuse or logout; password guessing is rate-limited per IP and per email;
login answers never reveal whether an account exists; every operation but the
listed public ones (``ANONYMOUS_OPERATIONS``, with the reason) refuses a caller
without a token, so a new endpoint is protected unless someone says otherwise.
"""

from __future__ import annotations

import re
import warnings
from datetime import timedelta

import jwt
import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from jwt.warnings import InsecureKeyLengthWarning
from rest_framework.test import APIClient

from apps.identity.services import tokens_for
from deltalabs.ratelimit import parse_rate
from tests.factories.identity import TEST_PASSWORD, UserFactory
from tests.security.conftest import assert_error

pytestmark = pytest.mark.django_db


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _alg_none(user) -> str:
    return jwt.encode(_claims(tokens_for(user).access), key=None, algorithm="none")


def _tampered(user) -> str:
    # A valid token whose payload now names another user, signature unchanged.
    header, _payload, signature = tokens_for(user).access.split(".")
    other_payload = tokens_for(UserFactory()).access.split(".")[1]
    return f"{header}.{other_payload}.{signature}"


def _signed_with_secret_key(user) -> str:
    return jwt.encode(_claims(tokens_for(user).access), django_settings.SECRET_KEY, algorithm="HS256")


def _other_algorithm(user) -> str:
    # The right key, another algorithm: only the configured HS256 is accepted.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(
            _claims(tokens_for(user).access), django_settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS512"
        )


def _refresh_as_access(user) -> str:
    return tokens_for(user).refresh


def _garbage(user) -> str:
    return "not.a.jwt"


@pytest.mark.parametrize(
    "forge",
    [_alg_none, _tampered, _signed_with_secret_key, _other_algorithm, _refresh_as_access, _garbage],
    ids=lambda forge: forge.__name__.strip("_"),
)
def test_forged_tokens_are_refused(forge):
    response = _bearer(forge(UserFactory())).get("/v1/users/me")
    assert_error(response, 401, "token_invalid")


def test_the_untouched_token_is_accepted():
    # The control for the forgeries above: the same path with a real token works.
    user = UserFactory()
    assert _bearer(tokens_for(user).access).get("/v1/users/me").json()["id"] == str(user.pk)


def test_expired_access_token_is_refused():
    user = UserFactory()
    token = tokens_for(user).access
    lifetime = django_settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
    with time_machine.travel(timezone.now() + lifetime + timedelta(seconds=5)):
        assert_error(_bearer(token).get("/v1/users/me"), 401, "token_invalid")


def test_deactivated_users_token_is_refused():
    user = UserFactory()
    token = tokens_for(user).access
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_error(_bearer(token).get("/v1/users/me"), 401, "token_invalid")


def test_a_bad_token_is_refused_even_on_a_public_route():
    # docs/api.md, Authentication and roles: a token that is sent must be valid, even where none is needed.
    response = _bearer("not.a.jwt").post(
        "/v1/auth/login", {"email": "x@example.test", "password": "whatever"}, format="json"
    )
    assert_error(response, 401, "token_invalid")


class TestRefreshTokens:
    def test_rotated_refresh_token_cannot_be_replayed(self, api_client):
        refresh = tokens_for(UserFactory()).refresh
        assert api_client.post("/v1/auth/refresh", {"refresh": refresh}, format="json").status_code == 200
        assert_error(api_client.post("/v1/auth/refresh", {"refresh": refresh}, format="json"), 401, "token_invalid")

    def test_logged_out_refresh_token_is_dead(self, api_client):
        refresh = tokens_for(UserFactory()).refresh
        assert api_client.post("/v1/auth/logout", {"refresh": refresh}, format="json").status_code == 204
        assert_error(api_client.post("/v1/auth/refresh", {"refresh": refresh}, format="json"), 401, "token_invalid")

    def test_expired_refresh_token_is_refused(self, api_client):
        refresh = tokens_for(UserFactory()).refresh
        lifetime = django_settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]
        with time_machine.travel(timezone.now() + lifetime + timedelta(seconds=5)):
            response = api_client.post("/v1/auth/refresh", {"refresh": refresh}, format="json")
        assert_error(response, 401, "token_invalid")

    def test_access_token_cannot_refresh(self, api_client):
        access = tokens_for(UserFactory()).access
        assert_error(api_client.post("/v1/auth/refresh", {"refresh": access}, format="json"), 401, "token_invalid")


class TestPasswordGuessing:
    def _limit(self) -> int:
        return parse_rate(django_settings.RATE_LIMITS["auth"])[0]

    def test_login_attempts_are_limited_per_ip(self, api_client):
        # given an attacker guessing passwords for many accounts from one address
        for attempt in range(self._limit()):
            response = api_client.post(
                "/v1/auth/login", {"email": f"victim{attempt}@example.test", "password": "guess"}, format="json"
            )
            assert response.status_code == 401
        # when they try once more
        response = api_client.post("/v1/auth/login", {"email": "one-more@example.test", "password": "x"}, format="json")
        # then they are told to wait
        assert_error(response, 429, "rate_limited")
        assert int(response["Retry-After"]) > 0

    def test_login_attempts_are_limited_per_email_across_ips(self, api_client):
        # given a botnet guessing one account's password from many addresses
        victim = UserFactory()
        for attempt in range(self._limit()):
            response = api_client.post(
                "/v1/auth/login",
                {"email": victim.email, "password": f"guess-{attempt}"},
                format="json",
                REMOTE_ADDR=f"203.0.113.{attempt + 1}",
            )
            assert response.status_code == 401
        # when the right password finally arrives from a fresh address
        response = api_client.post(
            "/v1/auth/login",
            {"email": victim.email, "password": TEST_PASSWORD},
            format="json",
            REMOTE_ADDR="198.51.100.7",
        )
        # then it is refused too: the attacker learns nothing from it
        assert_error(response, 429, "rate_limited")


def test_login_does_not_reveal_which_accounts_exist(api_client):
    user = UserFactory()
    wrong_password = api_client.post("/v1/auth/login", {"email": user.email, "password": "nope"}, format="json")
    unknown_email = api_client.post(
        "/v1/auth/login", {"email": "nobody@example.test", "password": "nope"}, format="json"
    )
    first, second = assert_error(wrong_password, 401, "invalid_credentials"), unknown_email.json()
    assert (first["code"], first["message"]) == (second["code"], second["message"])


# --- Every endpoint but the public ones needs a token --------------------------------------

# "<METHOD> <route>" -> why anyone may call it without a token (docs/api.md, Authentication and roles).
ANONYMOUS_OPERATIONS: dict[str, str] = {
    "POST /v1/auth/register": "signing up",
    "POST /v1/auth/login": "signing in",
    "POST /v1/auth/refresh": "the refresh token is the credential",
    "POST /v1/auth/logout": "the refresh token is the credential",
    "GET /v1/courses": "the public catalogue",
    "GET /v1/courses/{course_id}": "the public catalogue (drafts are 404)",
    "GET /v1/categories": "the public catalogue",
    "GET /v1/labs": "labs are browsed before signing up",
    "GET /v1/labs/{lab_id}": "labs are browsed before signing up",
    "GET /v1/labs/{lab_id}/availability": "seat counts only, never who booked",
    "GET /v1/sponsors": "approved sponsors are public",
    "GET /v1/sponsors/{sponsor_id}": "approved sponsors are public (others 404)",
}

_PLACEHOLDER_ID = "00000000-0000-4000-8000-000000000000"


def _operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method != "parameters"
    )


@pytest.mark.parametrize(("method", "route"), _operations(), ids=lambda value: value)
def test_only_the_public_operations_serve_anonymous_callers(api_client, method, route):
    # given no token at all (and well-formed but unknown ids, an empty JSON body, an idempotency key)
    response = api_client.generic(
        method,
        re.sub(r"\{[^}]+\}", _PLACEHOLDER_ID, route),
        data="{}",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="anonymous-probe",
    )
    if f"{method} {route}" in ANONYMOUS_OPERATIONS:
        # then a public operation answers on its merits (200, 400, 404...), never "sign in"
        assert response.status_code != 401, response.content[:300]
    else:
        # then everything else asks for a token before looking at anything
        assert_error(response, 401, "not_authenticated")


def test_every_anonymous_operation_exists():
    stale = set(ANONYMOUS_OPERATIONS) - {f"{method} {route}" for method, route in _operations()}
    assert not stale, f"remove from ANONYMOUS_OPERATIONS: {sorted(stale)}"
