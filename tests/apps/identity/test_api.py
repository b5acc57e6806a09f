"""Identity API: registration, login, token rotation and revocation, profile (docs/api.md, Authentication and roles, Identity)."""

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from apps.identity.models import RevokedToken, User
from apps.identity.services import tokens_for
from deltalabs.api import NoStoreMixin
from tests.factories.identity import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


class TestRegister:
    def test_creates_user_and_signs_in(self, api_client):
        response = api_client.post(
            "/v1/auth/register",
            {"email": "New@Example.test", "password": TEST_PASSWORD, "display_name": "Newt"},
            format="json",
        )
        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"user", "access", "refresh"}
        assert set(body["user"]) == {"id", "email", "display_name", "bio", "timezone", "date_joined", "is_staff"}
        assert body["user"]["email"] == "new@example.test" and body["user"]["is_staff"] is False
        assert body["user"]["date_joined"].endswith("Z")
        assert api_client.get("/v1/users/me", **bearer(body["access"])).json()["id"] == body["user"]["id"]

    def test_duplicate_email_is_409_case_insensitively(self, api_client, user):
        response = api_client.post(
            "/v1/auth/register",
            {"email": user.email.upper(), "password": TEST_PASSWORD, "display_name": "Dup"},
            format="json",
        )
        assert response.status_code == 409 and response.json()["code"] == "email_taken"

    def test_weak_password_is_rejected_by_django_validators(self, api_client):
        response = api_client.post(
            "/v1/auth/register", {"email": "w@example.test", "password": "123", "display_name": "W"}, format="json"
        )
        assert response.status_code == 400
        assert "password" in response.json()["details"]
        assert not User.objects.filter(email="w@example.test").exists()

    def test_client_cannot_register_as_staff(self, api_client):
        api_client.post(
            "/v1/auth/register",
            {"email": "s@example.test", "password": TEST_PASSWORD, "display_name": "S", "is_staff": True},
            format="json",
        )
        assert User.objects.get(email="s@example.test").is_staff is False


class TestLogin:
    def test_valid_credentials(self, api_client, user):
        response = api_client.post("/v1/auth/login", {"email": user.email, "password": TEST_PASSWORD}, format="json")
        assert response.status_code == 200
        assert set(response.json()) == {"access", "refresh", "user"}

    @pytest.mark.parametrize("email", ["nobody@example.test", None])
    def test_wrong_credentials_same_answer_whether_or_not_email_exists(self, api_client, user, email):
        response = api_client.post("/v1/auth/login", {"email": email or user.email, "password": "wrong"}, format="json")
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"
        assert response.json()["message"] == "The email or password is incorrect."

    def test_inactive_user_cannot_log_in(self, api_client):
        user = UserFactory(is_active=False)
        response = api_client.post("/v1/auth/login", {"email": user.email, "password": TEST_PASSWORD}, format="json")
        assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"


class TestTokens:
    def test_missing_token_on_protected_route(self, api_client):
        assert api_client.get("/v1/users/me").json()["code"] == "not_authenticated"

    def test_expired_access_token(self, api_client, user):
        access = tokens_for(user).access
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            response = api_client.get("/v1/users/me", **bearer(access))
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"

    def test_tampered_token(self, api_client, user, other_user):
        header, payload, signature = tokens_for(user).access.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["user_id"] = str(other_user.pk)
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        response = api_client.get("/v1/users/me", **bearer(f"{header}.{forged}.{signature}"))
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"

    def test_alg_none_token(self, api_client, user):
        _, payload, _ = tokens_for(user).access.split(".")
        header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
        response = api_client.get("/v1/users/me", **bearer(f"{header}.{payload}."))
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"

    def test_garbage_token_on_public_route_is_still_401(self, api_client):
        response = api_client.post("/v1/auth/login", {}, format="json", **bearer("not.a.token"))
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"

    def test_refresh_token_is_not_an_access_token(self, api_client, user):
        response = api_client.get("/v1/users/me", **bearer(tokens_for(user).refresh))
        assert response.status_code == 401

    def test_deactivated_user_is_401(self, api_client, user):
        access = tokens_for(user).access
        User.objects.filter(pk=user.pk).update(is_active=False)
        response = api_client.get("/v1/users/me", **bearer(access))
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"

    def test_refresh_rotates_and_old_refresh_is_unusable(self, api_client, user):
        old = tokens_for(user).refresh
        response = api_client.post("/v1/auth/refresh", {"refresh": old}, format="json")
        assert response.status_code == 200
        new = response.json()
        assert set(new) == {"access", "refresh"} and new["refresh"] != old
        reused = api_client.post("/v1/auth/refresh", {"refresh": old}, format="json")
        assert reused.status_code == 401 and reused.json()["code"] == "token_invalid"
        assert api_client.post("/v1/auth/refresh", {"refresh": new["refresh"]}, format="json").status_code == 200

    def test_refresh_of_deactivated_user_is_refused(self, api_client, user):
        refresh = tokens_for(user).refresh
        User.objects.filter(pk=user.pk).update(is_active=False)
        assert api_client.post("/v1/auth/refresh", {"refresh": refresh}, format="json").status_code == 401

    def test_expired_refresh_token(self, api_client, user):
        refresh = tokens_for(user).refresh
        with time_machine.travel(timezone.now() + timedelta(days=8)):
            response = api_client.post("/v1/auth/refresh", {"refresh": refresh}, format="json")
        assert response.status_code == 401

    def test_logout_revokes_refresh(self, api_client, user):
        refresh = tokens_for(user).refresh
        assert api_client.post("/v1/auth/logout", {"refresh": refresh}, format="json").status_code == 204
        assert RevokedToken.objects.filter(user=user).count() == 1
        response = api_client.post("/v1/auth/refresh", {"refresh": refresh}, format="json")
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"
        # logging out twice is harmless
        assert api_client.post("/v1/auth/logout", {"refresh": refresh}, format="json").status_code == 204


class TestMe:
    def test_get_me(self, user_client, user):
        body = user_client.get("/v1/users/me").json()
        assert body["id"] == str(user.pk) and body["email"] == user.email

    def test_get_me_is_one_lookup_by_primary_key_without_secrets(self, user_client, user, django_assert_num_queries):
        with django_assert_num_queries(1) as captured:
            body = user_client.get("/v1/users/me").json()
        sql = captured.captured_queries[0]["sql"]
        if connection.vendor == "mongodb":
            # django-mongodb-backend matches the key and, for a deferred-fields
            # query, reads the whole document (it adds no $project); the model
            # still loads only TOKEN_USER_FIELDS.
            assert sql.startswith("db.identity_user.aggregate([{'$match': {'id': ")
        else:
            assert '"identity_user"."id" =' in sql and "password" not in sql and "last_login" not in sql
        assert body == {
            "id": str(user.pk),
            "email": user.email,
            "display_name": user.display_name,
            "bio": user.bio,
            "timezone": user.timezone,
            "date_joined": user.date_joined.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "is_staff": False,
        }

    def test_token_of_a_deleted_user_is_401(self, api_client, user):
        token = tokens_for(user).access
        user.delete()
        response = api_client.get("/v1/users/me", **bearer(token))
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"

    def test_patch_changes_only_profile_fields(self, user_client, user):
        response = user_client.patch(
            "/v1/users/me",
            {
                "display_name": "Renamed",
                "bio": "Hi",
                "timezone": "Europe/Paris",
                "is_staff": True,
                "email": "hijack@example.test",
                "email_verified": True,
            },
            format="json",
        )
        assert response.status_code == 200
        user.refresh_from_db()
        assert (user.display_name, user.bio, user.timezone) == ("Renamed", "Hi", "Europe/Paris")
        assert user.is_staff is False and user.email != "hijack@example.test" and user.email_verified is False

    def test_unknown_timezone_is_400(self, user_client):
        response = user_client.patch("/v1/users/me", {"timezone": "Mars/Olympus"}, format="json")
        assert response.status_code == 400 and response.json()["code"] == "invalid_timezone"


class TestTokenResponsesAreNotStored:
    """Responses carrying tokens say ``Cache-Control: no-store`` (docs/api.md, Authentication)."""

    @staticmethod
    def assert_not_stored(response):
        assert response["Cache-Control"] == "no-store"
        assert response["Pragma"] == "no-cache"

    def test_register(self, api_client):
        body = {"email": "new@example.test", "password": "a-long-secret-9", "display_name": "New"}
        response = api_client.post("/v1/auth/register", body, format="json")
        assert response.status_code == 201 and "access" in response.json()
        self.assert_not_stored(response)

    def test_login_and_its_refusal(self, api_client, user):
        response = api_client.post("/v1/auth/login", {"email": user.email, "password": TEST_PASSWORD}, format="json")
        assert response.status_code == 200 and "refresh" in response.json()
        self.assert_not_stored(response)
        refused = api_client.post("/v1/auth/login", {"email": user.email, "password": "wrong-one"}, format="json")
        assert refused.status_code == 401
        self.assert_not_stored(refused)

    def test_refresh(self, api_client, user):
        response = api_client.post("/v1/auth/refresh", {"refresh": tokens_for(user).refresh}, format="json")
        assert response.status_code == 200 and "access" in response.json()
        self.assert_not_stored(response)

    def test_every_operation_answering_a_token_is_no_store(self):
        # Any operation whose success body has an access or refresh token, now or later.
        schema = SchemaGenerator().get_schema(request=None, public=True)
        components = schema["components"]["schemas"]
        carrying = []
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                for code, answer in operation.get("responses", {}).items():
                    ref = answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
                    fields = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
                    if code.startswith("2") and {"access", "refresh"} & set(fields):
                        carrying.append((method, path))
                        view = resolve(path.replace("{", "").replace("}", "")).func.view_class
                        assert issubclass(view, NoStoreMixin), (method, path)
        assert {("post", "/v1/auth/register"), ("post", "/v1/auth/login"), ("post", "/v1/auth/refresh")} <= set(
            carrying
        )
