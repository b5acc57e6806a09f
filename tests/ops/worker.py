"""Run a real Celery worker (subprocess) against the local Redis for the duration of a test.

The worker uses the development settings driven by environment variables, as
a deployed worker would: ``REDIS_URL`` (broker and results, so it does not run
eagerly), ``DATABASE_URL`` pointing at the test database file the test
process uses, and a file email backend the test can read. Not the test
settings: those force eager tasks and add the Mongo compile-gate alias, which
belong to the pytest process only. Its queue and node
name are unique, and it works in Redis database 7, so it shares nothing with
other test runs or developers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis
from django.conf import settings
from django.db import connection

REDIS_URL = os.environ.get("OPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def redis_answers(url: str = REDIS_URL) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def database_url_of_test_database() -> str:
    """A ``DATABASE_URL`` that opens the database this test process is using."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        path = Path(params["NAME"])
        if not path.is_absolute() or str(path).startswith(":memory:") or "mode=memory" in str(path):
            raise RuntimeError("A worker process needs a file-backed test database")
        return f"sqlite:///{path}"
    if connection.vendor == "mongodb":
        parts = urlsplit(params["HOST"])
        return urlunsplit(parts._replace(path=f"/{params['NAME']}"))
    raise RuntimeError(f"No DATABASE_URL form for {connection.vendor}")


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, worker: CeleryWorker | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if worker is not None and worker.process.poll() is not None:
            raise AssertionError(
                f"The worker exited ({worker.process.returncode}) while waiting for {what}:\n{worker.log()}"
            )
        time.sleep(0.05)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}" + (f":\n{worker.log()}" if worker else ""))


@dataclass
class CeleryWorker:
    process: subprocess.Popen
    queue: str
    log_path: Path
    mail_dir: Path
    env: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 30) -> None:
        """Until the worker consumes from its queue and answers remote control (pings)."""
        wait_until(
            lambda: f"{self.queue}@" in self.log() and " ready." in self.log(),
            timeout=timeout,
            what="the worker to be ready",
            worker=self,
        )


@contextlib.contextmanager
def celery_worker(tmp_path: Path, *, extra_modules: tuple[str, ...] = ()) -> Iterator[CeleryWorker]:
    """Start ``celery -A config worker`` (prefork, concurrency 1); always stop it (and its pool) on exit."""
    queue = f"ops-test-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "worker.log"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "0",
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": database_url_of_test_database(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "LOG_FORMAT": "text",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        f"--queues={queue}",
        f"--hostname={queue}@%h",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    for module in extra_modules:
        command.append(f"--include={module}")
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool children go down with it
        )
    worker = CeleryWorker(process=process, queue=queue, log_path=log_path, mail_dir=mail_dir, env=env)
    try:
        yield worker
    finally:
        _stop(process)
        _forget_queue(queue)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    # Whatever is left of the group (a pool child that outlived its parent).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def _forget_queue(queue: str) -> None:
    with contextlib.suppress(redis.RedisError, OSError):
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.delete(queue, f"_kombu.binding.{queue}")


def unacked_messages_mentioning(text: str) -> list[bytes]:
    """Messages kombu's Redis transport holds as delivered but not yet acknowledged."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    return [payload for payload in client.hvals("unacked") if text.encode() in payload]
