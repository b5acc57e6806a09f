"""Idempotency-Key semantics (docs/api.md, Idempotency): replay, reuse, in-flight, scope, 5xx, limits."""

import threading

import pytest
from django.db import connection

from tests.conftest import client_for
from tests.deltalabs.probe_urls import Calls
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.urls("tests.deltalabs.probe_urls")


@pytest.fixture(autouse=True)
def _reset_calls():
    Calls.reset()
    yield
    Calls.release.set()


@pytest.mark.django_db
class TestReplay:
    def test_replay_returns_same_status_and_body_without_running_again(self, user_client):
        first = user_client.post("/v1/_probe/counter", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        second = user_client.post("/v1/_probe/counter", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json() == {"count": 1, "echo": {"a": 1}}
        assert second["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first
        assert Calls.count == 1

    def test_equivalent_json_with_other_key_order_is_the_same_payload(self, user_client):
        user_client.post("/v1/_probe/counter", {"a": 1, "b": 2}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        replay = user_client.post(
            "/v1/_probe/counter", data='{"b": 2, "a": 1}', content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2"
        )
        assert replay["Idempotent-Replayed"] == "true"

    def test_different_payload_is_422(self, user_client):
        user_client.post("/v1/_probe/counter", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        response = user_client.post("/v1/_probe/counter", {"a": 2}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
        assert Calls.count == 1

    def test_without_key_every_request_runs(self, user_client):
        user_client.post("/v1/_probe/counter", {}, format="json")
        user_client.post("/v1/_probe/counter", {}, format="json")
        assert Calls.count == 2

    def test_keys_are_scoped_per_user(self, user_client, other_client):
        user_client.post("/v1/_probe/counter", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
        response = other_client.post("/v1/_probe/counter", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
        assert response.status_code == 201 and "Idempotent-Replayed" not in response
        assert Calls.count == 2

    def test_keys_are_scoped_per_path(self, user_client):
        user_client.post("/v1/_probe/counter", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
        response = user_client.post("/v1/_probe/required", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
        assert "Idempotent-Replayed" not in response and Calls.count == 2

    def test_5xx_is_not_stored_so_a_retry_runs(self, user_client):
        user_client.raise_request_exception = False
        failed = user_client.post("/v1/_probe/flaky", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-5")
        retried = user_client.post("/v1/_probe/flaky", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-5")
        assert failed.status_code == 500
        assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
        assert Calls.count == 1

    def test_4xx_is_stored_and_replayed(self, user_client):
        first = user_client.post("/v1/auth/logout", {"refresh": "nope"}, format="json", HTTP_IDEMPOTENCY_KEY="k-6")
        second = user_client.post("/v1/auth/logout", {"refresh": "nope"}, format="json", HTTP_IDEMPOTENCY_KEY="k-6")
        assert first.status_code == second.status_code == 401
        assert second["Idempotent-Replayed"] == "true"

    def test_over_long_key_is_400(self, user_client):
        response = user_client.post("/v1/_probe/counter", {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
        assert response.status_code == 400 and response.json()["code"] == "idempotency_key_invalid"
        assert Calls.count == 0

    def test_255_characters_is_fine(self, user_client):
        response = user_client.post("/v1/_probe/counter", {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 255)
        assert response.status_code == 201

    def test_required_key_missing_is_400(self, user_client):
        response = user_client.post("/v1/_probe/required", {}, format="json")
        assert response.status_code == 400 and response.json()["code"] == "idempotency_key_required"
        assert Calls.count == 0


@pytest.mark.django_db(transaction=True)
def test_same_key_while_first_is_running_is_409():
    # given a request that holds its key while it runs
    user = UserFactory()
    results = {}

    def first_request():
        results["first"] = client_for(user).post("/v1/_probe/slow", {"x": 1}, format="json", HTTP_IDEMPOTENCY_KEY="run")
        connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    assert Calls.entered.wait(timeout=10)
    # when the same key arrives concurrently
    second = client_for(user).post("/v1/_probe/slow", {"x": 1}, format="json", HTTP_IDEMPOTENCY_KEY="run")
    Calls.release.set()
    thread.join(timeout=10)
    # then it is refused without running, and the finished first request replays afterwards
    assert second.status_code == 409 and second.json()["code"] == "idempotency_key_in_use"
    assert results["first"].status_code == 201
    replay = client_for(user).post("/v1/_probe/slow", {"x": 1}, format="json", HTTP_IDEMPOTENCY_KEY="run")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == results["first"].json()
    assert Calls.count == 1
