"""API10:2023 Unsafe Consumption of APIs.

Answers of third-party APIs (the payment provider, the AI provider) are
untrusted input: calls are bounded by timeouts, answers are validated before
use, and a slow, broken or lying provider becomes 502/503, never a 500, a
hang, or state written from unchecked data.

What exists today:
- ``tests/support/fake_http.FakeUpstream`` (fixture ``fake_upstream``): a local
  HTTP server that answers slowly, with malformed JSON, wrong types or errors,
  and records what it was sent. Its own behaviour is pinned below.
- A code inspection: every outbound HTTP call in the project states a timeout.

Provider owners add their cases to ``PROVIDER_FAILURES`` (commerce: an
HTTP payment provider; ai_orchestration: the OpenAI-compatible provider), each
pointing the provider at ``fake_upstream.url`` and asserting the mapped error.
"""

from __future__ import annotations

import ast
import json

import httpx
import pytest

from config.env import BASE_DIR
from tests.support.fake_http import FakeUpstream

# Calls that reach the network and must carry ``timeout=``.
_TIMED_CALLS = {
    "httpx": {"get", "post", "put", "patch", "delete", "head", "request", "stream", "Client", "AsyncClient"},
    "requests": {"get", "post", "put", "patch", "delete", "head", "request"},
}


def _calls_without_timeout(source: str, filename: str = "<source>") -> list[str]:
    missing = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not isinstance(node, ast.Call) or any(keyword.arg == "timeout" for keyword in node.keywords):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.attr in _TIMED_CALLS.get(func.value.id, ()):
                missing.append(f"{filename}:{node.lineno} {func.value.id}.{func.attr}()")
        elif isinstance(func, ast.Name) and func.id == "urlopen":
            missing.append(f"{filename}:{node.lineno} urlopen()")
    return missing


def test_every_outbound_http_call_states_a_timeout():
    missing = []
    for package in ("apps", "deltalabs"):
        for path in (BASE_DIR / package).rglob("*.py"):
            if "migrations" not in path.parts:
                missing += _calls_without_timeout(path.read_text(encoding="utf-8"), str(path.relative_to(BASE_DIR)))
    assert not missing, missing


def test_the_timeout_inspection_finds_untimed_calls():
    # The control: the inspection above is not vacuous.
    source = (
        "import httpx, requests\n"
        "httpx.post(url, json=body)\n"
        "httpx.Client(base_url=url, timeout=5)\n"
        "requests.get(url)\n"
        "client = httpx.Client()\n"
    )
    assert [item.split(" ")[1] for item in _calls_without_timeout(source)] == [
        "httpx.post()",
        "requests.get()",
        "httpx.Client()",
    ]


# Provider failure cases: (id, callable(fake_upstream, settings)) that script a bad
# answer, call the service and assert the mapped error and the untouched state.
PROVIDER_FAILURES: list = [
    # pytest.param(_payment_provider_times_out, id="payment: slow -> 502, order failed, cart kept"),
    # pytest.param(_payment_provider_malformed_json, id="payment: malformed JSON -> 502"),
    # pytest.param(_ai_provider_wrong_types, id="ai: tool_calls not a list -> 502 ai_provider_error"),
]


if PROVIDER_FAILURES:

    @pytest.mark.django_db
    @pytest.mark.parametrize("scenario", PROVIDER_FAILURES)
    def test_provider_failures_are_contained(scenario, fake_upstream, settings):
        scenario(fake_upstream, settings)


class TestFakeUpstream:
    """The helper behaves as documented, so provider tests can rely on it."""

    def test_slow_answers_trip_client_timeouts(self, fake_upstream):
        fake_upstream.slow(1.0)
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(fake_upstream.url + "/charges", timeout=0.2)

    def test_malformed_json_is_served_as_is(self, fake_upstream):
        fake_upstream.malformed_json()
        response = httpx.get(fake_upstream.url, timeout=2)
        assert response.headers["content-type"] == "application/json"
        with pytest.raises(json.JSONDecodeError):
            response.json()

    def test_wrong_types_and_statuses_are_served(self, fake_upstream):
        fake_upstream.reply(status=200, json={"id": 42, "status": ["paid"], "amount": "lots"})
        fake_upstream.reply(status=503, body="upstream down")
        first = httpx.post(fake_upstream.url + "/v1/charges", json={"amount": "49.00"}, timeout=2)
        second = httpx.post(fake_upstream.url + "/v1/charges", json={"amount": "49.00"}, timeout=2)
        third = httpx.post(fake_upstream.url + "/v1/charges", json={"amount": "49.00"}, timeout=2)
        assert first.json() == {"id": 42, "status": ["paid"], "amount": "lots"}
        assert (second.status_code, second.text) == (503, "upstream down")
        assert third.status_code == 503  # the last scripted reply repeats

    def test_requests_are_recorded(self, fake_upstream):
        httpx.post(
            fake_upstream.url + "/v1/chat", json={"message": "hi"}, headers={"Authorization": "Bearer k"}, timeout=2
        )
        (recorded,) = fake_upstream.requests
        assert (recorded.method, recorded.path, recorded.json()) == ("POST", "/v1/chat", {"message": "hi"})
        assert recorded.headers["Authorization"] == "Bearer k"

    def test_context_manager_releases_the_port(self):
        with FakeUpstream() as upstream:
            url = upstream.url
            assert httpx.get(url, timeout=2).status_code == 200
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=0.5)
