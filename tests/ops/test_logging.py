"""Structured logs (docs/api.md, Errors; docs/architecture.md, Background jobs): one JSON line per request with requestId, user id and duration;
errors logged with their traceback and request id, never shown to the client."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime

import pytest
from django.utils.module_loading import import_string

from config.settings.base import logging_config
from deltalabs.middleware import RequestIdLogFilter

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.ops.urls")]


@pytest.fixture
def json_log():
    """The production formatter and filter (``LOG_FORMAT=json``) on a handler for the duration of a test.

    Returns a function giving the records written so far, parsed.
    """
    conf = logging_config("json", "INFO")
    formatter_conf = dict(conf["formatters"]["main"])
    formatter = import_string(formatter_conf.pop("()"))(**formatter_conf)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdLogFilter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


def access_lines(records: list[dict]) -> list[dict]:
    return [record for record in records if record["logger"] == "deltalabs.access"]


def test_a_request_logs_one_json_line_with_request_id_user_and_duration(json_log, user_client, user):
    response = user_client.get("/v1/users/me?secret=not-logged", HTTP_X_REQUEST_ID="req-ops-1")

    assert response.status_code == 200
    [line] = access_lines(json_log())
    assert line["requestId"] == "req-ops-1" == response["X-Request-ID"]
    assert line["user_id"] == str(user.pk)
    assert line["method"] == "GET"
    assert line["path"] == "/v1/users/me"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO"
    assert datetime.fromisoformat(line["time"]).utcoffset().total_seconds() == 0
    assert "not-logged" not in json.dumps(line)


def test_an_anonymous_request_is_logged_without_a_user(json_log, api_client):
    response = api_client.get("/v1/users/me")

    [line] = access_lines(json_log())
    assert line["status"] == 401 == response.status_code
    assert line["user_id"] is None
    assert line["requestId"] == response["X-Request-ID"]


def test_a_response_made_by_a_middleware_is_logged_too(json_log, api_client, settings):
    # SecurityMiddleware answers on its own (the HTTPS redirect) before any view runs.
    settings.SECURE_SSL_REDIRECT = True

    response = api_client.get("/v1/courses")

    assert response.status_code == 301
    [line] = access_lines(json_log())
    assert line["status"] == 301 and line["requestId"] == response["X-Request-ID"]


def test_an_api_error_is_logged_with_traceback_and_request_id_but_not_shown(json_log, api_client):
    api_client.raise_request_exception = False

    response = api_client.get("/v1/_probe/boom", HTTP_X_REQUEST_ID="req-ops-boom")

    assert response.status_code == 500
    assert set(response.json()) == {"code", "message", "requestId"}
    assert response.json()["requestId"] == "req-ops-boom"
    assert "hunter2" not in response.content.decode() and "Traceback" not in response.content.decode()
    records = json_log()
    [error] = [record for record in records if record["logger"] == "deltalabs.errors"]
    assert error["level"] == "ERROR"
    assert error["requestId"] == "req-ops-boom"
    assert error["exception"].startswith("Traceback")
    assert "RuntimeError: secret internals" in error["exception"]
    [access] = access_lines(records)
    assert access["status"] == 500 and access["requestId"] == "req-ops-boom"


@pytest.mark.parametrize(
    ("path", "content_type"), [("/v1/_ops/plain-boom", "application/json"), ("/ops/plain-boom", "text/html")]
)
def test_an_error_outside_drf_is_logged_with_context_but_not_shown(json_log, api_client, path, content_type):
    api_client.raise_request_exception = False

    response = api_client.get(path, HTTP_X_REQUEST_ID="req-ops-plain")

    assert response.status_code == 500
    assert response["Content-Type"].startswith(content_type)
    body = response.content.decode()
    assert "sk-live-123" not in body and "Traceback" not in body and "RuntimeError" not in body
    [error] = [record for record in json_log() if record["logger"] == "django.request"]
    assert error["requestId"] == "req-ops-plain"
    assert "RuntimeError: plain view internals" in error["exception"]
    assert error["status_code"] == 500
