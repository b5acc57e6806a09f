"""The Mongo compile gate catches queries django-mongodb-backend cannot run (docs/architecture.md, Database portability)."""

import contextlib

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.db import connections
from django.db.models import Count

from apps.identity.models import RevokedToken, User
from deltalabs.db import atomic
from deltalabs.testing import compile_gate
from tests.factories.identity import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not compile_gate.is_enabled(), reason="the gate compiles for MongoDB while the suite runs on SQLite"
    ),
]


def test_gate_is_enabled_on_sqlite():
    assert compile_gate.is_enabled()


@pytest.mark.no_compile_gate
def test_gate_records_extra_queries():
    # given a query shape MongoDB does not support
    list(User.objects.extra(select={"one": "1"}))
    # then the gate recorded it, naming the model and the reason
    failures = compile_gate.take_failures()
    assert len(failures) == 1
    assert failures[0].model == "identity.User"
    assert "extra() is not supported" in failures[0].error


@pytest.mark.no_compile_gate
def test_gate_records_cross_collection_updates():
    UserFactory()
    User.objects.filter(revoked_tokens__jti="x").update(bio="changed")
    failures = compile_gate.take_failures()
    assert failures and "multiple collections" in failures[0].error


@pytest.mark.no_compile_gate
def test_gate_records_pattern_lookups_on_uuid_keys():
    list(User.objects.filter(id__icontains="abc"))
    assert compile_gate.take_failures()


def test_supported_queries_pass_the_gate():
    user = UserFactory()
    RevokedToken.objects.create(jti="j1", user=user, expires_at=user.date_joined)
    list(User.objects.annotate(tokens=Count("revoked_tokens")).filter(tokens__gte=1))
    User.objects.filter(pk=user.pk).update(bio="fine")
    RevokedToken.objects.filter(user=user).delete()
    assert compile_gate.take_failures() == []


def test_a_failing_query_fails_the_test(pytester_like_failure=None):
    """The plugin turns recorded failures into a test failure."""
    from deltalabs.testing import pytest_plugin

    class Item:
        def get_closest_marker(self, name):
            return None

    hook = pytest_plugin.pytest_runtest_call(Item())
    next(hook)
    list(User.objects.extra(select={"one": "1"}))
    with pytest.raises(pytest.fail.Exception, match="Mongo compile gate"), contextlib.suppress(StopIteration):
        hook.send(None)


class _Item:
    def get_closest_marker(self, name):
        return None


@pytest.mark.no_compile_gate
def test_a_fixture_phase_query_fails_the_test():
    """Queries run while fixtures set a test up (or tear it down) count too."""
    from deltalabs.testing import pytest_plugin

    hook = pytest_plugin.pytest_runtest_setup(_Item())
    next(hook)
    list(User.objects.extra(select={"one": "1"}))  # what a fixture would run
    with pytest.raises(pytest.fail.Exception, match="Mongo compile gate"), contextlib.suppress(StopIteration):
        hook.send(None)


@pytest.mark.no_compile_gate
def test_gate_records_bulk_create_ignoring_conflicts():
    # given rows MongoDB's backend refuses to insert this way (NotSupportedError there)
    UserFactory(email="taken@example.test")
    User.objects.bulk_create([User(email="taken@example.test")], ignore_conflicts=True)
    failures = compile_gate.take_failures()
    assert failures and "ignore_conflicts" in failures[0].error


def test_gate_accepts_many_to_many_adds_which_adapt_to_the_engine():
    # Django asks for ignore_conflicts on an m2m add only where the engine
    # supports it, so the same call is fine on MongoDB
    group = Group.objects.create(name="editors")
    group.permissions.set(Permission.objects.all()[:3])
    assert compile_gate.take_failures() == []


@pytest.mark.no_compile_gate
def test_gate_records_select_for_update():
    # MongoDB takes no lock: a check-then-write guarded by it races there
    with atomic():
        list(User.objects.select_for_update().filter(is_staff=True))
    failures = compile_gate.take_failures()
    assert failures and "select_for_update" in failures[0].error


@pytest.mark.no_compile_gate
def test_contrib_models_are_gated():
    list(Session.objects.extra(select={"one": "1"}))
    failures = compile_gate.take_failures()
    assert [failure.model for failure in failures] == ["sessions.Session"]


def test_gate_compiles_for_the_oldest_supported_server():
    gate = connections[compile_gate.GATE_ALIAS]
    assert gate.get_database_version() == (6, 0) == gate.features.minimum_database_version
