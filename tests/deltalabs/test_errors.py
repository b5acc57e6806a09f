"""The error body and status for every class of failure (docs/api.md, Errors)."""

import pytest

from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.deltalabs.probe_urls")]


def assert_error_body(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert body["requestId"] == response["X-Request-ID"]
    return body


def test_validation_error_maps_fields_to_messages(api_client):
    response = api_client.post("/v1/auth/register", {"email": "not-an-email"}, format="json")
    body = assert_error_body(response, 400, "validation_error")
    assert set(body["details"]) == {"email", "password", "display_name"}
    assert all(isinstance(messages, list) for messages in body["details"].values())


def test_malformed_json_is_a_validation_error(api_client):
    response = api_client.post("/v1/auth/login", data="{not json", content_type="application/json")
    assert_error_body(response, 400, "validation_error")


def test_missing_token_is_not_authenticated(api_client):
    response = api_client.get("/v1/users/me")
    assert_error_body(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_forbidden_is_permission_denied(user_client):
    assert_error_body(user_client.get("/v1/_probe/staff-only"), 403, "permission_denied")


def test_staff_passes_the_same_gate(staff_client):
    assert staff_client.get("/v1/_probe/staff-only").status_code == 200


@pytest.mark.parametrize("path", ["/v1/does-not-exist", "/v1/", "/v1/courses/not/a/route"])
def test_unknown_api_url_is_json_not_found(api_client, path):
    assert_error_body(api_client.get(path), 404, "not_found")


def test_wrong_method_is_method_not_allowed(user_client):
    assert_error_body(user_client.delete("/v1/users/me"), 405, "method_not_allowed")


def test_unexpected_error_is_internal_error_without_internals(api_client):
    api_client.raise_request_exception = False
    response = api_client.get("/v1/_probe/boom")
    body = assert_error_body(response, 500, "internal_error")
    text = response.content.decode()
    assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert set(body) == {"code", "message", "requestId"}


def test_oversized_body_is_refused(user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = client_for(user)
    response = client.post("/v1/_probe/counter", {"blob": "x" * 5000}, format="json")
    assert_error_body(response, 413, "payload_too_large")


def test_unsupported_media_type(user_client):
    response = user_client.post("/v1/_probe/counter", data="a=b", content_type="application/x-www-form-urlencoded")
    assert_error_body(response, 415, "unsupported_media_type")


class TestRequestId:
    def test_generated_when_absent(self, api_client):
        first = api_client.get("/healthz")["X-Request-ID"]
        second = api_client.get("/healthz")["X-Request-ID"]
        assert first and second and first != second

    def test_echoed_when_sent(self, api_client):
        response = api_client.get("/v1/users/me", HTTP_X_REQUEST_ID="req-abc.123")
        assert response["X-Request-ID"] == "req-abc.123"
        assert response.json()["requestId"] == "req-abc.123"

    def test_insane_value_replaced(self, api_client):
        response = api_client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline" + "x" * 200)
        assert response["X-Request-ID"] != "bad id"
        assert " " not in response["X-Request-ID"]
