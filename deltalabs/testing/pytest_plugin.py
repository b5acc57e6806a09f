"""pytest plugin: installs the Mongo compile gate and fails tests whose queries
the Mongo backend cannot compile."""

from __future__ import annotations

import pytest

from deltalabs.testing import compile_gate


def pytest_configure(config):
    config.addinivalue_line("markers", "no_compile_gate: the test deliberately runs Mongo-incompatible queries")


@pytest.fixture(autouse=True, scope="session")
def _install_compile_gate(django_db_setup):
    if compile_gate.is_enabled():
        compile_gate.install()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    compile_gate.take_failures()
    yield
    failures = compile_gate.take_failures()
    if failures and not item.get_closest_marker("no_compile_gate"):
        report = "\n\n".join(str(failure) for failure in failures[:5])
        pytest.fail(
            f"Mongo compile gate: {len(failures)} quer{'y' if len(failures) == 1 else 'ies'} "
            f"that django-mongodb-backend cannot run:\n{report}",
            pytrace=False,
        )
