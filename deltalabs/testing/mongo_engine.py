"""A MongoDB engine in the test loop (``make test-mongo``, SPEC 3.1).

When ``MONGOECO_PYTHON`` names the emulator's interpreter and no
``DATABASE_URL`` is given, every pytest process (each xdist worker included)
starts its own ``mongoeco`` wire server on a free loopback port, before Django
reads its settings, and points ``DATABASE_URL`` at it. One server per process,
because the emulator fails a commit when anything at all was written meanwhile,
even by another worker in another database.

``DATABASE_URL=mongodb://... make test`` runs the same suite on a real replica
set instead; then nothing here runs and nothing is skipped.
"""

from __future__ import annotations

import atexit
import os
import subprocess
from pathlib import Path

SERVER_SCRIPT = Path(__file__).with_name("mongoeco_server.py")
ON_EMULATOR_ENV = "DELTALABS_TEST_ON_MONGOECO"


def on_emulator() -> bool:
    return bool(os.environ.get(ON_EMULATOR_ENV))


def start_emulator(python: str) -> str:
    """Start the emulator, return its URL; it stops when this process exits."""
    process = subprocess.Popen(  # noqa: S603 - our own script under our own interpreter
        [python, str(SERVER_SCRIPT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().strip()
    if not line.startswith("ready "):
        process.kill()
        raise RuntimeError(f"mongoeco did not start ({python} {SERVER_SCRIPT}): {line!r}")

    def stop() -> None:
        process.stdin.close()  # the server serves until its stdin closes
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()

    atexit.register(stop)
    return line.split(" ", 1)[1]


def configure_from_environment(*, distributing: bool = False) -> None:
    """``distributing``: this process is an xdist controller, which runs no
    test; it gets a placeholder URL and each worker starts its own server."""
    python = os.environ.get("MONGOECO_PYTHON")
    owner = os.environ.get(ON_EMULATOR_ENV)
    # An xdist worker inherits its controller's variables: it starts its own
    # server all the same (the owner is another process).
    if not python or (os.environ.get("DATABASE_URL") and not owner) or owner == str(os.getpid()):
        return
    if distributing:
        os.environ["DATABASE_URL"] = "mongodb://127.0.0.1:1/deltalabs?directConnection=true"
        os.environ[ON_EMULATOR_ENV] = str(os.getpid())
        return
    uri = start_emulator(python)
    host, options = uri.split("/?", 1)
    # The emulator answers one command at a time: a large insert can hold up
    # the driver's heartbeat past its default timeouts, after which pymongo
    # marks the server unknown and cancels the operations in flight.
    options += "&connectTimeoutMS=120000&heartbeatFrequencyMS=60000"
    os.environ["DATABASE_URL"] = f"{host}/deltalabs?{options}"
    os.environ["MONGODB_TIMEOUT_MS"] = "120000"
    os.environ[ON_EMULATOR_ENV] = str(os.getpid())


# --- Between tests -------------------------------------------------------------
# On MongoDB Django's test cases cannot roll a test back (no transaction wraps
# it), so after every test they flush: delete every document of every
# collection, then re-create content types and permissions (post_migrate).
# That costs a few hundred round trips per test. The same clean slate, for
# less: empty only the collections this test wrote to, and keep the content
# types and permissions that migrate created unless the test wrote to them.

_written: set[tuple[str, str]] = set()
_WRITES = (
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "find_one_and_update",
    "find_one_and_replace",
    "find_one_and_delete",
    "bulk_write",
)
_KEPT = {"django_content_type", "auth_permission"}


def _recording(method):
    def record(self, *args, **kwargs):
        _written.add((self.database.name, self.name))
        return method(self, *args, **kwargs)

    record.__name__ = method.__name__
    return record


def install_fast_flush() -> None:
    from django.db import connections
    from django.test import TransactionTestCase
    from pymongo.collection import Collection

    for name in _WRITES:
        setattr(Collection, name, _recording(getattr(Collection, name)))
    full_flush = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        names = self._databases_names(include_mirrors=False)
        if any(connections[name].vendor != "mongodb" for name in names) or self.serialized_rollback:
            return full_flush(self)
        written = set(_written)
        _written.clear()
        if any(collection in _KEPT for _, collection in written):
            return full_flush(self)
        for name in names:
            database = connections[name].database
            for database_name, collection in sorted(written):
                if database_name == database.name:
                    database[collection].delete_many({})
        _written.clear()
        return None

    TransactionTestCase._fixture_teardown = _fixture_teardown
    _written.clear()  # what migrate wrote stays
