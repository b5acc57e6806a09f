"""Settings driven by the environment: email backend, production hardening, the deploy check (docs/architecture.md, Background jobs, Scale)."""

from __future__ import annotations

import os
import runpy
import secrets
import socketserver
import subprocess
import sys
import threading

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from deltalabs.emails import send_once

SETTINGS_DIR = django_settings.BASE_DIR / "config" / "settings"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_VARIABLES = ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_BACKEND")


def load_settings(module: str, monkeypatch, **env: str) -> dict:
    """Evaluate a settings module afresh under ``env`` (other email variables unset)."""
    for name in EMAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_DIR / f"{module}.py"))


def production_env(**overrides: str) -> dict:
    env = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "api.deltalabs.example",
        "PAYMENT_PROVIDER": "sandbox",
    }
    return {**env, **overrides}


# --- Email ----------------------------------------------------------------------


def test_without_email_host_mail_goes_to_the_console(monkeypatch):
    assert load_settings("base", monkeypatch)["EMAIL_BACKEND"] == CONSOLE_BACKEND


def test_with_email_host_mail_goes_through_smtp_with_starttls(monkeypatch):
    conf = load_settings("base", monkeypatch, EMAIL_HOST="smtp.example.test")
    assert conf["EMAIL_BACKEND"] == SMTP_BACKEND
    assert (conf["EMAIL_HOST"], conf["EMAIL_PORT"], conf["EMAIL_USE_TLS"], conf["EMAIL_USE_SSL"]) == (
        "smtp.example.test",
        587,
        True,
        False,
    )


def test_implicit_tls_turns_starttls_off(monkeypatch):
    conf = load_settings("base", monkeypatch, EMAIL_HOST="smtp.example.test", EMAIL_PORT="465", EMAIL_USE_SSL="1")
    assert (conf["EMAIL_PORT"], conf["EMAIL_USE_SSL"], conf["EMAIL_USE_TLS"]) == (465, True, False)


def test_email_backend_variable_wins(monkeypatch):
    backend = "django.core.mail.backends.filebased.EmailBackend"
    conf = load_settings("base", monkeypatch, EMAIL_HOST="smtp.example.test", EMAIL_BACKEND=backend)
    assert conf["EMAIL_BACKEND"] == backend


class FakeSMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept a message and keep it."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 fake ESMTP")
        message: list[bytes] | None = None
        while line := self.rfile.readline():
            if message is not None:
                if line == b".\r\n":
                    self.server.messages.append(b"".join(message).decode())
                    message = None
                    self.reply("250 queued")
                else:
                    message.append(line)
                continue
            command = line[:4].upper()
            if command == b"DATA":
                message = []
                self.reply("354 end with .")
            elif command == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeSMTPHandler)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db
def test_templated_email_is_delivered_over_smtp(settings, smtp_server):
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.server_address
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5

    assert send_once(key="ops-smtp:1", template="tests/hello", to="ada@example.test", context={"name": "Ada"})

    [message] = smtp_server.messages
    assert "Subject: Hello Ada" in message
    assert "To: ada@example.test" in message
    assert "Hi Ada" in message


# --- Production -------------------------------------------------------------------


def test_production_logs_json_by_default(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    conf = load_settings("production", monkeypatch, **production_env())
    assert conf["LOGGING"]["formatters"]["main"]["()"] == "pythonjsonlogger.json.JsonFormatter"
    assert conf["DEBUG"] is False


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"JWT_SIGNING_KEY": ""}, "JWT_SIGNING_KEY"),
        ({"JWT_SIGNING_KEY": "too-short"}, "at least 32"),
        ({"PAYMENT_PROVIDER": ""}, "PAYMENT_PROVIDER"),
        ({"PAYMENT_PROVIDER": "paypal-ish"}, "PAYMENT_PROVIDER must be"),
        ({"PAYMENT_PROVIDER": "http"}, "PAYMENT_BASE_URL"),
        ({"SECRET_KEY": "x" * 40, "JWT_SIGNING_KEY": "x" * 40}, "differ"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_real_secrets_and_hosts(monkeypatch, overrides, problem):
    with pytest.raises(ImproperlyConfigured, match=problem):
        load_settings("production", monkeypatch, **production_env(**overrides))


def test_logging_format_must_be_known(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        load_settings("base", monkeypatch, LOG_FORMAT="yaml")


def test_production_passes_the_deploy_check():
    """The documented minimum (docs/deploy.md) passes ``check --deploy --fail-level WARNING``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "PYTEST_", "EMAIL_", "LOG_"))
    }
    env.update(production_env(DJANGO_SETTINGS_MODULE="config.settings.production"))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
