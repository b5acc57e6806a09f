"""Real server processes for tests that must go over HTTP: the development server
(``manage.py runserver`` with ``config.settings.local``, what ``make run`` starts) and
the production one (the Procfile's gunicorn with ``config.settings.production``).

Each runs on a file-backed SQLite database of its own, with none of the test
process's environment (settings module, Redis, database) leaking in. Ports come
from ``TEST_HTTP_PORT_BASE`` when that variable is set (machines where each job owns
a port range: two ports per pytest-xdist worker from there), otherwise the system
picks a free one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from config.env import BASE_DIR

PYTHON = sys.executable
_INHERITED_PREFIXES = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "PYTEST_", "LOG_", "EMAIL_", "DEBUG", "ALLOWED_HOSTS")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


SERVERS_PER_WORKER = 2


def port_for(offset: int) -> int:
    """``offset`` (0 or 1) of this test process's ports: pytest-xdist workers each get their own pair."""
    base = os.environ.get("TEST_HTTP_PORT_BASE")
    if base:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
        index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
        return int(base) + SERVERS_PER_WORKER * index + offset
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without anything that would choose settings or services."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(_INHERITED_PREFIXES)}
    env["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``manage.py <args>`` in a child process; fails the caller's test with its output."""
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True, timeout=600
    )


def production_env(database_path: Path, **extra: str) -> dict[str, str]:
    return clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        JWT_SIGNING_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        PAYMENT_PROVIDER="sandbox",
        DATABASE_URL=f"sqlite:///{database_path}",
        **extra,
    )


def local_env(database_path: Path, **extra: str) -> dict[str, str]:
    return clean_env(DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL=f"sqlite:///{database_path}", **extra)


def runserver_argv(port: int) -> list[str]:
    """What ``make run`` serves with, minus the autoreloader (a second process to manage)."""
    return [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]


def gunicorn_argv(port: int) -> list[str]:
    return [PYTHON, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"]


@contextlib.contextmanager
def running(argv: list[str], env: dict[str, str], port: int, log_path: Path) -> Iterator[str]:
    """Starts the server, waits until ``/healthz`` answers, yields its base URL, stops it."""
    base_url = f"http://127.0.0.1:{port}"
    _require_free(port)
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            argv, cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_serving(process, base_url, log_path)
        yield base_url
    finally:
        _stop(process)


def _require_free(port: int) -> None:
    """Refuses to start on a port someone already serves (its answers would be taken for ours)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is already in use")


def _wait_until_serving(process: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        with contextlib.suppress(OSError):
            if request(f"{base_url}/healthz").status == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def request(
    url: str, *, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None
) -> Reply:
    """One HTTP request; error statuses are answers too (never raised)."""
    prepared = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310 - local
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(prepared, timeout=15) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to assert on, not to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None
