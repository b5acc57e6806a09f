"""pytest plugin: the project's test-time checks and the MongoDB engine.

- The Mongo compile gate (SQLite runs) fails a test whose queries, in its
  setup, call or teardown, django-mongodb-backend cannot compile or run.
- The transaction-semantics check fails a test whose code breaks a rule of
  MongoDB's transactions that SQLite forgives (``transaction_semantics``).
- ``make test-mongo`` points the run at a mongoeco wire emulator
  (``mongo_engine``); tests marked ``emulator_cannot_judge`` are skipped there
  only, with their reason.
"""

from __future__ import annotations

import os

import pytest

from deltalabs.testing import compile_gate, mongo_engine, transaction_semantics

EMULATOR_MARKER = "emulator_cannot_judge"


def pytest_configure(config):
    config.addinivalue_line("markers", "no_compile_gate: the test deliberately runs Mongo-incompatible queries")
    config.addinivalue_line(
        "markers",
        f"{EMULATOR_MARKER}(reason): the mongoeco emulator cannot model what this test checks; "
        "skipped under `make test-mongo` only (it runs on SQLite and on a real replica set)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # Before pytest-django reads the settings: `make test-mongo` points
    # DATABASE_URL at a mongoeco server of this process's own.
    namespace = early_config.known_args_namespace
    distributing = bool(getattr(namespace, "numprocesses", None)) and "PYTEST_XDIST_WORKER" not in os.environ
    mongo_engine.configure_from_environment(distributing=distributing)


def pytest_collection_modifyitems(config, items):
    if not mongo_engine.on_emulator():
        return
    for item in items:
        marker = item.get_closest_marker(EMULATOR_MARKER)
        if marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs["reason"]
            item.add_marker(pytest.mark.skip(reason=f"mongoeco cannot judge this: {reason}"))


@pytest.fixture(autouse=True, scope="session")
def _install_test_checks(django_db_setup):
    from django.db import connection

    if compile_gate.is_enabled():
        compile_gate.install()
    transaction_semantics.install()
    if connection.vendor == "mongodb":
        mongo_engine.install_fast_flush()


def _report(item) -> None:
    failures = [] if item.get_closest_marker("no_compile_gate") else compile_gate.take_failures()
    compile_gate.take_failures()
    semantics = transaction_semantics.take_failures()
    if failures:
        report = "\n\n".join(str(failure) for failure in failures[:5])
        pytest.fail(
            f"Mongo compile gate: {len(failures)} quer{'y' if len(failures) == 1 else 'ies'} "
            f"that django-mongodb-backend cannot run:\n{report}",
            pytrace=False,
        )
    if semantics:
        report = "\n\n".join(str(failure) for failure in semantics[:5])
        pytest.fail(
            f"Transaction semantics: {len(semantics)} transaction(s) break a MongoDB rule:\n{report}",
            pytrace=False,
        )


# Queries run in fixtures (setup and teardown) count as much as the test's own.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    compile_gate.take_failures()
    transaction_semantics.take_failures()
    yield
    _report(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield
    _report(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    _report(item)
