"""API8:2023 Security Misconfiguration.

Production settings pass Django's deployment checklist at WARNING level with
the documented environment (``PRODUCTION_ENV`` below is that documentation),
refuse to start without real secrets, keep DEBUG off and log JSON; no error
page shows a stack trace; CORS answers only allow-listed origins; every
response carries the hardening headers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from config.env import BASE_DIR

pytestmark = pytest.mark.django_db

# The minimum a production deployment sets (see README / docs), with throwaway values.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "check-deploy-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
    "JWT_SIGNING_KEY": "check-deploy-jwt-signing-key-9876543210-zyxwvutsrqponmlk",
    "ALLOWED_HOSTS": "api.deltalabs.example",
    # A demo deployment choosing the sandbox on purpose (production demands a choice).
    "PAYMENT_PROVIDER": "sandbox",
}


def _run(code_or_args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(
        [sys.executable, *code_or_args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deployment_checklist():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


_SNAPSHOT = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY_IS_JWT_KEY": s.SECRET_KEY == s.SIMPLE_JWT["SIGNING_KEY"],
    "JWT_ALGORITHM": s.SIMPLE_JWT["ALGORITHM"],
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "X_FRAME_OPTIONS": s.X_FRAME_OPTIONS,
    "CORS_ALLOW_ALL_ORIGINS": getattr(s, "CORS_ALLOW_ALL_ORIGINS", False),
    "CORS_ALLOWED_ORIGINS": s.CORS_ALLOWED_ORIGINS,
    "LOG_FORMAT": s.LOG_FORMAT,
    "EMAIL_TIMEOUT": getattr(s, "EMAIL_TIMEOUT", None),
    "RENDERERS": s.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"],
}))
"""


def test_production_settings_are_hardened():
    result = _run(["-c", _SNAPSHOT], {**PRODUCTION_ENV, "EMAIL_HOST": "smtp.example"})
    assert result.returncode == 0, result.stderr
    snapshot = json.loads(result.stdout.strip().splitlines()[-1])
    assert snapshot["DEBUG"] is False
    assert snapshot["SECRET_KEY_IS_JWT_KEY"] is False
    assert snapshot["JWT_ALGORITHM"] == "HS256"
    assert snapshot["SESSION_COOKIE_SECURE"] and snapshot["CSRF_COOKIE_SECURE"] and snapshot["SECURE_SSL_REDIRECT"]
    assert snapshot["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert snapshot["X_FRAME_OPTIONS"] == "DENY"
    assert snapshot["CORS_ALLOW_ALL_ORIGINS"] is False and snapshot["CORS_ALLOWED_ORIGINS"] == []
    assert snapshot["LOG_FORMAT"] == "json"
    assert 0 < snapshot["EMAIL_TIMEOUT"] <= 30
    # No browsable API in production: JSON only.
    assert snapshot["RENDERERS"] == ["deltalabs.renderers.JSONRenderer"]


@pytest.mark.parametrize(
    "override",
    [
        {"SECRET_KEY": ""},
        {"JWT_SIGNING_KEY": ""},
        {"JWT_SIGNING_KEY": PRODUCTION_ENV["SECRET_KEY"]},
        {"JWT_SIGNING_KEY": "short-key"},
        {"ALLOWED_HOSTS": ""},
    ],
    ids=["no secret key", "no jwt key", "jwt key is the secret key", "short jwt key", "no allowed hosts"],
)
def test_production_refuses_to_start_without_real_secrets(override):
    result = _run(["manage.py", "check"], {**PRODUCTION_ENV, **override})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


@pytest.mark.urls("tests.security.misconfig_urls")
@pytest.mark.parametrize("path", ["/v1/_misconfig/boom", "/_misconfig/boom"])
def test_errors_never_show_internals(path):
    client = Client(raise_request_exception=False)
    response = client.get(path)
    assert response.status_code == 500
    text = response.content.decode()
    for leak in ("Traceback", "RuntimeError", "hunter2", "DATABASE_URL", 'File "'):
        assert leak not in text


ALLOWED_ORIGIN = "https://app.deltalabs.example"


class TestCors:
    @pytest.fixture(autouse=True)
    def _allow_list(self, settings):
        settings.CORS_ALLOWED_ORIGINS = [ALLOWED_ORIGIN]

    def test_allow_listed_origin_is_answered(self, api_client):
        response = api_client.get("/healthz", HTTP_ORIGIN=ALLOWED_ORIGIN)
        assert response["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
        assert "x-request-id" in response["Access-Control-Expose-Headers"].lower()

    def test_other_origins_get_no_cors_headers(self, api_client):
        response = api_client.get("/healthz", HTTP_ORIGIN="https://evil.example")
        assert "Access-Control-Allow-Origin" not in response

    def test_preflight_allows_the_api_headers_only_for_the_allow_list(self, api_client):
        preflight = {
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
            "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, content-type, idempotency-key",
        }
        allowed = api_client.options("/v1/auth/login", HTTP_ORIGIN=ALLOWED_ORIGIN, **preflight)
        assert allowed["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
        assert "idempotency-key" in allowed["Access-Control-Allow-Headers"].lower()
        refused = api_client.options("/v1/auth/login", HTTP_ORIGIN="https://evil.example", **preflight)
        assert "Access-Control-Allow-Origin" not in refused

    def test_no_credentials_cross_origin(self, api_client):
        response = api_client.get("/healthz", HTTP_ORIGIN=ALLOWED_ORIGIN)
        assert response.get("Access-Control-Allow-Credentials") != "true"


@pytest.mark.parametrize(
    "path", ["/healthz", "/v1/users/me", "/v1/courses", "/v1/cart", "/v1/schema", "/admin/login/", "/v1/no-such-route"]
)
def test_hardening_headers_on_every_kind_of_response(path):
    response = Client().get(path)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Request-ID"]


def test_unexpected_methods_are_refused(user_client):
    response = user_client.generic("TRACE", "/v1/users/me")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
