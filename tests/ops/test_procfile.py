"""The Procfile's processes, and the web one for real: gunicorn with production settings
answers the load balancer's probes and writes one JSON access-log line per request."""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.support import servers

PROCFILE = settings.BASE_DIR / "Procfile"


def procfile() -> dict[str, str]:
    entries = {}
    for line in PROCFILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - a local test server
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_procfile_declares_web_worker_beat_and_release():
    entries = procfile()
    assert set(entries) == {"web", "worker", "beat", "release"}
    assert entries["web"].startswith("gunicorn config.wsgi:application ")
    assert entries["worker"].startswith("celery -A config worker ")
    assert entries["beat"].startswith("celery -A config beat ")
    assert entries["release"] == "python manage.py migrate --noinput && python manage.py sync_roles"


@pytest.fixture
def web_process(tmp_path):
    """The Procfile's ``web`` command, run by a shell as a process manager would, with production settings."""
    port = free_port()
    log_path = tmp_path / "web.log"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "PYTEST_", "LOG_", "EMAIL_"))
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        SECRET_KEY=secrets.token_urlsafe(50),
        JWT_SIGNING_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        PAYMENT_PROVIDER="sandbox",
        DATABASE_URL=f"sqlite:///{tmp_path / 'web.sqlite3'}",
    )
    # A shell runs the line, as a process manager would; started and stopped
    # like every other test server (tests/support/servers.py).
    argv = ["/bin/sh", "-c", f"exec {procfile()['web']}"]
    with servers.running(argv, env, port, log_path) as base_url:
        yield base_url, log_path


def test_web_process_serves_probes_and_logs_json(web_process):
    base_url, log_path = web_process

    # Probes come over plain HTTP from the load balancer: no HTTPS redirect.
    assert get(f"{base_url}/healthz") == (200, {"status": "ok"})
    status, body = get(f"{base_url}/readyz")
    assert status == 200 and body["checks"]["database"] == "ok"
    # Everything else is HTTPS behind the proxy, which says so in X-Forwarded-Proto.
    status, body = get(f"{base_url}/v1/users/me", {"X-Forwarded-Proto": "https", "X-Request-ID": "req-procfile-1"})
    assert status == 401 and body["requestId"] == "req-procfile-1"

    deadline = time.monotonic() + 5
    while True:
        lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
        # the first line is the start-up wait's own /healthz probe
        access = [line for line in lines if line.get("logger") == "deltalabs.access"][1:]
        if len(access) >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert [(line["path"], line["status"]) for line in access] == [
        ("/healthz", 200),
        ("/readyz", 200),
        ("/v1/users/me", 401),
    ]
    assert access[2]["requestId"] == "req-procfile-1"
    assert access[2]["method"] == "GET" and access[2]["user_id"] is None
    assert all(isinstance(line["duration_ms"], float) for line in access)
